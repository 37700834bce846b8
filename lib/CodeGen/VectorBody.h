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
/// each block argument the body reads (and may hold one for an op's
/// result, which is then not built); scalars from outside the body are
/// broadcast. A quantize's rounding and clamp to integers
/// (`fptosi(clamp(roundeven(x) + zp, lo, hi))`) becomes
/// `lrint(clamp(x, lo - zp, hi - zp)) + zp`, the same integers for every
/// x but NaN in one instruction less, and its integer narrowed and widened
/// back within the clamp's range is the integer itself. A read of a
/// constant 256-entry table of byte values is a gather, or as `tables`
/// says byte permutes or byte shuffles; with one index for every lane (a
/// broadcast), one scalar load.
enum class TableReads {
  /// vector.gather (LLVM loads each lane).
  Gather,
  /// Two vpermi2b of 64 bytes (AVX-512 VBMI), up to 64 lanes.
  BytePermutes,
  /// Sixteen vpshufb of 16-entry slices (AVX2), 16 to 32 lanes.
  ByteShuffles,
};
Value buildBodyOnVectors(OpBuilder &b, Location loc, Block &body,
                         IRMapping &map, int64_t lanes,
                         TableReads tables = TableReads::Gather);

/// Where `producer`'s yielded value is a requantize's integer narrowed to
/// bytes (trunci of fptosi of a rounded and clamped value) whose clamp the
/// bytes hold exactly, maps each widening of `arg` back to i32 (extui or
/// extsi) in `map` to that integer's vector in `producerMap` (after
/// buildBodyOnVectors of the producer): a body reading the producer's
/// result as `arg` then skips the narrowing and widening.
void mapRewidened(Block &producer, IRMapping &producerMap, BlockArgument arg,
                  IRMapping &map);

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
/// of the whole untruncated element, past the lane). Lanes of 8 or 16 bits
/// whose count has at most three bits set go as that many plain stores of
/// 2^k lanes (AVX2 has no masked store of them).
void storeLanes(OpBuilder &b, Location loc, Value v, Value memref,
                ValueRange idx, int64_t valid);

/// A buffer no other value can alias: a fresh allocation (memref.alloc or
/// memref.alloca) that is read and written only directly (no view of it).
bool isPrivateBuffer(Value memref);

} // namespace mlir::eqq

#endif // EQQUANT_LIB_CODEGEN_VECTORBODY_H
