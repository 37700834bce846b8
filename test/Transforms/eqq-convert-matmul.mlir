// RUN: eq-opt %s --eqq-convert --split-input-file | FileCheck %s

// Tests the int8 program --eqq-convert makes of a product of two activations
// whose inputs and output are observed (attention's scores): the stored
// integers less their zero points (a in [-1, 1.55]: scale 0.01, zero point
// 100; b in [-2, 2]: scale 4/255, zero point 127, as -2 / (4/255) rounds in
// f32), multiplied and summed in i32 with the product's own indexing maps
// (B's broadcast axis too), then requantized with the multiplier sa * sb
// into the output's qparams.

#a = affine_map<(b, m, n, k) -> (b, m, k)>
#b = affine_map<(b, m, n, k) -> (0, k, n)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
// CHECK-LABEL: func.func @scores
// CHECK-DAG: %[[QA:.*]] = eqq.quantize %arg0 : tensor<2x3x4xf32> to tensor<2x3x4x!quant.uniform<u8:f32, 0.0099999{{[0-9]*}}:100>>
// CHECK-DAG: %[[QB:.*]] = eqq.quantize %arg1 : tensor<1x4x5xf32> to tensor<1x4x5x!quant.uniform<u8:f32, 0.015686{{[0-9]*}}:127>>
// CHECK-DAG: %[[SA:.*]] = quant.scast %[[QA]] : {{.*}} to tensor<2x3x4xi8>
// CHECK-DAG: %[[SB:.*]] = quant.scast %[[QB]] : {{.*}} to tensor<1x4x5xi8>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[SA]], %[[SB]] : tensor<2x3x4xi8>, tensor<1x4x5xi8>) outs(%{{.*}} : tensor<2x3x5xi32>)
// CHECK: %[[X:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: %[[XC:.*]] = arith.subi %[[X]], %c100_i32 : i32
// CHECK: %[[Y:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: %[[YC:.*]] = arith.subi %[[Y]], %c127_i32 : i32
// CHECK: %[[P:.*]] = arith.muli %[[XC]], %[[YC]] : i32
// CHECK: arith.addi %{{.*}}, %[[P]] : i32
// The multiplier sa * sb, one per output column.
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}} : tensor<2x3x5xi32>, tensor<5xf32>, tensor<5xf32>) outs(%{{.*}} : tensor<2x3x5xi8>)
// CHECK: math.roundeven
// CHECK: quant.scast %[[R]] : tensor<2x3x5xi8> to tensor<2x3x5x!quant.uniform<u8:f32, 0.0313725{{[0-9]*}}:127>>
// CHECK-NOT: arith.mulf %{{.*}} : f32
// CHECK: return
func.func @scores(%arg0: tensor<2x3x4xf32>, %arg1: tensor<1x4x5xf32>) -> tensor<2x3x5xf32> {
  %a = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.55>, min_val = array<f32: -1.0>} : tensor<2x3x4xf32>
  %b = eqq.act_observer %arg1 minmax quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 2.0>, min_val = array<f32: -2.0>} : tensor<1x4x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x5xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %p = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x3x4xf32>, tensor<1x4x5xf32>) outs(%zeros : tensor<2x3x5xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x3x5xf32>
  %o = eqq.act_observer %p minmax quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 4.0>, min_val = array<f32: -4.0>} : tensor<2x3x5xf32>
  return %o : tensor<2x3x5xf32>
}

// -----

// Tests that a product whose output is not observed stays float (nothing
// asks for its int8 form), its inputs quantized and dequantized in front.
// CHECK-LABEL: func.func @float_output
// CHECK-NOT: i32
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x3xf32>)
// CHECK: arith.mulf
func.func @float_output(%arg0: tensor<2x4xf32>, %arg1: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %a = eqq.act_observer %arg0 minmax quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.0>, min_val = array<f32: -1.0>} : tensor<2x4xf32>
  %b = eqq.act_observer %arg1 minmax quint8 per_tensor_affine range [0, 255] {max_val = array<f32: 1.0>, min_val = array<f32: -1.0>} : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x4xf32>, tensor<4x3xf32>) outs(%zeros : tensor<2x3xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  return %p : tensor<2x3xf32>
}
