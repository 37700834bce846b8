// fc0 -> relu -> fc1, the relu's output also returned: fc1's scale cannot
// fold into fc0 (another reader needs fc0's unscaled output), so it
// multiplies fc0's quantized output, which is then quantized again.
func.func @forward(%x: tensor<64x4xf32>) -> (tensor<64x3xf32>, tensor<64x4xf32>) {
  %w0 = arith.constant dense<[[1.0, 0.2, -0.3, 0.1], [-0.2, 0.9, 0.1, 0.3], [0.1, -0.1, 1.1, 0.2], [0.3, 0.2, -0.2, 0.8]]> : tensor<4x4xf32>
  %w1 = arith.constant dense<[[1.0, 0.9, -1.0, -0.8], [-0.7, 1.0, 0.8, 1.0], [0.6, -1.0, 0.9, -0.9]]> : tensor<3x4xf32>
  %z = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<64x4xf32>
  %f0 = linalg.fill ins(%z : f32) outs(%e0 : tensor<64x4xf32>) -> tensor<64x4xf32>
  %h = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w0 : tensor<64x4xf32>, tensor<4x4xf32>) outs(%f0 : tensor<64x4xf32>) -> tensor<64x4xf32> loc("fc0")
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
         ins(%h : tensor<64x4xf32>) outs(%e0 : tensor<64x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<64x4xf32>
  %e1 = tensor.empty() : tensor<64x3xf32>
  %f1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<64x3xf32>) -> tensor<64x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%r, %w1 : tensor<64x4xf32>, tensor<3x4xf32>) outs(%f1 : tensor<64x3xf32>) -> tensor<64x3xf32> loc("fc1")
  return %y, %r : tensor<64x3xf32>, tensor<64x4xf32>
}
