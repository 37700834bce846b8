// Tests that eq-opt is mlir-opt plus eqq: upstream passes and dialects are
// there, bytecode goes in and out, and the pass timing report works.
// RUN: eq-opt %s --canonicalize --emit-bytecode | eq-opt --mlir-timing 2>%t.timing | FileCheck %s
// RUN: FileCheck %s --check-prefix=TIMING --input-file=%t.timing
// RUN: eq-opt %s --pass-pipeline="builtin.module(func.func(canonicalize))" | FileCheck %s
// RUN: eq-opt --help | FileCheck %s --check-prefix=HELP

// CHECK-LABEL: func.func @f
// CHECK-NEXT: return %arg0
// TIMING: Execution time report
// HELP-DAG: --eqq-prepare
// HELP-DAG: --convert-linalg-to-loops
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = eqq.eq_scale %x axis 0 {scale = array<f32: 1.0, 1.0>} : tensor<2xf32>
  return %0 : tensor<2xf32>
}
