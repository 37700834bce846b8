// RUN: eq-opt %s --eqq-convert="quantize=false" | FileCheck %s
// RUN: eq-opt %s --eqq-convert="recipe=%t.json" -o %t.int8.mlir
// RUN: FileCheck %s --check-prefix=RECIPE --input-file=%t.json
// RUN: eq-opt %s --eqq-convert="recipe-in=%t.json" | diff %t.int8.mlir -

// Tests a residual add prepared with residual-adds: out reads
// relu(h + t), h = fc0(x) also read by fc1, t = fc2(...). out's scale
// balances its weight columns' ranges [16, 1] against the widest range of
// each channel over every value it reaches (out's input [0, 4], [0, 4]; h
// [-1, 1], [-2, 8]; t [0, 3], [-1, 2]; the add's result [-1, 4], [-3, 10]):
// s = sqrt([16, 1] / [5, 13]) = [1.78885, 0.27735]. It folds into the rows
// of both producers (fc0, fc2: the add's result is s * (h + t)); fc1, which
// reads h too, divides its columns by s; out divides its columns by s. No
// multiply.
// CHECK-NOT: eqq.eq_scale
// CHECK-DAG: dense<{{\[\[}}1.78885436, 0.000000e+00], [0.000000e+00, 11.0940037]]>
// CHECK-DAG: dense<{{\[\[}}5.590170e-01, 7.21110248], [1.67705107, 14.422205]]>
// CHECK-DAG: dense<{{\[\[}}3.57770872, -1.78885436], [0.138675049, 0.277350098]]>
// CHECK-DAG: dense<{{\[\[}}4.47213602, 3.60555124], [-4.47213602, 0.000000e+00]]>
// CHECK-NOT: eqq.eq_scale

// The quantization ranges of the scaled values come from their per-channel
// statistics: h [min(-1 * 1.789, -2 * 0.277), max(1 * 1.789, 8 * 0.277)],
// t, the add's result and out's input likewise. fc0's rows [1, 0], [0, 40]
// are evened out by the fold ([1.79, 0], [0, 11.09]): its int8 weights are
// the folded ones; fc2's rows are spread by it: the fold is carried by its
// requantize multiplier (carry-folds folds only where that at least halves
// the weight error: about 4x less for fc0).
// RECIPE: {"name":"fc0"
// RECIPE-NOT: carried_row_scale
// RECIPE: {"name":"fc1","kind":"linear","equalized":true,"equalization_scale":[1.7888543605804443,0.27735009789466858],"scale_applied":"folded_into:fc0"
// RECIPE: {"name":"fc2"
// RECIPE-SAME: "carried_row_scale":[1.7888543605804443,0.27735009789466858]
// RECIPE: {"name":"out","kind":"linear","equalized":true,"equalization_scale":[1.7888543605804443,0.27735009789466858],"scale_applied":"folded_into:fc0,fc2"
// RECIPE: "activations": [
// RECIPE-NEXT: "min":-1,"max":1}
// RECIPE-NEXT: "min":-1.7888543605804443,"max":2.2188007831573486}
// RECIPE-NEXT: "min":0,"max":9}
// RECIPE-NEXT: "min":-0.27735009789466858,"max":5.3665628433227539}
// RECIPE-NEXT: "min":-1.7888543605804443,"max":7.1554174423217773}
// RECIPE-NEXT: "min":0,"max":7.1554174423217773}
// RECIPE-NEXT: "min":-20,"max":30}
#map = affine_map<(d0, d1, d2) -> (d0, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @forward(%arg0: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<3x2xf32>
  %w0 = arith.constant dense<[[1.0, 0.0], [0.0, 40.0]]> : tensor<2x2xf32>
  %w1 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[2.0, -1.0], [0.5, 1.0]]> : tensor<2x2xf32>
  %w3 = arith.constant dense<[[8.0, 1.0], [-8.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %1 = tensor.empty() : tensor<3x2xf32>
  %2 = linalg.fill ins(%zero : f32) outs(%1 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %5 = eqq.weight_observer %w0 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %6 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%0, %5 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%2 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc0")
  %7 = eqq.act_observer %6 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -2.0>, max_val = array<f32: 8.0>} : tensor<3x2xf32>
  %8 = eqq.weight_observer %w1 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %9 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%7, %8 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%2 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc1")
  %10 = linalg.max ins(%9, %2 : tensor<3x2xf32>, tensor<3x2xf32>) outs(%1 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %11 = eqq.act_observer %10 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 9.0>} : tensor<3x2xf32>
  %14 = eqq.weight_observer %w2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %15 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%11, %14 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%2 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  %16 = eqq.act_observer %15 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 3.0>} : tensor<3x2xf32>
  %17 = eqq.input_eq_observer %7 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -1.0, -2.0>, max_val = array<f32: 1.0, 8.0>} : tensor<3x2xf32>
  %18 = eqq.input_eq_observer %16 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, -1.0>, max_val = array<f32: 3.0, 2.0>} : tensor<3x2xf32>
  %19 = linalg.add ins(%17, %18 : tensor<3x2xf32>, tensor<3x2xf32>) outs(%1 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %20 = eqq.act_observer %19 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -3.0>, max_val = array<f32: 10.0>} : tensor<3x2xf32>
  %21 = eqq.input_eq_observer %20 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -1.0, -3.0>, max_val = array<f32: 4.0, 10.0>} : tensor<3x2xf32>
  %22 = linalg.max ins(%21, %2 : tensor<3x2xf32>, tensor<3x2xf32>) outs(%1 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %23 = eqq.act_observer %22 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 4.0>} : tensor<3x2xf32>
  %24 = eqq.input_eq_observer %23 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0>, max_val = array<f32: 4.0, 4.0>} : tensor<3x2xf32>
  %25 = eqq.weight_eq_observer %w3 qint8 per_channel_symmetric : tensor<2x2xf32>
  %26 = eqq.weight_observer %25 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %27 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%24, %26 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%2 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("out")
  %28 = eqq.act_observer %27 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -20.0>, max_val = array<f32: 30.0>} : tensor<3x2xf32>
  return %28 : tensor<3x2xf32>
}
