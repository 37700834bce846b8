// RUN: eq-opt %s --eqq-convert="quantize=false" | FileCheck %s
// RUN: eq-opt %s --eqq-convert --eqq-lower-to-llvm -o /dev/null

// Tests that two layers whose weight observers read one weight-equalization
// observer (one weight, shared) each get their own equalized weight and that
// the shared observer is removed once (it was erased once per layer).
// CHECK-LABEL: func.func @shared_weight_eq_observer
// CHECK-NOT: eqq.weight_eq_observer
// CHECK: %[[W1:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 0.288675129, 0.204124138]
// CHECK: linalg.matmul {{.*}} ins(%{{.*}}, %[[W1]] :
// CHECK: %[[W2:.*]] = arith.constant dense<{{\[\[}}4.000000e+00, 2.30940104, 1.6329931]
// CHECK: linalg.matmul {{.*}} ins(%{{.*}}, %[[W2]] :
func.func @shared_weight_eq_observer(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 4.0], [0.5, -1.0, 2.0], [1.0, 1.0, -8.0]]> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<4x3xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -1.0, -0.5, -0.25>, max_val = array<f32: 1.0, 0.5, 0.25>} : tensor<4x3xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<3x3xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<3x3xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%1, %3 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32> loc("fc1")
  %4 = eqq.act_observer %y1 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<4x3xf32>
  %5 = eqq.input_eq_observer %4 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -4.0, -2.0, -1.0>, max_val = array<f32: 4.0, 2.0, 1.0>} : tensor<4x3xf32>
  %6 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<3x3xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%5, %6 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32> loc("fc2")
  %7 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -8.0>, max_val = array<f32: 8.0>} : tensor<4x3xf32>
  return %7 : tensor<4x3xf32>
}
