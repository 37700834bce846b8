// RUN: eq-opt %s --split-input-file --eqq-convert --mlir-print-local-scope | FileCheck %s

// Tests the integer program of a grouped conv (2 groups of 2 input and 1
// output channel, 1x1, linalg.conv_2d_ngchw_gfchw between reshapes): one
// i8 x i8 -> i32 generic over (n, f, oh, ow, c, kh, kw) on the 4-D values,
// no reshapes, output channel f reading input channel (f floordiv 1) * 2 + c
// through W[f][c] (PyTorch's 2 x 2 x 1 x 1 weight), starting from
// -zx * sum(W[f]); then the per-channel requantize.
// Input range [-1, 2] over [0, 127]: scale 3/127, zero point 42. Weight rows
// [1, 1] and [0.5, 0.5] (symmetric qint8, scale 1/127.5): stored 127 and
// 64, so the start values are -42 * 254 = -10668 and -42 * 128 = -5376.
// CHECK-LABEL: func.func @grouped
// CHECK: %[[S:.*]] = quant.scast %{{.*}} : {{.*}} to tensor<1x4x3x3xi8>
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}127]], {{\[\[}}127]]], {{\[\[\[}}64]], {{\[\[}}64]]]]> : tensor<2x2x1x1xi8>
// CHECK: arith.constant dense<[-10668, -5376]> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], {{.*}}} ins(%[[S]], %[[W]] : tensor<1x4x3x3xi8>, tensor<2x2x1x1xi8>) outs(%{{.*}} : tensor<1x2x3x3xi32>) attrs = {eqq.layer = "g"}
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}} : tensor<1x2x3x3xi32>, tensor<2xf32>, tensor<2xf32>)
// CHECK-NOT: linalg.conv_2d_ngchw_gfchw
// CHECK-NOT: tensor.expand_shape
// CHECK: return
func.func @grouped(%x: tensor<1x4x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[[1.0]], [[1.0]]], [[[0.5]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<1x4x3x3xf32>
  %xg = tensor.expand_shape %0 [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 3, 3] : tensor<1x4x3x3xf32> into tensor<1x2x2x3x3xf32>
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x2x1x1xf32>
  %wg = tensor.expand_shape %1 [[0, 1], [2], [3], [4]] output_shape [2, 1, 2, 1, 1] : tensor<2x2x1x1xf32> into tensor<2x1x2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %ig = tensor.expand_shape %f [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 3, 3] : tensor<1x2x3x3xf32> into tensor<1x2x1x3x3xf32>
  %yg = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xg, %wg : tensor<1x2x2x3x3xf32>, tensor<2x1x2x1x1xf32>) outs(%ig : tensor<1x2x1x3x3xf32>) -> tensor<1x2x1x3x3xf32> loc("g")
  %y = tensor.collapse_shape %yg [[0], [1, 2], [3], [4]] : tensor<1x2x1x3x3xf32> into tensor<1x2x3x3xf32>
  %2 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2x3x3xf32>
  return %2 : tensor<1x2x3x3xf32>
}

// -----

// Tests that a conv_2d_ngchw_gfchw of one group (not what eq-export writes,
// but valid IR) is a plain conv: the integer generic reads input channel c,
// and its accumulator has the 4-D output's shape.
// CHECK-LABEL: func.func @one_group
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, {{.*}} outs(%{{.*}} : tensor<1x2x3x3xi32>) attrs = {eqq.layer = "g1"}
// CHECK-NOT: linalg.conv_2d_ngchw_gfchw
func.func @one_group(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[[1.0]], [[1.0]]], [[[0.5]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<1x2x3x3xf32>
  %xg = tensor.expand_shape %0 [[0], [1, 2], [3], [4]] output_shape [1, 1, 2, 3, 3] : tensor<1x2x3x3xf32> into tensor<1x1x2x3x3xf32>
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x2x1x1xf32>
  %wg = tensor.expand_shape %1 [[0, 1], [2], [3], [4]] output_shape [1, 2, 2, 1, 1] : tensor<2x2x1x1xf32> into tensor<1x2x2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %ig = tensor.expand_shape %f [[0], [1, 2], [3], [4]] output_shape [1, 1, 2, 3, 3] : tensor<1x2x3x3xf32> into tensor<1x1x2x3x3xf32>
  %yg = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xg, %wg : tensor<1x1x2x3x3xf32>, tensor<1x2x2x1x1xf32>) outs(%ig : tensor<1x1x2x3x3xf32>) -> tensor<1x1x2x3x3xf32> loc("g1")
  %y = tensor.collapse_shape %yg [[0], [1, 2], [3], [4]] : tensor<1x1x2x3x3xf32> into tensor<1x2x3x3xf32>
  %2 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2x3x3xf32>
  return %2 : tensor<1x2x3x3xf32>
}
