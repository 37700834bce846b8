//===- ExpApproximation.h - one f32 exp for the lowered code and tables ---===//
//
// The f32 exponential the lowered code computes (--eqq-expand-math), as IR
// and as a C++ function that gives the same bits, for the tables that
// --eqq-lookup-tables evaluates at compile time: a table and the loops it
// replaces must agree on every input.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_LIB_CODEGEN_EXPAPPROXIMATION_H
#define EQQUANT_LIB_CODEGEN_EXPAPPROXIMATION_H

#include "mlir/IR/Builders.h"

namespace mlir::eqq {

/// exp(x) for f32 x, Cephes' expf on fused multiply-adds: n = floor(x
/// log2(e) + 1/2) clamped to [-127, 127], r = x - n ln 2 (ln 2 in two
/// parts), a degree-6 polynomial of r, times 2^n built in the exponent
/// bits (0 for n = -127). x is first clamped to [-87.8, 88.8]. Within 1 ulp
/// of the exact value for x in [-87, 88]; 0 below 2^-126, +inf past 88.73,
/// NaN for NaN.
float approximateExp(float x);

/// The same computation on `x` (f32 or a vector of f32) with arith and
/// math.fma/math.floor ops, lane by lane: the same bits as approximateExp.
Value buildApproximateExp(OpBuilder &b, Location loc, Value x);

} // namespace mlir::eqq

#endif // EQQUANT_LIB_CODEGEN_EXPAPPROXIMATION_H
