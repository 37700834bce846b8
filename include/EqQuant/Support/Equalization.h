//===- Equalization.h - input-weight equalization arithmetic ----*- C++ -*-===//
//
// The weight arithmetic of equalization on plain row-major float arrays:
// the per-channel scale, scaling along an axis, the range of a scaled value,
// and the rule that decides whether a scale folded into a per-tensor weight
// is carried by the requantize multiplier.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_EQUALIZATION_H
#define EQQUANT_SUPPORT_EQUALIZATION_H

#include "EqQuant/Support/QParams.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <utility>

namespace mlir::eqq {

/// The per-channel statistic the equalization scale balances.
enum class ScaleMode {
  /// max - min, as PyTorch.
  Range,
  /// max(|min|, |max|), SmoothQuant's.
  AbsMax,
};

/// The equalization scale per input channel j, in float32; 0, NaN and +-Inf
/// become 1 (PyTorch's calculate_equalization_scale):
///   s_j = m(W_j)^(1 - alpha) / m(x_j)^alpha
/// with m the range or the largest magnitude. For alpha 0.5 it is computed
/// as sqrt(m(W_j) / m(x_j)), PyTorch's formula bit for bit.
llvm::SmallVector<float> computeEqualizationScale(llvm::ArrayRef<float> xmin,
                                                  llvm::ArrayRef<float> xmax,
                                                  llvm::ArrayRef<float> wmin,
                                                  llvm::ArrayRef<float> wmax,
                                                  ScaleMode mode, float alpha);

/// Multiplies `data` (row-major `shape`) along `axis` by `factors` (one per
/// index of that axis).
void scaleAlong(llvm::MutableArrayRef<float> data,
                llvm::ArrayRef<int64_t> shape, int64_t axis,
                llvm::ArrayRef<float> factors);

/// 1 / s_j for every j, in float32.
llvm::SmallVector<float> getReciprocal(llvm::ArrayRef<float> s);

/// The per-tensor range of a value whose channel j spans [min_j, max_j]
/// after channel j is multiplied by s_j (s_j > 0):
///   [min_j(min_j * s_j), max_j(max_j * s_j)]
/// (+inf, -inf for no channels).
std::pair<float, float> getScaledRange(llvm::ArrayRef<float> min,
                                       llvm::ArrayRef<float> max,
                                       llvm::ArrayRef<float> s);

/// How much more weight error a carried fold may have than the folded rows
/// before the rows are folded instead.
inline constexpr double kFoldErrorMargin = 2.0;

/// The qparams a per-tensor weight observer gives the values it is shown;
/// none when it gives none.
using WeightQParamsFn =
    llvm::function_ref<std::optional<QParams>(llvm::ArrayRef<float>)>;

/// The error, in the space of the scaled output, of a per-tensor weight `w`
/// (`shape`, rows along axis 0) whose rows take the factors `rows`,
/// quantized with the qparams `qparamsOf` gives it to the storage range
/// [lo, hi]: after the rows are multiplied (`folded`),
///   sum_ik (rows_i w_ik - deq(q(rows_i w_ik)))^2,
/// or before, the factors applied to the dequantized rows (a carried fold),
///   sum_ik rows_i^2 (w_ik - deq(q(w_ik)))^2.
/// Infinite when there are no usable qparams.
double getRowScaledWeightError(llvm::ArrayRef<float> w,
                               llvm::ArrayRef<int64_t> shape,
                               llvm::ArrayRef<float> rows, bool folded,
                               WeightQParamsFn qparamsOf, int64_t lo,
                               int64_t hi);

/// Whether a fold is carried: unless quantizing the folded rows loses
/// clearly less (the error model leaves out the input, so a near tie stays
/// carried).
inline bool shouldCarryFold(double carriedError, double foldedError) {
  return carriedError <= kFoldErrorMargin * foldedError;
}

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_EQUALIZATION_H
