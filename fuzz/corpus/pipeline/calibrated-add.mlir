#map = affine_map<(d0, d1, d2) -> (d0, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @linear_quantized_add_linear(%arg0: tensor<1x5xf32>) -> tensor<1x5xf32> {
    %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 0.90535587>, min_val = array<f32: -1.30315721>} : tensor<1x5xf32>
    %cst = arith.constant dense<5.000000e-01> : tensor<5x5xf32>
    %cst_0 = arith.constant dense<2.500000e-01> : tensor<5x5xf32>
    %cst_1 = arith.constant 0.000000e+00 : f32
    %1 = tensor.empty() : tensor<1x5xf32>
    %2 = linalg.fill ins(%cst_1 : f32) outs(%1 : tensor<1x5xf32>) -> tensor<1x5xf32>
    %3 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 0.345584184, 0.821618139, 0.330437064, -1.30315721, 0.90535587>, min_val = array<f32: 0.345584184, 0.821618139, 0.330437064, -1.30315721, 0.90535587>} : tensor<1x5xf32>
    %4 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<5x5xf32>
    %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<5x5xf32>
    %6 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%3, %5 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%2 : tensor<1x5xf32>) -> tensor<1x5xf32>
    %7 = eqq.act_observer %6 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 5.499190e-01>, min_val = array<f32: 5.499190e-01>} : tensor<1x5xf32>
    %8 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%7 : tensor<1x5xf32>) outs(%1 : tensor<1x5xf32>) {
    ^bb0(%in: f32, %out: f32):
      %cst_2 = arith.constant 5.000000e+00 : f32
      %15 = arith.addf %in, %cst_2 : f32
      linalg.yield %15 : f32
    } -> tensor<1x5xf32>
    %9 = eqq.act_observer %8 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 5.54991913>, min_val = array<f32: 5.54991913>} : tensor<1x5xf32>
    %10 = eqq.input_eq_observer %9 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 5.54991913, 5.54991913, 5.54991913, 5.54991913, 5.54991913>, min_val = array<f32: 5.54991913, 5.54991913, 5.54991913, 5.54991913, 5.54991913>} : tensor<1x5xf32>
    %11 = eqq.weight_eq_observer %cst_0 qint8 per_channel_symmetric {max_val = array<f32: 2.500000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01>, min_val = array<f32: 2.500000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01>} : tensor<5x5xf32>
    %12 = eqq.weight_observer %11 minmax qint8 per_tensor_symmetric {max_val = array<f32: 2.500000e-01>, min_val = array<f32: 2.500000e-01>} : tensor<5x5xf32>
    %13 = linalg.matmul indexing_maps = [#map, #map1, #map2] ins(%10, %12 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%2 : tensor<1x5xf32>) -> tensor<1x5xf32>
    %14 = eqq.act_observer %13 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 6.93739891>, min_val = array<f32: 6.93739891>} : tensor<1x5xf32>
    return %14 : tensor<1x5xf32>
  }
}

