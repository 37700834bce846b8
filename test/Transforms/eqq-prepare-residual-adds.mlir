// RUN: eq-opt %s --eqq-prepare=residual-adds=true -split-input-file 2>/dev/null | FileCheck %s
// RUN: eq-opt %s --eqq-prepare=residual-adds=true -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// RUN: eq-opt %s --eqq-prepare -split-input-file 2>&1 | FileCheck %s --check-prefix=DEFAULT

// Tests residual-adds: `out` reads relu(h + fc2(...)) with h = fc0(x) also
// read by fc1 (a skip connection). Both add operands, and the add's result
// (quantized in front of the standalone relu), get per-channel observers;
// fc1 reads the value that will carry out's scale and is not equalized on its
// own; fc2 and out keep their equalization. Without the option, nothing
// changes (no per-channel observers outside the layers' inputs).
// CHECK-LABEL: func.func @skip
// CHECK: %[[H:.*]] = eqq.act_observer %{{[0-9]+}} minmax
// CHECK-NOT: eqq.input_eq_observer %[[H]]
// CHECK: %[[W1:.*]] = eqq.weight_observer %cst_0 minmax
// CHECK-NEXT: linalg.matmul {{.*}} ins(%[[H]], %[[W1]] :
// CHECK: eqq.input_eq_observer {{.*}} axis 1
// CHECK: eqq.weight_eq_observer %cst_1
// CHECK: linalg.matmul
// CHECK-NEXT: %[[T:.*]] = eqq.act_observer
// CHECK: %[[A:.*]] = eqq.input_eq_observer %[[H]] axis 1
// CHECK: %[[B:.*]] = eqq.input_eq_observer %[[T]] axis 1
// CHECK: %[[S:.*]] = linalg.add ins(%[[A]], %[[B]] :
// CHECK: %[[SO:.*]] = eqq.act_observer %[[S]]
// CHECK: %[[SE:.*]] = eqq.input_eq_observer %[[SO]] axis 1
// CHECK: linalg.max {eqq.shares_observer} ins(%[[SE]],
// CHECK: eqq.input_eq_observer {{.*}} axis 1
// CHECK: eqq.weight_eq_observer %cst_2
// DEFAULT-LABEL: func.func @skip
// DEFAULT-NOT: linalg.add ins(%{{.*}}eqq.input_eq_observer
// DEFAULT: %[[S:.*]] = linalg.add ins(%{{[0-9]+}}, %{{[0-9]+}} :
// DEFAULT-NEXT: eqq.act_observer %[[S]]
// DEFAULT-NEXT: linalg.max
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @skip(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w0 = arith.constant dense<[[1.0, 0.0], [0.0, 8.0]]> : tensor<2x2xf32>
  %w1 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[2.0, -1.0], [0.5, 1.0]]> : tensor<2x2xf32>
  %w3 = arith.constant dense<[[4.0, 1.0], [-2.0, 1.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %h = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w0 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc0")
  %a = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%h, %w1 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc1")
  %r1 = linalg.max ins(%a, %f : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32> loc("relu1")
  %t = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%r1, %w2 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  %s = linalg.add ins(%h, %t : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32> loc("add")
  %r2 = linalg.max ins(%s, %f : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32> loc("relu2")
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%r2, %w3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("out")
  return %y : tensor<3x2xf32>
}

// -----

// Tests an add whose operand is the function's argument: no layer can take
// the scale, so `out` keeps its multiply after the add, with a warning
// (the only one of this file), and no per-channel observers are added.
// WARN-COUNT-1: warning:
// WARN-SAME: layer 'out' keeps a multiply after the add it reads
// WARN-NOT: warning:
// CHECK-LABEL: func.func @argument
// CHECK-NOT: linalg.add ins(%{{.*}}eqq.input_eq_observer
// CHECK: linalg.add ins(%{{[0-9a-z]+}}, %{{[0-9]+}} :
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @argument(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w0 = arith.constant dense<[[1.0, 0.0], [0.0, 8.0]]> : tensor<2x2xf32>
  %w3 = arith.constant dense<[[4.0, 1.0], [-2.0, 1.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %h = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w0 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc0")
  %s = linalg.add ins(%x, %h : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32> loc("add")
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%s, %w3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("out")
  return %y : tensor<3x2xf32>
}
