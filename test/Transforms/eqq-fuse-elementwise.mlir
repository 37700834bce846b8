// RUN: eq-opt %s --split-input-file --eqq-lower-ops --eqq-fuse-elementwise | FileCheck %s

// Tests that an equalization multiply that could not be folded costs
// nothing at run time: --eqq-lower-ops merges it into the quantize that
// reads it (one multiplier per channel, s_c / scale: 2 / 0.1 and 0.5 / 0.1),
// and that quantize fuses with the dequantize after it into one loop with
// one multiply before the rounding.
// CHECK-LABEL: func.func @input_scale
// CHECK: %[[M:.*]] = arith.constant dense<[2.000000e+01, 5.000000e+00]> : tensor<2xf32>
// CHECK-COUNT-1: linalg.generic {{.*}} ins(%arg0, %[[M]] :
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:   %[[X:.*]] = arith.mulf %[[IN]], %[[S]] : f32
// CHECK-NEXT:   math.roundeven %[[X]]
// CHECK-NOT: linalg.generic
func.func @input_scale(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %s = eqq.eq_scale %x axis 1 {scale = array<f32: 2.0, 0.5>} : tensor<3x2xf32>
  %q = eqq.quantize %s : tensor<3x2xf32> to tensor<3x2x!quant.uniform<u8:f32, 0.1:10>>
  %d = eqq.dequantize %q : tensor<3x2x!quant.uniform<u8:f32, 0.1:10>> to tensor<3x2xf32>
  return %d : tensor<3x2xf32>
}

// -----

// Tests that a producer is not fused into a reduction: the quantize stays a
// loop of its own and the integer layer reads its result (fused, it would be
// recomputed once per output column).
// CHECK-LABEL: func.func @not_into_reduction
// CHECK: %[[Q:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[Q]]
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @not_into_reduction(%x: tensor<3x4xf32>, %w: tensor<5x4xi8>) -> tensor<3x5xi32> {
  %q = eqq.quantize %x : tensor<3x4xf32> to tensor<3x4x!quant.uniform<u8:f32, 0.1:10>>
  %s = quant.scast %q : tensor<3x4x!quant.uniform<u8:f32, 0.1:10>> to tensor<3x4xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x5xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<3x5xi32>) -> tensor<3x5xi32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%s, %w : tensor<3x4xi8>, tensor<5x4xi8>) outs(%f : tensor<3x5xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  } -> tensor<3x5xi32>
  return %y : tensor<3x5xi32>
}

// -----

// Tests that a residual add fuses with the dequantizes of its operands and
// the quantize after it into one loop over the int8 tensors, and that the
// requantize after the layer stays a loop of its own: the layer's kernel
// computes it from its accumulators and writes int8 (fused forward, the
// layer would write f32 for the add to read, four times the bytes).
// CHECK-LABEL: func.func @residual_add
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}}"reduction"
// CHECK: %[[REQ:.*]] = linalg.generic {{.*}} ins(%[[ACC]] :
// CHECK: linalg.generic {{.*}} ins(%[[REQ]], %{{.*}} : tensor<3x5xi8>, tensor<3x5xi8>
// CHECK: arith.addf
// CHECK: math.roundeven
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.add
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @residual_add(%x: tensor<3x4xi8>, %w: tensor<5x4xi8>, %skip: tensor<3x5x!quant.uniform<u8:f32, 0.2:3>>) -> tensor<3x5x!quant.uniform<u8:f32, 0.3>> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x5xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<3x5xi32>) -> tensor<3x5xi32>
  %acc = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<3x4xi8>, tensor<5x4xi8>) outs(%f : tensor<3x5xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  } -> tensor<3x5xi32>
  %e8 = tensor.empty() : tensor<3x5xi8>
  %req = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc : tensor<3x5xi32>) outs(%e8 : tensor<3x5xi8>) {
  ^bb0(%in: i32, %out: i8):
    %0 = arith.trunci %in : i32 to i8
    linalg.yield %0 : i8
  } -> tensor<3x5xi8>
  %q = quant.scast %req : tensor<3x5xi8> to tensor<3x5x!quant.uniform<u8:f32, 0.1:10>>
  %d = eqq.dequantize %q : tensor<3x5x!quant.uniform<u8:f32, 0.1:10>> to tensor<3x5xf32>
  %ds = eqq.dequantize %skip : tensor<3x5x!quant.uniform<u8:f32, 0.2:3>> to tensor<3x5xf32>
  %ef = tensor.empty() : tensor<3x5xf32>
  %sum = linalg.add ins(%d, %ds : tensor<3x5xf32>, tensor<3x5xf32>) outs(%ef : tensor<3x5xf32>) -> tensor<3x5xf32>
  %out = eqq.quantize %sum : tensor<3x5xf32> to tensor<3x5x!quant.uniform<u8:f32, 0.3>>
  return %out : tensor<3x5x!quant.uniform<u8:f32, 0.3>>
}

// -----

// Tests that a producer read by two ops is not fused into either: the
// quantize is computed once and the dequantize reads its int8 result, not
// the float input again.
// CHECK-LABEL: func.func @shared_producer
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%arg0
// CHECK: math.roundeven
// CHECK: linalg.generic {{.*}} ins(%[[Q]] :
// CHECK-NOT: math.roundeven
func.func @shared_producer(%x: tensor<3x2xf32>) -> (tensor<3x2x!quant.uniform<u8:f32, 0.1:10>>, tensor<3x2xf32>) {
  %q = eqq.quantize %x : tensor<3x2xf32> to tensor<3x2x!quant.uniform<u8:f32, 0.1:10>>
  %d = eqq.dequantize %q : tensor<3x2x!quant.uniform<u8:f32, 0.1:10>> to tensor<3x2xf32>
  return %q, %d : tensor<3x2x!quant.uniform<u8:f32, 0.1:10>>, tensor<3x2xf32>
}
