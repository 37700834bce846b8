// RUN: not eq-opt %s --eqq-convert=quantize=false 2>&1 | FileCheck %s

// Tests that a weight-equalization observer recording the columns (axis 1)
// of a depthwise conv's weight, which its input channels do not meet, is an
// error rather than a wrong scale.
// CHECK: error: layer 'conv2d_0': the weight-equalization observer records axis 1 of the weight, but the layer's input channels meet its axis 0
func.func @wrong_axis(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %wd = arith.constant dense<[[[[2.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<1x2x2x2xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -1.0, -1.0>, max_val = array<f32: 2.0, 1.0>} : tensor<1x2x2x2xf32>
  %2 = eqq.weight_eq_observer %wd qint8 per_channel_symmetric : tensor<2x1x1x1xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x1x1x1xf32>
  %wc = tensor.collapse_shape %3 [[0, 1], [2], [3]] : tensor<2x1x1x1xf32> into tensor<2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%1, %wc : tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) outs(%f : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %4 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2x2x2xf32>
  return %4 : tensor<1x2x2x2xf32>
}
