// RUN: eq-opt %s --eqq-prepare 2>&1 | FileCheck %s --check-prefix=PREPARE
// RUN: %python -c "import numpy as np; np.save('%t.npy', np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]], np.float32))"
// RUN: eq-opt %s --eqq-prepare --eqq-calibrate="data=%t.npy" --eqq-convert="quantize=false" 2>&1 | FileCheck %s --check-prefix=CONVERT

// An op EqQuant does not recognize (a sine) between two equalized linears:
// the chain is cut there, never folded through. fc2's scale cannot go into
// fc1's rows (sin(s * a) != s * sin(a)), so it multiplies fc2's input
// after the sine; the sine stays float between a dequantize and a quantize,
// with a warning naming it. Nothing is an error: the function is unchanged.
// (A float op the table knows, as tanh, cuts the chain too, without the
// warning: eqq-prepare-transformer-ops.test.)
// PREPARE-NOT: error:
// PREPARE: warning: 'linalg.generic' stays float between quantized ops: it is none of the ops EqQuant recognizes
// PREPARE-NOT: error:
// PREPARE: linalg.matmul
// PREPARE: math.sin
// PREPARE: eqq.input_eq_observer
// PREPARE: linalg.matmul
// CONVERT-LABEL: func.func @forward
// CONVERT: linalg.matmul
// CONVERT-NOT: eqq.folded_scale
// CONVERT: math.sin
// CONVERT: eqq.eq_scale
// CONVERT: linalg.matmul
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w1 = arith.constant dense<[[1.0, 2.0, 0.5], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]]> : tensor<3x3xf32>
  %w2 = arith.constant dense<[[8.0, 0.5, 1.0], [-1.0, 0.25, 2.0], [0.0, 1.0, -4.0]]> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<2x3xf32>, tensor<3x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
         ins(%a : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.sin %in : f32
    linalg.yield %v : f32
  } -> tensor<2x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%t, %w2 : tensor<2x3xf32>, tensor<3x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
