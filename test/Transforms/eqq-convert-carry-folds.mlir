// RUN: eq-opt %s --eqq-convert | FileCheck %s
// RUN: eq-opt %s --eqq-convert="carry-folds=false" | FileCheck %s --check-prefix=WEIGHTS
// RUN: eq-opt %s --eqq-convert="recipe=%t.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=RECIPE < %t.json

// Tests that a scale folded into a layer with per-tensor weights is carried by
// its requantize multiplier, not its int8 weights. fc2's s = [2, 0.5] folds
// into fc1 (W1 = 1, bias 1) through the relu. Carried: fc1 stores W1 itself
// (scale 1/127.5, all 127) and its multiplier is sx * (1/127.5) * s_i with
// sx = 1/127; the bias is the folded [2, 0.5]. carry-folds=false quantizes
// W1 * s per tensor (scale 2/127.5): the 0.5 row keeps 32 of 127 levels.
// The recipe gives fc1's weight qparams before the fold and the carried rows.
// RECIPE: "name":"fc1"
// RECIPE-SAME: "scale_applied":"none"
// RECIPE-SAME: "weight":{"dtype":"qint8","qscheme":"per_tensor_symmetric","scale":[0.0078431377187371254],"zero_point":[0],"carried_row_scale":[2,0.5]}
// RECIPE: "name":"fc2"
// RECIPE-SAME: "scale_applied":"folded_into:fc1"
// CHECK-LABEL: func.func @carry
// CHECK: arith.constant dense<127> : tensor<2x2xi8>
// CHECK: linalg.generic
// CHECK: arith.constant dense<[1.23513979E-4, 3.08784947E-5]> : tensor<2xf32>
// CHECK: arith.constant dense<[2.000000e+00, 5.000000e-01]> : tensor<2xf32>
// WEIGHTS-LABEL: func.func @carry
// WEIGHTS: arith.constant dense<{{\[\[}}127, 127], [32, 32]]> : tensor<2x2xi8>
// WEIGHTS: linalg.generic
// WEIGHTS: arith.constant dense<1.23513979E-4> : tensor<2xf32>
func.func @carry(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<2x2xf32>
  %b1 = arith.constant dense<1.0> : tensor<2xf32>
  %w2 = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<3x2xf32>
  %3 = eqq.weight_observer %w1 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %i1 = linalg.broadcast ins(%b1 : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%0, %3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%i1 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc1")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y1 : tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  %4 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 3.0>} : tensor<3x2xf32>
  %5 = eqq.input_eq_observer %4 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, -1.0>, max_val = array<f32: 1.0, 3.0>} : tensor<3x2xf32>
  %6 = eqq.weight_eq_observer %w2 qint8 per_channel_symmetric : tensor<2x2xf32>
  %7 = eqq.weight_observer %6 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%5, %7 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  %8 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -5.0>, max_val = array<f32: 5.0>} : tensor<3x2xf32>
  return %8 : tensor<3x2xf32>
}
