//===- QParams.h - quantization parameters from observed ranges -*- C++ -*-===//
//
// PyTorch's observer `calculate_qparams`, in float32 as PyTorch computes it:
// scale and zero point from min/max (per tensor or per channel) for affine,
// symmetric and float-qparams schemes, and the histogram observer's search
// for the range that minimizes the L2 quantization error.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_QPARAMS_H
#define EQQUANT_SUPPORT_QPARAMS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <utility>

namespace mlir::eqq {

/// How a range becomes a scale and zero point.
/// Affine, Symmetric and AffineFloatQParams are PyTorch's qschemes; Fixed is
/// FixedQParamsObserver's: the range [min, max] spans the whole storage range,
/// scale = (max - min) / (quant_max - quant_min + 1) and zero point
/// quant_min - round(min / scale) (1/256 and 0 for sigmoid's [0, 1] on quint8).
enum class QParamsScheme { Affine, Symmetric, AffineFloatQParams, Fixed };

struct QParamsConfig {
  QParamsScheme scheme = QParamsScheme::Affine;
  /// quint8 (zero point 128 for symmetric) or qint8 (zero point 0).
  bool unsignedStorage = true;
  /// The quantization range [quantMin, quantMax] (after reduce_range).
  int64_t quantMin = 0, quantMax = 255;
  /// A user-given range: symmetric quint8 then uses (min + max) // 2.
  bool customRange = false;
};

/// One scale and zero point per channel (one for a per-tensor range). Zero
/// points are integers except for AffineFloatQParams.
struct QParams {
  llvm::SmallVector<float> scale;
  llvm::SmallVector<float> zeroPoint;
};

/// `_calculate_qparams(min, max)`. An observer that saw nothing (empty, or
/// min = +inf and max = -inf) gives scale 1 and zero point 0, as PyTorch.
QParams computeQParams(llvm::ArrayRef<float> min, llvm::ArrayRef<float> max,
                       const QParamsConfig &config);

/// HistogramObserver._non_linear_param_search: the sub-range of the
/// histogram over [min, max] whose quantization to `dstBins` levels has the
/// least L2 error.
std::pair<float, float> searchHistogramRange(llvm::ArrayRef<float> histogram,
                                             float min, float max,
                                             int64_t dstBins);

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_QPARAMS_H
