// RUN: eq-opt %s --split-input-file --eqq-convert --mlir-print-local-scope | FileCheck %s --check-prefix=INT8
// RUN: eq-opt %s --split-input-file --eqq-convert=quantize=false | FileCheck %s --check-prefix=EQ
// RUN: eq-opt %s --split-input-file --eqq-convert="quantize=false data-free=true" | FileCheck %s --check-prefix=DF

// --eqq-convert on depthwise conv2d layers (linalg.depthwise_conv_2d_nchw_chw
// reading PyTorch's C x 1 x KH x KW weight through a tensor.collapse_shape):
// the integer program, and equalization where input channel c meets only
// weight row c.

// Tests the integer program of a depthwise conv with stride 2 and padding 1:
// the stored input padded with its zero point, an i8 x i8 -> i32 generic over
// (n, c, oh, ow, kh, kw) reading the weight as C x KH x KW, starting from
// -zx * sum(W[c]) per channel, then the per-channel requantize.
// Input range [-1, 2] over [0, 127]: scale 3/127, zero point 42. Weight rows
// 1.0 and 0.5 (symmetric qint8, scale 1/127.5): stored 127 and 64, so the
// start values are -42 * 9 * 127 = -48006 and -42 * 9 * 64 = -24192.
// INT8-LABEL: func.func @int8_program
// INT8: %[[S:.*]] = quant.scast %{{.*}} : {{.*}} to tensor<1x2x3x3xi8>
// INT8: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x3x3xi8>
// INT8: %[[PAD:.*]] = tensor.pad %[[S]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// INT8:   tensor.yield %{{.*}} : i8
// INT8: } : tensor<1x2x3x3xi8> to tensor<1x2x5x5xi8>
// INT8: arith.constant dense<[-48006, -24192]> : tensor<2xi32>
// INT8: %[[ACC:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PAD]], %[[W]] : tensor<1x2x5x5xi8>, tensor<2x3x3xi8>) outs(%{{.*}} : tensor<1x2x2x2xi32>) attrs = {eqq.layer = "dw"}
// INT8: linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}} : tensor<1x2x2x2xi32>, tensor<2xf32>, tensor<2xf32>)
// INT8-NOT: linalg.depthwise_conv_2d_nchw_chw
// INT8: return
func.func @int8_program(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]], [[[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]]]> : tensor<2x1x3x3xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<1x2x3x3xf32>
  %p = tensor.pad %0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x2x3x3xf32> to tensor<1x2x5x5xf32>
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x1x3x3xf32>
  %wc = tensor.collapse_shape %1 [[0, 1], [2], [3]] : tensor<2x1x3x3xf32> into tensor<2x3x3xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%p, %wc : tensor<1x2x5x5xf32>, tensor<2x3x3xf32>) outs(%f : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("dw")
  %2 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2x2x2xf32>
  return %2 : tensor<1x2x2x2xf32>
}

// -----

// Tests that an equalized depthwise conv behind conv -> relu divides its
// weight rows (not columns) by s and folds s into the conv's rows and bias:
// input channel ranges 4 and 1, depthwise row ranges 1 and 4, so
// s = sqrt(row range / input range) = [0.5, 2]. No multiply is left.
// EQ-LABEL: func.func @depthwise_consumer
// EQ-NOT: eqq.eq_scale
// EQ-DAG: arith.constant dense<{{\[\[\[\[}}5.000000e-01]], {{\[\[}}1.000000e+00]]], {{\[\[\[}}6.000000e+00]], {{\[\[}}8.000000e+00]]]]> : tensor<2x2x1x1xf32>
// EQ-DAG: arith.constant dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>
// EQ-DAG: arith.constant dense<{{\[\[\[\[}}0.000000e+00, 2.000000e+00]]], {{\[\[\[}}0.000000e+00, 2.000000e+00]]]]> : tensor<2x1x1x2xf32>
// EQ: linalg.depthwise_conv_2d_nchw_chw
// EQ-NOT: eqq.eq_scale
// DF-LABEL: func.func @depthwise_consumer
func.func @depthwise_consumer(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %b1 = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %wd = arith.constant dense<[[[[0.0, 1.0]]], [[[0.0, 4.0]]]]> : tensor<2x1x1x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<1x2x3x3xf32>
  %1 = eqq.weight_observer %w1 minmax qint8 per_tensor_symmetric : tensor<2x2x1x1xf32>
  %e1 = tensor.empty() : tensor<1x2x3x3xf32>
  %i1 = linalg.broadcast ins(%b1 : tensor<2xf32>) outs(%e1 : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%0, %1 : tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) outs(%i1 : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> loc("expand")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x2x3x3xf32>) outs(%e1 : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3x3xf32>
  %2 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 4.0>} : tensor<1x2x3x3xf32>
  %3 = eqq.input_eq_observer %2 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0>, max_val = array<f32: 4.0, 1.0>} : tensor<1x2x3x3xf32>
  %4 = eqq.weight_eq_observer %wd axis 0 qint8 per_channel_symmetric : tensor<2x1x1x2xf32>
  %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric : tensor<2x1x1x2xf32>
  %wc = tensor.collapse_shape %5 [[0, 1], [2], [3]] : tensor<2x1x1x2xf32> into tensor<2x1x2xf32>
  %e2 = tensor.empty() : tensor<1x2x3x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%3, %wc : tensor<1x2x3x3xf32>, tensor<2x1x2xf32>) outs(%f2 : tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32> loc("dw")
  %6 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2x3x2xf32>
  return %6 : tensor<1x2x3x2xf32>
}

// -----

// Tests that a conv behind depthwise -> relu folds its scale into the
// depthwise conv's rows and bias (a depthwise conv is a producer like any
// conv) and divides its own columns: input channel ranges 8 and 1, column
// ranges 2 and 4, s = [0.5, 2]; depthwise rows [2, 1] * s = [1, 2], bias
// [1, 1] * s = [0.5, 2]; columns [1, 4; -1, 0] / s = [2, 2; -2, 0].
// EQ-LABEL: func.func @depthwise_producer
// EQ-NOT: eqq.eq_scale
// EQ-DAG: arith.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<2x1x1x1xf32>
// EQ-DAG: arith.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// EQ-DAG: arith.constant dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}-2.000000e+00]], {{\[\[}}0.000000e+00]]]]> : tensor<2x2x1x1xf32>
// EQ: linalg.depthwise_conv_2d_nchw_chw
// EQ-NOT: eqq.eq_scale
// EQ: return
// DF-LABEL: func.func @depthwise_producer
func.func @depthwise_producer(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %wd = arith.constant dense<[[[[2.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32>
  %bd = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %w2 = arith.constant dense<[[[[1.0]], [[4.0]]], [[[-1.0]], [[0.0]]]]> : tensor<2x2x1x1xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<1x2x2x2xf32>
  %1 = eqq.weight_observer %wd minmax qint8 per_tensor_symmetric : tensor<2x1x1x1xf32>
  %wc = tensor.collapse_shape %1 [[0, 1], [2], [3]] : tensor<2x1x1x1xf32> into tensor<2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %i = linalg.broadcast ins(%bd : tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [0, 2, 3]
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%0, %wc : tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) outs(%i : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("dw")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : tensor<1x2x2x2xf32>) outs(%e : tensor<1x2x2x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x2x2x2xf32>
  %2 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 8.0>} : tensor<1x2x2x2xf32>
  %3 = eqq.input_eq_observer %2 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0>, max_val = array<f32: 8.0, 1.0>} : tensor<1x2x2x2xf32>
  %4 = eqq.weight_eq_observer %w2 qint8 per_channel_symmetric : tensor<2x2x1x1xf32>
  %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric : tensor<2x2x1x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%3, %5 : tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) outs(%f : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("project")
  %6 = eqq.act_observer %c minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2x2x2xf32>
  return %6 : tensor<1x2x2x2xf32>
}

// -----

// Tests data-free equalization of a depthwise conv behind conv -> relu: s
// balances the conv's weight rows (ranges 4 and 0.25) against the depthwise
// rows (ranges 1 and 4), s = sqrt(4 / 0.25 ...) = [0.5, 4]: the conv's rows
// times s, the depthwise rows divided by it.
// DF-LABEL: func.func @data_free
// DF-NOT: eqq.eq_scale
// DF-DAG: arith.constant dense<{{\[\[\[\[}}-5.000000e-01]], {{\[\[}}1.500000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}1.000000e+00]]]]> : tensor<2x2x1x1xf32>
// DF-DAG: arith.constant dense<{{\[\[\[\[}}0.000000e+00, 2.000000e+00]]], {{\[\[\[}}0.000000e+00, 1.000000e+00]]]]> : tensor<2x1x1x2xf32>
// DF: linalg.depthwise_conv_2d_nchw_chw
// DF-NOT: eqq.eq_scale
// DF: return
func.func @data_free(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[[[-1.0]], [[3.0]]], [[[0.0]], [[0.25]]]]> : tensor<2x2x1x1xf32>
  %wd = arith.constant dense<[[[[0.0, 1.0]]], [[[0.0, 4.0]]]]> : tensor<2x1x1x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<1x2x3x3xf32>
  %1 = eqq.weight_observer %w1 minmax qint8 per_tensor_symmetric : tensor<2x2x1x1xf32>
  %e1 = tensor.empty() : tensor<1x2x3x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%0, %1 : tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) outs(%f1 : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> loc("expand")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x2x3x3xf32>) outs(%e1 : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3x3xf32>
  %2 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 4.0>} : tensor<1x2x3x3xf32>
  %3 = eqq.input_eq_observer %2 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0>, max_val = array<f32: 4.0, 1.0>} : tensor<1x2x3x3xf32>
  %4 = eqq.weight_eq_observer %wd axis 0 qint8 per_channel_symmetric : tensor<2x1x1x2xf32>
  %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric : tensor<2x1x1x2xf32>
  %wc = tensor.collapse_shape %5 [[0, 1], [2], [3]] : tensor<2x1x1x2xf32> into tensor<2x1x2xf32>
  %e2 = tensor.empty() : tensor<1x2x3x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%3, %wc : tensor<1x2x3x3xf32>, tensor<2x1x2xf32>) outs(%f2 : tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32> loc("dw")
  %6 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2x3x2xf32>
  return %6 : tensor<1x2x3x2xf32>
}
