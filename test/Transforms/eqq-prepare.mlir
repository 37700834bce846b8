// RUN: eq-opt %s --eqq-prepare --split-input-file | FileCheck %s
// RUN: eq-opt %s --eqq-prepare --split-input-file | FileCheck %s --check-prefix=NACT
// RUN: eq-opt %s --eqq-prepare --split-input-file | FileCheck %s --check-prefix=NIEQ
// RUN: eq-opt %s --eqq-prepare --split-input-file | FileCheck %s --check-prefix=NWOBS
// RUN: eq-opt %s --eqq-prepare --split-input-file | FileCheck %s --check-prefix=NWEQ

// The models of PyTorch's test_equalize_fx.py (test_input_weight_equalization_prepare)
// in the input spellings of the interface contract, prepared with the built-in
// default configuration (linear, conv and relu quantized with default_qconfig,
// add float, linear and conv equalized with default_equalization_qconfig).
// Expected observer counts are those of the seed test: a single layer with or
// without relu has 2 activation observers and 1 input-equalization observer,
// two connected layers 3 and 2, two layers with a float add between 4 and 2.
// Every quantized layer has one folded weight observer and every equalized
// layer one folded weight-equalization observer. The NACT, NIEQ, NWOBS and
// NWEQ prefixes count the act_observer, input_eq_observer, weight_observer
// and weight_eq_observer ops of each function; CHECK follows the data flow.

// Tests that SingleLayerLinearModel (fc1: 5 -> 5, bias added after) gets an
// observer on its input and output, an input-equalization observer
// between the input observer and the matmul, and folded weight observers.

// NACT-LABEL: func.func @single_layer_linear(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @single_layer_linear(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @single_layer_linear(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @single_layer_linear(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @single_layer_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WT1:.*]] = linalg.transpose ins(%[[WOBS1]] : tensor<5x5xf32>)
// CHECK-NEXT: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul {eqq.layer = "fc1"} ins(%[[IEQ1]], %[[WT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[MM1]], %[[B1]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[Y1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<5x5xf32>
func.func @single_layer_linear(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x5xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e2 = tensor.empty() : tensor<5x5xf32>
  %wt1 = linalg.transpose ins(%w1 : tensor<5x5xf32>) outs(%e2 : tensor<5x5xf32>) permutation = [1, 0]
  %mm1 = linalg.matmul ins(%x, %wt1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros1 : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc1")
  %e3 = tensor.empty() : tensor<5x5xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm1, %b1 : tensor<5x5xf32>, tensor<5xf32>) outs(%e3 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  return %biased1 : tensor<5x5xf32>
}

// -----

// Tests that TwoLayerLinearModel (fc1: 5 -> 8, fc2: 8 -> 5) shares the
// observer between the layers and equalizes both.

// NACT-LABEL: func.func @two_layer_linear(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @two_layer_linear(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @two_layer_linear(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @two_layer_linear(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @two_layer_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<8x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<8xf32>
// CHECK: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, 1.500000e+00, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -1.250000e+00, -1.500000e+00, -1.500000e+00, -7.500000e-01>} : tensor<8x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<8x5xf32>
// CHECK-NEXT: %[[WT1:.*]] = linalg.transpose ins(%[[WOBS1]] : tensor<8x5xf32>)
// CHECK-NEXT: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul {eqq.layer = "fc1"} ins(%[[IEQ1]], %[[WT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[MM1]], %[[B1]] :
// CHECK: } -> tensor<5x8xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[Y1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x8xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x8xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 1.500000e+00, 2.500000e-01, 1.500000e+00, -5.000000e-01, 7.500000e-01, 1.500000e+00, 0.000000e+00>, min_val = array<f32: 0.000000e+00, -1.500000e+00, -7.500000e-01, 5.000000e-01, -1.500000e+00, -2.500000e-01, -1.500000e+00, -1.000000e+00>} : tensor<5x8xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x8xf32>
// CHECK-NEXT: %[[WT2:.*]] = linalg.transpose ins(%[[WOBS2]] : tensor<5x8xf32>)
// CHECK-NEXT: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<5x8xf32>
// CHECK-NEXT: %[[MM2:.*]] = linalg.matmul {eqq.layer = "fc2"} ins(%[[IEQ2]], %[[WT2]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.generic {{.*}} ins(%[[MM2]], %[[B2]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<5x5xf32>
func.func @two_layer_linear(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0], [1.25, -0.75, 0.5, -1.5, -0.25], [1.0, -1.0, 0.25, 1.5, -0.5], [0.75, -1.25, 0.0, 1.25, -0.75]]> : tensor<8x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0]> : tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x8xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x8xf32>) -> tensor<5x8xf32>
  %e2 = tensor.empty() : tensor<5x8xf32>
  %wt1 = linalg.transpose ins(%w1 : tensor<8x5xf32>) outs(%e2 : tensor<5x8xf32>) permutation = [1, 0]
  %mm1 = linalg.matmul ins(%x, %wt1 : tensor<5x5xf32>, tensor<5x8xf32>) outs(%zeros1 : tensor<5x8xf32>) -> tensor<5x8xf32> loc("fc1")
  %e3 = tensor.empty() : tensor<5x8xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm1, %b1 : tensor<5x8xf32>, tensor<8xf32>) outs(%e3 : tensor<5x8xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x8xf32>
  %w2 = arith.constant dense<[[0.0, 1.25, -0.75, 0.5, -1.5, -0.25, 1.0, -1.0], [0.25, 1.5, -0.5, 0.75, -1.25, 0.0, 1.25, -0.75], [0.5, -1.5, -0.25, 1.0, -1.0, 0.25, 1.5, -0.5], [0.75, -1.25, 0.0, 1.25, -0.75, 0.5, -1.5, -0.25], [1.0, -1.0, 0.25, 1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x8xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e4 = tensor.empty() : tensor<5x5xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e5 = tensor.empty() : tensor<8x5xf32>
  %wt2 = linalg.transpose ins(%w2 : tensor<5x8xf32>) outs(%e5 : tensor<8x5xf32>) permutation = [1, 0]
  %mm2 = linalg.matmul ins(%biased1, %wt2 : tensor<5x8xf32>, tensor<8x5xf32>) outs(%zeros2 : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc2")
  %e6 = tensor.empty() : tensor<5x5xf32>
  %biased2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm2, %b2 : tensor<5x5xf32>, tensor<5xf32>) outs(%e6 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  return %biased2 : tensor<5x5xf32>
}

// -----

// Tests that LinearAddModel (fc1, add 5, fc2) observes the output of the
// float add as fc2's input, leaves the add float and equalizes both layers.

// NACT-LABEL: func.func @linear_add(
// NACT-COUNT-4: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @linear_add(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @linear_add(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @linear_add(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @linear_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<8x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<8xf32>
// CHECK: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, 1.500000e+00, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -1.250000e+00, -1.500000e+00, -1.500000e+00, -7.500000e-01>} : tensor<8x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<8x5xf32>
// CHECK-NEXT: %[[WT1:.*]] = linalg.transpose ins(%[[WOBS1]] : tensor<8x5xf32>)
// CHECK-NEXT: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul {eqq.layer = "fc1"} ins(%[[IEQ1]], %[[WT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[MM1]], %[[B1]] :
// CHECK: } -> tensor<5x8xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[Y1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x8xf32>
// CHECK-NOT: eqq.
// CHECK: %[[ADD1:.*]] = linalg.generic {{.*}} ins(%[[OUT1]] :
// CHECK: arith.addf
// CHECK: } -> tensor<5x8xf32>
// CHECK-NEXT: %[[ADD1_OBS:.*]] = eqq.act_observer %[[ADD1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x8xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x8xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 1.500000e+00, 2.500000e-01, 1.500000e+00, -5.000000e-01, 7.500000e-01, 1.500000e+00, 0.000000e+00>, min_val = array<f32: 0.000000e+00, -1.500000e+00, -7.500000e-01, 5.000000e-01, -1.500000e+00, -2.500000e-01, -1.500000e+00, -1.000000e+00>} : tensor<5x8xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x8xf32>
// CHECK-NEXT: %[[WT2:.*]] = linalg.transpose ins(%[[WOBS2]] : tensor<5x8xf32>)
// CHECK-NEXT: %[[IEQ2:.*]] = eqq.input_eq_observer %[[ADD1_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x8xf32>
// CHECK-NEXT: %[[MM2:.*]] = linalg.matmul {eqq.layer = "fc2"} ins(%[[IEQ2]], %[[WT2]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.generic {{.*}} ins(%[[MM2]], %[[B2]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<5x5xf32>
func.func @linear_add(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0], [1.25, -0.75, 0.5, -1.5, -0.25], [1.0, -1.0, 0.25, 1.5, -0.5], [0.75, -1.25, 0.0, 1.25, -0.75]]> : tensor<8x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0]> : tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x8xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x8xf32>) -> tensor<5x8xf32>
  %e2 = tensor.empty() : tensor<5x8xf32>
  %wt1 = linalg.transpose ins(%w1 : tensor<8x5xf32>) outs(%e2 : tensor<5x8xf32>) permutation = [1, 0]
  %mm1 = linalg.matmul ins(%x, %wt1 : tensor<5x5xf32>, tensor<5x8xf32>) outs(%zeros1 : tensor<5x8xf32>) -> tensor<5x8xf32> loc("fc1")
  %e3 = tensor.empty() : tensor<5x8xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm1, %b1 : tensor<5x8xf32>, tensor<8xf32>) outs(%e3 : tensor<5x8xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x8xf32>
  %e4 = tensor.empty() : tensor<5x8xf32>
  %add1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%biased1 : tensor<5x8xf32>) outs(%e4 : tensor<5x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c5 = arith.constant 5.0 : f32
    %sum = arith.addf %in, %c5 : f32
    linalg.yield %sum : f32
  } -> tensor<5x8xf32>
  %w2 = arith.constant dense<[[0.0, 1.25, -0.75, 0.5, -1.5, -0.25, 1.0, -1.0], [0.25, 1.5, -0.5, 0.75, -1.25, 0.0, 1.25, -0.75], [0.5, -1.5, -0.25, 1.0, -1.0, 0.25, 1.5, -0.5], [0.75, -1.25, 0.0, 1.25, -0.75, 0.5, -1.5, -0.25], [1.0, -1.0, 0.25, 1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x8xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e5 = tensor.empty() : tensor<5x5xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e6 = tensor.empty() : tensor<8x5xf32>
  %wt2 = linalg.transpose ins(%w2 : tensor<5x8xf32>) outs(%e6 : tensor<8x5xf32>) permutation = [1, 0]
  %mm2 = linalg.matmul ins(%add1, %wt2 : tensor<5x8xf32>, tensor<8x5xf32>) outs(%zeros2 : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc2")
  %e7 = tensor.empty() : tensor<5x5xf32>
  %biased2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm2, %b2 : tensor<5x5xf32>, tensor<5xf32>) outs(%e7 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  return %biased2 : tensor<5x5xf32>
}

// -----

// Tests that LinearReluModel (fc, relu) observes the output after the relu,
// with no observer between the layer and the relu.

// NACT-LABEL: func.func @linear_relu(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @linear_relu(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @linear_relu(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @linear_relu(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @linear_relu(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WT1:.*]] = linalg.transpose ins(%[[WOBS1]] : tensor<5x5xf32>)
// CHECK-NEXT: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul {eqq.layer = "fc"} ins(%[[IEQ1]], %[[WT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[MM1]], %[[B1]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[Y1]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<5x5xf32>
func.func @linear_relu(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x5xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e2 = tensor.empty() : tensor<5x5xf32>
  %wt1 = linalg.transpose ins(%w1 : tensor<5x5xf32>) outs(%e2 : tensor<5x5xf32>) permutation = [1, 0]
  %mm1 = linalg.matmul ins(%x, %wt1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros1 : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc")
  %e3 = tensor.empty() : tensor<5x5xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm1, %b1 : tensor<5x5xf32>, tensor<5xf32>) outs(%e3 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  %e4 = tensor.empty() : tensor<5x5xf32>
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%biased1 : tensor<5x5xf32>) outs(%e4 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<5x5xf32>
  return %relu1 : tensor<5x5xf32>
}

// -----

// Tests that LinearReluLinearModel (fc1, relu, fc2) observes after the relu
// only and equalizes both layers.

// NACT-LABEL: func.func @linear_relu_linear(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @linear_relu_linear(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @linear_relu_linear(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @linear_relu_linear(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @linear_relu_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<8x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<8xf32>
// CHECK: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, 1.500000e+00, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -1.250000e+00, -1.500000e+00, -1.500000e+00, -7.500000e-01>} : tensor<8x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<8x5xf32>
// CHECK-NEXT: %[[WT1:.*]] = linalg.transpose ins(%[[WOBS1]] : tensor<8x5xf32>)
// CHECK-NEXT: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul {eqq.layer = "fc1"} ins(%[[IEQ1]], %[[WT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[MM1]], %[[B1]] :
// CHECK: } -> tensor<5x8xf32>
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[Y1]] :
// CHECK: } -> tensor<5x8xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x8xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x8xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 1.000000e+00, 1.500000e+00, 2.500000e-01, 1.500000e+00, -5.000000e-01, 7.500000e-01, 1.500000e+00, 0.000000e+00>, min_val = array<f32: 0.000000e+00, -1.500000e+00, -7.500000e-01, 5.000000e-01, -1.500000e+00, -2.500000e-01, -1.500000e+00, -1.000000e+00>} : tensor<5x8xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x8xf32>
// CHECK-NEXT: %[[WT2:.*]] = linalg.transpose ins(%[[WOBS2]] : tensor<5x8xf32>)
// CHECK-NEXT: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<5x8xf32>
// CHECK-NEXT: %[[MM2:.*]] = linalg.matmul {eqq.layer = "fc2"} ins(%[[IEQ2]], %[[WT2]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.generic {{.*}} ins(%[[MM2]], %[[B2]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<5x5xf32>
func.func @linear_relu_linear(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0], [1.25, -0.75, 0.5, -1.5, -0.25], [1.0, -1.0, 0.25, 1.5, -0.5], [0.75, -1.25, 0.0, 1.25, -0.75]]> : tensor<8x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0]> : tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x8xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x8xf32>) -> tensor<5x8xf32>
  %e2 = tensor.empty() : tensor<5x8xf32>
  %wt1 = linalg.transpose ins(%w1 : tensor<8x5xf32>) outs(%e2 : tensor<5x8xf32>) permutation = [1, 0]
  %mm1 = linalg.matmul ins(%x, %wt1 : tensor<5x5xf32>, tensor<5x8xf32>) outs(%zeros1 : tensor<5x8xf32>) -> tensor<5x8xf32> loc("fc1")
  %e3 = tensor.empty() : tensor<5x8xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm1, %b1 : tensor<5x8xf32>, tensor<8xf32>) outs(%e3 : tensor<5x8xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x8xf32>
  %e4 = tensor.empty() : tensor<5x8xf32>
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%biased1 : tensor<5x8xf32>) outs(%e4 : tensor<5x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<5x8xf32>
  %w2 = arith.constant dense<[[0.0, 1.25, -0.75, 0.5, -1.5, -0.25, 1.0, -1.0], [0.25, 1.5, -0.5, 0.75, -1.25, 0.0, 1.25, -0.75], [0.5, -1.5, -0.25, 1.0, -1.0, 0.25, 1.5, -0.5], [0.75, -1.25, 0.0, 1.25, -0.75, 0.5, -1.5, -0.25], [1.0, -1.0, 0.25, 1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x8xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e5 = tensor.empty() : tensor<5x5xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e6 = tensor.empty() : tensor<8x5xf32>
  %wt2 = linalg.transpose ins(%w2 : tensor<5x8xf32>) outs(%e6 : tensor<8x5xf32>) permutation = [1, 0]
  %mm2 = linalg.matmul ins(%relu1, %wt2 : tensor<5x8xf32>, tensor<8x5xf32>) outs(%zeros2 : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc2")
  %e7 = tensor.empty() : tensor<5x5xf32>
  %biased2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm2, %b2 : tensor<5x5xf32>, tensor<5xf32>) outs(%e7 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  return %biased2 : tensor<5x5xf32>
}

// -----

// Tests that LinearReluAddModel (fc1, relu, add 5, fc2) observes the fused
// relu output and the float add's output.

// NACT-LABEL: func.func @linear_relu_add(
// NACT-COUNT-4: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @linear_relu_add(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @linear_relu_add(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @linear_relu_add(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @linear_relu_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WT1:.*]] = linalg.transpose ins(%[[WOBS1]] : tensor<5x5xf32>)
// CHECK-NEXT: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul {eqq.layer = "fc1"} ins(%[[IEQ1]], %[[WT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[MM1]], %[[B1]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[Y1]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: %[[ADD1:.*]] = linalg.generic {{.*}} ins(%[[OUT1]] :
// CHECK: arith.addf
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[ADD1_OBS:.*]] = eqq.act_observer %[[ADD1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 0.000000e+00, 1.250000e+00, 1.500000e+00, 5.000000e-01, 1.500000e+00>, min_val = array<f32: -1.000000e+00, 2.500000e-01, -1.500000e+00, -5.000000e-01, -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WT2:.*]] = linalg.transpose ins(%[[WOBS2]] : tensor<5x5xf32>)
// CHECK-NEXT: %[[IEQ2:.*]] = eqq.input_eq_observer %[[ADD1_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[MM2:.*]] = linalg.matmul {eqq.layer = "fc2"} ins(%[[IEQ2]], %[[WT2]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.generic {{.*}} ins(%[[MM2]], %[[B2]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<5x5xf32>
func.func @linear_relu_add(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x5xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e2 = tensor.empty() : tensor<5x5xf32>
  %wt1 = linalg.transpose ins(%w1 : tensor<5x5xf32>) outs(%e2 : tensor<5x5xf32>) permutation = [1, 0]
  %mm1 = linalg.matmul ins(%x, %wt1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros1 : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc1")
  %e3 = tensor.empty() : tensor<5x5xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm1, %b1 : tensor<5x5xf32>, tensor<5xf32>) outs(%e3 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  %e4 = tensor.empty() : tensor<5x5xf32>
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%biased1 : tensor<5x5xf32>) outs(%e4 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<5x5xf32>
  %e5 = tensor.empty() : tensor<5x5xf32>
  %add1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%relu1 : tensor<5x5xf32>) outs(%e5 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c5 = arith.constant 5.0 : f32
    %sum = arith.addf %in, %c5 : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  %w2 = arith.constant dense<[[0.0, 1.25, -0.75, 0.5, -1.5], [-0.25, 1.0, -1.0, 0.25, 1.5], [-0.5, 0.75, -1.25, 0.0, 1.25], [-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75]]> : tensor<5x5xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e6 = tensor.empty() : tensor<5x5xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e7 = tensor.empty() : tensor<5x5xf32>
  %wt2 = linalg.transpose ins(%w2 : tensor<5x5xf32>) outs(%e7 : tensor<5x5xf32>) permutation = [1, 0]
  %mm2 = linalg.matmul ins(%add1, %wt2 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros2 : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc2")
  %e8 = tensor.empty() : tensor<5x5xf32>
  %biased2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm2, %b2 : tensor<5x5xf32>, tensor<5xf32>) outs(%e8 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<5x5xf32>
  return %biased2 : tensor<5x5xf32>
}

// -----

// Tests that SingleLayerFunctionalLinearModel (F.linear, 5 -> 5, bias as the
// matmul init, transposed-B matmul) is prepared like the module form.

// NACT-LABEL: func.func @single_layer_functional_linear(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @single_layer_functional_linear(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @single_layer_functional_linear(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @single_layer_functional_linear(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @single_layer_functional_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ1]], %[[WOBS1]] :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[MM1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<5x5xf32>
func.func @single_layer_functional_linear(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e1 = tensor.empty() : tensor<5x5xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e1 : tensor<5x5xf32>) dimensions = [0]
  %mm1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%bb1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  return %mm1 : tensor<5x5xf32>
}

// -----

// Tests that TwoLayerFunctionalLinearModel (two F.linear, bias added by
// linalg.add of a linalg.broadcast) equalizes both layers.

// NACT-LABEL: func.func @two_layer_functional_linear(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @two_layer_functional_linear(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @two_layer_functional_linear(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @two_layer_functional_linear(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @two_layer_functional_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ1]], %[[WOBS1]] :
// CHECK-NOT: eqq.
// CHECK: %[[BB1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.add ins(%[[MM1]], %[[BB1]] :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[Y1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 0.000000e+00, 1.250000e+00, 1.500000e+00, 5.000000e-01, 1.500000e+00>, min_val = array<f32: -1.000000e+00, 2.500000e-01, -1.500000e+00, -5.000000e-01, -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM2:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ2]], %[[WOBS2]] :
// CHECK-NOT: eqq.
// CHECK: %[[BB2:.*]] = linalg.broadcast ins(%[[B2]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.add ins(%[[MM2]], %[[BB2]] :
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<5x5xf32>
func.func @two_layer_functional_linear(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x5xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %mm1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e2 = tensor.empty() : tensor<5x5xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e2 : tensor<5x5xf32>) dimensions = [0]
  %e3 = tensor.empty() : tensor<5x5xf32>
  %biased1 = linalg.add ins(%mm1, %bb1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%e3 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %w2 = arith.constant dense<[[0.0, 1.25, -0.75, 0.5, -1.5], [-0.25, 1.0, -1.0, 0.25, 1.5], [-0.5, 0.75, -1.25, 0.0, 1.25], [-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75]]> : tensor<5x5xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e4 = tensor.empty() : tensor<5x5xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %mm2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%biased1, %w2 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros2 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e5 = tensor.empty() : tensor<5x5xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<5xf32>) outs(%e5 : tensor<5x5xf32>) dimensions = [0]
  %e6 = tensor.empty() : tensor<5x5xf32>
  %biased2 = linalg.add ins(%mm2, %bb2 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%e6 : tensor<5x5xf32>) -> tensor<5x5xf32>
  return %biased2 : tensor<5x5xf32>
}

// -----

// Tests that FunctionalLinearAddModel (F.linear, add 5 as linalg.add of a
// constant, F.linear) keeps the add float and observes its output.

// NACT-LABEL: func.func @functional_linear_add(
// NACT-COUNT-4: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @functional_linear_add(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @functional_linear_add(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @functional_linear_add(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @functional_linear_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ1]], %[[WOBS1]] :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[MM1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: %[[ADD1:.*]] = linalg.add ins(%[[OUT1]], %{{.*}} :
// CHECK-NEXT: %[[ADD1_OBS:.*]] = eqq.act_observer %[[ADD1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT2:.*]] = linalg.broadcast ins(%[[B2]] :
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[ADD1_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 0.000000e+00, 1.250000e+00, 1.500000e+00, 5.000000e-01, 1.500000e+00>, min_val = array<f32: -1.000000e+00, 2.500000e-01, -1.500000e+00, -5.000000e-01, -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM2:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ2]], %[[WOBS2]] :
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[MM2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<5x5xf32>
func.func @functional_linear_add(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e1 = tensor.empty() : tensor<5x5xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e1 : tensor<5x5xf32>) dimensions = [0]
  %mm1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%bb1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e2 = tensor.empty() : tensor<5x5xf32>
  %five1 = arith.constant dense<5.0> : tensor<5x5xf32>
  %add1 = linalg.add ins(%mm1, %five1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%e2 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %w2 = arith.constant dense<[[0.0, 1.25, -0.75, 0.5, -1.5], [-0.25, 1.0, -1.0, 0.25, 1.5], [-0.5, 0.75, -1.25, 0.0, 1.25], [-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75]]> : tensor<5x5xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e3 = tensor.empty() : tensor<5x5xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<5xf32>) outs(%e3 : tensor<5x5xf32>) dimensions = [0]
  %mm2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%add1, %w2 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%bb2 : tensor<5x5xf32>) -> tensor<5x5xf32>
  return %mm2 : tensor<5x5xf32>
}

// -----

// Tests that FunctionalLinearReluModel (F.linear, F.relu as cmpf + select)
// observes the output after the relu.

// NACT-LABEL: func.func @functional_linear_relu(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @functional_linear_relu(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @functional_linear_relu(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @functional_linear_relu(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @functional_linear_relu(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ1]], %[[WOBS1]] :
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[MM1]] :
// CHECK: } -> tensor<5x5xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<5x5xf32>
func.func @functional_linear_relu(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e1 = tensor.empty() : tensor<5x5xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e1 : tensor<5x5xf32>) dimensions = [0]
  %mm1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%bb1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e2 = tensor.empty() : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%mm1 : tensor<5x5xf32>) outs(%e2 : tensor<5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %pos = arith.cmpf ugt, %in, %zero : f32
    %sel = arith.select %pos, %in, %zero : f32
    linalg.yield %sel : f32
  } -> tensor<5x5xf32>
  return %relu1 : tensor<5x5xf32>
}

// -----

// Tests that FunctionalLinearReluLinearModel (F.linear, relu as linalg.max
// with zeros, F.linear) observes after the relu and equalizes both layers.

// NACT-LABEL: func.func @functional_linear_relu_linear(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @functional_linear_relu_linear(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @functional_linear_relu_linear(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @functional_linear_relu_linear(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @functional_linear_relu_linear(
// CHECK-SAME: %[[X:[^:]*]]: tensor<5x5xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 5.000000e-01, 1.500000e+00, -2.500000e-01, 1.000000e+00>, min_val = array<f32: -1.500000e+00, -5.000000e-01, -1.500000e+00, -1.250000e+00, 0.000000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM1:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ1]], %[[WOBS1]] :
// CHECK-NOT: eqq.
// CHECK: %[[BB1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.add ins(%[[MM1]], %[[BB1]] :
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.max ins(%[[Y1]], %{{.*}} :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x5xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 0.000000e+00, 1.250000e+00, 1.500000e+00, 5.000000e-01, 1.500000e+00>, min_val = array<f32: -1.000000e+00, 2.500000e-01, -1.500000e+00, -5.000000e-01, -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5xf32>
// CHECK-NEXT: %[[MM2:.*]] = linalg.matmul indexing_maps = [{{.*}}] ins(%[[IEQ2]], %[[WOBS2]] :
// CHECK-NOT: eqq.
// CHECK: %[[BB2:.*]] = linalg.broadcast ins(%[[B2]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.add ins(%[[MM2]], %[[BB2]] :
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<5x5xf32>
func.func @functional_linear_relu_linear(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w1 = arith.constant dense<[[-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75], [-1.25, 0.0, 1.25, -0.75, 0.5], [-1.5, -0.25, 1.0, -1.0, 0.25], [1.5, -0.5, 0.75, -1.25, 0.0]]> : tensor<5x5xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<5x5xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %mm1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros1 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e2 = tensor.empty() : tensor<5x5xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e2 : tensor<5x5xf32>) dimensions = [0]
  %e3 = tensor.empty() : tensor<5x5xf32>
  %biased1 = linalg.add ins(%mm1, %bb1 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%e3 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e4 = tensor.empty() : tensor<5x5xf32>
  %e5 = tensor.empty() : tensor<5x5xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %relu1 = linalg.max ins(%biased1, %zeros2 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%e4 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %w2 = arith.constant dense<[[0.0, 1.25, -0.75, 0.5, -1.5], [-0.25, 1.0, -1.0, 0.25, 1.5], [-0.5, 0.75, -1.25, 0.0, 1.25], [-0.75, 0.5, -1.5, -0.25, 1.0], [-1.0, 0.25, 1.5, -0.5, 0.75]]> : tensor<5x5xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e6 = tensor.empty() : tensor<5x5xf32>
  %zeros3 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %mm2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%relu1, %w2 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%zeros3 : tensor<5x5xf32>) -> tensor<5x5xf32>
  %e7 = tensor.empty() : tensor<5x5xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<5xf32>) outs(%e7 : tensor<5x5xf32>) dimensions = [0]
  %e8 = tensor.empty() : tensor<5x5xf32>
  %biased2 = linalg.add ins(%mm2, %bb2 : tensor<5x5xf32>, tensor<5x5xf32>) outs(%e8 : tensor<5x5xf32>) -> tensor<5x5xf32>
  return %biased2 : tensor<5x5xf32>
}

// -----

// Tests that ConvModel (conv: 3 -> 5, 3x3, no bias) on a 16x3x224x224
// input is observed and equalized along the channel axis 1.

// NACT-LABEL: func.func @conv_model(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @conv_model(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @conv_model(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @conv_model(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @conv_model(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x3x3x3xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[CONV1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<16x5x222x222xf32>
func.func @conv_model(%x: tensor<16x3x224x224xf32>) -> tensor<16x5x222x222xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x5x222x222xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%zeros1 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("conv")
  return %conv1 : tensor<16x5x222x222xf32>
}

// -----

// Tests that TwoLayerConvModel (conv1: 3 -> 5 3x3, conv2: 5 -> 5 1x1)
// shares the observer between the layers and equalizes both.

// NACT-LABEL: func.func @two_layer_conv(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @two_layer_conv(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @two_layer_conv(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @two_layer_conv(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @two_layer_conv(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x3x3x3xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[CONV1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x5x1x1xf32>
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<16x5x222x222xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 0.000000e+00, 1.250000e+00, 1.500000e+00, 5.000000e-01, 1.500000e+00>, min_val = array<f32: -1.000000e+00, 2.500000e-01, -1.500000e+00, -5.000000e-01, -1.500000e+00>} : tensor<5x5x1x1xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5x1x1xf32>
// CHECK-NEXT: %[[CONV2:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ2]], %[[WOBS2]] : tensor<16x5x222x222xf32>, tensor<5x5x1x1xf32>) outs(%{{.*}} :
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[CONV2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<16x5x222x222xf32>
func.func @two_layer_conv(%x: tensor<16x3x224x224xf32>) -> tensor<16x5x222x222xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x5x222x222xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%zeros1 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("conv1")
  %w2 = arith.constant dense<[[[[0.0]], [[1.25]], [[-0.75]], [[0.5]], [[-1.5]]], [[[-0.25]], [[1.0]], [[-1.0]], [[0.25]], [[1.5]]], [[[-0.5]], [[0.75]], [[-1.25]], [[0.0]], [[1.25]]], [[[-0.75]], [[0.5]], [[-1.5]], [[-0.25]], [[1.0]]], [[[-1.0]], [[0.25]], [[1.5]], [[-0.5]], [[0.75]]]]> : tensor<5x5x1x1xf32>
  %e2 = tensor.empty() : tensor<16x5x222x222xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32>
  %conv2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%conv1, %w2 : tensor<16x5x222x222xf32>, tensor<5x5x1x1xf32>) outs(%zeros2 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("conv2")
  return %conv2 : tensor<16x5x222x222xf32>
}

// -----

// Tests that ConvReluModel (conv with bias in the init, relu) observes the
// output after the relu.

// NACT-LABEL: func.func @conv_relu(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @conv_relu(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @conv_relu(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @conv_relu(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @conv_relu(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x3x3x3xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%[[INIT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[CONV1]] :
// CHECK: } -> tensor<16x5x222x222xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<16x5x222x222xf32>
func.func @conv_relu(%x: tensor<16x3x224x224xf32>) -> tensor<16x5x222x222xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x3x3x3xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e1 = tensor.empty() : tensor<16x5x222x222xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e1 : tensor<16x5x222x222xf32>) dimensions = [0, 2, 3]
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%bb1 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("fc")
  %e2 = tensor.empty() : tensor<16x5x222x222xf32>
  %zero = arith.constant 0.0 : f32
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv1 : tensor<16x5x222x222xf32>) outs(%e2 : tensor<16x5x222x222xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<16x5x222x222xf32>
  return %relu1 : tensor<16x5x222x222xf32>
}

// -----

// Tests that ConvReluConvModel (conv, relu, conv) observes after the relu
// only and equalizes both layers.

// NACT-LABEL: func.func @conv_relu_conv(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @conv_relu_conv(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @conv_relu_conv(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @conv_relu_conv(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @conv_relu_conv(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x3x3x3xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%[[INIT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[CONV1]] :
// CHECK: } -> tensor<16x5x222x222xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x5x1x1xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT2:.*]] = linalg.broadcast ins(%[[B2]] :
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<16x5x222x222xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 0.000000e+00, 1.250000e+00, 1.500000e+00, 5.000000e-01, 1.500000e+00>, min_val = array<f32: -1.000000e+00, 2.500000e-01, -1.500000e+00, -5.000000e-01, -1.500000e+00>} : tensor<5x5x1x1xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5x1x1xf32>
// CHECK-NEXT: %[[CONV2:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ2]], %[[WOBS2]] : tensor<16x5x222x222xf32>, tensor<5x5x1x1xf32>) outs(%[[INIT2]] :
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[CONV2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<16x5x222x222xf32>
func.func @conv_relu_conv(%x: tensor<16x3x224x224xf32>) -> tensor<16x5x222x222xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x3x3x3xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e1 = tensor.empty() : tensor<16x5x222x222xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e1 : tensor<16x5x222x222xf32>) dimensions = [0, 2, 3]
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%bb1 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("fc1")
  %e2 = tensor.empty() : tensor<16x5x222x222xf32>
  %zero = arith.constant 0.0 : f32
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv1 : tensor<16x5x222x222xf32>) outs(%e2 : tensor<16x5x222x222xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<16x5x222x222xf32>
  %w2 = arith.constant dense<[[[[0.0]], [[1.25]], [[-0.75]], [[0.5]], [[-1.5]]], [[[-0.25]], [[1.0]], [[-1.0]], [[0.25]], [[1.5]]], [[[-0.5]], [[0.75]], [[-1.25]], [[0.0]], [[1.25]]], [[[-0.75]], [[0.5]], [[-1.5]], [[-0.25]], [[1.0]]], [[[-1.0]], [[0.25]], [[1.5]], [[-0.5]], [[0.75]]]]> : tensor<5x5x1x1xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e3 = tensor.empty() : tensor<16x5x222x222xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<5xf32>) outs(%e3 : tensor<16x5x222x222xf32>) dimensions = [0, 2, 3]
  %conv2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%relu1, %w2 : tensor<16x5x222x222xf32>, tensor<5x5x1x1xf32>) outs(%bb2 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("fc2")
  return %conv2 : tensor<16x5x222x222xf32>
}

// -----

// Tests that ConvReluAddModel (conv, relu, add 5, conv) observes the fused
// relu output and the float add's output.

// NACT-LABEL: func.func @conv_relu_add(
// NACT-COUNT-4: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @conv_relu_add(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @conv_relu_add(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @conv_relu_add(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @conv_relu_add(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<5x3x3x3xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>, min_val = array<f32: 5.000000e-01, 5.000000e-01, 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 5.000000e-01>, min_val = array<f32: 5.000000e-01>} : tensor<5x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%[[INIT1]] :
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[CONV1]] :
// CHECK: } -> tensor<16x5x222x222xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: %[[ADD1:.*]] = linalg.generic {{.*}} ins(%[[OUT1]] :
// CHECK: arith.addf
// CHECK: } -> tensor<16x5x222x222xf32>
// CHECK-NEXT: %[[ADD1_OBS:.*]] = eqq.act_observer %[[ADD1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<5x5x1x1xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<5xf32>
// CHECK: %[[INIT2:.*]] = linalg.broadcast ins(%[[B2]] :
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[ADD1_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x5x222x222xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 0.000000e+00, 1.250000e+00, 1.500000e+00, 5.000000e-01, 1.500000e+00>, min_val = array<f32: -1.000000e+00, 2.500000e-01, -1.500000e+00, -5.000000e-01, -1.500000e+00>} : tensor<5x5x1x1xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<5x5x1x1xf32>
// CHECK-NEXT: %[[CONV2:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ2]], %[[WOBS2]] : tensor<16x5x222x222xf32>, tensor<5x5x1x1xf32>) outs(%[[INIT2]] :
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[CONV2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x5x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<16x5x222x222xf32>
func.func @conv_relu_add(%x: tensor<16x3x224x224xf32>) -> tensor<16x5x222x222xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x3x3x3xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e1 = tensor.empty() : tensor<16x5x222x222xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<5xf32>) outs(%e1 : tensor<16x5x222x222xf32>) dimensions = [0, 2, 3]
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<5x3x3x3xf32>) outs(%bb1 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("fc1")
  %e2 = tensor.empty() : tensor<16x5x222x222xf32>
  %zero = arith.constant 0.0 : f32
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv1 : tensor<16x5x222x222xf32>) outs(%e2 : tensor<16x5x222x222xf32>) {
  ^bb0(%in: f32, %out: f32):
    %max = arith.maximumf %in, %zero : f32
    linalg.yield %max : f32
  } -> tensor<16x5x222x222xf32>
  %e3 = tensor.empty() : tensor<16x5x222x222xf32>
  %add1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%relu1 : tensor<16x5x222x222xf32>) outs(%e3 : tensor<16x5x222x222xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c5 = arith.constant 5.0 : f32
    %sum = arith.addf %in, %c5 : f32
    linalg.yield %sum : f32
  } -> tensor<16x5x222x222xf32>
  %w2 = arith.constant dense<[[[[0.0]], [[1.25]], [[-0.75]], [[0.5]], [[-1.5]]], [[[-0.25]], [[1.0]], [[-1.0]], [[0.25]], [[1.5]]], [[[-0.5]], [[0.75]], [[-1.25]], [[0.0]], [[1.25]]], [[[-0.75]], [[0.5]], [[-1.5]], [[-0.25]], [[1.0]]], [[[-1.0]], [[0.25]], [[1.5]], [[-0.5]], [[0.75]]]]> : tensor<5x5x1x1xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375, 0.5, 0.625]> : tensor<5xf32>
  %e4 = tensor.empty() : tensor<16x5x222x222xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<5xf32>) outs(%e4 : tensor<16x5x222x222xf32>) dimensions = [0, 2, 3]
  %conv2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%add1, %w2 : tensor<16x5x222x222xf32>, tensor<5x5x1x1xf32>) outs(%bb2 : tensor<16x5x222x222xf32>) -> tensor<16x5x222x222xf32> loc("fc2")
  return %conv2 : tensor<16x5x222x222xf32>
}

// -----

// Tests that SingleLayerFunctionalConvModel (F.conv2d 3 -> 3, bias added
// after) is observed and equalized.

// NACT-LABEL: func.func @single_layer_functional_conv(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @single_layer_functional_conv(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @single_layer_functional_conv(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @single_layer_functional_conv(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @single_layer_functional_conv(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<3x3x3x3xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<3xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.250000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: -1.500000e+00, -1.500000e+00, -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[CONV1]], %[[B1]] :
// CHECK: } -> tensor<16x3x222x222xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[Y1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<16x3x222x222xf32>
func.func @single_layer_functional_conv(%x: tensor<16x3x224x224xf32>) -> tensor<16x3x222x222xf32> {
  %w1 = arith.constant dense<[[[[0.75, -1.25, 0.0], [1.25, -0.75, 0.5], [-1.5, -0.25, 1.0]], [[-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25], [0.0, 1.25, -0.75]], [[0.5, -1.5, -0.25], [1.0, -1.0, 0.25], [1.5, -0.5, 0.75]]], [[[-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5], [-0.25, 1.0, -1.0]], [[0.25, 1.5, -0.5], [0.75, -1.25, 0.0], [1.25, -0.75, 0.5]], [[-1.5, -0.25, 1.0], [-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25]]], [[[0.0, 1.25, -0.75], [0.5, -1.5, -0.25], [1.0, -1.0, 0.25]], [[1.5, -0.5, 0.75], [-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5]], [[-0.25, 1.0, -1.0], [0.25, 1.5, -0.5], [0.75, -1.25, 0.0]]]]> : tensor<3x3x3x3xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x3x222x222xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%zeros1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %e2 = tensor.empty() : tensor<16x3x222x222xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv1, %b1 : tensor<16x3x222x222xf32>, tensor<3xf32>) outs(%e2 : tensor<16x3x222x222xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<16x3x222x222xf32>
  return %biased1 : tensor<16x3x222x222xf32>
}

// -----

// Tests that TwoLayerFunctionalConvModel (two F.conv2d, bias added by
// linalg.add of a broadcast) equalizes both layers.

// NACT-LABEL: func.func @two_layer_functional_conv(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @two_layer_functional_conv(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @two_layer_functional_conv(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @two_layer_functional_conv(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @two_layer_functional_conv(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<3x3x3x3xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<3xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.250000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: -1.500000e+00, -1.500000e+00, -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NOT: eqq.
// CHECK: %[[BB1:.*]] = linalg.broadcast ins(%[[B1]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.add ins(%[[CONV1]], %[[BB1]] :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[Y1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x222x222xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<3x3x3x3xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<3xf32>
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x222x222xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: -1.500000e+00, -1.250000e+00, -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[CONV2:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ2]], %[[WOBS2]] : tensor<16x3x222x222xf32>, tensor<3x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NOT: eqq.
// CHECK: %[[BB2:.*]] = linalg.broadcast ins(%[[B2]] :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.add ins(%[[CONV2]], %[[BB2]] :
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x220x220xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<16x3x220x220xf32>
func.func @two_layer_functional_conv(%x: tensor<16x3x224x224xf32>) -> tensor<16x3x220x220xf32> {
  %w1 = arith.constant dense<[[[[0.75, -1.25, 0.0], [1.25, -0.75, 0.5], [-1.5, -0.25, 1.0]], [[-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25], [0.0, 1.25, -0.75]], [[0.5, -1.5, -0.25], [1.0, -1.0, 0.25], [1.5, -0.5, 0.75]]], [[[-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5], [-0.25, 1.0, -1.0]], [[0.25, 1.5, -0.5], [0.75, -1.25, 0.0], [1.25, -0.75, 0.5]], [[-1.5, -0.25, 1.0], [-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25]]], [[[0.0, 1.25, -0.75], [0.5, -1.5, -0.25], [1.0, -1.0, 0.25]], [[1.5, -0.5, 0.75], [-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5]], [[-0.25, 1.0, -1.0], [0.25, 1.5, -0.5], [0.75, -1.25, 0.0]]]]> : tensor<3x3x3x3xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x3x222x222xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%zeros1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %e2 = tensor.empty() : tensor<16x3x222x222xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<3xf32>) outs(%e2 : tensor<16x3x222x222xf32>) dimensions = [0, 2, 3]
  %e3 = tensor.empty() : tensor<16x3x222x222xf32>
  %biased1 = linalg.add ins(%conv1, %bb1 : tensor<16x3x222x222xf32>, tensor<16x3x222x222xf32>) outs(%e3 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %w2 = arith.constant dense<[[[[1.5, -0.5, 0.75], [-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5]], [[-0.25, 1.0, -1.0], [0.25, 1.5, -0.5], [0.75, -1.25, 0.0]], [[1.25, -0.75, 0.5], [-1.5, -0.25, 1.0], [-1.0, 0.25, 1.5]]], [[[-0.5, 0.75, -1.25], [0.0, 1.25, -0.75], [0.5, -1.5, -0.25]], [[1.0, -1.0, 0.25], [1.5, -0.5, 0.75], [-1.25, 0.0, 1.25]], [[-0.75, 0.5, -1.5], [-0.25, 1.0, -1.0], [0.25, 1.5, -0.5]]], [[[0.75, -1.25, 0.0], [1.25, -0.75, 0.5], [-1.5, -0.25, 1.0]], [[-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25], [0.0, 1.25, -0.75]], [[0.5, -1.5, -0.25], [1.0, -1.0, 0.25], [1.5, -0.5, 0.75]]]]> : tensor<3x3x3x3xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375]> : tensor<3xf32>
  %e4 = tensor.empty() : tensor<16x3x220x220xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<16x3x220x220xf32>) -> tensor<16x3x220x220xf32>
  %conv2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%biased1, %w2 : tensor<16x3x222x222xf32>, tensor<3x3x3x3xf32>) outs(%zeros2 : tensor<16x3x220x220xf32>) -> tensor<16x3x220x220xf32>
  %e5 = tensor.empty() : tensor<16x3x220x220xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<3xf32>) outs(%e5 : tensor<16x3x220x220xf32>) dimensions = [0, 2, 3]
  %e6 = tensor.empty() : tensor<16x3x220x220xf32>
  %biased2 = linalg.add ins(%conv2, %bb2 : tensor<16x3x220x220xf32>, tensor<16x3x220x220xf32>) outs(%e6 : tensor<16x3x220x220xf32>) -> tensor<16x3x220x220xf32>
  return %biased2 : tensor<16x3x220x220xf32>
}

// -----

// Tests that FunctionalConvReluModel (F.conv2d, F.relu as cmpf + select)
// observes the output after the relu.

// NACT-LABEL: func.func @functional_conv_relu(
// NACT-COUNT-2: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @functional_conv_relu(
// NIEQ-COUNT-1: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @functional_conv_relu(
// NWOBS-COUNT-1: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @functional_conv_relu(
// NWEQ-COUNT-1: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @functional_conv_relu(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<3x3x3x3xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<3xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.250000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: -1.500000e+00, -1.500000e+00, -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[CONV1]], %[[B1]] :
// CHECK: } -> tensor<16x3x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.generic {{.*}} ins(%[[Y1]] :
// CHECK: } -> tensor<16x3x222x222xf32>
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT1]] : tensor<16x3x222x222xf32>
func.func @functional_conv_relu(%x: tensor<16x3x224x224xf32>) -> tensor<16x3x222x222xf32> {
  %w1 = arith.constant dense<[[[[0.75, -1.25, 0.0], [1.25, -0.75, 0.5], [-1.5, -0.25, 1.0]], [[-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25], [0.0, 1.25, -0.75]], [[0.5, -1.5, -0.25], [1.0, -1.0, 0.25], [1.5, -0.5, 0.75]]], [[[-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5], [-0.25, 1.0, -1.0]], [[0.25, 1.5, -0.5], [0.75, -1.25, 0.0], [1.25, -0.75, 0.5]], [[-1.5, -0.25, 1.0], [-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25]]], [[[0.0, 1.25, -0.75], [0.5, -1.5, -0.25], [1.0, -1.0, 0.25]], [[1.5, -0.5, 0.75], [-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5]], [[-0.25, 1.0, -1.0], [0.25, 1.5, -0.5], [0.75, -1.25, 0.0]]]]> : tensor<3x3x3x3xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x3x222x222xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%zeros1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %e2 = tensor.empty() : tensor<16x3x222x222xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv1, %b1 : tensor<16x3x222x222xf32>, tensor<3xf32>) outs(%e2 : tensor<16x3x222x222xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<16x3x222x222xf32>
  %e3 = tensor.empty() : tensor<16x3x222x222xf32>
  %relu1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%biased1 : tensor<16x3x222x222xf32>) outs(%e3 : tensor<16x3x222x222xf32>) {
  ^bb0(%in: f32, %out: f32):
    %pos = arith.cmpf ugt, %in, %zero : f32
    %sel = arith.select %pos, %in, %zero : f32
    linalg.yield %sel : f32
  } -> tensor<16x3x222x222xf32>
  return %relu1 : tensor<16x3x222x222xf32>
}

// -----

// Tests that FunctionalConvReluConvModel (F.conv2d, relu as linalg.max,
// F.conv2d) observes after the relu and equalizes both layers.

// NACT-LABEL: func.func @functional_conv_relu_conv(
// NACT-COUNT-3: eqq.act_observer
// NACT-NOT: eqq.act_observer
// NIEQ-LABEL: func.func @functional_conv_relu_conv(
// NIEQ-COUNT-2: eqq.input_eq_observer
// NIEQ-NOT: eqq.input_eq_observer
// NWOBS-LABEL: func.func @functional_conv_relu_conv(
// NWOBS-COUNT-2: eqq.weight_observer
// NWOBS-NOT: eqq.weight_observer
// NWEQ-LABEL: func.func @functional_conv_relu_conv(
// NWEQ-COUNT-2: eqq.weight_eq_observer
// NWEQ-NOT: eqq.weight_eq_observer

// CHECK-LABEL: func.func @functional_conv_relu_conv(
// CHECK-SAME: %[[X:[^:]*]]: tensor<16x3x224x224xf32>)
// CHECK-NEXT: %[[X_OBS:.*]] = eqq.act_observer %[[X]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x224x224xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<3x3x3x3xf32>
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<3xf32>
// CHECK: %[[IEQ1:.*]] = eqq.input_eq_observer %[[X_OBS]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x224x224xf32>
// CHECK-NEXT: %[[WEQ1:.*]] = eqq.weight_eq_observer %[[W1]] qint8 per_channel_symmetric {max_val = array<f32: 1.250000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: -1.500000e+00, -1.500000e+00, -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[WOBS1:.*]] = eqq.weight_observer %[[WEQ1]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[CONV1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ1]], %[[WOBS1]] : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NOT: eqq.
// CHECK: %[[Y1:.*]] = linalg.generic {{.*}} ins(%[[CONV1]], %[[B1]] :
// CHECK: } -> tensor<16x3x222x222xf32>
// CHECK-NOT: eqq.
// CHECK: %[[R1:.*]] = linalg.max ins(%[[Y1]], %{{.*}} :
// CHECK-NEXT: %[[OUT1:.*]] = eqq.act_observer %[[R1]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x222x222xf32>
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<3x3x3x3xf32>
// CHECK: %[[B2:.*]] = arith.constant dense<{{.*}}> : tensor<3xf32>
// CHECK: %[[IEQ2:.*]] = eqq.input_eq_observer %[[OUT1]] axis 1 quint8 per_tensor_symmetric : tensor<16x3x222x222xf32>
// CHECK-NEXT: %[[WEQ2:.*]] = eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric {max_val = array<f32: 1.500000e+00, 1.500000e+00, 1.500000e+00>, min_val = array<f32: -1.500000e+00, -1.250000e+00, -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[WOBS2:.*]] = eqq.weight_observer %[[WEQ2]] minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.500000e+00>, min_val = array<f32: -1.500000e+00>} : tensor<3x3x3x3xf32>
// CHECK-NEXT: %[[CONV2:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[IEQ2]], %[[WOBS2]] : tensor<16x3x222x222xf32>, tensor<3x3x3x3xf32>) outs(%{{.*}} :
// CHECK-NOT: eqq.
// CHECK: %[[Y2:.*]] = linalg.generic {{.*}} ins(%[[CONV2]], %[[B2]] :
// CHECK: } -> tensor<16x3x220x220xf32>
// CHECK-NEXT: %[[OUT2:.*]] = eqq.act_observer %[[Y2]] minmax quint8 per_tensor_affine range [0, 127] : tensor<16x3x220x220xf32>
// CHECK-NOT: eqq.
// CHECK: return %[[OUT2]] : tensor<16x3x220x220xf32>
func.func @functional_conv_relu_conv(%x: tensor<16x3x224x224xf32>) -> tensor<16x3x220x220xf32> {
  %w1 = arith.constant dense<[[[[0.75, -1.25, 0.0], [1.25, -0.75, 0.5], [-1.5, -0.25, 1.0]], [[-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25], [0.0, 1.25, -0.75]], [[0.5, -1.5, -0.25], [1.0, -1.0, 0.25], [1.5, -0.5, 0.75]]], [[[-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5], [-0.25, 1.0, -1.0]], [[0.25, 1.5, -0.5], [0.75, -1.25, 0.0], [1.25, -0.75, 0.5]], [[-1.5, -0.25, 1.0], [-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25]]], [[[0.0, 1.25, -0.75], [0.5, -1.5, -0.25], [1.0, -1.0, 0.25]], [[1.5, -0.5, 0.75], [-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5]], [[-0.25, 1.0, -1.0], [0.25, 1.5, -0.5], [0.75, -1.25, 0.0]]]]> : tensor<3x3x3x3xf32>
  %b1 = arith.constant dense<[0.125, 0.25, 0.375]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x3x222x222xf32>
  %zeros1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %conv1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<16x3x224x224xf32>, tensor<3x3x3x3xf32>) outs(%zeros1 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %e2 = tensor.empty() : tensor<16x3x222x222xf32>
  %biased1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv1, %b1 : tensor<16x3x222x222xf32>, tensor<3xf32>) outs(%e2 : tensor<16x3x222x222xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<16x3x222x222xf32>
  %e3 = tensor.empty() : tensor<16x3x222x222xf32>
  %e4 = tensor.empty() : tensor<16x3x222x222xf32>
  %zeros2 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %relu1 = linalg.max ins(%biased1, %zeros2 : tensor<16x3x222x222xf32>, tensor<16x3x222x222xf32>) outs(%e3 : tensor<16x3x222x222xf32>) -> tensor<16x3x222x222xf32>
  %w2 = arith.constant dense<[[[[1.5, -0.5, 0.75], [-1.25, 0.0, 1.25], [-0.75, 0.5, -1.5]], [[-0.25, 1.0, -1.0], [0.25, 1.5, -0.5], [0.75, -1.25, 0.0]], [[1.25, -0.75, 0.5], [-1.5, -0.25, 1.0], [-1.0, 0.25, 1.5]]], [[[-0.5, 0.75, -1.25], [0.0, 1.25, -0.75], [0.5, -1.5, -0.25]], [[1.0, -1.0, 0.25], [1.5, -0.5, 0.75], [-1.25, 0.0, 1.25]], [[-0.75, 0.5, -1.5], [-0.25, 1.0, -1.0], [0.25, 1.5, -0.5]]], [[[0.75, -1.25, 0.0], [1.25, -0.75, 0.5], [-1.5, -0.25, 1.0]], [[-1.0, 0.25, 1.5], [-0.5, 0.75, -1.25], [0.0, 1.25, -0.75]], [[0.5, -1.5, -0.25], [1.0, -1.0, 0.25], [1.5, -0.5, 0.75]]]]> : tensor<3x3x3x3xf32>
  %b2 = arith.constant dense<[0.125, 0.25, 0.375]> : tensor<3xf32>
  %e5 = tensor.empty() : tensor<16x3x220x220xf32>
  %zeros3 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<16x3x220x220xf32>) -> tensor<16x3x220x220xf32>
  %conv2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%relu1, %w2 : tensor<16x3x222x222xf32>, tensor<3x3x3x3xf32>) outs(%zeros3 : tensor<16x3x220x220xf32>) -> tensor<16x3x220x220xf32>
  %e6 = tensor.empty() : tensor<16x3x220x220xf32>
  %biased2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv2, %b2 : tensor<16x3x220x220xf32>, tensor<3xf32>) outs(%e6 : tensor<16x3x220x220xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %sum = arith.addf %in, %bias : f32
    linalg.yield %sum : f32
  } -> tensor<16x3x220x220xf32>
  return %biased2 : tensor<16x3x220x220xf32>
}
