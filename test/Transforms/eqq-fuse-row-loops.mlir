// RUN: eq-opt %s --split-input-file --eqq-fuse-row-loops | FileCheck %s

// Tests a softmax's maximum then exp: the second nest reads the row of the
// maxima buffer (a fresh allocation) that the same iteration of the first
// wrote, so it runs inside the first, its constants and allocation moved
// before it, the deallocation of a buffer it does not use left after it.
// CHECK-LABEL: func.func @row_by_row
// CHECK: memref.alloc() : memref<8xf32>
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: scf.parallel (%[[R:.*]]) =
// CHECK: memref.store %{{.*}}, %[[M:.*]][%[[R]]]
// CHECK: memref.load %[[M]][%[[R]]]
// CHECK: vector.store
// CHECK-NOT: scf.parallel
// CHECK: memref.dealloc
func.func @row_by_row(%x: memref<8x16xf32>, %y: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %m = memref.alloc() : memref<8xf32>
  %unused = memref.alloc() : memref<4xf32>
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %v = vector.load %x[%r, %c0] : memref<8x16xf32>, vector<16xf32>
    %max = vector.reduction <maximumf>, %v : vector<16xf32> into f32
    memref.store %max, %m[%r] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %unused : memref<4xf32>
  %c0b = arith.constant 0 : index
  scf.parallel (%r) = (%c0b) to (%c8) step (%c1) {
    %v = vector.load %x[%r, %c0b] : memref<8x16xf32>, vector<16xf32>
    %max = memref.load %m[%r] : memref<8xf32>
    %b = vector.broadcast %max : f32 to vector<16xf32>
    %d = arith.subf %v, %b : vector<16xf32>
    %e = math.exp %d : vector<16xf32>
    vector.store %e, %y[%r, %c0b] : memref<8x16xf32>, vector<16xf32>
    scf.reduce
  }
  memref.dealloc %m : memref<8xf32>
  return
}

// -----

// Tests what stays apart: the second nest reads the next row of what the
// first writes (iteration r would read a row iteration r + 1 writes), the
// written buffer is an argument (it may alias the one read), the
// iteration spaces differ, and a call (unknown effects) is in a body.
// CHECK-LABEL: func.func @kept_apart
// CHECK-COUNT-8: scf.parallel
func.func private @opaque(memref<9xf32>)
func.func @kept_apart(%x: memref<9x16xf32>, %arg: memref<9xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c9 = arith.constant 9 : index
  %m = memref.alloc() : memref<9xf32>
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %v = vector.load %x[%r, %c0] : memref<9x16xf32>, vector<16xf32>
    %s = vector.reduction <add>, %v : vector<16xf32> into f32
    memref.store %s, %m[%r] : memref<9xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %next = arith.addi %r, %c1 : index
    %s = memref.load %m[%next] : memref<9xf32>
    memref.store %s, %arg[%r] : memref<9xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %s = memref.load %x[%r, %c0] : memref<9x16xf32>
    memref.store %s, %arg[%r] : memref<9xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %s = memref.load %arg[%r] : memref<9xf32>
    memref.store %s, %m[%r] : memref<9xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c9) step (%c1) {
    %s = memref.load %m[%r] : memref<9xf32>
    memref.store %s, %m[%r] : memref<9xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %s = memref.load %m[%r] : memref<9xf32>
    memref.store %s, %m[%r] : memref<9xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    func.call @opaque(%m) : (memref<9xf32>) -> ()
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %s = memref.load %m[%r] : memref<9xf32>
    memref.store %s, %m[%r] : memref<9xf32>
    scf.reduce
  }
  memref.dealloc %m : memref<9xf32>
  return
}

// -----

// Tests a buffer written through a view (a collapse_shape of it) and read
// directly: no access names both values, yet the nests share the buffer;
// every iteration of the second reads the row the first one's iteration 0
// writes, so they stay apart (a view is no private buffer).
// CHECK-LABEL: func.func @through_a_view
// CHECK-COUNT-2: scf.parallel
func.func @through_a_view(%x: memref<4x16xf32>, %y: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %m = memref.alloc() : memref<2x2x16xf32>
  %v = memref.collapse_shape %m [[0, 1], [2]] : memref<2x2x16xf32> into memref<4x16xf32>
  scf.parallel (%r) = (%c0) to (%c4) step (%c1) {
    %a = vector.load %x[%r, %c0] : memref<4x16xf32>, vector<16xf32>
    vector.store %a, %v[%r, %c0] : memref<4x16xf32>, vector<16xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c4) step (%c1) {
    %b = vector.load %m[%c0, %c0, %c0] : memref<2x2x16xf32>, vector<16xf32>
    vector.store %b, %y[%r, %c0] : memref<4x16xf32>, vector<16xf32>
    scf.reduce
  }
  memref.dealloc %m : memref<2x2x16xf32>
  return
}
