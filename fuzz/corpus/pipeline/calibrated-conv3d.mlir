#map = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#map1 = affine_map<(d0, d1, d2, d3, d4) -> (d1)>
module {
  func.func @conv3d_bias_after(%arg0: tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32> {
    %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.54789782>, min_val = array<f32: -2.71116257>} : tensor<1x2x4x4x4xf32>
    %cst = arith.constant dense<[[[[[1.000000e+00]]], [[[-4.000000e+00]]]], [[[[3.000000e+00]]], [[[2.000000e+00]]]]]> : tensor<2x2x1x1x1xf32>
    %cst_0 = arith.constant dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32>
    %cst_1 = arith.constant 0.000000e+00 : f32
    %1 = tensor.empty() : tensor<1x2x4x4x4xf32>
    %2 = linalg.fill ins(%cst_1 : f32) outs(%1 : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
    %3 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 2.11783886, 2.54789782>, min_val = array<f32: -2.71116257, -2.4662292>} : tensor<1x2x4x4x4xf32>
    %4 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 3.000000e+00, 2.000000e+00>, min_val = array<f32: 1.000000e+00, -4.000000e+00>} : tensor<2x2x1x1x1xf32>
    %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric {max_val = array<f32: 3.000000e+00>, min_val = array<f32: -4.000000e+00>} : tensor<2x2x1x1x1xf32>
    %6 = linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : tensor<3xi64>, strides = dense<1> : tensor<3xi64>} ins(%3, %5 : tensor<1x2x4x4x4xf32>, tensor<2x2x1x1x1xf32>) outs(%2 : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
    %7 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%6, %cst_0 : tensor<1x2x4x4x4xf32>, tensor<2xf32>) outs(%1 : tensor<1x2x4x4x4xf32>) {
    ^bb0(%in: f32, %in_2: f32, %out: f32):
      %9 = arith.addf %in, %in_2 : f32
      linalg.yield %9 : f32
    } -> tensor<1x2x4x4x4xf32>
    %8 = eqq.act_observer %7 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 9.11616802>, min_val = array<f32: -9.63748931>} : tensor<1x2x4x4x4xf32>
    return %8 : tensor<1x2x4x4x4xf32>
  }
}

