// RUN: eq-opt %s --eqq-drop-loop-barriers | FileCheck %s

// Tests that a worksharing loop ending its parallel region loses its barrier
// (the region's end waits for every thread), and that a loop followed by more
// work in the region keeps it: that work may read what other threads wrote.
// CHECK-LABEL: llvm.func @last_loop
// CHECK: omp.parallel
// CHECK-NEXT: omp.wsloop nowait {
llvm.func @last_loop(%p: !llvm.ptr, %n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %v = llvm.mlir.constant(1.0 : f32) : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : i64 = (%c0) to (%n) step (%c1) {
        %q = llvm.getelementptr %p[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
        llvm.store %v, %q : f32, !llvm.ptr
        omp.yield
      }
    }
    omp.terminator
  }
  llvm.return
}

// CHECK-LABEL: llvm.func @loop_then_work
// CHECK: omp.parallel
// CHECK-NEXT: omp.wsloop {
// CHECK: llvm.load
llvm.func @loop_then_work(%p: !llvm.ptr, %n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %v = llvm.mlir.constant(1.0 : f32) : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : i64 = (%c0) to (%n) step (%c1) {
        %q = llvm.getelementptr %p[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
        llvm.store %v, %q : f32, !llvm.ptr
        omp.yield
      }
    }
    %x = llvm.load %p : !llvm.ptr -> f32
    omp.terminator
  }
  llvm.return
}
