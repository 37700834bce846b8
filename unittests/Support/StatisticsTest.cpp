//===- StatisticsTest.cpp - observer statistics ---------------------------===//
//
// Min/max reductions, torch.histc and the running statistics of the
// observers against PyTorch 1.13. Expected numbers were printed by
// /usr/bin/python3 (PyTorch 1.13) with the call named in each test, floats
// as repr(numpy.float32(x)), which reads back as the same float32; EqQuant
// computes in float32 as PyTorch does, so floats are compared exactly.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Support/Statistics.h"
#include "EqQuant/Support/QParams.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

using namespace mlir::eqq;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

using Floats = std::vector<float>;

Floats toVector(llvm::ArrayRef<float> values) {
  return Floats(values.begin(), values.end());
}

/// Exact comparison; NaN matches NaN.
void expectFloats(llvm::ArrayRef<float> actual, const Floats &expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i]))
      EXPECT_TRUE(std::isnan(actual[i])) << "index " << i;
    else
      EXPECT_EQ(actual[i], expected[i]) << "index " << i;
  }
}

/// Folds each batch into `stats` as --eqq-calibrate does: the batch's
/// per-tensor range for min/max rules, the data for histograms.
void feed(RunningStats &stats, const std::vector<Floats> &batches) {
  for (const Floats &batch : batches) {
    if (stats.rule == AccumulationRule::Histogram) {
      stats.addHistogramBatch(batch);
    } else {
      MinMax range = computeMinMax(batch);
      stats.addRange(range.min, range.max);
    }
  }
}

RunningStats histogramStats(int64_t bins) {
  RunningStats stats;
  stats.rule = AccumulationRule::Histogram;
  stats.bins = bins;
  return stats;
}

//===----------------------------------------------------------------------===//
// computeMinMax / computeChannelMinMax
//===----------------------------------------------------------------------===//

// torch.aminmax of a plain tensor.
TEST(MinMax, PerTensor) {
  MinMax r = computeMinMax({0.5f, -1.25f, 3.0f, 2.0f});
  expectFloats(r.min, {-1.25f});
  expectFloats(r.max, {3.0f});
}

// torch.aminmax(torch.tensor([1, nan, 3])) is (nan, nan): one NaN makes both
// ends NaN, wherever it sits.
TEST(MinMax, NaNPropagates) {
  MinMax r = computeMinMax({1.0f, kNaN, 3.0f});
  expectFloats(r.min, {kNaN});
  expectFloats(r.max, {kNaN});
  r = computeMinMax({kNaN, 1.0f, 3.0f});
  expectFloats(r.min, {kNaN});
  expectFloats(r.max, {kNaN});
}

// Infinities are ordinary values for aminmax.
TEST(MinMax, InfinitiesAreValues) {
  MinMax r = computeMinMax({-kInf, 1.0f, kInf});
  expectFloats(r.min, {-kInf});
  expectFloats(r.max, {kInf});
}

// No data gives the unobserved state (min_val = inf, max_val = -inf), which
// computeQParams maps to scale 1, zero point 0.
TEST(MinMax, EmptyIsUnobserved) {
  MinMax r = computeMinMax({});
  expectFloats(r.min, {kInf});
  expectFloats(r.max, {-kInf});
}

// A [2, 3, 2] tensor, reduced per index of each axis; expected values from
// PerChannelMinMaxObserver(ch_axis=axis) on the same tensor.
const Floats kCube = {0.5f, -1.25f, 3.0f,  2.0f, -0.75f, 4.5f,
                      1.5f, 0.25f,  -2.0f, 6.0f, 5.5f,   -3.5f};

TEST(ChannelMinMax, LeadingAxis) {
  MinMax r = computeChannelMinMax(kCube, {2, 3, 2}, 0);
  expectFloats(r.min, {-1.25f, -3.5f});
  expectFloats(r.max, {4.5f, 6.0f});
}

TEST(ChannelMinMax, MiddleAxis) {
  MinMax r = computeChannelMinMax(kCube, {2, 3, 2}, 1);
  expectFloats(r.min, {-1.25f, -2.0f, -3.5f});
  expectFloats(r.max, {1.5f, 6.0f, 5.5f});
}

TEST(ChannelMinMax, LastAxis) {
  MinMax r = computeChannelMinMax(kCube, {2, 3, 2}, 2);
  expectFloats(r.min, {-2.0f, -3.5f});
  expectFloats(r.max, {5.5f, 6.0f});
}

// A NaN poisons only its own channel: PerChannelMinMaxObserver(ch_axis=1) on
// [[1, 2, -1], [0.5, nan, 3]] gives min [0.5, nan, -1], max [1, nan, 3].
TEST(ChannelMinMax, NaNStaysInItsChannel) {
  MinMax r =
      computeChannelMinMax({1.0f, 2.0f, -1.0f, 0.5f, kNaN, 3.0f}, {2, 3}, 1);
  expectFloats(r.min, {0.5f, kNaN, -1.0f});
  expectFloats(r.max, {1.0f, kNaN, 3.0f});
}

//===----------------------------------------------------------------------===//
// computeHistogram (torch.histc)
//===----------------------------------------------------------------------===//

// torch.histc([0, 4], 4, 0, 4) = [1, 0, 0, 1]: lo opens the first bin and a
// value equal to hi falls into the last bin, not past it.
TEST(Histogram, EndsFallIntoEndBins) {
  expectFloats(computeHistogram({0.0f, 4.0f}, 4, 0.0f, 4.0f),
               {1.0f, 0.0f, 0.0f, 1.0f});
}

// torch.histc([-0.5, 4.5, 1, -1e-7], 4, 0, 4) = [0, 1, 0, 0]: values outside
// [lo, hi] are dropped, however close.
TEST(Histogram, OutsideValuesAreIgnored) {
  expectFloats(computeHistogram({-0.5f, 4.5f, 1.0f, -1e-7f}, 4, 0.0f, 4.0f),
               {0.0f, 1.0f, 0.0f, 0.0f});
}

// histc computes (v - lo) / (hi - lo) * bins. For this value multiplying
// first would give bin 6; torch.histc([-0.48158887], 10, -2.7229843,
// 1.012675) puts it in bin 5.
TEST(Histogram, DividesBeforeMultiplying) {
  llvm::SmallVector<float> h =
      computeHistogram({-0.48158887f}, 10, -2.7229843f, 1.012675f);
  Floats expected(10, 0.0f);
  expected[5] = 1.0f;
  expectFloats(h, expected);
}

// lo == hi (here 2, 2): histc uses the data's range instead, [1, 5];
// torch.histc([1, 2, 3, 5], 4, 2, 2) = [1, 1, 1, 1].
TEST(Histogram, EmptyRangeUsesDataRange) {
  expectFloats(computeHistogram({1.0f, 2.0f, 3.0f, 5.0f}, 4, 2.0f, 2.0f),
               {1.0f, 1.0f, 1.0f, 1.0f});
}

// Constant data and lo == hi: the range is widened to [v - 1, v + 1];
// torch.histc([2, 2, 2], 4, 0, 0) = [0, 0, 3, 0].
TEST(Histogram, ConstantDataWidensRange) {
  expectFloats(computeHistogram({2.0f, 2.0f, 2.0f}, 4, 0.0f, 0.0f),
               {0.0f, 0.0f, 3.0f, 0.0f});
}

// NaN is not counted. (torch.histc on the CPU puts NaN into the first bin,
// torch.histc([nan, 1], 4, 2, 4) = [1, 0, 0, 0], an artifact of converting
// NaN to a bin index; PyTorch's HistogramObserver never histograms NaN: it
// fails on int(nan) first.)
TEST(Histogram, NaNIsNotCounted) {
  expectFloats(computeHistogram({kNaN, 1.0f, 3.0f}, 4, 0.0f, 4.0f),
               {0.0f, 1.0f, 0.0f, 1.0f});
}

//===----------------------------------------------------------------------===//
// RunningStats: min/max and moving averages
//===----------------------------------------------------------------------===//

// MinMaxObserver fed [-1.5, 0.25, 2], [-0.5, 3.5], [-2.25, 1]: the running
// min and max over all batches.
TEST(RunningStats, MinMaxAccumulates) {
  RunningStats stats;
  feed(stats, {{-1.5f, 0.25f, 2.0f}, {-0.5f, 3.5f}, {-2.25f, 1.0f}});
  expectFloats(stats.min, {-2.25f});
  expectFloats(stats.max, {3.5f});
}

// MinMaxObserver fed [-1.5, 0.25, 2], [nan, 0], [-5, 9]: torch.min(cur,
// running) keeps the NaN once seen, and later batches do not clear it.
TEST(RunningStats, MinMaxKeepsNaN) {
  RunningStats stats;
  feed(stats, {{-1.5f, 0.25f, 2.0f}, {kNaN, 0.0f}});
  expectFloats(stats.min, {kNaN});
  expectFloats(stats.max, {kNaN});
  feed(stats, {{-5.0f, 9.0f}});
  expectFloats(stats.min, {kNaN});
  expectFloats(stats.max, {kNaN});
}

// Per-channel ranges accumulate channel by channel.
TEST(RunningStats, MinMaxPerChannel) {
  RunningStats stats;
  stats.addRange({-1.0f, 0.5f}, {2.0f, 0.75f});
  stats.addRange({-0.5f, 0.25f}, {3.0f, 0.5f});
  expectFloats(stats.min, {-1.0f, 0.25f});
  expectFloats(stats.max, {3.0f, 0.75f});
}

// MovingAverageMinMaxObserver() (averaging_constant 0.01) fed [-1.3, 2.7],
// [-0.4, 5.1], [-2.2, 1.9]: the first batch's range as is, then
// x += 0.01 * (batch - x) in float32, after each batch.
TEST(RunningStats, MovingAverage) {
  RunningStats stats;
  stats.rule = AccumulationRule::MovingAverage;
  feed(stats, {{-1.3f, 2.7f}});
  expectFloats(stats.min, {-1.3f});
  expectFloats(stats.max, {2.7f});
  feed(stats, {{-0.4f, 5.1f}});
  expectFloats(stats.min, {-1.291f});
  expectFloats(stats.max, {2.724f});
  feed(stats, {{-2.2f, 1.9f}});
  expectFloats(stats.min, {-1.30009f});
  expectFloats(stats.max, {2.71576f});
}

// MovingAveragePerChannelMinMaxObserver(ch_axis=0) fed the rows
// [[-1.3, 2.7], [0.1, 0.2]], [[-0.4, 5.1], [-0.3, 0.9]],
// [[-2.2, 1.9], [0.05, 0.15]]: the same update per channel.
TEST(RunningStats, MovingAveragePerChannel) {
  RunningStats stats;
  stats.rule = AccumulationRule::MovingAverage;
  stats.addRange({-1.3f, 0.1f}, {2.7f, 0.2f});
  stats.addRange({-0.4f, -0.3f}, {5.1f, 0.9f});
  stats.addRange({-2.2f, 0.05f}, {1.9f, 0.15f});
  expectFloats(stats.min, {-1.30009f, 0.09554f});
  expectFloats(stats.max, {2.71576f, 0.20643f});
}

//===----------------------------------------------------------------------===//
// RunningStats: histograms (HistogramObserver.forward)
//===----------------------------------------------------------------------===//

// HistogramObserver(bins=16) fed three batches whose ranges are integers, so
// PyTorch 1.13's int() on the histogram range changes nothing: the first
// batch over [-2, 3]; the second widens the range to [-4, 6] (the old
// histogram is resampled by _combine_histograms); the third lies inside it
// and is added bin by bin.
TEST(RunningStats, HistogramAccumulates) {
  RunningStats stats = histogramStats(16);
  feed(stats, {{-2, -1.5f, -0.25f, 0, 0.3f, 0.7f, 1.1f, 2.9f, 3}});
  expectFloats(stats.min, {-2.0f});
  expectFloats(stats.max, {3.0f});
  expectFloats(stats.histogram,
               {1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 2});
  feed(stats, {{-4, -3.3f, 0.2f, 1.7f, 4.4f, 5.9f, 6}});
  expectFloats(stats.min, {-4.0f});
  expectFloats(stats.max, {6.0f});
  expectFloats(stats.histogram, {1.0f, 1.0f, 0.0f, 1.6015625f, 0.3984375f,
                                 0.6015625f, 3.0f, 2.0f, 0.3984375f, 1.0f,
                                 1.203125f, 0.796875f, 0.0f, 1.0f, 0.0f, 2.0f});
  feed(stats, {{-1, 0.5f, 0.6f, 2}});
  expectFloats(stats.min, {-4.0f});
  expectFloats(stats.max, {6.0f});
  expectFloats(stats.histogram, {1.0f, 1.0f, 0.0f, 1.6015625f, 1.3984375f,
                                 0.6015625f, 3.0f, 4.0f, 0.3984375f, 2.0f,
                                 1.203125f, 0.796875f, 0.0f, 1.0f, 0.0f, 2.0f});
}

// Fractional ranges, where EqQuant departs from PyTorch 1.13 on purpose
// (docs/design.md, "Calibrate"): it histograms the float range, not
// int(min), int(max). Expected values from HistogramObserver(bins=16) with
// forward's two torch.histc calls given min_val.item(), max_val.item()
// instead of int(...), as later PyTorch versions do. The second batch
// widens the range on both sides (_adjust_min_max stretches the top to
// 3.1462495); the third is added bin by bin.
TEST(RunningStats, HistogramFractionalRange) {
  RunningStats stats = histogramStats(16);
  feed(stats, {{0.13f, 0.4f, 0.77f, 1.9f, 2.35f}});
  expectFloats(stats.min, {0.13f});
  expectFloats(stats.max, {2.35f});
  expectFloats(stats.histogram,
               {1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1});
  feed(stats, {{-0.6f, 0.5f, 1.0f, 3.14f}});
  expectFloats(stats.min, {-0.6f});
  expectFloats(stats.max, {3.1462495f});
  expectFloats(stats.histogram, {1.0f, 0.0f, 0.0f, 1.4921875f, 1.5078125f,
                                 0.8671875f, 1.1328125f, 0.0f, 0.0f, 0.0f, 1.0f,
                                 0.0f, 1.0f, 0.0f, 0.0f, 1.0f});
  feed(stats, {{0.2f, 1.5f}});
  expectFloats(stats.min, {-0.6f});
  expectFloats(stats.max, {3.1462495f});
  expectFloats(stats.histogram, {1.0f, 0.0f, 0.0f, 2.4921875f, 1.5078125f,
                                 0.8671875f, 1.1328125f, 0.0f, 1.0f, 0.0f, 1.0f,
                                 0.0f, 1.0f, 0.0f, 0.0f, 1.0f});
}

// _combine_histograms takes its integral in float64 but stores the shifted
// copy in float32, which rounds once the integral passes 2^24: a
// HistogramObserver(bins=16) holding counts 100003 + 7 i over [0, 3], fed
// [-1, 4.5, 5], has 200050.31 in bin 4 where exact arithmetic gives
// 200050.3.
TEST(RunningStats, HistogramCombineRoundsLikePyTorch) {
  RunningStats stats = histogramStats(16);
  stats.min = {0.0f};
  stats.max = {3.0f};
  for (int64_t i = 0; i < 16; ++i)
    stats.histogram.push_back(static_cast<float>(100003 + 7 * i));
  feed(stats, {{-1.0f, 4.5f, 5.0f}});
  expectFloats(stats.min, {-1.0f});
  expectFloats(stats.max, {5.0f});
  expectFloats(stats.histogram,
               {1.0f, 0.0f, 66408.24f, 200022.3f, 200050.31f, 200078.28f,
                200106.31f, 200134.28f, 200162.28f, 200190.31f, 133735.62f,
                0.0f, 0.0f, 0.0f, 1.0f, 1.0f});
}

// HistogramObserver(bins=16) fed [2, 2, 2] then [0, 1, 4]: while min_val ==
// max_val, forward starts over from the new batch, dropping the constant
// batch's counts. EqQuant does the same.
TEST(RunningStats, HistogramRestartsAfterConstantBatch) {
  RunningStats stats = histogramStats(16);
  feed(stats, {{2, 2, 2}});
  expectFloats(stats.min, {2.0f});
  expectFloats(stats.max, {2.0f});
  Floats constant(16, 0.0f);
  constant[8] = 3.0f;
  expectFloats(stats.histogram, constant);
  feed(stats, {{0, 1, 4}});
  expectFloats(stats.min, {0.0f});
  expectFloats(stats.max, {4.0f});
  Floats restarted(16, 0.0f);
  restarted[0] = restarted[4] = restarted[15] = 1.0f;
  expectFloats(stats.histogram, restarted);
}

// End to end with the default 2048 bins: two batches of 4000 values,
// float((i * 7919) % 2001) / 1000 - 1 (range [-1, 1]) and
// float((i * 104729) % 3001) / 1000 - 1 (range [-1, 2]), fed to
// HistogramObserver(); its calculate_qparams() gives scale 0.011758962 and
// zero point 85 from the searched range [-1, 1.9985352].
TEST(RunningStats, HistogramToQParams) {
  Floats first(4000), second(4000);
  for (int64_t i = 0; i < 4000; ++i) {
    first[i] = static_cast<float>(i * 7919 % 2001) / 1000.0f - 1.0f;
    second[i] = static_cast<float>(i * 104729 % 3001) / 1000.0f - 1.0f;
  }
  RunningStats stats = histogramStats(2048);
  feed(stats, {first, second});
  expectFloats(stats.min, {-1.0f});
  expectFloats(stats.max, {2.0f});
  EXPECT_EQ(
      std::accumulate(stats.histogram.begin(), stats.histogram.end(), 0.0),
      8000.0);
  auto [lo, hi] =
      searchHistogramRange(stats.histogram, stats.min[0], stats.max[0], 256);
  EXPECT_EQ(lo, -1.0f);
  EXPECT_EQ(hi, 1.9985352f);
  QParams q = computeQParams({lo}, {hi}, QParamsConfig());
  expectFloats(q.scale, {0.011758962f});
  expectFloats(q.zeroPoint, {85.0f});
}

//===----------------------------------------------------------------------===//
// RunningStats::merge
//===----------------------------------------------------------------------===//

// Merging two shards' min/max equals one run over both.
TEST(RunningStats, MinMaxMergeIsExact) {
  RunningStats a, b, both;
  a.addRange({-1.0f, 0.5f}, {2.0f, 0.75f});
  b.addRange({-0.5f, 0.25f}, {3.0f, 0.5f});
  both.addRange({-1.0f, 0.5f}, {2.0f, 0.75f});
  both.addRange({-0.5f, 0.25f}, {3.0f, 0.5f});
  a.merge(b);
  EXPECT_EQ(a.min, both.min);
  EXPECT_EQ(a.max, both.max);
}

// Merging into an empty observer copies the other's statistics; merging an
// empty one changes nothing.
TEST(RunningStats, MergeWithEmpty) {
  RunningStats a, b;
  b.addRange({-1.0f}, {2.0f});
  a.merge(b);
  expectFloats(a.min, {-1.0f});
  expectFloats(a.max, {2.0f});
  a.merge(RunningStats());
  expectFloats(a.min, {-1.0f});
  expectFloats(a.max, {2.0f});
}

// The documented approximation for moving averages: the other observer's
// averaged range enters as one more batch, x += c * (other - x).
TEST(RunningStats, MovingAverageMergeIsOneMoreBatch) {
  RunningStats a, b;
  a.rule = b.rule = AccumulationRule::MovingAverage;
  feed(a, {{-1.3f, 2.7f}, {-0.4f, 5.1f}});
  feed(b, {{-2.2f, 1.9f}, {-0.7f, 0.3f}});
  RunningStats expected = a;
  expected.addRange(b.min, b.max);
  a.merge(b);
  expectFloats(a.min, toVector(expected.min));
  expectFloats(a.max, toVector(expected.max));
}

// Merging a histogram into an empty histogram observer copies it.
TEST(RunningStats, HistogramMergeIntoEmptyCopies) {
  RunningStats a = histogramStats(4), b = histogramStats(4);
  b.min = {0.0f};
  b.max = {4.0f};
  b.histogram = {1.0f, 2.0f, 3.0f, 4.0f};
  a.merge(b);
  expectFloats(a.min, {0.0f});
  expectFloats(a.max, {4.0f});
  expectFloats(a.histogram, {1.0f, 2.0f, 3.0f, 4.0f});
}

// Over the same range and bins, each of the other histogram's bin centers
// falls into the same bin, so the merge adds the counts exactly.
TEST(RunningStats, HistogramMergeSameRangeAddsCounts) {
  RunningStats a = histogramStats(4), b = histogramStats(4);
  a.min = b.min = {-1.0f};
  a.max = b.max = {3.0f};
  a.histogram = {1.0f, 0.0f, 2.0f, 5.0f};
  b.histogram = {0.5f, 4.0f, 1.0f, 0.0f};
  a.merge(b);
  expectFloats(a.min, {-1.0f});
  expectFloats(a.max, {3.0f});
  expectFloats(a.histogram, {1.5f, 4.0f, 3.0f, 5.0f});
}

// A wider other histogram: the range grows to [0, 8] as for a batch, this
// observer's counts over [0, 4] = [1, 2, 3, 4] are resampled into the new
// bins [0, 2) and [2, 4) (1 + 2 = 3 and 3 + 4 = 7), and the other's counts
// [5, 6, 7, 8] enter at their bin centers 1, 3, 5, 7, one per new bin.
TEST(RunningStats, HistogramMergeWiderRangeAtBinCenters) {
  RunningStats a = histogramStats(4), b = histogramStats(4);
  a.min = {0.0f};
  a.max = {4.0f};
  a.histogram = {1.0f, 2.0f, 3.0f, 4.0f};
  b.min = {0.0f};
  b.max = {8.0f};
  b.histogram = {5.0f, 6.0f, 7.0f, 8.0f};
  a.merge(b);
  expectFloats(a.min, {0.0f});
  expectFloats(a.max, {8.0f});
  expectFloats(a.histogram, {8.0f, 13.0f, 7.0f, 8.0f});
}

//===----------------------------------------------------------------------===//
// combineHistograms: exact group sums against PyTorch's sequential loop
//===----------------------------------------------------------------------===//

/// combineHistograms and the sequential loop on the same inputs, compared
/// bit for bit (both add to the same starting histogram).
void expectCombinesAlike(const Floats &oldHist, int64_t up, int64_t down,
                         int64_t start) {
  Floats fast(oldHist.size(), 0.5f), slow(oldHist.size(), 0.5f);
  combineHistograms(fast, oldHist, up, down, start);
  combineHistogramsSequential(slow, oldHist, up, down, start);
  expectFloats(fast, slow);
}

// Counts (integers) and the fractional counts earlier combines leave
// (divided by the upsample rate), at observer-sized histograms, the old
// range starting inside, at and before the new one and reaching past it.
TEST(CombineHistograms, ExactSumsMatchTheSequentialLoop) {
  uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  for (int trial = 0; trial < 40; ++trial) {
    int64_t bins = trial < 20 ? 2048 : 37;
    int64_t up = trial % 3 == 0 ? 128 : 1 + trial % 7;
    int64_t down = 1 + next() % 5;
    int64_t start = static_cast<int64_t>(next() % (bins * down)) -
                    (trial % 4 == 0 ? bins * up / 2 : 0);
    Floats oldHist(bins);
    for (float &v : oldHist) {
      uint32_t r = next();
      v = r % 3 == 0 ? 0.0f : static_cast<float>(r % 1000);
      if (trial % 2)
        v /= static_cast<float>(up); // a fractional count
    }
    expectCombinesAlike(oldHist, up, down, start);
  }
}

// Counts too far apart for exact float64 partial sums take PyTorch's loop:
// the same numbers, including the rounding of the large sums.
TEST(CombineHistograms, WideDynamicRangeFallsBack) {
  Floats oldHist(64, 0.0f);
  oldHist[3] = 3.0e30f;
  oldHist[4] = 1.0e-30f;
  oldHist[40] = 7.0f;
  expectCombinesAlike(oldHist, 128, 2, 5);
  Floats big(16, 1.6777215e7f);
  expectCombinesAlike(big, 128, 3, -100);
}

} // namespace
