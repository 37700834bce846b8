// RUN: eq-opt %s --canonicalize --split-input-file | FileCheck %s

// Tests that a per-tensor weight observer of a constant computes its range
// when folded.
// CHECK-LABEL: func.func @weight_observer_per_tensor
// CHECK: eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -2.000000e+00>}
func.func @weight_observer_per_tensor() -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %0 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that a per-channel weight observer reduces over every axis but its own.
// CHECK-LABEL: func.func @weight_observer_per_channel
// CHECK: eqq.weight_observer %{{.*}} per_channel_minmax qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 4.000000e+00>, min_val = array<f32: -2.000000e+00, 5.000000e-01>}
func.func @weight_observer_per_channel() -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %0 = eqq.weight_observer %w per_channel_minmax qint8 per_channel_symmetric : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that a weight-equalization observer keeps one range per input column
// of a conv weight [F, C, KH, KW], looking through it to the constant for the
// weight observer after it.
// CHECK-LABEL: func.func @weight_eq_observer_conv
// CHECK: %[[EQ:.*]] = eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric {max_val = array<f32: 3.000000e+00, 7.000000e+00>, min_val = array<f32: -1.000000e+00, 4.000000e+00>}
// CHECK: eqq.weight_observer %[[EQ]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 7.000000e+00>, min_val = array<f32: -1.000000e+00>}
func.func @weight_eq_observer_conv() -> tensor<2x2x1x2xf32> {
  %w = arith.constant dense<[[[[0.0, 1.0]], [[4.0, 5.0]]], [[[-1.0, 3.0]], [[6.0, 7.0]]]]> : tensor<2x2x1x2xf32>
  %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2x1x2xf32>
  %1 = eqq.weight_observer %0 minmax qint8 per_tensor_symmetric : tensor<2x2x1x2xf32>
  return %1 : tensor<2x2x1x2xf32>
}

// -----

// Tests that splat constants fold too.
// CHECK-LABEL: func.func @splat
// CHECK: eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>}
func.func @splat() -> tensor<4x3xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Tests that dense_resource weights fold like dense ones.
// CHECK-LABEL: func.func @resource
// CHECK: eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric {max_val = array<f32: 3.000000e+00>, min_val = array<f32: -1.000000e+00>}
func.func @resource() -> tensor<2x2xf32> {
  %w = arith.constant dense_resource<w0> : tensor<2x2xf32>
  %0 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w0: "0x040000000000803F000080BF0000404000000000"
    }
  }
#-}

// -----

// Tests that a histogram observer of a constant gets its histogram too.
// CHECK-LABEL: func.func @histogram
// CHECK: eqq.act_observer %{{.*}} histogram quint8 per_tensor_affine {bins = 2 : i64, histogram = array<f32: 2.000000e+00, 2.000000e+00>, max_val = array<f32: 4.000000e+00>, min_val = array<f32: 0.000000e+00>}
func.func @histogram() -> tensor<2x2xf32> {
  %c = arith.constant dense<[[0.0, 1.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = eqq.act_observer %c histogram quint8 per_tensor_affine {bins = 2 : i64} : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that NaN in a constant propagates to its channel's range, as
// torch.aminmax does, instead of being skipped.
// CHECK-LABEL: func.func @nan
// CHECK: eqq.weight_eq_observer %{{.*}} {max_val = array<f32: 0x7FC00000, 2.000000e+00>, min_val = array<f32: 0x7FC00000, 1.000000e+00>}
func.func @nan() -> tensor<2x2xf32> {
  %w = arith.constant dense<[[0x7FC00000, 1.0], [0.5, 2.0]]> : tensor<2x2xf32>
  %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that an observer of a runtime value stays uncalibrated.
// CHECK-LABEL: func.func @runtime_value
// CHECK: eqq.act_observer %{{.*}} minmax quint8 per_tensor_affine : tensor<2x2xf32>
func.func @runtime_value(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that existing statistics are kept, not recomputed.
// CHECK-LABEL: func.func @calibrated
// CHECK: {max_val = array<f32: 9.000000e+00>, min_val = array<f32: -9.000000e+00>}
func.func @calibrated() -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %0 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric {min_val = array<f32: -9.0>, max_val = array<f32: 9.0>} : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that an equalization multiply by ones disappears.
// CHECK-LABEL: func.func @eq_scale_ones
// CHECK-NOT: eqq.eq_scale
// CHECK: return %arg0
func.func @eq_scale_ones(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 1.0, 1.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Tests that any other scale stays.
// CHECK-LABEL: func.func @eq_scale_kept
// CHECK: eqq.eq_scale
func.func @eq_scale_kept(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 1.0, 2.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Tests that quantize(dequantize(q)) with the same type is q.
// CHECK-LABEL: func.func @requantize_same
// CHECK-NOT: eqq.quantize
// CHECK: return %arg0
func.func @requantize_same(%q: tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<u8:f32, 0.1:3>> {
  %d = eqq.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.1:3>> to tensor<4xf32>
  %r = eqq.quantize %d : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.1:3>>
  return %r : tensor<4x!quant.uniform<u8:f32, 0.1:3>>
}

// -----

// Tests that a change of scale is not folded away.
// CHECK-LABEL: func.func @requantize_other
// CHECK: eqq.dequantize
// CHECK: eqq.quantize
func.func @requantize_other(%q: tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<u8:f32, 0.2:3>> {
  %d = eqq.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.1:3>> to tensor<4xf32>
  %r = eqq.quantize %d : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.2:3>>
  return %r : tensor<4x!quant.uniform<u8:f32, 0.2:3>>
}

// -----

// Tests that a weight-equalization observer with axis 0 (a depthwise conv's
// weight C x 1 x KH x KW) folds to one range per row.
// CHECK-LABEL: func.func @weight_eq_observer_rows
// CHECK: eqq.weight_eq_observer %{{.*}} axis 0 qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 7.000000e+00>, min_val = array<f32: 0.000000e+00, -1.000000e+00>}
func.func @weight_eq_observer_rows() -> tensor<2x1x1x2xf32> {
  %w = arith.constant dense<[[[[0.0, 1.0]]], [[[-1.0, 7.0]]]]> : tensor<2x1x1x2xf32>
  %0 = eqq.weight_eq_observer %w axis 0 qint8 per_channel_symmetric : tensor<2x1x1x2xf32>
  return %0 : tensor<2x1x1x2xf32>
}
