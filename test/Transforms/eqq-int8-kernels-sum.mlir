// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=vnni | FileCheck %s
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=none | FileCheck %s --check-prefix=NONE

// The integer sums of average pools and means that --eqq-convert makes
// (stored integers less the zero point, in i32), on buffers.

// Tests a global average pool's sum over 7 x 9 = 63 bytes per channel: the
// input and output seen as flat rows, in parallel over the 6 channels,
// 3 vectors of 16 lanes accumulated in a loop and 15 masked lanes (a lane
// past the row keeps its sum), then the lanes added to the output. The
// body (widen, less the zero point, add) runs on the lanes.
// CHECK-LABEL: func.func @global_pool
// CHECK: %[[X:.*]] = memref.collapse_shape %arg0 {{\[\[}}0, 1, 2, 3]] : memref<2x3x7x9xi8> into memref<378xi8>
// CHECK: %[[Y:.*]] = memref.collapse_shape %arg2 {{\[\[}}0, 1, 2, 3]] : memref<2x3x1x1xi32> into memref<6xi32>
// CHECK: scf.parallel (%[[P:.*]]) = (%{{.*}}) to (%c6)
// CHECK: %[[BASE:.*]] = arith.muli %[[P]], %c63
// CHECK: scf.for %{{.*}} = %{{.*}} to %c48 step %c16 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<16xi32>)
// CHECK: vector.load %[[X]][%{{.*}}] : memref<378xi8>, vector<16xi8>
// CHECK: arith.extui %{{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: arith.subi
// CHECK: arith.addi %[[ACC]], %{{.*}} : vector<16xi32>
// CHECK: %[[M:.*]] = vector.constant_mask [15] : vector<16xi1>
// CHECK: vector.maskedload %[[X]][%{{.*}}], %[[M]]
// CHECK: arith.select %[[M]]
// CHECK: %[[S:.*]] = vector.reduction <add>, %{{.*}} : vector<16xi32> into i32
// CHECK: %[[OLD:.*]] = memref.load %[[Y]][%[[P]]] : memref<6xi32>
// CHECK: %[[NEW:.*]] = arith.addi %[[OLD]], %[[S]] : i32
// CHECK: memref.store %[[NEW]], %[[Y]][%[[P]]] : memref<6xi32>
// CHECK-NOT: linalg.generic
// NONE-LABEL: func.func @global_pool
// NONE: linalg.generic
#in = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 7 + d4, d3 * 9 + d5)>
#win = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
#out = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @global_pool(%x: memref<2x3x7x9xi8>, %w: memref<7x9xi8>, %y: memref<2x3x1x1xi32>) {
  linalg.generic {indexing_maps = [#in, #win, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : memref<2x3x7x9xi8>, memref<7x9xi8>) outs(%y : memref<2x3x1x1xi32>) {
  ^bb0(%a: i8, %b: i8, %o: i32):
    %e = arith.extui %a : i8 to i32
    %c = arith.constant 102 : i32
    %s = arith.subi %e, %c : i32
    %r = arith.addi %o, %s : i32
    linalg.yield %r : i32
  }
  return
}

// -----

// Tests a mean over the spatial axes (a channel sum generic: the output
// keeps batch and channel) of 3 bytes per channel: one masked vector.
// CHECK-LABEL: func.func @mean
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c8)
// CHECK-NOT: scf.for
// CHECK: vector.constant_mask [3] : vector<16xi1>
// CHECK: arith.extsi %{{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: vector.reduction <add>
#x4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#y2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @mean(%x: memref<2x4x1x3xi8>, %y: memref<2x4xi32>) {
  linalg.generic {indexing_maps = [#x4, #y2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x : memref<2x4x1x3xi8>) outs(%y : memref<2x4xi32>) {
  ^bb0(%a: i8, %o: i32):
    %e = arith.extsi %a : i8 to i32
    %c = arith.constant -5 : i32
    %s = arith.subi %e, %c : i32
    %r = arith.addi %o, %s : i32
    linalg.yield %r : i32
  }
  return
}

// -----

// Tests that a 2x2 stride-2 pool (each output reads parts of two rows, not
// one contiguous block) and a float sum are left to loops.
// CHECK-LABEL: func.func @not_rows
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: vector.reduction
#in2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
#win2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
#out2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @not_rows(%x: memref<1x2x4x4xi8>, %w: memref<2x2xi8>, %y: memref<1x2x2x2xi32>, %f: memref<1x2x4x4xf32>, %wf: memref<4x4xf32>, %yf: memref<1x2x1x1xf32>) {
  linalg.generic {indexing_maps = [#in2, #win2, #out2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : memref<1x2x4x4xi8>, memref<2x2xi8>) outs(%y : memref<1x2x2x2xi32>) {
  ^bb0(%a: i8, %b: i8, %o: i32):
    %e = arith.extui %a : i8 to i32
    %r = arith.addi %o, %e : i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [#in2, #win2, #out2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%f, %wf : memref<1x2x4x4xf32>, memref<4x4xf32>) outs(%yf : memref<1x2x1x1xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  }
  return
}
