func.func @conv2d_strided_bias_add(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x3x3xf32> {
  %w = arith.constant dense<[[[[1.0]], [[-2.0]]], [[[3.0]], [[4.0]]], [[[-5.0]], [[0.5]]]]> : tensor<3x2x1x1xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x3xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
            ins(%x, %w : tensor<1x2x5x5xf32>, tensor<3x2x1x1xf32>) outs(%fill : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %bb = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<1x3x3x3xf32>) dimensions = [0, 2, 3]
  %y = linalg.add ins(%conv, %bb : tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}
