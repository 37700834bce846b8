//===- WeightQuantization.h - observing and quantizing weights --*- C++ -*-===//
//
// What an observer makes of an array it is shown, without the op: its
// statistics and qparams (PyTorch's calculate_qparams, with the histogram
// observer's range search), and torch.quantize_per_tensor /
// quantize_per_channel on a weight W[out, ...].
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_WEIGHTQUANTIZATION_H
#define EQQUANT_SUPPORT_WEIGHTQUANTIZATION_H

#include "EqQuant/Support/QParams.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace mlir::eqq {

/// An observer's configuration, as far as its qparams depend on it.
struct ObserverSpec {
  QParamsConfig config;
  /// Per channel along `axis`, or per tensor.
  bool perChannel = false;
  int64_t axis = 0;
  /// A histogram observer with `bins` bins (per tensor only).
  bool histogram = false;
  int64_t bins = 2048;
};

/// The qparams of an observer with statistics `min`/`max` (and, for a
/// histogram observer, `histogram` over [min[0], max[0]]; empty: none, the
/// range is used as it is).
QParams computeObserverQParams(const ObserverSpec &spec,
                               llvm::ArrayRef<float> min,
                               llvm::ArrayRef<float> max,
                               llvm::ArrayRef<float> histogram);

/// The qparams of an observer shown only `data` (row-major `shape`): its
/// statistics computed from the data (min/max per tensor or per channel,
/// the histogram), then computeObserverQParams.
QParams computeDataQParams(const ObserverSpec &spec, llvm::ArrayRef<float> data,
                           llvm::ArrayRef<int64_t> shape);

/// Quantizes the rows of `w` (rows of equal length, `scale.size()` of them)
/// as torch.quantize_per_channel along axis 0 does:
///   q = clamp(round_half_even(w * (1 / scale_r)) + zeroPoint_r, lo, hi)
/// (per tensor: the same scale and zero point for every row). The scales
/// must be finite and positive.
llvm::SmallVector<int64_t> quantizeRows(llvm::ArrayRef<float> w,
                                        llvm::ArrayRef<float> scale,
                                        llvm::ArrayRef<int64_t> zeroPoint,
                                        int64_t lo, int64_t hi);

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_WEIGHTQUANTIZATION_H
