//===- ObserverInterfaceTest.cpp - the observer op interface --------------===//

#include "EqQuant/Dialect/EqqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::eqq;

namespace {

class ObserverInterface : public ::testing::Test {
protected:
  ObserverInterface() {
    context.loadDialect<EqqDialect, func::FuncDialect, arith::ArithDialect>();
  }

  /// Parses `body` as the body of `func.func @f(%x: tensor<2x3xf32>)` and
  /// returns its observers in program order.
  SmallVector<ObserverOpInterface> parse(StringRef body) {
    std::string text =
        ("func.func @f(%x: tensor<2x3xf32>) {\n" + body + "\n  return\n}\n")
            .str();
    module = parseSourceString<ModuleOp>(text, &context);
    SmallVector<ObserverOpInterface> observers;
    if (module)
      module->walk([&](ObserverOpInterface op) { observers.push_back(op); });
    return observers;
  }

  /// The number of ops in the module, to see that nothing was created.
  int64_t countOps() {
    int64_t n = 0;
    module->walk([&](Operation *) { ++n; });
    return n;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(ObserverInterface, Roles) {
  SmallVector<ObserverOpInterface> obs = parse(R"(
    %0 = eqq.act_observer %x minmax quint8 per_tensor_affine : tensor<2x3xf32>
    %1 = eqq.weight_observer %x minmax qint8 per_tensor_symmetric : tensor<2x3xf32>
    %2 = eqq.input_eq_observer %x axis 1 quint8 per_tensor_symmetric : tensor<2x3xf32>
    %3 = eqq.weight_eq_observer %x qint8 per_channel_symmetric : tensor<2x3xf32>)");
  ASSERT_EQ(obs.size(), 4u);
  EXPECT_EQ(obs[0].getObserverRole(), ObserverRole::Activation);
  EXPECT_EQ(obs[1].getObserverRole(), ObserverRole::Weight);
  EXPECT_EQ(obs[2].getObserverRole(), ObserverRole::InputEqualization);
  EXPECT_EQ(obs[3].getObserverRole(), ObserverRole::WeightEqualization);
  EXPECT_FALSE(obs[0].observesWeight() || obs[0].isEqualizationObserver());
  EXPECT_TRUE(obs[1].observesWeight() && !obs[1].isEqualizationObserver());
  EXPECT_TRUE(!obs[2].observesWeight() && obs[2].isEqualizationObserver());
  EXPECT_TRUE(obs[3].observesWeight() && obs[3].isEqualizationObserver());
  // Statistics axes: per tensor, per tensor, the input's axis, the weight's
  // input columns.
  EXPECT_EQ(obs[0].getStatisticsAxis(), std::nullopt);
  EXPECT_EQ(obs[0].getNumStatChannels(), 1);
  EXPECT_EQ(obs[2].getStatisticsAxis(), 1);
  EXPECT_EQ(obs[2].getNumStatChannels(), 3);
  EXPECT_EQ(obs[3].getStatisticsAxis(), 1);
  for (ObserverOpInterface o : obs)
    EXPECT_FALSE(o.isCalibrated());
}

// PyTorch 1.13 default_qconfig activation (quint8, per_tensor_affine, range
// [0, 127]) on [-1, 3]: scale 4 / 127, zero point round(1 / scale) = 32; the
// observer is not touched and nothing is created.
TEST_F(ObserverInterface, QParamsOfGivenStatisticsArePure) {
  SmallVector<ObserverOpInterface> obs = parse(R"(
    %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] : tensor<2x3xf32>)");
  ASSERT_EQ(obs.size(), 1u);
  int64_t ops = countOps();
  std::optional<QParams> q = obs[0].computeQParams({{-1.0f}, {3.0f}, {}});
  ASSERT_TRUE(q.has_value());
  EXPECT_FLOAT_EQ(q->scale[0], 4.0f / 127.0f);
  EXPECT_EQ(q->zeroPoint[0], 32.0f);
  EXPECT_FALSE(obs[0].isCalibrated());
  EXPECT_EQ(countOps(), ops);
  EXPECT_EQ(obs[0].getQParams(), std::nullopt);

  // The same statistics set on the observer give the same parameters.
  obs[0].setStatistics({{-1.0f}, {3.0f}, {}});
  ASSERT_TRUE(obs[0].isCalibrated());
  std::optional<QParams> held = obs[0].getQParams();
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->scale, q->scale);
  EXPECT_EQ(held->zeroPoint, q->zeroPoint);
  obs[0].clearStatistics();
  EXPECT_FALSE(obs[0].isCalibrated());
}

// What computeStatistics gives for data is what folding the observer of a
// constant with that data records.
TEST_F(ObserverInterface, ComputeStatisticsMatchesFolding) {
  SmallVector<ObserverOpInterface> obs = parse(R"(
    %w = arith.constant dense<[[1.0, -2.0, 0.5], [4.0, 0.25, -3.0]]> : tensor<2x3xf32>
    %0 = eqq.weight_observer %w per_channel_minmax qint8 per_channel_symmetric axis 0 : tensor<2x3xf32>
    %1 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x3xf32>
    %2 = eqq.act_observer %w histogram quint8 per_tensor_affine {bins = 4 : i64} : tensor<2x3xf32>)");
  ASSERT_EQ(obs.size(), 3u);
  SmallVector<float> data = {1.0f, -2.0f, 0.5f, 4.0f, 0.25f, -3.0f};
  for (ObserverOpInterface o : obs) {
    ObserverStatistics computed = o.computeStatistics(data);
    SmallVector<OpFoldResult> folded;
    ASSERT_TRUE(succeeded(o->fold(folded)));
    std::optional<ObserverStatistics> held = o.getStatistics();
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(held->min, computed.min);
    EXPECT_EQ(held->max, computed.max);
    EXPECT_EQ(held->histogram, computed.histogram);
  }
  // Per output channel; per input column; one histogram over [-3, 4].
  EXPECT_EQ(obs[0].getStatistics()->min, (SmallVector<float>{-2.0f, -3.0f}));
  EXPECT_EQ(obs[1].getStatistics()->max,
            (SmallVector<float>{4.0f, 0.25f, 0.5f}));
  EXPECT_EQ(obs[2].getStatistics()->histogram,
            (SmallVector<float>{2.0f, 1.0f, 2.0f, 1.0f}));
}

// A histogram observer searches the histogram for its range; without a
// histogram it uses min and max. Equalization observers do not quantize.
TEST_F(ObserverInterface, HistogramAndEqualizationQParams) {
  SmallVector<ObserverOpInterface> obs = parse(R"(
    %0 = eqq.act_observer %x histogram quint8 per_tensor_affine {bins = 4 : i64} : tensor<2x3xf32>
    %1 = eqq.input_eq_observer %x axis 1 quint8 per_tensor_symmetric : tensor<2x3xf32>)");
  ASSERT_EQ(obs.size(), 2u);
  ObserverStatistics stats{{0.0f}, {4.0f}, {1.0f, 0.0f, 0.0f, 100.0f}};
  auto [lo, hi] = searchHistogramRange(stats.histogram, 0.0f, 4.0f, 256);
  QParamsConfig config;
  std::optional<QParams> q = obs[0].computeQParams(stats);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->scale, computeQParams({lo}, {hi}, config).scale);
  std::optional<QParams> minMax = obs[0].computeQParams({{0.0f}, {4.0f}, {}});
  ASSERT_TRUE(minMax.has_value());
  EXPECT_EQ(minMax->scale, computeQParams({0.0f}, {4.0f}, config).scale);
  EXPECT_NE(q->scale, minMax->scale);
  EXPECT_EQ(obs[1].computeQParams({{0.0f, 0.0f, 0.0f}, {1.0f, 2.0f, 3.0f}, {}}),
            std::nullopt);
}

// Calibration continues from what an observer holds, with its rule.
TEST_F(ObserverInterface, RunningStatistics) {
  SmallVector<ObserverOpInterface> obs = parse(R"(
    %0 = eqq.act_observer %x moving_average_minmax quint8 per_tensor_affine {averaging_constant = 5.000000e-01 : f32, max_val = array<f32: 2.0>, min_val = array<f32: -1.0>} : tensor<2x3xf32>
    %1 = eqq.input_eq_observer %x axis 1 quint8 per_tensor_symmetric : tensor<2x3xf32>)");
  ASSERT_EQ(obs.size(), 2u);
  RunningStats r = obs[0].getRunningStatistics();
  EXPECT_EQ(r.rule, AccumulationRule::MovingAverage);
  EXPECT_EQ(r.averagingConstant, 0.5f);
  r.addRange({1.0f}, {4.0f});
  EXPECT_EQ(r.min, (SmallVector<float>{0.0f}));
  EXPECT_EQ(r.max, (SmallVector<float>{3.0f}));
  RunningStats eq = obs[1].getRunningStatistics();
  EXPECT_EQ(eq.rule, AccumulationRule::MinMax);
  EXPECT_TRUE(eq.empty());
}

} // namespace
