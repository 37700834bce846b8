//===- QParams.cpp - quantization parameters from observed ranges ---------===//

#include "EqQuant/Support/QParams.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

using namespace mlir::eqq;

static constexpr float kEps = std::numeric_limits<float>::epsilon();

/// torch.min / torch.max against a tensor: NaN propagates.
static float minNaN(float a, float b) {
  return std::isnan(a) || std::isnan(b)
             ? std::numeric_limits<float>::quiet_NaN()
             : std::min(a, b);
}
static float maxNaN(float a, float b) {
  return std::isnan(a) || std::isnan(b)
             ? std::numeric_limits<float>::quiet_NaN()
             : std::max(a, b);
}

QParams mlir::eqq::computeQParams(llvm::ArrayRef<float> min,
                                  llvm::ArrayRef<float> max,
                                  const QParamsConfig &config) {
  QParams q;
  bool unobserved =
      min.empty() ||
      (min.size() == 1 && min[0] == std::numeric_limits<float>::infinity() &&
       max[0] == -std::numeric_limits<float>::infinity());
  if (unobserved) {
    q.scale = {1.0f};
    q.zeroPoint = {0.0f};
    return q;
  }
  assert(min.size() == max.size());
  auto qmin = static_cast<float>(config.quantMin);
  auto qmax = static_cast<float>(config.quantMax);
  for (size_t i = 0, e = min.size(); i < e; ++i) {
    float minNeg = minNaN(min[i], 0.0f);
    float maxPos = maxNaN(max[i], 0.0f);
    float scale, zp = 0.0f;
    switch (config.scheme) {
    case QParamsScheme::Symmetric: {
      maxPos = maxNaN(-minNeg, maxPos);
      scale = maxPos /
              static_cast<float>(
                  static_cast<double>(config.quantMax - config.quantMin) / 2.0);
      scale = maxNaN(scale, kEps);
      if (config.unsignedStorage)
        zp = config.customRange ? static_cast<float>(llvm::divideFloorSigned(
                                      config.quantMin + config.quantMax, 2))
                                : 128.0f;
      break;
    }
    case QParamsScheme::Fixed: {
      scale = (max[i] - min[i]) / (qmax - qmin + 1.0f);
      zp = static_cast<float>(config.quantMin -
                              std::nearbyint(min[i] / scale));
      break;
    }
    case QParamsScheme::AffineFloatQParams: {
      scale = (max[i] - min[i]) / (qmax - qmin);
      if (!(scale > kEps))
        scale = 1.0f;
      zp = -1.0f * min[i] / scale;
      break;
    }
    case QParamsScheme::Affine: {
      scale = (maxPos - minNeg) / (qmax - qmin);
      scale = maxNaN(scale, kEps);
      // quant_min - round(min_neg / scale) (half to even), clamped.
      double rounded = std::nearbyint(minNeg / scale);
      zp = static_cast<float>(config.quantMin - rounded);
      zp = std::min(std::max(zp, qmin), qmax);
      break;
    }
    }
    q.scale.push_back(scale);
    q.zeroPoint.push_back(zp);
  }
  return q;
}

//===----------------------------------------------------------------------===//
// Histogram range search
//===----------------------------------------------------------------------===//

/// PyTorch's multi_row_sum (ATen/native/cpu/SumKernel.cpp): sums `size` rows
/// of 4 columns, each column `lanes` floats wide (row i, column k at
/// data + (i * 4 + k) * lanes), in cascading levels, in float32.
static std::vector<float> multiRowSum(const float *data, int64_t size,
                                      int64_t lanes) {
  constexpr int64_t kRows = 4, kLevels = 4;
  int64_t levelPower = std::max<int64_t>(
      4, (size <= 2 ? 1 : llvm::Log2_64_Ceil(size)) / kLevels);
  int64_t levelStep = int64_t(1) << levelPower;
  int64_t levelMask = levelStep - 1;
  int64_t width = kRows * lanes;
  std::vector<std::vector<float>> acc(kLevels, std::vector<float>(width));
  auto addRow = [&](int64_t i) {
    for (int64_t k = 0; k < width; ++k)
      acc[0][k] += data[i * width + k];
  };
  int64_t i = 0;
  while (i + levelStep <= size) {
    for (int64_t j = 0; j < levelStep; ++j, ++i)
      addRow(i);
    for (int64_t j = 1; j < kLevels; ++j) {
      for (int64_t k = 0; k < width; ++k) {
        acc[j][k] += acc[j - 1][k];
        acc[j - 1][k] = 0.0f;
      }
      if ((i & (levelMask << (j * levelPower))) != 0)
        break;
    }
  }
  for (; i < size; ++i)
    addRow(i);
  for (int64_t j = 1; j < kLevels; ++j)
    for (int64_t k = 0; k < width; ++k)
      acc[0][k] += acc[j][k];
  return acc[0];
}

/// PyTorch's row_sum: `size` elements `lanes` floats wide, summed as rows of
/// 4 by multiRowSum, then the rest, then the 4 partial sums.
static std::vector<float> rowSum(const float *data, int64_t size,
                                 int64_t lanes) {
  int64_t sizeIlp = size / 4;
  std::vector<float> partial = multiRowSum(data, sizeIlp, lanes);
  for (int64_t i = sizeIlp * 4; i < size; ++i)
    for (int64_t l = 0; l < lanes; ++l)
      partial[l] += data[i * lanes + l];
  for (int64_t k = 1; k < 4; ++k)
    for (int64_t l = 0; l < lanes; ++l)
      partial[l] += partial[k * lanes + l];
  partial.resize(lanes);
  return partial;
}

/// torch.sum of a contiguous float32 tensor (of up to 32768 elements, one
/// thread) as PyTorch 1.13 computes it on the CPU: the cascade sum of
/// SumKernel.cpp over 8-lane float vectors (its default and AVX2 kernels),
/// the elements that fill no vector, then the lanes. The range search
/// compares this total with cumulative sums: a last-bit difference from it
/// can change where the search stops.
static float torchSum(llvm::ArrayRef<float> x) {
  constexpr int64_t kLanes = 8;
  auto n = static_cast<int64_t>(x.size());
  if (n < kLanes)
    return rowSum(x.data(), n, 1).front();
  int64_t vectors = n / kLanes;
  std::vector<float> lanes = rowSum(x.data(), vectors, kLanes);
  float sum = 0.0f;
  for (int64_t i = vectors * kLanes; i < n; ++i)
    sum += x[i];
  for (float lane : lanes)
    sum += lane;
  return sum;
}

/// HistogramObserver._get_norm: density * (end^3 - begin^3) / 3.
static float getNorm(float deltaBegin, float deltaEnd, float density) {
  float norm =
      (deltaEnd * deltaEnd * deltaEnd - deltaBegin * deltaBegin * deltaBegin) /
      3.0f;
  return density * norm;
}

/// HistogramObserver._compute_quantization_error for the sub-range of bins
/// [startBin, endBin]: python floats are doubles, tensors float32.
static double quantizationError(llvm::ArrayRef<float> histogram, float min,
                                float max, int64_t dstBins, int64_t startBin,
                                int64_t endBin) {
  auto bins = static_cast<int64_t>(histogram.size());
  double binWidth = (static_cast<double>(max) - static_cast<double>(min)) /
                    static_cast<double>(bins);
  double dstBinWidth = binWidth * static_cast<double>(endBin - startBin + 1) /
                       static_cast<double>(dstBins);
  if (dstBinWidth == 0.0)
    return 0.0;
  auto dstWidth = static_cast<float>(dstBinWidth);
  auto halfDst = static_cast<float>(dstBinWidth / 2);
  auto maxDst = static_cast<float>(dstBins - 1);
  double total = 0.0;
  for (int64_t i = 0; i < bins; ++i) {
    auto srcBegin =
        static_cast<float>(static_cast<double>(i - startBin) * binWidth);
    float srcEnd = srcBegin + static_cast<float>(binWidth);
    float dstBegin =
        std::min(std::max(std::floor(srcBegin / dstWidth), 0.0f), maxDst);
    float dstBeginCenter = (dstBegin + 0.5f) * dstWidth;
    float dstEnd =
        std::min(std::max(std::floor(srcEnd / dstWidth), 0.0f), maxDst);
    float density = histogram[i] / static_cast<float>(binWidth);
    float norm = getNorm(srcBegin - dstBeginCenter, halfDst, density);
    norm += (dstEnd - dstBegin - 1.0f) * getNorm(-halfDst, halfDst, density);
    float dstEndCenter = dstEnd * dstWidth + halfDst;
    norm += getNorm(-halfDst, srcEnd - dstEndCenter, density);
    total += norm;
  }
  return total;
}

std::pair<float, float>
mlir::eqq::searchHistogramRange(llvm::ArrayRef<float> histogram, float min,
                                float max, int64_t dstBins) {
  auto bins = static_cast<int64_t>(histogram.size());
  float binWidth = (max - min) / static_cast<float>(bins);
  // torch.cumsum accumulates float32 in double on the CPU; the total is
  // torch.sum's.
  std::vector<float> cumSum(bins);
  double running = 0.0;
  for (int64_t i = 0; i < bins; ++i) {
    running += histogram[i];
    cumSum[i] = static_cast<float>(running);
  }
  double total = torchSum(histogram);
  const double stepSize = 1e-5;
  double alpha = 0.0, beta = 1.0;
  int64_t startBin = 0, endBin = bins - 1;
  double normMin = std::numeric_limits<double>::infinity();
  while (alpha < beta) {
    double nextAlpha = alpha + stepSize;
    double nextBeta = beta - stepSize;
    int64_t l = startBin, r = endBin;
    while (l < endBin && cumSum[l] < static_cast<float>(nextAlpha * total))
      ++l;
    while (r > startBin && cumSum[r] > static_cast<float>(nextBeta * total))
      --r;
    int64_t nextStart = startBin, nextEnd = endBin;
    if (l - startBin > endBin - r) {
      nextStart = l;
      alpha = nextAlpha;
    } else {
      nextEnd = r;
      beta = nextBeta;
    }
    if (nextStart == startBin && nextEnd == endBin)
      continue;
    double norm =
        quantizationError(histogram, min, max, dstBins, nextStart, nextEnd);
    if (norm > normMin)
      break;
    normMin = norm;
    startBin = nextStart;
    endBin = nextEnd;
  }
  return {min + binWidth * static_cast<float>(startBin),
          min + binWidth * static_cast<float>(endBin + 1)};
}
