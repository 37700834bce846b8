// RUN: eq-opt %s --eqq-inline-alloca-scopes | FileCheck %s

// Tests that a scope allocating nothing is replaced by its body (results
// forwarded), while a scope with a stack allocation stays.
// CHECK-LABEL: func.func @scopes
// CHECK-NOT: memref.alloca_scope {
// CHECK: %[[V:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: memref.alloca_scope
// CHECK:   memref.alloca()
// CHECK: return %[[V]]
func.func @scopes(%a: vector<16xi32>, %b: vector<64xi8>) -> vector<16xi32> {
  %r = memref.alloca_scope -> vector<16xi32> {
    %v = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%a, %b, %b) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
    memref.alloca_scope.return %v : vector<16xi32>
  }
  memref.alloca_scope {
    %m = memref.alloca() : memref<4xi32>
  }
  return %r : vector<16xi32>
}
