//===- OpTableTest.cpp - the op table -------------------------------------===//

#include "EqQuant/Analysis/OpTable.h"
#include "EqQuant/Analysis/Config.h"

#include "llvm/ADT/STLExtras.h"
#include "gtest/gtest.h"

using namespace mlir::eqq;

namespace {

// getOpKindInfo indexes the table by kind: every entry must sit at its
// kind's index.
TEST(OpTable, EntriesAreInKindOrder) {
  for (auto [index, info] : llvm::enumerate(getOpTable()))
    EXPECT_EQ(static_cast<size_t>(info.kind), index);
}

// The configuration names each kind by its object type, so the names must be
// unique and find their kind again.
TEST(OpTable, ObjectTypesNameTheirKind) {
  for (const OpKindInfo &info : getOpTable()) {
    if (info.objectType.empty())
      continue;
    std::optional<OpKind> kind = lookupObjectType(info.objectType);
    ASSERT_TRUE(kind.has_value()) << info.objectType.str();
    EXPECT_EQ(*kind, info.kind);
  }
  EXPECT_FALSE(lookupObjectType("").has_value());
  EXPECT_FALSE(lookupObjectType("dropout").has_value());
}

// PyTorch 1.13's backend configuration: linear and conv have observers of
// their own and fuse a following relu; relu and reshapes share their input's
// observer (OUTPUT_SHARE_OBSERVER_WITH_INPUT).
TEST(OpTable, PyTorchObservationTypes) {
  EXPECT_EQ(getOpKindInfo(OpKind::Linear).observation,
            Observation::OwnObserver);
  EXPECT_EQ(getOpKindInfo(OpKind::Conv2d).observation,
            Observation::OwnObserver);
  EXPECT_EQ(getOpKindInfo(OpKind::Add).observation, Observation::OwnObserver);
  EXPECT_EQ(getOpKindInfo(OpKind::Relu).observation,
            Observation::SharesInputObserver);
  EXPECT_EQ(getOpKindInfo(OpKind::Reshape).observation,
            Observation::SharesInputObserver);
  EXPECT_TRUE(fusesInto(OpKind::Relu, OpKind::Linear));
  EXPECT_TRUE(fusesInto(OpKind::Relu, OpKind::Conv3d));
  EXPECT_TRUE(fusesInto(OpKind::Relu, OpKind::Add));
  EXPECT_FALSE(fusesInto(OpKind::Add, OpKind::Linear));
  EXPECT_FALSE(fusesInto(OpKind::Relu, OpKind::Relu));
}

// The CNN ops, as PyTorch 1.13's backend configuration lists them: pooling,
// mean and clamps share their input's observer, hardswish and mul have their
// own (mul fuses a relu like add), sigmoid and hardsigmoid fixed qparams over
// [0, 1], SiLU is not listed (float). A scale crosses only the ops where that
// is exact for any positive scale.
TEST(OpTable, CnnOps) {
  for (OpKind k :
       {OpKind::MaxPool, OpKind::AvgPool, OpKind::Clamp, OpKind::Cat})
    EXPECT_EQ(getOpKindInfo(k).observation, Observation::SharesInputObserver);
  EXPECT_EQ(getOpKindInfo(OpKind::Hardswish).observation,
            Observation::OwnObserver);
  EXPECT_EQ(getOpKindInfo(OpKind::Mul).observation, Observation::OwnObserver);
  EXPECT_TRUE(fusesInto(OpKind::Relu, OpKind::Mul));
  for (OpKind k : {OpKind::Sigmoid, OpKind::Hardsigmoid}) {
    EXPECT_EQ(getOpKindInfo(k).observation, Observation::FixedQParams);
    EXPECT_EQ(getOpKindInfo(k).fixedRangeLo, 0.0f);
    EXPECT_EQ(getOpKindInfo(k).fixedRangeHi, 1.0f);
  }
  EXPECT_EQ(getOpKindInfo(OpKind::SiLU).observation, Observation::Float);
  EXPECT_EQ(getOpKindInfo(OpKind::MaxPool).scalePassage,
            ScalePassage::Commutes);
  EXPECT_EQ(getOpKindInfo(OpKind::AvgPool).scalePassage,
            ScalePassage::Commutes);
  EXPECT_EQ(getOpKindInfo(OpKind::Clamp).scalePassage, ScalePassage::Blocks);
  for (const OpKindInfo &info : getOpTable())
    if (info.kind >= OpKind::MaxPool)
      EXPECT_FALSE(info.quantizedByDefault || info.equalizedByDefault)
          << info.objectType.str();
}

// The transformer ops compute in float but matmul. PyTorch 1.13 quantizes
// layer norm with an observer of its own and softmax and tanh with fixed
// qparams; the table says so for the warning a configuration naming them
// gets. GELU and embedding PyTorch leaves float by default too. No scale
// crosses them.
TEST(OpTable, TransformerOpsStayFloat) {
  for (OpKind k : {OpKind::LayerNorm, OpKind::Gelu, OpKind::Tanh,
                   OpKind::Softmax, OpKind::Embedding}) {
    const OpKindInfo &info = getOpKindInfo(k);
    EXPECT_EQ(info.observation, Observation::Float) << info.objectType.str();
    EXPECT_EQ(info.scalePassage, ScalePassage::Blocks);
    EXPECT_FALSE(info.isLayer || info.quantizedByDefault);
  }
  for (OpKind k : {OpKind::LayerNorm, OpKind::Tanh, OpKind::Softmax})
    EXPECT_FALSE(getOpKindInfo(k).pytorchQuantizes.empty());
  for (OpKind k : {OpKind::Gelu, OpKind::Embedding, OpKind::SiLU})
    EXPECT_TRUE(getOpKindInfo(k).pytorchQuantizes.empty());
  EXPECT_EQ(lookupObjectType("layer_norm"), OpKind::LayerNorm);
  EXPECT_EQ(lookupObjectType("softmax"), OpKind::Softmax);
}

// A product of two activations (attention's scores and context) has
// observers of its own, as PyTorch 1.13's torch.matmul: quantized where a
// configuration names it, not by the built-in default, and no scale crosses
// it.
TEST(OpTable, MatmulHasItsOwnObserver) {
  const OpKindInfo &info = getOpKindInfo(OpKind::Matmul);
  EXPECT_EQ(info.observation, Observation::OwnObserver);
  EXPECT_EQ(info.scalePassage, ScalePassage::Blocks);
  EXPECT_FALSE(info.isLayer || info.quantizedByDefault ||
               info.equalizedByDefault);
  EXPECT_TRUE(info.pytorchQuantizes.empty());
  EXPECT_EQ(lookupObjectType("matmul"), OpKind::Matmul);
}

// The named configurations quantize every kind but the float ones.
TEST(OpTable, NamedConfigCoversTheTable) {
  std::optional<ConfigSection<QConfig>> onednn =
      Config::getNamedQConfig("onednn");
  ASSERT_TRUE(onednn.has_value());
  for (const OpKindInfo &info : getOpTable()) {
    if (info.objectType.empty())
      continue;
    EXPECT_EQ(onednn->lookup("x", info.objectType).has_value(),
              info.observation != Observation::Float)
        << info.objectType.str();
  }
}

// Only layers (ops with a weight) can be equalized, and the built-in default
// configuration (interface.md section 4) follows from the table: linear,
// conv and relu quantized, linear and conv equalized, add left float.
TEST(OpTable, DefaultConfigFollowsTheTable) {
  Config config = Config::getDefault();
  for (const OpKindInfo &info : getOpTable()) {
    if (info.objectType.empty())
      continue;
    std::string name = info.objectType.str();
    EXPECT_EQ(config.qconfig.objectType.count(name) != 0,
              info.quantizedByDefault)
        << name;
    EXPECT_EQ(config.equalization.objectType.count(name) != 0,
              info.equalizedByDefault)
        << name;
    if (info.equalizedByDefault)
      EXPECT_TRUE(info.isLayer) << name;
  }
  EXPECT_TRUE(config.qconfig.objectType.count("relu"));
  EXPECT_FALSE(config.qconfig.objectType.count("add"));
}

} // namespace
