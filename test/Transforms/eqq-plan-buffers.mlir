// RUN: eq-opt %s --eqq-plan-buffers --split-input-file | FileCheck %s
// RUN: eq-opt %s --eqq-plan-buffers=max-bytes=1000 --split-input-file | FileCheck %s --check-prefix=SMALL

func.func private @use(memref<256xf32>, memref<256xf32>)
func.func private @use_i8(memref<1000xi8>)

// Tests that three buffers become views of one arena allocated first and
// freed before the return: %a (1024 bytes) and %b (1000 bytes, rounded up
// to 1024) are live together and take offsets 0 and 1024; %c, allocated
// after %a's deallocation, reuses %a's bytes at offset 0.
// CHECK-LABEL: func.func @chain(
// CHECK-NEXT: %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2048xi8>
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%c1024{{.*}}][] : memref<2048xi8> to memref<1000xi8>
// CHECK: call @use_i8(%[[B]])
// CHECK: call @use(%{{.*}}, %[[A]])
// CHECK-NOT: memref.dealloc
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: call @use(%{{.*}}, %[[C]])
// CHECK-NOT: memref.dealloc
// CHECK: memref.dealloc %[[ARENA]] : memref<2048xi8>
// CHECK-NEXT: return
// SMALL-LABEL: func.func @chain(
// SMALL-NOT: memref.view
func.func @chain(%x: memref<256xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  %b = memref.alloc() : memref<1000xi8>
  call @use_i8(%b) : (memref<1000xi8>) -> ()
  call @use(%x, %a) : (memref<256xf32>, memref<256xf32>) -> ()
  memref.dealloc %b : memref<1000xi8>
  call @use(%a, %x) : (memref<256xf32>, memref<256xf32>) -> ()
  memref.dealloc %a : memref<256xf32>
  %c = memref.alloc() : memref<256xf32>
  call @use(%x, %c) : (memref<256xf32>, memref<256xf32>) -> ()
  call @use(%x, %c) : (memref<256xf32>, memref<256xf32>) -> ()
  memref.dealloc %c : memref<256xf32>
  return
}

// -----

func.func private @use(memref<256xf32>)

// Tests that the buffers the plan cannot take stay allocations: one
// returned (no deallocation), one of dynamic size; the single buffer left
// is not worth an arena.
// CHECK-LABEL: func.func @kept(
// CHECK-NOT: memref.view
// CHECK: memref.alloc() : memref<256xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: memref.alloc() : memref<256xf32>
func.func @kept(%n: index) -> memref<256xf32> {
  %r = memref.alloc() : memref<256xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  %t = memref.alloc() : memref<256xf32>
  call @use(%t) : (memref<256xf32>) -> ()
  memref.dealloc %t : memref<256xf32>
  memref.dealloc %d : memref<?xf32>
  return %r : memref<256xf32>
}

// -----

func.func private @use(memref<256xf32>)
func.func private @use2(memref<16x16xf32>)
func.func private @alias(memref<256xf32>) -> memref<256xf32>

// Tests that a buffer is live until its last use, not its deallocation:
// ownership-based deallocation frees every buffer at the end of the block.
// %a's last use is the first call, so %b reuses its bytes, then %c; %c is
// read through a view (expand_shape) until the fourth call, so %d, live
// meanwhile, takes the next bytes; %e has an alias a call returns, so it
// stays live until its deallocation and %f, allocated after that call,
// does not reuse its bytes either.
// CHECK-LABEL: func.func @last_use(
// CHECK-NEXT: %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2048xi8>
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: call @use(%[[A]])
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[D:.*]] = memref.view %[[ARENA]][%c1024{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[E:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[F:.*]] = memref.view %[[ARENA]][%c1024{{.*}}][] : memref<2048xi8> to memref<256xf32>
// CHECK-NOT: memref.dealloc %
// CHECK: memref.dealloc %[[ARENA]] : memref<2048xi8>
// CHECK-NEXT: return
func.func @last_use() {
  %a = memref.alloc() : memref<256xf32>
  call @use(%a) : (memref<256xf32>) -> ()
  %b = memref.alloc() : memref<256xf32>
  call @use(%b) : (memref<256xf32>) -> ()
  %c = memref.alloc() : memref<256xf32>
  %v = memref.expand_shape %c [[0, 1]] output_shape [16, 16] : memref<256xf32> into memref<16x16xf32>
  %d = memref.alloc() : memref<256xf32>
  call @use(%d) : (memref<256xf32>) -> ()
  call @use2(%v) : (memref<16x16xf32>) -> ()
  %e = memref.alloc() : memref<256xf32>
  %e2 = call @alias(%e) : (memref<256xf32>) -> memref<256xf32>
  %f = memref.alloc() : memref<256xf32>
  call @use(%f) : (memref<256xf32>) -> ()
  call @use(%e2) : (memref<256xf32>) -> ()
  memref.dealloc %a : memref<256xf32>
  memref.dealloc %b : memref<256xf32>
  memref.dealloc %c : memref<256xf32>
  memref.dealloc %d : memref<256xf32>
  memref.dealloc %e : memref<256xf32>
  memref.dealloc %f : memref<256xf32>
  return
}
