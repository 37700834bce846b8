// RUN: eq-opt %s --eqq-outline-loops --split-input-file | FileCheck %s

// Tests that each top-level loop nest and linalg op of a function with more
// than one moves into a private noinline function called in its place, the
// buffers it reads passed as arguments and the constants and globals it
// uses recomputed inside.
// CHECK-LABEL: func.func private @layers_part0(
// CHECK-SAME: %[[X:.*]]: memref<16xf32>, %[[T:.*]]: memref<16xf32>)
// CHECK-SAME: attributes {passthrough = ["noinline"]}
// CHECK-DAG: arith.constant 0 : index
// CHECK-DAG: arith.constant 16 : index
// CHECK-DAG: %[[W:.*]] = memref.get_global @w : memref<16xf32>
// CHECK: scf.for
// CHECK: memref.load %[[X]]
// CHECK: memref.load %[[W]]
// CHECK: memref.store {{.*}}, %[[T]]
// CHECK: return
// CHECK-LABEL: func.func private @layers_part1(
// CHECK-SAME: %{{.*}}: memref<16xf32>, %{{.*}}: memref<16xf32>)
// CHECK: linalg.generic
// CHECK-LABEL: func.func @layers(
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: call @layers_part0(%arg0, %[[A]]) : (memref<16xf32>, memref<16xf32>) -> ()
// CHECK: call @layers_part1(%[[A]], %arg1) : (memref<16xf32>, memref<16xf32>) -> ()
// CHECK: memref.dealloc %[[A]]
memref.global "private" constant @w : memref<16xf32> = dense<2.0>
func.func @layers(%x: memref<16xf32>, %y: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %w = memref.get_global @w : memref<16xf32>
  %t = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %a = memref.load %x[%i] : memref<16xf32>
    %b = memref.load %w[%i] : memref<16xf32>
    %p = arith.mulf %a, %b : f32
    memref.store %p, %t[%i] : memref<16xf32>
  }
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%t : memref<16xf32>) outs(%y : memref<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %in : f32
    linalg.yield %r : f32
  }
  memref.dealloc %t : memref<16xf32>
  return
}

// -----

// Tests that a function with one loop nest, and a loop that returns a
// value, stay as they are.
// CHECK-LABEL: func.func @one_nest
// CHECK-NOT: call
// CHECK: scf.for
// CHECK-NOT: func.func private
func.func @one_nest(%x: memref<16xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %z = arith.constant 0.0 : f32
  %s = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %z) -> f32 {
    %a = memref.load %x[%i] : memref<16xf32>
    %n = arith.addf %acc, %a : f32
    scf.yield %n : f32
  }
  scf.for %i = %c0 to %c16 step %c1 {
    memref.store %s, %x[%i] : memref<16xf32>
  }
  return %s : f32
}
