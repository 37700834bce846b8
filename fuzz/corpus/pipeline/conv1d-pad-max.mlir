func.func @conv1d_pad_relu(%x: tensor<4x2x10xf32>) -> tensor<4x3x10xf32> {
  %w = arith.constant dense<0.25> : tensor<3x2x3xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1] high[0, 0, 1] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<4x2x10xf32> to tensor<4x2x12xf32>
  %e = tensor.empty() : tensor<4x3x10xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3x10xf32>) -> tensor<4x3x10xf32>
  %conv = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
            ins(%p, %w : tensor<4x2x12xf32>, tensor<3x2x3xf32>) outs(%fill : tensor<4x3x10xf32>) -> tensor<4x3x10xf32>
  %r = linalg.max ins(%conv, %fill : tensor<4x3x10xf32>, tensor<4x3x10xf32>) outs(%e : tensor<4x3x10xf32>) -> tensor<4x3x10xf32>
  return %r : tensor<4x3x10xf32>
}
