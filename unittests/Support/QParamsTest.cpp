//===- QParamsTest.cpp - calculate_qparams --------------------------------===//

#include "EqQuant/Support/QParams.h"

#include "gtest/gtest.h"

using namespace mlir::eqq;

namespace {

// PyTorch 1.13 default_qconfig activation: quint8, per_tensor_affine, range
// [0, 127]: scale = (max - min) / 127, zp = 0 - round(min / scale).
TEST(QParams, AffineQuint8ReducedRange) {
  QParamsConfig config;
  config.quantMin = 0;
  config.quantMax = 127;
  config.customRange = true;
  QParams q = computeQParams({-1.0f}, {3.0f}, config);
  ASSERT_EQ(q.scale.size(), 1u);
  EXPECT_FLOAT_EQ(q.scale[0], 4.0f / 127.0f);
  EXPECT_EQ(q.zeroPoint[0], 32.0f);
}

} // namespace
