// RUN: echo '{"qconfig": {"object_type": {"silu": "default", "max_pool": "default"}}}' > %t.json
// RUN: eq-opt %s --eqq-prepare=config=%t.json --verify-diagnostics | FileCheck %s

// Tests that an op PyTorch's backend configuration does not quantize (SiLU)
// stays float with a warning naming it when the configuration asks to
// quantize it, while a max pool the same configuration names is quantized
// (sharing its input's observer).

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @forward
// CHECK: %[[X:.*]] = eqq.act_observer %arg0
// CHECK: linalg.pooling_nchw_max {{.*}}eqq.shares_observer{{.*}} ins(%[[X]],
// CHECK-NOT: eqq.act_observer
// CHECK: return
func.func @forward(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  // expected-warning @+1 {{'silu_0' (silu) stays float: the configuration asks to quantize it, but PyTorch's backend configuration has no quantized silu (nn.SiLU, F.silu)}}
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x4x4xf32>) outs(%e : tensor<1x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %t0 = arith.negf %in : f32
    %t1 = math.exp %t0 : f32
    %t2 = arith.addf %one, %t1 : f32
    %t3 = arith.divf %in, %t2 : f32
    linalg.yield %t3 : f32
  } -> tensor<1x2x4x4xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %pe = tensor.empty() : tensor<1x2x2x2xf32>
  %fill = linalg.fill ins(%ninf : f32) outs(%pe : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %win : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%fill : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %p : tensor<1x2x2x2xf32>
}
