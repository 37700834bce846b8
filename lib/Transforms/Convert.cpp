//===- Convert.cpp - the --eqq-convert pass -------------------------------===//
//
// Equalizes a calibrated module (scales from the equalization observers,
// folded into the previous layer where that keeps the function, a multiply
// otherwise, input ranges that describe the scaled values) and quantizes it.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Statistics.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

#define DEBUG_TYPE "eqq-convert"

namespace mlir::eqq {
#define GEN_PASS_DEF_CONVERTPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

namespace {

/// The observers prepare attached to one layer.
struct LayerObservers {
  InputEqObserverOp inputEq;
  ActObserverOp input;
  WeightEqObserverOp weightEq;
  WeightObserverOp weight;
  ActObserverOp output;
};

/// A layer's weight and bias as they are being rewritten.
struct LayerParams {
  SmallVector<float> weight;
  SmallVector<int64_t> weightShape;
  std::optional<SmallVector<float>> bias;
  bool changed = false;
};

} // namespace

/// The value with collapse/expand reshapes looked through.
static Value stripReshapes(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

static LayerObservers findObservers(const Layer &layer) {
  LayerObservers o;
  Value in = layer.getInput();
  if ((o.inputEq = in.getDefiningOp<InputEqObserverOp>()))
    in = o.inputEq.getInput();
  o.input = stripReshapes(in).getDefiningOp<ActObserverOp>();
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

/// A new f32 constant for `values`: dense when small, a resource blob when
/// large (as front ends emit large weights).
static Value createConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                            ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  ElementsAttr attr;
  if (values.size() <= 64) {
    attr = DenseElementsAttr::get(type, values);
  } else {
    attr = DenseResourceElementsAttr::get(
        type, "eqq_weight",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
  }
  return arith::ConstantOp::create(b, loc, attr);
}

/// Multiplies `data` (row-major `shape`) along `axis` by `factors`.
static void scaleAlong(MutableArrayRef<float> data, ArrayRef<int64_t> shape,
                       int64_t axis, ArrayRef<float> factors) {
  int64_t inner = 1;
  for (int64_t d = axis + 1, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  int64_t channels = shape[axis];
  for (size_t i = 0, e = data.size(); i < e; ++i)
    data[i] = data[i] * factors[(i / inner) % channels];
}

/// s_j = sqrt((wmax_j - wmin_j) / (xmax_j - xmin_j)) in float32; 0, NaN and
/// +-Inf become 1 (PyTorch's calculate_equalization_scale).
static SmallVector<float> computeScale(ArrayRef<float> xmin,
                                       ArrayRef<float> xmax,
                                       ArrayRef<float> wmin,
                                       ArrayRef<float> wmax) {
  SmallVector<float> s(xmin.size());
  for (size_t j = 0, e = s.size(); j < e; ++j) {
    float v = std::sqrt((wmax[j] - wmin[j]) / (xmax[j] - xmin[j]));
    if (v == 0.0f || !std::isfinite(v))
      v = 1.0f;
    s[j] = v;
  }
  return s;
}

namespace {
struct ConvertPass : eqq::impl::ConvertPassBase<ConvertPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult equalize(const ModelAnalysis &model);
};
} // namespace

/// The layer whose result (directly, or through its relu) is `v`, and that
/// `v` can take a scale from: its output's channel axis is `axis`.
static const Layer *getFoldTarget(const ModelAnalysis &model, Value v,
                                  int64_t axis) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return nullptr;
  for (const Layer &p : model.getLayers()) {
    bool viaRelu = p.relu && p.relu->getResult(0) == v && p.output.hasOneUse();
    if (p.output != v && !viaRelu)
      continue;
    auto type = cast<RankedTensorType>(p.output.getType());
    int64_t channelAxis = p.kind == LayerKind::Linear ? type.getRank() - 1 : 1;
    // Its weights and bias must be constants to take the scale.
    if (channelAxis != axis || !getConstantThroughObservers(p.getWeight()) ||
        (p.bias && !getConstantThroughObservers(p.bias)))
      return nullptr;
    return &p;
  }
  return nullptr;
}

LogicalResult ConvertPass::equalize(const ModelAnalysis &model) {
  ArrayRef<Layer> layers = model.getLayers();
  SmallVector<LayerObservers> observers;
  for (const Layer &layer : layers)
    observers.push_back(findObservers(layer));

  // Current weights and biases, as they get scaled.
  llvm::DenseMap<const Layer *, LayerParams> params;
  auto getParams = [&](const Layer &layer) -> LayerParams & {
    auto [it, inserted] = params.try_emplace(&layer);
    if (inserted) {
      ElementsAttr w = getConstantThroughObservers(layer.getWeight());
      it->second.weight = *getFloatValues(w);
      it->second.weightShape =
          llvm::to_vector(cast<ShapedType>(w.getType()).getShape());
      if (layer.bias)
        if (ElementsAttr b = getConstantThroughObservers(layer.bias))
          it->second.bias = getFloatValues(b);
    }
    return it->second;
  };

  // Scales, first the columns of every equalized layer (PyTorch multiplies
  // by the reciprocal first), then the rows they fold into.
  struct Fold {
    const Layer *target;
    SmallVector<float> scale;
  };
  SmallVector<Fold> folds;
  for (auto [layer, obs] : llvm::zip(layers, observers)) {
    if (!obs.inputEq)
      continue;
    InputEqObserverOp inEq = obs.inputEq;
    WeightEqObserverOp wEq = obs.weightEq;
    if (!wEq)
      return layer.op->emitError("layer '")
             << layer.name << "' has an input-equalization observer but no "
             << "weight-equalization observer";
    if (!inEq.isCalibrated())
      return inEq.emitError("layer '")
             << layer.name
             << "': the input-equalization observer holds no statistics; "
                "run --eqq-calibrate first";
    if (!wEq.isCalibrated())
      return wEq.emitError("layer '")
             << layer.name << "': the weight-equalization observer holds no "
             << "statistics (the weight is not a constant?)";
    ArrayRef<float> xmin = *inEq.getMinVal(), xmax = *inEq.getMaxVal();
    ArrayRef<float> wmin = *wEq.getMinVal(), wmax = *wEq.getMaxVal();
    if (xmin.size() != wmin.size())
      return layer.op->emitError("layer '")
             << layer.name << "': the input has " << xmin.size()
             << " channels but the weight " << wmin.size()
             << " input columns; they must match";
    SmallVector<float> s = computeScale(xmin, xmax, wmin, wmax);

    LayerParams &p = getParams(layer);
    SmallVector<float> reciprocal;
    for (float v : s)
      reciprocal.push_back(1.0f / v);
    scaleAlong(p.weight, p.weightShape, /*axis=*/1, reciprocal);
    p.changed = true;

    // The range L's input is quantized from: the scaled values' range.
    float lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < s.size(); ++j) {
      lo = std::min(lo, xmin[j] * s[j]);
      hi = std::max(hi, xmax[j] * s[j]);
    }

    // Fold into the producer when L is its only consumer.
    Value in = inEq.getInput();
    ActObserverOp inObs = obs.input;
    Value raw = inObs ? inObs.getInput() : in;
    bool soleUse =
        inEq->hasOneUse() && in.hasOneUse() && (!inObs || raw.hasOneUse());
    const Layer *target = soleUse && stripReshapes(in) == in
                              ? getFoldTarget(model, raw, layer.inputAxis)
                              : nullptr;
    OpBuilder b(inEq);
    if (target) {
      folds.push_back({target, s});
      if (inObs) {
        Builder attrs(&getContext());
        inObs.setMinValAttr(attrs.getDenseF32ArrayAttr({lo}));
        inObs.setMaxValAttr(attrs.getDenseF32ArrayAttr({hi}));
      }
      inEq.replaceAllUsesWith(in);
    } else {
      Value scaled =
          EqScaleOp::create(b, inEq.getLoc(), in, layer.inputAxis, s);
      if (inObs) {
        // A quantization point of its own for the scaled input.
        auto scaledObs = cast<ActObserverOp>(b.clone(*inObs));
        scaledObs->setOperand(0, scaled);
        Builder attrs(&getContext());
        scaledObs.setMinValAttr(attrs.getDenseF32ArrayAttr({lo}));
        scaledObs.setMaxValAttr(attrs.getDenseF32ArrayAttr({hi}));
        scaled = scaledObs;
      }
      inEq.replaceAllUsesWith(scaled);
    }
    inEq.erase();
  }

  for (Fold &fold : folds) {
    LayerParams &p = getParams(*fold.target);
    scaleAlong(p.weight, p.weightShape, /*axis=*/0, fold.scale);
    if (p.bias)
      for (auto [b, s] : llvm::zip(*p.bias, fold.scale))
        b = b * s;
    p.changed = true;
  }

  // Materialize the new weights and biases; weight observers see them.
  for (auto [layer, obs] : llvm::zip(layers, observers)) {
    auto it = params.find(&layer);
    if (it == params.end() || !it->second.changed)
      continue;
    LayerParams &p = it->second;
    OpBuilder b(layer.weightUse->getOwner());
    Value w = createConstant(b, layer.op->getLoc(), p.weightShape, p.weight);
    if (obs.weightEq) {
      obs.weightEq.replaceAllUsesWith(obs.weightEq.getInput());
      obs.weightEq.erase();
    }
    if (WeightObserverOp wobs = obs.weight) {
      wobs->setOperand(0, w);
      wobs.removeMinValAttr();
      wobs.removeMaxValAttr();
      wobs.removeHistogramAttr();
      SmallVector<OpFoldResult> folded;
      (void)wobs->fold(folded);
    } else {
      layer.weightUse->set(w);
    }
    if (p.bias && layer.bias) {
      OpBuilder bb(layer.biasOp);
      Value bias =
          createConstant(bb, layer.op->getLoc(),
                         {static_cast<int64_t>(p.bias->size())}, *p.bias);
      for (OpOperand &use : layer.biasOp->getOpOperands())
        if (use.get() == layer.bias)
          use.set(bias);
    }
  }
  // Weight-equalization observers of layers whose weights did not change.
  getOperation().walk([](WeightEqObserverOp op) {
    op.replaceAllUsesWith(op.getInput());
    op.erase();
  });
  return success();
}

void ConvertPass::runOnOperation() {
  ModuleOp module = getOperation();
  // Quantizing without statistics would silently produce garbage.
  WalkResult uncalibrated = module.walk([&](ActObserverOp op) {
    if (op.isCalibrated() || getConstantThroughObservers(op.getInput()))
      return WalkResult::advance();
    op.emitError("activation observer holds no statistics; run "
                 "--eqq-calibrate first (or give recipe-in=)");
    return WalkResult::interrupt();
  });
  if (uncalibrated.wasInterrupted())
    return signalPassFailure();

  ModelAnalysis model(module);
  if (failed(equalize(model)))
    return signalPassFailure();

  if (!quantize) {
    // The equalized float model: no observers left.
    module.walk([](Operation *op) {
      if (isa<ActObserverOp, WeightObserverOp>(op)) {
        op->getResult(0).replaceAllUsesWith(op->getOperand(0));
        op->erase();
      }
    });
    return;
  }
  module.emitError("eqq-convert: quantize=true is not implemented yet");
  signalPassFailure();
}
