// RUN: eq-opt %s --split-input-file --eqq-convert --verify-diagnostics | FileCheck %s

// Tests the integer program of a linear + relu (no equalization): quantize at
// entry, a u8 x s8 -> i32 generic starting from -zx * sum(W) per output
// channel, a requantize generic with a fused relu, dequantize at exit.
// Input range [-1, 2] over [0, 127]: scale 3/127, zero point 42;
// W = 1 (symmetric qint8, scale 1/127.5, stored 127): -42 * 2 * 127 = -10668.
// CHECK-LABEL: func.func @linear_relu
// CHECK: %[[Q:.*]] = eqq.quantize %arg0 : tensor<3x2xf32> to tensor<3x2x!quant.uniform<u8:f32, 0.023622047156095505:42>>
// CHECK: %[[S:.*]] = quant.scast %[[Q]] : {{.*}} to tensor<3x2xi8>
// CHECK: arith.constant dense<-10668> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[S]], %{{.*}} : tensor<3x2xi8>, tensor<2x2xi8>)
// CHECK:   arith.extui
// CHECK:   arith.extsi
// CHECK:   arith.muli
// CHECK: %[[RQ:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}} : tensor<3x2xi32>, tensor<2xf32>, tensor<2xf32>)
// CHECK:   math.roundeven
// CHECK:   arith.fptosi
// CHECK: %[[OUT:.*]] = quant.scast %[[RQ]] : tensor<3x2xi8> to tensor<3x2x!quant.uniform<u8:f32, 0.031496062874794006>>
// CHECK: %[[D:.*]] = eqq.dequantize %[[OUT]]
// CHECK-NOT: linalg.matmul
// CHECK: return %[[D]]
func.func @linear_relu(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<3x2xf32>
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%0, %1 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  %2 = eqq.act_observer %r minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: 0.0>, max_val = array<f32: 4.0>} : tensor<3x2xf32>
  return %2 : tensor<3x2xf32>
}

// -----

// Tests that converting without statistics is an error naming the observer.
func.func @uncalibrated(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{activation observer holds no statistics; run --eqq-calibrate first (or give recipe-in=)}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] : tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Tests that per_channel_affine_float_qparams weights are rejected for layers.
func.func @float_qparams(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {min_val = array<f32: -1.0>, max_val = array<f32: 2.0>} : tensor<3x2xf32>
  // expected-error @+1 {{per_channel_affine_float_qparams weights are not supported for linear and conv layers}}
  %1 = eqq.weight_observer %w per_channel_minmax quint8 per_channel_affine_float_qparams : tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%0, %1 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %2 = eqq.act_observer %y minmax quint8 per_tensor_affine {min_val = array<f32: 0.0>, max_val = array<f32: 4.0>} : tensor<3x2xf32>
  return %2 : tensor<3x2xf32>
}
