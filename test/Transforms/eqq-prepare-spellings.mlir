// RUN: eq-opt %s --eqq-prepare --split-input-file | FileCheck %s

// Every input spelling of interface.md section 3 that must be recognized as a
// layer, a relu or a bias, prepared with the built-in default configuration.
// A recognized layer gets an act_observer on its input, an input_eq_observer
// feeding the op (or the pad/collapse in front of it), a weight_eq_observer and
// a folded weight_observer on its weight, and an act_observer on its output
// (after the bias add and after a relu that follows).

// Tests that a linear spelled as linalg.transpose of W (permutation [1, 0])
// feeding a plain linalg.matmul, without bias, is recognized: the observers
// sit on W, in front of the transpose.

// CHECK-LABEL: func.func @linear_transpose_no_bias(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x3xf32>
// CHECK-NEXT: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x3xf32>
// CHECK: %[[WEQ:.*]] = eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 4.000000e+00, 5.000000e-01>, min_val = array<f32: -3.000000e+00, -2.000000e+00, -1.000000e+00>} : tensor<2x3xf32>
// CHECK-NEXT: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -3.000000e+00>} : tensor<2x3xf32>
// CHECK-NEXT: %[[WT:.*]] = linalg.transpose ins(%[[WOBS]] : tensor<2x3xf32>) outs(%{{.*}} : tensor<3x2xf32>) permutation = [1, 0]
// CHECK-NEXT: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<4x3xf32>
// CHECK-NEXT: %[[MM:.*]] = linalg.matmul ins(%[[IEQ]], %[[WT]] : tensor<4x3xf32>, tensor<3x2xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[MM]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_transpose_no_bias(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %et = tensor.empty() : tensor<3x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x3xf32>) outs(%et : tensor<3x2xf32>) permutation = [1, 0]
  %y = linalg.matmul ins(%x, %wt : tensor<4x3xf32>, tensor<3x2xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a linear spelled as linalg.matmul with indexing_maps reading W
// as (n, k) (transposed B), without bias, is recognized: the observers sit on
// the matmul's B operand.

// CHECK-LABEL: func.func @linear_transposed_b_no_bias(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x3xf32>
// CHECK-NEXT: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x3xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<4x3xf32>
// CHECK-NEXT: %[[WEQ:.*]] = eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 4.000000e+00, 5.000000e-01>, min_val = array<f32: -3.000000e+00, -2.000000e+00, -1.000000e+00>} : tensor<2x3xf32>
// CHECK-NEXT: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -3.000000e+00>} : tensor<2x3xf32>
// CHECK-NEXT: %[[MM:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ]], %[[WOBS]] : tensor<4x3xf32>, tensor<2x3xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[MM]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_transposed_b_no_bias(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that one linalg.transpose of W read by two linears (tied weights)
// gives each layer a transpose of its own with its own weight observers,
// instead of stacking the second layer's observers on the first's.

// CHECK-LABEL: func.func @linear_shared_transpose(
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<3x3xf32>
// CHECK: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric
// CHECK-NEXT: %[[WT2:.*]] = linalg.transpose ins(%[[WOBS1]] : tensor<3x3xf32>)
// CHECK-NEXT: %[[IEQ1:.*]] = eqq.input_eq_observer
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric
// CHECK-NEXT: %[[WT1:.*]] = linalg.transpose ins(%[[WOBS2]] : tensor<3x3xf32>)
// CHECK-NEXT: %[[Y:.*]] = linalg.matmul ins(%[[IEQ1]], %[[WT1]] :
// CHECK-NEXT: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]]
// CHECK-NEXT: %[[IEQ2:.*]] = eqq.input_eq_observer %[[Y_OBS]]
// CHECK-NEXT: linalg.matmul ins(%[[IEQ2]], %[[WT2]] :
func.func @linear_shared_transpose(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0], [0.25, 0.5, 2.0]]> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %et = tensor.empty() : tensor<3x3xf32>
  %wt = linalg.transpose ins(%w : tensor<3x3xf32>) outs(%et : tensor<3x3xf32>) permutation = [1, 0]
  %y = linalg.matmul ins(%x, %wt : tensor<4x3xf32>, tensor<3x3xf32>) outs(%fill : tensor<4x3xf32>) -> tensor<4x3xf32>
  %z = linalg.matmul ins(%y, %wt : tensor<4x3xf32>, tensor<3x3xf32>) outs(%fill : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// -----

// Tests that a bias added after the matmul by an elementwise linalg.generic
// reading the 1-D bias along the rows is part of the layer: the output is
// observed after the bias add, not between the matmul and the add.

// CHECK-LABEL: func.func @linear_bias_generic_after(
// CHECK: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: eqq.
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[B]] : tensor<4x2xf32>, tensor<2xf32>)
// CHECK: } -> tensor<4x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[Y]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_bias_generic_after(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that the bias generic is recognized with its operands the other way
// round (bias first, addf of bias and value).

// CHECK-LABEL: func.func @linear_bias_generic_swapped(
// CHECK: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: eqq.
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[B]], %[[MM]] : tensor<2xf32>, tensor<4x2xf32>)
// CHECK: } -> tensor<4x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[Y]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_bias_generic_swapped(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %et = tensor.empty() : tensor<3x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x3xf32>) outs(%et : tensor<3x2xf32>) permutation = [1, 0]
  %mm = linalg.matmul ins(%x, %wt : tensor<4x3xf32>, tensor<3x2xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%b, %mm : tensor<2xf32>, tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%bias: f32, %in: f32, %out: f32):
    %s = arith.addf %bias, %in : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a bias added after the matmul by linalg.add of a linalg.broadcast
// of the 1-D bias is part of the layer.

// CHECK-LABEL: func.func @linear_bias_add_broadcast(
// CHECK: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: eqq.
// CHECK: %[[BB:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<4x2xf32>) dimensions = [0]
// CHECK-NEXT: %[[Y:.*]] = linalg.add ins(%[[BB]], %[[MM]] : tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[Y]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_bias_add_broadcast(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<4x2xf32>) dimensions = [0]
  %y = linalg.add ins(%bb, %mm : tensor<4x2xf32>, tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a linalg.broadcast of the bias used directly as the matmul's
// init is the layer's bias: the output is observed right after the matmul.

// CHECK-LABEL: func.func @linear_bias_init_broadcast(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NOT: eqq.
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<4x2xf32>) dimensions = [0]
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1
// CHECK: %[[WOBS:.*]] = eqq.weight_observer
// CHECK-NEXT: %[[MM:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ]], %[[WOBS]] : {{.*}}) outs(%[[INIT]] : tensor<4x2xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[MM]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_bias_init_broadcast(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<4x2xf32>) dimensions = [0]
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a bias broadcast by a copying linalg.generic used as the
// matmul's init (transposed-W spelling) is the layer's bias.

// CHECK-LABEL: func.func @linear_bias_init_generic(
// CHECK: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<2xf32>)
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer
// CHECK-NEXT: %[[MM:.*]] = linalg.matmul ins(%[[IEQ]], %{{.*}} : tensor<4x3xf32>, tensor<3x2xf32>) outs(%[[INIT]] : tensor<4x2xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[MM]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_bias_init_generic(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                          iterator_types = ["parallel", "parallel"]}
            ins(%b : tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x2xf32>
  %et = tensor.empty() : tensor<3x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x3xf32>) outs(%et : tensor<3x2xf32>) permutation = [1, 0]
  %y = linalg.matmul ins(%x, %wt : tensor<4x3xf32>, tensor<3x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a bias broadcast along the wrong axis (columns of the output
// instead of rows) is not taken as the layer's bias: the matmul's output is
// observed before the add, which stays float.

// CHECK-LABEL: func.func @linear_bias_wrong_axis(
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NEXT: %[[MM_OBS:.*]] = eqq.act_observer %[[MM]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x4xf32>
// CHECK-NEXT: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[MM_OBS]], %{{.*}} : tensor<4x4xf32>, tensor<4xf32>)
// CHECK-NOT: eqq.
// CHECK: return %[[Y]]
func.func @linear_bias_wrong_axis(%x: tensor<4x3xf32>) -> tensor<4x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<4x3xf32>) outs(%fill : tensor<4x4xf32>) -> tensor<4x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm, %b : tensor<4x4xf32>, tensor<4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// Tests that a weight given as a dense_resource constant is folded into the
// weight observers' statistics like a dense literal.

// CHECK-LABEL: func.func @linear_dense_resource_weight(
// CHECK: %[[W:.*]] = arith.constant dense_resource<w_2x2> : tensor<2x2xf32>
// CHECK: eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 4.000000e+00>, min_val = array<f32: 5.000000e-01, -2.000000e+00>} : tensor<2x2xf32>
// CHECK-NEXT: eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -2.000000e+00>} : tensor<2x2xf32>
// CHECK-NEXT: linalg.matmul
func.func @linear_dense_resource_weight(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense_resource<w_2x2> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%fill : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// W = [[1.0, -2.0], [0.5, 4.0]] as little-endian f32, after the 4-byte
// alignment header.
{-#
  dialect_resources: {
    builtin: {
      w_2x2: "0x040000000000803F000000C00000003F00008040"
    }
  }
#-}

// -----

// Tests that a linear on a 3-D input, spelled with tensor.collapse_shape to
// 2-D before the matmul and tensor.expand_shape after it, with the bias added
// after the expand, observes the 3-D input and equalizes along its feature
// axis 2; the output is observed after the bias add on the 3-D value.

// CHECK-LABEL: func.func @linear_3d_collapse_expand(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x4x3xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<2x4x3xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 2 quint8 per_tensor_symmetric : tensor<2x4x3xf32>
// CHECK-NEXT: %[[C:.*]] = tensor.collapse_shape %[[IEQ]] {{\[\[}}0, 1], [2]] : tensor<2x4x3xf32> into tensor<8x3xf32>
// CHECK: %[[WOBS:.*]] = eqq.weight_observer
// CHECK-NEXT: %[[MM:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[C]], %[[WOBS]] :
// CHECK-NEXT: %[[EX:.*]] = tensor.expand_shape %[[MM]]
// CHECK-NOT: eqq.
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[EX]], %{{.*}} : tensor<2x4x2xf32>, tensor<2xf32>)
// CHECK: } -> tensor<2x4x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[Y]] minmax quint8 per_tensor_affine range [0, 127] : tensor<2x4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_3d_collapse_expand(%x: tensor<2x4x3xf32>) -> tensor<2x4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<2x4x3xf32> into tensor<8x3xf32>
  %e = tensor.empty() : tensor<8x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<8x2xf32>) -> tensor<8x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%c, %w : tensor<8x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<8x2xf32>) -> tensor<8x2xf32>
  %ex = tensor.expand_shape %mm [[0, 1], [2]] output_shape [2, 4, 2] : tensor<8x2xf32> into tensor<2x4x2xf32>
  %e3 = tensor.empty() : tensor<2x4x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
         ins(%ex, %b : tensor<2x4x2xf32>, tensor<2xf32>) outs(%e3 : tensor<2x4x2xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<2x4x2xf32>
  return %y : tensor<2x4x2xf32>
}

// -----

// Tests that a linear on a 3-D input with the bias added on the 2-D matmul
// result (before the expand) and a relu after the expand observes its output
// after the relu only, and equalizes along axis 2.

// CHECK-LABEL: func.func @linear_3d_bias_before_expand_relu(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x4x3xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] {{.*}} : tensor<2x4x3xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 2 quint8 per_tensor_symmetric : tensor<2x4x3xf32>
// CHECK-NEXT: tensor.collapse_shape %[[IEQ]]
// CHECK-NOT: eqq.act_observer
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x4x2xf32>)
// CHECK: arith.maximumf
// CHECK: } -> tensor<2x4x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[R]] minmax quint8 per_tensor_affine range [0, 127] : tensor<2x4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_3d_bias_before_expand_relu(%x: tensor<2x4x3xf32>) -> tensor<2x4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<2x4x3xf32> into tensor<8x3xf32>
  %e = tensor.empty() : tensor<8x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<8x2xf32>) -> tensor<8x2xf32>
  %et = tensor.empty() : tensor<3x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x3xf32>) outs(%et : tensor<3x2xf32>) permutation = [1, 0]
  %mm = linalg.matmul ins(%c, %wt : tensor<8x3xf32>, tensor<3x2xf32>) outs(%fill : tensor<8x2xf32>) -> tensor<8x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm, %b : tensor<8x2xf32>, tensor<2xf32>) outs(%e : tensor<8x2xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<8x2xf32>
  %ex = tensor.expand_shape %y [[0, 1], [2]] output_shape [2, 4, 2] : tensor<8x2xf32> into tensor<2x4x2xf32>
  %e3 = tensor.empty() : tensor<2x4x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
         ins(%ex : tensor<2x4x2xf32>) outs(%e3 : tensor<2x4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4x2xf32>
  return %r : tensor<2x4x2xf32>
}

// -----

// Tests that a linear on a 4-D input collapsed features-last
// ([[0, 1, 2], [3]]) is equalized along axis 3.

// CHECK-LABEL: func.func @linear_4d_collapse(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x2x2x3xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] {{.*}} : tensor<2x2x2x3xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 3 quint8 per_tensor_symmetric : tensor<2x2x2x3xf32>
// CHECK-NEXT: tensor.collapse_shape %[[IEQ]]
// CHECK: %[[EX:.*]] = tensor.expand_shape
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[EX]] {{.*}} : tensor<2x2x2x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @linear_4d_collapse(%x: tensor<2x2x2x3xf32>) -> tensor<2x2x2x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %c = tensor.collapse_shape %x [[0, 1, 2], [3]] : tensor<2x2x2x3xf32> into tensor<8x3xf32>
  %e = tensor.empty() : tensor<8x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<8x2xf32>) -> tensor<8x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%c, %w : tensor<8x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<8x2xf32>) -> tensor<8x2xf32>
  %ex = tensor.expand_shape %mm [[0, 1, 2], [3]] output_shape [2, 2, 2, 2] : tensor<8x2xf32> into tensor<2x2x2x2xf32>
  return %ex : tensor<2x2x2x2xf32>
}

// -----

// Tests that a collapse that does not keep the features last
// ([[0], [1, 2]]) is not part of the layer: the layer reads the collapsed
// 2-D value and equalizes along axis 1.

// CHECK-LABEL: func.func @linear_collapse_not_features_last(
// CHECK: %[[C:.*]] = tensor.collapse_shape
// CHECK-NEXT: %[[C_OBS:.*]] = eqq.act_observer %[[C]] {{.*}} : tensor<4x6xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[C_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<4x6xf32>
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ]],
func.func @linear_collapse_not_features_last(%x: tensor<4x2x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x6xf32>
  %zero = arith.constant 0.0 : f32
  %c = tensor.collapse_shape %x [[0], [1, 2]] : tensor<4x2x3xf32> into tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%c, %w : tensor<4x6xf32>, tensor<2x6xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a conv2d whose input is zero-padded by tensor.pad is observed
// and equalized before the pad: the pad belongs to the layer, the padding
// zeros are not observed.

// CHECK-LABEL: func.func @conv2d_zero_pad(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[P:.*]] = tensor.pad %[[IEQ]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK-NOT: eqq.act_observer
// CHECK: %[[WOBS:.*]] = eqq.weight_observer
// CHECK-NEXT: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[P]], %[[WOBS]] : tensor<16x3x226x226xf32>, tensor<3x3x3x3xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[CONV]] {{.*}} : tensor<16x3x224x224xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @conv2d_zero_pad(%x: tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<16x3x224x224xf32> to tensor<16x3x226x226xf32>
  %e = tensor.empty() : tensor<16x3x224x224xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p, %w : tensor<16x3x226x226xf32>, tensor<3x3x3x3xf32>) outs(%fill : tensor<16x3x224x224xf32>) -> tensor<16x3x224x224xf32>
  return %y : tensor<16x3x224x224xf32>
}

// -----

// Tests that a tensor.pad with a non-zero padding value is not part of the
// layer: the layer's input is the padded value, observed after the pad.

// CHECK-LABEL: func.func @conv2d_nonzero_pad(
// CHECK: %[[P:.*]] = tensor.pad
// CHECK: } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
// CHECK-NEXT: %[[P_OBS:.*]] = eqq.act_observer %[[P]] {{.*}} : tensor<1x3x10x10xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[P_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<1x3x10x10xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ]], %{{.*}} : tensor<1x3x10x10xf32>, tensor<2x3x3x3xf32>)
func.func @conv2d_nonzero_pad(%x: tensor<1x3x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %one : f32
  } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p, %w : tensor<1x3x10x10xf32>, tensor<2x3x3x3xf32>) outs(%fill : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %y : tensor<1x2x8x8xf32>
}

// -----

// Tests that a conv2d with stride 2 and the bias added after by linalg.add of
// a broadcast along the channel axis is recognized, the weight columns being
// the input channels (axis 1 of W[F, C, KH, KW]).

// CHECK-LABEL: func.func @conv2d_strided_bias_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x2x5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<3x2x1x1xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<1x2x5x5xf32>
// CHECK-NEXT: %[[WEQ:.*]] = eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric {max_val = array<f32: 3.000000e+00, 4.000000e+00>, min_val = array<f32: -5.000000e+00, -2.000000e+00>} : tensor<3x2x1x1xf32>
// CHECK-NEXT: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 4.000000e+00>, min_val = array<f32: -5.000000e+00>} : tensor<3x2x1x1xf32>
// CHECK-NEXT: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ]], %[[WOBS]] :
// CHECK-NOT: eqq.
// CHECK: %[[BB:.*]] = linalg.broadcast ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}} : tensor<1x3x3x3xf32>) dimensions = [0, 2, 3]
// CHECK-NEXT: %[[Y:.*]] = linalg.add ins(%[[CONV]], %[[BB]] :
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[Y]] {{.*}} : tensor<1x3x3x3xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @conv2d_strided_bias_add(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x3x3xf32> {
  %w = arith.constant dense<[[[[1.0]], [[-2.0]]], [[[3.0]], [[4.0]]], [[[-5.0]], [[0.5]]]]> : tensor<3x2x1x1xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x3xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %conv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
            ins(%x, %w : tensor<1x2x5x5xf32>, tensor<3x2x1x1xf32>) outs(%fill : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %bb = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<1x3x3x3xf32>) dimensions = [0, 2, 3]
  %y = linalg.add ins(%conv, %bb : tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// -----

// Tests that a conv1d (linalg.conv_1d_ncw_fcw) with the bias broadcast in its
// init is recognized and equalized along axis 1, with per-input-channel
// weight statistics of W[F, C, K].

// CHECK-LABEL: func.func @conv1d_bias_init(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x2x10xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2x10xf32>
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<3x2x2xf32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}} : tensor<4x3x9xf32>) dimensions = [0, 2]
// CHECK-NEXT: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<4x2x10xf32>
// CHECK-NEXT: %[[WEQ:.*]] = eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric {max_val = array<f32: 5.000000e+00, 6.000000e+00>, min_val = array<f32: -3.000000e+00, -4.000000e+00>} : tensor<3x2x2xf32>
// CHECK-NEXT: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 6.000000e+00>, min_val = array<f32: -4.000000e+00>} : tensor<3x2x2xf32>
// CHECK-NEXT: %[[CONV:.*]] = linalg.conv_1d_ncw_fcw {{.*}} ins(%[[IEQ]], %[[WOBS]] : tensor<4x2x10xf32>, tensor<3x2x2xf32>) outs(%[[INIT]] : tensor<4x3x9xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[CONV]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x3x9xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @conv1d_bias_init(%x: tensor<4x2x10xf32>) -> tensor<4x3x9xf32> {
  %w = arith.constant dense<[[[1.0, -1.0], [2.0, -2.0]], [[3.0, -3.0], [4.0, -4.0]], [[5.0, 0.0], [6.0, 0.0]]]> : tensor<3x2x2xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %e = tensor.empty() : tensor<4x3x9xf32>
  %init = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<4x3x9xf32>) dimensions = [0, 2]
  %y = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
         ins(%x, %w : tensor<4x2x10xf32>, tensor<3x2x2xf32>) outs(%init : tensor<4x3x9xf32>) -> tensor<4x3x9xf32>
  return %y : tensor<4x3x9xf32>
}

// -----

// Tests that a conv1d with a zero tensor.pad and a relu is observed before
// the pad and after the relu.

// CHECK-LABEL: func.func @conv1d_pad_relu(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x2x10xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<4x2x10xf32>
// CHECK-NEXT: %[[P:.*]] = tensor.pad %[[IEQ]] low[0, 0, 1] high[0, 0, 1]
// CHECK: %[[CONV:.*]] = linalg.conv_1d_ncw_fcw {{.*}} ins(%[[P]],
// CHECK-NOT: eqq.
// CHECK: %[[R:.*]] = linalg.max ins(%[[CONV]], %{{.*}} : tensor<4x3x10xf32>, tensor<4x3x10xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[R]] {{.*}} : tensor<4x3x10xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @conv1d_pad_relu(%x: tensor<4x2x10xf32>) -> tensor<4x3x10xf32> {
  %w = arith.constant dense<0.25> : tensor<3x2x3xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1] high[0, 0, 1] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<4x2x10xf32> to tensor<4x2x12xf32>
  %e = tensor.empty() : tensor<4x3x10xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3x10xf32>) -> tensor<4x3x10xf32>
  %conv = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
            ins(%p, %w : tensor<4x2x12xf32>, tensor<3x2x3xf32>) outs(%fill : tensor<4x3x10xf32>) -> tensor<4x3x10xf32>
  %r = linalg.max ins(%conv, %fill : tensor<4x3x10xf32>, tensor<4x3x10xf32>) outs(%e : tensor<4x3x10xf32>) -> tensor<4x3x10xf32>
  return %r : tensor<4x3x10xf32>
}

// -----

// Tests that a conv3d (linalg.conv_3d_ncdhw_fcdhw) with the bias added after
// by an elementwise generic is recognized and equalized along axis 1.

// CHECK-LABEL: func.func @conv3d_bias_after(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x2x4x4x4xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<1x2x4x4x4xf32>
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x2x1x1x1xf32>
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<1x2x4x4x4xf32>
// CHECK-NEXT: %[[WEQ:.*]] = eqq.weight_eq_observer %[[W]] qint8 per_channel_symmetric {max_val = array<f32: 3.000000e+00, 2.000000e+00>, min_val = array<f32: 1.000000e+00, -4.000000e+00>} : tensor<2x2x1x1x1xf32>
// CHECK-NEXT: %[[WOBS:.*]] = eqq.weight_observer %[[WEQ]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 3.000000e+00>, min_val = array<f32: -4.000000e+00>} : tensor<2x2x1x1x1xf32>
// CHECK-NEXT: %[[CONV:.*]] = linalg.conv_3d_ncdhw_fcdhw {{.*}} ins(%[[IEQ]], %[[WOBS]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[CONV]], %{{.*}} : tensor<1x2x4x4x4xf32>, tensor<2xf32>)
// CHECK: } -> tensor<1x2x4x4x4xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[Y]] {{.*}} : tensor<1x2x4x4x4xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @conv3d_bias_after(%x: tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32> {
  %w = arith.constant dense<[[[[[1.0]]], [[[-4.0]]]], [[[[3.0]]], [[[2.0]]]]]> : tensor<2x2x1x1x1xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x4x4x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  %conv = linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : tensor<3xi64>, strides = dense<1> : tensor<3xi64>}
            ins(%x, %w : tensor<1x2x4x4x4xf32>, tensor<2x2x1x1x1xf32>) outs(%fill : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>,
                                        affine_map<(d0, d1, d2, d3, d4) -> (d1)>,
                                        affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
         ins(%conv, %b : tensor<1x2x4x4x4xf32>, tensor<2xf32>) outs(%e : tensor<1x2x4x4x4xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<1x2x4x4x4xf32>
  return %y : tensor<1x2x4x4x4xf32>
}

// -----

// Tests that a conv3d with a zero tensor.pad on the three spatial axes is
// observed and equalized before the pad.

// CHECK-LABEL: func.func @conv3d_zero_pad(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x2x4x4x4xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]]
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<1x2x4x4x4xf32>
// CHECK-NEXT: %[[P:.*]] = tensor.pad %[[IEQ]] low[0, 0, 1, 1, 1] high[0, 0, 1, 1, 1]
// CHECK: %[[CONV:.*]] = linalg.conv_3d_ncdhw_fcdhw {{.*}} ins(%[[P]],
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[CONV]] {{.*}} : tensor<1x2x4x4x4xf32>
func.func @conv3d_zero_pad(%x: tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1, 1] high[0, 0, 1, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index, %m: index):
    tensor.yield %zero : f32
  } : tensor<1x2x4x4x4xf32> to tensor<1x2x6x6x6xf32>
  %e = tensor.empty() : tensor<1x2x4x4x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  %conv = linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : tensor<3xi64>, strides = dense<1> : tensor<3xi64>}
            ins(%p, %w : tensor<1x2x6x6x6xf32>, tensor<2x2x3x3x3xf32>) outs(%fill : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  return %conv : tensor<1x2x4x4x4xf32>
}

// -----

// Tests that a relu spelled as a linalg.generic computing
// arith.maximumf(%in, 0.0) is fused: one observer after the relu, none
// between the layer and the relu.

// CHECK-LABEL: func.func @relu_maximumf(
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: eqq.
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM]] : tensor<4x2xf32>)
// CHECK: arith.maximumf
// CHECK: } -> tensor<4x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[R]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @relu_maximumf(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm : tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Tests that the maximumf relu is recognized with the zero first and the
// zero constant defined inside the body.

// CHECK-LABEL: func.func @relu_maximumf_zero_first(
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: eqq.
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM]] : tensor<4x2xf32>)
// CHECK: } -> tensor<4x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[R]]
// CHECK-NEXT: return %[[OUT]]
func.func @relu_maximumf_zero_first(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm : tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %z = arith.constant 0.0 : f32
    %m = arith.maximumf %z, %in : f32
    linalg.yield %m : f32
  } -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Tests that a relu spelled as arith.cmpf ugt + arith.select is fused.

// CHECK-LABEL: func.func @relu_cmpf_select(
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: eqq.
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM]] : tensor<4x2xf32>)
// CHECK: arith.cmpf ugt
// CHECK: arith.select
// CHECK: } -> tensor<4x2xf32>
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[R]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @relu_cmpf_select(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm : tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %pos = arith.cmpf ugt, %in, %zero : f32
    %s = arith.select %pos, %in, %zero : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Tests that a relu spelled as linalg.max with a zero-filled tensor (zeros
// first) is fused.

// CHECK-LABEL: func.func @relu_linalg_max(
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: eqq.
// CHECK: %[[R:.*]] = linalg.max ins(%{{.*}}, %[[MM]] : tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK-NEXT: %[[OUT:.*]] = eqq.act_observer %[[R]] minmax quint8 per_tensor_affine range [0, 127] : tensor<4x2xf32>
// CHECK-NEXT: return %[[OUT]]
func.func @relu_linalg_max(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2 = tensor.empty() : tensor<4x2xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.max ins(%zeros, %mm : tensor<4x2xf32>, tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Tests that a generic computing max(%in, 1.0) is not a relu: the layer's
// output is observed before it and it stays float.

// CHECK-LABEL: func.func @not_relu_max_one(
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NEXT: %[[MM_OBS:.*]] = eqq.act_observer %[[MM]] {{.*}} : tensor<4x2xf32>
// CHECK-NEXT: tensor.empty
// CHECK-NEXT: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM_OBS]] : tensor<4x2xf32>)
// CHECK-NOT: eqq.
// CHECK: return %[[R]]
func.func @not_relu_max_one(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2 = tensor.empty() : tensor<4x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm : tensor<4x2xf32>) outs(%e2 : tensor<4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %one : f32
    linalg.yield %m : f32
  } -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Tests that a relu that is not the sole user of the layer's output is not
// fused: the layer's output is observed (one observer shared by the relu
// and the other user), and the relu, quantized on its own, shares that
// observer (PyTorch's OUTPUT_SHARE_OBSERVER_WITH_INPUT): none on its output.

// CHECK-LABEL: func.func @relu_not_sole_user(
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NEXT: %[[MM_OBS:.*]] = eqq.act_observer %[[MM]] {{.*}} : tensor<4x2xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM_OBS]] : tensor<4x2xf32>)
// CHECK: } -> tensor<4x2xf32>
// CHECK-NEXT: return %[[R]], %[[MM_OBS]]
func.func @relu_not_sole_user(%x: tensor<4x3xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm : tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x2xf32>
  return %r, %mm : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Tests that a standalone relu before a linear (x -> relu -> linear) is
// quantized on its own and shares its input's observer, as in PyTorch: one
// observer on x, none on the relu's output, which the linear reads; the
// linear is still equalized.

// CHECK-LABEL: func.func @relu_before_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] {{.*}} : tensor<4x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[X_OBS]] : tensor<4x3xf32>)
// CHECK: } -> tensor<4x3xf32>
// CHECK-NOT: eqq.act_observer
// CHECK: %[[IEQ:.*]] = eqq.input_eq_observer %[[R]] axis 1
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ]],
func.func @relu_before_linear(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %ex = tensor.empty() : tensor<4x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<4x3xf32>) outs(%ex : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x3xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%r, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that ops that are not layers in the contract's spellings are left
// untouched: a matmul reading W as (k, n) without a transpose, a batch
// matmul, an NHWC conv, a matmul whose init is neither zeros nor a bias, and
// an f16 linear.

// CHECK-LABEL: func.func @not_layers(
// CHECK-NOT: eqq.
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3x2xf32>)
// CHECK-NOT: eqq.
// CHECK: linalg.batch_matmul
// CHECK-NOT: eqq.
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-NOT: eqq.
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<2x3xf32>) outs(%{{.*}} : tensor<4x2xf32>)
// CHECK-NOT: eqq.
// CHECK: linalg.matmul indexing_maps = [{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<4x3xf16>, tensor<2x3xf16>)
// CHECK-NOT: eqq.
// CHECK: return
func.func @not_layers(%x: tensor<4x3xf32>, %xb: tensor<2x4x3xf32>, %img: tensor<1x5x5x2xf32>,
                      %acc: tensor<4x2xf32>, %xh: tensor<4x3xf16>)
    -> (tensor<4x2xf32>, tensor<2x4x2xf32>, tensor<1x3x3x2xf32>, tensor<4x2xf32>, tensor<4x2xf16>) {
  %zero = arith.constant 0.0 : f32
  %w_kn = arith.constant dense<0.5> : tensor<3x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %a = linalg.matmul ins(%x, %w_kn : tensor<4x3xf32>, tensor<3x2xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  %wb = arith.constant dense<0.5> : tensor<2x3x2xf32>
  %eb = tensor.empty() : tensor<2x4x2xf32>
  %fillb = linalg.fill ins(%zero : f32) outs(%eb : tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b = linalg.batch_matmul ins(%xb, %wb : tensor<2x4x3xf32>, tensor<2x3x2xf32>) outs(%fillb : tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %wc = arith.constant dense<0.5> : tensor<3x3x2x2xf32>
  %ec = tensor.empty() : tensor<1x3x3x2xf32>
  %fillc = linalg.fill ins(%zero : f32) outs(%ec : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%img, %wc : tensor<1x5x5x2xf32>, tensor<3x3x2x2xf32>) outs(%fillc : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %d = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  %zh = arith.constant 0.0 : f16
  %wh = arith.constant dense<0.5> : tensor<2x3xf16>
  %eh = tensor.empty() : tensor<4x2xf16>
  %fillh = linalg.fill ins(%zh : f16) outs(%eh : tensor<4x2xf16>) -> tensor<4x2xf16>
  %h = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xh, %wh : tensor<4x3xf16>, tensor<2x3xf16>) outs(%fillh : tensor<4x2xf16>) -> tensor<4x2xf16>
  return %a, %b, %c, %d, %h : tensor<4x2xf32>, tensor<2x4x2xf32>, tensor<1x3x3x2xf32>, tensor<4x2xf32>, tensor<4x2xf16>
}

// -----

// Tests that a function without layers comes out unchanged, op for op.

// CHECK-LABEL: func.func @no_layers(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK-NEXT: %[[T:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4x3xf32>) outs(%[[E]] : tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(
// CHECK-NEXT: math.tanh
// CHECK-NEXT: linalg.yield
// CHECK-NEXT: } -> tensor<4x3xf32>
// CHECK-NEXT: return %[[T]] : tensor<4x3xf32>
// CHECK-NEXT: }
func.func @no_layers(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %th = math.tanh %in : f32
    linalg.yield %th : f32
  } -> tensor<4x3xf32>
  return %t : tensor<4x3xf32>
}

// -----

// Tests that a layer whose input is produced mid-function by a non-layer op
// gets its input observer right after that op, and that every public
// function is a model while a private one is left untouched.

// CHECK-LABEL: func.func @input_from_op(
// CHECK: %[[T:.*]] = linalg.generic
// CHECK: math.tanh
// CHECK: } -> tensor<4x3xf32>
// CHECK-NEXT: %[[T_OBS:.*]] = eqq.act_observer %[[T]] {{.*}} : tensor<4x3xf32>
// CHECK: eqq.input_eq_observer %[[T_OBS]] axis 1
// CHECK-LABEL: func.func @second_model(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// CHECK-NEXT: eqq.act_observer %[[X]]
// CHECK: eqq.input_eq_observer
// CHECK-LABEL: func.func private @helper(
// CHECK-NOT: eqq.
// CHECK: return
func.func @input_from_op(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %ex = tensor.empty() : tensor<4x3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<4x3xf32>) outs(%ex : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %th = math.tanh %in : f32
    linalg.yield %th : f32
  } -> tensor<4x3xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%t, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
func.func @second_model(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
func.func private @helper(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a flatten (collapse_shape) between a conv and a linear shares the
// conv's output observer, as PyTorch shares observers across flatten/view:
// conv input, conv output and linear output are observed, nothing else.
// CHECK-LABEL: func.func @flatten_shares_observer
// CHECK-COUNT-3: eqq.act_observer
// CHECK-NOT: eqq.act_observer
func.func @flatten_shares_observer(%x: tensor<1x2x3x3xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) outs(%f : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %flat = tensor.collapse_shape %c [[0], [1, 2, 3]] : tensor<1x2x3x3xf32> into tensor<1x18xf32>
  %w2 = arith.constant dense<0.25> : tensor<4x18xf32>
  %e2 = tensor.empty() : tensor<1x4xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%flat, %w2 : tensor<1x18xf32>, tensor<4x18xf32>) outs(%f2 : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
