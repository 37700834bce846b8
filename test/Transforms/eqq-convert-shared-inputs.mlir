// RUN: eq-opt %s --eqq-convert="quantize=false" | FileCheck %s
// RUN: eq-opt %s --eqq-convert | FileCheck %s --check-prefix=INT8

// Tests one scale for two layers sharing their input (prepared with
// shared-inputs): per column the largest weight spread over both layers
// (q: 4 and 1, k: 8 and 1) against the input's (1 and 4): s = [sqrt(8 / 1),
// sqrt(1 / 4)]. One multiply, both weights' columns divided by s; the int8
// program quantizes the scaled input once for both layers.
// CHECK: eqq.eq_scale %arg0 axis 1 {scale = array<f32: 2.82842708, 5.000000e-01>}
// CHECK-NOT: eqq.eq_scale
// CHECK-DAG: arith.constant dense<{{\[\[}}0.353553385, 2.000000e+00], [-1.06066012, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[\[}}2.82842708, 1.000000e+00], [0.000000e+00, -1.000000e+00]]> : tensor<2x2xf32>
// INT8-COUNT-1: eqq.quantize %{{.*}} : tensor<3x2xf32>
// INT8-NOT: eqq.quantize %{{.*}} : tensor<3x2xf32>
#map = affine_map<(d0, d1, d2) -> (d0, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>

  func.func @forward(%arg0: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
    %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 3.000000e+00>, min_val = array<f32: -1.000000e+00>} : tensor<3x2xf32>
    %cst = arith.constant dense<[[1.000000e+00, 1.000000e+00], [-3.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
    %cst_0 = arith.constant dense<[[8.000000e+00, 5.000000e-01], [0.000000e+00, -5.000000e-01]]> : tensor<2x2xf32>
    %cst_1 = arith.constant 0.000000e+00 : f32
    %1 = tensor.empty() : tensor<3x2xf32>
    %2 = linalg.fill ins(%cst_1 : f32) outs(%1 : tensor<3x2xf32>) -> tensor<3x2xf32>
    %3 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00, 3.000000e+00>, min_val = array<f32: 0.000000e+00, -1.000000e+00>} : tensor<3x2xf32>
    %4 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 1.000000e+00>, min_val = array<f32: -3.000000e+00, 0.000000e+00>} : tensor<2x2xf32>
    %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00>, min_val = array<f32: -3.000000e+00>} : tensor<2x2xf32>
    %6 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%3, %5 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%2 : tensor<3x2xf32>) -> tensor<3x2xf32>
    %7 = eqq.act_observer %6 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -3.000000e+00>} : tensor<3x2xf32>
    %8 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00, 3.000000e+00>, min_val = array<f32: 0.000000e+00, -1.000000e+00>} : tensor<3x2xf32>
    %9 = eqq.weight_eq_observer %cst_0 qint8 per_channel_symmetric {max_val = array<f32: 8.000000e+00, 5.000000e-01>, min_val = array<f32: 0.000000e+00, -5.000000e-01>} : tensor<2x2xf32>
    %10 = eqq.weight_observer %9 minmax qint8 per_tensor_symmetric {max_val = array<f32: 8.000000e+00>, min_val = array<f32: -5.000000e-01>} : tensor<2x2xf32>
    %11 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%8, %10 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%2 : tensor<3x2xf32>) -> tensor<3x2xf32>
    %12 = eqq.act_observer %11 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 9.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<3x2xf32>
    return %7, %12 : tensor<3x2xf32>, tensor<3x2xf32>
  }
