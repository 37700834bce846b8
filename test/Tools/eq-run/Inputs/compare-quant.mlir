// The model of compare-float.mlir quantized in the form --eqq-convert gives
// it, by hand: the input quantized with scale 1/128; fc1 an integer program
// (weights with scale 1/64) with its relu fused, output scale 1/4, named by
// its eqq.layer attribute; fc2 reads fc1's quantized output directly (no
// dequantize between them) and is named by its location (output scale 1/8);
// fc3 stays float.
!qx = !quant.uniform<u8:f32, 7.812500e-03>
!q1 = !quant.uniform<u8:f32, 2.500000e-01>
!q2 = !quant.uniform<u8:f32, 1.250000e-01>
#map_x = affine_map<(m, n, k) -> (m, k)>
#map_w = affine_map<(m, n, k) -> (n, k)>
#map_y = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @forward(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %qx = eqq.quantize %x : tensor<2x2xf32> to tensor<2x2x!qx>
  %sx = quant.scast %qx : tensor<2x2x!qx> to tensor<2x2xi8>
  %zeros = arith.constant dense<0> : tensor<2xi32>
  %ei32 = tensor.empty() : tensor<2x2xi32>
  %acc_init = linalg.broadcast ins(%zeros : tensor<2xi32>) outs(%ei32 : tensor<2x2xi32>) dimensions = [0]
  %ei8 = tensor.empty() : tensor<2x2xi8>
  %no_bias = arith.constant dense<0.0> : tensor<2xf32>

  // fc1: y = x W1^T with relu; requantize multiplier (1/128) * (1/64).
  %w1 = arith.constant dense<[[64, 32], [-32, 64]]> : tensor<2x2xi8>
  %acc1 = linalg.generic {indexing_maps = [#map_x, #map_w, #map_y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sx, %w1 : tensor<2x2xi8>, tensor<2x2xi8>) outs(%acc_init : tensor<2x2xi32>) attrs = {eqq.layer = "fc1"} {
  ^bb0(%a: i8, %b: i8, %c: i32):
    %a32 = arith.extui %a : i8 to i32
    %b32 = arith.extsi %b : i8 to i32
    %p = arith.muli %a32, %b32 : i32
    %s = arith.addi %c, %p : i32
    linalg.yield %s : i32
  } -> tensor<2x2xi32>
  %m1 = arith.constant dense<1.22070313E-4> : tensor<2xf32>
  %rq1 = linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc1, %m1, %no_bias : tensor<2x2xi32>, tensor<2xf32>, tensor<2xf32>) outs(%ei8 : tensor<2x2xi8>) {
  ^bb0(%acc: i32, %mul: f32, %bias: f32, %out: i8):
    %f = arith.sitofp %acc : i32 to f32
    %y = arith.mulf %f, %mul : f32
    %yb = arith.addf %y, %bias : f32
    %inv = arith.constant 4.0 : f32
    %t = arith.mulf %yb, %inv : f32
    %r = math.roundeven %t : f32
    %lo = arith.constant 0.0 : f32
    %hi = arith.constant 255.0 : f32
    %c1 = arith.maximumf %r, %lo : f32
    %c2 = arith.minimumf %c1, %hi : f32
    %i = arith.fptosi %c2 : f32 to i32
    %i8 = arith.trunci %i : i32 to i8
    linalg.yield %i8 : i8
  } -> tensor<2x2xi8>
  %y1 = quant.scast %rq1 : tensor<2x2xi8> to tensor<2x2x!q1>

  // fc2 reads fc1's quantized output; requantize multiplier (1/4) * (1/64).
  %s1 = quant.scast %y1 : tensor<2x2x!q1> to tensor<2x2xi8>
  %w2 = arith.constant dense<[[64, -64], [32, 32]]> : tensor<2x2xi8>
  %acc2 = linalg.generic {indexing_maps = [#map_x, #map_w, #map_y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s1, %w2 : tensor<2x2xi8>, tensor<2x2xi8>) outs(%acc_init : tensor<2x2xi32>) {
  ^bb0(%a: i8, %b: i8, %c: i32):
    %a32 = arith.extui %a : i8 to i32
    %b32 = arith.extsi %b : i8 to i32
    %p = arith.muli %a32, %b32 : i32
    %s = arith.addi %c, %p : i32
    linalg.yield %s : i32
  } -> tensor<2x2xi32> loc("fc2")
  %m2 = arith.constant dense<3.906250e-03> : tensor<2xf32>
  %rq2 = linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc2, %m2, %no_bias : tensor<2x2xi32>, tensor<2xf32>, tensor<2xf32>) outs(%ei8 : tensor<2x2xi8>) {
  ^bb0(%acc: i32, %mul: f32, %bias: f32, %out: i8):
    %f = arith.sitofp %acc : i32 to f32
    %y = arith.mulf %f, %mul : f32
    %yb = arith.addf %y, %bias : f32
    %inv = arith.constant 8.0 : f32
    %t = arith.mulf %yb, %inv : f32
    %r = math.roundeven %t : f32
    %lo = arith.constant 0.0 : f32
    %hi = arith.constant 255.0 : f32
    %c1 = arith.maximumf %r, %lo : f32
    %c2 = arith.minimumf %c1, %hi : f32
    %i = arith.fptosi %c2 : f32 to i32
    %i8 = arith.trunci %i : i32 to i8
    linalg.yield %i8 : i8
  } -> tensor<2x2xi8>
  %y2 = quant.scast %rq2 : tensor<2x2xi8> to tensor<2x2x!q2>
  %d2 = eqq.dequantize %y2 : tensor<2x2x!q2> to tensor<2x2xf32>

  // fc3 stays float.
  %w3 = arith.constant dense<[[2.0, 1.0], [1.0, 0.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y3 = linalg.matmul indexing_maps = [#map_x, #map_w, #map_y]
          ins(%d2, %w3 : tensor<2x2xf32>, tensor<2x2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32> loc("fc3")
  return %y3 : tensor<2x2xf32>
}
