//===- OpTable.h - what EqQuant knows about each kind of op ----*- C++ -*-===//
//
// One table says, for every kind of op EqQuant recognizes, how PyTorch 1.13's
// native backend configuration (torch/ao/quantization/backend_config/, the
// onednn and fbgemm/x86 configurations share these entries) quantizes it, what
// it fuses with, and how an equalization scale passes through it. Prepare,
// convert, the configuration reader and the numeric comparison ask the table;
// recognizing an op in IR is lib/Analysis/Layers.cpp's job, building its
// integer program convert's.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_ANALYSIS_OPTABLE_H
#define EQQUANT_ANALYSIS_OPTABLE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir::eqq {

/// Every kind of op EqQuant recognizes.
enum class OpKind {
  Linear,
  Conv1d,
  Conv2d,
  Conv3d,
  Relu,
  Add,
  /// tensor.collapse_shape / tensor.expand_shape (flatten, view, reshape).
  Reshape,
  /// Max pooling (nn.MaxPool2d).
  MaxPool,
  /// Average pooling: nn.AvgPool2d, nn.AdaptiveAvgPool2d and torch.mean,
  /// which PyTorch quantizes alike.
  AvgPool,
  /// Clamping to constant bounds: nn.ReLU6, nn.Hardtanh, torch.clamp.
  Clamp,
  Hardswish,
  Hardsigmoid,
  Sigmoid,
  SiLU,
  /// Elementwise multiplication of two tensors, broadcasting size-1 axes
  /// (squeeze-and-excitation's `x * s`).
  Mul,
  /// torch.cat.
  Cat,
  /// nn.LayerNorm, F.layer_norm over the trailing axes.
  LayerNorm,
  /// nn.GELU, F.gelu (erf and tanh forms).
  Gelu,
  /// nn.Tanh, torch.tanh.
  Tanh,
  /// nn.Softmax, F.softmax, torch.softmax.
  Softmax,
  /// torch.matmul / bmm / @ of two activations (attention's scores and
  /// context); a product with a constant weight is a linear layer.
  Matmul,
  /// nn.Embedding, F.embedding: rows of a constant table picked by ids.
  Embedding,
};

/// How PyTorch observes an op's output (`ObservationType` plus the fixed
/// qparams and float cases of the backend configuration).
enum class Observation {
  /// OUTPUT_USE_DIFFERENT_OBSERVER_AS_INPUT: the output has an observer of
  /// its own (linear, conv, add).
  OwnObserver,
  /// OUTPUT_SHARE_OBSERVER_WITH_INPUT: the output is quantized with its
  /// input's scale and zero point, and the op runs on quantized values
  /// (relu, max pool, flatten, reshape, ...).
  SharesInputObserver,
  /// Fixed output qparams whatever the data (sigmoid, hardsigmoid, softmax,
  /// tanh): the op table's `fixedRange` is the output range the storage
  /// range covers.
  FixedQParams,
  /// Not in the backend configuration: computes in float, with dequantize
  /// and quantize at its boundaries.
  Float,
};

/// How an equalization scale `s` on the channel axis crosses an op.
enum class ScalePassage {
  /// It does not: a scale wanted after the op is a multiply there.
  Blocks,
  /// `op(x * s) = op(x) * s` for positive per-channel `s` (relu, max pool,
  /// a reshape that keeps the channel axis): a scale folded before the op
  /// reaches the values after it.
  Commutes,
  /// The op's weights take the scale: its output rows absorb a scale wanted
  /// after it (a fold), its input columns the inverse of one in front.
  Absorbs,
};

/// The table's entry for one kind of op.
struct OpKindInfo {
  OpKind kind;
  /// The configuration's object_type key ("linear", "relu", ...); empty for
  /// kinds the configuration cannot name.
  llvm::StringRef objectType;
  /// The PyTorch modules and functions the kind stands for.
  llvm::StringRef pytorch;
  Observation observation;
  /// A layer with a constant weight: quantized to an integer program and
  /// equalizable.
  bool isLayer;
  /// Kinds that fuse into this one when they are the sole reader of its
  /// output and quantized themselves (the layer then observes its output
  /// after them), as PyTorch's fusion patterns.
  llvm::ArrayRef<OpKind> fuses;
  ScalePassage scalePassage;
  /// Quantized by the built-in default configuration (interface section 4).
  bool quantizedByDefault;
  /// Equalized by the built-in default configuration.
  bool equalizedByDefault;
  /// FixedQParams: the range [lo, hi] of the op's output that the storage
  /// range covers (PyTorch's FixedQParamsObserver: scale (hi - lo) / 256).
  float fixedRangeLo = 0.0f, fixedRangeHi = 0.0f;
  /// A Float kind that PyTorch 1.13's backend configuration does quantize:
  /// how (for messages); empty when PyTorch computes it in float too.
  llvm::StringRef pytorchQuantizes = "";
};

/// The entry of `kind`.
const OpKindInfo &getOpKindInfo(OpKind kind);

/// Every entry, in OpKind order.
llvm::ArrayRef<OpKindInfo> getOpTable();

/// The kind an object_type key names, if any.
std::optional<OpKind> lookupObjectType(llvm::StringRef objectType);

/// True when `kind` fuses into a preceding op of kind `producer`.
bool fusesInto(OpKind kind, OpKind producer);

} // namespace mlir::eqq

#endif // EQQUANT_ANALYSIS_OPTABLE_H
