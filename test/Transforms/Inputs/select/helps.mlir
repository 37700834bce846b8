// A 64x4 -> 64x3 linear with ordinary weights, for --eqq-convert's
// selection: calibrated on inputs whose third channel is 100x wider than the
// others, equalization helps.
func.func @forward(%x: tensor<64x4xf32>) -> tensor<64x3xf32> {
  %w = arith.constant dense<[[1.0, 0.9, -1.0, -0.8], [-0.7, 1.0, 0.8, 1.0], [0.6, -1.0, 0.9, -0.9]]> : tensor<3x4xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %e = tensor.empty() : tensor<64x3xf32>
  %init = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<64x3xf32>) dimensions = [0]
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<64x4xf32>, tensor<3x4xf32>) outs(%init : tensor<64x3xf32>) -> tensor<64x3xf32> loc("fc")
  return %y : tensor<64x3xf32>
}
