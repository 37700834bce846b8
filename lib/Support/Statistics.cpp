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
    auto pos =
        static_cast<int64_t>((v - lo) * static_cast<float>(bins) / (hi - lo));
    if (pos >= bins)
      pos = bins - 1;
    hist[pos] += 1.0f;
  }
  return hist;
}
