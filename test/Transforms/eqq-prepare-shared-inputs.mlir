// RUN: eq-opt %s --eqq-prepare 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: eq-opt %s --eqq-prepare=shared-inputs=true 2>&1 | FileCheck %s --check-prefix=SHARED
// RUN: eq-opt %s --eqq-prepare=config=%S/Inputs/named-onednn-equalization.json 2>&1 | FileCheck %s --check-prefix=SHARED

// Tests q/k-style layers reading one input. PyTorch's branch rule skips both
// (one value cannot carry two scales); with shared-inputs, every reader being
// an equalized layer, both are equalized and --eqq-convert gives them one
// scale. The named "equalization": "default" applies the rule by itself (a
// ResNet's downsampling block: conv1 and the downsample conv read one value).
// DEFAULT-COUNT-2: layer '{{[qk]}}' is not equalized: its input also feeds
// DEFAULT-NOT: eqq.input_eq_observer
// SHARED-NOT: warning
// SHARED: %[[X:.*]] = eqq.act_observer %arg0
// SHARED: eqq.input_eq_observer %[[X]] axis 1
// SHARED: eqq.input_eq_observer %[[X]] axis 1
func.func @forward(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %wq = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %wk = arith.constant dense<[[8.0, 0.5], [0.0, -0.5]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %q = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %wq : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("q")
  %k = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %wk : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("k")
  return %q, %k : tensor<3x2xf32>, tensor<3x2xf32>
}
