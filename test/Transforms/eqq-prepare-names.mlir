// RUN: eq-opt %s --eqq-prepare -o /dev/null 2>&1 | FileCheck %s

// Tests that layer names come from the NameLoc of the matmul/conv op in the
// location forms front ends emit (a bare NameLoc, a NameLoc around a file
// position, a NameLoc inside a fused or call-site location), and are
// generated (`linear_<index>`, counting every linear in program order)
// otherwise. Each layer here has a non-constant weight, so the warning that
// it stays float shows its name; it is reported at the file position that
// the location carries.

#loc_fc2 = loc("model.py":10:3)
func.func @forward(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // CHECK: warning: {{.*}}layer 'fc1' stays float: its weight is not a compile-time constant
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc1")
  // CHECK: model.py:10:3: warning: layer 'fc2' stays float
  %b = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc2"(#loc_fc2))
  // CHECK: model.py:11:3: warning: layer 'top.0' stays float
  %c = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc(fused["model.py":11:3, "top.0"])
  // CHECK: model.py:12:3: warning: layer 'bot.0' stays float
  %d = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc(callsite("bot.0" at "model.py":12:3))
  // CHECK: eqq-prepare-names.mlir:[[@LINE+1]]:8: warning: layer 'linear_4' stays float
  %f = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  // CHECK-NOT: warning
  return %a, %b, %c, %d, %f : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}
