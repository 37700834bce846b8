//===- StatisticsTest.cpp - observer statistics ---------------------------===//

#include "EqQuant/Support/Statistics.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir::eqq;

namespace {

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

} // namespace
