// RUN: eq-opt %s --split-input-file --eqq-vectorize-elementwise | FileCheck %s

// Tests a requantize with a per-channel scale on 2 x 3 rows of 20: the rows
// in parallel, one full vector of 16 and a masked one of 4 per row (its 4
// bytes stored as one vector<4xi8>: AVX2 has no masked byte store), the
// scale loaded once per row and broadcast, the body on vector<16xf32>.
// CHECK-LABEL: func.func @requantize
// CHECK: scf.parallel (%[[N:.*]], %[[C:.*]]) = (%{{.*}}, %{{.*}}) to (%c2, %c3)
// CHECK: scf.for %[[X:.*]] = %{{.*}} to %c16 step %{{.*}}
// CHECK: vector.load %arg0[%[[N]], %[[C]], %[[X]]] : memref<2x3x20xi32>, vector<16xi32>
// CHECK: %[[S:.*]] = memref.load %arg1[%[[C]]] : memref<3xf32>
// CHECK: vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK: math.roundeven %{{.*}} : vector<16xf32>
// CHECK: vector.store %{{.*}}, %arg2[%[[N]], %[[C]], %[[X]]] : memref<2x3x20xi8>, vector<16xi8>
// CHECK: vector.maskedload %arg0[%[[N]], %[[C]], %{{.*}}], %{{.*}}, %{{.*}} : memref<2x3x20xi32>, vector<16xi1>, vector<16xi32> into vector<16xi32>
// CHECK: %[[T:.*]] = vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [4], strides = [1]} : vector<16xi8> to vector<4xi8>
// CHECK: vector.store %[[T]], %arg2[%[[N]], %[[C]], %{{.*}}] : memref<2x3x20xi8>, vector<4xi8>
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d1)>
func.func @requantize(%x: memref<2x3x20xi32>, %s: memref<3xf32>, %y: memref<2x3x20xi8>) {
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %s : memref<2x3x20xi32>, memref<3xf32>) outs(%y : memref<2x3x20xi8>) {
  ^bb0(%a: i32, %b: f32, %o: i8):
    %f = arith.sitofp %a : i32 to f32
    %m = arith.mulf %f, %b : f32
    %r = math.roundeven %m : f32
    %i = arith.fptosi %r : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  }
  return
}

// -----

// Tests a 1-D add of 17 elements: one vector and one real lane left,
// loaded and stored as scalars (no masked store of one lane).
// CHECK-LABEL: func.func @add_17
// CHECK: scf.for
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.store
// CHECK: memref.load %arg0[%{{.*}}] : memref<17xf32>
// CHECK: memref.store %{{.*}}, %arg2[%{{.*}}] : memref<17xf32>
// CHECK-NOT: vector.maskedstore
#id1 = affine_map<(d0) -> (d0)>
func.func @add_17(%a: memref<17xf32>, %b: memref<17xf32>, %y: memref<17xf32>) {
  linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]} ins(%a, %b : memref<17xf32>, memref<17xf32>) outs(%y : memref<17xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %r = arith.addf %p, %q : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests what stays loops: an input read transposed (its innermost loop is
// not its innermost dimension), a reduction along the outer dimension, and
// a body that reads the output.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: vector.
#t = affine_map<(d0, d1) -> (d1, d0)>
#i2 = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>
func.func @left_alone(%a: memref<4x4xf32>, %y: memref<4x4xf32>, %s: memref<4xf32>) {
  linalg.generic {indexing_maps = [#t, #i2], iterator_types = ["parallel", "parallel"]} ins(%a : memref<4x4xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%p: f32, %o: f32):
    linalg.yield %p : f32
  }
  linalg.generic {indexing_maps = [#t, #r], iterator_types = ["parallel", "reduction"]} ins(%a : memref<4x4xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%p: f32, %o: f32):
    %r = arith.addf %p, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#i2, #i2], iterator_types = ["parallel", "parallel"]} ins(%a : memref<4x4xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%p: f32, %o: f32):
    %r = arith.addf %p, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests a squeeze-and-excite scale: x[1, 2, 3, 20] times s[1, 2, 1, 1] read
// at constant zeros, broadcast per row. s reads neither H nor W, so the
// rows are H x W = 60 elements (x and y collapsed), not 3 rows of 20.
// CHECK-LABEL: func.func @excite
// CHECK: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : memref<1x2x3x20xf32> into memref<1x2x60xf32>
// CHECK: scf.parallel (%[[N:.*]], %[[C:.*]]) =
// CHECK: scf.for %{{.*}} = %{{.*}} to %c48 step
// CHECK: vector.load %[[X]][%[[N]], %[[C]], %{{.*}}] : memref<1x2x60xf32>, vector<16xf32>
// CHECK: %[[S:.*]] = memref.load %arg1[%[[N]], %[[C]], %{{.*}}, %{{.*}}] : memref<1x2x1x1xf32>
// CHECK: vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NOT: linalg.generic
#x4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#s4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>
func.func @excite(%x: memref<1x2x3x20xf32>, %s: memref<1x2x1x1xf32>, %y: memref<1x2x3x20xf32>) {
  linalg.generic {indexing_maps = [#x4, #s4, #x4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %s : memref<1x2x3x20xf32>, memref<1x2x1x1xf32>) outs(%y : memref<1x2x3x20xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %r = arith.mulf %p, %q : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests a table read (--eqq-lookup-tables): 16 lanes gather the table's
// 32-bit entries at the widened input bytes, with no vector of indices.
// CHECK-LABEL: func.func @table
// CHECK: %[[T:.*]] = memref.get_global @entries : memref<256xi32>
// CHECK: %[[W:.*]] = arith.extui %{{.*}} : vector<16xi8> to vector<16xi32>
// CHECK-NOT: index_cast
// CHECK: %[[G:.*]] = vector.gather %[[T]][%{{.*}}] [%[[W]]], %{{.*}}, %{{.*}} : memref<256xi32>, vector<16xi32>, vector<16xi1>, vector<16xi32> into vector<16xi32>
// CHECK: arith.trunci %[[G]] : vector<16xi32> to vector<16xi8>
memref.global "private" constant @entries : memref<256xi32> = dense<7>
#id3 = affine_map<(d0) -> (d0)>
func.func @table(%x: memref<32xi8>, %y: memref<32xi8>) {
  %t = memref.get_global @entries : memref<256xi32>
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel"]} ins(%x : memref<32xi8>) outs(%y : memref<32xi8>) {
  ^bb0(%q: i8, %o: i8):
    %w = arith.extui %q : i8 to i32
    %i = arith.index_cast %w : i32 to index
    %e = memref.load %t[%i] : memref<256xi32>
    %r = arith.trunci %e : i32 to i8
    linalg.yield %r : i8
  }
  return
}

// -----

// Tests a table read whose index is the same for every lane (the gate of a
// squeeze-and-excite scale, one byte per channel, read by the whole row):
// one scalar load of the entry, broadcast, instead of a gather.
// CHECK-LABEL: func.func @table_uniform_index
// CHECK: %[[T:.*]] = memref.get_global @gate_entries : memref<256xi32>
// CHECK: %[[G:.*]] = memref.load %arg1[{{.*}}] : memref<2x1xi8>
// CHECK: %[[W:.*]] = arith.extui %[[G]] : i8 to i32
// CHECK: %[[I:.*]] = arith.index_cast %[[W]] : i32 to index
// CHECK: %[[E:.*]] = memref.load %[[T]][%[[I]]] : memref<256xi32>
// CHECK: vector.broadcast %[[E]] : i32 to vector<16xi32>
// CHECK-NOT: vector.gather
memref.global "private" constant @gate_entries : memref<256xi32> = dense<3>
#row = affine_map<(d0, d1) -> (d0, d1)>
#gate = affine_map<(d0, d1) -> (d0, 0)>
func.func @table_uniform_index(%x: memref<2x20xi8>, %g: memref<2x1xi8>, %y: memref<2x20xi8>) {
  %t = memref.get_global @gate_entries : memref<256xi32>
  linalg.generic {indexing_maps = [#row, #gate, #row], iterator_types = ["parallel", "parallel"]} ins(%x, %g : memref<2x20xi8>, memref<2x1xi8>) outs(%y : memref<2x20xi8>) {
  ^bb0(%p: i8, %q: i8, %o: i8):
    %w = arith.extui %q : i8 to i32
    %i = arith.index_cast %w : i32 to index
    %e = memref.load %t[%i] : memref<256xi32>
    %r = arith.trunci %e : i32 to i8
    %s = arith.addi %r, %p : i8
    linalg.yield %s : i8
  }
  return
}

// -----

// Tests clamps against constants on vectors: a maximum against 0 as
// "x <= 0 ? 0 : x" and a minimum against 255 as "x > 255 ? 255 : x" (the
// same values as arith's IEEE maximum and minimum, NaN kept; one vmaxps or
// vminps on x86 instead of three instructions), and a minimum against 0,
// where -0 must win over +0, left as it is.
// CHECK-LABEL: func.func @clamps
// CHECK: %[[LO:.*]] = arith.cmpf ole, %[[X:.*]], %[[ZERO:.*]] : vector<16xf32>
// CHECK: %[[A:.*]] = arith.select %[[LO]], %[[ZERO]], %[[X]] : vector<16xi1>, vector<16xf32>
// CHECK: %[[HI:.*]] = arith.cmpf ogt, %[[A]], %[[TOP:.*]] : vector<16xf32>
// CHECK: %[[B:.*]] = arith.select %[[HI]], %[[TOP]], %[[A]] : vector<16xi1>, vector<16xf32>
// CHECK: arith.minimumf %[[B]], %{{.*}} : vector<16xf32>
// CHECK-NOT: arith.maximumf
#id4 = affine_map<(d0) -> (d0)>
func.func @clamps(%x: memref<32xf32>, %y: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  %top = arith.constant 255.0 : f32
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel"]} ins(%x : memref<32xf32>) outs(%y : memref<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    %n = arith.minimumf %m, %top : f32
    %k = arith.minimumf %n, %zero : f32
    linalg.yield %k : f32
  }
  return
}

// -----

// Tests a quantize's rounding and clamp to integers on vectors:
// fptosi(clamp(roundeven(x) + 3, 0, 255)) becomes lrint(clamp(x, -3, 252))
// + 3, the clamps compare-and-selects, no roundeven; the dequantize after
// it reads that integer (the byte it was narrowed to holds [0, 255] and is
// widened back unsigned). A clamp to a bound that is not an integer keeps
// the roundeven; a byte widened back signed (255 would become -1) keeps
// its narrowing and widening after the lrint.
// CHECK-LABEL: func.func @round_clamp
// CHECK: %[[X:.*]] = arith.mulf
// CHECK-NEXT: %[[LO:.*]] = arith.constant dense<-3.000000e+00> : vector<16xf32>
// CHECK-NEXT: %[[HI:.*]] = arith.constant dense<2.520000e+02> : vector<16xf32>
// CHECK-NEXT: %[[C1:.*]] = arith.cmpf olt, %[[X]], %[[LO]] : vector<16xf32>
// CHECK-NEXT: %[[S1:.*]] = arith.select %[[C1]], %[[LO]], %[[X]]
// CHECK-NEXT: %[[C2:.*]] = arith.cmpf ogt, %[[S1]], %[[HI]] : vector<16xf32>
// CHECK-NEXT: %[[S2:.*]] = arith.select %[[C2]], %[[HI]], %[[S1]]
// CHECK-NEXT: %[[R:.*]] = llvm.intr.lrint(%[[S2]]) : (vector<16xf32>) -> vector<16xi32>
// CHECK-NEXT: %[[ZP:.*]] = arith.constant dense<3> : vector<16xi32>
// CHECK-NEXT: %[[Q:.*]] = arith.addi %[[R]], %[[ZP]] : vector<16xi32>
// CHECK-NOT: math.roundeven
// CHECK-NOT: arith.extui
// CHECK: arith.sitofp %[[Q]] : vector<16xi32> to vector<16xf32>
// CHECK: vector.store {{.*}} : memref<2x16xf32>, vector<16xf32>
// CHECK-LABEL: func.func @round_clamp_kept
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK: scf.parallel
// CHECK-NOT: math.roundeven
// CHECK: %[[R:.*]] = llvm.intr.lrint
// CHECK-NEXT: arith.constant dense<3> : vector<16xi32>
// CHECK-NEXT: %[[Q:.*]] = arith.addi %[[R]]
// CHECK-NEXT: %[[B:.*]] = arith.trunci %[[Q]] : vector<16xi32> to vector<16xi8>
// CHECK-NEXT: arith.extsi %[[B]] : vector<16xi8> to vector<16xi32>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @round_clamp(%x: memref<2x16xf32>, %y: memref<2x16xf32>) {
  %s = arith.constant 40.0 : f32
  %zp = arith.constant 3.0 : f32
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 255.0 : f32
  %d = arith.constant 0.025 : f32
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<2x16xf32>) outs(%y : memref<2x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %0 = arith.mulf %a, %s : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i32
    %6 = arith.trunci %5 : i32 to i8
    %7 = arith.extui %6 : i8 to i32
    %8 = arith.sitofp %7 : i32 to f32
    %9 = arith.subf %8, %zp : f32
    %10 = arith.mulf %9, %d : f32
    linalg.yield %10 : f32
  }
  return
}
func.func @round_clamp_kept(%x: memref<2x16xf32>, %y: memref<2x16xf32>, %z: memref<2x16xi32>) {
  %s = arith.constant 40.0 : f32
  %zp = arith.constant 3.0 : f32
  %lo = arith.constant 0.0 : f32
  %half = arith.constant 254.5 : f32
  %hi = arith.constant 255.0 : f32
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<2x16xf32>) outs(%y : memref<2x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %0 = arith.mulf %a, %s : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %half : f32
    %5 = arith.fptosi %4 : f32 to i32
    %6 = arith.sitofp %5 : i32 to f32
    linalg.yield %6 : f32
  }
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<2x16xf32>) outs(%z : memref<2x16xi32>) {
  ^bb0(%a: f32, %o: i32):
    %0 = arith.mulf %a, %s : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i32
    %6 = arith.trunci %5 : i32 to i8
    %7 = arith.extsi %6 : i8 to i32
    linalg.yield %7 : i32
  }
  return
}

// -----

// Tests a layer norm's variance, a sum along rows of 37: 16 partial sums
// per row from -0 (two full vectors, then the last 5 lanes masked, the
// others keeping their sums), reduced and added to the output element;
// the row's mean (constant along the row) is broadcast.
// CHECK-LABEL: func.func @row_sum
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK: arith.subf %{{.*}} : vector<16xf32>
// CHECK: arith.mulf %{{.*}} : vector<16xf32>
// CHECK: arith.addf %{{.*}}, %[[A]] : vector<16xf32>
// CHECK: vector.constant_mask [5]
// CHECK: vector.maskedload
// CHECK: %[[LAST:.*]] = arith.select %{{.*}}, %{{.*}}, %[[ACC]]
// CHECK: %[[SUM:.*]] = vector.reduction <add>, %[[LAST]] fastmath<reassoc>
// CHECK: %[[START:.*]] = memref.load %{{.*}}[%[[I]], %[[J]]]
// CHECK: %[[OUT:.*]] = arith.addf %[[START]], %[[SUM]] : f32
// CHECK: memref.store %[[OUT]], %{{.*}}[%[[I]], %[[J]]]
#x3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#o3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @row_sum(%x: memref<2x5x37xf32>, %mean: memref<2x5xf32>, %s: memref<2x5xf32>) {
  linalg.generic {indexing_maps = [#x3, #o3, #o3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %mean : memref<2x5x37xf32>, memref<2x5xf32>) outs(%s : memref<2x5xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %q = arith.mulf %d, %d : f32
    %r = arith.addf %q, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests a softmax's maximum along rows of 16 (one full vector, no tail):
// partial maxima from -inf, the maximum of the lanes, then of the output.
// CHECK-LABEL: func.func @row_max
// CHECK: arith.constant dense<0xFF800000> : vector<16xf32>
// CHECK: arith.maximumf %{{.*}} : vector<16xf32>
// CHECK-NOT: vector.maskedload
// CHECK: vector.reduction <maximumf>
// CHECK: arith.maximumf %{{.*}} : f32
#x2 = affine_map<(d0, d1) -> (d0, d1)>
#o2 = affine_map<(d0, d1) -> (d0)>
func.func @row_max(%x: memref<3x16xf32>, %m: memref<3xf32>) {
  linalg.generic {indexing_maps = [#x2, #o2], iterator_types = ["parallel", "reduction"]} ins(%x : memref<3x16xf32>) outs(%m : memref<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %o, %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests what stays loops among reductions: two reduced dimensions, a body
// that combines with something other than a sum, maximum or minimum (a
// product), and one that reads the accumulator twice.
// CHECK-LABEL: func.func @reductions_left_alone
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: vector.
#x2b = affine_map<(d0, d1) -> (d0, d1)>
#all = affine_map<(d0, d1) -> ()>
#o2b = affine_map<(d0, d1) -> (d0)>
func.func @reductions_left_alone(%x: memref<3x16xf32>, %t: memref<f32>, %m: memref<3xf32>) {
  linalg.generic {indexing_maps = [#x2b, #all], iterator_types = ["reduction", "reduction"]} ins(%x : memref<3x16xf32>) outs(%t : memref<f32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#x2b, #o2b], iterator_types = ["parallel", "reduction"]} ins(%x : memref<3x16xf32>) outs(%m : memref<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %o, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#x2b, #o2b], iterator_types = ["parallel", "reduction"]} ins(%x : memref<3x16xf32>) outs(%m : memref<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %p = arith.mulf %o, %a : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests transposes: one that keeps the innermost dimension (attention's
// split of [tokens, heads, 32] into heads) is a copy along rows of 16
// lanes; one that moves it (the transpose of k) stays.
// CHECK-LABEL: func.func @transposes
// CHECK: scf.parallel (%[[A:.*]], %[[B:.*]], %[[C:.*]]) =
// CHECK: %[[V:.*]] = vector.load %{{.*}}[%[[A]], %[[C]], %[[B]], %{{.*}}] : memref<1x128x12x32xf32>, vector<16xf32>
// CHECK: vector.store %[[V]], %{{.*}}[%[[A]], %[[B]], %[[C]], %{{.*}}] : memref<1x12x128x32xf32>, vector<16xf32>
// CHECK: linalg.transpose
// CHECK-SAME: permutation = [0, 2, 3, 1]
func.func @transposes(%x: memref<1x128x12x32xf32>, %y: memref<1x12x128x32xf32>, %k: memref<1x12x32x128xf32>) {
  linalg.transpose ins(%x : memref<1x128x12x32xf32>) outs(%y : memref<1x12x128x32xf32>) permutation = [0, 2, 1, 3]
  linalg.transpose ins(%x : memref<1x128x12x32xf32>) outs(%k : memref<1x12x32x128xf32>) permutation = [0, 2, 3, 1]
  return
}

// -----

// Tests a reduction whose output a fill sets right before (a softmax's
// -inf): the fill's constant is the start value, and the fill goes.
// CHECK-LABEL: func.func @row_max_from_fill
// CHECK-NOT: linalg.fill
// CHECK: %[[M:.*]] = vector.reduction <maximumf>
// CHECK: arith.maximumf %{{.*}}, %[[M]] : f32
// CHECK-NOT: linalg.fill
#x2c = affine_map<(d0, d1) -> (d0, d1)>
#o2c = affine_map<(d0, d1) -> (d0)>
func.func @row_max_from_fill(%x: memref<3x16xf32>) -> memref<3xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %m = memref.alloc() : memref<3xf32>
  linalg.fill ins(%ninf : f32) outs(%m : memref<3xf32>)
  linalg.generic {indexing_maps = [#x2c, #o2c], iterator_types = ["parallel", "reduction"]} ins(%x : memref<3x16xf32>) outs(%m : memref<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %o, %a : f32
    linalg.yield %r : f32
  }
  return %m : memref<3xf32>
}

// -----

// Tests the byte stores of a row's last vector: 7 real lanes (16 + 7 = 23
// columns) as stores of 4 and 2 bytes and one byte; 15 real lanes (16 + 15)
// would take four, so they stay one masked store; so do i1 lanes, which
// LLVM would store as packed bits. (One row each: rows of a 2-D buffer
// would be merged into one longer row.)
// CHECK-LABEL: func.func @tails_of_bytes
// CHECK: vector.store %{{.*}} : memref<23xi8>, vector<16xi8>
// CHECK: vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [4], strides = [1]} : vector<16xi8> to vector<4xi8>
// CHECK: vector.store %{{.*}} : memref<23xi8>, vector<4xi8>
// CHECK: vector.extract_strided_slice %{{.*}} {offsets = [4], sizes = [2], strides = [1]} : vector<16xi8> to vector<2xi8>
// CHECK: vector.store %{{.*}} : memref<23xi8>, vector<2xi8>
// CHECK: %[[B:.*]] = vector.extract %{{.*}}[6] : i8 from vector<16xi8>
// CHECK: memref.store %[[B]], %{{.*}} : memref<23xi8>
// CHECK-NOT: vector.maskedstore {{.*}} memref<23xi8>
// CHECK: vector.maskedstore %{{.*}} : memref<31xi8>, vector<16xi1>, vector<16xi8>
// CHECK: vector.maskedstore %{{.*}} : memref<23xi1>, vector<16xi1>, vector<16xi1>
#rows = affine_map<(d0) -> (d0)>
func.func @tails_of_bytes(%x: memref<23xf32>, %y: memref<23xi8>, %u: memref<31xf32>, %v: memref<31xi8>, %m: memref<23xi1>) {
  linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel"]} ins(%x : memref<23xf32>) outs(%y : memref<23xi8>) {
  ^bb0(%a: f32, %o: i8):
    %i = arith.fptosi %a : f32 to i8
    linalg.yield %i : i8
  }
  linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel"]} ins(%u : memref<31xf32>) outs(%v : memref<31xi8>) {
  ^bb0(%a: f32, %o: i8):
    %i = arith.fptosi %a : f32 to i8
    linalg.yield %i : i8
  }
  linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel"]} ins(%x : memref<23xf32>) outs(%m : memref<23xi1>) {
  ^bb0(%a: f32, %o: i1):
    %zero = arith.constant 0.0 : f32
    %c = arith.cmpf ogt, %a, %zero : f32
    linalg.yield %c : i1
  }
  return
}

// -----

// Tests a residual add on 64 maps of 14 x 14: every operand reads all four
// loops in order, so the 12544 bytes are one run, split into 8 rows of
// 1568 (the first multiple of 16 from 1024 up that divides 12544): no row
// ends in a masked vector (AVX2 loads masked bytes one at a time), and the
// rows stay work for several threads.
// CHECK-LABEL: func.func @residual_rows
// CHECK: %[[C:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : memref<1x64x14x14xi8> into memref<12544xi8>
// CHECK: %[[A:.*]] = memref.expand_shape %[[C]] {{\[}}[0, 1]] output_shape [8, 1568] : memref<12544xi8> into memref<8x1568xi8>
// CHECK: scf.parallel (%[[R:.*]]) = (%{{.*}}) to (%c8)
// CHECK: scf.for %[[X:.*]] = %{{.*}} to %c1568 step %c16
// CHECK: vector.load %[[A]][%[[R]], %[[X]]] : memref<8x1568xi8>, vector<16xi8>
// CHECK-NOT: vector.maskedload
// CHECK-NOT: linalg.generic
#r4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @residual_rows(%a: memref<1x64x14x14xi8>, %b: memref<1x64x14x14xi8>, %y: memref<1x64x14x14xi8>) {
  linalg.generic {indexing_maps = [#r4, #r4, #r4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %b : memref<1x64x14x14xi8>, memref<1x64x14x14xi8>) outs(%y : memref<1x64x14x14xi8>) {
  ^bb0(%p: i8, %q: i8, %o: i8):
    %r = arith.addi %p, %q : i8
    linalg.yield %r : i8
  }
  return
}

// -----

// Tests a run with no such row length: 3 maps of 7 x 7 (147 elements) as
// one row, 9 vectors and a tail of 3 instead of 21 rows of 7 masked lanes.
// CHECK-LABEL: func.func @one_row
// CHECK: memref.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : memref<1x3x7x7xf32> into memref<147xf32>
// CHECK-NOT: scf.parallel
// CHECK: scf.for %{{.*}} = %{{.*}} to %c144 step %c16
// CHECK: vector.maskedload %{{.*}}[%{{.*}}], %{{.*}}, %{{.*}} : memref<147xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
#q4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @one_row(%a: memref<1x3x7x7xf32>, %b: memref<1x3x7x7xf32>, %y: memref<1x3x7x7xf32>) {
  linalg.generic {indexing_maps = [#q4, #q4, #q4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %b : memref<1x3x7x7xf32>, memref<1x3x7x7xf32>) outs(%y : memref<1x3x7x7xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %r = arith.addf %p, %q : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests rows a reduction reads: the scaled scores of a softmax keep their
// rows of 20, which --eqq-fuse-row-loops runs with the maximum's row by
// row; merged into one row of 80 they would not fuse.
// CHECK-LABEL: func.func @rows_of_a_reduction
// CHECK-NOT: memref.collapse_shape
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c4)
// CHECK: scf.for %{{.*}} = %{{.*}} to %c16 step %c16
#s2 = affine_map<(d0, d1) -> (d0, d1)>
#m2 = affine_map<(d0, d1) -> (d0)>
func.func @rows_of_a_reduction(%x: memref<4x20xf32>, %m: memref<4xf32>) {
  %t = memref.alloc() : memref<4x20xf32>
  linalg.generic {indexing_maps = [#s2, #s2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<4x20xf32>) outs(%t : memref<4x20xf32>) {
  ^bb0(%p: f32, %o: f32):
    %r = arith.addf %p, %p : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#s2, #m2], iterator_types = ["parallel", "reduction"]} ins(%t : memref<4x20xf32>) outs(%m : memref<4xf32>) {
  ^bb0(%p: f32, %o: f32):
    %r = arith.maximumf %p, %o : f32
    linalg.yield %r : f32
  }
  memref.dealloc %t : memref<4x20xf32>
  return
}
