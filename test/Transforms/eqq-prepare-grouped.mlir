// RUN: eq-opt %s --eqq-prepare --split-input-file | FileCheck %s
// RUN: eq-opt %s --eqq-prepare --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// RUN: eq-opt %s --eqq-prepare=config=%S/Inputs/named-onednn.json --split-input-file | FileCheck %s --check-prefix=ONEDNN

// Grouped conv2d (linalg.conv_2d_ngchw_gfchw between reshapes, as eq-export
// writes nn.Conv2d with 1 < groups) is a conv2d layer for --eqq-prepare,
// observed on the 4-D values around the reshapes; it is not equalized.

// Tests that a grouped conv (2 groups of 2 channels) with bias and relu gets
// a conv2d layer's observers: its input observed before the expand, its 4-D
// weight (PyTorch's (G F') x C' x KH x KW) before the expand, per tensor or
// per output channel along axis 0 with onednn, its output after the fused
// relu. The default config's equalization is refused with a warning: no
// equalization observers.

// CHECK-LABEL: func.func @grouped(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x4x3x3xf32>)
// CHECK-NOT: eq_observer
// CHECK: %[[XOBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[XOBS]] {{\[\[}}0], [1, 2], [3], [4]]
// CHECK: %[[WOBS:.*]] = eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric {{.*}} : tensor<4x2x3x3xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[WOBS]] {{\[\[}}0, 1], [2], [3], [4]]
// CHECK: %[[YG:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[XG]], %[[WG]] :
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[YG]]
// CHECK: %[[R:.*]] = linalg.max
// CHECK: %[[ROBS:.*]] = eqq.act_observer %[[R]]
// CHECK-NOT: eq_observer
// CHECK: return %[[ROBS]]
// WARN: warning: loc("g"): layer 'g' is not equalized: grouped convs (2 groups) are quantized, but input channel c meets only the rows of its group, which no equalization scale of EqQuant (or PyTorch) divides
// WARN-NOT: warning
// ONEDNN-LABEL: func.func @grouped(
// ONEDNN: eqq.act_observer
// ONEDNN: eqq.weight_observer %{{.*}} per_channel_minmax qint8 per_channel_symmetric {{.*}} : tensor<4x2x3x3xf32>
// ONEDNN: linalg.conv_2d_ngchw_gfchw
// ONEDNN: eqq.act_observer
func.func @grouped(%x: tensor<1x4x3x3xf32>) -> tensor<1x4x1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<4x2x3x3xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %xg = tensor.expand_shape %x [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 3, 3] : tensor<1x4x3x3xf32> into tensor<1x2x2x3x3xf32>
  %wg = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [2, 2, 2, 3, 3] : tensor<4x2x3x3xf32> into tensor<2x2x2x3x3xf32>
  %e = tensor.empty() : tensor<1x4x1x1xf32>
  %init = linalg.broadcast ins(%b : tensor<4xf32>) outs(%e : tensor<1x4x1x1xf32>) dimensions = [0, 2, 3]
  %ig = tensor.expand_shape %init [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 1, 1] : tensor<1x4x1x1xf32> into tensor<1x2x2x1x1xf32>
  %yg = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xg, %wg : tensor<1x2x2x3x3xf32>, tensor<2x2x2x3x3xf32>) outs(%ig : tensor<1x2x2x1x1xf32>) -> tensor<1x2x2x1x1xf32> loc("g")
  %y = tensor.collapse_shape %yg [[0], [1, 2], [3], [4]] : tensor<1x2x2x1x1xf32> into tensor<1x4x1x1xf32>
  %ze = tensor.empty() : tensor<1x4x1x1xf32>
  %zf = linalg.fill ins(%zero : f32) outs(%ze : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %r = linalg.max ins(%y, %zf : tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%ze : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  return %r : tensor<1x4x1x1xf32>
}

// -----

// Tests that a grouped conv whose init is not the expand of a 4-D value (the
// 5-D init made directly) is not recognized: it stays float, unobserved.

// CHECK-LABEL: func.func @grouped_5d_init(
// CHECK-NOT: _observer
// CHECK: return
// ONEDNN-LABEL: func.func @grouped_5d_init(
func.func @grouped_5d_init(%x: tensor<1x4x3x3xf32>) -> tensor<1x4x1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<4x2x3x3xf32>
  %xg = tensor.expand_shape %x [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 3, 3] : tensor<1x4x3x3xf32> into tensor<1x2x2x3x3xf32>
  %wg = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [2, 2, 2, 3, 3] : tensor<4x2x3x3xf32> into tensor<2x2x2x3x3xf32>
  %e = tensor.empty() : tensor<1x2x2x1x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x1x1xf32>) -> tensor<1x2x2x1x1xf32>
  %yg = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xg, %wg : tensor<1x2x2x3x3xf32>, tensor<2x2x2x3x3xf32>) outs(%f : tensor<1x2x2x1x1xf32>) -> tensor<1x2x2x1x1xf32> loc("g")
  %y = tensor.collapse_shape %yg [[0], [1, 2], [3], [4]] : tensor<1x2x2x1x1xf32> into tensor<1x4x1x1xf32>
  return %y : tensor<1x4x1x1xf32>
}
