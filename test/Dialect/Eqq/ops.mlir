// RUN: eq-opt %s | eq-opt | FileCheck %s
// RUN: eq-opt %s --mlir-print-op-generic | eq-opt | FileCheck %s
// RUN: eq-opt %s --emit-bytecode | eq-opt | FileCheck %s

// Tests that every eqq op round-trips through the custom, generic and
// bytecode forms with all of its attributes.

// CHECK-LABEL: func.func @act_observer
func.func @act_observer(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // CHECK: eqq.act_observer %{{.*}} minmax quint8 per_tensor_affine range [0, 127] : tensor<4x5xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] : tensor<4x5xf32>
  // CHECK: eqq.act_observer %{{.*}} minmax qint8 per_tensor_symmetric reduce_range {max_val = array<f32: 2.500000e+00>, min_val = array<f32: -1.000000e+00>} : tensor<4x5xf32>
  %1 = eqq.act_observer %0 minmax qint8 per_tensor_symmetric reduce_range {min_val = array<f32: -1.0>, max_val = array<f32: 2.5>} : tensor<4x5xf32>
  // CHECK: eqq.act_observer %{{.*}} per_channel_minmax quint8 per_channel_affine axis 1 {max_val = array<f32: 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00>, min_val = array<f32: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00>} : tensor<4x5xf32>
  %2 = eqq.act_observer %1 per_channel_minmax quint8 per_channel_affine axis 1 {min_val = array<f32: 0.0, 0.0, 0.0, 0.0, 0.0>, max_val = array<f32: 1.0, 2.0, 3.0, 4.0, 5.0>} : tensor<4x5xf32>
  // CHECK: eqq.act_observer %{{.*}} moving_average_minmax quint8 per_tensor_affine {averaging_constant = 5.000000e-01 : f32} : tensor<4x5xf32>
  %3 = eqq.act_observer %2 moving_average_minmax quint8 per_tensor_affine {averaging_constant = 0.5 : f32} : tensor<4x5xf32>
  // CHECK: eqq.act_observer %{{.*}} histogram quint8 per_tensor_affine {bins = 2 : i64, histogram = array<f32: 3.000000e+00, 1.700000e+01>, max_val = array<f32: 1.000000e+00>, min_val = array<f32: 0.000000e+00>} : tensor<4x5xf32>
  %4 = eqq.act_observer %3 histogram quint8 per_tensor_affine {bins = 2 : i64, histogram = array<f32: 3.0, 17.0>, min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<4x5xf32>
  // Statistics keep every bit, and non-finite values survive as hex.
  // CHECK: eqq.act_observer %{{.*}} minmax quint8 per_tensor_affine {max_val = array<f32: 0x7F800000>, min_val = array<f32: 0.123456791>} : tensor<4x5xf32>
  %5 = eqq.act_observer %4 minmax quint8 per_tensor_affine {min_val = array<f32: 0.123456791>, max_val = array<f32: 0x7F800000>} : tensor<4x5xf32>
  return %5 : tensor<4x5xf32>
}

// CHECK-LABEL: func.func @weight_observers
func.func @weight_observers(%w: tensor<6x3x3x3xf32>) -> tensor<6x3x3x3xf32> {
  // CHECK: eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 2.000000e+00, 3.000000e+00>, min_val = array<f32: -1.000000e+00, -2.000000e+00, -3.000000e+00>} : tensor<6x3x3x3xf32>
  %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric {min_val = array<f32: -1.0, -2.0, -3.0>, max_val = array<f32: 1.0, 2.0, 3.0>} : tensor<6x3x3x3xf32>
  // CHECK: eqq.weight_observer %{{.*}} per_channel_minmax qint8 per_channel_affine_float_qparams : tensor<6x3x3x3xf32>
  %1 = eqq.weight_observer %0 per_channel_minmax qint8 per_channel_affine_float_qparams : tensor<6x3x3x3xf32>
  // CHECK: eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric range [-127, 127] : tensor<6x3x3x3xf32>
  %2 = eqq.weight_observer %1 minmax qint8 per_tensor_symmetric range [-127, 127] : tensor<6x3x3x3xf32>
  return %2 : tensor<6x3x3x3xf32>
}

// CHECK-LABEL: func.func @input_eq_observer
func.func @input_eq_observer(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // CHECK: eqq.input_eq_observer %{{.*}} axis 2 quint8 per_tensor_symmetric : tensor<2x3x4xf32>
  %0 = eqq.input_eq_observer %x axis 2 quint8 per_tensor_symmetric : tensor<2x3x4xf32>
  // CHECK: eqq.input_eq_observer %{{.*}} axis 1 qint8 per_tensor_affine {max_val = array<f32: 1.000000e+00, 2.000000e+00, 3.000000e+00>, min_val = array<f32: 0.000000e+00, 0.000000e+00, -1.000000e+00>} : tensor<2x3x4xf32>
  %1 = eqq.input_eq_observer %0 axis 1 qint8 per_tensor_affine {min_val = array<f32: 0.0, 0.0, -1.0>, max_val = array<f32: 1.0, 2.0, 3.0>} : tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @eq_scale
func.func @eq_scale(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // Scales and statistics keep every bit of their value.
  // CHECK: eqq.eq_scale %{{.*}} axis 1 {scale = array<f32: 0.123456791, 2.000000e+00>} : tensor<4x2xf32>
  %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 0.123456791, 2.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// CHECK-LABEL: func.func @quantize_dequantize
func.func @quantize_dequantize(%x: tensor<4x5xf32>, %w: tensor<3x5xf32>) -> (tensor<4x5xf32>, tensor<3x5xf32>) {
  // CHECK: %[[Q:.*]] = eqq.quantize %{{.*}} : tensor<4x5xf32> to tensor<4x5x!quant.uniform<u8:f32, 1.230000e-02:3>>
  %q = eqq.quantize %x : tensor<4x5xf32> to tensor<4x5x!quant.uniform<u8:f32, 0.0123:3>>
  // CHECK: eqq.dequantize %[[Q]] : tensor<4x5x!quant.uniform<u8:f32, 1.230000e-02:3>> to tensor<4x5xf32>
  %d = eqq.dequantize %q : tensor<4x5x!quant.uniform<u8:f32, 0.0123:3>> to tensor<4x5xf32>
  // CHECK: eqq.quantize %{{.*}} : tensor<3x5xf32> to tensor<3x5x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>
  %qw = eqq.quantize %w : tensor<3x5xf32> to tensor<3x5x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>
  %dw = eqq.dequantize %qw : tensor<3x5x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>> to tensor<3x5xf32>
  return %d, %dw : tensor<4x5xf32>, tensor<3x5xf32>
}
