// RUN: eq-opt %s --eqq-convert | FileCheck %s
// RUN: eq-opt %s --eqq-convert --eqq-lower-to-llvm -o /dev/null

// Tests that the integer program of a linear on a higher-rank input reads
// the quantized input collapsed to 2-D, as the float layer did (the collapse
// belongs to the layer), and expands its result back.
// CHECK-LABEL: func.func @linear_3d
// CHECK: %[[Q:.*]] = quant.scast {{.*}} to tensor<2x4x3xi8>
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[Q]] {{\[}}[0, 1], [2]] : tensor<2x4x3xi8> into tensor<8x3xi8>
// CHECK: linalg.generic {{.*}} ins(%[[C]], %{{.*}} : tensor<8x3xi8>, tensor<2x3xi8>) outs(%{{.*}} : tensor<8x2xi32>)
// CHECK: tensor.expand_shape {{.*}} into tensor<2x4x2x!quant.uniform
func.func @linear_3d(%x: tensor<2x4x3xf32>) -> tensor<2x4x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [-3.0, 4.0, -1.0]]> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -1.0>, max_val = array<f32: 1.0>} : tensor<2x4x3xf32>
  %c = tensor.collapse_shape %0 [[0, 1], [2]] : tensor<2x4x3xf32> into tensor<8x3xf32>
  %e = tensor.empty() : tensor<8x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<8x2xf32>) -> tensor<8x2xf32>
  %1 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x3xf32>
  %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%c, %1 : tensor<8x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<8x2xf32>) -> tensor<8x2xf32>
  %ex = tensor.expand_shape %mm [[0, 1], [2]] output_shape [2, 4, 2] : tensor<8x2xf32> into tensor<2x4x2xf32>
  %2 = eqq.act_observer %ex minmax quint8 per_tensor_affine range [0, 127] {min_val = array<f32: -8.0>, max_val = array<f32: 8.0>} : tensor<2x4x2xf32>
  return %2 : tensor<2x4x2xf32>
}
