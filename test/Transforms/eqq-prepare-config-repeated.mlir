// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/repeated-module.json" | FileCheck %s

// Tests that a module called twice (two matmuls with the same NameLoc
// `enc.fc`, named `enc.fc` and `enc.fc#2`) matches its module_name entry on
// both calls, as PyTorch's qconfig applies to every call of a module: with
// `enc.fc` null neither call is quantized, while `dec.fc` (object_type
// linear) is quantized and equalized.

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3xf32>)
// CHECK-NOT: eqq.
// CHECK: %[[A:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "enc.fc"} ins(%[[X]], %{{.*}} :
// CHECK-NOT: eqq.
// CHECK: %[[B:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "enc.fc#2"} ins(%[[A]], %{{.*}} :
// CHECK-NEXT: %[[B_OBS:.*]] = eqq.act_observer %[[B]]
// CHECK-NEXT: %[[IEQ:.*]] = eqq.input_eq_observer %[[B_OBS]] axis 1
// CHECK-NEXT: %[[WEQ:.*]] = eqq.weight_eq_observer
// CHECK-NEXT: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]]
// CHECK-NEXT: %[[C:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "dec.fc"} ins(%[[IEQ]], %[[WOBS]] :
// CHECK-NEXT: %[[C_OBS:.*]] = eqq.act_observer %[[C]]
// CHECK-NEXT: return %[[C_OBS]]
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3xf32>
  %w2 = arith.constant dense<0.25> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<3x3xf32>) outs(%fill : tensor<2x3xf32>) -> tensor<2x3xf32> loc("enc.fc")
  %b = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%a, %w : tensor<2x3xf32>, tensor<3x3xf32>) outs(%fill : tensor<2x3xf32>) -> tensor<2x3xf32> loc("enc.fc")
  %c = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%b, %w2 : tensor<2x3xf32>, tensor<3x3xf32>) outs(%fill : tensor<2x3xf32>) -> tensor<2x3xf32> loc("dec.fc")
  return %c : tensor<2x3xf32>
}
