// RUN: eq-opt %s --eqq-prepare --split-input-file --verify-diagnostics | FileCheck %s

// The diagnostics of --eqq-prepare with the default configuration: layers
// that stay float, the names that warnings give layers, and modules that
// were prepared before.

// Tests that a linear whose weight is a function argument (not a
// compile-time constant) stays float with a warning naming it, and gets no
// observers at all: not on its input, weight or output.

// CHECK-LABEL: func.func @weight_not_constant(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3xf32>, %[[W:[^:]*]]: tensor<4x3xf32>)
// CHECK-NOT: eqq.
// CHECK: %[[Y:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[X]], %[[W]] :
// CHECK-NOT: eqq.
// CHECK: return %[[Y]]
func.func @weight_not_constant(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-warning @below {{layer 'linear_0' stays float: its weight is not a compile-time constant}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Tests that a non-constant weight behind a linalg.transpose also keeps the
// layer float, and that its fused relu is then quantized on its own: its
// input observed, its output sharing that observer.

// CHECK-LABEL: func.func @transposed_weight_not_constant(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3xf32>, %[[W:[^:]*]]: tensor<4x3xf32>)
// CHECK-NOT: eqq.
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] :
// CHECK-NEXT: %[[Y:.*]] = linalg.matmul ins(%[[X]], %[[WT]] :
// CHECK-NEXT: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[Y_OBS]] :
// CHECK: } -> tensor<2x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @transposed_weight_not_constant(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %et = tensor.empty() : tensor<3x4xf32>
  %wt = linalg.transpose ins(%w : tensor<4x3xf32>) outs(%et : tensor<3x4xf32>) permutation = [1, 0]
  // expected-warning @below {{layer 'linear_0' stays float: its weight is not a compile-time constant}}
  %y = linalg.matmul ins(%x, %wt : tensor<2x3xf32>, tensor<3x4xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%y : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// Tests that a linear with a constant weight but a non-constant bias stays
// float with a warning.

// CHECK-LABEL: func.func @bias_not_constant(
// CHECK-NOT: eqq.
// CHECK: return
func.func @bias_not_constant(%x: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %init = linalg.broadcast ins(%b : tensor<4xf32>) outs(%e : tensor<2x4xf32>) dimensions = [0]
  // expected-warning @below {{layer 'linear_0' stays float: its bias is not a compile-time constant}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Tests that a conv2d with a non-constant weight stays float with a warning.

// CHECK-LABEL: func.func @conv_weight_not_constant(
// CHECK-NOT: eqq.
// CHECK: return
func.func @conv_weight_not_constant(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x2x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x6x6xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  // expected-warning @below {{layer 'conv2d_0' stays float: its weight is not a compile-time constant}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x3x8x8xf32>, tensor<2x3x3x3xf32>) outs(%fill : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  return %y : tensor<1x2x6x6xf32>
}

// -----

// Tests that generated names count per kind in program order: linear_0,
// conv1d_0, linear_1, conv2d_0, conv3d_0, conv2d_1.

// CHECK-LABEL: func.func @generated_names(
// CHECK-NOT: eqq.
// CHECK: return
func.func @generated_names(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>,
                           %x1: tensor<1x3x8xf32>, %w1: tensor<2x3x3xf32>,
                           %x2: tensor<1x3x8x8xf32>, %w2: tensor<2x3x3x3xf32>,
                           %x3: tensor<1x3x4x4x4xf32>, %w3: tensor<2x3x1x1x1xf32>)
    -> (tensor<2x4xf32>, tensor<1x2x6xf32>, tensor<2x4xf32>, tensor<1x2x6x6xf32>, tensor<1x2x4x4x4xf32>, tensor<1x2x6x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-warning @below {{layer 'linear_0' stays float}}
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e1 = tensor.empty() : tensor<1x2x6xf32>
  %fill1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x2x6xf32>) -> tensor<1x2x6xf32>
  // expected-warning @below {{layer 'conv1d_0' stays float}}
  %b = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
         ins(%x1, %w1 : tensor<1x3x8xf32>, tensor<2x3x3xf32>) outs(%fill1 : tensor<1x2x6xf32>) -> tensor<1x2x6xf32>
  // expected-warning @below {{layer 'linear_1' stays float}}
  %c = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<1x2x6x6xf32>
  %fill2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  // expected-warning @below {{layer 'conv2d_0' stays float}}
  %d = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x2, %w2 : tensor<1x3x8x8xf32>, tensor<2x3x3x3xf32>) outs(%fill2 : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  %e3 = tensor.empty() : tensor<1x2x4x4x4xf32>
  %fill3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  // expected-warning @below {{layer 'conv3d_0' stays float}}
  %f = linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : tensor<3xi64>, strides = dense<1> : tensor<3xi64>}
         ins(%x3, %w3 : tensor<1x3x4x4x4xf32>, tensor<2x3x1x1x1xf32>) outs(%fill3 : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  // expected-warning @below {{layer 'conv2d_1' stays float}}
  %g = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x2, %w2 : tensor<1x3x8x8xf32>, tensor<2x3x3x3xf32>) outs(%fill2 : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  return %a, %b, %c, %d, %f, %g : tensor<2x4xf32>, tensor<1x2x6xf32>, tensor<2x4xf32>, tensor<1x2x6x6xf32>, tensor<1x2x4x4x4xf32>, tensor<1x2x6x6xf32>
}

// -----

// Tests that a NameLoc names the layer in the warning instead of a
// generated name (the location has no file position, hence @unknown), and
// that the generated names still count the named layer: the unnamed linear
// after `fc1` is `linear_1`.

// CHECK-LABEL: func.func @named_and_generated(
// CHECK-NOT: = eqq.
// CHECK: return
func.func @named_and_generated(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-warning @unknown {{layer 'fc1' stays float: its weight is not a compile-time constant}}
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc1")
  // expected-warning @below {{layer 'linear_1' stays float}}
  %b = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %a, %b : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Tests that the branch-rule warnings of the seed model name the layers by
// their NameLoc (`fc1`, `fc2`).

// CHECK-LABEL: func.func @branch_named(
// CHECK-NOT: eqq.input_eq_observer
// CHECK: return
func.func @branch_named(%x: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %w2 = arith.constant dense<0.25> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  // expected-warning @unknown {{layer 'fc1' is not equalized: its input also feeds 'fc2', which is quantized, and one value cannot carry two equalization scales}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32> loc("fc1")
  // expected-warning @unknown {{layer 'fc2' is not equalized: its input also feeds 'fc1', which is quantized, and one value cannot carry two equalization scales}}
  %z = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w2 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32> loc("fc2")
  %sum = linalg.add ins(%y, %z : tensor<1x5xf32>, tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %sum : tensor<1x5xf32>
}

// -----

// Tests that two layers with the same NameLoc get distinct names: the second
// is `fc#2`.

// CHECK-LABEL: func.func @duplicate_names(
func.func @duplicate_names(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-warning @unknown {{layer 'fc' stays float}}
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc")
  // expected-warning @unknown {{layer 'fc#2' stays float}}
  %b = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc")
  return %a, %b : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Tests that the generated names continue across the public functions of a
// module, in order.

// CHECK-LABEL: func.func @first(
// CHECK-LABEL: func.func @second(
func.func @first(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-warning @below {{layer 'linear_0' stays float}}
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %a : tensor<2x4xf32>
}
func.func @second(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-warning @below {{layer 'linear_1' stays float}}
  %a = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %a : tensor<2x4xf32>
}

// -----

// Tests that a module that already holds eqq observers is rejected: a
// second prepare would observe every value twice.

func.func @already_prepared(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @below {{module is already prepared: it contains eqq observers}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
