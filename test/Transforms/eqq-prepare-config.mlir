// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/precedence.json" | FileCheck %s --check-prefix=PREC
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/equalization.json" | FileCheck %s --check-prefix=EQ
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/equalize-only.json" | FileCheck %s --check-prefix=NONE
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/empty.json" | FileCheck %s --check-prefix=NONE

// Configuration files (interface.md section 4) applied to one model: in
// @forward, the linears `top.0` (followed by `relu_0`), `top.1`, `topx.0`,
// `bot.0` and the unnamed `linear_4`; in @conv, the unnamed `conv2d_0`. Each
// layer has its own splat weight (0.5, 1.0, 1.5, 2.0, 2.5) so that the
// checks can tell them apart.

// Tests that qconfig entries apply with module_name > object_type > global
// (precedence.json): global is a plain minmax/per_tensor_affine spec,
// object_type.linear uses moving_average_minmax activations and per-channel
// weights, module_name `top` (a prefix of `top.0` and `top.1`, not of
// `topx.0`) uses histogram activations and a [-127, 127] weight range, and
// module_name `bot.0` is null. The relu has no entry of its own, so global quantizes it and it is
// fused into `top.0`. The file has no `equalization` key, so nothing is
// equalized.

// PREC-LABEL: func.func @forward(
// PREC-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// PREC-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] histogram quint8 per_tensor_affine {bins = 256 : i64} : tensor<4x3xf32>
// top.0: module_name `top`.
// PREC: %[[W1:.*]] = arith.constant dense<5.000000e-01>
// PREC: %[[WOBS1:.*]] = eqq.weight_observer %[[W1]] minmax qint8 per_tensor_symmetric range [-127, 127] {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>}
// PREC-NEXT: %[[MM1:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "top.0"} ins(%[[X_OBS]], %[[WOBS1]] :
// PREC-NOT: eqq.
// PREC: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM1]] :
// PREC: } -> tensor<4x3xf32>
// PREC-NEXT: %[[R_OBS:.*]] = eqq.act_observer %[[R]] histogram quint8 per_tensor_affine {bins = 256 : i64}
// top.1: module_name `top`.
// PREC: %[[W2:.*]] = arith.constant dense<1.000000e+00>
// PREC: %[[WOBS2:.*]] = eqq.weight_observer %[[W2]] minmax qint8 per_tensor_symmetric range [-127, 127]
// PREC-NEXT: %[[MM2:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "top.1"} ins(%[[R_OBS]], %[[WOBS2]] :
// PREC-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[MM2]] histogram quint8 per_tensor_affine {bins = 256 : i64}
// topx.0: object_type `linear` (`top` is no prefix of it).
// PREC: %[[W3:.*]] = arith.constant dense<1.500000e+00>
// PREC: %[[WOBS3:.*]] = eqq.weight_observer %[[W3]] per_channel_minmax qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: 1.500000e+00, 1.500000e+00, 1.500000e+00>}
// PREC-NEXT: %[[MM3:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "topx.0"} ins(%[[OUT2]], %[[WOBS3]] :
// PREC-NEXT: %[[OUT3:.*]] = eqq.act_observer %[[MM3]] moving_average_minmax quint8 per_tensor_affine {averaging_constant = 5.000000e-01 : f32}
// bot.0: null, not quantized: no weight observer, its output is observed only
// as the input of linear_4.
// PREC: %[[W4:.*]] = arith.constant dense<2.000000e+00>
// PREC-NOT: eqq.
// PREC: %[[MM4:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "bot.0"} ins(%[[OUT3]], %[[W4]] :
// PREC-NEXT: %[[OUT4:.*]] = eqq.act_observer %[[MM4]] moving_average_minmax quint8 per_tensor_affine {averaging_constant = 5.000000e-01 : f32}
// linear_4: object_type `linear`.
// PREC: %[[W5:.*]] = arith.constant dense<2.500000e+00>
// PREC: %[[WOBS5:.*]] = eqq.weight_observer %[[W5]] per_channel_minmax qint8 per_channel_symmetric
// PREC-NEXT: %[[MM5:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[OUT4]], %[[WOBS5]] :
// PREC-NEXT: %[[OUT5:.*]] = eqq.act_observer %[[MM5]] moving_average_minmax
// PREC-NEXT: return %[[OUT5]]
// conv2d_0: no object_type entry, global.
// PREC-LABEL: func.func @conv(
// PREC-SAME: %[[CX:[^:]*]]: tensor<1x3x6x6xf32>)
// PREC-NEXT: %[[CX_OBS:.*]] = eqq.act_observer %[[CX]] minmax quint8 per_tensor_affine : tensor<1x3x6x6xf32>
// PREC: %[[CWOBS:.*]] = eqq.weight_observer %{{.*}} minmax qint8 per_tensor_affine {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<2x3x3x3xf32>
// PREC-NEXT: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[CX_OBS]], %[[CWOBS]] :
// PREC-NEXT: eqq.act_observer %[[CONV]] minmax quint8 per_tensor_affine : tensor<1x2x4x4xf32>
// PREC-NOT: eqq.input_eq_observer
// PREC-NOT: eqq.weight_eq_observer

// Tests that equalization entries apply with module_name > object_type >
// global (equalization.json): global "default", object_type.linear null,
// module_name `top.1` "default" and `bot` (a prefix of `bot.0`) a custom
// qint8/per_tensor_affine input and per_channel_affine weight spec. The
// qconfig's module_name `relu_0` null beats its object_type `relu`, so the
// relu stays float: `top.0`'s output is observed before it and the relu's
// output is observed as `top.1`'s input.

// EQ-LABEL: func.func @forward(
// EQ-SAME: %[[X:[^:]*]]: tensor<4x3xf32>)
// EQ-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127]
// top.0: not equalized (object_type null beats global).
// EQ-NOT: eqq.input_eq_observer
// EQ: %[[MM1:.*]] = linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "top.0"} ins(%[[X_OBS]],
// EQ-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[MM1]]
// EQ-NEXT: tensor.empty
// EQ-NEXT: %[[R:.*]] = linalg.generic {{.*}} ins(%[[OUT1]] :
// EQ: } -> tensor<4x3xf32>
// EQ-NEXT: %[[R_OBS:.*]] = eqq.act_observer %[[R]]
// top.1: module_name "default".
// EQ: %[[W2:.*]] = arith.constant dense<1.000000e+00>
// EQ: %[[IEQ2:.*]] = eqq.input_eq_observer %[[R_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<4x3xf32>
// EQ-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric
// EQ-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric
// EQ-NEXT: linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "top.1"} ins(%[[IEQ2]], %[[WOBS2]] :
// topx.0: not equalized.
// EQ-NOT: eqq.input_eq_observer
// EQ: %[[W3:.*]] = arith.constant dense<1.500000e+00>
// EQ-NEXT: tensor.empty
// EQ-NEXT: linalg.fill
// EQ-NEXT: eqq.weight_observer %[[W3]] minmax
// bot.0: module_name prefix `bot`, custom spec.
// EQ: %[[W4:.*]] = arith.constant dense<2.000000e+00>
// EQ: %[[IEQ4:.*]] = eqq.input_eq_observer %{{.*}} axis 1 qint8 per_tensor_affine : tensor<4x3xf32>
// EQ-NEXT: %[[WEQ4:.*]] = eqq.weight_eq_observer %[[W4]] qint8 per_channel_affine {max_val = array<f32: 2.000000e+00, 2.000000e+00, 2.000000e+00>, min_val = array<f32: 2.000000e+00, 2.000000e+00, 2.000000e+00>}
// EQ-NEXT: %[[WOBS4:.*]] = eqq.weight_observer %[[WEQ4]] minmax qint8 per_tensor_symmetric
// EQ-NEXT: linalg.matmul indexing_maps = [{{.*}}] {eqq.layer = "bot.0"} ins(%[[IEQ4]], %[[WOBS4]] :
// linear_4: not equalized.
// EQ-NOT: eqq.input_eq_observer
// EQ: return
// conv2d_0: global "default".
// EQ-LABEL: func.func @conv(
// EQ: eqq.input_eq_observer %{{.*}} axis 1 quint8 per_tensor_symmetric : tensor<1x3x6x6xf32>
// EQ-NEXT: eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric

// Tests that nothing is quantized or equalized when the qconfig matches no
// layer: an equalization section alone equalizes nothing
// (equalize-only.json, global/object_type/module_name empty or null), and
// neither does an empty configuration `{}` (empty.json).

// NONE-LABEL: func.func @forward(
// NONE-NOT: = eqq.
// NONE-LABEL: func.func @conv(
// NONE-NOT: = eqq.
// NONE: return

func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w1 = arith.constant dense<0.5> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4x3xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%zeros1 : tensor<4x3xf32>) -> tensor<4x3xf32> loc("top.0")
  %e2 = tensor.empty() : tensor<4x3xf32>
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
         ins(%mm1 : tensor<4x3xf32>) outs(%e2 : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<4x3xf32>
  %w2 = arith.constant dense<1.0> : tensor<3x3xf32>
  %e3 = tensor.empty() : tensor<4x3xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%relu1, %w2 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%zeros2 : tensor<4x3xf32>) -> tensor<4x3xf32> loc("top.1")
  %w3 = arith.constant dense<1.5> : tensor<3x3xf32>
  %e4 = tensor.empty() : tensor<4x3xf32>
  %zeros3 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm3 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%mm2, %w3 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%zeros3 : tensor<4x3xf32>) -> tensor<4x3xf32> loc("topx.0")
  %w4 = arith.constant dense<2.0> : tensor<3x3xf32>
  %e5 = tensor.empty() : tensor<4x3xf32>
  %zeros4 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%mm3, %w4 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%zeros4 : tensor<4x3xf32>) -> tensor<4x3xf32> loc("bot.0")
  %w5 = arith.constant dense<2.5> : tensor<3x3xf32>
  %e6 = tensor.empty() : tensor<4x3xf32>
  %zeros5 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm5 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%mm4, %w5 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%zeros5 : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %mm5 : tensor<4x3xf32>
}
func.func @conv(%x: tensor<1x3x6x6xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = arith.constant dense<0.5> : tensor<2x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x2x4x4xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w1 : tensor<1x3x6x6xf32>, tensor<2x3x3x3xf32>) outs(%zeros1 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %conv1 : tensor<1x2x4x4xf32>
}
