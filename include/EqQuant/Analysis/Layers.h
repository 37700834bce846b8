//===- Layers.h - recognize the layers of a float model ---------*- C++ -*-===//
//
// The one place that knows the input spellings of the interface contract
// (section 3): linear (transposed weight or a transposed-B matmul, bias in the
// init or added after, optional collapse/expand around a higher-rank input),
// conv1d/2d/3d (optional zero tensor.pad), depthwise conv2d
// (linalg.depthwise_conv_2d_nchw_chw, a conv2d layer with `depthwise` set),
// grouped conv2d (linalg.conv_2d_ngchw_gfchw between reshapes, a conv2d layer
// with `groups` set),
// relu and add; and the integer
// programs --eqq-convert makes of quantized layers. Prepare, convert,
// lowering and the numeric comparison all ask this analysis.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_ANALYSIS_LAYERS_H
#define EQQUANT_ANALYSIS_LAYERS_H

#include "EqQuant/Analysis/OpTable.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <cmath>
#include <optional>
#include <string>

namespace mlir::eqq {

/// The kinds of layers: the OpKinds the op table marks `isLayer` (linear,
/// conv1d, conv2d, conv3d).
using LayerKind = OpKind;

/// "linear", "conv1d", "conv2d" or "conv3d": the kind's object type name in
/// the op table.
llvm::StringRef getLayerKindName(LayerKind kind);

/// A linear or conv layer, with every op it is spelled with.
struct Layer {
  LayerKind kind;
  /// The `eqq.layer` attribute of the matmul/conv op (`--eqq-prepare` sets
  /// it from the NameLoc, `--eqq-convert` always), else its NameLoc, else
  /// generated (`linear_0`).
  std::string name;
  /// The linalg.matmul or linalg.conv_* op.
  Operation *op = nullptr;
  /// The use through which the layer reads its input: an operand of the
  /// tensor.pad or tensor.collapse_shape in front of the op, of a grouped
  /// conv's tensor.expand_shape, or of the op.
  OpOperand *inputUse = nullptr;
  /// The feature (equalization) axis of the input value: 1, or the last axis
  /// for a linear input of rank > 2.
  int64_t inputAxis = 1;
  /// The use through which the layer reads its weight `W[out, in, ...]`: an
  /// operand of the linalg.transpose, or of the op. A depthwise conv reads
  /// PyTorch's `W[C, 1, KH, KW]` through a tensor.collapse_shape to
  /// `C x KH x KW`: the collapse's operand (else the op's, `C x KH x KW`).
  OpOperand *weightUse = nullptr;
  /// A depthwise conv2d (groups == C_in == C_out): output channel c reads
  /// only input channel c, through weight row c.
  bool depthwise = false;
  /// A grouped conv2d's groups G (1 otherwise; a depthwise conv keeps 1):
  /// output channel f of G * F' reads input channels
  /// [g * C', (g + 1) * C') for g = f / F', through row f of PyTorch's
  /// `(G * F') x C' x KH x KW` weight, which the layer reads (through the
  /// op's tensor.expand_shape to G x F' x C' x KH x KW), as it reads its
  /// input and output on the 4-D values around the op.
  int64_t groups = 1;
  /// The 1-D bias (compile-time constant or not), or null.
  Value bias;
  /// The op that adds the bias: the elementwise add after the op, or the
  /// broadcast that fills the op's init. Null without bias.
  Operation *biasOp = nullptr;
  /// The layer's result before any relu: after the bias add and after a
  /// tensor.expand_shape back to the input's rank.
  Value output;
  /// A relu that is the sole user of `output`, or null. Whether it is fused
  /// is the caller's decision.
  Operation *relu = nullptr;

  Value getInput() const { return inputUse->get(); }
  Value getWeight() const { return weightUse->get(); }
  /// The relu's result, or `output` when there is no relu.
  Value getOutputAfterRelu() const;
  /// The op through which the layer's input enters (pad, collapse or op).
  Operation *getInputOp() const { return inputUse->getOwner(); }
  /// The weight axis that input channel j of the layer meets: the input
  /// columns (axis 1), or for a depthwise conv its rows (axis 0). Input
  /// equalization divides the weight along it.
  int64_t getWeightInputAxis() const { return depthwise ? 0 : 1; }
};

/// An op of the op table that is not a layer: relu, add, mul, pooling,
/// mean, clamps, activations, cat. Not only elementwise ops, despite the
/// name: every op that sits between layers and that quantization treats as
/// one op.
struct ElementwiseOp {
  OpKind kind;
  std::string name;
  /// The op that carries the name: the relu/add/mul/activation generic, the
  /// pooling op, the sum of an average pool or mean, the tensor.concat.
  Operation *op = nullptr;
  /// Every op of the spelling, in program order (a pool's tensor.pad, the
  /// pool or sum, the division of an average); the last one's result is
  /// `output`.
  llvm::SmallVector<Operation *, 3> ops;
  /// Uses of tensor operands that are not compile-time constants.
  llvm::SmallVector<OpOperand *, 2> dataInputs;
  Value output;
  /// A clamp's bounds (-inf / inf where it has none).
  float clampLo = -INFINITY, clampHi = INFINITY;
  llvm::StringRef getObjectType() const {
    return getOpKindInfo(kind).objectType;
  }
};

/// A batch norm in the exporter's form (eval mode): an elementwise
/// `linalg.generic` computing `x * scale + shift`, with `scale` and `shift`
/// 1-D f32 values read along `axis` of `x`. --eqq-fold-batchnorm folds it
/// into the layer in front; eq-run --compare looks for one after a layer.
struct ChannelAffine {
  /// The linalg.generic.
  Operation *op = nullptr;
  OpOperand *input = nullptr;
  Value scale, shift;
  int64_t axis = 1;
};

/// `op` as a ChannelAffine, if it is one.
std::optional<ChannelAffine> matchChannelAffine(Operation *op);

/// A quantized linear or conv layer of a converted module: the integer
/// program `--eqq-convert` builds (an accumulating `linalg.generic` of i8
/// input and weight into i32, a requantize `linalg.generic` to i8, a
/// `quant.scast` to the quantized output type).
struct QuantizedLayer {
  LayerKind kind;
  /// A depthwise conv2d (loops n, c, oh, ow, kh, kw).
  bool depthwise = false;
  /// The accumulating op's `eqq.layer` attribute, else its NameLoc, else
  /// generated.
  std::string name;
  /// The accumulating linalg.generic.
  Operation *op = nullptr;
  /// The quantized output (a tensor of `!quant.uniform`), after the
  /// requantize, with its fused relu if there is one, and after a
  /// tensor.expand_shape back to the rank of the input; or, for a float
  /// output (`eqq.float_output`), the f32 result of the accumulator times the
  /// scales plus the bias (after the expand_shape).
  Value output;
  bool floatOutput = false;
};

/// The layers and elementwise ops of a module's model functions, in program
/// order. Layers are named in one sequence, float and quantized together.
class ModelAnalysis {
public:
  /// Analyzes every public function with a body in `module`.
  explicit ModelAnalysis(ModuleOp module);

  llvm::ArrayRef<Layer> getLayers() const { return layers; }
  llvm::ArrayRef<ElementwiseOp> getElementwiseOps() const { return eltwise; }
  /// The integer programs of a converted module.
  llvm::ArrayRef<QuantizedLayer> getQuantizedLayers() const {
    return quantizedLayers;
  }

private:
  llvm::SmallVector<Layer> layers;
  llvm::SmallVector<QuantizedLayer> quantizedLayers;
  llvm::SmallVector<ElementwiseOp> eltwise;
};

/// If `op` is a relu in one of the contract's spellings, its input operand.
OpOperand *matchRelu(Operation *op);

/// If `op` is the last op of a pooling, mean, clamp, activation (GELU and
/// tanh too), mul, cat, matmul of two activations or embedding spelling
/// (lib/Analysis/Ops.cpp), that op, unnamed. Relu and add are
/// matchRelu's and the model analysis's.
std::optional<ElementwiseOp> matchOtherOp(Operation *op);

/// If `op` is the last op of a spelling of several generics whose first ops
/// a single-op matcher could take for other ops (layer norm's mean looks
/// like a mean; softmax), that op, unnamed. The model analysis matches these
/// first and gives their ops to no other match.
std::optional<ElementwiseOp> matchCompositeOp(Operation *op);

/// If `output` is the result of an op that shares its input's observer (the
/// op table's SharesInputObserver: relu, pooling, mean, clamp, cat), the use
/// of its (first) data input.
OpOperand *matchSharingOp(Value output);

/// An add in front of a layer whose two operands can each take a scale from
/// the layer that produces them (--eqq-prepare and --eqq-convert with
/// residual adds): `consumer` reads `relu(a + b)` or `a + b` and nothing else
/// does; `a` and `b` are each a layer's output (through at most its relu)
/// whose other readers are layers that can take the inverse scale in their
/// weight columns. eqq observers are looked through.
struct ResidualAdd {
  /// The add and the relu between it and the consumer (or null).
  Operation *add = nullptr;
  Operation *relu = nullptr;
  /// The add's two data operands, and the layer producing each.
  llvm::SmallVector<OpOperand *, 2> operands;
  llvm::SmallVector<const Layer *, 2> producers;
  /// The other layers that read an operand's value, each with the producer
  /// of the value it reads.
  llvm::SmallVector<std::pair<const Layer *, const Layer *>> readers;
};
std::optional<ResidualAdd> matchResidualAdd(const ModelAnalysis &model,
                                            const Layer &consumer);

/// The layer whose result (directly, or through its relu) is `v`, and that
/// can take a scale on `v`'s channels: its output's channel axis is `axis`
/// and its weight and bias are constants. Null if there is none.
const Layer *getFoldTarget(const ModelAnalysis &model, Value v, int64_t axis);

/// A chain of ops a scale commutes with (the op table's Commutes: max and
/// average pooling, a standalone relu) between a layer and the layer that
/// reads the chain's end: a scale wanted at the end can fold into the
/// producer's rows. Each value of the chain has one reader; eqq observers
/// are looked through.
struct CommutingChain {
  /// The layer whose output (or fused relu's output) starts the chain.
  const Layer *producer = nullptr;
  /// The use through which the chain's first op reads the producer's
  /// output.
  OpOperand *start = nullptr;
};
/// The chain that ends in `v` (a layer's input), if `v` is produced by at
/// least one commuting op and the chain starts at a layer with constant
/// weights whose channel axis is `axis`.
std::optional<CommutingChain> matchCommutingChain(const ModelAnalysis &model,
                                                  Value v, int64_t axis);

/// Records each layer named by its location on its op (`eqq.layer`), where a
/// module printed without locations keeps the name for the later stages
/// (generated names follow from program order, which no stage changes).
/// Every pass that rewrites a float model before --eqq-prepare calls it too,
/// so that a stage run as a separate command keeps the names.
void recordLayerNames(const ModelAnalysis &model);

/// The name a NameLoc gives `loc` (looking into fused locations), or "".
std::string getNameFromLoc(Location loc);

} // namespace mlir::eqq

#endif // EQQUANT_ANALYSIS_LAYERS_H
