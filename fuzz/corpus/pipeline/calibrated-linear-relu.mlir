func.func @linear_relu(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<3x2xf32>
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%0, %1 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  %2 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 4.0>} : tensor<3x2xf32>
  return %2 : tensor<3x2xf32>
}
