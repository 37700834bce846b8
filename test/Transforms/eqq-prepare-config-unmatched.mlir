// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/unmatched-module-name.json" --verify-diagnostics | FileCheck %s

// Tests that a module_name entry asking to quantize ops that are no
// recognized layer, relu or add warns and leaves them float
// (unmatched-module-name.json): `attn` names a linalg.batch_matmul
// (`attn.0`; the warning names the op, not the constant that shares its
// location), `missing` names no op at all, while `fc1` names a recognized
// linear and `gone` is null, so neither warns.

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3xf32>, %[[XB:[^:]*]]: tensor<2x4x3xf32>)
// CHECK: eqq.weight_observer
// CHECK-NEXT: linalg.matmul
// CHECK-NEXT: eqq.act_observer
// CHECK-NOT: eqq.
// CHECK: linalg.batch_matmul ins(%[[XB]], %{{.*}} :
// CHECK-NOT: eqq.
// CHECK: return

// expected-warning @below {{module_name 'missing' of the qconfig matches no op}}
module {
  func.func @forward(%x: tensor<2x3xf32>, %xb: tensor<2x4x3xf32>) -> (tensor<2x4xf32>, tensor<2x4x2xf32>) {
    %w = arith.constant dense<0.5> : tensor<4x3xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
           ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc1")
    %wb = arith.constant dense<0.5> : tensor<2x3x2xf32> loc("attn.0")
    %eb = tensor.empty() : tensor<2x4x2xf32> loc("attn.0")
    %fillb = linalg.fill ins(%zero : f32) outs(%eb : tensor<2x4x2xf32>) -> tensor<2x4x2xf32> loc("attn.0")
    // expected-warning @unknown {{'linalg.batch_matmul' named 'attn.0' stays float: module_name 'attn' asks to quantize it, but it is no linear, conv, relu or add in a recognized spelling}}
    %b = linalg.batch_matmul ins(%xb, %wb : tensor<2x4x3xf32>, tensor<2x3x2xf32>) outs(%fillb : tensor<2x4x2xf32>) -> tensor<2x4x2xf32> loc("attn.0")
    return %y, %b : tensor<2x4xf32>, tensor<2x4x2xf32>
  }
}
