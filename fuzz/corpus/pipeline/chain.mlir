func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w1 = arith.constant dense<0.5> : tensor<3x3xf32>
  %w2 = arith.constant dense<1.0> : tensor<3x3xf32>
  %w3 = arith.constant dense<1.5> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w1 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32> loc("fc1")
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%y1, %w2 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32> loc("fc2")
  %y3 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%y2, %w3 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32> loc("fc3")
  return %y3 : tensor<4x3xf32>
}
