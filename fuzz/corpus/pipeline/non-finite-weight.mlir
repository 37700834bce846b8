func.func @non_finite_weight(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [3.0, 1.0e+60]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<1x2xf32>
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric {min_val = array<f32: -2.0>, max_val = array<f32: 3.0>} : tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%0, %1 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc")
  %2 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  return %2 : tensor<1x2xf32>
}
