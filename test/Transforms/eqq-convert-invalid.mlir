// RUN: eq-opt %s --split-input-file --eqq-convert --verify-diagnostics

// Tests that a weight holding inf (1.0e+60 does not fit f32) is an error
// naming the value and its index, not a float-to-integer conversion of a
// NaN, also when its observer's statistics (calibrated before the weight was
// edited) are finite.
func.func @non_finite_weight(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [3.0, 1.0e+60]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<1x2xf32>
  // expected-error @+1 {{layer 'fc': the weight holds a non-finite value (INF at index 3) and cannot be quantized}}
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric {min_val = array<f32: -2.0>, max_val = array<f32: 3.0>} : tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%0, %1 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc")
  %2 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  return %2 : tensor<1x2xf32>
}

// -----

// Tests that two layers reading one input-equalization observer (prepare
// gives each equalized layer its own) are an error, not a second use of the
// observer the first layer's equalization erased.
func.func @shared_input_eq_observer(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = arith.constant dense<[[1.0, -2.0], [3.0, 1.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<1x2xf32>
  // expected-error @+1 {{layers 'fc1' and 'fc2' read one input-equalization observer; each equalized layer needs its own, as --eqq-prepare inserts them}}
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: -1.0, -0.5>, max_val = array<f32: 1.0, 0.5>} : tensor<1x2xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%1, %3 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc1")
  %4 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%1, %5 : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc2")
  %6 = eqq.act_observer %y1 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  %7 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -4.0>, max_val = array<f32: 4.0>} : tensor<1x2xf32>
  return %6, %7 : tensor<1x2xf32>, tensor<1x2xf32>
}
