// RUN: eq-opt %s --eqq-fold-batchnorm | eq-opt --eqq-prepare | FileCheck %s

// Tests that --eqq-fold-batchnorm, run as a stage of its own and printed
// without locations, keeps the layer's name (loc("features.0")) on its op
// (eqq.layer) for --eqq-prepare, instead of the generated conv2d_0.

// CHECK-LABEL: func.func @forward(
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}eqq.layer = "features.0"
func.func @forward(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[4.0, 5.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x3x3xf32>) dimensions = [0, 2, 3]
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> loc("features.0")
  %scale = arith.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %shift = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %bn_empty = tensor.empty() : tensor<1x2x3x3xf32>
  %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale, %shift : tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) outs(%bn_empty : tensor<1x2x3x3xf32>) {
  ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
    %m = arith.mulf %in, %s : f32
    %a = arith.addf %m, %t : f32
    linalg.yield %a : f32
  } -> tensor<1x2x3x3xf32>
  return %bn : tensor<1x2x3x3xf32>
}
