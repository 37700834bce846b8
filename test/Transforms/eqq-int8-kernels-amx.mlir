// RUN: eq-opt %s --eqq-int8-kernels=isa=amx | FileCheck %s
// RUN: eq-opt %s --eqq-int8-kernels=isa=vnni | FileCheck %s --check-prefix=VNNI

// The integer program of a 3x3 conv, 64 -> 20 channels, pad 1, on 3 x 18
// (--eqq-convert of a float conv with constant weights), taken through
// --eqq-lower-to-llvm up to --eqq-int8-kernels: bufferized and deallocated.

// Tests the AMX conv kernel: the weight packed as A tiles (2 blocks of 16
// output channels, the second 4 real; 1 block of 64 input channels; 3 x 3
// taps; 16 rows of 64 bytes); the input packed as for the VNNI kernel
// (16 groups of 4 channels, 5 padded rows of 34 columns x 4 bytes) and
// read as B tiles 16 groups tall, one plane (5 x 136 = 680 bytes) apart;
// per output row, 2 x 2 C tiles (32 channels x 32 columns) from zero (one
// block of 64 input channels: one pass) stored to a scratch row after 9
// taps of 2 B and 2 A loads and 4 tdpbsud (`tile_muli` with the
// activations zero-extended), each row of C plus its channel's start value
// through the epilogue; a global constructor
// asks Linux for the tile registers; the scratch and packed input are
// freed after the layer.
// CHECK-LABEL: memref.global "private" constant @__eqq_amx_weight : memref<2x1x3x3x16x64xi8>
// CHECK-LABEL: func.func @forward
// CHECK: %[[XP:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3]] : memref<1x16x5x136xi8> into memref<10880xi8>
// CHECK: %[[SCRATCH:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x3x4x16x16xi32>
// CHECK: scf.parallel
// CHECK: %[[ROW:.*]] = memref.subview %[[SCRATCH]]
// CHECK-COUNT-4: amx.tile_zero : !amx.tile<16x16xi32>
// CHECK-NOT: amx.tile_load %[[ROW]]
// CHECK: amx.tile_load %[[XP]][%{{.*}}], %c680{{.*}} : memref<10880xi8> into !amx.tile<16x64xi8>
// CHECK: amx.tile_load %[[XP]][%{{.*}}], %c680{{.*}} : memref<10880xi8> into !amx.tile<16x64xi8>
// CHECK: amx.tile_load %{{.*}} : memref<2x1x3x3x16x64xi8> into !amx.tile<16x64xi8>
// CHECK: amx.tile_muli %{{.*}}, %{{.*}} zext, %{{.*}} : !amx.tile<16x64xi8>, !amx.tile<16x64xi8>, !amx.tile<16x16xi32>
// CHECK-COUNT-4: amx.tile_store %[[ROW]]
// CHECK: %[[C:.*]] = vector.load %[[ROW]]
// CHECK: arith.addi %[[C]], %{{.*}} : vector<16xi32>
// CHECK: memref.dealloc %[[SCRATCH]]
// CHECK: llvm.func @syscall(i64, ...) -> i64
// CHECK: llvm.func internal @__eqq_request_amx()
// CHECK: llvm.mlir.constant(158 : i64)
// CHECK: llvm.mlir.constant(4131 : i64)
// CHECK: llvm.mlir.constant(18 : i64)
// CHECK: llvm.call @syscall
// CHECK: llvm.mlir.global_ctors ctors = [@__eqq_request_amx]

// Tests that isa=vnni keeps the dot-product kernel.
// VNNI-LABEL: func.func @forward
// VNNI-NOT: amx.
// VNNI: llvm.x86.avx512.vpdpbusd.512
// VNNI-NOT: global_ctors
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
module {
  memref.global "private" constant @__constant_20x64x3x3xi8 : memref<20x64x3x3xi8> = dense<127> {alignment = 64 : i64}
  memref.global "private" constant @__constant_20xi32 : memref<20xi32> = dense<-5193792> {alignment = 64 : i64}
  func.func @forward(%arg0: memref<1x64x3x18xf32>, %arg1: memref<1x20x3x18xf32>) attributes {eqq.input_types = [tensor<1x64x3x18xf32>], eqq.output_types = [tensor<1x20x3x18xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %c71_i8 = arith.constant 71 : i8
    %cst_1 = arith.constant 0.319911093 : f32
    %cst_2 = arith.constant 2.500000e-01 : f32
    %cst_3 = arith.constant 2.1508288E-4 : f32
    %cst_4 = arith.constant 7.100000e+01 : f32
    %cst_5 = arith.constant 18.2328262 : f32
    %cst_6 = arith.constant 7.900000e+01 : f32
    %cst_7 = arith.constant 3.12586856 : f32
    %0 = memref.get_global @__constant_20xi32 : memref<20xi32>
    %1 = memref.get_global @__constant_20x64x3x3xi8 : memref<20x64x3x3xi8>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x64x3x18xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : memref<1x64x3x18xf32>) outs(%alloc : memref<1x64x3x18xi8>) {
    ^bb0(%in: f32, %out: i8):
      %2 = arith.mulf %in, %cst_5 : f32
      %3 = math.roundeven %2 : f32
      %4 = arith.addf %3, %cst_4 : f32
      %5 = arith.maximumf %4, %cst : f32
      %6 = arith.minimumf %5, %cst_0 : f32
      %7 = arith.fptosi %6 : f32 to i32
      %8 = arith.trunci %7 : i32 to i8
      linalg.yield %8 : i8
    }
    %alloc_8 = memref.alloc() {alignment = 64 : i64} : memref<1x64x5x20xi8>
    linalg.map outs(%alloc_8 : memref<1x64x5x20xi8>)
      (%init: i8) {
        linalg.yield %c71_i8 : i8
      }
    %subview = memref.subview %alloc_8[0, 0, 1, 1] [1, 64, 3, 18] [1, 1, 1, 1] : memref<1x64x5x20xi8> to memref<1x64x3x18xi8, strided<[6400, 100, 20, 1], offset: 21>>
    memref.copy %alloc, %subview : memref<1x64x3x18xi8> to memref<1x64x3x18xi8, strided<[6400, 100, 20, 1], offset: 21>>
    %alloc_9 = memref.alloc() {alignment = 64 : i64} : memref<1x20x3x18xi32>
    linalg.broadcast ins(%0 : memref<20xi32>) outs(%alloc_9 : memref<1x20x3x18xi32>) dimensions = [0, 2, 3] 
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%alloc_8, %1 : memref<1x64x5x20xi8>, memref<20x64x3x3xi8>) outs(%alloc_9 : memref<1x20x3x18xi32>) attrs =  {eqq.layer = "conv"} {
    ^bb0(%in: i8, %in_10: i8, %out: i32):
      %2 = arith.extui %in : i8 to i32
      %3 = arith.extsi %in_10 : i8 to i32
      %4 = arith.muli %2, %3 : i32
      %5 = arith.addi %out, %4 : i32
      linalg.yield %5 : i32
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_9 : memref<1x20x3x18xi32>) outs(%arg1 : memref<1x20x3x18xf32>) {
    ^bb0(%in: i32, %out: f32):
      %2 = arith.sitofp %in : i32 to f32
      %3 = arith.mulf %2, %cst_3 : f32
      %4 = arith.addf %3, %cst_2 : f32
      %5 = arith.mulf %4, %cst_7 : f32
      %6 = math.roundeven %5 : f32
      %7 = arith.addf %6, %cst_6 : f32
      %8 = arith.maximumf %7, %cst : f32
      %9 = arith.minimumf %8, %cst_0 : f32
      %10 = arith.fptosi %9 : f32 to i32
      %11 = arith.trunci %10 : i32 to i8
      %12 = arith.extui %11 : i8 to i32
      %13 = arith.sitofp %12 : i32 to f32
      %14 = arith.subf %13, %cst_6 : f32
      %15 = arith.mulf %14, %cst_1 : f32
      linalg.yield %15 : f32
    }
    memref.dealloc %alloc : memref<1x64x3x18xi8>
    memref.dealloc %alloc_8 : memref<1x64x5x20xi8>
    memref.dealloc %alloc_9 : memref<1x20x3x18xi32>
    return
  }
}

