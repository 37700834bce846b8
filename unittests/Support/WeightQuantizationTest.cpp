//===- WeightQuantizationTest.cpp - observing and quantizing weights ------===//

#include "EqQuant/Support/WeightQuantization.h"

#include "gtest/gtest.h"

using namespace mlir::eqq;

namespace {

// torch.quantize_per_tensor(w, 2.5 / 127, 0, torch.qint8).int_repr() for
// w = [[0.3, -1.2, 2.5], [0.01, -0.02, 0.04]] is [[15, -61, 127], [1, -1, 2]].
TEST(QuantizeRows, PerTensor) {
  llvm::SmallVector<int64_t> q =
      quantizeRows({0.3f, -1.2f, 2.5f, 0.01f, -0.02f, 0.04f},
                   {2.5f / 127, 2.5f / 127}, {0, 0}, -128, 127);
  EXPECT_EQ(q, (llvm::SmallVector<int64_t>{15, -61, 127, 1, -1, 2}));
}

// Per channel with scales 2.5 / 127 and 0.04 / 127: the small row keeps its
// precision, [32, -64, 127] (torch.quantize_per_channel).
TEST(QuantizeRows, PerChannel) {
  llvm::SmallVector<int64_t> q =
      quantizeRows({0.3f, -1.2f, 2.5f, 0.01f, -0.02f, 0.04f},
                   {2.5f / 127, 0.04f / 127}, {0, 0}, -128, 127);
  EXPECT_EQ(q, (llvm::SmallVector<int64_t>{15, -61, 127, 32, -64, 127}));
}

// Halves round to even and values clamp to the storage range, with the zero
// point added before the clamp: torch.quantize_per_tensor(
// [0.5, 1.5, 2.5, -0.5, -2.5, 300, -300], 1.0, zp) is
// [0, 2, 2, 0, -2, 127, -128] for qint8 (zp 0) and
// [128, 130, 130, 128, 126, 255, 0] for quint8 (zp 128).
TEST(QuantizeRows, RoundHalfEvenAndClamp) {
  llvm::SmallVector<float> w{0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 300.0f, -300.0f};
  EXPECT_EQ(quantizeRows(w, {1.0f}, {0}, -128, 127),
            (llvm::SmallVector<int64_t>{0, 2, 2, 0, -2, 127, -128}));
  EXPECT_EQ(quantizeRows(w, {1.0f}, {128}, 0, 255),
            (llvm::SmallVector<int64_t>{128, 130, 130, 128, 126, 255, 0}));
}

// default_weight_observer (qint8, per_tensor_symmetric, [-128, 127]) on
// [[0.3, -1.2], [2.55, 0]]: scale max|w| / 127.5 = 0.02, zero point 0.
TEST(DataQParams, PerTensorSymmetric) {
  ObserverSpec spec;
  spec.config.scheme = QParamsScheme::Symmetric;
  spec.config.unsignedStorage = false;
  spec.config.quantMin = -128;
  spec.config.quantMax = 127;
  QParams q = computeDataQParams(spec, {0.3f, -1.2f, 2.55f, 0.0f}, {2, 2});
  ASSERT_EQ(q.scale.size(), 1u);
  EXPECT_FLOAT_EQ(q.scale[0], 0.02f);
  EXPECT_EQ(q.zeroPoint[0], 0.0f);
}

// per_channel_symmetric along axis 0: one scale per row, 1.2 / 127.5 and
// 2.55 / 127.5.
TEST(DataQParams, PerChannelSymmetric) {
  ObserverSpec spec;
  spec.config.scheme = QParamsScheme::Symmetric;
  spec.config.unsignedStorage = false;
  spec.config.quantMin = -128;
  spec.config.quantMax = 127;
  spec.perChannel = true;
  QParams q = computeDataQParams(spec, {0.3f, -1.2f, 2.55f, 0.0f}, {2, 2});
  ASSERT_EQ(q.scale.size(), 2u);
  EXPECT_FLOAT_EQ(q.scale[0], 1.2f / 127.5f);
  EXPECT_FLOAT_EQ(q.scale[1], 0.02f);
}

// The statistics alone give the observer's qparams: an affine quint8 [0, 255]
// range [-1, 3] has scale 4 / 255 and zero point round(1 / scale) = 64.
TEST(ObserverQParams, FromStatistics) {
  ObserverSpec spec;
  QParams q = computeObserverQParams(spec, {-1.0f}, {3.0f}, {});
  EXPECT_FLOAT_EQ(q.scale[0], 4.0f / 255.0f);
  EXPECT_EQ(q.zeroPoint[0], 64.0f);
}

} // namespace
