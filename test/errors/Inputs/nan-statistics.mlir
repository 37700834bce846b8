// A calibrated module whose input observer holds a NaN maximum.
#map = affine_map<(d0, d1, d2) -> (d0, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>
module {
  func.func @forward(%arg0: tensor<2x3xf32>) -> tensor<2x4xf32> {
    %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 0x7FC00000>, min_val = array<f32: 0.000000e+00>} : tensor<2x3xf32>
    %cst = arith.constant dense<[[1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00, 9.000000e+00], [1.000000e+00, 0.000000e+00, -1.000000e+00]]> : tensor<4x3xf32>
    %cst_0 = arith.constant dense<[5.000000e-01, 5.000000e-01, 5.000000e-01, -2.000000e+01]> : tensor<4xf32>
    %1 = tensor.empty() : tensor<2x4xf32>
    %broadcasted = linalg.broadcast ins(%cst_0 : tensor<4xf32>) outs(%1 : tensor<2x4xf32>) dimensions = [0] 
    %2 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00>, min_val = array<f32: 0.000000e+00, 1.000000e+00, 1.000000e+00>} : tensor<2x3xf32>
    %3 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 7.000000e+00, 8.000000e+00, 9.000000e+00>, min_val = array<f32: 1.000000e+00, 0.000000e+00, -1.000000e+00>} : tensor<4x3xf32>
    %4 = eqq.weight_observer %3 minmax qint8 per_tensor_symmetric {max_val = array<f32: 9.000000e+00>, min_val = array<f32: -1.000000e+00>} : tensor<4x3xf32>
    %5 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%2, %4 : tensor<2x3xf32>, tensor<4x3xf32>) outs(%broadcasted : tensor<2x4xf32>) -> tensor<2x4xf32>
    %6 = eqq.act_observer %5 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.650000e+01>, min_val = array<f32: -2.200000e+01>} : tensor<2x4xf32>
    return %6 : tensor<2x4xf32>
  }
}

