// RUN: eq-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// Tests that the dialect's discardable attributes, with their declared
// types, are accepted and printed back.
// CHECK-LABEL: func.func @named
// CHECK-SAME: eqq.input_types = [tensor<2x3xf32>], eqq.output_types = [tensor<2x3xf32>]
// CHECK: linalg.copy {eqq.folded_scale = array<f32: 5.000000e-01, 2.000000e+00, 1.000000e+00>, eqq.layer = "fc1"}
func.func @named(%x: tensor<2x3xf32>) -> tensor<2x3xf32>
    attributes {eqq.input_types = [tensor<2x3xf32>], eqq.output_types = [tensor<2x3xf32>]} {
  %e = tensor.empty() : tensor<2x3xf32>
  %0 = linalg.copy {eqq.layer = "fc1", eqq.folded_scale = array<f32: 0.5, 2.0, 1.0>}
         ins(%x : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that a layer name must be a string.
func.func @layer_not_string(%x: tensor<2xf32>) -> tensor<2xf32> {
  %e = tensor.empty() : tensor<2xf32>
  // expected-error @+1 {{'eqq.layer' must be a string (the layer's name), got 3 : i64}}
  %0 = linalg.copy {eqq.layer = 3} ins(%x : tensor<2xf32>) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Tests that a folded scale must be an array of f32.
func.func @scale_not_f32(%x: tensor<2xf32>) -> tensor<2xf32> {
  %e = tensor.empty() : tensor<2xf32>
  // expected-error @+1 {{'eqq.folded_scale' must be an array<f32: ...> of scale factors}}
  %0 = linalg.copy {eqq.folded_scale = array<i64: 1, 2>} ins(%x : tensor<2xf32>) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Tests that a recorded signature must be an array of types.
// expected-error @+1 {{'eqq.input_types' must be an array of types, got [1]}}
func.func @signature_not_types() attributes {eqq.input_types = [1]} {
  return
}

// -----

// Tests that the dialect declares no other discardable attribute.
// expected-error @+1 {{unknown discardable attribute 'eqq.layers'; the eqq dialect declares 'eqq.layer', 'eqq.folded_scale', 'eqq.input_types', 'eqq.output_types', 'eqq.shares_observer' and 'eqq.float_output'}}
func.func @unknown() attributes {eqq.layers = "fc1"} {
  return
}
