//===- SumKernel.h - integer window sums on vectors -------------*- C++ -*-===//
//
// Part of --eqq-int8-kernels: the integer sums of global average pools and
// spatial means (--eqq-convert sums the stored integers less the zero
// point) as 16-lane vector loops over each channel's contiguous plane.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_LIB_CODEGEN_SUMKERNEL_H
#define EQQUANT_LIB_CODEGEN_SUMKERNEL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::eqq {

/// True for a generic on buffers that sums `f(x)` into i32 (`out + f(x)`,
/// f lane by lane on x alone) over whole trailing dimensions of a
/// contiguous 8-bit input: each output element reads one contiguous block
/// of x (a global average pool's window is the whole plane).
bool isIntegerRowSum(linalg::GenericOp op);

/// Replaces `op` (isIntegerRowSum) by loops, in parallel over the output
/// elements, that accumulate f(x) in 16 i32 lanes along each block (the
/// last vector masked) and add the lanes to the output. Integer addition
/// is associative: the same sums as the loops.
void buildIntegerRowSum(linalg::GenericOp op);

} // namespace mlir::eqq

#endif // EQQUANT_LIB_CODEGEN_SUMKERNEL_H
