// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/quantize-add.json" --split-input-file --verify-diagnostics | FileCheck %s

// The add spellings of interface.md section 3, made visible by a
// configuration that quantizes adds (quantize-add.json: linear, relu and add
// quantized with "default", linear equalized). A quantized add gets an
// observer on each tensor operand that is not a constant and on its output.

// Tests that linalg.add of two tensors observes both operands and the
// result.

// CHECK-LABEL: func.func @add_linalg_two_tensors(
// CHECK-SAME: %[[A:[^:]*]]: tensor<4x3xf32>, %[[B:[^:]*]]: tensor<4x3xf32>)
// CHECK-DAG: %[[A_OBS:.*]] = eqq.act_observer %[[A]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x3xf32>
// CHECK-DAG: %[[B_OBS:.*]] = eqq.act_observer %[[B]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x3xf32>
// CHECK: tensor.empty
// CHECK-NEXT: %[[S:.*]] = linalg.add ins(%[[A_OBS]], %[[B_OBS]] :
// CHECK-NEXT: %[[S_OBS:.*]] = eqq.act_observer %[[S]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x3xf32>
// CHECK-NEXT: return %[[S_OBS]]
func.func @add_linalg_two_tensors(%a: tensor<4x3xf32>, %b: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %s = linalg.add ins(%a, %b : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %s : tensor<4x3xf32>
}

// -----

// Tests that an elementwise linalg.generic with arith.addf of its two tensor
// inputs is an add.

// CHECK-LABEL: func.func @add_generic_two_tensors(
// CHECK-SAME: %[[A:[^:]*]]: tensor<4x3xf32>, %[[B:[^:]*]]: tensor<4x3xf32>)
// CHECK-DAG: %[[A_OBS:.*]] = eqq.act_observer %[[A]]
// CHECK-DAG: %[[B_OBS:.*]] = eqq.act_observer %[[B]]
// CHECK: tensor.empty
// CHECK-NEXT: %[[S:.*]] = linalg.generic {{.*}} ins(%[[A_OBS]], %[[B_OBS]] :
// CHECK: } -> tensor<4x3xf32>
// CHECK-NEXT: %[[S_OBS:.*]] = eqq.act_observer %[[S]]
// CHECK-NEXT: return %[[S_OBS]]
func.func @add_generic_two_tensors(%a: tensor<4x3xf32>, %b: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%a, %b : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) {
  ^bb0(%l: f32, %r: f32, %out: f32):
    %sum = arith.addf %l, %r : f32
    linalg.yield %sum : f32
  } -> tensor<4x3xf32>
  return %s : tensor<4x3xf32>
}

// -----

// Tests that an elementwise linalg.generic adding a scalar constant (the
// seed's torch.add(x, 5)) observes its one tensor input and its output, and
// that linalg.add of a constant tensor does not observe the constant.

// CHECK-LABEL: func.func @add_constant(
// CHECK-SAME: %[[A:[^:]*]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[A_OBS:.*]] = eqq.act_observer %[[A]]
// CHECK-NEXT: tensor.empty
// CHECK-NEXT: %[[S:.*]] = linalg.generic {{.*}} ins(%[[A_OBS]] : tensor<4x3xf32>)
// CHECK: } -> tensor<4x3xf32>
// CHECK-NEXT: %[[S_OBS:.*]] = eqq.act_observer %[[S]]
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<5.000000e+00> : tensor<4x3xf32>
// CHECK-NEXT: %[[T:.*]] = linalg.add ins(%[[S_OBS]], %[[C]] :
// CHECK-NEXT: %[[T_OBS:.*]] = eqq.act_observer %[[T]]
// CHECK-NEXT: return %[[T_OBS]]
func.func @add_constant(%a: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%a : tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c5 = arith.constant 5.0 : f32
    %sum = arith.addf %in, %c5 : f32
    linalg.yield %sum : f32
  } -> tensor<4x3xf32>
  %c = arith.constant dense<5.0> : tensor<4x3xf32>
  %t = linalg.add ins(%s, %c : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %t : tensor<4x3xf32>
}

// -----

// Tests that LinearAddModel with a quantized add still has 4 activation
// observers and both layers equalized: the add reads fc1's output observer
// and its own output observer is fc2's input.

// CHECK-LABEL: func.func @linear_quantized_add_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1
// CHECK: %[[Y:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ1]],
// CHECK-NEXT: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]]
// CHECK-NEXT: %[[S:.*]] = linalg.generic {{.*}} ins(%[[Y_OBS]] : tensor<1x5xf32>)
// CHECK: } -> tensor<1x5xf32>
// CHECK-NEXT: %[[S_OBS:.*]] = eqq.act_observer %[[S]]
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[S_OBS]] axis 1
// CHECK: %[[Z:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ2]],
// CHECK-NEXT: %[[Z_OBS:.*]] = eqq.act_observer %[[Z]]
// CHECK-NEXT: return %[[Z_OBS]]
func.func @linear_quantized_add_linear(%x: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %w2 = arith.constant dense<0.25> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%y : tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c5 = arith.constant 5.0 : f32
    %sum = arith.addf %in, %c5 : f32
    linalg.yield %sum : f32
  } -> tensor<1x5xf32>
  %z = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%s, %w2 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %z : tensor<1x5xf32>
}

// -----

// Tests that in TestBranchingWithEqualizationModel with a quantized add,
// add(x, 5) is a quantized reader of x, so the linear is not equalized (the
// branch rule names the add); x has one shared observer.

// CHECK-LABEL: func.func @branch_linear_and_quantized_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK-NOT: eqq.input_eq_observer
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%[[X_OBS]],
// CHECK-NOT: eqq.input_eq_observer
// CHECK: linalg.generic {{.*}} ins(%[[X_OBS]] : tensor<1x5xf32>)
// CHECK-NOT: eqq.input_eq_observer
// CHECK: return
func.func @branch_linear_and_quantized_add(%x: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @below {{layer 'linear_0' is not equalized: its input also feeds 'add_0', which is quantized}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %z = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c5 = arith.constant 5.0 : f32
    %s = arith.addf %in, %c5 : f32
    linalg.yield %s : f32
  } -> tensor<1x5xf32>
  %sum = linalg.add ins(%y, %z : tensor<1x5xf32>, tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %sum : tensor<1x5xf32>
}

// -----

// Tests that generics that are not elementwise adds are left untouched: an
// add broadcasting one operand, and an addf followed by a mulf.

// CHECK-LABEL: func.func @not_adds(
// CHECK-NOT: eqq.
// CHECK: return
func.func @not_adds(%a: tensor<4x3xf32>, %v: tensor<3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %e = tensor.empty() : tensor<4x3xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%a, %v : tensor<4x3xf32>, tensor<3xf32>) outs(%e : tensor<4x3xf32>) {
  ^bb0(%l: f32, %r: f32, %out: f32):
    %sum = arith.addf %l, %r : f32
    linalg.yield %sum : f32
  } -> tensor<4x3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%a, %a : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) {
  ^bb0(%l: f32, %r: f32, %out: f32):
    %sum = arith.addf %l, %r : f32
    %m = arith.mulf %sum, %r : f32
    linalg.yield %m : f32
  } -> tensor<4x3xf32>
  return %s, %t : tensor<4x3xf32>, tensor<4x3xf32>
}
