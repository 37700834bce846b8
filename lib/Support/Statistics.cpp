//===- Statistics.cpp - observer statistics on plain arrays ---------------===//

#include "EqQuant/Support/Statistics.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir::eqq;

/// min/max that propagate NaN, as torch.min/torch.max do.
static float nanMin(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<float>::quiet_NaN();
  return b < a ? b : a;
}
static float nanMax(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<float>::quiet_NaN();
  return b > a ? b : a;
}

MinMax mlir::eqq::computeMinMax(llvm::ArrayRef<float> data) {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  for (float v : data) {
    lo = nanMin(lo, v);
    hi = nanMax(hi, v);
  }
  return {{lo}, {hi}};
}

MinMax mlir::eqq::computeChannelMinMax(llvm::ArrayRef<float> data,
                                       llvm::ArrayRef<int64_t> shape,
                                       int64_t axis) {
  assert(axis >= 0 && axis < static_cast<int64_t>(shape.size()));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (int64_t i = axis + 1, e = shape.size(); i < e; ++i)
    inner *= shape[i];
  int64_t channels = shape[axis];
  assert(static_cast<int64_t>(data.size()) == outer * channels * inner);
  MinMax r;
  r.min.assign(channels, std::numeric_limits<float>::infinity());
  r.max.assign(channels, -std::numeric_limits<float>::infinity());
  const float *p = data.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      float lo = r.min[c], hi = r.max[c];
      for (int64_t i = 0; i < inner; ++i, ++p) {
        lo = nanMin(lo, *p);
        hi = nanMax(hi, *p);
      }
      r.min[c] = lo;
      r.max[c] = hi;
    }
  }
  return r;
}

llvm::SmallVector<float> mlir::eqq::computeHistogram(llvm::ArrayRef<float> data,
                                                     int64_t bins, float lo,
                                                     float hi) {
  llvm::SmallVector<float> hist(bins, 0.0f);
  if (bins <= 0 || std::isnan(lo) || std::isnan(hi) || std::isinf(lo) ||
      std::isinf(hi))
    return hist;
  // torch.histc: an empty range means the data's own range, and an empty
  // data range is widened by 1 on each side.
  if (lo == hi) {
    MinMax range = computeMinMax(data);
    lo = range.min.front();
    hi = range.max.front();
    if (!std::isfinite(lo) || !std::isfinite(hi))
      return hist;
  }
  if (lo == hi) {
    lo -= 1.0f;
    hi += 1.0f;
  }
  for (float v : data) {
    if (!(v >= lo) || v > hi) // also skips NaN
      continue;
    // In torch.histc's order (CPU, float32): divide, then multiply.
    auto pos =
        static_cast<int64_t>((v - lo) / (hi - lo) * static_cast<float>(bins));
    if (pos >= bins)
      pos = bins - 1;
    hist[pos] += 1.0f;
  }
  return hist;
}

//===----------------------------------------------------------------------===//
// RunningStats
//===----------------------------------------------------------------------===//

void RunningStats::addRange(llvm::ArrayRef<float> batchMin,
                            llvm::ArrayRef<float> batchMax) {
  assert(rule != AccumulationRule::Histogram && "use addHistogramBatch");
  assert(batchMin.size() == batchMax.size());
  if (empty()) {
    min.assign(batchMin.begin(), batchMin.end());
    max.assign(batchMax.begin(), batchMax.end());
    return;
  }
  assert(min.size() == batchMin.size() && "channel count changed");
  for (size_t i = 0, e = min.size(); i < e; ++i) {
    if (rule == AccumulationRule::MinMax) {
      // torch.min(cur, running), torch.max(cur, running)
      min[i] = nanMin(batchMin[i], min[i]);
      max[i] = nanMax(batchMax[i], max[i]);
    } else {
      // MovingAverageMinMaxObserver, in float32.
      min[i] = min[i] + averagingConstant * (batchMin[i] - min[i]);
      max[i] = max[i] + averagingConstant * (batchMax[i] - max[i]);
    }
  }
}

/// The float64 values of the running sum at the ends of `ends.size()`
/// groups of `downsampleRate` upsampled bins (the float values `oldHist`,
/// each `upsampleRate` times from `startIdx` on, zeros elsewhere), from
/// exact integer sums; false (nothing written) when a partial sum might not
/// be exact in float64.
static bool exactGroupSums(llvm::ArrayRef<float> oldHist, int64_t upsampleRate,
                           int64_t downsampleRate, int64_t startIdx,
                           llvm::MutableArrayRef<double> ends) {
  // Each nonzero count as mantissa * 2^exponent with an odd mantissa; the
  // unit is the smallest such power of two.
  int unit = std::numeric_limits<int>::max();
  for (float v : oldHist) {
    if (v == 0.0f)
      continue;
    if (!std::isfinite(v))
      return false;
    int exp = 0;
    double mantissa = std::frexp(static_cast<double>(v), &exp);
    auto m = static_cast<int64_t>(std::ldexp(mantissa, 24));
    exp -= 24;
    while (m % 2 == 0) {
      m /= 2;
      ++exp;
    }
    unit = std::min(unit, exp);
  }
  int64_t bins = ends.size();
  int64_t length = bins * downsampleRate;
  // The counts in units, and the sum of their magnitudes over every
  // upsampled bin inside the new range, below 2^53.
  constexpr double kLimit = 9007199254740992.0; // 2^53
  llvm::SmallVector<int64_t> units(oldHist.size(), 0);
  double total = 0.0;
  for (auto [i, v] : llvm::enumerate(oldHist)) {
    if (v == 0.0f)
      continue;
    double scaled = std::ldexp(static_cast<double>(v), -unit);
    if (std::fabs(scaled) >= kLimit)
      return false;
    units[i] = static_cast<int64_t>(scaled);
    int64_t first = std::max<int64_t>(0, startIdx + i * upsampleRate);
    int64_t last = std::min<int64_t>(length, startIdx + (i + 1) * upsampleRate);
    if (last > first)
      total += std::fabs(scaled) * static_cast<double>(last - first);
    if (total >= kLimit)
      return false;
  }
  // Sweep the groups' ends over the old bins' spans.
  int64_t sum = 0, covered = 0; // sum over upsampled bins [0, covered)
  for (int64_t j = 0; j < bins; ++j) {
    int64_t end = (j + 1) * downsampleRate;
    while (covered < end) {
      // The old bin at position `covered`, if any.
      int64_t rel = covered - startIdx;
      if (rel < 0) {
        covered = std::min(end, startIdx);
        continue;
      }
      auto bin = static_cast<size_t>(rel / upsampleRate);
      if (bin >= oldHist.size()) {
        covered = end;
        continue;
      }
      int64_t spanEnd = std::min(end, startIdx + static_cast<int64_t>(bin + 1) *
                                                     upsampleRate);
      sum += units[bin] * (spanEnd - covered);
      covered = spanEnd;
    }
    ends[j] = std::ldexp(static_cast<double>(sum), unit);
  }
  return true;
}

/// The new histogram's bins from the running sum at the groups' ends, as
/// PyTorch computes them: the difference from the previous end (as float32)
/// divided by the upsample rate.
static void addGroupDifferences(llvm::MutableArrayRef<float> newHist,
                                llvm::ArrayRef<double> integral,
                                int64_t upsampleRate) {
  for (size_t j = 0; j < newHist.size(); ++j) {
    double shifted =
        j ? static_cast<double>(static_cast<float>(integral[j - 1])) : 0.0;
    newHist[j] += static_cast<float>((integral[j] - shifted) / upsampleRate);
  }
}

void mlir::eqq::combineHistogramsSequential(
    llvm::MutableArrayRef<float> newHist, llvm::ArrayRef<float> oldHist,
    int64_t upsampleRate, int64_t downsampleRate, int64_t startIdx) {
  int64_t bins = newHist.size();
  // histogram_with_output_range[start : start + bins * up] = upsampled
  std::vector<float> withRange(bins * downsampleRate, 0.0f);
  for (int64_t i = 0; i < static_cast<int64_t>(oldHist.size()) * upsampleRate;
       ++i) {
    int64_t dst = startIdx + i;
    if (dst >= 0 && dst < static_cast<int64_t>(withRange.size()))
      withRange[dst] = oldHist[i / upsampleRate];
  }
  // integral = cumsum(double)[down - 1 :: down]; the shifted copy is float32.
  std::vector<double> integral(bins);
  double sum = 0.0;
  for (int64_t i = 0, j = 0; i < static_cast<int64_t>(withRange.size()); ++i) {
    sum += withRange[i];
    if ((i + 1) % downsampleRate == 0 && j < bins)
      integral[j++] = sum;
  }
  addGroupDifferences(newHist, integral, upsampleRate);
}

void mlir::eqq::combineHistograms(llvm::MutableArrayRef<float> newHist,
                                  llvm::ArrayRef<float> oldHist,
                                  int64_t upsampleRate, int64_t downsampleRate,
                                  int64_t startIdx) {
  std::vector<double> integral(newHist.size());
  if (!exactGroupSums(oldHist, upsampleRate, downsampleRate, startIdx,
                      integral))
    return combineHistogramsSequential(newHist, oldHist, upsampleRate,
                                       downsampleRate, startIdx);
  addGroupDifferences(newHist, integral, upsampleRate);
}

/// HistogramObserver.forward's update for a batch (or another histogram)
/// with range [batchMin, batchMax] whose histogram over a range [lo, hi] is
/// computed by `histogramOver(lo, hi)`.
template <typename HistogramFn>
static void updateHistogram(RunningStats &s, float batchMin, float batchMax,
                            HistogramFn histogramOver) {
  bool uninitialized = s.empty();
  if (uninitialized || s.min[0] == s.max[0]) {
    s.min = {batchMin};
    s.max = {batchMax};
    s.histogram = histogramOver(batchMin, batchMax);
    return;
  }
  float lo = nanMin(batchMin, s.min[0]);
  float hi = nanMax(batchMax, s.max[0]);
  // _adjust_min_max, in float32.
  float binWidth =
      (s.max[0] - s.min[0]) / static_cast<float>(s.bins * s.upsampleRate);
  auto downsampleRate = static_cast<int64_t>(
      std::ceil((hi - lo) / (static_cast<float>(s.bins) * binWidth)));
  float e = static_cast<float>(downsampleRate) *
                (static_cast<float>(s.bins) * binWidth) -
            (hi - lo);
  hi = hi + e;
  auto startIdx =
      static_cast<int64_t>(std::nearbyint((s.min[0] - lo) / binWidth));
  llvm::SmallVector<float> combined = histogramOver(lo, hi);
  if (lo == s.min[0] && hi == s.max[0]) {
    for (int64_t i = 0; i < s.bins; ++i)
      combined[i] += s.histogram[i];
  } else {
    mlir::eqq::combineHistograms(combined, s.histogram, s.upsampleRate,
                                 downsampleRate, startIdx);
  }
  s.histogram = std::move(combined);
  s.min = {lo};
  s.max = {hi};
}

void RunningStats::addHistogramBatch(llvm::ArrayRef<float> data) {
  assert(rule == AccumulationRule::Histogram);
  if (data.empty())
    return;
  MinMax range = computeMinMax(data);
  updateHistogram(*this, range.min[0], range.max[0], [&](float lo, float hi) {
    return computeHistogram(data, bins, lo, hi);
  });
}

void RunningStats::merge(const RunningStats &other) {
  if (other.empty())
    return;
  if (rule != AccumulationRule::Histogram) {
    addRange(other.min, other.max);
    return;
  }
  if (empty()) {
    min = other.min;
    max = other.max;
    histogram = other.histogram;
    return;
  }
  // The other histogram enters like a batch whose values sit at its bin
  // centers, each with its bin's count.
  float width = (other.max[0] - other.min[0]) /
                static_cast<float>(other.histogram.size());
  updateHistogram(*this, other.min[0], other.max[0], [&](float lo, float hi) {
    llvm::SmallVector<float> resampled(bins, 0.0f);
    for (auto [i, count] : llvm::enumerate(other.histogram)) {
      float center = other.min[0] + (static_cast<float>(i) + 0.5f) * width;
      auto pos = static_cast<int64_t>((center - lo) * static_cast<float>(bins) /
                                      (hi - lo));
      resampled[std::clamp<int64_t>(pos, 0, bins - 1)] += count;
    }
    return resampled;
  });
}
