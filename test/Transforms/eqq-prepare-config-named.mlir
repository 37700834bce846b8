// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/named-onednn.json" | FileCheck %s --check-prefixes=CHECK,FULL,PERCHANNEL,NOEQ
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/named-x86.json" | FileCheck %s --check-prefixes=CHECK,REDUCED,PERCHANNEL,NOEQ
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/named-fbgemm.json" | FileCheck %s --check-prefixes=CHECK,REDUCED,PERCHANNEL,NOEQ
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/named-qnnpack.json" | FileCheck %s --check-prefixes=CHECK,FULL,PERTENSOR,NOEQ
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/named-onednn-equalization.json" | FileCheck %s --check-prefixes=CHECK,FULL,PERCHANNEL,EQ
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/named-equalization.json" | FileCheck %s --check-prefix=EQONLY

// Named configurations (interface.md section 4): "qconfig": "<backend>" is
// PyTorch 1.13's get_default_qconfig_mapping(backend) on the op table's kinds,
// "equalization": "default" is default_equalization_qconfig on every linear
// and conv. The model: fc1 -> relu -> fc2 -> add(., %y), and a conv.
//
// Every backend: HistogramObserver activations (quint8, per_tensor_affine,
// 2048 bins: no `bins` attribute), with reduce_range on fbgemm and x86 only
// (range [0, 127] instead of [0, 255]; no custom range); weights
// PerChannelMinMaxObserver qint8 per_channel_symmetric on onednn, x86 and
// fbgemm, MinMaxObserver qint8 per_tensor_symmetric on qnnpack (no custom
// range: [-128, 127]). The relu is quantized (fused into fc1: one observer
// after it) and so is the add (global), as in PyTorch's mapping.

// Invalid names, in the style of eqq-prepare-config-errors.mlir: one error
// located in the JSON file naming the key, its line and the accepted names.

// Tests that an unknown backend name is an error listing the backends.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-unknown-backend.json" 2>&1 | FileCheck %s --check-prefix=BACKEND
// BACKEND: {{.*}}Inputs/bad-unknown-backend.json:2:14: error: invalid config (line 2): 'qconfig': unknown configuration "tensorrt"; expected one of: "onednn", "x86", "fbgemm", "qnnpack" or an object
// BACKEND-NOT: func.func

// Tests that a backend name is no equalization name.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-unknown-equalization-name.json" 2>&1 | FileCheck %s --check-prefix=EQNAME
// EQNAME: {{.*}}Inputs/bad-unknown-equalization-name.json:3:19: error: invalid config (line 3): 'equalization': unknown configuration "onednn"; expected "default" or an object
// EQNAME-NOT: func.func

// Tests that a section that is neither a name nor an object is a type error.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-named-wrong-type.json" 2>&1 | FileCheck %s --check-prefix=WRONGTYPE
// WRONGTYPE: {{.*}}Inputs/bad-named-wrong-type.json:2:14: error: invalid config (line 2): 'qconfig' must be an object or one of "onednn", "x86", "fbgemm", "qnnpack", found an array
// WRONGTYPE-NOT: func.func
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-equalization-wrong-type.json" 2>&1 | FileCheck %s --check-prefix=EQWRONGTYPE
// EQWRONGTYPE: {{.*}}Inputs/bad-equalization-wrong-type.json:3:19: error: invalid config (line 3): 'equalization' must be an object or "default", found a boolean
// EQWRONGTYPE-NOT: func.func

// Tests the observers of the linear chain and the add.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>, %[[Y:[^:]*]]: tensor<4x3xf32>)
// FULL-DAG: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]] histogram quint8 per_tensor_affine : tensor<4x3xf32>
// REDUCED-DAG: %[[Y_OBS:.*]] = eqq.act_observer %[[Y]] histogram quint8 per_tensor_affine reduce_range : tensor<4x3xf32>
// FULL-DAG: %[[X_OBS:.*]] = eqq.act_observer %[[X]] histogram quint8 per_tensor_affine : tensor<4x3xf32>
// REDUCED-DAG: %[[X_OBS:.*]] = eqq.act_observer %[[X]] histogram quint8 per_tensor_affine reduce_range : tensor<4x3xf32>
// EQ: %[[X_EQ:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric
// EQ: %[[W1_EQ:.*]] = eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric
// PERCHANNEL: %[[W1:.*]] = eqq.weight_observer %{{.*}} per_channel_minmax qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<3x3xf32>
// PERTENSOR: %[[W1:.*]] = eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<3x3xf32>
// NOEQ-NEXT: %[[MM1:.*]] = linalg.matmul {{.*}} {eqq.layer = "fc1"} ins(%[[X_OBS]], %[[W1]] :
// EQ-NEXT: %[[MM1:.*]] = linalg.matmul {{.*}} {eqq.layer = "fc1"} ins(%[[X_EQ]], %[[W1]] :
// CHECK-NOT: eqq.
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM1]] :
// CHECK: } -> tensor<4x3xf32>
// FULL-NEXT: %[[R_OBS:.*]] = eqq.act_observer %[[R]] histogram quint8 per_tensor_affine : tensor<4x3xf32>
// REDUCED-NEXT: %[[R_OBS:.*]] = eqq.act_observer %[[R]] histogram quint8 per_tensor_affine reduce_range : tensor<4x3xf32>
// EQ: %[[R_EQ:.*]] = eqq.input_eq_observer %[[R_OBS]] axis 1 quint8 per_tensor_symmetric
// The named equalization asks --eqq-convert to select: the observer is marked.
// EQ-SAME: {select}
// EQ: eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric
// PERCHANNEL: %[[W2:.*]] = eqq.weight_observer %{{.*}} per_channel_minmax qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 1.000000e+00, 1.000000e+00>
// PERTENSOR: %[[W2:.*]] = eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00>
// NOEQ-NEXT: %[[MM2:.*]] = linalg.matmul {{.*}} {eqq.layer = "fc2"} ins(%[[R_OBS]], %[[W2]] :
// EQ-NEXT: %[[MM2:.*]] = linalg.matmul {{.*}} {eqq.layer = "fc2"} ins(%[[R_EQ]], %[[W2]] :
// FULL-NEXT: %[[MM2_OBS:.*]] = eqq.act_observer %[[MM2]] histogram quint8 per_tensor_affine : tensor<4x3xf32>
// REDUCED-NEXT: %[[MM2_OBS:.*]] = eqq.act_observer %[[MM2]] histogram quint8 per_tensor_affine reduce_range : tensor<4x3xf32>
// CHECK: %[[SUM:.*]] = linalg.add ins(%[[MM2_OBS]], %[[Y_OBS]] :
// FULL-NEXT: %[[SUM_OBS:.*]] = eqq.act_observer %[[SUM]] histogram quint8 per_tensor_affine : tensor<4x3xf32>
// REDUCED-NEXT: %[[SUM_OBS:.*]] = eqq.act_observer %[[SUM]] histogram quint8 per_tensor_affine reduce_range : tensor<4x3xf32>
// CHECK-NEXT: return %[[SUM_OBS]]

// Tests the conv (object type conv2d).
// CHECK-LABEL: func.func @conv(
// FULL-NEXT: %[[CX_OBS:.*]] = eqq.act_observer %{{.*}} histogram quint8 per_tensor_affine : tensor<1x3x6x6xf32>
// REDUCED-NEXT: %[[CX_OBS:.*]] = eqq.act_observer %{{.*}} histogram quint8 per_tensor_affine reduce_range : tensor<1x3x6x6xf32>
// EQ: %[[CX_EQ:.*]] = eqq.input_eq_observer %[[CX_OBS]] axis 1 quint8 per_tensor_symmetric
// EQ: eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric {{.*}} : tensor<2x3x3x3xf32>
// PERCHANNEL: %[[CW:.*]] = eqq.weight_observer %{{.*}} per_channel_minmax qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01>} : tensor<2x3x3x3xf32>
// PERTENSOR: %[[CW:.*]] = eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<2x3x3x3xf32>
// NOEQ-NEXT: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[CX_OBS]], %[[CW]] :
// EQ-NEXT: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[CX_EQ]], %[[CW]] :
// FULL-NEXT: %[[C_OBS:.*]] = eqq.act_observer %[[CONV]] histogram quint8 per_tensor_affine : tensor<1x2x4x4xf32>
// REDUCED-NEXT: %[[C_OBS:.*]] = eqq.act_observer %[[CONV]] histogram quint8 per_tensor_affine reduce_range : tensor<1x2x4x4xf32>
// CHECK-NEXT: return %[[C_OBS]]

// Tests "equalization": "default" with an object qconfig that quantizes only
// linears (named-equalization.json): both linears are equalized
// (default_equalization_qconfig: per_tensor_symmetric input, per-channel
// weight), the conv is neither quantized nor equalized, the add stays float.
// EQONLY-LABEL: func.func @forward(
// EQONLY: eqq.input_eq_observer %{{.*}} axis 1 quint8 per_tensor_symmetric
// EQONLY: eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric
// EQONLY: eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric
// EQONLY-NEXT: linalg.matmul {{.*}} {eqq.layer = "fc1"}
// EQONLY: eqq.input_eq_observer %{{.*}} axis 1 quint8 per_tensor_symmetric
// EQONLY: eqq.weight_eq_observer %{{.*}} qint8 per_channel_symmetric
// EQONLY: eqq.weight_observer %{{.*}} minmax qint8 per_tensor_symmetric
// EQONLY-NEXT: linalg.matmul {{.*}} {eqq.layer = "fc2"}
// EQONLY: linalg.add
// EQONLY-NOT: eqq.{{[a-z_]*}}_observer
// EQONLY: return
// EQONLY-LABEL: func.func @conv(
// EQONLY-NOT: eqq.{{[a-z_]*}}_observer
// EQONLY: linalg.conv_2d_nchw_fchw
// EQONLY-NOT: eqq.{{[a-z_]*}}_observer
// EQONLY: return

func.func @forward(%x: tensor<4x3xf32>, %y: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w1 = arith.constant dense<0.5> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4x3xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%zeros1 : tensor<4x3xf32>) -> tensor<4x3xf32> loc("fc1")
  %e2 = tensor.empty() : tensor<4x3xf32>
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
         ins(%mm1 : tensor<4x3xf32>) outs(%e2 : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<4x3xf32> loc("relu")
  %w2 = arith.constant dense<1.0> : tensor<3x3xf32>
  %e3 = tensor.empty() : tensor<4x3xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %mm2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%relu1, %w2 : tensor<4x3xf32>, tensor<3x3xf32>) outs(%zeros2 : tensor<4x3xf32>) -> tensor<4x3xf32> loc("fc2")
  %e4 = tensor.empty() : tensor<4x3xf32>
  %sum = linalg.add ins(%mm2, %y : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e4 : tensor<4x3xf32>) -> tensor<4x3xf32> loc("add")
  return %sum : tensor<4x3xf32>
}

func.func @conv(%x: tensor<1x3x6x6xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = arith.constant dense<0.5> : tensor<2x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x2x4x4xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w1 : tensor<1x3x6x6xf32>, tensor<2x3x3x3xf32>) outs(%zeros1 : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("conv")
  return %conv1 : tensor<1x2x4x4xf32>
}
