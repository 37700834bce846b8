#map = affine_map<(d0, d1, d2) -> (d0, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>
module {
  func.func @forward(%arg0: tensor<4x3xf32>) -> tensor<4x3xf32> {
    %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 0.90535587>, min_val = array<f32: -1.30315721>} : tensor<4x3xf32>
    %cst = arith.constant dense<5.000000e-01> : tensor<3x3xf32>
    %cst_0 = arith.constant dense<1.000000e+00> : tensor<3x3xf32>
    %cst_1 = arith.constant dense<1.500000e+00> : tensor<3x3xf32>
    %cst_2 = arith.constant 0.000000e+00 : f32
    %1 = tensor.empty() : tensor<4x3xf32>
    %2 = linalg.fill ins(%cst_2 : f32) outs(%1 : tensor<4x3xf32>) -> tensor<4x3xf32>
    %3 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 0.345584184, 0.90535587, 5.467130e-01>, min_val = array<f32: -1.30315721, 0.028422242, 0.330437064>} : tensor<4x3xf32>
    %4 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<3x3xf32>
    %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<3x3xf32>
    %6 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%3, %5 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%2 : tensor<4x3xf32>) -> tensor<4x3xf32>
    %7 = eqq.act_observer %6 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 0.748819709>, min_val = array<f32: 0.0242866129>} : tensor<4x3xf32>
    %8 = eqq.input_eq_observer %7 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 0.748819709, 0.748819709, 0.748819709>, min_val = array<f32: 0.0242866129, 0.0242866129, 0.0242866129>} : tensor<4x3xf32>
    %9 = eqq.weight_eq_observer %cst_0 qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 1.000000e+00, 1.000000e+00>, min_val = array<f32: 1.000000e+00, 1.000000e+00, 1.000000e+00>} : tensor<3x3xf32>
    %10 = eqq.weight_observer %9 minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00>, min_val = array<f32: 1.000000e+00>} : tensor<3x3xf32>
    %11 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%8, %10 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%2 : tensor<4x3xf32>) -> tensor<4x3xf32>
    %12 = eqq.act_observer %11 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.24645901>, min_val = array<f32: 0.0728598386>} : tensor<4x3xf32>
    %13 = eqq.input_eq_observer %12 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 2.24645901, 2.24645901, 2.24645901>, min_val = array<f32: 0.0728598386, 0.0728598386, 0.0728598386>} : tensor<4x3xf32>
    %14 = eqq.weight_eq_observer %cst_1 qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: 1.500000e+00, 1.500000e+00, 1.500000e+00>} : tensor<3x3xf32>
    %15 = eqq.weight_observer %14 minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: 1.500000e+00>} : tensor<3x3xf32>
    %16 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%13, %15 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%2 : tensor<4x3xf32>) -> tensor<4x3xf32>
    %17 = eqq.act_observer %16 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 10.109066>, min_val = array<f32: 0.327869266>} : tensor<4x3xf32>
    return %17 : tensor<4x3xf32>
  }
}

