// RUN: eq-opt %s --eqq-matmul-kernels --split-input-file | FileCheck %s
// RUN: eq-opt %s --eqq-matmul-kernels="mr=4 nr=16" --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: eq-opt %s --eqq-matmul-kernels="integer-products=false" --split-input-file | FileCheck %s --check-prefix=NOINT

// Tests that a transposed-weight matmul with a constant weight becomes panel
// loops over a packed weight Wp[ceil(N / 32)][K][32] (zero-padded), with the
// last 4 rows by a narrower kernel and the last 8 columns masked.
// The panel starts with column k = 0 of W: 1, 4, 7, 1, ...
// CHECK: memref.global "private" constant @__eqq_packed_weight : memref<2x3x32xf32> = dense<"0x0000803F000080400000E0400000803F
// CHECK-LABEL: func.func @transposed_b
// CHECK-NOT: linalg.matmul
// CHECK: memref.get_global @__eqq_packed_weight
// The full panel: 8-row blocks of 2 accumulators per row.
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-16: vector.load %arg1
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-2: vector.load %{{.*}} : memref<2x3x32xf32>, vector<16xf32>
// CHECK-COUNT-16: vector.fma
// CHECK-COUNT-16: vector.store
// The 4 remaining rows.
// CHECK-COUNT-8: vector.load %arg1
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-8: vector.fma
// The tail panel: 8 real columns, masked.
// CHECK: vector.constant_mask [8] : vector<16xi1>
// CHECK: vector.maskedload %arg1
// CHECK: vector.maskedstore %arg1
// SMALL: memref.global "private" constant @__eqq_packed_weight : memref<3x3x16xf32>
// SMALL-LABEL: func.func @transposed_b
// SMALL: vector.constant_mask [8] : vector<16xi1>
memref.global "private" constant @w : memref<40x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]>
func.func @transposed_b(%a: memref<12x3xf32>, %c: memref<12x40xf32>) {
  %w = memref.get_global @w : memref<40x3xf32>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %w : memref<12x3xf32>, memref<40x3xf32>) outs(%c : memref<12x40xf32>)
  return
}

// -----

// Tests that a linalg.transpose of a constant feeding a plain matmul reads
// the constant directly, and that the transpose and its buffer go away.
// CHECK-LABEL: func.func @transpose_op
// CHECK-NOT: linalg.transpose
// CHECK-NOT: memref.alloc
// CHECK: vector.fma
func.func @transpose_op(%a: memref<2x3xf32>, %c: memref<2x4xf32>) {
  %w = memref.get_global @w : memref<4x3xf32>
  %t = memref.alloc() : memref<3x4xf32>
  linalg.transpose ins(%w : memref<4x3xf32>) outs(%t : memref<3x4xf32>) permutation = [1, 0]
  linalg.matmul ins(%a, %t : memref<2x3xf32>, memref<3x4xf32>) outs(%c : memref<2x4xf32>)
  return
}
memref.global "private" constant @w : memref<4x3xf32> = dense<1.0>

// -----

// Tests that a matmul of two activations reads B's rows in place (no packed
// copy): one vector of B per 16 columns and reduction step, the last 8
// columns by masked loads.
// CHECK-LABEL: func.func @runtime_weight
// CHECK-NOT: linalg.matmul
// CHECK-NOT: memref.get_global
// CHECK: scf.for {{.*}} iter_args
// CHECK: vector.maskedload %arg1[%{{.*}}, %{{.*}}], %{{.*}}, %{{.*}} : memref<3x24xf32>
// CHECK: vector.fma
// CHECK: vector.maskedstore %arg2
func.func @runtime_weight(%a: memref<2x3xf32>, %b: memref<3x24xf32>, %c: memref<2x24xf32>) {
  linalg.matmul ins(%a, %b : memref<2x3xf32>, memref<3x24xf32>) outs(%c : memref<2x24xf32>)
  return
}

// -----

// Tests that a batched product of two activations (attention's probabilities
// x values, as the exporter writes it) loops over its batch axes in parallel
// and reads B's broadcast axis of size 1 at 0.
// CHECK-LABEL: func.func @batched
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel (%[[B:.*]], %[[H:.*]]) = {{.*}} to (%c2{{.*}}, %c3{{.*}})
// CHECK: scf.for {{.*}} iter_args
// CHECK: vector.load %arg1[%c0{{.*}}, %[[H]], %{{.*}}, %{{.*}}] : memref<1x3x4x16xf32>
// CHECK: memref.load %arg0[%[[B]], %[[H]], %{{.*}}, %{{.*}}] : memref<2x3x5x4xf32>
// CHECK: vector.fma
// CHECK: vector.store {{.*}}, %arg2[%[[B]], %[[H]], %{{.*}}, %{{.*}}] : memref<2x3x5x16xf32>
#a = affine_map<(b, h, m, n, k) -> (b, h, m, k)>
#b = affine_map<(b, h, m, n, k) -> (0, h, k, n)>
#c = affine_map<(b, h, m, n, k) -> (b, h, m, n)>
func.func @batched(%a: memref<2x3x5x4xf32>, %b: memref<1x3x4x16xf32>, %c: memref<2x3x5x16xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x3x5x4xf32>, memref<1x3x4x16xf32>) outs(%c : memref<2x3x5x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a product reading B transposed (B[n, k], columns not
// contiguous) is left to the generic lowering.
// CHECK-LABEL: func.func @transposed_activation
// CHECK: linalg.generic
// CHECK-NOT: vector.fma
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @transposed_activation(%a: memref<5x4xf32>, %b: memref<16x4xf32>, %c: memref<5x16xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<5x4xf32>, memref<16x4xf32>) outs(%c : memref<5x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a contraction that does not multiply and add (here max of
// products) is left alone.
// CHECK-LABEL: func.func @not_multiply_add
// CHECK: linalg.generic
// CHECK-NOT: vector.fma
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @not_multiply_add(%a: memref<5x4xf32>, %b: memref<4x16xf32>, %c: memref<5x16xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<5x4xf32>, memref<4x16xf32>) outs(%c : memref<5x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that an int8 product of two activations (--eqq-convert's form: the
// stored integers less their zero points, summed in i32) gets the same
// kernel on f32 copies of its operands less the zero points, exact: the
// reduction of 300 runs as a chunk of 256 and one of 44, each summed in f32
// from zero (below 2^24) and added to the i32 accumulator. With
// integer-products=false it stays loops.
// CHECK-LABEL: func.func @integer_product
// CHECK: %[[A:.*]] = memref.alloc() : memref<7x300xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0 : memref<7x300xi8>) outs(%[[A]] : memref<7x300xf32>)
// CHECK: arith.extui
// CHECK: arith.subi %{{.*}}, %c3_i32
// CHECK: arith.sitofp
// CHECK: %[[B:.*]] = memref.alloc() : memref<300x16xf32>
// CHECK: linalg.generic {{.*}} ins(%arg1 : memref<300x16xi8>) outs(%[[B]] : memref<300x16xf32>)
// CHECK: arith.extsi
// CHECK: arith.subi %{{.*}}, %c-5_i32
// CHECK: scf.for %[[K0:.*]] = %c0{{.*}} to %c256{{.*}} step %c256
// CHECK: scf.for {{.*}} = %[[K0]] to %{{.*}} step {{.*}} iter_args
// CHECK: vector.load %[[B]]
// CHECK: memref.load %[[A]]
// CHECK: vector.fma
// CHECK: arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK: vector.load %arg2{{.*}} : memref<7x16xi32>, vector<16xi32>
// CHECK: arith.addi
// CHECK: vector.store {{.*}}, %arg2
// The last 44 steps.
// CHECK: scf.for {{.*}} = %c256{{.*}} to %c300{{.*}} step {{.*}} iter_args
// CHECK-NOT: linalg.generic
// CHECK: return
// NOINT-LABEL: func.func @integer_product
// NOINT: linalg.generic
// NOINT: arith.muli %{{.*}}, %{{.*}} : i32
func.func @integer_product(%a: memref<7x300xi8>, %b: memref<300x16xi8>, %c: memref<7x16xi32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<7x300xi8>, memref<300x16xi8>) outs(%c : memref<7x16xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %za = arith.constant 3 : i32
    %xc = arith.subi %xe, %za : i32
    %ye = arith.extsi %y : i8 to i32
    %zb = arith.constant -5 : i32
    %yc = arith.subi %ye, %zb : i32
    %p = arith.muli %xc, %yc : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// Tests that operands whose zero point lies outside the storage range
// (u8 values less -200: up to 455) get chunks short enough to stay exact:
// 2^24 / 455^2 = 81 steps.
// CHECK-LABEL: func.func @wide_zero_point
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c243{{.*}} step %c81
// CHECK: scf.for {{.*}} = %c243{{.*}} to %c300{{.*}} step {{.*}} iter_args
func.func @wide_zero_point(%a: memref<2x300xi8>, %b: memref<300x16xi8>, %c: memref<2x16xi32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x300xi8>, memref<300x16xi8>) outs(%c : memref<2x16xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %za = arith.constant -200 : i32
    %xc = arith.subi %xe, %za : i32
    %ye = arith.extui %y : i8 to i32
    %zb = arith.constant -200 : i32
    %yc = arith.subi %ye, %zb : i32
    %p = arith.muli %xc, %yc : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}
