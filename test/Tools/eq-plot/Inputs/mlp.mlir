// A 4 -> 5 -> 3 -> 2 MLP (fc1, relu, fc2, relu, fc3) for the eq_plot tests.
#id = affine_map<(d0, d1) -> (d0, d1)>
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#out = affine_map<(m, n, k) -> (m, n)>
func.func @forward(%x: tensor<8x4xf32>) -> tensor<8x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[0.5, -0.25, 0.125, 1.0], [-0.75, 0.5, 0.25, -0.5], [0.25, 0.75, -1.0, 0.125],
                              [1.0, -0.5, 0.5, 0.25], [-0.125, 0.25, 0.75, -0.75]]> : tensor<5x4xf32>
  %b1 = arith.constant dense<[0.1, 0.2, 0.0, -0.1, 0.3]> : tensor<5xf32>
  %e1 = tensor.empty() : tensor<8x5xf32>
  %i1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e1 : tensor<8x5xf32>) dimensions = [0]
  %y1 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
          ins(%x, %w1 : tensor<8x4xf32>, tensor<5x4xf32>) outs(%i1 : tensor<8x5xf32>) -> tensor<8x5xf32> loc("fc1")
  %r1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%y1 : tensor<8x5xf32>) outs(%e1 : tensor<8x5xf32>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<8x5xf32> loc("relu1")
  %w2 = arith.constant dense<[[0.5, -0.5, 0.25, 0.75, -0.25], [0.25, 1.0, -0.75, 0.5, 0.125],
                              [-1.0, 0.25, 0.5, -0.125, 0.75]]> : tensor<3x5xf32>
  %b2 = arith.constant dense<[0.0, 0.5, -0.25]> : tensor<3xf32>
  %e2 = tensor.empty() : tensor<8x3xf32>
  %i2 = linalg.broadcast ins(%b2 : tensor<3xf32>) outs(%e2 : tensor<8x3xf32>) dimensions = [0]
  %y2 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
          ins(%r1, %w2 : tensor<8x5xf32>, tensor<3x5xf32>) outs(%i2 : tensor<8x3xf32>) -> tensor<8x3xf32> loc("fc2")
  %r2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%y2 : tensor<8x3xf32>) outs(%e2 : tensor<8x3xf32>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<8x3xf32> loc("relu2")
  %w3 = arith.constant dense<[[1.0, -0.5, 0.25], [-0.25, 0.75, 0.5]]> : tensor<2x3xf32>
  %b3 = arith.constant dense<[0.0, 0.1]> : tensor<2xf32>
  %e3 = tensor.empty() : tensor<8x2xf32>
  %i3 = linalg.broadcast ins(%b3 : tensor<2xf32>) outs(%e3 : tensor<8x2xf32>) dimensions = [0]
  %y3 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
          ins(%r2, %w3 : tensor<8x3xf32>, tensor<2x3xf32>) outs(%i3 : tensor<8x2xf32>) -> tensor<8x2xf32> loc("fc3")
  return %y3 : tensor<8x2xf32>
}
