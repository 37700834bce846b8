//===- GlobalValues.h - the values of constant globals ----------*- C++ -*-===//
//
// The f32 kernels pack constant weights at compile time; these read them
// from the memref.global a memref.get_global names.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_LIB_CODEGEN_GLOBALVALUES_H
#define EQQUANT_LIB_CODEGEN_GLOBALVALUES_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir::eqq {

/// The f32 values of the constant memref.global that `get` reads, row-major
/// (a dense or a dense_resource initial value); nullopt for anything else.
std::optional<SmallVector<float>> getGlobalF32Values(memref::GetGlobalOp get);

} // namespace mlir::eqq

#endif // EQQUANT_LIB_CODEGEN_GLOBALVALUES_H
