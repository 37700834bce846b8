//===- FoldBatchNorm.cpp - the --eqq-fold-batchnorm pass ------------------===//
//
// Folds an eval-mode batch norm (a per-channel affine `x * scale + shift`)
// into the linear or conv layer in front of it.
//
//===----------------------------------------------------------------------===//

#include "Convert/Observers.h"

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

/// The f32 values of the constant that defines `v` (dense or
/// `dense_resource`), or std::nullopt.
static std::optional<SmallVector<float>> getConstantValues(Value v) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return getFloatValues(attr);
}

/// The use of `bias` by the layer's ops: by `biasOp` itself, or by the
/// broadcast that produces one of its operands.
static OpOperand *findBiasUse(const Layer &layer) {
  for (OpOperand &use : layer.biasOp->getOpOperands())
    if (use.get() == layer.bias)
      return &use;
  for (Value operand : layer.biasOp->getOperands())
    if (Operation *def = operand.getDefiningOp())
      for (OpOperand &use : def->getOpOperands())
        if (use.get() == layer.bias)
          return &use;
  return nullptr;
}

namespace {
struct FoldBatchNormPass : eqq::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  using FoldBatchNormPassBase::FoldBatchNormPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ModelAnalysis model(module);
    // The names, before a fold rewrites the layers' ops (a module printed
    // after this pass has no locations).
    recordLayerNames(model);
    SmallVector<ChannelAffine> affines;
    module.walk([&](linalg::GenericOp generic) {
      if (std::optional<ChannelAffine> affine = matchChannelAffine(generic))
        affines.push_back(*affine);
    });
    llvm::SetVector<Operation *> maybeDead;
    for (ChannelAffine &affine : affines) {
      std::string reason = tryFold(model, affine, maybeDead);
      if (!reason.empty() && reportUnfolded)
        affine.op->emitRemark() << "batch norm not folded: " << reason;
    }
    // Erase the constants, fills and empties nothing reads any more.
    while (!maybeDead.empty()) {
      Operation *op = maybeDead.pop_back_val();
      if (!isOpTriviallyDead(op))
        continue;
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          maybeDead.insert(def);
      op->erase();
    }
  }

  /// Folds `affine` into the layer in front of it; returns why it cannot,
  /// or "" when it did.
  std::string tryFold(const ModelAnalysis &model, ChannelAffine &affine,
                      llvm::SetVector<Operation *> &maybeDead) {
    Value x = affine.input->get();
    const Layer *layer = nullptr;
    for (const Layer &l : model.getLayers())
      if (l.output == x)
        layer = &l;
    if (!layer)
      return "its input is not the output of a linear or conv layer";
    auto outType = cast<RankedTensorType>(x.getType());
    int64_t channelAxis =
        layer->kind == LayerKind::Linear ? outType.getRank() - 1 : 1;
    if (affine.axis != channelAxis)
      return ("it scales axis " + Twine(affine.axis) + ", not the output " +
              "channel axis " + Twine(channelAxis) + " of layer '" +
              layer->name + "'")
          .str();
    if (!x.hasOneUse())
      return "the output of layer '" + layer->name +
             "' has other readers besides the batch norm";
    std::optional<SmallVector<float>> scale = getConstantValues(affine.scale);
    std::optional<SmallVector<float>> shift = getConstantValues(affine.shift);
    if (!scale || !shift)
      return "its scale or shift is not an f32 constant";
    Value weight = layer->getWeight();
    std::optional<SmallVector<float>> w = getConstantValues(weight);
    if (!w)
      return "the weight of layer '" + layer->name + "' is not an f32 constant";
    auto wType = cast<RankedTensorType>(weight.getType());
    int64_t rows = wType.getDimSize(0);
    if (rows != static_cast<int64_t>(scale->size()))
      return ("layer '" + layer->name + "' has " + Twine(rows) +
              " output channels, the batch norm " + Twine(scale->size()))
          .str();
    SmallVector<float> b(rows, 0.0f);
    OpOperand *biasUse = nullptr;
    if (layer->bias) {
      std::optional<SmallVector<float>> given = getConstantValues(layer->bias);
      biasUse = findBiasUse(*layer);
      if (!given || !biasUse)
        return "the bias of layer '" + layer->name + "' is not an f32 constant";
      b = *given;
    }

    // W'[o, ...] = W[o, ...] * scale[o]; b'[o] = b[o] * scale[o] + shift[o],
    // each product and sum rounded to f32 as the unfolded model rounds them.
    int64_t rowSize = wType.getNumElements() / rows;
    // Scaled where it was read: a copy of it (9.4 MB for resnet18's
    // largest weight) added to the stage's peak memory.
    SmallVector<float> newW = std::move(*w);
    for (int64_t o = 0; o < rows; ++o)
      for (int64_t i = 0; i < rowSize; ++i)
        newW[o * rowSize + i] *= (*scale)[o];
    SmallVector<float> newB(rows);
    for (int64_t o = 0; o < rows; ++o) {
      float product = b[o] * (*scale)[o];
      newB[o] = product + (*shift)[o];
    }

    OpBuilder builder(layer->op);
    Location loc = affine.op->getLoc();
    OpOperand *weightUse = layer->weightUse;
    Operation *weightUser = weightUse->getOwner();
    if (weightUser != layer->op && !weightUser->hasOneUse()) {
      // A transpose shared with another matmul: this layer gets its own.
      builder.setInsertionPoint(weightUser);
      Operation *copy = builder.clone(*weightUser);
      layer->op->replaceUsesOfWith(weightUser->getResult(0),
                                   copy->getResult(0));
      weightUse = &copy->getOpOperand(weightUse->getOperandNumber());
      weightUser = copy;
    }
    // The new constants go where the old ones are, which dominate their uses.
    builder.setInsertionPointAfter(weight.getDefiningOp());
    weightUse->set(
        createConstant(builder, weight.getLoc(), wType.getShape(), newW));
    maybeDead.insert(weight.getDefiningOp());

    if (biasUse) {
      Operation *biasUser = biasUse->getOwner();
      if (!biasUser->hasOneUse()) {
        // A broadcast shared with another op (the add after the layer has
        // one reader): this layer gets its own. It is the layer op's init,
        // or an operand of the add.
        Operation *reader =
            biasUser == layer->biasOp ? layer->op : layer->biasOp;
        builder.setInsertionPoint(biasUser);
        Operation *copy = builder.clone(*biasUser);
        reader->replaceUsesOfWith(biasUser->getResult(0), copy->getResult(0));
        biasUser = copy;
      }
      builder.setInsertionPointAfter(layer->bias.getDefiningOp());
      Value newBias =
          createConstant(builder, layer->bias.getLoc(), {rows}, newB);
      biasUser->replaceUsesOfWith(layer->bias, newBias);
      maybeDead.insert(layer->bias.getDefiningOp());
    } else {
      // The bias as the init, broadcast along channel axis 1 (the matmul's
      // 2-D init and every conv's).
      auto dps = cast<DestinationStyleOpInterface>(layer->op);
      OpOperand *initUse = dps.getDpsInitOperand(0);
      // A grouped conv's init is an expand_shape of the 4-D one.
      if (isa<linalg::Conv2DNgchwGfchwOp>(layer->op))
        initUse = &initUse->get()
                       .getDefiningOp<tensor::ExpandShapeOp>()
                       .getSrcMutable();
      auto initType = cast<RankedTensorType>(initUse->get().getType());
      builder.setInsertionPoint(initUse->getOwner());
      Value newBias = createConstant(builder, loc, {rows}, newB);
      Value empty = tensor::EmptyOp::create(builder, loc, initType.getShape(),
                                            initType.getElementType());
      SmallVector<int64_t> dims;
      for (int64_t d = 0; d < initType.getRank(); ++d)
        if (d != 1)
          dims.push_back(d);
      auto bcast =
          linalg::BroadcastOp::create(builder, loc, newBias, empty, dims);
      if (Operation *oldInit = initUse->get().getDefiningOp())
        maybeDead.insert(oldInit);
      initUse->set(bcast->getResult(0));
    }

    affine.op->getResult(0).replaceAllUsesWith(x);
    for (Value operand : affine.op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        maybeDead.insert(def);
    affine.op->erase();
    return "";
  }
};
} // namespace
