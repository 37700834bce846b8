func.func @carry(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<2x2xf32>
  %b1 = arith.constant dense<1.0> : tensor<2xf32>
  %w2 = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<3x2xf32>
  %3 = eqq.weight_observer %w1 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %i1 = linalg.broadcast ins(%b1 : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%0, %3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%i1 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc1")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y1 : tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  %4 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 3.0>} : tensor<3x2xf32>
  %5 = eqq.input_eq_observer %4 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, -1.0>, max_val = array<f32: 1.0, 3.0>} : tensor<3x2xf32>
  %6 = eqq.weight_eq_observer %w2 qint8 per_channel_symmetric : tensor<2x2xf32>
  %7 = eqq.weight_observer %6 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%5, %7 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  %8 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -5.0>, max_val = array<f32: 5.0>} : tensor<3x2xf32>
  return %8 : tensor<3x2xf32>
}
