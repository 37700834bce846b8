// RUN: eq-opt %s --eqq-parallel-grain="min-work=1000" | FileCheck %s

// Tests that a parallel loop with little work becomes a sequential nest over
// the same dimensions, and that one with enough work stays parallel. The
// estimate counts each op of the body once per iteration: 4 x 8 x (3 ops +
// the reduce) = 128 here.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.parallel
// CHECK: scf.for %[[I:.*]] = %c0 to %c4 step %c1 {
// CHECK-NEXT: scf.for %[[J:.*]] = %c0 to %c8 step %c1 {
// CHECK-NEXT: memref.load %arg0[%[[I]], %[[J]]]
// CHECK: memref.store
func.func @small(%x: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<4x8xf32>
    %b = arith.addf %a, %a : f32
    memref.store %b, %x[%i, %j] : memref<4x8xf32>
    scf.reduce
  }
  return
}

// A 64-iteration inner loop: 8 x (1 + 64 x 4 + 1) = 2064 ops.
// CHECK-LABEL: func.func @large
// CHECK: scf.parallel
// CHECK: scf.for
func.func @large(%x: memref<8x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %j = %c0 to %c64 step %c1 {
      %a = memref.load %x[%i, %j] : memref<8x64xf32>
      %b = arith.addf %a, %a : f32
      memref.store %b, %x[%i, %j] : memref<8x64xf32>
    }
    scf.reduce
  }
  return
}
