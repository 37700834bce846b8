//===- VectorBody.h - elementwise linalg bodies on vectors ------*- C++ -*-===//
//
// Shared by the int8 kernels (their fused epilogues) and
// --eqq-vectorize-elementwise: an elementwise linalg.generic body computed
// lane by lane on vectors.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_LIB_CODEGEN_VECTORBODY_H
#define EQQUANT_LIB_CODEGEN_VECTORBODY_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::eqq {

/// True when `op` (an op of a linalg body) can be computed on vectors lane
/// by lane: arith and math ops on scalars, integer and float constants, the
/// yield.
bool isVectorizable(Operation &op);

/// Builds `body` (every op isVectorizable) on vectors of `lanes` elements
/// and returns the vector of its yielded value. `map` holds a vector for
/// each block argument the body reads; scalars from outside the body are
/// broadcast. With `byteTables` (the target has AVX-512 VBMI), a read of
/// a constant 256-entry table of byte values is two vpermi2b byte permutes
/// instead of a gather.
Value buildBodyOnVectors(OpBuilder &b, Location loc, Block &body,
                         IRMapping &map, int64_t lanes,
                         bool byteTables = false);

/// `memref` at `idx` on `lanes` lanes: with `alongLanes`, the elements
/// from idx along its innermost dimension (the first `valid` real, loaded
/// masked; one real lane loaded as a scalar), else the element at idx in
/// every lane.
Value loadLanes(OpBuilder &b, Location loc, Value memref, ValueRange idx,
                int64_t lanes, int64_t valid, bool alongLanes);

/// Stores the first `valid` of `lanes` lanes of `v` at `idx` of `memref`
/// (lanes along its innermost dimension): a plain store when all are real,
/// a masked store otherwise, and one real lane as a scalar (LLVM 22's x86
/// backend turns a one-lane masked store of a truncated vector into a store
/// of the whole untruncated element, past the lane).
void storeLanes(OpBuilder &b, Location loc, Value v, Value memref,
                ValueRange idx, int64_t valid);

} // namespace mlir::eqq

#endif // EQQUANT_LIB_CODEGEN_VECTORBODY_H
