#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d1)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
module {
  func.func @linear_3d_bias_before_expand_relu(%arg0: tensor<2x4x3xf32>) -> tensor<2x4x2xf32> {
    %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 1.29406381>, min_val = array<f32: -1.30315721>} : tensor<2x4x3xf32>
    %cst = arith.constant dense<[[1.000000e+00, -2.000000e+00, 5.000000e-01], [-3.000000e+00, 4.000000e+00, -1.000000e+00]]> : tensor<2x3xf32>
    %cst_0 = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
    %cst_1 = arith.constant 0.000000e+00 : f32
    %1 = eqq.input_eq_observer %0 axis 2 quint8 per_tensor_symmetric {max_val = array<f32: 0.598846197, 1.29406381, 1.00672436>, min_val = array<f32: -1.30315721, -0.257192254, -0.482119322>} : tensor<2x4x3xf32>
    %collapsed = tensor.collapse_shape %1 [[0, 1], [2]] : tensor<2x4x3xf32> into tensor<8x3xf32>
    %2 = tensor.empty() : tensor<8x2xf32>
    %3 = linalg.fill ins(%cst_1 : f32) outs(%2 : tensor<8x2xf32>) -> tensor<8x2xf32>
    %4 = tensor.empty() : tensor<3x2xf32>
    %5 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 4.000000e+00, 5.000000e-01>, min_val = array<f32: -3.000000e+00, -2.000000e+00, -1.000000e+00>} : tensor<2x3xf32>
    %6 = eqq.weight_observer %5 minmax qint8 per_tensor_symmetric {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -3.000000e+00>} : tensor<2x3xf32>
    %transposed = linalg.transpose ins(%6 : tensor<2x3xf32>) outs(%4 : tensor<3x2xf32>) permutation = [1, 0] 
    %7 = linalg.matmul ins(%collapsed, %transposed : tensor<8x3xf32>, tensor<3x2xf32>) outs(%3 : tensor<8x2xf32>) -> tensor<8x2xf32>
    %8 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%7, %cst_0 : tensor<8x2xf32>, tensor<2xf32>) outs(%2 : tensor<8x2xf32>) {
    ^bb0(%in: f32, %in_2: f32, %out: f32):
      %12 = arith.addf %in, %in_2 : f32
      linalg.yield %12 : f32
    } -> tensor<8x2xf32>
    %expanded = tensor.expand_shape %8 [[0, 1], [2]] output_shape [2, 4, 2] : tensor<8x2xf32> into tensor<2x4x2xf32>
    %9 = tensor.empty() : tensor<2x4x2xf32>
    %10 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded : tensor<2x4x2xf32>) outs(%9 : tensor<2x4x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %12 = arith.maximumf %in, %cst_1 : f32
      linalg.yield %12 : f32
    } -> tensor<2x4x2xf32>
    %11 = eqq.act_observer %10 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 9.084520e+00>, min_val = array<f32: 0.000000e+00>} : tensor<2x4x2xf32>
    return %11 : tensor<2x4x2xf32>
  }
}

