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

/// The size from which a packed constant is a blob rather than an attribute.
constexpr size_t kPackedBlobBytes = 4096;

/// The initial value of a packed constant of `type` whose row-major bytes
/// are `bytes`: from kPackedBlobBytes on, a dense_resource blob aligned to
/// 64 bytes (the JIT then reads it in place instead of copying it, and the
/// context does not keep a second, uniqued copy); below, a dense attribute.
ElementsAttr getPackedConstant(ShapedType type, ArrayRef<char> bytes);

template <typename T>
ElementsAttr getPackedConstant(ShapedType type, ArrayRef<T> values) {
  return getPackedConstant(
      type, ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                           values.size() * sizeof(T)));
}

} // namespace mlir::eqq

#endif // EQQUANT_LIB_CODEGEN_GLOBALVALUES_H
