// RUN: eq-opt %s --eqq-int8-kernels=isa=vnni | FileCheck %s
// RUN: eq-opt %s --eqq-int8-kernels=isa=portable | FileCheck %s

// The integer programs of two max pools (--eqq-convert of
// test/Transforms/eqq-convert-max-pool.mlir), taken through
// --eqq-lower-to-llvm up to --eqq-int8-kernels: bufferized and deallocated.

// Tests the max pool kernel on a u8 3x3 stride-2 pool (pad 1, read as
// float): the padded input packed per channel from the unpadded one (its
// columns split by parity, 17 columns a phase: 34 bytes a row), in parallel
// over images, channels and output rows, 9 taps of 16-byte unsigned max
// from 0, the dequantize consumer fused and the 3 real lanes stored masked;
// the pool, its output fill, its i8 output and its window buffer are gone.
// CHECK-LABEL: func.func @u8_float_reader
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<1x2x7x34xi8>
// CHECK: scf.parallel
// CHECK: arith.constant dense<0> : vector<16xi8>
// CHECK-COUNT-9: arith.maxui %{{.*}}, %{{.*}} : vector<16xi8>
// CHECK: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<1x2x3x3xf32>, vector<16xi1>, vector<16xf32>
// CHECK-NOT: "reduction"
// CHECK-NOT: memref<1x2x3x3xi8>
// CHECK-NOT: memref<3x3xi8>
// CHECK-NOT: memref.copy
// CHECK: memref.dealloc %{{.*}} : memref<1x2x7x34xi8>
// CHECK: return

// Tests an s8 2x2 stride-2 pool without padding: 4 taps of 16-byte signed
// max from -128.
// CHECK-LABEL: func.func @s8_shared
// CHECK: arith.constant dense<-128> : vector<16xi8>
// CHECK-COUNT-4: arith.maxsi %{{.*}}, %{{.*}} : vector<16xi8>
// CHECK: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<1x1x2x2xf32>, vector<16xi1>, vector<16xf32>
// CHECK-NOT: "reduction"
// CHECK: return
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
module {
  func.func @u8_float_reader(%arg0: memref<1x2x5x5xf32>, %arg1: memref<1x2x3x3xf32>) attributes {eqq.input_types = [tensor<1x2x5x5xf32>], eqq.output_types = [tensor<1x2x3x3xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.00980392192 : f32
    %cst_0 = arith.constant 1.020000e+02 : f32
    %c0_i8 = arith.constant 0 : i8
    %cst_1 = arith.constant 2.550000e+02 : f32
    %cst_2 = arith.constant 0.000000e+00 : f32
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x2x5x5xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : memref<1x2x5x5xf32>) outs(%alloc : memref<1x2x5x5xi8>) {
    ^bb0(%in: f32, %out: i8):
      %0 = arith.mulf %in, %cst_0 : f32
      %1 = math.roundeven %0 : f32
      %2 = arith.addf %1, %cst_0 : f32
      %3 = arith.maximumf %2, %cst_2 : f32
      %4 = arith.minimumf %3, %cst_1 : f32
      %5 = arith.fptosi %4 : f32 to i32
      %6 = arith.trunci %5 : i32 to i8
      linalg.yield %6 : i8
    }
    %alloc_3 = memref.alloc() {alignment = 64 : i64} : memref<1x2x7x7xi8>
    linalg.map outs(%alloc_3 : memref<1x2x7x7xi8>)
      (%init: i8) {
        linalg.yield %c0_i8 : i8
      }
    %subview = memref.subview %alloc_3[0, 0, 1, 1] [1, 2, 5, 5] [1, 1, 1, 1] : memref<1x2x7x7xi8> to memref<1x2x5x5xi8, strided<[98, 49, 7, 1], offset: 8>>
    memref.copy %alloc, %subview : memref<1x2x5x5xi8> to memref<1x2x5x5xi8, strided<[98, 49, 7, 1], offset: 8>>
    %alloc_4 = memref.alloc() {alignment = 64 : i64} : memref<1x2x3x3xi8>
    linalg.fill ins(%c0_i8 : i8) outs(%alloc_4 : memref<1x2x3x3xi8>)
    %alloc_5 = memref.alloc() {alignment = 64 : i64} : memref<3x3xi8>
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%alloc_3, %alloc_5 : memref<1x2x7x7xi8>, memref<3x3xi8>) outs(%alloc_4 : memref<1x2x3x3xi8>) {
    ^bb0(%in: i8, %in_6: i8, %out: i8):
      %0 = arith.maxui %in, %out : i8
      linalg.yield %0 : i8
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_4 : memref<1x2x3x3xi8>) outs(%arg1 : memref<1x2x3x3xf32>) {
    ^bb0(%in: i8, %out: f32):
      %0 = arith.extui %in : i8 to i32
      %1 = arith.sitofp %0 : i32 to f32
      %2 = arith.subf %1, %cst_0 : f32
      %3 = arith.mulf %2, %cst : f32
      linalg.yield %3 : f32
    }
    memref.dealloc %alloc : memref<1x2x5x5xi8>
    memref.dealloc %alloc_3 : memref<1x2x7x7xi8>
    memref.dealloc %alloc_4 : memref<1x2x3x3xi8>
    memref.dealloc %alloc_5 : memref<3x3xi8>
    return
  }
  func.func @s8_shared(%arg0: memref<1x1x4x4xf32>, %arg1: memref<1x1x2x2xf32>) attributes {eqq.input_types = [tensor<1x1x4x4xf32>], eqq.output_types = [tensor<1x1x2x2xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.00784313772 : f32
    %cst_0 = arith.constant -1.000000e+00 : f32
    %cst_1 = arith.constant 127.499992 : f32
    %c-128_i8 = arith.constant -128 : i8
    %cst_2 = arith.constant 1.270000e+02 : f32
    %cst_3 = arith.constant -1.280000e+02 : f32
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x1x4x4xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : memref<1x1x4x4xf32>) outs(%alloc : memref<1x1x4x4xi8>) {
    ^bb0(%in: f32, %out: i8):
      %0 = arith.mulf %in, %cst_1 : f32
      %1 = math.roundeven %0 : f32
      %2 = arith.addf %1, %cst_0 : f32
      %3 = arith.maximumf %2, %cst_3 : f32
      %4 = arith.minimumf %3, %cst_2 : f32
      %5 = arith.fptosi %4 : f32 to i32
      %6 = arith.trunci %5 : i32 to i8
      linalg.yield %6 : i8
    }
    %alloc_4 = memref.alloc() {alignment = 64 : i64} : memref<1x1x2x2xi8>
    linalg.fill ins(%c-128_i8 : i8) outs(%alloc_4 : memref<1x1x2x2xi8>)
    %alloc_5 = memref.alloc() {alignment = 64 : i64} : memref<2x2xi8>
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%alloc, %alloc_5 : memref<1x1x4x4xi8>, memref<2x2xi8>) outs(%alloc_4 : memref<1x1x2x2xi8>) {
    ^bb0(%in: i8, %in_6: i8, %out: i8):
      %0 = arith.maxsi %in, %out : i8
      linalg.yield %0 : i8
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_4 : memref<1x1x2x2xi8>) outs(%arg1 : memref<1x1x2x2xf32>) {
    ^bb0(%in: i8, %out: f32):
      %0 = arith.extsi %in : i8 to i32
      %1 = arith.sitofp %0 : i32 to f32
      %2 = arith.subf %1, %cst_0 : f32
      %3 = arith.mulf %2, %cst : f32
      linalg.yield %3 : f32
    }
    memref.dealloc %alloc : memref<1x1x4x4xi8>
    memref.dealloc %alloc_4 : memref<1x1x2x2xi8>
    memref.dealloc %alloc_5 : memref<2x2xi8>
    return
  }
}


