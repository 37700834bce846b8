// RUN: echo '{"qconfig": "onednn"}' > %t.json
// RUN: eq-opt %s --eqq-prepare=config=%t.json | FileCheck %s

// Tests the observers --eqq-prepare places around the CNN ops of the op
// table with PyTorch 1.13's onednn mapping, as prepare_fx does: max and
// average pooling, relu6 and cat share their input's observer (marked
// eqq.shares_observer, no observer of their own); hardswish and mul have
// their own; sigmoid has fixed qparams (scale 1/256 over [0, 1]); SiLU stays
// float, so the cat that reads it observes its input.
// (Exported by tools/eq-export from a conv, max_pool2d, avg_pool2d,
// hardswish, sigmoid, mul, relu6, silu and cat.)

// CHECK-LABEL: func.func @forward
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw
// CHECK: %[[CO:.*]] = eqq.act_observer %[[C]] histogram
// CHECK: %[[MP:.*]] = linalg.pooling_nchw_max {{.*}}eqq.shares_observer{{.*}} ins(%[[CO]],
// CHECK-NOT: eqq.act_observer
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%[[MP]],
// CHECK: %[[AVG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : {{.*}} attrs = {eqq.shares_observer}
// CHECK-NOT: eqq.act_observer
// CHECK: %[[HS:.*]] = linalg.generic {{.*}} ins(%[[AVG]] :
// CHECK: %[[HSO:.*]] = eqq.act_observer %[[HS]] histogram
// CHECK: %[[SIG:.*]] = linalg.generic {{.*}} ins(%[[HSO]] :
// CHECK: math.exp
// CHECK: %[[SIGO:.*]] = eqq.act_observer %[[SIG]] fixed_qparams quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.000000e+00>, min_val = array<f32: 0.000000e+00>}
// CHECK: %[[MUL:.*]] = linalg.generic {{.*}} ins(%[[HSO]], %[[SIGO]] :
// CHECK: %[[MULO:.*]] = eqq.act_observer %[[MUL]] histogram
// CHECK: %[[R6:.*]] = linalg.generic {{.*}} ins(%[[MULO]] : {{.*}} attrs = {eqq.shares_observer}
// CHECK: %[[SILU:.*]] = linalg.generic {{.*}} ins(%[[R6]] :
// CHECK-NOT: eqq.shares_observer
// CHECK: %[[SILUO:.*]] = eqq.act_observer %[[SILU]] histogram
// CHECK: tensor.concat dim(1) %[[SILUO]], %[[R6]] {eqq.shares_observer}
func.func @forward(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x1x1xf32> {
  %c_weight = arith.constant dense<[[[[-0.005293981]], [[0.3793229]]], [[[-0.58198076]], [[-0.5203875]]]]> : tensor<2x2x1x1xf32>
  %c_bias = arith.constant dense<[-0.27234524, 0.18961589]> : tensor<2xf32>
  %c_bias_empty = tensor.empty() : tensor<1x2x4x4xf32>
  %c_init = linalg.broadcast ins(%c_bias : tensor<2xf32>) outs(%c_bias_empty : tensor<1x2x4x4xf32>) dimensions = [0, 2, 3]
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>} ins(%x, %c_weight : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) outs(%c_init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("c")
  %neg_inf = arith.constant 0xFF800000 : f32
  %max_pool2d_empty = tensor.empty() : tensor<1x2x2x2xf32>
  %max_pool2d_fill = linalg.fill ins(%neg_inf : f32) outs(%max_pool2d_empty : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %max_pool2d_window = tensor.empty() : tensor<2x2xf32>
  %max_pool2d = linalg.pooling_nchw_max {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>} ins(%c, %max_pool2d_window : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%max_pool2d_fill : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("max_pool2d")
  %avg_pool2d_sum_empty = tensor.empty() : tensor<1x2x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %avg_pool2d_sum_zeros = linalg.fill ins(%zero : f32) outs(%avg_pool2d_sum_empty : tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %avg_pool2d_window = tensor.empty() : tensor<2x2xf32>
  %avg_pool2d_sum = linalg.pooling_nchw_sum {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>} ins(%max_pool2d, %avg_pool2d_window : tensor<1x2x2x2xf32>, tensor<2x2xf32>) outs(%avg_pool2d_sum_zeros : tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32> loc("avg_pool2d")
  %avg_pool2d_empty = tensor.empty() : tensor<1x2x1x1xf32>
  %avg_pool2d = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%avg_pool2d_sum : tensor<1x2x1x1xf32>) outs(%avg_pool2d_empty : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %cst = arith.constant 4.0 : f32
    %res = arith.divf %in, %cst : f32
    linalg.yield %res : f32
  } -> tensor<1x2x1x1xf32>
  %hardswish_empty = tensor.empty() : tensor<1x2x1x1xf32>
  %hardswish = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%avg_pool2d : tensor<1x2x1x1xf32>) outs(%hardswish_empty : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %three = arith.constant 3.0 : f32
    %lo = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %t0 = arith.addf %in, %three : f32
    %t1 = arith.maximumf %t0, %lo : f32
    %t2 = arith.minimumf %t1, %six : f32
    %t3 = arith.mulf %in, %t2 : f32
    %t4 = arith.divf %t3, %six : f32
    linalg.yield %t4 : f32
  } -> tensor<1x2x1x1xf32> loc("hardswish")
  %sigmoid_empty = tensor.empty() : tensor<1x2x1x1xf32>
  %sigmoid = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%hardswish : tensor<1x2x1x1xf32>) outs(%sigmoid_empty : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %t0 = arith.negf %in : f32
    %t1 = math.exp %t0 : f32
    %t2 = arith.addf %one, %t1 : f32
    %t3 = arith.divf %one, %t2 : f32
    linalg.yield %t3 : f32
  } -> tensor<1x2x1x1xf32> loc("sigmoid")
  %mul_empty = tensor.empty() : tensor<1x2x1x1xf32>
  %mul = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%hardswish, %sigmoid : tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) outs(%mul_empty : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %res = arith.mulf %in, %in_1 : f32
    linalg.yield %res : f32
  } -> tensor<1x2x1x1xf32> loc("mul")
  %relu6_empty = tensor.empty() : tensor<1x2x1x1xf32>
  %relu6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mul : tensor<1x2x1x1xf32>) outs(%relu6_empty : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.constant 0.0 : f32
    %t0 = arith.maximumf %in, %lo : f32
    %hi = arith.constant 6.0 : f32
    %t1 = arith.minimumf %t0, %hi : f32
    linalg.yield %t1 : f32
  } -> tensor<1x2x1x1xf32> loc("relu6")
  %silu_empty = tensor.empty() : tensor<1x2x1x1xf32>
  %silu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%relu6 : tensor<1x2x1x1xf32>) outs(%silu_empty : tensor<1x2x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %t0 = arith.negf %in : f32
    %t1 = math.exp %t0 : f32
    %t2 = arith.addf %one, %t1 : f32
    %t3 = arith.divf %in, %t2 : f32
    linalg.yield %t3 : f32
  } -> tensor<1x2x1x1xf32> loc("silu")
  %cat = tensor.concat dim(1) %silu, %relu6 : (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) -> tensor<1x4x1x1xf32> loc("cat")
  return %cat : tensor<1x4x1x1xf32>
}

