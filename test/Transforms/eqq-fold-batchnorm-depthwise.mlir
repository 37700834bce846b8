// RUN: eq-opt %s --eqq-fold-batchnorm | FileCheck %s

// Tests that a batch norm after a depthwise conv without bias (MobileNet's
// conv -> BatchNorm2d) folds into the depthwise weight's rows, read as
// PyTorch's C x 1 x KH x KW through the collapse, and becomes its bias in the
// init: W = [2, 3] (1x1 kernels), scale = [0.5, 2], shift = [1, -1] give
// W' = [1, 6] and b' = [1, -1]; the batch norm is gone.

// CHECK-LABEL: func.func @depthwise(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x2x3x3xf32>)
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[1.000000e+00]]], [{{\[}}[6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
// CHECK-DAG: %[[WC:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1], [2], [3]]
// CHECK: %[[Y:.*]] = linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%[[X]], %[[WC]] : {{.*}}) outs(%[[INIT]] : {{.*}})
// CHECK-NEXT: return %[[Y]]
func.func @depthwise(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %scale = arith.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %shift = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<2x1x1x1xf32> into tensor<2x1x1xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wc : tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) outs(%f : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn : tensor<1x2x3x3xf32>
}
