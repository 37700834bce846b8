// RUN: eq-opt %s --split-input-file --eqq-convert="quantize=false" | FileCheck %s
// RUN: eq-opt %s --split-input-file --eqq-convert="quantize=false fold=false" | FileCheck %s --check-prefix=NOFOLD

// Tests the scale s_j = sqrt(range(W[:, j]) / range(x[:, j])) and where it
// goes for a single layer: an eq_scale on the input, weight columns times
// 1/s. Column 0: sqrt(4 / 1) = 2; column 1: sqrt(1 / 4) = 0.5.
// CHECK-LABEL: func.func @single
// CHECK-NOT: eqq.act_observer
// CHECK: %[[S:.*]] = eqq.eq_scale %arg0 axis 1 {scale = array<f32: 2.000000e+00, 5.000000e-01>}
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.000000e+00], [-1.500000e+00, 0.000000e+00]]>
// CHECK: linalg.matmul {{.*}} ins(%[[S]], %[[W]]
func.func @single(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<3x2xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, -1.0>, max_val = array<f32: 1.0, 3.0>} : tensor<3x2xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%1, %3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %4 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -5.0>, max_val = array<f32: 5.0>} : tensor<3x2xf32>
  return %4 : tensor<3x2xf32>
}

// -----

// Tests that a layer's scale folds into the previous layer's rows and bias
// through a relu (fc2's s = [2, 0.5]), leaving no multiply between them.
// CHECK-LABEL: func.func @fold_through_relu
// CHECK-COUNT-1: eqq.eq_scale
// CHECK-DAG: arith.constant dense<{{\[\[}}2.000000e+00, 2.000000e+00], [5.000000e-01, 5.000000e-01]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<[2.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-NOT: eqq.eq_scale
// CHECK: return
// With fold=false, fc1 keeps its weights and fc2's input is multiplied.
// NOFOLD-LABEL: func.func @fold_through_relu
// NOFOLD: eqq.eq_scale %arg0
// NOFOLD: linalg.generic
// NOFOLD: eqq.eq_scale %{{.*}} axis 1 {scale = array<f32: 2.000000e+00, 5.000000e-01>}
func.func @fold_through_relu(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<2x2xf32>
  %b1 = arith.constant dense<1.0> : tensor<2xf32>
  %w2 = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<3x2xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0>, max_val = array<f32: 1.0, 1.0>} : tensor<3x2xf32>
  %2 = eqq.weight_eq_observer %w1 qint8 per_channel_symmetric : tensor<2x2xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %i1 = linalg.broadcast ins(%b1 : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%1, %3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%i1 : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc1")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y1 : tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  %4 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 3.0>} : tensor<3x2xf32>
  %5 = eqq.input_eq_observer %4 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, -1.0>, max_val = array<f32: 1.0, 3.0>} : tensor<3x2xf32>
  %6 = eqq.weight_eq_observer %w2 qint8 per_channel_symmetric : tensor<2x2xf32>
  %7 = eqq.weight_observer %6 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%5, %7 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  %8 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -5.0>, max_val = array<f32: 5.0>} : tensor<3x2xf32>
  return %8 : tensor<3x2xf32>
}

// -----

// Tests that a previous layer whose output also feeds a residual add does
// not take the scale (its other consumer would see scaled values): the
// equalized layer's input is multiplied instead.
// CHECK-LABEL: func.func @shared_output
// CHECK: %[[Y1:.*]] = linalg.matmul
// CHECK: eqq.eq_scale %[[Y1]] axis 1 {scale = array<f32: 2.000000e+00, 5.000000e-01>}
// CHECK: linalg.add ins(%[[Y1]],
func.func @shared_output(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[1.0, 1.0], [-3.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %3 = eqq.weight_observer %w1 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<3x2xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%0, %3 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc1")
  %4 = eqq.act_observer %y1 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 3.0>} : tensor<3x2xf32>
  %5 = eqq.input_eq_observer %4 axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, -1.0>, max_val = array<f32: 1.0, 3.0>} : tensor<3x2xf32>
  %6 = eqq.weight_eq_observer %w2 qint8 per_channel_symmetric : tensor<2x2xf32>
  %7 = eqq.weight_observer %6 minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%5, %7 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32> loc("fc2")
  %8 = eqq.act_observer %y2 minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -5.0>, max_val = array<f32: 5.0>} : tensor<3x2xf32>
  %sum = linalg.add ins(%4, %8 : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %sum : tensor<3x2xf32>
}

// -----

// Tests that an equalized linear reading a flattened conv output gets its
// multiply and a scaled observer of the flattened shape (not the conv's).
// CHECK-LABEL: func.func @flatten
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape
// CHECK: eqq.eq_scale %[[FLAT]] axis 1 {{.*}} : tensor<1x4xf32>
func.func @flatten(%x: tensor<1x1x2x2xf32>) -> tensor<1x2xf32> {
  %wc = arith.constant dense<1.0> : tensor<1x1x1x1xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %ec = tensor.empty() : tensor<1x1x2x2xf32>
  %fc = linalg.fill ins(%zero : f32) outs(%ec : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<1x1x2x2xf32>
  %1 = eqq.weight_observer %wc minmax qint8 per_tensor_symmetric : tensor<1x1x1x1xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%0, %1 : tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) outs(%fc : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %2 = eqq.act_observer %c minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<1x1x2x2xf32>
  %flat = tensor.collapse_shape %2 [[0], [1, 2, 3]] : tensor<1x1x2x2xf32> into tensor<1x4xf32>
  %3 = eqq.input_eq_observer %flat axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0, 0.0, 0.0>, max_val = array<f32: 1.0, 1.0, 1.0, 1.0>} : tensor<1x4xf32>
  %4 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x4xf32>
  %5 = eqq.weight_observer %4 minmax qint8 per_tensor_symmetric : tensor<2x4xf32>
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%3, %5 : tensor<1x4xf32>, tensor<2x4xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  %6 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 10.0>} : tensor<1x2xf32>
  return %6 : tensor<1x2xf32>
}
