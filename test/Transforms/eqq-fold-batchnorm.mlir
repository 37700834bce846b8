// RUN: eq-opt %s --eqq-fold-batchnorm --split-input-file | FileCheck %s
// RUN: sed -e 's/expected-remark/expected: remark/' %s | eq-opt --eqq-fold-batchnorm --split-input-file 2>&1 | FileCheck %s --check-prefix=QUIET
// RUN: eq-opt %s --eqq-fold-batchnorm="report-unfolded=true" --split-input-file -verify-diagnostics -o /dev/null

// The batch norms are in eq-export's form: x * scale + shift, scale and shift
// 1-D constants read along the layer's output channel axis. Folded numbers
// are W'[o] = W[o] * scale[o] and b'[o] = b[o] * scale[o] + shift[o], chosen
// to be exact in f32. Unfolded batch norms are silent by default (QUIET) and
// get a remark with report-unfolded=true (-verify-diagnostics). The QUIET
// run hides the expected-remark lines, which eq-opt would otherwise report as
// not produced.

// QUIET-NOT: remark:
// QUIET-NOT: warning:

// Tests that a conv2d with its bias in the init (linalg.broadcast) takes the
// batch norm: W = [2, 3], b = [4, 5], scale = [0.5, 2], shift = [1, -1] give
// W' = [1, 6] and b' = [4 * 0.5 + 1, 5 * 2 - 1] = [3, 9]; the batch norm,
// its constants and the old weight and bias are gone.

// CHECK-LABEL: func.func @conv2d_bias(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x1x3x3xf32>)
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[1.000000e+00]]], [{{\[}}[6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[3.000000e+00, 9.000000e+00]> : tensor<2xf32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X]], %[[W]] : {{.*}}) outs(%[[INIT]] : {{.*}})
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: linalg.generic
// CHECK-NOT: arith.constant
func.func @conv2d_bias(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[4.0, 5.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %scale = arith.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %shift = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn : tensor<1x2x3x3xf32>
}

// -----

// Tests that a conv2d without bias gets one as its init, broadcast along
// axis 1: W = [2, 3], scale = [0.25, -1], shift = [0.5, 1.5] give
// W' = [0.5, -3] and b' = shift; the zero fill is gone.

// CHECK-LABEL: func.func @conv2d_no_bias(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x1x3x3xf32>)
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[5.000000e-01]]], [{{\[}}[-3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[5.000000e-01, 1.500000e+00]> : tensor<2xf32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X]], %[[W]] : {{.*}}) outs(%[[INIT]] : {{.*}})
// CHECK-NEXT: return %[[Y]]
func.func @conv2d_no_bias(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %scale = arith.constant dense<[0.25, -1.0]> : tensor<2xf32>
  %shift = arith.constant dense<[0.5, 1.5]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn : tensor<1x2x3x3xf32>
}

// -----

// Tests that a grouped conv (2 groups of 1 channel, conv_2d_ngchw_gfchw
// between reshapes) without bias takes the batch norm in the rows of its
// 4-D weight and a bias as the 4-D init, broadcast before the init's
// expand_shape: W = [2, 3], scale = [0.25, -1], shift = [0.5, 1.5].

// CHECK-LABEL: func.func @grouped_no_bias(
// CHECK-NOT: linalg.fill
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[5.000000e-01]]], [{{\[}}[-3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]]
// CHECK: %[[B:.*]] = arith.constant dense<[5.000000e-01, 1.500000e+00]> : tensor<2xf32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
// CHECK: %[[IG:.*]] = tensor.expand_shape %[[INIT]]
// CHECK: %[[YG:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%{{.*}}, %[[WG]] : {{.*}}) outs(%[[IG]] : {{.*}})
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[YG]]
// CHECK-NEXT: return %[[Y]]
func.func @grouped_no_bias(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %xg = tensor.expand_shape %x [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 3, 3] : tensor<1x2x3x3xf32> into tensor<1x2x1x3x3xf32>
  %wg = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [2, 1, 1, 1, 1] : tensor<2x1x1x1xf32> into tensor<2x1x1x1x1xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %ig = tensor.expand_shape %init [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 3, 3] : tensor<1x2x3x3xf32> into tensor<1x2x1x3x3xf32>
  %yg = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xg, %wg : tensor<1x2x1x3x3xf32>, tensor<2x1x1x1x1xf32>) outs(%ig : tensor<1x2x1x3x3xf32>) -> tensor<1x2x1x3x3xf32>
  %y = tensor.collapse_shape %yg [[0], [1, 2], [3], [4]] : tensor<1x2x1x3x3xf32> into tensor<1x2x3x3xf32>
  %scale = arith.constant dense<[0.25, -1.0]> : tensor<2xf32>
  %shift = arith.constant dense<[0.5, 1.5]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn : tensor<1x2x3x3xf32>
}

// -----

// Tests that a linear (transposed-B matmul) with its bias added after takes
// the batch norm along its last axis, the bias add kept: W = [[1, 2], [3, 4]],
// b = [1, -1], scale = [2, 0.5], shift = [0.25, 0.75] give
// W' = [[2, 4], [1.5, 2]] and b' = [2.25, 0.25].

// CHECK-LABEL: func.func @linear_bias_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<3x2xf32>)
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [1.500000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[2.250000e+00, 2.500000e-01]> : tensor<2xf32>
// CHECK: %[[MM:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[W]] : {{.*}})
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[B]] : tensor<3x2xf32>, tensor<2xf32>)
// CHECK: arith.addf
// CHECK: return %[[Y]]
// CHECK-NOT: arith.mulf
func.func @linear_bias_add(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm, %b : tensor<3x2xf32>, tensor<2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %r = arith.addf %in, %in_1 : f32
    linalg.yield %r : f32
  } -> tensor<3x2xf32>
  %scale = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %shift = arith.constant dense<[0.25, 0.75]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<3x2xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y, %scale, %shift : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<3x2xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<3x2xf32>
  return %bn : tensor<3x2xf32>
}

// -----

// Tests that a linear spelled with linalg.transpose and no bias takes the
// batch norm: the weight in front of the transpose is scaled by row (W is
// [out, in]) and the bias becomes the matmul's init along axis 1.

// CHECK-LABEL: func.func @linear_transpose_no_bias(
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [1.500000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[2.500000e-01, 7.500000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<2x2xf32>)
// CHECK-DAG: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<3x2xf32>) dimensions = [0]
// CHECK: %[[Y:.*]] = linalg.matmul ins(%{{.*}}, %[[WT]] : {{.*}}) outs(%[[INIT]] : {{.*}})
// CHECK-NEXT: return %[[Y]]
func.func @linear_transpose_no_bias(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %et = tensor.empty() : tensor<2x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x2xf32>) outs(%et : tensor<2x2xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %wt : tensor<3x2xf32>, tensor<2x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %scale = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %shift = arith.constant dense<[0.25, 0.75]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<3x2xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y, %scale, %shift : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<3x2xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<3x2xf32>
  return %bn : tensor<3x2xf32>
}

// -----

// Tests that a batch norm is left alone when the conv output has another
// reader (folding would change what that reader sees).

// CHECK-LABEL: func.func @two_readers(
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[2.000000e+00]]], [{{\[}}[3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %[[W]] : {{.*}})
// CHECK: %[[BN:.*]] = linalg.generic {{.*}} ins(%[[Y]], %{{.*}}, %{{.*}} : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return %[[BN]], %[[Y]]
func.func @two_readers(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %scale = arith.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %shift = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  // expected-remark @below {{batch norm not folded: the output of layer 'conv2d_0' has other readers besides the batch norm}}
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn, %y : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// Tests that a batch norm with no layer in front (it reads the function
// argument) stays a float op.

// CHECK-LABEL: func.func @no_layer(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x2x3x3xf32>)
// CHECK: %[[BN:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}}, %{{.*}} : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK: return %[[BN]]
func.func @no_layer(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %scale = arith.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %shift = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  // expected-remark @below {{batch norm not folded: its input is not the output of a linear or conv layer}}
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn : tensor<1x2x3x3xf32>
}

// -----

// Tests that a batch norm whose scale and shift are not constants (function
// arguments) stays a float op and leaves the conv's weight as it was.

// CHECK-LABEL: func.func @non_constant_params(
// CHECK: arith.constant dense<{{\[}}[{{\[}}[2.000000e+00]]], [{{\[}}[3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK: linalg.fill
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw
// CHECK: %[[BN:.*]] = linalg.generic {{.*}} ins(%[[Y]], %{{.*}}, %{{.*}} : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK: return %[[BN]]
func.func @non_constant_params(%x: tensor<1x1x3x3xf32>, %scale: tensor<2xf32>, %shift: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  // expected-remark @below {{batch norm not folded: its scale or shift is not an f32 constant}}
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn : tensor<1x2x3x3xf32>
}

// -----

// Tests that a batch norm along axis 1 of a linear's rank-3 output (whose
// channels are on the last axis, BatchNorm1d after a linear on N x L x C)
// stays a float op.

// CHECK-LABEL: func.func @linear_wrong_axis(
// CHECK: tensor.expand_shape
// CHECK: %[[BN:.*]] = linalg.generic
// CHECK: arith.mulf
// CHECK: return %[[BN]]
func.func @linear_wrong_axis(%x: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %xc = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x2x2xf32> into tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%xc, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = tensor.expand_shape %mm [[0, 1], [2]] output_shape [1, 2, 2] : tensor<2x2xf32> into tensor<1x2x2xf32>
  %scale = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %shift = arith.constant dense<[0.25, 0.75]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x2xf32>
  // expected-remark @below {{batch norm not folded: it scales axis 1, not the output channel axis 2 of layer 'linear_0'}}
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x2xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x2xf32>
  return %bn : tensor<1x2x2xf32>
}

// -----

// Tests that a bias broadcast shared by two convs is copied before the
// folded one changes it: conv `a` takes the batch norm (W' = [1, 6],
// b' = [3, 9] as in @conv2d_bias), conv `b` keeps W = [2, 3] and b = [4, 5].

// CHECK-LABEL: func.func @shared_bias_init(
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[2.000000e+00]]], [{{\[}}[3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[WA:.*]] = arith.constant dense<{{\[}}[{{\[}}[1.000000e+00]]], [{{\[}}[6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[4.000000e+00, 5.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[BA:.*]] = arith.constant dense<[3.000000e+00, 9.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[INITA:.*]] = linalg.broadcast ins(%[[BA]] : tensor<2xf32>)
// CHECK-DAG: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>)
// CHECK: %[[A:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %[[WA]] : {{.*}}) outs(%[[INITA]] : {{.*}})
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %[[W]] : {{.*}}) outs(%[[INIT]] : {{.*}})
// CHECK: return %[[A]], %[[Y]]
func.func @shared_bias_init(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[4.0, 5.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
  %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %scale = arith.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %shift = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %r = arith.addf %m, %t : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3x3xf32>
  return %bn, %y : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}
