// RUN: eq-opt %s --split-input-file --eqq-convert="quantize=false data-free=true" --verify-diagnostics | FileCheck %s

// Tests cross-layer equalization without calibration data: fc2's scale
// folds into fc1 through the relu, so it comes from fc1's weight rows
// (ranges 2 and 4) and fc2's columns (ranges 4 and 1): s = sqrt(4 / 2),
// sqrt(1 / 4). fc1's rows are multiplied by s, fc2's columns divided, no
// observer needs statistics.
// CHECK-LABEL: func.func @chain
// CHECK-NOT: eqq.eq_scale
// CHECK-DAG: arith.constant dense<{{\[\[}}1.41421354, -1.41421354], [2.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[\[}}0.707106769, 2.000000e+00], [-2.12132025, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK: return
func.func @chain(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[1.0, -1.0], [4.0, 0.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] : tensor<3x2xf32>
  %1 = eqq.weight_observer %w1 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%0, %1 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc1")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y1 : tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  %2 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] : tensor<3x2xf32>
  %3 = eqq.input_eq_observer %2 axis 1 quint8 per_tensor_symmetric : tensor<3x2xf32>
  %4 = eqq.weight_eq_observer %w2 qint8 per_channel_symmetric : tensor<2x2xf32>
  %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%3, %5 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  %6 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] : tensor<3x2xf32>
  return %6 : tensor<3x2xf32>
}

// -----

// Tests that a layer without a producer to fold into still needs the input's
// statistics under data-free (they are what its scale comes from).
func.func @no_producer(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] : tensor<3x2xf32>
  // expected-error @+1 {{layer 'fc': the input-equalization observer holds no statistics; run --eqq-calibrate first}}
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric : tensor<3x2xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%1, %3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc")
  %4 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] : tensor<3x2xf32>
  return %4 : tensor<3x2xf32>
}
