// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=vnni | FileCheck %s
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=vbmi | FileCheck %s --check-prefix=VBMI

// The inputs are memref-level programs as --eqq-lower-to-llvm brings them
// to this stage: a conv (lanes along output columns for rows of 16 columns
// or more, along output channels below), its requantize and a residual
// add, as --eqq-fuse-elementwise leaves it, of the requantize's output and
// a shortcut.

// Tests that the residual add is computed in the conv's kernel after its
// requantize: each vector of the shortcut (%arg1) is loaded there and the
// sum stored into the add's output (%arg2); both generics and the
// requantize's int8 buffer are gone. The add reads the requantize's
// integers (lrint of the clamped value), not their bytes widened again.
// CHECK-LABEL: func.func @residual
// CHECK-NOT: memref.alloc() {{.*}} : memref<1x4x2x20xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: %[[Q:.*]] = llvm.intr.lrint({{.*}}) : (vector<16xf32>) -> vector<16xi32>
// CHECK-NOT: arith.extsi {{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: arith.sitofp %[[Q]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[S:.*]] = vector.load %arg1[{{.*}}] : memref<1x4x2x20xi8>, vector<16xi8>
// CHECK: arith.extsi %[[S]] : vector<16xi8> to vector<16xi32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK: vector.store {{.*}}, %arg2[{{.*}}] : memref<1x4x2x20xi8>, vector<16xi8>
// CHECK: vector.maskedload %arg1
// CHECK: vector.store {{.*}}, %arg2[{{.*}}] : memref<1x4x2x20xi8>, vector<4xi8>
// CHECK-NOT: linalg.generic
// CHECK: return
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#x = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#o = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
memref.global "private" constant @w : memref<4x4x1x1xi8> = dense<3> {alignment = 64 : i64}
memref.global "private" constant @start : memref<4xi32> = dense<[1, 2, 3, 4]> {alignment = 64 : i64}
func.func @residual(%x: memref<1x4x2x20xi8>, %skip: memref<1x4x2x20xi8>, %out: memref<1x4x2x20xi8>) {
  %c0 = arith.constant 0.5 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %w = memref.get_global @w : memref<4x4x1x1xi8>
  %s = memref.get_global @start : memref<4xi32>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<1x4x2x20xi32>
  linalg.broadcast ins(%s : memref<4xi32>) outs(%acc : memref<1x4x2x20xi32>) dimensions = [0, 2, 3]
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x4x2x20xi8>, memref<4x4x1x1xi8>) outs(%acc : memref<1x4x2x20xi32>) {
  ^bb0(%a: i8, %b: i8, %o: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %o, %2 : i32
    linalg.yield %3 : i32
  }
  %mid = memref.alloc() {alignment = 64 : i64} : memref<1x4x2x20xi8>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc : memref<1x4x2x20xi32>) outs(%mid : memref<1x4x2x20xi8>) {
  ^bb0(%a: i32, %o: i8):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %c0 : f32
    %2 = math.roundeven %1 : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i32
    %6 = arith.trunci %5 : i32 to i8
    linalg.yield %6 : i8
  }
  memref.dealloc %acc : memref<1x4x2x20xi32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mid, %skip : memref<1x4x2x20xi8>, memref<1x4x2x20xi8>) outs(%out : memref<1x4x2x20xi8>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.sitofp %0 : i32 to f32
    %2 = arith.extsi %b : i8 to i32
    %3 = arith.sitofp %2 : i32 to f32
    %4 = arith.addf %1, %3 : f32
    %5 = math.roundeven %4 : f32
    %6 = arith.maximumf %5, %lo : f32
    %7 = arith.minimumf %6, %hi : f32
    %8 = arith.fptosi %7 : f32 to i32
    %9 = arith.trunci %8 : i32 to i8
    linalg.yield %9 : i8
  }
  memref.dealloc %mid : memref<1x4x2x20xi8>
  return
}

// -----

// Tests that an add whose shortcut is written after the layer (here a fill;
// in a ResNet the downsample conv) stays a loop of its own: the shortcut
// is not ready when the layer runs. The requantize is still the kernel's
// epilogue, into its int8 buffer, which the add reads.
// CHECK-LABEL: func.func @shortcut_written_after
// CHECK: %[[MID:.*]] = memref.alloc() {{.*}} : memref<1x4x2x20xi8>
// CHECK: vector.store {{.*}}, %[[MID]]
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%arg1
// CHECK: linalg.generic {{.*}} ins(%[[MID]], %arg1 : {{.*}}) outs(%arg2
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#x = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#o = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
memref.global "private" constant @w : memref<4x4x1x1xi8> = dense<3> {alignment = 64 : i64}
memref.global "private" constant @start : memref<4xi32> = dense<[1, 2, 3, 4]> {alignment = 64 : i64}
func.func @shortcut_written_after(%x: memref<1x4x2x20xi8>, %skip: memref<1x4x2x20xi8>, %out: memref<1x4x2x20xi8>) {
  %c0 = arith.constant 0.5 : f32
  %c7 = arith.constant 7 : i8
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %w = memref.get_global @w : memref<4x4x1x1xi8>
  %s = memref.get_global @start : memref<4xi32>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<1x4x2x20xi32>
  linalg.broadcast ins(%s : memref<4xi32>) outs(%acc : memref<1x4x2x20xi32>) dimensions = [0, 2, 3]
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x4x2x20xi8>, memref<4x4x1x1xi8>) outs(%acc : memref<1x4x2x20xi32>) {
  ^bb0(%a: i8, %b: i8, %o: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %o, %2 : i32
    linalg.yield %3 : i32
  }
  %mid = memref.alloc() {alignment = 64 : i64} : memref<1x4x2x20xi8>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc : memref<1x4x2x20xi32>) outs(%mid : memref<1x4x2x20xi8>) {
  ^bb0(%a: i32, %o: i8):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %c0 : f32
    %2 = math.roundeven %1 : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i32
    %6 = arith.trunci %5 : i32 to i8
    linalg.yield %6 : i8
  }
  memref.dealloc %acc : memref<1x4x2x20xi32>
  linalg.fill ins(%c7 : i8) outs(%skip : memref<1x4x2x20xi8>)
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mid, %skip : memref<1x4x2x20xi8>, memref<1x4x2x20xi8>) outs(%out : memref<1x4x2x20xi8>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.sitofp %0 : i32 to f32
    %2 = arith.extsi %b : i8 to i32
    %3 = arith.sitofp %2 : i32 to f32
    %4 = arith.addf %1, %3 : f32
    %5 = math.roundeven %4 : f32
    %6 = arith.maximumf %5, %lo : f32
    %7 = arith.minimumf %6, %hi : f32
    %8 = arith.fptosi %7 : f32 to i32
    %9 = arith.trunci %8 : i32 to i8
    linalg.yield %9 : i8
  }
  memref.dealloc %mid : memref<1x4x2x20xi8>
  return
}

// -----

// Tests the stores of a conv with lanes along output channels (9 columns:
// tiles of 7 and of 2 columns; 20 channels: a vector of 16 and one of 4
// real lanes). On VNNI each byte is stored on its own. On VBMI the bytes
// of a tile are transposed with vpermi2b, whose indices (one per 4
// channels, built once per output row) pass through an empty inline
// assembly so that LLVM keeps the permute, and each channel's row of the
// tile is one masked store of 7 or 2 bytes: 16 + 4 per tile width.
// CHECK-LABEL: func.func @channel_tiles
// CHECK-NOT: llvm.inline_asm
// CHECK: memref.store %{{.*}}, %arg1
// CHECK-NOT: vector.maskedstore
// VBMI-LABEL: func.func @channel_tiles
// VBMI-COUNT-4: llvm.inline_asm "", "=v,0" %{{.*}} : (vector<64xi8>) -> vector<64xi8>
// VBMI: %[[SEVEN:.*]] = vector.constant_mask [7] : vector<16xi1>
// VBMI: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"
// VBMI-COUNT-16: vector.maskedstore %arg1[{{.*}}], %[[SEVEN]], %{{.*}} : memref<1x20x2x9xi8>, vector<16xi1>, vector<16xi8>
// VBMI: %[[SEVEN4:.*]] = vector.constant_mask [7] : vector<16xi1>
// VBMI-COUNT-4: vector.maskedstore %arg1[{{.*}}], %[[SEVEN4]], %{{.*}} : memref<1x20x2x9xi8>, vector<16xi1>, vector<16xi8>
// VBMI: %[[TWO:.*]] = vector.constant_mask [2] : vector<16xi1>
// VBMI-COUNT-16: vector.maskedstore %arg1[{{.*}}], %[[TWO]], %{{.*}} : memref<1x20x2x9xi8>, vector<16xi1>, vector<16xi8>
// VBMI-NOT: memref.store
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#x = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#o = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
memref.global "private" constant @w : memref<20x4x1x1xi8> = dense<3> {alignment = 64 : i64}
memref.global "private" constant @start : memref<20xi32> = dense<5> {alignment = 64 : i64}
func.func @channel_tiles(%x: memref<1x4x2x9xi8>, %out: memref<1x20x2x9xi8>) {
  %c0 = arith.constant 0.5 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %w = memref.get_global @w : memref<20x4x1x1xi8>
  %s = memref.get_global @start : memref<20xi32>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<1x20x2x9xi32>
  linalg.broadcast ins(%s : memref<20xi32>) outs(%acc : memref<1x20x2x9xi32>) dimensions = [0, 2, 3]
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x4x2x9xi8>, memref<20x4x1x1xi8>) outs(%acc : memref<1x20x2x9xi32>) {
  ^bb0(%a: i8, %b: i8, %o: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %o, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc : memref<1x20x2x9xi32>) outs(%out : memref<1x20x2x9xi8>) {
  ^bb0(%a: i32, %o: i8):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %c0 : f32
    %2 = math.roundeven %1 : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i32
    %6 = arith.trunci %5 : i32 to i8
    linalg.yield %6 : i8
  }
  memref.dealloc %acc : memref<1x20x2x9xi32>
  return
}
