// RUN: eq-opt %s --eqq-convert="quantize=false" | FileCheck %s
// RUN: eq-opt %s --eqq-convert | FileCheck %s --check-prefix=INT8

// Zero-range channels are not an error: an input channel that is constant
// over the calibration data (channel 1: always 2) and a weight column of
// zeros (column 2) give sqrt(r_W / 0) = Inf and sqrt(0 / r_x) = 0, which
// become scale 1, as in PyTorch; channel 0 gets sqrt(4 / 1) = 2. The int8
// program is built from finite qparams.
// CHECK: eqq.eq_scale %arg0 axis 1 {scale = array<f32: 2.000000e+00, 1.000000e+00, 1.000000e+00>}
// INT8: eqq.quantize
// INT8-NOT: inf
// INT8-NOT: nan
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[4.0, 1.0, 0.0], [0.0, -1.0, 0.0]]> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 2.0>} : tensor<2x3xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 2.0, 0.0>, max_val = array<f32: 1.0, 2.0, 1.0>} : tensor<2x3xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x3xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%1, %3 : tensor<2x3xf32>, tensor<2x3xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  %4 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 4.0>} : tensor<2x2xf32>
  return %4 : tensor<2x2xf32>
}
