//===- Statistics.h - observer statistics on plain arrays -------*- C++ -*-===//
//
// The reductions behind the observers, on row-major float data: per-tensor
// and per-channel min/max (NaN propagates, as in torch.aminmax) and
// torch.histc.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_STATISTICS_H
#define EQQUANT_SUPPORT_STATISTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace mlir::eqq {

struct MinMax {
  llvm::SmallVector<float> min;
  llvm::SmallVector<float> max;
};

/// Min and max of every element (one entry each).
MinMax computeMinMax(llvm::ArrayRef<float> data);

/// Min and max per index of `axis` of a row-major tensor of `shape`,
/// reducing over every other axis.
MinMax computeChannelMinMax(llvm::ArrayRef<float> data,
                            llvm::ArrayRef<int64_t> shape, int64_t axis);

/// HistogramObserver._combine_histograms: `oldHist` (over the old range,
/// which starts `startIdx` upsampled bins into the new one) upsampled by
/// `upsampleRate`, summed in groups of `downsampleRate` upsampled bins onto
/// the new range through a float64 running sum, and added to `newHist`.
/// combineHistograms computes the running sum's values at the group ends
/// from exact integer sums when every partial sum is exactly representable
/// in float64 (the old counts are multiples of one power of two and all of
/// them together stay below 2^53 such units), the same numbers as
/// combineHistogramsSequential, which adds the bins one by one (PyTorch's
/// loop; about 262,000 dependent adds for 2048 bins upsampled 128 times),
/// and falls back to it otherwise.
void combineHistograms(llvm::MutableArrayRef<float> newHist,
                       llvm::ArrayRef<float> oldHist, int64_t upsampleRate,
                       int64_t downsampleRate, int64_t startIdx);
void combineHistogramsSequential(llvm::MutableArrayRef<float> newHist,
                                 llvm::ArrayRef<float> oldHist,
                                 int64_t upsampleRate, int64_t downsampleRate,
                                 int64_t startIdx);

/// torch.histc(data, bins, lo, hi): `bins` equal-width bins over [lo, hi];
/// values outside are ignored, values equal to `hi` fall into the last bin.
/// When lo == hi the data's own range is used (widened by 1 on each side if
/// it is empty too). NaN values are not counted (torch.histc on the CPU
/// puts them in the first bin, an artifact of its float-to-index conversion).
llvm::SmallVector<float> computeHistogram(llvm::ArrayRef<float> data,
                                          int64_t bins, float lo, float hi);

/// How an observer folds a batch into its running statistics.
enum class AccumulationRule {
  /// MinMaxObserver, PerChannelMinMaxObserver and the equalization observers:
  /// running minimum and maximum.
  MinMax,
  /// MovingAverageMinMaxObserver: the first batch's range, then
  /// `x += c * (batch - x)`.
  MovingAverage,
  /// HistogramObserver: a histogram over the running range, rescaled when
  /// the range grows.
  Histogram,
};

/// The running statistics of one observer, updated batch by batch exactly as
/// PyTorch's observers update theirs (in float32, NaN propagating).
struct RunningStats {
  AccumulationRule rule = AccumulationRule::MinMax;
  float averagingConstant = 0.01f;
  int64_t bins = 2048;
  /// HistogramObserver's upsample_rate.
  int64_t upsampleRate = 128;
  /// Empty until the first batch (or an imported state).
  llvm::SmallVector<float> min, max, histogram;

  bool empty() const { return min.empty(); }

  /// Folds in one batch's per-channel (or, with one entry, per-tensor) range.
  /// Not for histograms.
  void addRange(llvm::ArrayRef<float> batchMin, llvm::ArrayRef<float> batchMax);

  /// Folds in one batch of a histogram observer's input.
  void addHistogramBatch(llvm::ArrayRef<float> data);

  /// Folds in another observer's statistics as if they were one more batch:
  /// exact for min/max (the result is what one run over both data sets
  /// gives); an approximation for moving averages (which depend on the order
  /// of batches) and histograms (the other histogram's counts enter at its
  /// bin centers).
  void merge(const RunningStats &other);
};

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_STATISTICS_H
