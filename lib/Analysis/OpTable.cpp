//===- OpTable.cpp - what EqQuant knows about each kind of op -------------===//
//
// The entries follow PyTorch 1.13's
// torch/ao/quantization/backend_config/_common_operator_config_utils.py:
// _get_linear_configs and _get_conv_configs (own observer, fused relu),
// _get_binary_op_configs (add: own observer, fused relu),
// _get_share_qparams_op_configs (relu, flatten, reshape, view, max and
// average pooling, adaptive average pooling, mean, hardtanh, relu6, clamp:
// the output shares the input's observer), _get_cat_config (cat shares one
// observer between its inputs and its output), _get_default_op_configs
// (hardswish: own observer), _get_fixed_qparams_op_configs (sigmoid and
// hardsigmoid: FixedQParamsObserver with scale 1/256 and zero point 0 over
// [0, 1]), _get_binary_op_configs (mul as add). SiLU is in none of them: it
// computes in float.
//
// The transformer ops compute in float here. GELU is in none of PyTorch's
// configurations either; PyTorch quantizes layer norm (_get_ln_configs: an
// observer of its own) and matmul (_get_binary_op_configs), and gives
// softmax and tanh fixed qparams (_FIXED_QPARAMS_OP_TO_OBSERVER), which
// EqQuant has no int8 forms of yet; embedding tables are quantized only
// weight-only (float_qparams), which no default configuration asks for.
//
// A scale crosses an op only where that is exact for every positive
// per-channel scale: relu, max pooling and average pooling commute with it.
// A clamp with an upper bound (relu6) does not (min(x * s, 6) differs from
// min(x, 6) * s), nor do the nonlinear activations, mul and cat.
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
    {OpKind::MaxPool,
     "max_pool",
     "nn.MaxPool2d, F.max_pool2d",
     Observation::SharesInputObserver,
     false,
     {},
     ScalePassage::Commutes,
     false,
     false},
    {OpKind::AvgPool,
     "avg_pool",
     "nn.AvgPool2d, nn.AdaptiveAvgPool2d, F.avg_pool2d, "
     "F.adaptive_avg_pool2d, torch.mean over spatial axes",
     Observation::SharesInputObserver,
     false,
     {},
     ScalePassage::Commutes,
     false,
     false},
    {OpKind::Clamp,
     "clamp",
     "nn.ReLU6, nn.Hardtanh, F.relu6, F.hardtanh, torch.clamp",
     Observation::SharesInputObserver,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false},
    {OpKind::Hardswish,
     "hardswish",
     "nn.Hardswish, F.hardswish",
     Observation::OwnObserver,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false},
    {OpKind::Hardsigmoid,
     "hardsigmoid",
     "nn.Hardsigmoid, F.hardsigmoid",
     Observation::FixedQParams,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false,
     /*fixedRangeLo=*/0.0f,
     /*fixedRangeHi=*/1.0f},
    {OpKind::Sigmoid,
     "sigmoid",
     "nn.Sigmoid, torch.sigmoid",
     Observation::FixedQParams,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false,
     0.0f,
     1.0f},
    {OpKind::SiLU,
     "silu",
     "nn.SiLU, F.silu",
     Observation::Float,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false},
    {OpKind::Mul, "mul", "operator.mul, torch.mul", Observation::OwnObserver,
     false, kFusesRelu, ScalePassage::Blocks, false, false},
    {OpKind::Cat,
     "cat",
     "torch.cat",
     Observation::SharesInputObserver,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false},
    {OpKind::LayerNorm,
     "layer_norm",
     "nn.LayerNorm, F.layer_norm",
     Observation::Float,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false,
     0.0f,
     0.0f,
     /*pytorchQuantizes=*/
     "with an observer of its own (quantized::layer_norm)"},
    {OpKind::Gelu,
     "gelu",
     "nn.GELU, F.gelu",
     Observation::Float,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false},
    {OpKind::Tanh,
     "tanh",
     "nn.Tanh, torch.tanh",
     Observation::Float,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false,
     0.0f,
     0.0f,
     "with fixed qparams over [-1, 1]"},
    {OpKind::Softmax,
     "softmax",
     "nn.Softmax, F.softmax, torch.softmax",
     Observation::Float,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false,
     0.0f,
     0.0f,
     "with fixed qparams over [0, 1]"},
    // PyTorch 1.13 quantizes torch.matmul (quantized::matmul: the float
    // product of the dequantized inputs, quantized); EqQuant's int8 form is
    // the exact integer product, requantized.
    {OpKind::Matmul,
     "matmul",
     "torch.matmul, torch.bmm, @ of two activations",
     Observation::OwnObserver,
     false,
     {},
     ScalePassage::Blocks,
     false,
     false},
    {OpKind::Embedding,
     "embedding",
     "nn.Embedding, F.embedding",
     Observation::Float,
     false,
     {},
     ScalePassage::Blocks,
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
