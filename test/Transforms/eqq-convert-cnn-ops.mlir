// RUN: eq-opt %s --eqq-convert | FileCheck %s

// Tests the int8 programs --eqq-convert makes of the CNN ops prepare
// quantized: an average pool that shares its input's observer sums the
// stored integers less the zero point in i32 (exact in any order) and rounds
// sum * (1/4) half to even
// into the input's qparams (x's range [-1, 1.5] on [0, 255]: scale 2.5/255,
// zero point 102), as PyTorch's quantized kernels do; a sigmoid with fixed
// qparams is quantized with scale 1/256 and zero point 0.

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @forward
// CHECK: %[[Q:.*]] = eqq.quantize %arg0 : tensor<1x2x4x4xf32> to tensor<1x2x4x4x!quant.uniform<u8:f32, 0.009803921{{[0-9]*}}:102>>
// CHECK: %[[QUARTER:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[S:.*]] = quant.scast %[[Q]] : tensor<1x2x4x4x!quant.uniform<{{.*}}>> to tensor<1x2x4x4xi8>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}"reduction", "reduction"]} ins(%[[S]], %{{.*}} : tensor<1x2x4x4xi8>, tensor<2x2xi8>) outs(%{{.*}} : tensor<1x2x2x2xi32>)
// CHECK: %[[X:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: %[[XC:.*]] = arith.subi %[[X]], %c102_i32 : i32
// CHECK: arith.addi %{{.*}}, %[[XC]] : i32
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x2x2x2xi32>) outs(%{{.*}} : tensor<1x2x2x2xi8>)
// CHECK: %[[F:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK: arith.mulf %[[F]], %[[QUARTER]]
// CHECK: math.roundeven
// CHECK: %[[RQ:.*]] = quant.scast %[[R]] : tensor<1x2x2x2xi8> to tensor<1x2x2x2x!quant.uniform<u8:f32, 0.009803921{{[0-9]*}}:102>>
// CHECK: %[[RD:.*]] = eqq.dequantize %[[RQ]]
// CHECK: %[[SIG:.*]] = linalg.generic {{.*}} ins(%[[RD]] :
// CHECK: eqq.quantize %[[SIG]] : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!quant.uniform<u8:f32, 3.906250e-03>>
func.func @forward(%arg0: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %x = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.5>, min_val = array<f32: -1.0>} : tensor<1x2x4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %sum = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %win : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%zeros : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %e2 = tensor.empty() : tensor<1x2x2x2xf32>
  %avg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sum : tensor<1x2x2x2xf32>) outs(%e2 : tensor<1x2x2x2xf32>) attrs = {eqq.shares_observer} {
  ^bb0(%in: f32, %out: f32):
    %four = arith.constant 4.0 : f32
    %r = arith.divf %in, %four : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x2xf32>
  %e3 = tensor.empty() : tensor<1x2x2x2xf32>
  %sig = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%avg : tensor<1x2x2x2xf32>) outs(%e3 : tensor<1x2x2x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %t0 = arith.negf %in : f32
    %t1 = math.exp %t0 : f32
    %t2 = arith.addf %one, %t1 : f32
    %t3 = arith.divf %one, %t2 : f32
    linalg.yield %t3 : f32
  } -> tensor<1x2x2x2xf32>
  %y = eqq.act_observer %sig fixed_qparams quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.0>, min_val = array<f32: 0.0>} : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
