// RUN: not eq-opt %s --split-input-file --eqq-convert="quantize=false" --mlir-print-ir-after-failure 2>&1 | FileCheck %s
// RUN: not eq-opt %s --split-input-file --eqq-convert --mlir-print-ir-after-failure 2>&1 | FileCheck %s --check-prefix=QUANT

// Tests that an error at a later layer is reported before anything is
// rewritten: fc1 could be equalized (calibrated, its scale would be a
// multiply of %x), but fc2's input-equalization observer holds no
// statistics. The module printed after the failure still has both layers'
// observers, fc1's original weight and no eqq.eq_scale.
// CHECK: error: layer 'fc2': the input-equalization observer holds no statistics; run --eqq-calibrate first
// CHECK-LABEL: IR Dump After ConvertPass Failed
// CHECK-NOT: eqq.eq_scale
// CHECK: %[[W1:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, -2.000000e+00], [3.000000e+00, 1.000000e+00]]>
// CHECK-NOT: eqq.eq_scale
// CHECK: eqq.input_eq_observer %{{.*}} axis 1 {{.*}}min_val = array<f32: -1.000000e+00, -5.000000e-01>
// CHECK-NOT: eqq.eq_scale
// CHECK: eqq.weight_eq_observer %[[W1]]
// CHECK-NOT: eqq.eq_scale
// CHECK: eqq.input_eq_observer
// CHECK-NOT: eqq.eq_scale
// CHECK: return
func.func @later_layer_fails(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [3.0, 1.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[0.5, 1.0], [-1.0, 2.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<1x2xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -1.0, -0.5>, max_val = array<f32: 1.0, 0.5>} : tensor<1x2xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%1, %3 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc1")
  %4 = eqq.act_observer %y1 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  // The add keeps fc1's output from folding fc2's scale into fc1.
  %a = linalg.add ins(%4, %4 : tensor<1x2xf32>, tensor<1x2xf32>) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %5 = eqq.act_observer %a minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -8.0>, max_val = array<f32: 8.0>} : tensor<1x2xf32>
  %6 = eqq.input_eq_observer %5 axis 1 quint8 per_tensor_symmetric : tensor<1x2xf32>
  %7 = eqq.weight_eq_observer %w2 qint8 per_channel_symmetric : tensor<2x2xf32>
  %8 = eqq.weight_observer %7 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%6, %8 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc2")
  %9 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  return %9 : tensor<1x2xf32>
}

// -----

// Tests that a weight quantization would reject (fc2's holds inf; its
// statistics were written before) is reported before fc1's equalization is
// applied: the module printed after the failure has no eqq.eq_scale and
// fc1's input-equalization observer.
// QUANT: error: layer 'fc2': the weight holds a non-finite value (INF at index 3) and cannot be quantized
// QUANT: IR Dump After ConvertPass Failed
// QUANT-NOT: eqq.eq_scale
// QUANT: eqq.input_eq_observer
// QUANT-NOT: eqq.eq_scale
// QUANT: return
func.func @later_weight_fails(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [3.0, 1.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[1.0, -2.0], [3.0, 1.0e+60]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<1x2xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -1.0, -0.5>, max_val = array<f32: 1.0, 0.5>} : tensor<1x2xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%1, %3 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc1")
  %4 = eqq.act_observer %y1 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  %a = linalg.add ins(%4, %4 : tensor<1x2xf32>, tensor<1x2xf32>) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %5 = eqq.act_observer %a minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -8.0>, max_val = array<f32: 8.0>} : tensor<1x2xf32>
  %6 = eqq.weight_observer %w2 minmax qint8 per_tensor_symmetric {min_val = array<f32: -2.0>, max_val = array<f32: 3.0>} : tensor<2x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%5, %6 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc2")
  %7 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  return %7 : tensor<1x2xf32>
}
