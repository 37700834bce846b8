module {
  func.func @conv2d_strided_bias_add(%arg0: tensor<1x2x5x5xf32>) -> tensor<1x3x3x3xf32> {
    %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.11783886>, min_val = array<f32: -2.71116257>} : tensor<1x2x5x5xf32>
    %cst = arith.constant dense<[[[[1.000000e+00]], [[-2.000000e+00]]], [[[3.000000e+00]], [[4.000000e+00]]], [[[-5.000000e+00]], [[5.000000e-01]]]]> : tensor<3x2x1x1xf32>
    %cst_0 = arith.constant dense<[1.000000e-01, 2.000000e-01, 3.000000e-01]> : tensor<3xf32>
    %cst_1 = arith.constant 0.000000e+00 : f32
    %1 = tensor.empty() : tensor<1x3x3x3xf32>
    %2 = linalg.fill ins(%cst_1 : f32) outs(%1 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
    %3 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 1.29406381, 2.11783886>, min_val = array<f32: -2.71116257, -1.88901329>} : tensor<1x2x5x5xf32>
    %4 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 3.000000e+00, 4.000000e+00>, min_val = array<f32: -5.000000e+00, -2.000000e+00>} : tensor<3x2x1x1xf32>
    %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -5.000000e+00>} : tensor<3x2x1x1xf32>
    %6 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%3, %5 : tensor<1x2x5x5xf32>, tensor<3x2x1x1xf32>) outs(%2 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
    %broadcasted = linalg.broadcast ins(%cst_0 : tensor<3xf32>) outs(%1 : tensor<1x3x3x3xf32>) dimensions = [0, 2, 3] 
    %7 = linalg.add ins(%6, %broadcasted : tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) outs(%1 : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
    %8 = eqq.act_observer %7 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 14.3013964>, min_val = array<f32: -8.60166358>} : tensor<1x3x3x3xf32>
    return %8 : tensor<1x3x3x3xf32>
  }
}

