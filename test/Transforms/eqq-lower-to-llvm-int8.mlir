// RUN: eq-opt %s --eqq-lower-to-llvm="isa=vnni threads=2 min-parallel-work=0" | FileCheck %s --check-prefix=T2
// RUN: eq-opt %s --eqq-lower-to-llvm="isa=vnni threads=2" | FileCheck %s --check-prefix=T1
// RUN: eq-opt %s --eqq-lower-to-llvm="isa=vnni threads=1" | FileCheck %s --check-prefix=T1
// RUN: eq-opt %s --eqq-lower-to-llvm="isa=none" | FileCheck %s --check-prefix=NONE
// RUN: not eq-opt %s --eqq-lower-to-llvm="isa=sse" 2>&1 | FileCheck %s --check-prefix=BADISA

// Tests the int8 part of the pipeline on a converted linear layer (8 rows,
// 20 columns): isa selects the dot step, threads=2 runs the row blocks as an
// OpenMP loop on two threads when every parallel loop is worth threads
// (min-parallel-work=0; by default a layer this small runs on one thread),
// threads=1 as a plain loop, isa=none leaves the
// layer to generic loops; the option parser rejects an isa it does not know.
// BADISA: for the --isa option: Cannot find option named 'sse'!
// T2: omp.parallel num_threads
// T2: omp.wsloop
// T2: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// T1-NOT: omp.
// T1: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// T1-NOT: omp.
// NONE-NOT: llvm.call_intrinsic
#map = affine_map<(d0, d1, d2) -> (d0, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
#map4 = affine_map<(d0, d1) -> (d1)>
module {
  func.func @linear(%arg0: tensor<8x6xf32>) -> tensor<8x20xf32> {
    %0 = eqq.quantize %arg0 : tensor<8x6xf32> to tensor<8x6x!quant.uniform<u8:f32, 0.023622047156095505:42>>
    %1 = quant.scast %0 : tensor<8x6x!quant.uniform<u8:f32, 0.023622047156095505:42>> to tensor<8x6xi8>
    %cst = arith.constant dense<"0x15D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB0015D640AB6A800B05F5152AEB151515151515EB001500EB00"> : tensor<20x6xi8>
    %cst_0 = arith.constant dense<[2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882, 2688, -1974, -5292, 882]> : tensor<20xi32>
    %2 = tensor.empty() : tensor<8x20xi32>
    %broadcasted = linalg.broadcast ins(%cst_0 : tensor<20xi32>) outs(%2 : tensor<8x20xi32>) dimensions = [0] 
    %3 = linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction"]} ins(%1, %cst : tensor<8x6xi8>, tensor<20x6xi8>) outs(%broadcasted : tensor<8x20xi32>) {
    ^bb0(%in: i8, %in_3: i8, %out: i32):
      %8 = arith.extui %in : i8 to i32
      %9 = arith.extsi %in_3 : i8 to i32
      %10 = arith.muli %8, %9 : i32
      %11 = arith.addi %out, %10 : i32
      linalg.yield %11 : i32
    } -> tensor<8x20xi32>
    %cst_1 = arith.constant dense<0.00111162581> : tensor<20xf32>
    %cst_2 = arith.constant dense<0.000000e+00> : tensor<20xf32>
    %4 = tensor.empty() : tensor<8x20xi8>
    %5 = linalg.generic {indexing_maps = [#map3, #map4, #map4, #map3], iterator_types = ["parallel", "parallel"]} ins(%3, %cst_1, %cst_2 : tensor<8x20xi32>, tensor<20xf32>, tensor<20xf32>) outs(%4 : tensor<8x20xi8>) {
    ^bb0(%in: i32, %in_3: f32, %in_4: f32, %out: i8):
      %8 = arith.sitofp %in : i32 to f32
      %9 = arith.mulf %8, %in_3 : f32
      %10 = arith.addf %9, %in_4 : f32
      %cst_5 = arith.constant 2.540000e+00 : f32
      %11 = arith.mulf %10, %cst_5 : f32
      %12 = math.roundeven %11 : f32
      %cst_6 = arith.constant 5.100000e+01 : f32
      %13 = arith.addf %12, %cst_6 : f32
      %cst_7 = arith.constant 0.000000e+00 : f32
      %14 = arith.maximumf %13, %cst_7 : f32
      %cst_8 = arith.constant 2.550000e+02 : f32
      %15 = arith.minimumf %14, %cst_8 : f32
      %16 = arith.fptosi %15 : f32 to i32
      %17 = arith.trunci %16 : i32 to i8
      linalg.yield %17 : i8
    } -> tensor<8x20xi8>
    %6 = quant.scast %5 : tensor<8x20xi8> to tensor<8x20x!quant.uniform<u8:f32, 0.39370077848434448:51>>
    %7 = eqq.dequantize %6 : tensor<8x20x!quant.uniform<u8:f32, 0.39370077848434448:51>> to tensor<8x20xf32>
    return %7 : tensor<8x20xf32>
  }
}

