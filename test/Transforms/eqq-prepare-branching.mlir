// RUN: eq-opt %s --eqq-prepare --split-input-file --verify-diagnostics | FileCheck %s
// RUN: eq-opt %s --eqq-prepare --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=NACT
// RUN: eq-opt %s --eqq-prepare --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=NIEQ

// The branch rule of PyTorch's test_input_weight_equalization_branching: a
// layer is not equalized (with a warning naming it) when its input also feeds
// another op that is quantized; a user that stays float does not block it.
// Default configuration (add float). The NACT and NIEQ prefixes count the
// act_observer and input_eq_observer ops of each function.

// Tests that x feeding two linears whose outputs are added
// (TestBranchingWithoutEqualizationModel) gives 3 activation observers, no
// input-equalization observer, one warning per layer, and no
// weight-equalization observers; both layers are still quantized, sharing
// the observer of x.

// NACT-LABEL: func.func @branch_two_linears(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @branch_two_linears(
// NIEQ-NOT: eqq.input_eq_observer

// CHECK-LABEL: func.func @branch_two_linears(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<1x5xf32>
// CHECK-NOT: eqq.weight_eq_observer
// CHECK: %[[W1:.*]] = eqq.weight_observer
// CHECK-NEXT: %[[Y:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[X_OBS]], %[[W1]] :
// CHECK-NEXT: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]]
// CHECK-NOT: eqq.weight_eq_observer
// CHECK: %[[W2:.*]] = eqq.weight_observer
// CHECK-NEXT: %[[Z:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[X_OBS]], %[[W2]] :
// CHECK-NEXT: %[[Z_OBS:.*]] = eqq.act_observer %[[Z]]
// CHECK-NEXT: %[[SUM:.*]] = linalg.add ins(%[[Y_OBS]], %[[Z_OBS]] :
// CHECK-NEXT: return %[[SUM]]
func.func @branch_two_linears(%x: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %w2 = arith.constant dense<0.25> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @below {{layer 'linear_0' is not equalized: its input also feeds 'linear_1', which is quantized}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @below {{layer 'linear_1' is not equalized: its input also feeds 'linear_0', which is quantized}}
  %z = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w2 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %sum = linalg.add ins(%y, %z : tensor<1x5xf32>, tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %sum : tensor<1x5xf32>
}

// -----

// Tests that x feeding one linear and a float add(x, 5), then the add of
// both (TestBranchingWithEqualizationModel), gives 2 activation observers and
// 1 input-equalization observer: the float add does not block the linear,
// and it keeps reading the unobserved x.

// NACT-LABEL: func.func @branch_linear_and_add(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @branch_linear_and_add(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer

// CHECK-LABEL: func.func @branch_linear_and_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<1x5xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<1x5xf32>
// CHECK-NEXT: %[[WEQ:.*]] = eqq.weight_eq_observer
// CHECK-NEXT: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]]
// CHECK-NEXT: %[[Y:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ]], %[[WOBS]] :
// CHECK-NEXT: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]]
// CHECK: %[[Z:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x5xf32>)
// CHECK-NOT: eqq.
// CHECK: linalg.add ins(%[[Y_OBS]], %[[Z]] :
func.func @branch_linear_and_add(%x: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
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

// Tests that the branch rule applies to convs reading x through their own
// zero tensor.pad: the pad of the other conv is a quantized reader of x.

// NACT-LABEL: func.func @branch_two_padded_convs(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @branch_two_padded_convs(
// NIEQ-NOT: eqq.input_eq_observer

// CHECK-LABEL: func.func @branch_two_padded_convs(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: tensor.pad %[[X_OBS]]
// CHECK: tensor.pad %[[X_OBS]]
// CHECK-NOT: eqq.weight_eq_observer
// CHECK: return
func.func @branch_two_padded_convs(%x: tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32> {
  %w1 = arith.constant dense<0.5> : tensor<3x3x3x3xf32>
  %w2 = arith.constant dense<0.25> : tensor<3x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %p1 = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<16x3x224x224xf32> to tensor<16x3x226x226xf32>
  %p2 = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<16x3x224x224xf32> to tensor<16x3x226x226xf32>
  %e = tensor.empty() : tensor<16x3x224x224xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32>
  // expected-warning @below {{layer 'conv2d_0' is not equalized: its input also feeds 'conv2d_1'}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p1, %w1 : tensor<16x3x226x226xf32>, tensor<3x3x3x3xf32>) outs(%fill : tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32>
  // expected-warning @below {{layer 'conv2d_1' is not equalized: its input also feeds 'conv2d_0'}}
  %z = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p2, %w2 : tensor<16x3x226x226xf32>, tensor<3x3x3x3xf32>) outs(%fill : tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32>
  %sum = linalg.add ins(%y, %z : tensor<16x3x224x224xf32>, tensor<16x3x224x224xf32>) outs(%e : tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32>
  return %sum : tensor<16x3x224x224xf32>
}

// -----

// Tests that a quantized standalone relu reading the same x as a linear
// blocks the linear's equalization (the relu is a quantized user of x).

// NACT-LABEL: func.func @branch_linear_and_relu(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @branch_linear_and_relu(
// NIEQ-NOT: eqq.input_eq_observer

// CHECK-LABEL: func.func @branch_linear_and_relu(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK-NOT: eqq.weight_eq_observer
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%[[X_OBS]],
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[X_OBS]] : tensor<1x5xf32>)
// CHECK: } -> tensor<1x5xf32>
// CHECK-NEXT: return {{.*}}%[[R]]
func.func @branch_linear_and_relu(%x: tensor<1x5xf32>) -> (tensor<1x5xf32>, tensor<1x5xf32>) {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @below {{layer 'linear_0' is not equalized: its input also feeds 'relu_0', which is quantized}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x5xf32>
  return %y, %r : tensor<1x5xf32>, tensor<1x5xf32>
}

// -----

// Tests that a second linear that stays float (its weight is not a
// compile-time constant) does not block the equalization of the first.

// NACT-LABEL: func.func @branch_with_float_linear(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @branch_with_float_linear(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer

// CHECK-LABEL: func.func @branch_with_float_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x5xf32>, %[[W2:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ]],
// CHECK-NEXT: eqq.act_observer
// CHECK-NEXT: linalg.matmul indexing_maps = [{{.*}}] ins(%[[X]], %[[W2]] :
// CHECK-NOT: eqq.
// CHECK: return
func.func @branch_with_float_linear(%x: tensor<1x5xf32>, %w2: tensor<5x5xf32>) -> (tensor<1x5xf32>, tensor<1x5xf32>) {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @below {{layer 'linear_1' stays float: its weight is not a compile-time constant}}
  %z = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w2 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %y, %z : tensor<1x5xf32>, tensor<1x5xf32>
}

// -----

// Tests a residual block y = fc1(x), z = fc2(y), y + z: the float add reading
// y does not block fc2, so both layers are equalized; the add reads the
// observed y.

// NACT-LABEL: func.func @residual_add(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @residual_add(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer

// CHECK-LABEL: func.func @residual_add(
// CHECK: %[[Y:.*]] = linalg.matmul
// CHECK-NEXT: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]]
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[Y_OBS]] axis 1
// CHECK: %[[Z:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ2]],
// CHECK-NEXT: %[[Z_OBS:.*]] = eqq.act_observer %[[Z]]
// CHECK-NEXT: linalg.add ins(%[[Y_OBS]], %[[Z_OBS]] :
func.func @residual_add(%x: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %w2 = arith.constant dense<0.25> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %z = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%y, %w2 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %sum = linalg.add ins(%y, %z : tensor<1x5xf32>, tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %sum : tensor<1x5xf32>
}

// -----

// Tests that a fused relu output feeding two linears blocks both of them
// (with a warning each) while the first layer stays equalized; the two
// readers share one observer after the relu.

// NACT-LABEL: func.func @relu_output_feeds_two_linears(
// NACT-COUNT-4: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @relu_output_feeds_two_linears(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer

// CHECK-LABEL: func.func @relu_output_feeds_two_linears(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1
// CHECK: %[[Y:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ]],
// CHECK-NOT: eqq.
// CHECK: %[[R:.*]] = linalg.max ins(%[[Y]],
// CHECK-NEXT: %[[R_OBS:.*]] = eqq.act_observer %[[R]]
// CHECK-NOT: eqq.input_eq_observer
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%[[R_OBS]],
// CHECK-NOT: eqq.input_eq_observer
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%[[R_OBS]],
func.func @relu_output_feeds_two_linears(%x: tensor<1x5xf32>) -> (tensor<1x5xf32>, tensor<1x5xf32>) {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %w2 = arith.constant dense<0.25> : tensor<5x5xf32>
  %w3 = arith.constant dense<0.125> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %r = linalg.max ins(%y, %fill : tensor<1x5xf32>, tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @below {{layer 'linear_1' is not equalized: its input also feeds 'linear_2'}}
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%r, %w2 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @below {{layer 'linear_2' is not equalized: its input also feeds 'linear_1'}}
  %b = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%r, %w3 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %a, %b : tensor<1x5xf32>, tensor<1x5xf32>
}
