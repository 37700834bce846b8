//===- OpTable.cpp - what EqQuant knows about each kind of op -------------===//
//
// The entries follow PyTorch 1.13's
// torch/ao/quantization/backend_config/_common_operator_config_utils.py:
// _get_linear_configs and _get_conv_configs (own observer, fused relu),
// _get_binary_op_configs (add: own observer, fused relu),
// _get_share_qparams_op_configs (relu, flatten, reshape, view: the output
// shares the input's observer).
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Analysis/OpTable.h"

#include "llvm/ADT/STLExtras.h"

#include <cassert>

using namespace mlir::eqq;

static constexpr OpKind kFusesRelu[] = {OpKind::Relu};

static const OpKindInfo kOpTable[] = {
    {OpKind::Linear, "linear", "nn.Linear, F.linear", Observation::OwnObserver,
     /*isLayer=*/true, kFusesRelu, ScalePassage::Absorbs,
     /*quantizedByDefault=*/true,
     /*equalizedByDefault=*/true},
    {OpKind::Conv1d, "conv1d", "nn.Conv1d, F.conv1d", Observation::OwnObserver,
     true, kFusesRelu, ScalePassage::Absorbs, true, true},
    {OpKind::Conv2d, "conv2d", "nn.Conv2d, F.conv2d", Observation::OwnObserver,
     true, kFusesRelu, ScalePassage::Absorbs, true, true},
    {OpKind::Conv3d, "conv3d", "nn.Conv3d, F.conv3d", Observation::OwnObserver,
     true, kFusesRelu, ScalePassage::Absorbs, true, true},
    {OpKind::Relu,
     "relu",
     "nn.ReLU, F.relu, torch.relu",
     Observation::SharesInputObserver,
     false,
     {},
     ScalePassage::Commutes,
     true,
     false},
    {OpKind::Add, "add", "operator.add, torch.add", Observation::OwnObserver,
     false, kFusesRelu, ScalePassage::Blocks, false, false},
    {OpKind::Reshape,
     "",
     "torch.flatten, reshape, view, squeeze, unsqueeze",
     Observation::SharesInputObserver,
     false,
     {},
     ScalePassage::Commutes,
     false,
     false},
};

llvm::ArrayRef<OpKindInfo> mlir::eqq::getOpTable() { return kOpTable; }

const OpKindInfo &mlir::eqq::getOpKindInfo(OpKind kind) {
  const OpKindInfo &info = kOpTable[static_cast<size_t>(kind)];
  assert(info.kind == kind && "the table is in OpKind order");
  return info;
}

std::optional<OpKind> mlir::eqq::lookupObjectType(llvm::StringRef objectType) {
  if (objectType.empty())
    return std::nullopt;
  for (const OpKindInfo &info : kOpTable)
    if (info.objectType == objectType)
      return info.kind;
  return std::nullopt;
}

bool mlir::eqq::fusesInto(OpKind kind, OpKind producer) {
  return llvm::is_contained(getOpKindInfo(producer).fuses, kind);
}
