// RUN: eq-opt %s --eqq-convert="quantize=false" | FileCheck %s --check-prefix=DEFAULT
// RUN: eq-opt %s --eqq-convert="quantize=false alpha=1" | FileCheck %s --check-prefix=ALPHA1
// RUN: eq-opt %s --eqq-convert="quantize=false alpha=0" | FileCheck %s --check-prefix=ALPHA0
// RUN: eq-opt %s --eqq-convert="quantize=false scale-mode=absmax" | FileCheck %s --check-prefix=ABSMAX
// RUN: not eq-opt %s --eqq-convert="alpha=1.5" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not eq-opt %s --eqq-convert="scale-mode=max" 2>&1 | FileCheck %s --check-prefix=BADMODE

// Tests the migration strength on one layer. Input channels: ranges 1 and 4,
// largest magnitudes 1 and 3; weight columns: ranges 4 and 1, largest
// magnitudes 3 and 1. Range mode: s = rW^(1 - alpha) / rX^alpha, so alpha 0.5
// is PyTorch's sqrt(rW / rX) = [2, 0.5], alpha 1 scales the input's range
// away (1 / rX), alpha 0 moves the weight's range in (rW). Absmax mode with
// alpha 0.5: sqrt(3 / 1), sqrt(1 / 3).
// DEFAULT: eqq.eq_scale %arg0 axis 1 {scale = array<f32: 2.000000e+00, 5.000000e-01>}
// ALPHA1: eqq.eq_scale %arg0 axis 1 {scale = array<f32: 1.000000e+00, 2.500000e-01>}
// ALPHA0: eqq.eq_scale %arg0 axis 1 {scale = array<f32: 4.000000e+00, 1.000000e+00>}
// ABSMAX: eqq.eq_scale %arg0 axis 1 {scale = array<f32: 1.73205078, 0.577350259>}
// BAD: eqq-convert: alpha must be in [0, 1] and scale-mode range or absmax
// BADMODE: for the --scale-mode option: Cannot find option named 'max'
func.func @forward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 3.0>} : tensor<3x2xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, -1.0>, max_val = array<f32: 1.0, 3.0>} : tensor<3x2xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%1, %3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc")
  %4 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -5.0>, max_val = array<f32: 5.0>} : tensor<3x2xf32>
  return %4 : tensor<3x2xf32>
}
