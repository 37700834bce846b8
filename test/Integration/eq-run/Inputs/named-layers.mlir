// A model whose layers carry front-end names: net.0 (linear 6 -> 5 with bias,
// then relu), fc1 (linear 5 -> 4, bias in the init), and an unnamed linear
// 4 -> 3 (generated name linear_2).
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @forward(%x: tensor<4x6xf32>) -> tensor<4x3xf32> {
  %w0 = arith.constant dense<[[0.5, -0.25, 0.75, 0.1, -0.6, 0.3], [0.2, 0.4, -0.5, 0.9, 0.05, -0.1], [-0.3, 0.6, 0.2, -0.7, 0.4, 0.8], [0.15, -0.45, 0.35, 0.25, -0.2, 0.5], [0.7, 0.1, -0.15, -0.35, 0.6, -0.4]]> : tensor<5x6xf32>
  %b0 = arith.constant dense<[0.1, -0.2, 0.05, 0.3, -0.1]> : tensor<5xf32>
  %w1 = arith.constant dense<[[0.3, -0.6, 0.9, 0.2, -0.4], [-0.5, 0.25, 0.1, 0.8, 0.35], [0.45, 0.15, -0.3, -0.2, 0.6], [0.05, 0.7, 0.4, -0.55, -0.25]]> : tensor<4x5xf32>
  %b1 = arith.constant dense<[0.2, -0.1, 0.0, 0.15]> : tensor<4xf32>
  %w2 = arith.constant dense<[[0.4, -0.3, 0.2, 0.6], [-0.2, 0.5, 0.7, -0.1], [0.3, 0.1, -0.6, 0.45]]> : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e5 = tensor.empty() : tensor<4x5xf32>
  %f5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<4x5xf32>) -> tensor<4x5xf32>
  %mm0 = linalg.matmul indexing_maps = [#a, #bt, #c]
           ins(%x, %w0 : tensor<4x6xf32>, tensor<5x6xf32>) outs(%f5 : tensor<4x5xf32>) -> tensor<4x5xf32> loc("net.0")
  %y0 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
           ins(%mm0, %b0 : tensor<4x5xf32>, tensor<5xf32>) outs(%e5 : tensor<4x5xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x5xf32>
  %r0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
           ins(%y0 : tensor<4x5xf32>) outs(%e5 : tensor<4x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x5xf32>
  %e4 = tensor.empty() : tensor<4x4xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<4xf32>) outs(%e4 : tensor<4x4xf32>) dimensions = [0]
  %y1 = linalg.matmul indexing_maps = [#a, #bt, #c]
           ins(%r0, %w1 : tensor<4x5xf32>, tensor<4x5xf32>) outs(%bb1 : tensor<4x4xf32>) -> tensor<4x4xf32> loc("fc1")
  %e3 = tensor.empty() : tensor<4x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %y2 = linalg.matmul indexing_maps = [#a, #bt, #c]
           ins(%y1, %w2 : tensor<4x4xf32>, tensor<3x4xf32>) outs(%f3 : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y2 : tensor<4x3xf32>
}
