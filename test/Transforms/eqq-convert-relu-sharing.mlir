// RUN: eq-opt %s --eqq-convert --split-input-file | FileCheck %s

// Tests that a standalone relu in front of a layer, which prepare gave no
// observer of its own (it shares its input's, as PyTorch's backend
// configuration says), is quantized with its input's qparams: x's range
// [-2, 2] with default_qconfig's [0, 127] gives scale 4/127 and zero point
// 64 for x and for relu(x), and the linear becomes an integer program
// reading the quantized relu output.

// CHECK-LABEL: func.func @forward(
// CHECK: %[[XQ:.*]] = eqq.quantize %{{.*}} : tensor<4x3xf32> to tensor<4x3x!quant.uniform<u8:f32, 0.031496062874794006:64>>
// CHECK: %[[XD:.*]] = eqq.dequantize %[[XQ]]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[XD]] : tensor<4x3xf32>)
// CHECK: arith.maximumf
// CHECK: %[[RQ:.*]] = eqq.quantize %[[R]] : tensor<4x3xf32> to tensor<4x3x!quant.uniform<u8:f32, 0.031496062874794006:64>>
// CHECK: %[[RI:.*]] = quant.scast %[[RQ]]
// CHECK: linalg.generic {{.*}} ins(%[[RI]], %{{.*}} : tensor<4x3xi8>, tensor<2x3xi8>) {{.*}} attrs = {eqq.layer = "fc"}
func.func @forward(%arg0: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.0>, min_val = array<f32: -2.0>} : tensor<4x3xf32>
  %cst = arith.constant dense<[[5.000000e-01, -2.500000e-01, 1.000000e+00], [7.500000e-01, 5.000000e-01, -1.000000e+00]]> : tensor<2x3xf32>
  %cst_0 = arith.constant 0.000000e+00 : f32
  %1 = tensor.empty() : tensor<4x3xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<4x3xf32>) outs(%1 : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %8 = arith.maximumf %in, %cst_0 : f32
    linalg.yield %8 : f32
  } -> tensor<4x3xf32>
  %3 = tensor.empty() : tensor<4x2xf32>
  %4 = linalg.fill ins(%cst_0 : f32) outs(%3 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %5 = eqq.weight_observer %cst minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00>, min_val = array<f32: -1.000000e+00>} : tensor<2x3xf32>
  %6 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] {eqq.layer = "fc"} ins(%2, %5 : tensor<4x3xf32>, tensor<2x3xf32>) outs(%4 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %7 = eqq.act_observer %6 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.0>, min_val = array<f32: -2.0>} : tensor<4x2xf32>
  return %7 : tensor<4x2xf32>
}

// -----

// Tests that the same relu in front of an equalized linear gives the scaled
// input (x * s after the relu) an observer of its own, a copy of the shared
// one (x's settings) with the range of the scaled values, so the linear is
// still an integer program. Input-equalization statistics: relu(x) in
// [0, 1], [0, 2], [0, 4] per channel; weight columns [0.5, 0.75],
// [-0.25, 0.5], [-1, 1]: s = sqrt(range(W col) / range(x col)) =
// [0.5, 0.61237246, 0.70710677], so the scaled values reach at most
// max(1 * 0.5, 2 * 0.61237246, 4 * 0.70710677) = 2.828427 and 0 at least:
// scale 2.828427 / 127, zero point 0.

// CHECK-LABEL: func.func @equalized(
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: %[[S:.*]] = eqq.eq_scale %[[R]] axis 1 {scale = array<f32: 5.000000e-01, 0.612372{{[0-9]*}}, 0.707106{{[0-9]*}}>}
// CHECK: %[[SQ:.*]] = eqq.quantize %[[S]] : tensor<4x3xf32> to tensor<4x3x!quant.uniform<u8:f32, 0.0222710{{[0-9]*}}>>
// CHECK: %[[SI:.*]] = quant.scast %[[SQ]]
// CHECK: linalg.generic {{.*}} ins(%[[SI]], %{{.*}} : tensor<4x3xi8>, tensor<2x3xi8>) {{.*}} attrs = {eqq.layer = "fc"}
func.func @equalized(%arg0: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %0 = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.0>, min_val = array<f32: -2.0>} : tensor<4x3xf32>
  %cst = arith.constant dense<[[5.000000e-01, -2.500000e-01, 1.000000e+00], [7.500000e-01, 5.000000e-01, -1.000000e+00]]> : tensor<2x3xf32>
  %cst_0 = arith.constant 0.000000e+00 : f32
  %1 = tensor.empty() : tensor<4x3xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<4x3xf32>) outs(%1 : tensor<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %10 = arith.maximumf %in, %cst_0 : f32
    linalg.yield %10 : f32
  } -> tensor<4x3xf32>
  %3 = tensor.empty() : tensor<4x2xf32>
  %4 = linalg.fill ins(%cst_0 : f32) outs(%3 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %5 = eqq.input_eq_observer %2 axis 1 quint8 per_tensor_symmetric {max_val = array<f32: 1.0, 2.0, 4.0>, min_val = array<f32: 0.0, 0.0, 0.0>} : tensor<4x3xf32>
  %6 = eqq.weight_eq_observer %cst qint8 per_channel_symmetric {max_val = array<f32: 7.500000e-01, 5.000000e-01, 1.000000e+00>, min_val = array<f32: 5.000000e-01, -2.500000e-01, -1.000000e+00>} : tensor<2x3xf32>
  %7 = eqq.weight_observer %6 minmax qint8 per_tensor_symmetric {max_val = array<f32: 1.000000e+00>, min_val = array<f32: -1.000000e+00>} : tensor<2x3xf32>
  %8 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] {eqq.layer = "fc"} ins(%5, %7 : tensor<4x3xf32>, tensor<2x3xf32>) outs(%4 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %9 = eqq.act_observer %8 minmax quint8 per_tensor_affine range [0, 127] {max_val = array<f32: 2.0>, min_val = array<f32: -2.0>} : tensor<4x2xf32>
  return %9 : tensor<4x2xf32>
}
