// RUN: eq-opt %s --split-input-file --eqq-expand-math | FileCheck %s

// Tests that math.erf, which LLVM cannot lower, becomes a rational
// approximation (two polynomials by fused multiply-adds, divided) on scalars
// and on vectors alike; that math.exp, which LLVM lowers to a libm call per
// lane, becomes a polynomial times a power of two; and that the other
// functions LLVM lowers itself (tanh, sqrt) stay as they are.
// CHECK-LABEL: func.func @erf_scalar
// CHECK-NOT: math.erf
// CHECK: math.fma %{{.*}} : f32
// CHECK: arith.divf %{{.*}} : f32
// CHECK: return
func.func @erf_scalar(%x: f32) -> f32 {
  %y = math.erf %x : f32
  return %y : f32
}

// -----

// CHECK-LABEL: func.func @erf_vector
// CHECK-NOT: math.erf
// CHECK: math.fma %{{.*}} : vector<16xf32>
// CHECK: arith.divf %{{.*}} : vector<16xf32>
// CHECK: return
func.func @erf_vector(%x: vector<16xf32>) -> vector<16xf32> {
  %y = math.erf %x : vector<16xf32>
  return %y : vector<16xf32>
}

// -----

// CHECK-LABEL: func.func @exp_vector
// CHECK-NOT: math.exp
// CHECK: math.fma %{{.*}} : vector<16xf32>
// CHECK: arith.shli %{{.*}} : vector<16xi32>
// CHECK: arith.bitcast %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: return
func.func @exp_vector(%x: vector<16xf32>) -> vector<16xf32> {
  %y = math.exp %x : vector<16xf32>
  return %y : vector<16xf32>
}

// -----

// CHECK-LABEL: func.func @kept
// CHECK-NOT: math.exp
// CHECK: math.tanh
// CHECK: math.sqrt
func.func @kept(%x: f32) -> f32 {
  %a = math.exp %x : f32
  %b = math.tanh %a : f32
  %c = math.sqrt %b : f32
  return %c : f32
}
