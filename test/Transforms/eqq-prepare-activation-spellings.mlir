// RUN: echo '{"qconfig": "onednn"}' > %t.json
// RUN: eq-opt %s --eqq-prepare=config=%t.json --split-input-file | FileCheck %s

// Tests that an activation is recognized by what its body computes, not by
// its spelling: x / 6 as a multiply by 1/6 (hardswish), the sigmoid as
// exp(x) / (1 + exp(x)), relu6 as minimumf before maximumf. Each gets the
// observer PyTorch gives the op: hardswish its own, the sigmoid fixed
// qparams, relu6 its input's (eqq.shares_observer).

#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @hardswish_times_one_sixth
// CHECK: %[[H:.*]] = linalg.generic
// CHECK: eqq.act_observer %[[H]] histogram
func.func @hardswish_times_one_sixth(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %h = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c3 = arith.constant 3.0 : f32
    %c0 = arith.constant 0.0 : f32
    %c6 = arith.constant 6.0 : f32
    %sixth = arith.constant 0.166666672 : f32
    %t0 = arith.addf %in, %c3 : f32
    %t1 = arith.maxnumf %t0, %c0 : f32
    %t2 = arith.minnumf %t1, %c6 : f32
    %t3 = arith.mulf %t2, %sixth : f32
    %t4 = arith.mulf %in, %t3 : f32
    linalg.yield %t4 : f32
  } -> tensor<2x4xf32>
  return %h : tensor<2x4xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @sigmoid_exp_over_one_plus_exp
// CHECK: %[[S:.*]] = linalg.generic
// CHECK: eqq.act_observer %[[S]] fixed_qparams quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.000000e+00>, min_val = array<f32: 0.000000e+00>}
func.func @sigmoid_exp_over_one_plus_exp(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %t0 = math.exp %in : f32
    %t1 = arith.addf %t0, %one : f32
    %t2 = arith.divf %t0, %t1 : f32
    linalg.yield %t2 : f32
  } -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @relu6_min_then_max
// CHECK: eqq.act_observer %{{.*}} histogram
// CHECK: linalg.generic {{.*}} attrs = {eqq.shares_observer}
// CHECK-NOT: eqq.act_observer
// CHECK: return
func.func @relu6_min_then_max(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %c6 = arith.constant 6.0 : f32
    %t0 = arith.minimumf %in, %c6 : f32
    %t1 = arith.maximumf %t0, %c0 : f32
    linalg.yield %t1 : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// A body that computes none of the table's functions (x * x) is no op of the
// table: it stays float, unobserved.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @square
// CHECK-NOT: eqq.
// CHECK: return
func.func @square(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t0 = arith.mulf %in, %in : f32
    linalg.yield %t0 : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
