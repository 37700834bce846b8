//===- WeightQuantization.cpp - observing and quantizing weights ----------===//

#include "EqQuant/Support/WeightQuantization.h"
#include "EqQuant/Support/Statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace mlir::eqq;

QParams mlir::eqq::computeObserverQParams(const ObserverSpec &spec,
                                          llvm::ArrayRef<float> min,
                                          llvm::ArrayRef<float> max,
                                          llvm::ArrayRef<float> histogram) {
  if (spec.histogram && !histogram.empty() && !min.empty() &&
      std::isfinite(min[0]) && std::isfinite(max[0])) {
    // 2^8 destination bins, as HistogramObserver's dst_nbins for 8 bits.
    auto [lo, hi] = searchHistogramRange(histogram, min[0], max[0], 256);
    return computeQParams({lo}, {hi}, spec.config);
  }
  return computeQParams(min, max, spec.config);
}

QParams mlir::eqq::computeDataQParams(const ObserverSpec &spec,
                                      llvm::ArrayRef<float> data,
                                      llvm::ArrayRef<int64_t> shape) {
  MinMax stats = spec.perChannel ? computeChannelMinMax(data, shape, spec.axis)
                                 : computeMinMax(data);
  llvm::SmallVector<float> histogram;
  if (spec.histogram)
    histogram =
        computeHistogram(data, spec.bins, stats.min.front(), stats.max.front());
  return computeObserverQParams(spec, stats.min, stats.max, histogram);
}

llvm::SmallVector<int64_t>
mlir::eqq::quantizeRows(llvm::ArrayRef<float> w, llvm::ArrayRef<float> scale,
                        llvm::ArrayRef<int64_t> zeroPoint, int64_t lo,
                        int64_t hi) {
  assert(scale.size() == zeroPoint.size() && !scale.empty());
  size_t rows = scale.size();
  size_t inner = w.size() / rows;
  llvm::SmallVector<int64_t> q(w.size());
  for (size_t n = 0; n < rows; ++n) {
    float inv = 1.0f / scale[n];
    for (size_t i = 0; i < inner; ++i) {
      int64_t v = static_cast<int64_t>(std::nearbyint(w[n * inner + i] * inv)) +
                  zeroPoint[n];
      q[n * inner + i] = std::clamp<int64_t>(v, lo, hi);
    }
  }
  return q;
}
