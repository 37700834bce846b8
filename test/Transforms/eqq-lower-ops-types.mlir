// RUN: eq-opt %s --eqq-lower-ops --split-input-file | FileCheck %s

// Tests that quantized types become their storage types everywhere, not
// only on quantize and dequantize: in a function's signature, in the ops
// between them (a reshape), and through calls and returns.
// CHECK-LABEL: func.func private @callee
// CHECK-SAME: (%[[Q:.*]]: tensor<2x3xi8>) -> tensor<6xi8>
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[Q]] {{\[}}[0, 1]] : tensor<2x3xi8> into tensor<6xi8>
// CHECK: return %[[C]] : tensor<6xi8>
// CHECK-LABEL: func.func @caller
// CHECK: %[[QX:.*]] = linalg.generic
// CHECK: math.roundeven
// CHECK: %[[R:.*]] = call @callee(%[[QX]]) : (tensor<2x3xi8>) -> tensor<6xi8>
// CHECK: linalg.generic {{.*}} ins(%[[R]], %{{.*}}, %{{.*}} : tensor<6xi8>, tensor<1xf32>, tensor<1xf32>)
// CHECK: arith.extsi
// CHECK-NOT: quant.uniform
func.func private @callee(%q: tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>) -> tensor<6x!quant.uniform<i8:f32, 0.5:-3>> {
  %c = tensor.collapse_shape %q [[0, 1]] : tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>> into tensor<6x!quant.uniform<i8:f32, 0.5:-3>>
  return %c : tensor<6x!quant.uniform<i8:f32, 0.5:-3>>
}
func.func @caller(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  %q = eqq.quantize %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>
  %r = func.call @callee(%q) : (tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>) -> tensor<6x!quant.uniform<i8:f32, 0.5:-3>>
  %d = eqq.dequantize %r : tensor<6x!quant.uniform<i8:f32, 0.5:-3>> to tensor<6xf32>
  return %d : tensor<6xf32>
}

// -----

// Tests that ops with regions take the storage types too, block arguments
// included: a loop carrying a quantized tensor.
// CHECK-LABEL: func.func @loop
// CHECK: %[[Q:.*]] = linalg.generic
// CHECK: %[[L:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[Q]]) -> (tensor<4xi8>)
// CHECK-NEXT: scf.yield %[[A]] : tensor<4xi8>
// CHECK: linalg.generic {{.*}} ins(%[[L]], %{{.*}}, %{{.*}} : tensor<4xi8>,
// CHECK-NOT: quant.uniform
func.func @loop(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %q = eqq.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.1:10>>
  %l = scf.for %i = %c0 to %c3 step %c1 iter_args(%a = %q) -> (tensor<4x!quant.uniform<u8:f32, 0.1:10>>) {
    scf.yield %a : tensor<4x!quant.uniform<u8:f32, 0.1:10>>
  }
  %d = eqq.dequantize %l : tensor<4x!quant.uniform<u8:f32, 0.1:10>> to tensor<4xf32>
  return %d : tensor<4xf32>
}
