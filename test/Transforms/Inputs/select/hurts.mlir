// A 64x4 -> 64x3 linear whose second weight column is large (2.0) but
// nearly constant (range 0.02): PyTorch's range-based scale shrinks that
// input channel and multiplies the column by about 1 / sqrt(0.02 / 4), so
// the per-tensor weight scale grows 14x and the other columns lose their
// precision. On inputs without outlier channels equalization hurts.
func.func @forward(%x: tensor<64x4xf32>) -> tensor<64x3xf32> {
  %w = arith.constant dense<[[0.5, 2.0, -0.5, 0.3], [-0.4, 2.01, 0.5, -0.3], [0.3, 1.99, -0.4, 0.5]]> : tensor<3x4xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %e = tensor.empty() : tensor<64x3xf32>
  %init = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<64x3xf32>) dimensions = [0]
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<64x4xf32>, tensor<3x4xf32>) outs(%init : tensor<64x3xf32>) -> tensor<64x3xf32> loc("fc")
  return %y : tensor<64x3xf32>
}
