#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 0.0, -1.0]]> : tensor<4x3xf32>
  %b = arith.constant dense<[0.5, 0.5, 0.5, -20.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %init = linalg.broadcast ins(%b : tensor<4xf32>) outs(%e : tensor<2x4xf32>) dimensions = [0]
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc")
  return %y : tensor<2x4xf32>
}
