// RUN: eq-opt %s --eqq-prepare --eqq-lower-to-llvm | FileCheck %s

// Tests that a prepared model lowers entirely to the LLVM dialect, with the
// matmul as vector FMAs, a C interface whose results are out-parameters after
// the inputs, and the tensor signature kept for runners.
// CHECK-NOT: eqq.
// CHECK-NOT: linalg.
// CHECK-NOT: func.func
// CHECK-LABEL: llvm.func @forward
// CHECK-SAME: eqq.input_types = [tensor<2x3xf32>], eqq.output_types = [tensor<2x4xf32>]
// CHECK: llvm.intr.fmuladd
// CHECK-LABEL: llvm.func @_mlir_ciface_forward(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc")
  return %y : tensor<2x4xf32>
}
