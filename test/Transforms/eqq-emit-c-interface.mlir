// RUN: eq-opt %s --eqq-emit-c-interface --split-input-file | FileCheck %s

// Tests that public functions with bodies get a C interface and their tensor
// signature, and that private and external functions are left alone.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: attributes {eqq.input_types = [tensor<2x3xf32>, tensor<3xi8>], eqq.output_types = [tensor<2xf32>], llvm.emit_c_interface}
func.func @forward(%x: tensor<2x3xf32>, %y: tensor<3xi8>) -> tensor<2xf32> {
  %0 = call @helper() : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: emit_c_interface
func.func private @helper() -> tensor<2xf32> {
  %c = arith.constant dense<1.0> : tensor<2xf32>
  return %c : tensor<2xf32>
}
// CHECK-LABEL: func.func private @external
// CHECK-NOT: emit_c_interface
func.func private @external(tensor<2xf32>) -> tensor<2xf32>

// -----

// Tests that a value returned twice is copied for its second result.
// CHECK-LABEL: func.func @twice
// CHECK: %[[C:.*]] = linalg.copy ins(%arg0 : tensor<2xf32>)
// CHECK: return %arg0, %[[C]]
func.func @twice(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  return %x, %x : tensor<2xf32>, tensor<2xf32>
}
