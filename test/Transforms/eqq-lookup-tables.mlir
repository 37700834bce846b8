// RUN: eq-opt %s --split-input-file --eqq-lookup-tables --mlir-print-elementsattrs-with-hex-if-larger=1024 | FileCheck %s

// Tests a dequantize, SiLU, requantize chain of one u8 value: the body reads
// a 256-entry table at the input's unsigned value; no exp is left. The
// entries are the chain's results for 0, 1, 2, ... (scale 0.05, zero point
// 3 in and out: SiLU(-0.15) = -0.0694 -> 2, SiLU(0) = 0 -> 3 at input 3).
// CHECK-LABEL: func.func @silu
// CHECK: %[[T:.*]] = arith.constant dense<[2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8,
// CHECK-SAME: tensor<256xi32>
// CHECK: linalg.generic
// CHECK: ^bb0(%[[Q:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[W:.*]] = arith.extui %[[Q]] : i8 to i32
// CHECK-NEXT: %[[I:.*]] = arith.index_cast %[[W]] : i32 to index
// CHECK-NEXT: %[[E:.*]] = tensor.extract %[[T]][%[[I]]] : tensor<256xi32>
// CHECK-NEXT: %[[R:.*]] = arith.trunci %[[E]] : i32 to i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @silu(%x: tensor<4x40xi8>) -> tensor<4x40xi8> {
  %e = tensor.empty() : tensor<4x40xi8>
  %s = arith.constant 0.05 : f32
  %z = arith.constant 3.0 : f32
  %inv = arith.constant 20.0 : f32
  %one = arith.constant 1.0 : f32
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 255.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x40xi8>) outs(%e : tensor<4x40xi8>) {
  ^bb0(%q: i8, %o: i8):
    %w = arith.extui %q : i8 to i32
    %f = arith.sitofp %w : i32 to f32
    %c = arith.subf %f, %z : f32
    %v = arith.mulf %c, %s : f32
    %n = arith.negf %v : f32
    %ex = math.exp %n : f32
    %d = arith.addf %ex, %one : f32
    %y = arith.divf %v, %d : f32
    %m = arith.mulf %y, %inv : f32
    %rr = math.roundeven %m : f32
    %a = arith.addf %rr, %z : f32
    %mx = arith.maximumf %a, %lo : f32
    %mn = arith.minimumf %mx, %hi : f32
    %i = arith.fptosi %mn : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  } -> tensor<4x40xi8>
  return %r : tensor<4x40xi8>
}

// -----

// Tests a conv's fused epilogue (requantize to i8, then sigmoid and a
// requantize of that): the first i8 depends on the i32 accumulator and
// stays computed; the sigmoid chain from it becomes a table read.
// CHECK-LABEL: func.func @epilogue
// CHECK: %[[T:.*]] = arith.constant dense<{{.*}}> : tensor<256xi32>
// CHECK: ^bb0(%[[A:.*]]: i32, %{{.*}}: i8):
// CHECK: math.roundeven
// CHECK: %[[Q:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK-NEXT: %[[W:.*]] = arith.extui %[[Q]] : i8 to i32
// CHECK-NEXT: %[[I:.*]] = arith.index_cast %[[W]] : i32 to index
// CHECK-NEXT: tensor.extract %[[T]][%[[I]]] : tensor<256xi32>
// CHECK-NOT: math.exp
#id1 = affine_map<(d0) -> (d0)>
func.func @epilogue(%acc: tensor<64xi32>) -> tensor<64xi8> {
  %e = tensor.empty() : tensor<64xi8>
  %s = arith.constant 0.001 : f32
  %one = arith.constant 1.0 : f32
  %inv = arith.constant 255.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%acc : tensor<64xi32>) outs(%e : tensor<64xi8>) {
  ^bb0(%a: i32, %o: i8):
    %f = arith.sitofp %a : i32 to f32
    %m = arith.mulf %f, %s : f32
    %r0 = math.roundeven %m : f32
    %c0 = arith.maximumf %r0, %lo : f32
    %c1 = arith.minimumf %c0, %hi : f32
    %i0 = arith.fptosi %c1 : f32 to i32
    %q = arith.trunci %i0 : i32 to i8
    %w = arith.extsi %q : i8 to i32
    %g = arith.sitofp %w : i32 to f32
    %v = arith.mulf %g, %s : f32
    %n = arith.negf %v : f32
    %ex = math.exp %n : f32
    %d = arith.addf %ex, %one : f32
    %sg = arith.divf %one, %d : f32
    %m2 = arith.mulf %sg, %inv : f32
    %r2 = math.roundeven %m2 : f32
    %c2 = arith.maximumf %r2, %lo : f32
    %c3 = arith.minimumf %c2, %hi : f32
    %i2 = arith.fptosi %c3 : f32 to i32
    %t = arith.trunci %i2 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<64xi8>
  return %r : tensor<64xi8>
}

// -----

// Tests that a chain reading a second input (a quantized multiply of two
// values) is left as it is, and that a cheap chain (dequantize, relu,
// requantize: no exp or division) is computed, not looked up.
// CHECK-LABEL: func.func @not_tabulated
// CHECK-NOT: tensor<256xi32>
// CHECK: math.exp
// CHECK: arith.maximumf
// CHECK-NOT: tensor.extract
#id2 = affine_map<(d0) -> (d0)>
func.func @not_tabulated(%x: tensor<64xi8>, %y: tensor<64xi8>) -> (tensor<64xi8>, tensor<64xi8>) {
  %e = tensor.empty() : tensor<64xi8>
  %s = arith.constant 0.05 : f32
  %lo = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel"]} ins(%x, %y : tensor<64xi8>, tensor<64xi8>) outs(%e : tensor<64xi8>) {
  ^bb0(%a: i8, %b: i8, %o: i8):
    %fa = arith.sitofp %a : i8 to f32
    %fb = arith.sitofp %b : i8 to f32
    %ex = math.exp %fa : f32
    %p = arith.mulf %ex, %fb : f32
    %i = arith.fptosi %p : f32 to i8
    linalg.yield %i : i8
  } -> tensor<64xi8>
  %r2 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel"]} ins(%x : tensor<64xi8>) outs(%e : tensor<64xi8>) {
  ^bb0(%a: i8, %o: i8):
    %fa = arith.sitofp %a : i8 to f32
    %v = arith.mulf %fa, %s : f32
    %m = arith.maximumf %v, %lo : f32
    %i = arith.fptosi %m : f32 to i8
    linalg.yield %i : i8
  } -> tensor<64xi8>
  return %r, %r2 : tensor<64xi8>, tensor<64xi8>
}

// -----

// Tests that a requantize to the same scale and zero point around a relu6
// (u8, scale 0.05, zero point 10: 0 -> 10, 6 -> 130) becomes an unsigned
// integer clamp of the stored value: the table it evaluates to is
// min(max(q, 10), 130).
// CHECK-LABEL: func.func @relu6_clamp
// CHECK: ^bb0(%[[Q:.*]]: i8, %{{.*}}: i8):
// CHECK-DAG: %[[LO:.*]] = arith.constant 10 : i8
// CHECK-DAG: %[[HI:.*]] = arith.constant -126 : i8
// CHECK: %[[M:.*]] = arith.maxui %[[Q]], %[[LO]] : i8
// CHECK-NEXT: %[[R:.*]] = arith.minui %[[M]], %[[HI]] : i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
// CHECK-NOT: tensor<256xi32>
#id3 = affine_map<(d0) -> (d0)>
func.func @relu6_clamp(%x: tensor<64xi8>) -> tensor<64xi8> {
  %e = tensor.empty() : tensor<64xi8>
  %s = arith.constant 0.05 : f32
  %inv = arith.constant 20.0 : f32
  %z = arith.constant 10.0 : f32
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %qmax = arith.constant 255.0 : f32
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel"]} ins(%x : tensor<64xi8>) outs(%e : tensor<64xi8>) {
  ^bb0(%q: i8, %o: i8):
    %w = arith.extui %q : i8 to i32
    %f = arith.sitofp %w : i32 to f32
    %c = arith.subf %f, %z : f32
    %v = arith.mulf %c, %s : f32
    %r0 = arith.maximumf %v, %zero : f32
    %r6 = arith.minimumf %r0, %six : f32
    %m = arith.mulf %r6, %inv : f32
    %rr = math.roundeven %m : f32
    %a = arith.addf %rr, %z : f32
    %mx = arith.maximumf %a, %zero : f32
    %mn = arith.minimumf %mx, %qmax : f32
    %i = arith.fptosi %mn : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  } -> tensor<64xi8>
  return %r : tensor<64xi8>
}

// -----

// Tests the signed order: a relu on s8 (scale 0.1, zero point -5) clamps
// from below only (maxsi with -5), and a requantize that changes nothing
// (the same relu applied twice) leaves the stored value itself.
// CHECK-LABEL: func.func @signed_relu
// CHECK: ^bb0(%[[Q:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: %[[LO:.*]] = arith.constant -5 : i8
// CHECK-NEXT: %[[M:.*]] = arith.maxsi %[[Q]], %[[LO]] : i8
// CHECK-NEXT: linalg.yield %[[M]] : i8
// CHECK-LABEL: func.func @identity
// CHECK: ^bb0(%[[Q:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: linalg.yield %[[Q]] : i8
#id4 = affine_map<(d0) -> (d0)>
func.func @signed_relu(%x: tensor<64xi8>) -> tensor<64xi8> {
  %e = tensor.empty() : tensor<64xi8>
  %s = arith.constant 0.1 : f32
  %inv = arith.constant 10.0 : f32
  %z = arith.constant -5.0 : f32
  %zero = arith.constant 0.0 : f32
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel"]} ins(%x : tensor<64xi8>) outs(%e : tensor<64xi8>) {
  ^bb0(%q: i8, %o: i8):
    %w = arith.extsi %q : i8 to i32
    %f = arith.sitofp %w : i32 to f32
    %c = arith.subf %f, %z : f32
    %v = arith.mulf %c, %s : f32
    %r0 = arith.maximumf %v, %zero : f32
    %m = arith.mulf %r0, %inv : f32
    %rr = math.roundeven %m : f32
    %a = arith.addf %rr, %z : f32
    %mx = arith.maximumf %a, %lo : f32
    %mn = arith.minimumf %mx, %hi : f32
    %i = arith.fptosi %mn : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  } -> tensor<64xi8>
  return %r : tensor<64xi8>
}

func.func @identity(%x: tensor<64xi8>) -> tensor<64xi8> {
  %e = tensor.empty() : tensor<64xi8>
  %c0 = arith.constant 0 : i8
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel"]} ins(%x : tensor<64xi8>) outs(%e : tensor<64xi8>) {
  ^bb0(%q: i8, %o: i8):
    %m = arith.maxui %q, %c0 : i8
    linalg.yield %m : i8
  } -> tensor<64xi8>
  return %r : tensor<64xi8>
}

// -----

// Tests that a relu6 clamp after a requantize in the same body (a conv's
// epilogue: i32 accumulator to u8, zero point 10, then dequantize, relu6,
// quantize to the same scale) goes into the requantize's float clamp:
// [0, 255] and then [10, 130] in bytes is [10, 130] before fptosi, with no
// integer max or min left (the first conversion, now unread, is left to
// the canonicalizer).
// CHECK-LABEL: func.func @requantize_relu6
// CHECK: ^bb0(%[[A:.*]]: i32, %{{.*}}: i8):
// CHECK: %[[R:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: %[[LO:.*]] = arith.constant 1.000000e+01 : f32
// CHECK-NEXT: %[[MX:.*]] = arith.maximumf %[[R]], %[[LO]] : f32
// CHECK-NEXT: %[[HI:.*]] = arith.constant 1.300000e+02 : f32
// CHECK-NEXT: %[[MN:.*]] = arith.minimumf %[[MX]], %[[HI]] : f32
// CHECK-NEXT: %[[I:.*]] = arith.fptosi %[[MN]] : f32 to i32
// CHECK-NEXT: %[[T:.*]] = arith.trunci %[[I]] : i32 to i8
// CHECK-NEXT: linalg.yield %[[T]] : i8
// CHECK-NOT: arith.maxui
// CHECK-NOT: arith.minui
#id5 = affine_map<(d0) -> (d0)>
func.func @requantize_relu6(%x: tensor<64xi32>) -> tensor<64xi8> {
  %e = tensor.empty() : tensor<64xi8>
  %sa = arith.constant 0.001 : f32
  %s = arith.constant 0.05 : f32
  %inv = arith.constant 20.0 : f32
  %z = arith.constant 10.0 : f32
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %qmax = arith.constant 255.0 : f32
  %r = linalg.generic {indexing_maps = [#id5, #id5], iterator_types = ["parallel"]} ins(%x : tensor<64xi32>) outs(%e : tensor<64xi8>) {
  ^bb0(%acc: i32, %o: i8):
    %af = arith.sitofp %acc : i32 to f32
    %av = arith.mulf %af, %sa : f32
    %am = arith.mulf %av, %inv : f32
    %ar = math.roundeven %am : f32
    %aa = arith.addf %ar, %z : f32
    %amx = arith.maximumf %aa, %zero : f32
    %amn = arith.minimumf %amx, %qmax : f32
    %ai = arith.fptosi %amn : f32 to i32
    %q = arith.trunci %ai : i32 to i8
    %w = arith.extui %q : i8 to i32
    %f = arith.sitofp %w : i32 to f32
    %c = arith.subf %f, %z : f32
    %v = arith.mulf %c, %s : f32
    %r0 = arith.maximumf %v, %zero : f32
    %r6 = arith.minimumf %r0, %six : f32
    %m = arith.mulf %r6, %inv : f32
    %rr = math.roundeven %m : f32
    %a = arith.addf %rr, %z : f32
    %mx = arith.maximumf %a, %zero : f32
    %mn = arith.minimumf %mx, %qmax : f32
    %i = arith.fptosi %mn : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  } -> tensor<64xi8>
  return %r : tensor<64xi8>
}
