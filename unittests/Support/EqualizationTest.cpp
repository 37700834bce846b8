//===- EqualizationTest.cpp - equalization scale and weight arithmetic ----===//

#include "EqQuant/Support/Equalization.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlir::eqq;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// PyTorch 1.13's calculate_equalization_scale on the observers of
// x = [[-1, 0, 2, 1], [3, 0, 2, 1.5]] and W = [[0.5, 1, -3, 0], [-0.5, 2, 1,
// 0]] gives [0.5, 1, 1, 1]: channel 0 is sqrt(1 / 4); channels 1 and 2 have a
// zero input range (W / 0 = inf), channel 3 a zero weight range (0): both
// become 1.
TEST(EqualizationScale, MatchesPyTorchWithZeroRanges) {
  llvm::SmallVector<float> s =
      computeEqualizationScale({-1, 0, 2, 1}, {3, 0, 2, 1.5}, {-0.5, 1, -3, 0},
                               {0.5, 2, 1, 0}, ScaleMode::Range, 0.5f);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], 0.5f);
  EXPECT_EQ(s[1], 1.0f);
  EXPECT_EQ(s[2], 1.0f);
  EXPECT_EQ(s[3], 1.0f);
}

// alpha 0.5 is torch.sqrt(w / x) in float32, bit for bit:
// torch.tensor(4.0 / 0.5).sqrt() = 0x1.6a09e6p+1.
TEST(EqualizationScale, HalfAlphaIsFloat32Sqrt) {
  llvm::SmallVector<float> s = computeEqualizationScale(
      {0.0f}, {0.5f}, {-2.0f}, {2.0f}, ScaleMode::Range, 0.5f);
  EXPECT_EQ(s[0], 0x1.6a09e6p+1f);
}

// Non-finite statistics give no scale: NaN in the input's range, an infinite
// input range (w / inf = 0) and an infinite weight range (inf) all become 1.
TEST(EqualizationScale, NaNAndInfBecomeOne) {
  llvm::SmallVector<float> s = computeEqualizationScale(
      {kNaN, 0.0f, 0.0f}, {1.0f, kInf, 1.0f}, {0.0f, 0.0f, -kInf},
      {1.0f, 1.0f, 1.0f}, ScaleMode::Range, 0.5f);
  EXPECT_EQ(s[0], 1.0f);
  EXPECT_EQ(s[1], 1.0f);
  EXPECT_EQ(s[2], 1.0f);
  s = computeEqualizationScale({kNaN}, {1.0f}, {0.0f}, {1.0f}, ScaleMode::Range,
                               0.3f);
  EXPECT_EQ(s[0], 1.0f);
}

// alpha 0: s = m(W) (the input keeps its spread); alpha 1: s = 1 / m(x).
// With w range 2 and x range 4: 2 and 0.25.
TEST(EqualizationScale, AlphaZeroAndOne) {
  EXPECT_EQ(
      computeEqualizationScale({-1}, {3}, {-1}, {1}, ScaleMode::Range, 0.0f)[0],
      2.0f);
  EXPECT_EQ(
      computeEqualizationScale({-1}, {3}, {-1}, {1}, ScaleMode::Range, 1.0f)[0],
      0.25f);
}

// alpha 0.75: 2^0.25 / 4^0.75 in float32 (PyTorch:
// torch.tensor(2.0) ** 0.25 / torch.tensor(4.0) ** 0.75 = 0x1.ae89fap-2).
TEST(EqualizationScale, GeneralAlpha) {
  EXPECT_EQ(computeEqualizationScale({-1}, {3}, {-1}, {1}, ScaleMode::Range,
                                     0.75f)[0],
            0x1.ae89fap-2f);
}

// absmax: m is max(|min|, |max|): x in [-4, 1] gives 4, W in [-0.5, 1]
// gives 1, so s = sqrt(1 / 4) = 0.5 (the range would give sqrt(1.5 / 5)).
TEST(EqualizationScale, AbsMax) {
  EXPECT_EQ(computeEqualizationScale({-4}, {1}, {-0.5}, {1}, ScaleMode::AbsMax,
                                     0.5f)[0],
            0.5f);
  EXPECT_EQ(computeEqualizationScale({-4}, {1}, {-0.5}, {1}, ScaleMode::Range,
                                     0.5f)[0],
            std::sqrt(1.5f / 5.0f));
}

// A 2x3x2 tensor scaled along each axis: element (i, j, k) = 12i' + ... is
// multiplied by factors[i], [j] or [k].
TEST(ScaleAlong, EachAxis) {
  llvm::SmallVector<float> data(12, 1.0f);
  scaleAlong(data, {2, 3, 2}, 0, {2.0f, 3.0f});
  EXPECT_EQ(data[0], 2.0f);
  EXPECT_EQ(data[5], 2.0f);
  EXPECT_EQ(data[6], 3.0f);
  EXPECT_EQ(data[11], 3.0f);
  llvm::SmallVector<float> b(12, 1.0f);
  scaleAlong(b, {2, 3, 2}, 1, {1.0f, 5.0f, 7.0f});
  // Index 2 is (0, 1, 0), index 10 is (1, 2, 0).
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[2], 5.0f);
  EXPECT_EQ(b[3], 5.0f);
  EXPECT_EQ(b[10], 7.0f);
  llvm::SmallVector<float> c(12, 1.0f);
  scaleAlong(c, {2, 3, 2}, 2, {0.5f, 4.0f});
  EXPECT_EQ(c[0], 0.5f);
  EXPECT_EQ(c[1], 4.0f);
  EXPECT_EQ(c[11], 4.0f);
}

TEST(ScaleAlong, Reciprocal) {
  llvm::SmallVector<float> r = getReciprocal({0.5f, 4.0f});
  EXPECT_EQ(r[0], 2.0f);
  EXPECT_EQ(r[1], 0.25f);
}

// Channels [-1, 2] and [-3, 0.5] scaled by 2 and 0.5 span [-2, 4] and
// [-1.5, 0.25]: the scaled value spans [-2, 4]; scaled by 1 and 2 it spans
// [-6, 2]. Not the unscaled range [-3, 2] times anything.
TEST(ScaledRange, MinOfMinsMaxOfMaxes) {
  auto [lo, hi] = getScaledRange({-1, -3}, {2, 0.5}, {2, 0.5});
  EXPECT_EQ(lo, -2.0f);
  EXPECT_EQ(hi, 4.0f);
  std::tie(lo, hi) = getScaledRange({-1, -3}, {2, 0.5}, {1, 2});
  EXPECT_EQ(lo, -6.0f);
  EXPECT_EQ(hi, 2.0f);
  std::tie(lo, hi) = getScaledRange({}, {}, {});
  EXPECT_EQ(lo, kInf);
  EXPECT_EQ(hi, -kInf);
}

/// Symmetric qint8 qparams of the values, as default_weight_observer gives
/// them: scale max|w| / 127.5, zero point 0.
std::optional<QParams> symmetric(llvm::ArrayRef<float> v) {
  float m = 0;
  for (float x : v)
    m = std::max(m, std::fabs(x));
  QParams q;
  q.scale = {m / 127.5f};
  q.zeroPoint = {0};
  return q;
}

// W = [[1, 0.5], [0.01, 0.005]] with rows s = [1, 100]. Carried: W keeps
// scale 1 / 127.5, row 0 is exact (127.5 and 63.75 -> 128 clamped to 127
// and 64: errors 1/127.5 * 0.5 and 0.25/127.5), row 1 rounds to 1 and 1
// (0.01 * 127.5 = 1.275, 0.6375): errors (1 - 1.275) / 127.5 and
// (1 - 0.6375) / 127.5, times 100. Folded: rows [1, 0.5] and [1, 0.5], all
// four on the grid but for the clamp, the same as row 0's error twice.
TEST(CarriedFold, ErrorRule) {
  llvm::SmallVector<float> w{1.0f, 0.5f, 0.01f, 0.005f};
  llvm::SmallVector<float> rows{1.0f, 100.0f};
  double carried = getRowScaledWeightError(w, {2, 2}, rows, /*folded=*/false,
                                           symmetric, -128, 127);
  double folded = getRowScaledWeightError(w, {2, 2}, rows, /*folded=*/true,
                                          symmetric, -128, 127);
  float step = 1.0f / 127.5f;
  double row0 = std::pow(1.0 - 127 * step, 2) + std::pow(0.5 - 64 * step, 2);
  double row1 = std::pow(100.0 * (0.01 - 1 * step), 2) +
                std::pow(100.0 * (0.005 - 1 * step), 2);
  EXPECT_NEAR(carried, row0 + row1, 1e-6);
  EXPECT_NEAR(folded, 2 * row0, 1e-6);
  // The folded rows lose far less: they are folded, not carried.
  EXPECT_FALSE(shouldCarryFold(carried, folded));
  // Rows of 1 change nothing: the errors tie and the fold stays carried.
  llvm::SmallVector<float> ones{1.0f, 1.0f};
  double a =
      getRowScaledWeightError(w, {2, 2}, ones, false, symmetric, -128, 127);
  double b =
      getRowScaledWeightError(w, {2, 2}, ones, true, symmetric, -128, 127);
  EXPECT_EQ(a, b);
  EXPECT_TRUE(shouldCarryFold(a, b));
}

TEST(CarriedFold, Margin) {
  EXPECT_TRUE(shouldCarryFold(2.0, 1.0));
  EXPECT_FALSE(shouldCarryFold(2.01, 1.0));
}

// No usable qparams (a zero scale) make the error infinite.
TEST(CarriedFold, NoQParams) {
  auto zero = [](llvm::ArrayRef<float>) -> std::optional<QParams> {
    QParams q;
    q.scale = {0.0f};
    q.zeroPoint = {0};
    return q;
  };
  EXPECT_EQ(
      getRowScaledWeightError({1.0f}, {1, 1}, {1.0f}, true, zero, -128, 127),
      kInf);
}

} // namespace
