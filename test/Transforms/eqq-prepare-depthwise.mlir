// RUN: eq-opt %s --eqq-prepare --split-input-file --verify-diagnostics | FileCheck %s
// RUN: eq-opt %s --eqq-prepare=config=%S/Inputs/named-onednn.json --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=ONEDNN

// Depthwise conv2d (linalg.depthwise_conv_2d_nchw_chw, the weight read as
// PyTorch's C x 1 x KH x KW through a tensor.collapse_shape) is a conv2d
// layer for --eqq-prepare (grouped convs: eqq-prepare-grouped.mlir).

// Tests that a depthwise conv with a relu gets the observers of a conv2d
// layer: its input observed before the pad, its 4-D weight observed before
// the collapse (per-tensor, or per output channel along axis 0 with onednn),
// its output observed after the fused relu; the weight-equalization observer
// records the rows W[c, 0, :, :] (axis 0), the only weights input channel c
// meets.

// CHECK-LABEL: func.func @depthwise(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x2x4x4xf32>)
// CHECK: %[[XOBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[XOBS]] axis 1
// CHECK: %[[PAD:.*]] = tensor.pad %[[IEQ]]
// CHECK: %[[WEQ:.*]] = eqq.weight_eq_observer %{{.*}} axis 0 qint8 per_channel_symmetric {max_val = array<f32: 9.000000e+00, 4.000000e+00>, min_val = array<f32: 1.000000e+00, -5.000000e+00>} : tensor<2x1x3x3xf32>
// CHECK: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]] minmax qint8 per_tensor_symmetric {{.*}} : tensor<2x1x3x3xf32>
// CHECK: %[[WC:.*]] = tensor.collapse_shape %[[WOBS]] {{\[}}[0, 1], [2], [3]]
// CHECK: %[[DW:.*]] = linalg.depthwise_conv_2d_nchw_chw {{.*}}eqq.layer = "dw"{{.*}} ins(%[[PAD]], %[[WC]] :
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[DW]] :
// CHECK: %[[ROBS:.*]] = eqq.act_observer %[[R]]
// CHECK: return %[[ROBS]]
// ONEDNN-LABEL: func.func @depthwise(
// ONEDNN: eqq.weight_observer %{{.*}} per_channel_minmax qint8 per_channel_symmetric {max_val = array<f32: 9.000000e+00, 4.000000e+00>, min_val = array<f32: 1.000000e+00, -5.000000e+00>} : tensor<2x1x3x3xf32>
func.func @depthwise(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], [[[-5.0, 0.0, 1.0], [2.0, 3.0, 4.0], [0.0, 0.0, 0.0]]]]> : tensor<2x1x3x3xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x2x4x4xf32> to tensor<1x2x6x6xf32>
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x4x4xf32>) dimensions = [0, 2, 3]
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<2x1x3x3xf32> into tensor<2x3x3xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %wc : tensor<1x2x6x6xf32>, tensor<2x3x3xf32>) outs(%init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("dw")
  %re = tensor.empty() : tensor<1x2x4x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : tensor<1x2x4x4xf32>) outs(%re : tensor<1x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Tests that an unnamed depthwise conv takes its generated name from the
// conv2d sequence, in program order with the other convs (conv2d_1 after
// conv2d_0), as the warning about its non-constant weight shows.

// CHECK-LABEL: func.func @depthwise_name(
// ONEDNN-LABEL: func.func @depthwise_name(
func.func @depthwise_name(%x: tensor<1x2x4x4xf32>, %wd: tensor<2x3x3xf32>) -> tensor<1x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) outs(%f : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %e2 = tensor.empty() : tensor<1x2x2x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  // expected-warning @below {{layer 'conv2d_1' stays float: its weight is not a compile-time constant}}
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%c, %wd : tensor<1x2x4x4xf32>, tensor<2x3x3xf32>) outs(%f2 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Tests that a depthwise conv whose weight is the collapse of a 1 x C x KH x
// KW constant (not PyTorch's C x 1 x KH x KW layout, so per-channel weight
// quantization along axis 0 would be wrong) stays float with a warning
// saying so, and gets no observers.

// CHECK-LABEL: func.func @depthwise_bad_weight_layout(
// CHECK-NOT: _observer
// CHECK: return
// ONEDNN-LABEL: func.func @depthwise_bad_weight_layout(
func.func @depthwise_bad_weight_layout(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<1x2x3x3xf32>
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x2x3x3xf32> into tensor<2x3x3xf32>
  %e = tensor.empty() : tensor<1x2x1x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  // expected-warning @unknown {{layer 'bad' stays float: its depthwise weight is a tensor.collapse_shape of 'tensor<1x2x3x3xf32>' that is not the C x 1 x KH x KW weight of PyTorch's layout (or that other ops read too)}}
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wc : tensor<1x2x3x3xf32>, tensor<2x3x3xf32>) outs(%f : tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32> loc("bad")
  return %y : tensor<1x2x1x1xf32>
}

// -----

// Tests that a depthwise conv reading a C x KH x KW weight constant directly
// (no collapse) is a layer too: its weight observers see that 3-D constant,
// whose axis 0 is still the channel.

// CHECK-LABEL: func.func @depthwise_3d_weight(
// CHECK: %[[WEQ:.*]] = eqq.weight_eq_observer %{{.*}} axis 0 qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 2.000000e+00>, min_val = array<f32: 1.000000e+00, 2.000000e+00>} : tensor<2x1x1xf32>
// CHECK: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]]
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.*}}, %[[WOBS]] :
// ONEDNN-LABEL: func.func @depthwise_3d_weight(
func.func @depthwise_3d_weight(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) outs(%f : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Tests that a depthwise conv whose bias (in the init) is a function
// argument, not a constant, stays float with a warning naming it, and gets
// no observers.

// CHECK-LABEL: func.func @depthwise_bias_not_constant(
// CHECK-NOT: _observer
// CHECK: return
// ONEDNN-LABEL: func.func @depthwise_bias_not_constant(
func.func @depthwise_bias_not_constant(%x: tensor<1x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<2x1x1x1xf32> into tensor<2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
  // expected-warning @below {{layer 'conv2d_0' stays float: its bias is not a compile-time constant}}
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wc : tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
