//===- EqqDialect.h - the eqq dialect ---------------------------*- C++ -*-===//
//
// Declares the eqq dialect, its enums, attributes and operations.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_DIALECT_EQQDIALECT_H
#define EQQUANT_DIALECT_EQQDIALECT_H

#include "EqQuant/Dialect/EqqInterfaces.h"
#include "EqQuant/Support/QParams.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "EqQuant/Dialect/EqqDialect.h.inc"
#include "EqQuant/Dialect/EqqEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "EqQuant/Dialect/EqqAttrs.h.inc"

#define GET_OP_CLASSES
#include "EqQuant/Dialect/EqqOps.h.inc"

namespace mlir::eqq {

/// The quantization range [qmin, qmax] an observer uses to compute its
/// quantization parameters (PyTorch's `calculate_qmin_qmax`).
std::pair<int64_t, int64_t> getQuantRange(QDType dtype,
                                          std::optional<int64_t> quantMin,
                                          std::optional<int64_t> quantMax,
                                          bool reduceRange);

/// The storage range of a dtype: [0, 255] for quint8, [-128, 127] for qint8.
std::pair<int64_t, int64_t> getStorageRange(QDType dtype);

/// Checks observer parameters against the combinations PyTorch accepts.
/// Returns the reason they are rejected, or an empty string.
std::string checkObserverParams(ObserverKind kind, QDType dtype,
                                QScheme qscheme, std::optional<int64_t> qmin,
                                std::optional<int64_t> qmax, bool reduceRange);

/// True for the per-channel quantization schemes.
bool isPerChannel(QScheme qscheme);

/// How an observer with these parameters turns a range into a scale and
/// zero point (lib/Support/QParams.h): the scheme, the storage signedness,
/// and the quantization range after reduce_range.
QParamsConfig getQParamsConfig(QScheme qscheme, QDType dtype,
                               std::optional<int64_t> quantMin,
                               std::optional<int64_t> quantMax,
                               bool reduceRange);

/// The f32 elements of a constant, dense or `dense_resource`, row-major;
/// std::nullopt for other element types or unreadable blobs.
std::optional<SmallVector<float>> getFloatValues(ElementsAttr attr);

/// Returns the constant behind `value`, looking through observers (which are
/// the identity on data); null if there is none.
ElementsAttr getConstantThroughObservers(Value value);

} // namespace mlir::eqq

#endif // EQQUANT_DIALECT_EQQDIALECT_H
