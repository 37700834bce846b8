// Tests that a failing run leaves no output file behind, and that a
// successful one writes it.
// RUN: rm -f %t.out
// RUN: not eq-opt %s --eqq-prepare="config=%t.missing.json" -o %t.out 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not test -e %t.out
// RUN: eq-opt %s --eqq-prepare -o %t.out
// RUN: FileCheck %s --input-file=%t.out

// ERR: cannot read config file '{{.*}}missing.json'
// CHECK: eqq.act_observer
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
