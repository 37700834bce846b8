func.func @forward(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %c1_weight = arith.constant dense<[[[[-0.005293981]], [[0.3793229]]], [[[-0.58198076]], [[-0.5203875]]], [[[-0.27234524]], [[0.18961589]]]]> : tensor<3x2x1x1xf32>
  %c1_bias = arith.constant dense<[-0.014010034, 0.5606575, -0.06275152]> : tensor<3xf32>
  %c1_bias_empty = tensor.empty() : tensor<1x3x4x4xf32>
  %c1_init = linalg.broadcast ins(%c1_bias : tensor<3xf32>) outs(%c1_bias_empty : tensor<1x3x4x4xf32>) dimensions = [0, 2, 3]
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>} ins(%x, %c1_weight : tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) outs(%c1_init : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> loc("c1")
  %relu_empty = tensor.empty() : tensor<1x3x4x4xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c1 : tensor<1x3x4x4xf32>) outs(%relu_empty : tensor<1x3x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %cst = arith.constant 0.0 : f32
    %res = arith.maximumf %in, %cst : f32
    linalg.yield %res : f32
  } -> tensor<1x3x4x4xf32> loc("relu")
  %neg_inf = arith.constant 0xFF800000 : f32
  %max_pool2d_empty = tensor.empty() : tensor<1x3x2x2xf32>
  %max_pool2d_fill = linalg.fill ins(%neg_inf : f32) outs(%max_pool2d_empty : tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  %max_pool2d_window = tensor.empty() : tensor<2x2xf32>
  %max_pool2d = linalg.pooling_nchw_max {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>} ins(%relu, %max_pool2d_window : tensor<1x3x4x4xf32>, tensor<2x2xf32>) outs(%max_pool2d_fill : tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32> loc("max_pool2d")
  %c2_weight = arith.constant dense<[[[[0.15277413]], [[-0.1744828]], [[-0.11348708]]], [[[-0.5515707]], [[-0.38236874]], [[-0.23799711]]]]> : tensor<2x3x1x1xf32>
  %c2_bias = arith.constant dense<[0.021387115, 0.22824688]> : tensor<2xf32>
  %c2_bias_empty = tensor.empty() : tensor<1x2x2x2xf32>
  %c2_init = linalg.broadcast ins(%c2_bias : tensor<2xf32>) outs(%c2_bias_empty : tensor<1x2x2x2xf32>) dimensions = [0, 2, 3]
  %c2 = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>} ins(%max_pool2d, %c2_weight : tensor<1x3x2x2xf32>, tensor<2x3x1x1xf32>) outs(%c2_init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("c2")
  return %c2 : tensor<1x2x2x2xf32>
}

