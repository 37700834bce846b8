//===- QuantizeLayers.h - the int8 programs of quantized layers -*- C++ -*-===//
//
// Quantization after equalization: activation observers become
// quantize/dequantize pairs, and each quantized linear or conv layer an
// integer program (an i32-accumulating generic of the stored integers and a
// requantize generic).
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_CONVERT_QUANTIZELAYERS_H
#define EQQUANT_TRANSFORMS_CONVERT_QUANTIZELAYERS_H

#include "Observers.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>

namespace mlir::eqq {

/// A weight quantized at compile time, per tensor or per output channel.
struct QuantizedWeight {
  SmallVector<int8_t> values;
  SmallVector<float> scale; // per output channel (repeated if per tensor)
  SmallVector<int64_t> zeroPoint;
  bool isUnsigned = false;
};

/// Quantizes a weight W[out, ...] (`shape`) with the qparams `q` under the
/// scheme of its observer `obs`, as torch.quantize_per_tensor /
/// per_channel do; none, with the reason, when it cannot be.
std::optional<QuantizedWeight>
quantizeWeight(WeightObserverOp obs, const std::optional<QParams> &q,
               ArrayRef<float> w, ArrayRef<int64_t> shape, std::string &reason);

/// A scale folded into a layer whose weight is quantized per tensor,
/// carried by its requantize multiplier: the row factors, the weight before
/// they were applied and its observer's qparams.
struct CarriedFold {
  SmallVector<float> rowScale;
  SmallVector<float> weight;
  std::optional<QParams> weightQParams;
};

/// Carried folds by the layer op they were folded into.
using CarriedFolds = llvm::DenseMap<Operation *, CarriedFold>;

/// The qparams `layer`'s weight is quantized with: its observer's, or those
/// of a carried fold's weight.
std::optional<QParams> getWeightQParams(const Layer &layer,
                                        WeightObserverOp obs,
                                        const CarriedFolds &carried);

/// Replaces `layer` (whose input is dequantized and whose output, or its
/// relu's, is quantized) by its integer program; returns the quantized
/// result that replaced the output's quantize, or failure with an error
/// emitted. A layer whose input or output is not quantized is left float
/// with a warning (the result is then null).
FailureOr<Value> quantizeLayer(RewriterBase &rewriter, const Layer &layer,
                               const CarriedFolds &carried);

/// Quantizes an equalized module: every activation observer becomes
/// quantize + dequantize, every quantized layer its integer program, and
/// what is left of the float layers is erased.
LogicalResult quantizeModel(RewriterBase &rewriter, ModuleOp module,
                            const ModelAnalysis &model,
                            const CarriedFolds &carried);

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_CONVERT_QUANTIZELAYERS_H
