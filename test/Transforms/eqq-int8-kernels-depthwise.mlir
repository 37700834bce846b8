// RUN: eq-opt %s --eqq-int8-kernels=isa=vnni | FileCheck %s
// RUN: eq-opt %s --eqq-int8-kernels=isa=portable | FileCheck %s
// RUN: eq-opt %s --eqq-int8-kernels=isa=vbmi | FileCheck %s --check-prefix=VBMI
// RUN: eq-opt %s --eqq-int8-kernels=isa=avx2 | FileCheck %s --check-prefix=AVX2

// The integer program of a depthwise conv (--eqq-convert of
// test/Transforms/eqq-convert-depthwise.mlir's @int8_program), taken through
// --eqq-lower-to-llvm up to --eqq-int8-kernels: bufferized and deallocated.

// Tests the depthwise kernel on a 3x3 stride-2 depthwise conv of 2 channels
// (pad 1, zero point 42): the weight as bytes per (c, kh, kw), sign-extended
// where read (so LLVM multiplies with vpmaddwd), the padded input
// packed per channel from the unpadded one (the padded copy is gone), its
// columns split by parity (padded column X at [X % 2][X / 2], each phase
// 16 + 1 columns wide: 34 bytes a row), the zero point written around it
// (the padding rows 0 and 4 filled on their own, each source row's packed
// row just before it is written);
// in parallel over images, channels and output rows, 9 taps of widened i32
// products per 16 output columns (no dot product: one channel per output),
// the requantize+dequantize consumer fused and the 2 real lanes stored
// masked; the accumulating generic and the i32 buffer are gone.
// CHECK-LABEL: func.func @int8_program
// CHECK-DAG: memref.get_global @__eqq_depthwise_weight : memref<2x3x3xi8>
// CHECK-DAG: memref.alloc() {alignment = 64 : i64} : memref<1x2x5x34xi8>
// CHECK: scf.parallel
// CHECK: memref.subview %{{.*}}[%{{.*}}, %{{.*}}, 0, 0] [1, 1, 1, 34]
// CHECK-NEXT: linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : memref<1x1x1x34xi8, strided<[340, 170, 34, 1], offset: ?>>)
// CHECK-NEXT: memref.subview %{{.*}}[%{{.*}}, %{{.*}}, 4, 0] [1, 1, 1, 34]
// CHECK-NEXT: linalg.fill
// CHECK: scf.for
// CHECK: memref.subview
// CHECK-NEXT: linalg.fill
// CHECK: scf.for
// CHECK: scf.parallel
// CHECK-COUNT-9: arith.muli %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<1x2x2x2xf32>, vector<16xi1>, vector<16xf32>
// CHECK-NOT: "reduction"
// CHECK-NOT: memref<1x2x2x2xi32>
// CHECK-NOT: memref.copy
// CHECK: memref.dealloc %{{.*}} : memref<1x2x5x34xi8>
// CHECK: return

// Tests the AVX2 depthwise kernel on the same conv: taps 0 and 2 of a row
// read neighbouring columns of one phase (stride 2), so they share a
// vpmaddwd with their weights as the two words of one dword (tap 1 with a
// zero): 2 dwords per (c, kh); each phase one column wider (18: the odd
// outputs' load of the lone tap reads one more); per kernel row 2 groups x
// (even, odd) loads widened to 16 bits, 12 vpmaddwd in all and no
// multiply of 32-bit lanes; the even and odd sums interleaved into the 16
// output columns before the epilogue.
// AVX2-LABEL: func.func @int8_program
// AVX2-DAG: memref.get_global @__eqq_depthwise_pairs : memref<2x3x2xi32>
// AVX2-DAG: memref.alloc() {alignment = 64 : i64} : memref<1x2x5x36xi8>
// AVX2: scf.parallel
// AVX2: scf.parallel
// AVX2-NOT: muli %{{.*}} : vector
// AVX2-COUNT-12: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2-NEXT: arith.addi %{{.*}} : vector<8xi32>
// AVX2: vector.shuffle %{{.*}}, %{{.*}} [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15] : vector<8xi32>, vector<8xi32>
// AVX2: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<1x2x2x2xf32>, vector<16xi1>, vector<16xf32>
// AVX2: return

// Tests the byte-permute depthwise kernel (isa=vbmi) on the same conv: the
// weight as one dword of taps per (c, kh) (3 taps and a zero), the padded
// rows packed whole (no phases), 33 bytes wide (the bytes 16 lanes at
// stride 2 select: 15 * 2 + 3), one more channel as slack for the last
// row's 64-byte window, the zero point around the rows and each source row
// (3 pixels) copied with one masked load and store; per kernel row and 16
// output columns one 64-byte window load, one vpermb whose dword j picks
// columns 2j, 2j + 1, 2j + 2 and one vpdpbusd.
// VBMI-LABEL: func.func @int8_program
// VBMI-DAG: memref.get_global @__eqq_depthwise_weight : memref<2x3x4xi8>
// VBMI-DAG: memref.alloc() {alignment = 64 : i64} : memref<1x3x5x33xi8>
// VBMI: linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : memref<1x1x1x33xi8, strided<[495, 165, 33, 1], offset: ?>>)
// VBMI: vector.maskedload %{{.*}} : memref<1x2x3x3xi8>, vector<16xi1>, vector<16xi8> into vector<16xi8>
// VBMI: vector.maskedstore %{{.*}} : memref<1x3x5x33xi8>, vector<16xi1>, vector<16xi8>
// VBMI: scf.parallel
// VBMI: arith.constant dense<[0, 1, 2, 0, 2, 3, 4, 0, 4, 5, 6, 0,
// VBMI-COUNT-3: vector.load %{{.*}} : memref<1x3x5x33xi8>, vector<64xi8>
// VBMI-NEXT: llvm.call_intrinsic "llvm.x86.avx512.permvar.qi.512"
// VBMI-NEXT: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VBMI-NOT: arith.muli %{{.*}} : vector<16xi32>
// VBMI: vector.maskedstore %arg1
// VBMI: memref.dealloc %{{.*}} : memref<1x3x5x33xi8>
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
module {
  memref.global "private" constant @__constant_2x3x3xi8 : memref<2x3x3xi8> = dense<[[[127, 127, 127], [127, 127, 127], [127, 127, 127]], [[64, 64, 64], [64, 64, 64], [64, 64, 64]]]> {alignment = 64 : i64}
  memref.global "private" constant @__constant_2xi32 : memref<2xi32> = dense<[-48006, -24192]> {alignment = 64 : i64}
  func.func @int8_program(%arg0: memref<1x2x3x3xf32>, %arg1: memref<1x2x2x2xf32>) attributes {eqq.input_types = [tensor<1x2x3x3xf32>], eqq.output_types = [tensor<1x2x2x2xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %c42_i8 = arith.constant 42 : i8
    %cst_1 = arith.constant 0.0629921257 : f32
    %cst_2 = arith.constant 1.85270968E-4 : f32
    %cst_3 = arith.constant 4.200000e+01 : f32
    %cst_4 = arith.constant 42.3333321 : f32
    %cst_5 = arith.constant 6.400000e+01 : f32
    %cst_6 = arith.constant 1.587500e+01 : f32
    %0 = memref.get_global @__constant_2xi32 : memref<2xi32>
    %1 = memref.get_global @__constant_2x3x3xi8 : memref<2x3x3xi8>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x2x3x3xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : memref<1x2x3x3xf32>) outs(%alloc : memref<1x2x3x3xi8>) {
    ^bb0(%in: f32, %out: i8):
      %2 = arith.mulf %in, %cst_4 : f32
      %3 = math.roundeven %2 : f32
      %4 = arith.addf %3, %cst_3 : f32
      %5 = arith.maximumf %4, %cst : f32
      %6 = arith.minimumf %5, %cst_0 : f32
      %7 = arith.fptosi %6 : f32 to i32
      %8 = arith.trunci %7 : i32 to i8
      linalg.yield %8 : i8
    }
    %alloc_7 = memref.alloc() {alignment = 64 : i64} : memref<1x2x5x5xi8>
    linalg.map outs(%alloc_7 : memref<1x2x5x5xi8>)
      (%init: i8) {
        linalg.yield %c42_i8 : i8
      }
    %subview = memref.subview %alloc_7[0, 0, 1, 1] [1, 2, 3, 3] [1, 1, 1, 1] : memref<1x2x5x5xi8> to memref<1x2x3x3xi8, strided<[50, 25, 5, 1], offset: 6>>
    memref.copy %alloc, %subview : memref<1x2x3x3xi8> to memref<1x2x3x3xi8, strided<[50, 25, 5, 1], offset: 6>>
    %alloc_8 = memref.alloc() {alignment = 64 : i64} : memref<1x2x2x2xi32>
    linalg.broadcast ins(%0 : memref<2xi32>) outs(%alloc_8 : memref<1x2x2x2xi32>) dimensions = [0, 2, 3] 
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%alloc_7, %1 : memref<1x2x5x5xi8>, memref<2x3x3xi8>) outs(%alloc_8 : memref<1x2x2x2xi32>) attrs =  {eqq.layer = "dw"} {
    ^bb0(%in: i8, %in_9: i8, %out: i32):
      %2 = arith.extui %in : i8 to i32
      %3 = arith.extsi %in_9 : i8 to i32
      %4 = arith.muli %2, %3 : i32
      %5 = arith.addi %out, %4 : i32
      linalg.yield %5 : i32
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_8 : memref<1x2x2x2xi32>) outs(%arg1 : memref<1x2x2x2xf32>) {
    ^bb0(%in: i32, %out: f32):
      %2 = arith.sitofp %in : i32 to f32
      %3 = arith.mulf %2, %cst_2 : f32
      %4 = arith.addf %3, %cst : f32
      %5 = arith.mulf %4, %cst_6 : f32
      %6 = math.roundeven %5 : f32
      %7 = arith.addf %6, %cst_5 : f32
      %8 = arith.maximumf %7, %cst : f32
      %9 = arith.minimumf %8, %cst_0 : f32
      %10 = arith.fptosi %9 : f32 to i32
      %11 = arith.trunci %10 : i32 to i8
      %12 = arith.extui %11 : i8 to i32
      %13 = arith.sitofp %12 : i32 to f32
      %14 = arith.subf %13, %cst_5 : f32
      %15 = arith.mulf %14, %cst_1 : f32
      linalg.yield %15 : f32
    }
    memref.dealloc %alloc : memref<1x2x3x3xi8>
    memref.dealloc %alloc_7 : memref<1x2x5x5xi8>
    memref.dealloc %alloc_8 : memref<1x2x2x2xi32>
    return
  }
}
