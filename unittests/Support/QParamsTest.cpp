//===- QParamsTest.cpp - calculate_qparams --------------------------------===//
//
// computeQParams and searchHistogramRange against PyTorch 1.13's observers.
// Every expected number was printed by /usr/bin/python3 (PyTorch 1.13) with
// the observer named in the test: for a per-tensor range [lo, hi],
//   obs = MinMaxObserver(dtype=..., qscheme=..., ...); obs(torch.tensor([lo,
//   hi])) obs.calculate_qparams()
// and for per-channel ranges PerChannelMinMaxObserver(ch_axis=0) fed the rows
// [lo_c, hi_c]; floats are printed with repr(numpy.float32(x)), which reads
// back as the same float32. PyTorch computes in float32 and EqQuant
// reproduces it bit for bit, so floats are compared exactly.
//
// The quantization range passed in QParamsConfig is the one the observer ops
// compute (getQuantRange, PyTorch's calculate_qmin_qmax): default ranges
// [0, 255] / [-128, 127], reduced to [0, 127] / [-64, 63]; a custom range
// [quant_min, quant_max] has both ends floor-divided by 2 under reduce_range.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Support/QParams.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <vector>

using namespace mlir::eqq;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
/// torch.finfo(torch.float32).eps, the observers' lower bound on the scale.
constexpr float kEps = 1.1920929e-07f;

QParamsConfig makeConfig(QParamsScheme scheme, bool unsignedStorage,
                         int64_t quantMin, int64_t quantMax,
                         bool customRange = false) {
  QParamsConfig config;
  config.scheme = scheme;
  config.unsignedStorage = unsignedStorage;
  config.quantMin = quantMin;
  config.quantMax = quantMax;
  config.customRange = customRange;
  return config;
}

QParamsConfig quint8(QParamsScheme scheme, int64_t quantMin = 0,
                     int64_t quantMax = 255, bool customRange = false) {
  return makeConfig(scheme, true, quantMin, quantMax, customRange);
}

QParamsConfig qint8(QParamsScheme scheme, int64_t quantMin = -128,
                    int64_t quantMax = 127, bool customRange = false) {
  return makeConfig(scheme, false, quantMin, quantMax, customRange);
}

/// Exact comparison of every scale and zero point.
void expectQParams(const QParams &q, std::vector<float> scale,
                   std::vector<float> zeroPoint) {
  ASSERT_EQ(q.scale.size(), scale.size());
  ASSERT_EQ(q.zeroPoint.size(), zeroPoint.size());
  for (size_t i = 0; i < scale.size(); ++i) {
    EXPECT_EQ(q.scale[i], scale[i]) << "channel " << i;
    EXPECT_EQ(q.zeroPoint[i], zeroPoint[i]) << "channel " << i;
  }
}

using S = QParamsScheme;

//===----------------------------------------------------------------------===//
// Per-tensor affine
//===----------------------------------------------------------------------===//

// MinMaxObserver(quint8, per_tensor_affine) on [-1.3, 2.7]:
// scale = 4 / 255, zero point 0 - round(-1.3 / scale).
TEST(QParams, PerTensorAffineQuint8) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, quint8(S::Affine)),
                {0.015686275f}, {83.0f});
}

// reduce_range=True: the default quint8 range becomes [0, 127].
TEST(QParams, PerTensorAffineQuint8ReduceRange) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, quint8(S::Affine, 0, 127)),
                {0.031496063f}, {41.0f});
}

// PyTorch 1.13 default_qconfig's activation: quant_min=0, quant_max=127.
TEST(QParams, PerTensorAffineQuint8CustomRange) {
  expectQParams(
      computeQParams({-1.0f}, {3.0f}, quint8(S::Affine, 0, 127, true)),
      {0.031496063f}, {32.0f});
}

// MinMaxObserver(qint8, per_tensor_affine): zero point counted from -128.
TEST(QParams, PerTensorAffineQint8) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, qint8(S::Affine)),
                {0.015686275f}, {-45.0f});
}

// reduce_range=True: the default qint8 range becomes [-64, 63].
TEST(QParams, PerTensorAffineQint8ReduceRange) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, qint8(S::Affine, -64, 63)),
                {0.031496063f}, {-23.0f});
}

// quant_min=0, quant_max=127, reduce_range=True: calculate_qmin_qmax halves a
// custom range too, to [0, 63].
TEST(QParams, PerTensorAffineQuint8CustomRangeReduced) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, quint8(S::Affine, 0, 63, true)),
                {0.06349207f}, {20.0f});
}

// quant_min=-127, quant_max=127, reduce_range=True: -127 // 2 floors to -64.
TEST(QParams, PerTensorAffineQint8CustomRangeReduced) {
  expectQParams(
      computeQParams({-1.3f}, {2.7f}, qint8(S::Affine, -64, 63, true)),
      {0.031496063f}, {-23.0f});
}

// [-0.625, 63.125] gives scale 0.25 exactly and min / scale = -2.5, which
// torch.round takes to -2 (half to even), so the zero point is 2, not 3.
TEST(QParams, AffineZeroPointRoundsHalfToEven) {
  expectQParams(computeQParams({-0.625f}, {63.125f}, quint8(S::Affine)),
                {0.25f}, {2.0f});
}

//===----------------------------------------------------------------------===//
// Per-tensor symmetric
//===----------------------------------------------------------------------===//

// MinMaxObserver(qint8, per_tensor_symmetric): scale = max|x| / 127.5.
TEST(QParams, PerTensorSymmetricQint8) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, qint8(S::Symmetric)),
                {0.02117647f}, {0.0f});
}

// reduce_range=True: [-64, 63], scale = max|x| / 63.5.
TEST(QParams, PerTensorSymmetricQint8ReduceRange) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, qint8(S::Symmetric, -64, 63)),
                {0.042519685f}, {0.0f});
}

// quint8 symmetric with the default range: zero point 128.
TEST(QParams, PerTensorSymmetricQuint8) {
  expectQParams(computeQParams({-1.3f}, {2.7f}, quint8(S::Symmetric)),
                {0.02117647f}, {128.0f});
}

// A custom quint8 range puts the zero point at (quant_min + quant_max) // 2.
TEST(QParams, SymmetricQuint8CustomRangeMidpoint) {
  expectQParams(
      computeQParams({-1.3f}, {2.7f}, quint8(S::Symmetric, 0, 127, true)),
      {0.042519685f}, {63.0f});
}

// Even the custom range [0, 255] gives 255 // 2 = 127, not the default 128.
TEST(QParams, SymmetricQuint8CustomFullRangeMidpoint) {
  expectQParams(
      computeQParams({-1.3f}, {2.7f}, quint8(S::Symmetric, 0, 255, true)),
      {0.02117647f}, {127.0f});
}

// qint8 quant_min=-127, quant_max=127: scale = max|x| / 127, zero point 0.
TEST(QParams, SymmetricQint8CustomRange) {
  expectQParams(
      computeQParams({-1.3f}, {2.7f}, qint8(S::Symmetric, -127, 127, true)),
      {0.021259842f}, {0.0f});
}

//===----------------------------------------------------------------------===//
// Degenerate ranges
//===----------------------------------------------------------------------===//

// All-zero data: the scale is clamped to eps; the affine zero point is
// quant_min.
TEST(QParams, AllZeroRangeAffine) {
  expectQParams(computeQParams({0.0f}, {0.0f}, quint8(S::Affine)), {kEps},
                {0.0f});
  expectQParams(computeQParams({0.0f}, {0.0f}, qint8(S::Affine)), {kEps},
                {-128.0f});
}

// All-zero data, symmetric: eps, and the scheme's fixed zero point.
TEST(QParams, AllZeroRangeSymmetric) {
  expectQParams(computeQParams({0.0f}, {0.0f}, qint8(S::Symmetric)), {kEps},
                {0.0f});
  expectQParams(computeQParams({0.0f}, {0.0f}, quint8(S::Symmetric)), {kEps},
                {128.0f});
}

// min = max != 0: the range is extended to include 0 ([0, 2.5] and
// [-2.5, 0]).
TEST(QParams, MinEqualsMaxExtendsToZero) {
  expectQParams(computeQParams({2.5f}, {2.5f}, quint8(S::Affine)),
                {0.009803922f}, {0.0f});
  expectQParams(computeQParams({-2.5f}, {-2.5f}, quint8(S::Affine)),
                {0.009803922f}, {255.0f});
}

// An observer that saw nothing (min_val = inf, max_val = -inf): PyTorch
// returns scale 1 and zero point 0 whatever the scheme.
TEST(QParams, EmptyObserverGivesUnitScale) {
  expectQParams(computeQParams({kInf}, {-kInf}, quint8(S::Affine)), {1.0f},
                {0.0f});
  expectQParams(computeQParams({kInf}, {-kInf}, qint8(S::Symmetric)), {1.0f},
                {0.0f});
}

// An unfed PerChannelMinMaxObserver has empty min_val/max_val tensors and
// also returns scale 1, zero point 0.
TEST(QParams, NoStatisticsGivesUnitScale) {
  expectQParams(computeQParams({}, {}, quint8(S::Symmetric)), {1.0f}, {0.0f});
}

// [-1e-6, 0]: scale 1e-6 / 255 is below eps, so eps is used, and the zero
// point is computed with eps: 0 - round(-1e-6 / eps) = 8.
TEST(QParams, TinyRangeAffineUsesEps) {
  expectQParams(computeQParams({-1e-6f}, {0.0f}, quint8(S::Affine)), {kEps},
                {8.0f});
  expectQParams(computeQParams({1e-7f}, {3e-7f}, quint8(S::Affine)), {kEps},
                {0.0f});
}

// [-2e-6, 1e-6] symmetric: 2e-6 / 127.5 is below eps.
TEST(QParams, TinyRangeSymmetricUsesEps) {
  expectQParams(computeQParams({-2e-6f}, {1e-6f}, qint8(S::Symmetric)), {kEps},
                {0.0f});
}

// [-3, -1]: the range becomes [-3, 0] and the zero point is quant_max.
TEST(QParams, NegativeOnlyRangeAffine) {
  expectQParams(computeQParams({-3.0f}, {-1.0f}, quint8(S::Affine)),
                {0.011764706f}, {255.0f});
  expectQParams(computeQParams({-3.0f}, {-1.0f}, qint8(S::Affine)),
                {0.011764706f}, {127.0f});
}

// [0.5, 4]: the range becomes [0, 4] and the zero point is quant_min.
TEST(QParams, PositiveOnlyRangeAffine) {
  expectQParams(computeQParams({0.5f}, {4.0f}, quint8(S::Affine)),
                {0.015686275f}, {0.0f});
  expectQParams(computeQParams({0.5f}, {4.0f}, qint8(S::Affine)),
                {0.015686275f}, {-128.0f});
}

// One-signed ranges, symmetric: the scale covers the larger magnitude.
TEST(QParams, OneSignedRangesSymmetric) {
  expectQParams(computeQParams({-3.0f}, {-1.0f}, qint8(S::Symmetric)),
                {0.023529412f}, {0.0f});
  expectQParams(computeQParams({0.5f}, {4.0f}, quint8(S::Symmetric)),
                {0.03137255f}, {128.0f});
}

//===----------------------------------------------------------------------===//
// Per channel
//===----------------------------------------------------------------------===//

// Five channels mixing the cases above: two-signed, all zero,
// positive-only, negative-only, tiny.
const std::vector<float> kChannelMin = {-1.3f, 0.0f, 0.5f, -3.0f, -1e-6f};
const std::vector<float> kChannelMax = {2.7f, 0.0f, 4.0f, -1.0f, 0.0f};

// PerChannelMinMaxObserver(qint8, per_channel_symmetric), the default
// weight observer of per-channel qconfigs.
TEST(QParams, PerChannelSymmetricQint8) {
  expectQParams(computeQParams(kChannelMin, kChannelMax, qint8(S::Symmetric)),
                {0.02117647f, kEps, 0.03137255f, 0.023529412f, kEps},
                {0, 0, 0, 0, 0});
}

// The same with reduce_range=True ([-64, 63]), as fbgemm's weights.
TEST(QParams, PerChannelSymmetricQint8ReduceRange) {
  expectQParams(
      computeQParams(kChannelMin, kChannelMax, qint8(S::Symmetric, -64, 63)),
      {0.042519685f, kEps, 0.062992126f, 0.047244094f, kEps}, {0, 0, 0, 0, 0});
}

// quint8 per-channel symmetric: zero point 128 in every channel.
TEST(QParams, PerChannelSymmetricQuint8) {
  expectQParams(computeQParams(kChannelMin, kChannelMax, quint8(S::Symmetric)),
                {0.02117647f, kEps, 0.03137255f, 0.023529412f, kEps},
                {128, 128, 128, 128, 128});
}

// PerChannelMinMaxObserver(qint8, per_channel_affine).
TEST(QParams, PerChannelAffineQint8) {
  expectQParams(computeQParams(kChannelMin, kChannelMax, qint8(S::Affine)),
                {0.015686275f, kEps, 0.015686275f, 0.011764706f, kEps},
                {-45, -128, -128, 127, -120});
}

// PerChannelMinMaxObserver(quint8, per_channel_affine).
TEST(QParams, PerChannelAffineQuint8) {
  expectQParams(computeQParams(kChannelMin, kChannelMax, quint8(S::Affine)),
                {0.015686275f, kEps, 0.015686275f, 0.011764706f, kEps},
                {83, 0, 0, 255, 8});
}

// The same with reduce_range=True ([0, 127]).
TEST(QParams, PerChannelAffineQuint8ReduceRange) {
  expectQParams(
      computeQParams(kChannelMin, kChannelMax, quint8(S::Affine, 0, 127)),
      {0.031496063f, kEps, 0.031496063f, 0.023622047f, kEps},
      {41, 0, 0, 127, 8});
}

// per_channel_affine_float_qparams (embeddings): scale = (max - min) /
// (quant_max - quant_min) without extending the range to 0, 1 where that is
// not above eps (all-zero, tiny and constant channels), and the float zero
// point -min / scale. A sixth channel is constant, min = max = 2.5.
TEST(QParams, PerChannelFloatQParams) {
  std::vector<float> min = kChannelMin, max = kChannelMax;
  min.push_back(2.5f);
  max.push_back(2.5f);
  std::vector<float> scale = {0.015686275f, 1.0f, 0.01372549f,
                              0.007843138f, 1.0f, 1.0f};
  std::vector<float> zeroPoint = {82.87499f,  0.0f,  -36.42857f,
                                  382.49997f, 1e-6f, -2.5f};
  expectQParams(computeQParams(min, max, quint8(S::AffineFloatQParams)), scale,
                zeroPoint);
  // The storage type does not enter: qint8 gives the same numbers.
  expectQParams(computeQParams(min, max, qint8(S::AffineFloatQParams)), scale,
                zeroPoint);
}

// Float qparams with reduce_range=True ([0, 127]) halve the levels.
TEST(QParams, PerChannelFloatQParamsReduceRange) {
  expectQParams(computeQParams({-1.3f, -3.0f, 2.5f}, {2.7f, -1.0f, 2.5f},
                               quint8(S::AffineFloatQParams, 0, 127)),
                {0.031496063f, 0.015748031f, 1.0f},
                {41.274998f, 190.5f, -2.5f});
}

//===----------------------------------------------------------------------===//
// Histogram range search
//===----------------------------------------------------------------------===//
//
// Expected ranges from HistogramObserver(bins=len(h)) with its histogram,
// min_val and max_val set to the same values, then
// obs._non_linear_param_search() (dst_nbins = 256 for 8-bit dtypes), and
// obs.calculate_qparams() (quint8, per_tensor_affine) for the qparams.
// Histograms are built by integer formulas, identical in both languages.

constexpr int64_t kDstBins = 256;

/// A triangle of counts centred on bin 1024 of 2048 (300 at the top).
float triangle(int64_t i) {
  return static_cast<float>(std::max<int64_t>(0, 300 - std::abs(i - 1024)));
}

// A triangle with one outlier count in each end bin: the search stops after
// cutting the right outlier's bin; the left one is kept because cutting it
// would raise the error.
TEST(HistogramSearch, TriangleWithOutliers) {
  std::vector<float> h(2048);
  for (int64_t i = 0; i < 2048; ++i)
    h[i] = triangle(i) + (i == 0) + (i == 2047);
  auto [lo, hi] = searchHistogramRange(h, -3.1f, 5.7f, kDstBins);
  EXPECT_EQ(lo, -3.1f);
  EXPECT_EQ(hi, 5.695702f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.034492947f},
                {90.0f});
}

// Uniform counts: one bin is cut at the top, then the error rises.
TEST(HistogramSearch, Uniform) {
  std::vector<float> h(2048, 5.0f);
  auto [lo, hi] = searchHistogramRange(h, -1.0f, 1.0f, kDstBins);
  EXPECT_EQ(lo, -1.0f);
  EXPECT_EQ(hi, 0.99902344f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.007839307f},
                {128.0f});
}

// Counts (2047 - i)^2 // 1000, falling to zero: the empty right tail is cut
// (bins 1948 and up).
TEST(HistogramSearch, RightTail) {
  std::vector<float> h(2048);
  for (int64_t i = 0; i < 2048; ++i)
    h[i] = static_cast<float>((2047 - i) * (2047 - i) / 1000);
  auto [lo, hi] = searchHistogramRange(h, 0.0f, 12.5f, kDstBins);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 11.889648f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.046626072f},
                {0.0f});
}

// Fewer source bins than destination bins (16): one bin cut at each end.
TEST(HistogramSearch, SmallHistogram) {
  std::vector<float> h = {0, 1, 4, 9, 30, 60, 80, 60, 30, 9, 4, 1, 0, 0, 0, 1};
  auto [lo, hi] = searchHistogramRange(h, -1.5f, 2.5f, kDstBins);
  EXPECT_EQ(lo, -1.25f);
  EXPECT_EQ(hi, 2.25f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.01372549f},
                {91.0f});
}

// Every count in bin 700: PyTorch's search ends on [bin 699, bin 700), the
// empty bin just below the spike; EqQuant follows it.
TEST(HistogramSearch, SingleSpike) {
  std::vector<float> h(2048, 0.0f);
  h[700] = 100.0f;
  auto [lo, hi] = searchHistogramRange(h, -2.0f, 2.0f, kDstBins);
  EXPECT_EQ(lo, -0.6347656f);
  EXPECT_EQ(hi, -0.6328125f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.002489277f},
                {255.0f});
}

// min = max (constant data): every bin has width 0, every candidate's error
// is 0, and the range stays [min, min].
TEST(HistogramSearch, ConstantRange) {
  std::vector<float> h(2048, 0.0f);
  h[1023] = 64.0f;
  auto [lo, hi] = searchHistogramRange(h, 2.0f, 2.0f, kDstBins);
  EXPECT_EQ(lo, 2.0f);
  EXPECT_EQ(hi, 2.0f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.007843138f},
                {0.0f});
}

// Fractional counts (as histograms combined over batches have): the triangle
// plus ((i * 7919) % 1000) / 3000 in every bin, so the float32 total depends
// on torch.sum's summation order. Both tails are cut.
TEST(HistogramSearch, FractionalCounts) {
  std::vector<float> h(2048);
  for (int64_t i = 0; i < 2048; ++i)
    h[i] = triangle(i) + static_cast<float>(i * 7919 % 1000) / 3000.0f;
  auto [lo, hi] = searchHistogramRange(h, -0.75f, 1.25f, kDstBins);
  EXPECT_EQ(lo, -0.7011719f);
  EXPECT_EQ(hi, 1.2431641f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.007624847f},
                {92.0f});
}

// Large integer counts, as from a long calibration: the float32 total
// depends on the order of summation (torch.sum gives 1001022720, an exact
// double sum 1001022632), and with the exact total the search would end on
// [-1, 2.7988281] instead of PyTorch's range. Counts
// max(0, 10^7 - |i - 900| * 10^5) + (i * 7919) % 1000 over [-1, 3].
TEST(HistogramSearch, LargeCountsFollowTorchSum) {
  std::vector<float> h(2048);
  for (int64_t i = 0; i < 2048; ++i)
    h[i] = static_cast<float>(
        std::max<int64_t>(0, 10000000 - std::abs(i - 900) * 100000) +
        i * 7919 % 1000);
  auto [lo, hi] = searchHistogramRange(h, -1.0f, 3.0f, kDstBins);
  EXPECT_EQ(lo, -0.8027344f);
  EXPECT_EQ(hi, 2.9160156f);
  expectQParams(computeQParams({lo}, {hi}, quint8(S::Affine)), {0.014583333f},
                {55.0f});
}

} // namespace

//===----------------------------------------------------------------------===//
// Fixed qparams
//===----------------------------------------------------------------------===//

// default_fixed_qparams_range_0to1_observer (sigmoid, hardsigmoid): scale
// 1/256 and zero point 0 over [0, 1] on quint8 [0, 255];
// default_fixed_qparams_range_neg1to1_observer (tanh): 2/256 and 128 over
// [-1, 1].
TEST(QParams, FixedRanges) {
  expectQParams(computeQParams({0.0f}, {1.0f}, quint8(S::Fixed)),
                {0.00390625f}, {0.0f});
  expectQParams(computeQParams({-1.0f}, {1.0f}, quint8(S::Fixed)),
                {0.0078125f}, {128.0f});
}
