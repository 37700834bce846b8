// RUN: eq-opt %s --eqq-lower-ops --split-input-file | FileCheck %s

// Tests that observers vanish: they are the identity on data.
// CHECK-LABEL: func.func @observers
// CHECK-NOT: eqq.
// CHECK: return %arg0
func.func @observers(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<4x2xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric : tensor<4x2xf32>
  %2 = eqq.weight_eq_observer %1 qint8 per_channel_symmetric : tensor<4x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<4x2xf32>
  return %3 : tensor<4x2xf32>
}

// -----

// Tests that an equalization multiply becomes an elementwise multiply by a
// constant broadcast along its axis.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[AX:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @eq_scale
// CHECK: %[[S:.*]] = arith.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[AX]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%arg0, %[[S]] : tensor<3x2x5xf32>, tensor<2xf32>)
// CHECK: arith.mulf
func.func @eq_scale(%x: tensor<3x2x5xf32>) -> tensor<3x2x5xf32> {
  %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 0.5, 2.0>} : tensor<3x2x5xf32>
  return %0 : tensor<3x2x5xf32>
}

// -----

// Tests that an equalization multiply read by its quantize alone becomes
// that quantize's per-channel multiplier (s_c / scale), and that one read by
// something else too stays a multiply of its own.
// CHECK-LABEL: func.func @merged_scale
// CHECK: %[[M:.*]] = arith.constant dense<[2.000000e+01, 5.000000e+00]> : tensor<2xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[M]], %{{.*}} : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: math.roundeven
// CHECK-LABEL: func.func @shared_scale
// CHECK: %[[S:.*]] = linalg.generic
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%[[S]],
func.func @merged_scale(%x: tensor<3x2xf32>) -> tensor<3x2xi8> {
  %s = eqq.eq_scale %x axis 1 {scale = array<f32: 2.0, 0.5>} : tensor<3x2xf32>
  %q = eqq.quantize %s : tensor<3x2xf32> to tensor<3x2x!quant.uniform<u8:f32, 0.1:10>>
  %i = quant.scast %q : tensor<3x2x!quant.uniform<u8:f32, 0.1:10>> to tensor<3x2xi8>
  return %i : tensor<3x2xi8>
}
func.func @shared_scale(%x: tensor<3x2xf32>) -> (tensor<3x2xi8>, tensor<3x2xf32>) {
  %s = eqq.eq_scale %x axis 1 {scale = array<f32: 2.0, 0.5>} : tensor<3x2xf32>
  %q = eqq.quantize %s : tensor<3x2xf32> to tensor<3x2x!quant.uniform<u8:f32, 0.1:10>>
  %i = quant.scast %q : tensor<3x2x!quant.uniform<u8:f32, 0.1:10>> to tensor<3x2xi8>
  return %i, %s : tensor<3x2xi8>, tensor<3x2xf32>
}
