// RUN: eq-opt %s --eqq-convert | FileCheck %s

// Tests the int8 program --eqq-convert makes of a max pool whose input is
// quantized: the max of the stored integers (dequantization is monotonic,
// so it is the float max, exactly), the -inf padding and fill as the
// storage minimum.

// A u8 input (x's range [-1, 1.5] on [0, 255]: zero point 102) pooled 3x3
// stride 2 pad 1, the result read as float: unsigned max, 0 for padding,
// dequantized with the input's qparams; no float pool is left.
// CHECK-LABEL: func.func @u8_float_reader
// CHECK: %[[Q:.*]] = eqq.quantize %arg0 : tensor<1x2x5x5xf32> to tensor<1x2x5x5x!quant.uniform<u8:f32, 0.009803921{{[0-9]*}}:102>>
// CHECK: %[[LOW:.*]] = arith.constant 0 : i8
// CHECK: %[[S:.*]] = quant.scast %[[Q]] : {{.*}} to tensor<1x2x5x5xi8>
// CHECK: %[[P:.*]] = tensor.pad %[[S]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[LOW]] : i8
// CHECK: %[[F:.*]] = linalg.fill ins(%[[LOW]] : i8) outs(%{{.*}} : tensor<1x2x3x3xi8>)
// CHECK: %[[M:.*]] = linalg.generic {{.*}}"parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[P]], %{{.*}} : tensor<1x2x7x7xi8>, tensor<3x3xi8>) outs(%[[F]] : tensor<1x2x3x3xi8>)
// CHECK: arith.maxui
// CHECK: %[[MQ:.*]] = quant.scast %[[M]] : tensor<1x2x3x3xi8> to tensor<1x2x3x3x!quant.uniform<u8:f32, 0.009803921{{[0-9]*}}:102>>
// CHECK: %[[D:.*]] = eqq.dequantize %[[MQ]]
// CHECK-NOT: pooling_nchw_max
// CHECK: return %[[D]]
func.func @u8_float_reader(%arg0: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %x = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.5>, min_val = array<f32: -1.0>} : tensor<1x2x5x5xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %ninf : f32
  } : tensor<1x2x5x5xf32> to tensor<1x2x7x7xf32>
  %e = tensor.empty() : tensor<1x2x3x3xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %w = tensor.empty() : tensor<3x3xf32>
  %m = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%p, %w : tensor<1x2x7x7xf32>, tensor<3x3xf32>) outs(%f : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %m : tensor<1x2x3x3xf32>
}

// An s8 input (range [-1, 1] on [-128, 127]) pooled 2x2 stride 2 without
// padding, sharing its observer and read quantized by the next observer's
// copy: signed max, -128 to start, the output quantize is the integer max.
// CHECK-LABEL: func.func @s8_shared
// CHECK: %[[LOW:.*]] = arith.constant -128 : i8
// CHECK: %[[S:.*]] = quant.scast %{{.*}} : {{.*}} to tensor<1x1x4x4xi8>
// CHECK-NOT: tensor.pad
// CHECK: %[[F:.*]] = linalg.fill ins(%[[LOW]] : i8) outs(%{{.*}} : tensor<1x1x2x2xi8>)
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]], %{{.*}} : tensor<1x1x4x4xi8>, tensor<2x2xi8>) outs(%[[F]] : tensor<1x1x2x2xi8>)
// CHECK: arith.maxsi
// CHECK: %[[MQ:.*]] = quant.scast %[[M]] : tensor<1x1x2x2xi8> to tensor<1x1x2x2x!quant.uniform<i8:f32, {{.*}}>>
// CHECK-NOT: eqq.quantize
// CHECK: %[[D:.*]] = eqq.dequantize %[[MQ]]
// CHECK: return %[[D]]
func.func @s8_shared(%arg0: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %x = eqq.act_observer %arg0 minmax qint8 per_tensor_affine range [-128, 127] {max_val = array<f32: 1.0>, min_val = array<f32: -1.0>} : tensor<1x1x4x4xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x1x2x2xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %w = tensor.empty() : tensor<2x2xf32>
  %m = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, eqq.shares_observer, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xf32>, tensor<2x2xf32>) outs(%f : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %y = eqq.act_observer %m minmax qint8 per_tensor_affine range [-128, 127] {max_val = array<f32: 1.0>, min_val = array<f32: -1.0>} : tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
