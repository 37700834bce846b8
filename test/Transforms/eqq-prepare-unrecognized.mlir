// RUN: eq-opt %s --eqq-prepare --verify-diagnostics | FileCheck %s

// Tests that an op EqQuant does not recognize (here x / 2) between two
// quantized layers stays float with a warning naming it and the layer that
// quantizes its output again: fc1's output is observed, the division reads
// it, and fc2 observes the division's output.

#map = affine_map<(d0, d1) -> (d0, d1)>
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @forward
// CHECK: %[[A:.*]] = linalg.matmul
// CHECK: %[[AO:.*]] = eqq.act_observer %[[A]]
// CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[AO]] :
// CHECK: %[[DO:.*]] = eqq.act_observer %[[D]]
// CHECK: eqq.input_eq_observer %[[DO]]
func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w1 = arith.constant dense<0.5> : tensor<4x4xf32>
  %w2 = arith.constant dense<0.25> : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %a = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w1 : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  // expected-warning @+1 {{'linalg.generic' stays float between quantized ops: it is none of the ops EqQuant recognizes (docs/interface.md section 3); 'linear_1' quantizes its output again}}
  %d = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x4xf32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %two = arith.constant 2.0 : f32
    %r = arith.divf %in, %two : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %e3 = tensor.empty() : tensor<2x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%d, %w2 : tensor<2x4xf32>, tensor<3x4xf32>) outs(%f3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// A slice passes some of fc1's values on (as a torch.roll's slices do before
// their concat): fc2 quantizing them again loses nothing, and no warning is
// given.
// CHECK-LABEL: func.func @slice
// CHECK: %[[A:.*]] = linalg.matmul
// CHECK: %[[AO:.*]] = eqq.act_observer %[[A]]
// CHECK: %[[S:.*]] = tensor.extract_slice %[[AO]]
// CHECK: %[[SO:.*]] = eqq.act_observer %[[S]]
// CHECK: eqq.input_eq_observer %[[SO]]
func.func @slice(%x: tensor<2x4xf32>) -> tensor<1x3xf32> {
  %w1 = arith.constant dense<0.5> : tensor<4x4xf32>
  %w2 = arith.constant dense<0.25> : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %a = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w1 : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %s = tensor.extract_slice %a[1, 0] [1, 4] [1, 1] : tensor<2x4xf32> to tensor<1x4xf32>
  %e3 = tensor.empty() : tensor<1x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%s, %w2 : tensor<1x4xf32>, tensor<3x4xf32>) outs(%f3 : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
