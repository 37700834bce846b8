// RUN: eq-opt %s --split-input-file --eqq-int8-kernels="isa=vnni conv-lanes=width" | FileCheck %s --check-prefix=VNNI
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=vnni | FileCheck %s --check-prefix=AUTO
// RUN: not eq-opt %s --split-input-file --eqq-int8-kernels="cv=4 px=8" 2>&1 | FileCheck %s --check-prefix=BADTILE
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=avx2 | FileCheck %s --check-prefix=AVX2
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels="isa=avx2 conv-lanes=channels" | FileCheck %s --check-prefix=AVX2CH
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=portable | FileCheck %s --check-prefix=PORTABLE
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=none | FileCheck %s --check-prefix=NONE
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=vnni | FileCheck %s --check-prefix=PAD --implicit-check-not=memref.copy
// RUN: not eq-opt %s --split-input-file --eqq-int8-kernels=isa=sse 2>&1 | FileCheck %s --check-prefix=BADISA

// The inputs are converted modules (--eqq-convert) taken through
// --eqq-lower-to-llvm up to this stage: bufferized and deallocated.

// BADISA: for the --isa option: Cannot find option named 'sse'!
// BADTILE: eqq-int8-kernels: mr, nv, fr, ov, cv and px must be >= 1 with mr * nv, fr * ov and cv * px <= 28 (vector registers)

// Tests a linear layer with remainders everywhere (M = 3 rows of a 4-row
// tile, K = 6 = one 4-byte step and a masked 2-byte one, N = 20 = 16 + 4
// columns): the weight packed to [N/16][K/4][64] bytes with zeros, start
// values padded to 32, one dot step per (row, column vector) per 4 bytes of
// K, the requantize+dequantize consumer computed from the registers (its
// rounding and clamp as lrint of the clamped value plus the zero point,
// dequantized from that integer without narrowing it to a byte and back)
// and stored with a 4-lane mask in the last columns; the i32 accumulator
// buffer and both generics are gone.
// VNNI-LABEL: func.func @linear
// VNNI-DAG: memref.get_global @__eqq_packed_i8_weight : memref<2x2x64xi8>
// VNNI-DAG: memref.get_global @__eqq_packed_start : memref<32xi32>
// VNNI: scf.for
// VNNI-COUNT-6: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI: vector.maskedload %{{.*}} : memref<3x6xi8>, vector<4xi1>, vector<4xi8> into vector<4xi8>
// VNNI: %[[R:.*]] = llvm.intr.lrint(%{{.*}}) : (vector<16xf32>) -> vector<16xi32>
// VNNI: %[[Q:.*]] = arith.addi %[[R]], %{{.*}} : vector<16xi32>
// VNNI-NOT: arith.extui
// VNNI: arith.sitofp %[[Q]] : vector<16xi32> to vector<16xf32>
// VNNI: vector.store %{{.*}}, %arg1[{{.*}}] : memref<3x20xf32>, vector<16xf32>
// VNNI: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<3x20xf32>, vector<16xi1>, vector<16xf32>
// VNNI-NOT: memref<3x20xi32>
// VNNI-NOT: "reduction"
// VNNI: return
// On AVX2 the weights are packed as 16-bit values (no extend per step),
// the tile is 2 rows x 1 vector (2 accumulators of 4 ymm each fit in 16
// registers), and each accumulator keeps its lanes' two pair sums apart
// (vector<32xi32>, start values in the even elements) until the loop ends,
// where one even + odd add narrows it.
// AVX2-LABEL: func.func @linear
// AVX2: memref.get_global @__eqq_packed_i16_weight : memref<2x2x64xi16>
// AVX2: vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, {{.*}}, 15, 31] : vector<16xi32>, vector<16xi32>
// AVX2: scf.for {{.*}} -> (vector<32xi32>, vector<32xi32>) {
// AVX2-NOT: arith.extsi
// AVX2-COUNT-4: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2: arith.addi %{{.*}} : vector<32xi32>
// AVX2: scf.yield {{.*}} : vector<32xi32>, vector<32xi32>
// AVX2: vector.shuffle %{{.*}} [0, 2, 4, {{.*}}, 30] : vector<32xi32>, vector<32xi32>
// AVX2: vector.shuffle %{{.*}} [1, 3, 5, {{.*}}, 31] : vector<32xi32>, vector<32xi32>
// AVX2-NOT: vpdpbusd
// AVX2: return
// PORTABLE-LABEL: func.func @linear
// PORTABLE-NOT: llvm.call_intrinsic
// PORTABLE: arith.muli %{{.*}} : vector<64xi32>
// PORTABLE: return
// NONE-LABEL: func.func @linear
// NONE: iterator_types = ["parallel", "parallel", "reduction"]
// NONE-NOT: llvm.call_intrinsic
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1)>
  memref.global "private" constant @__constant_20x6xi8 : memref<20x6xi8> = dense<"0x15D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB00"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_20xi32 : memref<20xi32> = dense<[2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882]> {alignment = 64 : i64}
  func.func @linear(%arg0: memref<3x6xf32>, %arg1: memref<3x20xf32>) attributes {eqq.input_types = [tensor<3x6xf32>], eqq.output_types = [tensor<3x20xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %cst_1 = arith.constant 0.393700778 : f32
    %cst_2 = arith.constant 0.00111162581 : f32
    %cst_3 = arith.constant 4.200000e+01 : f32
    %cst_4 = arith.constant 42.3333321 : f32
    %cst_5 = arith.constant 5.100000e+01 : f32
    %cst_6 = arith.constant 2.540000e+00 : f32
    %0 = memref.get_global @__constant_20xi32 : memref<20xi32>
    %1 = memref.get_global @__constant_20x6xi8 : memref<20x6xi8>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<3x6xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<3x6xf32>) outs(%alloc : memref<3x6xi8>) {
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
    %alloc_7 = memref.alloc() {alignment = 64 : i64} : memref<3x20xi32>
    linalg.broadcast ins(%0 : memref<20xi32>) outs(%alloc_7 : memref<3x20xi32>) dimensions = [0] 
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%alloc, %1 : memref<3x6xi8>, memref<20x6xi8>) outs(%alloc_7 : memref<3x20xi32>) {
    ^bb0(%in: i8, %in_8: i8, %out: i32):
      %2 = arith.extui %in : i8 to i32
      %3 = arith.extsi %in_8 : i8 to i32
      %4 = arith.muli %2, %3 : i32
      %5 = arith.addi %out, %4 : i32
      linalg.yield %5 : i32
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%alloc_7 : memref<3x20xi32>) outs(%arg1 : memref<3x20xf32>) {
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
    memref.dealloc %alloc : memref<3x6xi8>
    memref.dealloc %alloc_7 : memref<3x20xi32>
    return
  }

// -----

// Tests that on AVX2 a conv whose weights have 7 bits (those of @forward
// clipped to [-64, 63]) takes a register tile of 8 accumulators of 8 lanes,
// one register each with vpmaddubsw: 4 output channels x 2 vectors of
// columns (16 of the 18), 8 vpmaddubsw per tap.
// AVX2-LABEL: func.func @conv_7bit_weights
// AVX2: memref.get_global @__eqq_packed_i8_weight : memref<5x1x3x3xi32>
// AVX2: scf.for %{{.*}} = %{{.*}} to %c16{{.*}} step %c16
// AVX2: scf.for {{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>) {
// AVX2-COUNT-8: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// AVX2: return
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d1)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#map4 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
  memref.global "private" constant @__constant_3xf32_w7 : memref<3xf32> = dense<[0.614896774, 0.621327698, 0.616061747]> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5x3x3x3xi8_w7 : memref<5x3x3x3xi8> = dense<"0xFF3FC0C0CF22FD3FF521DAE7C0C0CC05323FC0C82E3FE63FEB0D3FC0C0E0CE3FC0C5C0C0C03F383D07C015C0C0C03F3FC7FB3F3F33113FC018C0C0C03A33C0263FF0051D3F3FC0D2323F3F3F19C00CC0C03F3FC018EAEBC531C02E3F3F2FC0C03F1AC0C03F3FC8E0C0FEC0C0F913CC3FC03F3FC0E006121E3208C23CC0C0E0C2D3C0E51BC0F93F"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xi32_w7 : memref<5xi32> = dense<0> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xf32_w7 : memref<5xf32> = dense<[-0.0197839178, 0.00534861442, -0.0166024584, 0.0389483124, 0.12236736]> {alignment = 64 : i64}
  func.func @conv_7bit_weights(%arg0: memref<1x3x4x18xf32>, %arg1: memref<1x5x4x18xf32>) attributes {eqq.input_types = [tensor<1x3x4x18xf32>], eqq.output_types = [tensor<1x5x4x18xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %c0_i8 = arith.constant 0 : i8
    %cst_1 = arith.constant 0.00386789604 : f32
    %cst_2 = arith.constant 1.1864523E-5 : f32
    %cst_3 = arith.constant 206.386139 : f32
    %cst_4 = arith.constant 258.538483 : f32
    %0 = memref.get_global @__constant_5xf32_w7 : memref<5xf32>
    %1 = memref.get_global @__constant_5xi32_w7 : memref<5xi32>
    %2 = memref.get_global @__constant_5x3x3x3xi8_w7 : memref<5x3x3x3xi8>
    %3 = memref.get_global @__constant_3xf32_w7 : memref<3xf32>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x3x4x18xi8>
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %3 : memref<1x3x4x18xf32>, memref<3xf32>) outs(%alloc : memref<1x3x4x18xi8>) {
    ^bb0(%in: f32, %in_7: f32, %out: i8):
      %4 = arith.mulf %in, %in_7 : f32
      %5 = arith.mulf %4, %cst_3 : f32
      %6 = math.roundeven %5 : f32
      %7 = arith.addf %6, %cst : f32
      %8 = arith.maximumf %7, %cst : f32
      %9 = arith.minimumf %8, %cst_0 : f32
      %10 = arith.fptosi %9 : f32 to i32
      %11 = arith.trunci %10 : i32 to i8
      linalg.yield %11 : i8
    }
    %alloc_5 = memref.alloc() {alignment = 64 : i64} : memref<1x3x6x20xi8>
    linalg.map outs(%alloc_5 : memref<1x3x6x20xi8>)
      (%init: i8) {
        linalg.yield %c0_i8 : i8
      }
    %subview = memref.subview %alloc_5[0, 0, 1, 1] [1, 3, 4, 18] [1, 1, 1, 1] : memref<1x3x6x20xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    memref.copy %alloc, %subview : memref<1x3x4x18xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    %alloc_6 = memref.alloc() {alignment = 64 : i64} : memref<1x5x4x18xi32>
    linalg.broadcast ins(%1 : memref<5xi32>) outs(%alloc_6 : memref<1x5x4x18xi32>) dimensions = [0, 2, 3] 
    linalg.generic {indexing_maps = [#map2, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%alloc_5, %2 : memref<1x3x6x20xi8>, memref<5x3x3x3xi8>) outs(%alloc_6 : memref<1x5x4x18xi32>) {
    ^bb0(%in: i8, %in_7: i8, %out: i32):
      %4 = arith.extui %in : i8 to i32
      %5 = arith.extsi %in_7 : i8 to i32
      %6 = arith.muli %4, %5 : i32
      %7 = arith.addi %out, %6 : i32
      linalg.yield %7 : i32
    }
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_6, %0 : memref<1x5x4x18xi32>, memref<5xf32>) outs(%arg1 : memref<1x5x4x18xf32>) {
    ^bb0(%in: i32, %in_7: f32, %out: f32):
      %4 = arith.sitofp %in : i32 to f32
      %5 = arith.mulf %4, %cst_2 : f32
      %6 = arith.addf %5, %in_7 : f32
      %7 = arith.mulf %6, %cst_4 : f32
      %8 = math.roundeven %7 : f32
      %9 = arith.addf %8, %cst : f32
      %10 = arith.maximumf %9, %cst : f32
      %11 = arith.minimumf %10, %cst_0 : f32
      %12 = arith.fptosi %11 : f32 to i32
      %13 = arith.trunci %12 : i32 to i8
      %14 = arith.extui %13 : i8 to i32
      %15 = arith.sitofp %14 : i32 to f32
      %16 = arith.mulf %15, %cst_1 : f32
      linalg.yield %16 : f32
    }
    memref.dealloc %alloc : memref<1x3x4x18xi8>
    memref.dealloc %alloc_5 : memref<1x3x6x20xi8>
    memref.dealloc %alloc_6 : memref<1x5x4x18xi32>
    return
  }



// -----

// Tests that on AVX2 the byte outputs of a conv's register tile are
// narrowed four vectors at a time: the epilogue's i32 lanes masked to their
// low bytes, two vpackusdw, a vpackuswb and a dword permute, the zero
// point (3) added to the 32 bytes, one 16-byte store per output channel;
// the columns past the tile (2 of 18) and the fifth channel narrow alone.
// AVX2-LABEL: func.func @conv_bytes_out
// AVX2: scf.for {{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>) {
// AVX2-COUNT-4: arith.andi %{{.*}} : vector<8xi32>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.packusdw"
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.packusdw"
// AVX2: %[[B:.*]] = llvm.call_intrinsic "llvm.x86.avx2.packuswb"
// AVX2: %[[D:.*]] = vector.bitcast %[[B]] : vector<32xi8> to vector<8xi32>
// AVX2: vector.shuffle %[[D]], %[[D]] [0, 4, 1, 5, 2, 6, 3, 7] : vector<8xi32>, vector<8xi32>
// AVX2: arith.addi %{{.*}}, %{{.*}} : vector<32xi8>
// AVX2-COUNT-2: vector.store %{{.*}} : memref<1x5x4x18xi8>, vector<16xi8>
// AVX2: return
// With lanes along output channels (conv-lanes=channels), a tile of a
// 3 x 3 conv is 3 columns of one vector of channels (a 2 x 2 tile
// spilled its accumulators on AVX2): the bytes of its first two columns are interleaved and
// each of the 5 channels stores one word, not two bytes; the third column
// goes a byte per channel.
// AVX2CH-LABEL: func.func @conv_bytes_out
// AVX2CH: scf.for %{{.*}} = %{{.*}} to %c18 step %c3
// AVX2CH: vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, {{.*}}, 15, 31] : vector<16xi8>, vector<16xi8>
// AVX2CH-COUNT-5: vector.store %{{.*}}, %arg1[{{.*}}] : memref<1x5x4x18xi8>, vector<2xi8>
// AVX2CH-COUNT-5: memref.store {{.*}}, %arg1[{{.*}}] : memref<1x5x4x18xi8>
// AVX2CH-NOT: store {{.*}}, %arg1
// AVX2CH: return
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d1)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#map4 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
  memref.global "private" constant @__constant_3xf32_bo : memref<3xf32> = dense<[0.614896774, 0.621327698, 0.616061747]> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5x3x3x3xi8_bo : memref<5x3x3x3xi8> = dense<"0xFF3FC0C0CF22FD3FF521DAE7C0C0CC05323FC0C82E3FE63FEB0D3FC0C0E0CE3FC0C5C0C0C03F383D07C015C0C0C03F3FC7FB3F3F33113FC018C0C0C03A33C0263FF0051D3F3FC0D2323F3F3F19C00CC0C03F3FC018EAEBC531C02E3F3F2FC0C03F1AC0C03F3FC8E0C0FEC0C0F913CC3FC03F3FC0E006121E3208C23CC0C0E0C2D3C0E51BC0F93F"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xi32_bo : memref<5xi32> = dense<0> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xf32_bo : memref<5xf32> = dense<[-0.0197839178, 0.00534861442, -0.0166024584, 0.0389483124, 0.12236736]> {alignment = 64 : i64}
  func.func @conv_bytes_out(%arg0: memref<1x3x4x18xf32>, %arg1: memref<1x5x4x18xi8>) attributes {eqq.input_types = [tensor<1x3x4x18xf32>], eqq.output_types = [tensor<1x5x4x18xi8>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %c0_i8 = arith.constant 0 : i8
    %cst_1 = arith.constant 0.00386789604 : f32
    %cst_2 = arith.constant 1.1864523E-5 : f32
    %cst_3 = arith.constant 206.386139 : f32
    %cst_4 = arith.constant 258.538483 : f32
    %cst_zp = arith.constant 3.000000e+00 : f32
    %0 = memref.get_global @__constant_5xf32_bo : memref<5xf32>
    %1 = memref.get_global @__constant_5xi32_bo : memref<5xi32>
    %2 = memref.get_global @__constant_5x3x3x3xi8_bo : memref<5x3x3x3xi8>
    %3 = memref.get_global @__constant_3xf32_bo : memref<3xf32>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x3x4x18xi8>
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %3 : memref<1x3x4x18xf32>, memref<3xf32>) outs(%alloc : memref<1x3x4x18xi8>) {
    ^bb0(%in: f32, %in_7: f32, %out: i8):
      %4 = arith.mulf %in, %in_7 : f32
      %5 = arith.mulf %4, %cst_3 : f32
      %6 = math.roundeven %5 : f32
      %7 = arith.addf %6, %cst : f32
      %8 = arith.maximumf %7, %cst : f32
      %9 = arith.minimumf %8, %cst_0 : f32
      %10 = arith.fptosi %9 : f32 to i32
      %11 = arith.trunci %10 : i32 to i8
      linalg.yield %11 : i8
    }
    %alloc_5 = memref.alloc() {alignment = 64 : i64} : memref<1x3x6x20xi8>
    linalg.map outs(%alloc_5 : memref<1x3x6x20xi8>)
      (%init: i8) {
        linalg.yield %c0_i8 : i8
      }
    %subview = memref.subview %alloc_5[0, 0, 1, 1] [1, 3, 4, 18] [1, 1, 1, 1] : memref<1x3x6x20xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    memref.copy %alloc, %subview : memref<1x3x4x18xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    %alloc_6 = memref.alloc() {alignment = 64 : i64} : memref<1x5x4x18xi32>
    linalg.broadcast ins(%1 : memref<5xi32>) outs(%alloc_6 : memref<1x5x4x18xi32>) dimensions = [0, 2, 3] 
    linalg.generic {indexing_maps = [#map2, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%alloc_5, %2 : memref<1x3x6x20xi8>, memref<5x3x3x3xi8>) outs(%alloc_6 : memref<1x5x4x18xi32>) {
    ^bb0(%in: i8, %in_7: i8, %out: i32):
      %4 = arith.extui %in : i8 to i32
      %5 = arith.extsi %in_7 : i8 to i32
      %6 = arith.muli %4, %5 : i32
      %7 = arith.addi %out, %6 : i32
      linalg.yield %7 : i32
    }
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_6, %0 : memref<1x5x4x18xi32>, memref<5xf32>) outs(%arg1 : memref<1x5x4x18xi8>) {
    ^bb0(%in: i32, %in_7: f32, %out: i8):
      %4 = arith.sitofp %in : i32 to f32
      %5 = arith.mulf %4, %cst_2 : f32
      %6 = arith.addf %5, %in_7 : f32
      %7 = arith.mulf %6, %cst_4 : f32
      %8 = math.roundeven %7 : f32
      %9 = arith.addf %8, %cst_zp : f32
      %10 = arith.maximumf %9, %cst : f32
      %11 = arith.minimumf %10, %cst_0 : f32
      %12 = arith.fptosi %11 : f32 to i32
      %13 = arith.trunci %12 : i32 to i8
      linalg.yield %13 : i8
    }
    memref.dealloc %alloc : memref<1x3x4x18xi8>
    memref.dealloc %alloc_5 : memref<1x3x6x20xi8>
    memref.dealloc %alloc_6 : memref<1x5x4x18xi32>
    return
  }



// -----

// Tests that on AVX2 a layer whose weights have 7 bits (here the largest
// are 64 and -64: 2 x 255 x 64 = 32640 fits a 16-bit pair sum) multiplies
// bytes: vpmaddubsw, then vpmaddwd by ones, weights packed as bytes and one
// sum per accumulator lane.
// AVX2-LABEL: func.func @linear_7bit_weights
// AVX2: memref.get_global @__eqq_packed_i8_weight : memref<2x2x64xi8>
// AVX2: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>) {
// AVX2: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[P]], %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1)>
  memref.global "private" constant @__constant_20x6xi8_w7 : memref<20x6xi8> = dense<"0x15D640C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB00"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_20xi32_w7 : memref<20xi32> = dense<[2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882]> {alignment = 64 : i64}
  func.func @linear_7bit_weights(%arg0: memref<3x6xf32>, %arg1: memref<3x20xf32>) attributes {eqq.input_types = [tensor<3x6xf32>], eqq.output_types = [tensor<3x20xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %cst_1 = arith.constant 0.393700778 : f32
    %cst_2 = arith.constant 0.00111162581 : f32
    %cst_3 = arith.constant 4.200000e+01 : f32
    %cst_4 = arith.constant 42.3333321 : f32
    %cst_5 = arith.constant 5.100000e+01 : f32
    %cst_6 = arith.constant 2.540000e+00 : f32
    %0 = memref.get_global @__constant_20xi32_w7 : memref<20xi32>
    %1 = memref.get_global @__constant_20x6xi8_w7 : memref<20x6xi8>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<3x6xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<3x6xf32>) outs(%alloc : memref<3x6xi8>) {
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
    %alloc_7 = memref.alloc() {alignment = 64 : i64} : memref<3x20xi32>
    linalg.broadcast ins(%0 : memref<20xi32>) outs(%alloc_7 : memref<3x20xi32>) dimensions = [0] 
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%alloc, %1 : memref<3x6xi8>, memref<20x6xi8>) outs(%alloc_7 : memref<3x20xi32>) {
    ^bb0(%in: i8, %in_8: i8, %out: i32):
      %2 = arith.extui %in : i8 to i32
      %3 = arith.extsi %in_8 : i8 to i32
      %4 = arith.muli %2, %3 : i32
      %5 = arith.addi %out, %4 : i32
      linalg.yield %5 : i32
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%alloc_7 : memref<3x20xi32>) outs(%arg1 : memref<3x20xf32>) {
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
    memref.dealloc %alloc : memref<3x6xi8>
    memref.dealloc %alloc_7 : memref<3x20xi32>
    return
  }


// -----

// Tests that one weight of 65 (2 x 255 x 65 = 33150 could saturate a pair
// sum) keeps the layer on 16-bit words.
// AVX2-LABEL: func.func @linear_weight_65
// AVX2: memref.get_global @__eqq_packed_i16_weight : memref<2x2x64xi16>
// AVX2: scf.for {{.*}} -> (vector<32xi32>, vector<32xi32>) {
// AVX2-NOT: pmadd.ub.sw
// AVX2: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1)>
  memref.global "private" constant @__constant_20x6xi8_w65 : memref<20x6xi8> = dense<"0x15D641C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB0015D640C040C00B05F5152AEB151515151515EB001500EB00"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_20xi32_w65 : memref<20xi32> = dense<[2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882]> {alignment = 64 : i64}
  func.func @linear_weight_65(%arg0: memref<3x6xf32>, %arg1: memref<3x20xf32>) attributes {eqq.input_types = [tensor<3x6xf32>], eqq.output_types = [tensor<3x20xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %cst_1 = arith.constant 0.393700778 : f32
    %cst_2 = arith.constant 0.00111162581 : f32
    %cst_3 = arith.constant 4.200000e+01 : f32
    %cst_4 = arith.constant 42.3333321 : f32
    %cst_5 = arith.constant 5.100000e+01 : f32
    %cst_6 = arith.constant 2.540000e+00 : f32
    %0 = memref.get_global @__constant_20xi32_w65 : memref<20xi32>
    %1 = memref.get_global @__constant_20x6xi8_w65 : memref<20x6xi8>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<3x6xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<3x6xf32>) outs(%alloc : memref<3x6xi8>) {
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
    %alloc_7 = memref.alloc() {alignment = 64 : i64} : memref<3x20xi32>
    linalg.broadcast ins(%0 : memref<20xi32>) outs(%alloc_7 : memref<3x20xi32>) dimensions = [0] 
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%alloc, %1 : memref<3x6xi8>, memref<20x6xi8>) outs(%alloc_7 : memref<3x20xi32>) {
    ^bb0(%in: i8, %in_8: i8, %out: i32):
      %2 = arith.extui %in : i8 to i32
      %3 = arith.extsi %in_8 : i8 to i32
      %4 = arith.muli %2, %3 : i32
      %5 = arith.addi %out, %4 : i32
      linalg.yield %5 : i32
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%alloc_7 : memref<3x20xi32>) outs(%arg1 : memref<3x20xf32>) {
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
    memref.dealloc %alloc : memref<3x6xi8>
    memref.dealloc %alloc_7 : memref<3x20xi32>
    return
  }


// -----

// Tests a 3x3 conv (3 -> 5 channels, pad 1, 4x18 output): the padded input
// repacked to 4 channels per pixel (1 group of 4, 136 = 4 * (2 * 16 + 2)
// bytes per row so the second 16-pixel vector may read past the row end), the
// weights as one i32 per (f, c/4, kh, kw), a 4-channel x 2-vector tile with
// the fifth channel in a narrower kernel, 9 dot steps per channel group, the
// second vector of 8 lanes (the last 2 columns need no more: the 256-bit
// form), the relu+dequantize consumer fused, the last 2 columns masked.
// The padded copy of the input is gone: the packing reads the unpadded
// input and writes the zero point around it.
// PAD: func.func @forward
// VNNI-LABEL: func.func @forward
// VNNI-DAG: memref.get_global @__eqq_packed_i8_weight : memref<5x1x3x3xi32>
// VNNI-DAG: memref.alloc() {alignment = 64 : i64} : memref<1x1x6x136xi8>
// VNNI: scf.for
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"{{.*}} : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"{{.*}} : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// VNNI: vector.store %{{.*}}, %arg1[{{.*}}] : memref<1x5x4x18xf32>, vector<16xf32>
// VNNI: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<1x5x4x18xf32>, vector<8xi1>, vector<8xf32>
// VNNI-NOT: memref<1x5x4x18xi32>
// VNNI: memref.dealloc %{{.*}} : memref<1x1x6x136xi8>
// VNNI: return
// NONE-LABEL: func.func @forward
// NONE: "reduction", "reduction", "reduction"
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d1)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#map4 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
  memref.global "private" constant @__constant_3xf32 : memref<3xf32> = dense<[0.614896774, 0.621327698, 0.616061747]> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5x3x3x3xi8 : memref<5x3x3x3xi8> = dense<"0xFF4597A2CF22FD65F521DAE787ACCC05324CAAC82E6AE65FEB0D7489B0E0CE6EADC5A788B66D383D07BF158AA5BE504BC7FB527F331156B5189DA7BE3A33B42645F0051D4E799FD2326A6F7119910CB08972618018EAEBC531B42E405B2F83AE3F1A9DB77856C8E086FEA09EF913CC4CB2745894E006121E3208C23C87B5E0C2D397E51BADF95B"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xi32 : memref<5xi32> = dense<0> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xf32 : memref<5xf32> = dense<[-0.0197839178, 0.00534861442, -0.0166024584, 0.0389483124, 0.12236736]> {alignment = 64 : i64}
  func.func @forward(%arg0: memref<1x3x4x18xf32>, %arg1: memref<1x5x4x18xf32>) attributes {eqq.input_types = [tensor<1x3x4x18xf32>], eqq.output_types = [tensor<1x5x4x18xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %c0_i8 = arith.constant 0 : i8
    %cst_1 = arith.constant 0.00386789604 : f32
    %cst_2 = arith.constant 1.1864523E-5 : f32
    %cst_3 = arith.constant 206.386139 : f32
    %cst_4 = arith.constant 258.538483 : f32
    %0 = memref.get_global @__constant_5xf32 : memref<5xf32>
    %1 = memref.get_global @__constant_5xi32 : memref<5xi32>
    %2 = memref.get_global @__constant_5x3x3x3xi8 : memref<5x3x3x3xi8>
    %3 = memref.get_global @__constant_3xf32 : memref<3xf32>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x3x4x18xi8>
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %3 : memref<1x3x4x18xf32>, memref<3xf32>) outs(%alloc : memref<1x3x4x18xi8>) {
    ^bb0(%in: f32, %in_7: f32, %out: i8):
      %4 = arith.mulf %in, %in_7 : f32
      %5 = arith.mulf %4, %cst_3 : f32
      %6 = math.roundeven %5 : f32
      %7 = arith.addf %6, %cst : f32
      %8 = arith.maximumf %7, %cst : f32
      %9 = arith.minimumf %8, %cst_0 : f32
      %10 = arith.fptosi %9 : f32 to i32
      %11 = arith.trunci %10 : i32 to i8
      linalg.yield %11 : i8
    }
    %alloc_5 = memref.alloc() {alignment = 64 : i64} : memref<1x3x6x20xi8>
    linalg.map outs(%alloc_5 : memref<1x3x6x20xi8>)
      (%init: i8) {
        linalg.yield %c0_i8 : i8
      }
    %subview = memref.subview %alloc_5[0, 0, 1, 1] [1, 3, 4, 18] [1, 1, 1, 1] : memref<1x3x6x20xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    memref.copy %alloc, %subview : memref<1x3x4x18xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    %alloc_6 = memref.alloc() {alignment = 64 : i64} : memref<1x5x4x18xi32>
    linalg.broadcast ins(%1 : memref<5xi32>) outs(%alloc_6 : memref<1x5x4x18xi32>) dimensions = [0, 2, 3] 
    linalg.generic {indexing_maps = [#map2, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%alloc_5, %2 : memref<1x3x6x20xi8>, memref<5x3x3x3xi8>) outs(%alloc_6 : memref<1x5x4x18xi32>) {
    ^bb0(%in: i8, %in_7: i8, %out: i32):
      %4 = arith.extui %in : i8 to i32
      %5 = arith.extsi %in_7 : i8 to i32
      %6 = arith.muli %4, %5 : i32
      %7 = arith.addi %out, %6 : i32
      linalg.yield %7 : i32
    }
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_6, %0 : memref<1x5x4x18xi32>, memref<5xf32>) outs(%arg1 : memref<1x5x4x18xf32>) {
    ^bb0(%in: i32, %in_7: f32, %out: f32):
      %4 = arith.sitofp %in : i32 to f32
      %5 = arith.mulf %4, %cst_2 : f32
      %6 = arith.addf %5, %in_7 : f32
      %7 = arith.mulf %6, %cst_4 : f32
      %8 = math.roundeven %7 : f32
      %9 = arith.addf %8, %cst : f32
      %10 = arith.maximumf %9, %cst : f32
      %11 = arith.minimumf %10, %cst_0 : f32
      %12 = arith.fptosi %11 : f32 to i32
      %13 = arith.trunci %12 : i32 to i8
      %14 = arith.extui %13 : i8 to i32
      %15 = arith.sitofp %14 : i32 to f32
      %16 = arith.mulf %15, %cst_1 : f32
      linalg.yield %16 : f32
    }
    memref.dealloc %alloc : memref<1x3x4x18xi8>
    memref.dealloc %alloc_5 : memref<1x3x6x20xi8>
    memref.dealloc %alloc_6 : memref<1x5x4x18xi32>
    return
  }

// -----

// Tests the 3x3 conv above with stride 2 along the width (4x9 output, one
// 16-lane vector per row, 9 lanes stored): the
// padded input's 20 columns split by parity (column X at [X % 2][X / 2]),
// each phase 16 + 1 columns wide (the last tap reads one column further),
// so a row holds 2 * 17 * 4 = 136 bytes; the even phase takes the odd
// source pixels (padding 1), the odd phase the even ones; taps 0 and 2 read
// the even phase at offsets 0 and 1, tap 1 the odd phase.
// With the lanes picked per layer (the default), the 18-column rows of
// @forward keep them along the width; the 9-column rows of @forward_stride2
// take them along output channels: the weights as 16 output channels x 4
// input channels per 64 bytes (the 5 channels zero-padded to 16, start
// values too), the input packed as above but only as wide as the pixels
// read (2 phases x 10 columns x 4 bytes), per pixel a broadcast of its 4
// channel bytes and a dot step with the weight vector; a block of 7 pixels
// and one of 2, each channel of each pixel stored to its plane (5 real
// lanes).
// AUTO-LABEL: func.func @forward(
// AUTO: memref.get_global @__eqq_packed_i8_weight : memref<5x1x3x3xi32>
// AUTO-LABEL: func.func @forward_stride2
// AUTO-DAG: memref.get_global @__eqq_packed_i8_weight : memref<1x1x3x3x64xi8>
// AUTO-DAG: memref.get_global @__eqq_packed_start : memref<16xi32>
// AUTO-DAG: memref.alloc() {alignment = 64 : i64} : memref<1x1x6x80xi8>
// AUTO: scf.parallel
// AUTO: scf.for
// AUTO: vector.load %{{.*}} : memref<1x1x6x80xi8>, vector<4xi8>
// AUTO: vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
// AUTO-COUNT-63: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// AUTO-COUNT-35: memref.store %{{.*}}, %arg1[{{.*}}] : memref<1x5x4x9xf32>
// AUTO-COUNT-18: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// AUTO-COUNT-10: memref.store %{{.*}}, %arg1[{{.*}}] : memref<1x5x4x9xf32>
// AUTO-NOT: memref<1x5x4x9xi32>
// AUTO: memref.dealloc %{{.*}} : memref<1x1x6x80xi8>
// AUTO: return
// On AVX2 a full conv's 4 weights of a tap are 4 i16 in an i64, broadcast
// as the operand of vpmaddwd; a channel-lane conv's weight vectors are i16.
// The packed input holds i16 too, extended once as it is packed (16 pixels
// at a time, the last ones one by one), so the taps' loads are vpmaddwd's
// operand with no extend: 32 values (8 columns x 4 channels) a vector along
// the width, where the vectors have 8 lanes (rows of 3 vectors: 104 = 26
// columns x 4), 4 (an i64, broadcast) a pixel along the channels.
// AVX2-LABEL: func.func @forward(
// AVX2: memref.get_global @__eqq_packed_i16_weight : memref<5x1x3x3xi64>
// AVX2: %[[XP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x1x6x104xi16>
// AVX2: arith.extui %{{.*}} : vector<64xi8> to vector<64xi16>
// AVX2: vector.store %{{.*}}, %[[XP]][{{.*}}] : memref<1x1x6x104xi16>, vector<64xi16>
// AVX2: arith.extui %{{.*}} : i8 to i16
// AVX2: scf.for
// AVX2-NOT: arith.extui
// AVX2: vector.load %[[XP]][{{.*}}] : memref<1x1x6x104xi16>, vector<32xi16>
// AVX2: vector.broadcast %{{.*}} : i64 to vector<8xi64>
// AVX2: vector.bitcast %{{.*}} : vector<8xi64> to vector<32xi16>
// AVX2-NOT: arith.extui
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2-LABEL: func.func @forward_stride2
// AVX2: memref.get_global @__eqq_packed_i16_weight : memref<1x1x3x3x64xi16>
// AVX2: %[[XQ:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x1x6x80xi16>
// AVX2: arith.extui %{{.*}} : vector<64xi8> to vector<64xi16>
// AVX2: vector.bitcast %{{.*}} : vector<64xi16> to vector<16xi64>
// AVX2: vector.load %{{.*}} : memref<1x1x3x3x64xi16>, vector<64xi16>
// AVX2: vector.load %[[XQ]][{{.*}}] : memref<1x1x6x80xi16>, vector<4xi16>
// AVX2: vector.bitcast %{{.*}} : vector<4xi16> to vector<1xi64>
// AVX2: vector.broadcast %{{.*}} : i64 to vector<16xi64>
// AVX2-NOT: arith.extui
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// VNNI-LABEL: func.func @forward_stride2
// VNNI-DAG: memref.alloc() {alignment = 64 : i64} : memref<1x1x6x136xi8>
// VNNI: vector.shuffle %{{.*}}, %{{.*}} [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
// VNNI: vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"{{.*}} : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI: vector.maskedstore %arg1[{{.*}}], %{{.*}}, %{{.*}} : memref<1x5x4x9xf32>, vector<16xi1>, vector<16xf32>
// VNNI-NOT: memref<1x5x4x9xi32>
// VNNI: return
// NONE-LABEL: func.func @forward_stride2
// NONE: "reduction", "reduction", "reduction"
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d1)>
#map2 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 * 2 + d6)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#map4 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
  memref.global "private" constant @__constant_3xf32 : memref<3xf32> = dense<[0.614896774, 0.621327698, 0.616061747]> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5x3x3x3xi8 : memref<5x3x3x3xi8> = dense<"0xFF4597A2CF22FD65F521DAE787ACCC05324CAAC82E6AE65FEB0D7489B0E0CE6EADC5A788B66D383D07BF158AA5BE504BC7FB527F331156B5189DA7BE3A33B42645F0051D4E799FD2326A6F7119910CB08972618018EAEBC531B42E405B2F83AE3F1A9DB77856C8E086FEA09EF913CC4CB2745894E006121E3208C23C87B5E0C2D397E51BADF95B"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xi32 : memref<5xi32> = dense<0> {alignment = 64 : i64}
  memref.global "private" constant @__constant_5xf32 : memref<5xf32> = dense<[-0.0197839178, 0.00534861442, -0.0166024584, 0.0389483124, 0.12236736]> {alignment = 64 : i64}
  func.func @forward_stride2(%arg0: memref<1x3x4x18xf32>, %arg1: memref<1x5x4x9xf32>) attributes {eqq.input_types = [tensor<1x3x4x18xf32>], eqq.output_types = [tensor<1x5x4x9xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %c0_i8 = arith.constant 0 : i8
    %cst_1 = arith.constant 0.00386789604 : f32
    %cst_2 = arith.constant 1.1864523E-5 : f32
    %cst_3 = arith.constant 206.386139 : f32
    %cst_4 = arith.constant 258.538483 : f32
    %0 = memref.get_global @__constant_5xf32 : memref<5xf32>
    %1 = memref.get_global @__constant_5xi32 : memref<5xi32>
    %2 = memref.get_global @__constant_5x3x3x3xi8 : memref<5x3x3x3xi8>
    %3 = memref.get_global @__constant_3xf32 : memref<3xf32>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x3x4x18xi8>
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %3 : memref<1x3x4x18xf32>, memref<3xf32>) outs(%alloc : memref<1x3x4x18xi8>) {
    ^bb0(%in: f32, %in_7: f32, %out: i8):
      %4 = arith.mulf %in, %in_7 : f32
      %5 = arith.mulf %4, %cst_3 : f32
      %6 = math.roundeven %5 : f32
      %7 = arith.addf %6, %cst : f32
      %8 = arith.maximumf %7, %cst : f32
      %9 = arith.minimumf %8, %cst_0 : f32
      %10 = arith.fptosi %9 : f32 to i32
      %11 = arith.trunci %10 : i32 to i8
      linalg.yield %11 : i8
    }
    %alloc_5 = memref.alloc() {alignment = 64 : i64} : memref<1x3x6x20xi8>
    linalg.map outs(%alloc_5 : memref<1x3x6x20xi8>)
      (%init: i8) {
        linalg.yield %c0_i8 : i8
      }
    %subview = memref.subview %alloc_5[0, 0, 1, 1] [1, 3, 4, 18] [1, 1, 1, 1] : memref<1x3x6x20xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    memref.copy %alloc, %subview : memref<1x3x4x18xi8> to memref<1x3x4x18xi8, strided<[360, 120, 20, 1], offset: 21>>
    %alloc_6 = memref.alloc() {alignment = 64 : i64} : memref<1x5x4x9xi32>
    linalg.broadcast ins(%1 : memref<5xi32>) outs(%alloc_6 : memref<1x5x4x9xi32>) dimensions = [0, 2, 3] 
    linalg.generic {indexing_maps = [#map2, #map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%alloc_5, %2 : memref<1x3x6x20xi8>, memref<5x3x3x3xi8>) outs(%alloc_6 : memref<1x5x4x9xi32>) {
    ^bb0(%in: i8, %in_7: i8, %out: i32):
      %4 = arith.extui %in : i8 to i32
      %5 = arith.extsi %in_7 : i8 to i32
      %6 = arith.muli %4, %5 : i32
      %7 = arith.addi %out, %6 : i32
      linalg.yield %7 : i32
    }
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%alloc_6, %0 : memref<1x5x4x9xi32>, memref<5xf32>) outs(%arg1 : memref<1x5x4x9xf32>) {
    ^bb0(%in: i32, %in_7: f32, %out: f32):
      %4 = arith.sitofp %in : i32 to f32
      %5 = arith.mulf %4, %cst_2 : f32
      %6 = arith.addf %5, %in_7 : f32
      %7 = arith.mulf %6, %cst_4 : f32
      %8 = math.roundeven %7 : f32
      %9 = arith.addf %8, %cst : f32
      %10 = arith.maximumf %9, %cst : f32
      %11 = arith.minimumf %10, %cst_0 : f32
      %12 = arith.fptosi %11 : f32 to i32
      %13 = arith.trunci %12 : i32 to i8
      %14 = arith.extui %13 : i8 to i32
      %15 = arith.sitofp %14 : i32 to f32
      %16 = arith.mulf %15, %cst_1 : f32
      linalg.yield %16 : f32
    }
    memref.dealloc %alloc : memref<1x3x4x18xi8>
    memref.dealloc %alloc_5 : memref<1x3x6x20xi8>
    memref.dealloc %alloc_6 : memref<1x5x4x9xi32>
    return
  }

// -----

// Tests that a last column vector with one real lane is stored as a scalar
// (N = 17 = 16 + 1): LLVM 22's x86 backend turns a one-lane masked store of
// a truncated vector into a store of the whole untruncated lane, which
// writes into the next row.
// VNNI-LABEL: func.func @linear_one_lane
// VNNI: vector.store %{{.*}}, %arg1[{{.*}}] : memref<3x17xf32>, vector<16xf32>
// VNNI: memref.store %{{.*}}, %arg1[{{.*}}] : memref<3x17xf32>
// VNNI-NOT: vector.maskedstore
// VNNI: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1)>
  memref.global "private" constant @__constant_17x6xi8 : memref<17x6xi8> = dense<"0x15D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A80"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_17xi32 : memref<17xi32> = dense<[2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688]> {alignment = 64 : i64}
  func.func @linear_one_lane(%arg0: memref<3x6xf32>, %arg1: memref<3x17xf32>) attributes {eqq.input_types = [tensor<3x6xf32>], eqq.output_types = [tensor<3x17xf32>], llvm.emit_c_interface} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.550000e+02 : f32
    %cst_1 = arith.constant 0.393700778 : f32
    %cst_2 = arith.constant 0.00111162581 : f32
    %cst_3 = arith.constant 4.200000e+01 : f32
    %cst_4 = arith.constant 42.3333321 : f32
    %cst_5 = arith.constant 5.100000e+01 : f32
    %cst_6 = arith.constant 2.540000e+00 : f32
    %0 = memref.get_global @__constant_17xi32 : memref<17xi32>
    %1 = memref.get_global @__constant_17x6xi8 : memref<17x6xi8>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<3x6xi8>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<3x6xf32>) outs(%alloc : memref<3x6xi8>) {
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
    %alloc_7 = memref.alloc() {alignment = 64 : i64} : memref<3x17xi32>
    linalg.broadcast ins(%0 : memref<17xi32>) outs(%alloc_7 : memref<3x17xi32>) dimensions = [0] 
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%alloc, %1 : memref<3x6xi8>, memref<17x6xi8>) outs(%alloc_7 : memref<3x17xi32>) {
    ^bb0(%in: i8, %in_8: i8, %out: i32):
      %2 = arith.extui %in : i8 to i32
      %3 = arith.extsi %in_8 : i8 to i32
      %4 = arith.muli %2, %3 : i32
      %5 = arith.addi %out, %4 : i32
      linalg.yield %5 : i32
    }
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%alloc_7 : memref<3x17xi32>) outs(%arg1 : memref<3x17xf32>) {
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
    memref.dealloc %alloc : memref<3x6xi8>
    memref.dealloc %alloc_7 : memref<3x17xi32>
    return
  }

// -----

// Tests that a layer whose weight is not a constant is left alone.
// VNNI-LABEL: func.func @variable_weight
// VNNI: iterator_types = ["parallel", "parallel", "reduction"]
// VNNI-NOT: llvm.call_intrinsic
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
memref.global "private" constant @start : memref<20xi32> = dense<0>
func.func @variable_weight(%x: memref<3x6xi8>, %w: memref<20x6xi8>, %acc: memref<3x20xi32>) {
  %0 = memref.get_global @start : memref<20xi32>
  linalg.broadcast ins(%0 : memref<20xi32>) outs(%acc : memref<3x20xi32>) dimensions = [0]
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<3x6xi8>, memref<20x6xi8>) outs(%acc : memref<3x20xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  }
  return
}

// -----

// Tests a grouped 1x1 conv (2 groups of 3 input and 2 output channels; the
// input channel of output f is (f floordiv 2) * 3 + c): W[F][C'] packed as
// for any conv (the 4th byte of each word zero), the input packed in one
// quad per group, and a block of output channels f0 reading the quads of
// its group, from quad (f0 / F') * 1.
// VNNI: memref.global "private" constant @__eqq_packed_i8_weight : memref<4x1x1x1xi32> = dense<{{\[\[\[\[}}197121]]], {{\[\[\[}}394500]]], {{\[\[\[}}591879]]], {{\[\[\[}}789258]]]]>
// VNNI-LABEL: func.func @grouped(
// VNNI: %[[XP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x4x128xi8>
// VNNI: %[[G:.*]] = arith.divui %[[F0:.*]], %c2
// VNNI: %[[Q0:.*]] = arith.muli %[[G]], %c1
// VNNI: scf.for %[[CQ:.*]] = %c0{{.*}} to %c1
// VNNI: %[[Q:.*]] = arith.addi %[[Q0]], %[[CQ]]
// VNNI: vector.load %[[XP]][%{{.*}}, %[[Q]],
// VNNI: vpdpbusd
// VNNI-NOT: linalg.generic
// NONE-LABEL: func.func @grouped
// NONE: linalg.generic
#x = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, (d1 floordiv 2) * 3 + d4, d2 + d5, d3 + d6)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#o = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
memref.global "private" constant @wg : memref<4x3x1x1xi8> = dense<[[[[1]], [[2]], [[3]]], [[[4]], [[5]], [[6]]], [[[7]], [[8]], [[9]]], [[[10]], [[11]], [[12]]]]>
memref.global "private" constant @start : memref<4xi32> = dense<[1, 2, 3, 4]>
func.func @grouped(%x: memref<1x6x4x18xi8>, %acc: memref<1x4x4x18xi32>) {
  %w = memref.get_global @wg : memref<4x3x1x1xi8>
  %0 = memref.get_global @start : memref<4xi32>
  linalg.broadcast ins(%0 : memref<4xi32>) outs(%acc : memref<1x4x4x18xi32>) dimensions = [0, 2, 3]
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x6x4x18xi8>, memref<4x3x1x1xi8>) outs(%acc : memref<1x4x4x18xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  }
  return
}

// -----

// Tests that a channel map that does not fit the groups the shapes give
// (floordiv 3 with 2 output channels a group) is left alone.
// VNNI-LABEL: func.func @grouped_mismatch
// VNNI: linalg.generic
// VNNI-NOT: vpdpbusd
#x = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, (d1 floordiv 3) * 3 + d4, d2 + d5, d3 + d6)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
#o = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
memref.global "private" constant @wg : memref<4x3x1x1xi8> = dense<1>
memref.global "private" constant @start : memref<4xi32> = dense<0>
func.func @grouped_mismatch(%x: memref<1x6x4x18xi8>, %acc: memref<1x4x4x18xi32>) {
  %w = memref.get_global @wg : memref<4x3x1x1xi8>
  %0 = memref.get_global @start : memref<4xi32>
  linalg.broadcast ins(%0 : memref<4xi32>) outs(%acc : memref<1x4x4x18xi32>) dimensions = [0, 2, 3]
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x6x4x18xi8>, memref<4x3x1x1xi8>) outs(%acc : memref<1x4x4x18xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  }
  return
}
