//===- Observers.cpp - a layer's observers and their qparams --------------===//

#include "Observers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::eqq;

Value mlir::eqq::stripReshapes(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

ActObserverOp mlir::eqq::getQuantizingObserver(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto obs = dyn_cast<ActObserverOp>(def))
      return obs;
    // Reshapes and input-equalization observers (the per-channel
    // statistics at the start of a chain a scale folds across) pass the
    // value on.
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, InputEqObserverOp>(
            def))
      v = def->getOperand(0);
    else if (OpOperand *in = matchSharingOp(v))
      v = in->get();
    else
      break;
  }
  return nullptr;
}

LayerObservers mlir::eqq::findObservers(const Layer &layer) {
  LayerObservers o;
  Value in = layer.getInput();
  if ((o.inputEq = in.getDefiningOp<InputEqObserverOp>()))
    in = o.inputEq.getInput();
  o.input = stripReshapes(in).getDefiningOp<ActObserverOp>();
  o.quantizingInput = o.input ? o.input : getQuantizingObserver(in);
  if ((o.weight = layer.getWeight().getDefiningOp<WeightObserverOp>()))
    o.weightEq = o.weight.getInput().getDefiningOp<WeightEqObserverOp>();
  Value out = layer.getOutputAfterRelu();
  for (Operation *user : out.getUsers())
    if (auto obs = dyn_cast<ActObserverOp>(user))
      o.output = obs;
  if (!o.output && layer.relu)
    for (Operation *user : layer.output.getUsers())
      if (auto obs = dyn_cast<ActObserverOp>(user))
        o.output = obs;
  return o;
}

template <typename OpTy> static ObserverSpec getSpec(OpTy op) {
  ObserverSpec spec;
  spec.config =
      getQParamsConfig(op.getQscheme(), op.getDtype(), op.getQuantMin(),
                       op.getQuantMax(), op.getReduceRange());
  spec.perChannel = isPerChannel(op.getQscheme());
  spec.axis = op.getAxis();
  spec.histogram = op.getKind() == ObserverKind::histogram;
  if (op.getKind() == ObserverKind::fixed_qparams)
    spec.config.scheme = QParamsScheme::Fixed;
  spec.bins = op.getBins();
  return spec;
}

ObserverSpec mlir::eqq::getObserverSpec(ActObserverOp obs) {
  return getSpec(obs);
}
ObserverSpec mlir::eqq::getObserverSpec(WeightObserverOp obs) {
  return getSpec(obs);
}

QParams mlir::eqq::getWeightQParamsFor(WeightObserverOp obs,
                                       ArrayRef<float> values) {
  auto type = cast<RankedTensorType>(obs.getInput().getType());
  return computeDataQParams(getObserverSpec(obs), values, type.getShape());
}

QParams mlir::eqq::getActQParamsFor(ActObserverOp obs, float lo, float hi) {
  ArrayRef<float> histogram;
  if (std::optional<ArrayRef<float>> h = obs.getHistogram())
    histogram = *h;
  return computeObserverQParams(getObserverSpec(obs), {lo}, {hi}, histogram);
}

void mlir::eqq::setObserverRange(RewriterBase &rewriter,
                                 ObserverOpInterface obs, float min,
                                 float max) {
  ObserverStatistics statistics;
  statistics.min = {min};
  statistics.max = {max};
  if (DenseF32ArrayAttr histogram = obs.getHistogramAttr())
    statistics.histogram.assign(histogram.asArrayRef().begin(),
                                histogram.asArrayRef().end());
  rewriter.modifyOpInPlace(obs, [&] { obs.setStatistics(statistics); });
}

Value mlir::eqq::createConstant(OpBuilder &b, Location loc,
                                ArrayRef<int64_t> shape,
                                ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  ElementsAttr attr;
  if (values.size() <= 64) {
    attr = DenseElementsAttr::get(type, values);
  } else {
    // Aligned to a cache line, as the exporter's blobs: the JIT then reads
    // the weight in place instead of copying it to an aligned buffer, and
    // the bytecode this module is written to keeps the alignment.
    attr = DenseResourceElementsAttr::get(
        type, "eqq_weight",
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                           values.size() * sizeof(float)),
            /*align=*/64));
  }
  return arith::ConstantOp::create(b, loc, attr);
}
