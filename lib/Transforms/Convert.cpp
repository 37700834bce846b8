//===- Convert.cpp - the --eqq-convert pass -------------------------------===//
//
// Equalizes a calibrated module (scales from the equalization observers,
// folded into the previous layer where that keeps the function, a multiply
// otherwise, input ranges that describe the scaled values) and quantizes it.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Json.h"
#include "EqQuant/Support/Statistics.h"
#include "EqQuant/Transforms/ModelRunner.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

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

/// Points the weight observer `obs` at the constant `w` and computes its
/// statistics from it (the observer's fold).
static void observeWeight(WeightObserverOp obs, Value w) {
  obs->setOperand(0, w);
  obs.removeMinValAttr();
  obs.removeMaxValAttr();
  obs.removeHistogramAttr();
  SmallVector<OpFoldResult> folded;
  (void)obs->fold(folded);
}

/// The qparams `obs` gives the weight `values` (of its input's shape): a
/// copy of the observer on that weight, folded, gives them for every
/// observer kind.
static std::optional<QParams> getUnfoldedQParams(WeightObserverOp obs,
                                                 ArrayRef<float> values) {
  OpBuilder b(obs);
  auto type = cast<RankedTensorType>(obs.getInput().getType());
  Value w = createConstant(b, obs.getLoc(), type.getShape(), values);
  auto copy = cast<WeightObserverOp>(b.clone(*obs));
  observeWeight(copy, w);
  std::optional<QParams> q = getObserverQParams(copy);
  copy->erase();
  w.getDefiningOp()->erase();
  return q;
}

/// How much more weight error a carried fold may have than the folded rows
/// before the rows are folded instead.
static constexpr double kFoldErrorMargin = 2.0;

/// The error, in the space of the scaled output, of a per-tensor weight `w`
/// (`shape`, rows along axis 0) whose rows take the factors `rows`: quantized
/// with `obs` after the rows are multiplied (`folded`), or before, the
/// factors applied to the dequantized rows (a carried fold):
///   sum_ik (rows_i w_ik - deq(q(rows_i w_ik)))^2, or
///   sum_ik rows_i^2 (w_ik - deq(q(w_ik)))^2.
static double getRowScaledWeightError(WeightObserverOp obs, ArrayRef<float> w,
                                      ArrayRef<int64_t> shape,
                                      ArrayRef<float> rows, bool folded) {
  SmallVector<float> v(w.begin(), w.end());
  if (folded)
    scaleAlong(v, shape, /*axis=*/0, rows);
  std::optional<QParams> q = getUnfoldedQParams(obs, v);
  if (!q || !(q->scale[0] > 0.0f))
    return INFINITY;
  auto [lo, hi] = getStorageRange(obs.getDtype());
  float scale = q->scale[0], inv = 1.0f / scale, zp = q->zeroPoint[0];
  size_t inner = v.size() / rows.size();
  double error = 0;
  for (size_t i = 0, e = v.size(); i < e; ++i) {
    float r = std::clamp(std::nearbyint(v[i] * inv) + zp,
                         static_cast<float>(lo), static_cast<float>(hi));
    double d = static_cast<double>((r - zp) * scale) - v[i];
    if (!folded)
      d *= rows[i / inner];
    error += d * d;
  }
  return error;
}

/// The equalization scale per input channel j, in float32; 0, NaN and +-Inf
/// become 1 (PyTorch's calculate_equalization_scale).
///   range mode:  s_j = range(W_j)^(1 - alpha) / range(x_j)^alpha, computed
///                as sqrt(range(W_j) / range(x_j)) for alpha 0.5, PyTorch's
///                formula bit for bit;
///   absmax mode: s_j = max|W_j|^(1 - alpha) / max|x_j|^alpha (SmoothQuant's
///                migration strength; it divides x by the reciprocal).
static SmallVector<float>
computeScale(ArrayRef<float> xmin, ArrayRef<float> xmax, ArrayRef<float> wmin,
             ArrayRef<float> wmax, bool absMax, float alpha) {
  SmallVector<float> s(xmin.size());
  for (size_t j = 0, e = s.size(); j < e; ++j) {
    float x = absMax ? std::max(std::fabs(xmin[j]), std::fabs(xmax[j]))
                     : xmax[j] - xmin[j];
    float w = absMax ? std::max(std::fabs(wmin[j]), std::fabs(wmax[j]))
                     : wmax[j] - wmin[j];
    float v = alpha == 0.5f ? std::sqrt(w / x)
                            : std::pow(w, 1.0f - alpha) / std::pow(x, alpha);
    if (v == 0.0f || !std::isfinite(v))
      v = 1.0f;
    s[j] = v;
  }
  return s;
}

//===----------------------------------------------------------------------===//
// Automatic alpha: scoring a layer's candidate scales
//===----------------------------------------------------------------------===//

namespace {
/// What a layer read on auto-alpha's data: batches concatenated along the
/// first axis.
struct Samples {
  SmallVector<float> values;
  SmallVector<int64_t> shape;
};
} // namespace

/// The outputs of `layer` (without bias) computed in double from the input
/// `x` (laid out as `samples`) and the weight `w` (`W[out, in, ...]`), at
/// rows (linear) or output positions (conv) spread evenly over the samples:
/// all of them, or as many as about kScoredMacs multiply-adds allow (at
/// least kMinScoredPositions); the same positions for every `x` and `w`.
static constexpr int64_t kScoredMacs = int64_t(1) << 24;
static constexpr int64_t kMinScoredPositions = 256;
static int64_t getScoredPositions(int64_t available, int64_t macsPerPosition) {
  int64_t budget = std::max(
      kMinScoredPositions, kScoredMacs / std::max<int64_t>(1, macsPerPosition));
  return std::min(available, budget);
}
static SmallVector<double> computeOutputs(const Layer &layer,
                                          const Samples &samples,
                                          ArrayRef<float> x, ArrayRef<float> w,
                                          ArrayRef<int64_t> wShape) {
  SmallVector<double> out;
  int64_t features = wShape[0];
  if (layer.kind == LayerKind::Linear) {
    int64_t k = samples.shape.back();
    int64_t rows = static_cast<int64_t>(x.size()) / k;
    int64_t count = getScoredPositions(rows, features * k);
    for (int64_t i = 0; i < count; ++i) {
      const float *row = x.data() + (i * rows / count) * k;
      for (int64_t n = 0; n < features; ++n) {
        double acc = 0;
        for (int64_t j = 0; j < k; ++j)
          acc += static_cast<double>(row[j]) * w[n * k + j];
        out.push_back(acc);
      }
    }
    return out;
  }
  // conv: [N, C, S...] * [F, C, K...], zero padding, strides, dilations.
  int64_t spatial = static_cast<int64_t>(samples.shape.size()) - 2;
  SmallVector<int64_t> size(3, 1), kernel(3, 1), stride(3, 1), dilation(3, 1),
      low(3, 0), high(3, 0), outSize(3, 1);
  for (int64_t d = 0; d < spatial; ++d) {
    size[d] = samples.shape[2 + d];
    kernel[d] = wShape[2 + d];
  }
  if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("strides"))
    for (auto [d, v] : llvm::enumerate(attr.getValues<int64_t>()))
      stride[d] = v;
  if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("dilations"))
    for (auto [d, v] : llvm::enumerate(attr.getValues<int64_t>()))
      dilation[d] = v;
  if (auto pad = dyn_cast<tensor::PadOp>(layer.getInputOp()))
    for (int64_t d = 0; d < spatial; ++d) {
      low[d] = pad.getStaticLow()[2 + d];
      high[d] = pad.getStaticHigh()[2 + d];
    }
  int64_t positions = samples.shape[0];
  for (int64_t d = 0; d < spatial; ++d) {
    outSize[d] =
        (size[d] + low[d] + high[d] - dilation[d] * (kernel[d] - 1) - 1) /
            stride[d] +
        1;
    positions *= outSize[d];
  }
  int64_t channels = samples.shape[1];
  int64_t image = channels * size[0] * size[1] * size[2];
  int64_t taps = kernel[0] * kernel[1] * kernel[2];
  int64_t count = getScoredPositions(positions, features * channels * taps);
  for (int64_t i = 0; i < count; ++i) {
    int64_t p = i * positions / count;
    int64_t o[3];
    for (int64_t d = 2; d >= 0; --d) {
      o[d] = p % outSize[d];
      p /= outSize[d];
    }
    const float *img = x.data() + p * image;
    for (int64_t f = 0; f < features; ++f) {
      double acc = 0;
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t k0 = 0; k0 < kernel[0]; ++k0)
          for (int64_t k1 = 0; k1 < kernel[1]; ++k1)
            for (int64_t k2 = 0; k2 < kernel[2]; ++k2) {
              int64_t i0 = o[0] * stride[0] + k0 * dilation[0] - low[0];
              int64_t i1 = o[1] * stride[1] + k1 * dilation[1] - low[1];
              int64_t i2 = o[2] * stride[2] + k2 * dilation[2] - low[2];
              if (i0 < 0 || i0 >= size[0] || i1 < 0 || i1 >= size[1] ||
                  i2 < 0 || i2 >= size[2])
                continue;
              float v = img[((c * size[0] + i0) * size[1] + i1) * size[2] + i2];
              float wv = w[(f * channels + c) * taps +
                           (k0 * kernel[1] + k1) * kernel[2] + k2];
              acc += static_cast<double>(v) * wv;
            }
      out.push_back(acc);
    }
  }
  return out;
}

namespace {
struct ConvertPass : eqq::impl::ConvertPassBase<ConvertPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult equalize(const ModelAnalysis &model);
  LogicalResult quantizeModel(const ModelAnalysis &model);
  LogicalResult readRecipe();
  LogicalResult applyRecipeRanges();
  std::string describeRecipe(const ModelAnalysis &model);

  /// What equalization decided, per layer name.
  struct Decision {
    std::string name;
    std::optional<float> alpha;
    SmallVector<float> scale;
    std::string applied = "none";
  };
  llvm::StringMap<Decision> decisions;

  /// A scale folded into a layer whose weight is quantized per tensor,
  /// carried by its requantize multiplier (carry-folds): the row factors,
  /// the weight before they were applied and its observer's qparams.
  struct CarriedFold {
    SmallVector<float> rowScale;
    SmallVector<float> weight;
    std::optional<QParams> weightQParams;
  };
  llvm::DenseMap<Operation *, CarriedFold> carried;
  /// The qparams `layer`'s weight is quantized with: its observer's, or
  /// those of a carried fold's weight.
  std::optional<QParams> getWeightQParams(const Layer &layer,
                                          WeightObserverOp obs) const;

  /// auto-alpha: what each equalized layer read on `data`, by its
  /// input-equalization observer.
  llvm::DenseMap<Operation *, Samples> samples;
  LogicalResult collectSamples(const ModelAnalysis &model);
  /// The noise-to-signal energy ratio of `layer`'s output computed from its
  /// int8 input and weight, with the equalization scale `s` (empty: none),
  /// against its float output on its samples; none when it cannot be scored.
  std::optional<double> scoreScale(const Layer &layer, LayerObservers obs,
                                   ArrayRef<float> s);
  /// The alpha (none: no equalization) whose scale gives the layers in
  /// `scored` (one, or a group sharing its input) the best int8 output;
  /// the pass's alpha when they cannot be scored.
  std::optional<float>
  chooseAlpha(ArrayRef<const Layer *> scored, ArrayRef<LayerObservers> obs,
              ArrayRef<Layer> layers,
              llvm::function_ref<SmallVector<float>(float)> scaleFor);
  /// Each scored candidate's SQNR (dB), per layer, for the recipe.
  struct Candidate {
    std::optional<float> alpha;
    double sqnrDb;
  };
  llvm::StringMap<SmallVector<Candidate>> autoAlphaReport;

  /// A recipe being re-applied (recipe-in).
  struct RecipeLayer {
    bool equalized = false;
    SmallVector<float> scale;
    json::Position pos;
  };
  std::optional<llvm::StringMap<RecipeLayer>> recipeLayers;
  SmallVector<std::pair<float, float>> recipeRanges;
  json::Position recipeRangesPos;
};
} // namespace

/// The per-channel observers prepare put on a residual add's operands (and
/// on its result in front of a relu).
static SmallVector<InputEqObserverOp>
getResidualStatistics(const ResidualAdd &r) {
  SmallVector<InputEqObserverOp> stats;
  for (OpOperand *o : r.operands)
    if (auto obs = o->get().getDefiningOp<InputEqObserverOp>())
      stats.push_back(obs);
  if (OpOperand *in = r.relu ? matchRelu(r.relu) : nullptr)
    if (auto obs = in->get().getDefiningOp<InputEqObserverOp>())
      stats.push_back(obs);
  return stats;
}

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

/// True when `v` is produced by an op that will be quantized: a layer with a
/// weight observer (or its relu), whose integer program outputs `v`
/// quantized. Other ops (relu, add) compute in float even when they read
/// quantized values, so their result is scaled before it is quantized, as
/// PyTorch does (`add -> mul -> quantize_per_tensor`).
static bool isQuantizedProducer(const ModelAnalysis &model, Value v) {
  return llvm::any_of(model.getLayers(), [&](const Layer &l) {
    return (l.output == v || l.getOutputAfterRelu() == v) &&
           l.getWeight().getDefiningOp<WeightObserverOp>();
  });
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
  // A residual add's operands take s from their producers; other layers
  // reading an operand divide their columns by it. The operands' (and the
  // add's) quantization ranges become those of the scaled values, from their
  // per-channel statistics.
  auto foldResidual = [&](const ResidualAdd &r, ArrayRef<float> s,
                          ArrayRef<float> reciprocal,
                          Decision &decision) -> LogicalResult {
    SmallVector<std::string> names;
    for (const Layer *p : r.producers) {
      folds.push_back({p, SmallVector<float>(s)});
      names.push_back(p->name);
    }
    decision.applied = "folded_into:" + llvm::join(names, ",");
    for (auto [reader, producer] : r.readers) {
      LayerParams &rp = getParams(*reader);
      scaleAlong(rp.weight, rp.weightShape, /*axis=*/1, reciprocal);
      rp.changed = true;
      Decision &d = decisions[reader->name];
      d.scale = SmallVector<float>(s);
      d.applied = "folded_into:" + producer->name;
    }
    for (InputEqObserverOp obs : getResidualStatistics(r)) {
      auto act = obs.getInput().getDefiningOp<ActObserverOp>();
      if (act && !recipeLayers) {
        if (!obs.isCalibrated() || obs.getMinVal()->size() != s.size())
          return obs.emitError("the per-channel observer of an operand of ")
                 << "the add in front of layer '" << decision.name
                 << "' holds no statistics for its " << s.size()
                 << " channels; run --eqq-calibrate first";
        float lo = INFINITY, hi = -INFINITY;
        for (size_t j = 0; j < s.size(); ++j) {
          lo = std::min(lo, (*obs.getMinVal())[j] * s[j]);
          hi = std::max(hi, (*obs.getMaxVal())[j] * s[j]);
        }
        Builder attrs(&getContext());
        act.setMinValAttr(attrs.getDenseF32ArrayAttr({lo}));
        act.setMaxValAttr(attrs.getDenseF32ArrayAttr({hi}));
      }
      obs.replaceAllUsesWith(obs.getInput());
      obs.erase();
    }
    return success();
  };
  // Layers that read one value (prepare's shared-inputs) share one scale and
  // one multiply.
  struct SharedInput {
    std::optional<float> alpha;
    SmallVector<float> scale;
    Value scaled;
  };
  llvm::DenseMap<Value, SharedInput> sharedInputs;
  llvm::DenseMap<Operation *, WeightEqObserverOp> weightEqOf;
  llvm::DenseMap<Operation *, size_t> layerOfInputEq;
  for (auto [i, o] : llvm::enumerate(observers))
    if (o.inputEq) {
      weightEqOf[o.inputEq] = o.weightEq;
      auto [it, inserted] = layerOfInputEq.try_emplace(o.inputEq, i);
      if (!inserted)
        return o.inputEq.emitError("layers '")
               << layers[it->second].name << "' and '" << layers[i].name
               << "' read one input-equalization observer; each equalized "
                  "layer needs its own, as --eqq-prepare inserts them";
    }
  for (auto [layer, obs] : llvm::zip(layers, observers)) {
    if (!obs.inputEq)
      continue;
    InputEqObserverOp inEq = obs.inputEq;
    WeightEqObserverOp wEq = obs.weightEq;
    if (!wEq)
      return layer.op->emitError("layer '")
             << layer.name << "' has an input-equalization observer but no "
             << "weight-equalization observer";
    int64_t columns = cast<ShapedType>(wEq.getType()).getDimSize(1);
    // The producer a scale can fold into: L is the only consumer of its
    // output (through at most a relu).
    Value in = inEq.getInput();
    ActObserverOp inObs = obs.input;
    Value raw = inObs ? inObs.getInput() : in;
    bool soleUse =
        inEq->hasOneUse() && in.hasOneUse() && (!inObs || raw.hasOneUse());
    const Layer *target = fold && soleUse && stripReshapes(in) == in
                              ? getFoldTarget(model, raw, layer.inputAxis)
                              : nullptr;
    // A residual add that prepare marked (per-channel observers on its
    // operands): both operands take s from their producers.
    std::optional<ResidualAdd> residual;
    if (fold && !target && soleUse)
      residual = matchResidualAdd(model, layer);
    if (residual &&
        (!llvm::all_of(residual->operands,
                       [](OpOperand *o) {
                         return o->get().getDefiningOp<InputEqObserverOp>();
                       }) ||
         llvm::any_of(llvm::make_first_range(residual->readers),
                      [](const Layer *r) {
                        return r->getInput().getDefiningOp<InputEqObserverOp>();
                      })))
      residual.reset();
    SmallVector<float> s;
    SmallVector<float> xmin, xmax;
    // Whether xmin/xmax hold the input's calibrated per-channel range.
    bool haveRanges = true;
    // The statistics the scale balances (the input's, or the producer's
    // weight rows for data-free) against the weight columns'.
    SmallVector<float> sxmin, sxmax, wmin, wmax;
    bool absMax = scaleMode == "absmax";
    std::optional<float> layerAlpha = alpha.getValue();
    if (recipeLayers) {
      auto it = recipeLayers->find(layer.name);
      if (it == recipeLayers->end())
        return layer.op->emitError("layer '")
               << layer.name << "' is equalized in the module but missing "
               << "from the recipe '" << recipeIn << "'";
      if (!it->second.equalized) {
        // Left unequalized when the recipe was made (auto-alpha).
        inEq.replaceAllUsesWith(in);
        inEq.erase();
        continue;
      }
      s = it->second.scale;
      if (static_cast<int64_t>(s.size()) != columns)
        return emitError(FileLineColLoc::get(&getContext(), recipeIn,
                                             it->second.pos.line,
                                             it->second.pos.column))
               << "layer '" << layer.name << "': the recipe has " << s.size()
               << " equalization scales; the layer has " << columns
               << " input channels (line " << it->second.pos.line << ")";
      for (float v : s)
        if (!(v > 0.0f) || !std::isfinite(v))
          return emitError(FileLineColLoc::get(&getContext(), recipeIn,
                                               it->second.pos.line,
                                               it->second.pos.column))
                 << "layer '" << layer.name
                 << "': equalization scales must be finite and positive (line "
                 << it->second.pos.line << ")";
      // The ranges come from the recipe's activations after equalization.
      xmin.assign(s.size(), 0.0f);
      xmax.assign(s.size(), 0.0f);
    } else if (dataFree && target) {
      // Cross-layer equalization from the weights alone: the input's channel
      // j is the producer's output channel j, whose spread its weight row j
      // sets; s_j balances that row against L's column j.
      if (!wEq.isCalibrated())
        return wEq.emitError("layer '")
               << layer.name << "': the weight-equalization observer holds "
               << "no statistics (the weight is not a constant?)";
      LayerParams &producer = getParams(*target);
      int64_t rows = producer.weightShape[0];
      int64_t inner = static_cast<int64_t>(producer.weight.size()) / rows;
      if (rows != columns)
        return layer.op->emitError("layer '")
               << layer.name << "': " << columns << " input channels, but '"
               << target->name << "' has " << rows << " output channels";
      sxmin.assign(rows, INFINITY);
      sxmax.assign(rows, -INFINITY);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < inner; ++i) {
          float v = producer.weight[r * inner + i];
          sxmin[r] = std::min(sxmin[r], v);
          sxmax[r] = std::max(sxmax[r], v);
        }
      wmin.assign(wEq.getMinVal()->begin(), wEq.getMinVal()->end());
      wmax.assign(wEq.getMaxVal()->begin(), wEq.getMaxVal()->end());
      haveRanges = inEq.isCalibrated();
      if (haveRanges) {
        xmin.assign(inEq.getMinVal()->begin(), inEq.getMinVal()->end());
        xmax.assign(inEq.getMaxVal()->begin(), inEq.getMaxVal()->end());
      }
    } else {
      if (!inEq.isCalibrated())
        return inEq.emitError("layer '")
               << layer.name
               << "': the input-equalization observer holds no statistics; "
                  "run --eqq-calibrate first";
      if (!wEq.isCalibrated())
        return wEq.emitError("layer '")
               << layer.name << "': the weight-equalization observer holds "
               << "no statistics (the weight is not a constant?)";
      xmin.assign(inEq.getMinVal()->begin(), inEq.getMinVal()->end());
      xmax.assign(inEq.getMaxVal()->begin(), inEq.getMaxVal()->end());
      wmin.assign(wEq.getMinVal()->begin(), wEq.getMinVal()->end());
      wmax.assign(wEq.getMaxVal()->begin(), wEq.getMaxVal()->end());
      if (xmin.size() != wmin.size())
        return layer.op->emitError("layer '")
               << layer.name << "': the input has " << xmin.size()
               << " channels but the weight " << wmin.size()
               << " input columns; they must match";
      sxmin = xmin;
      sxmax = xmax;
      // A residual add's scale reaches its operands (and the add's result
      // before a relu) too: it balances the widest range of each channel
      // over all of them, so that none of them is spread by it.
      if (residual)
        for (InputEqObserverOp st : getResidualStatistics(*residual))
          if (st.isCalibrated() &&
              static_cast<int64_t>(st.getMinVal()->size()) == columns)
            for (int64_t j = 0; j < columns; ++j) {
              sxmin[j] = std::min(sxmin[j], (*st.getMinVal())[j]);
              sxmax[j] = std::max(sxmax[j], (*st.getMaxVal())[j]);
            }
    }
    // A shared input: s_j from the largest weight spread of column j over
    // the layers reading it, so one multiply serves them all.
    SmallVector<InputEqObserverOp> peers;
    for (Operation *user : in.getUsers())
      if (auto peer = dyn_cast<InputEqObserverOp>(user);
          peer && layerOfInputEq.count(peer))
        peers.push_back(peer);
    SharedInput *shared = nullptr;
    bool firstPeer = true;
    if (peers.size() > 1 || sharedInputs.count(in)) {
      auto [it, first] = sharedInputs.try_emplace(in);
      shared = &it->second;
      firstPeer = first;
      if (first && !recipeLayers) {
        wmin.assign(columns, 0.0f);
        wmax.assign(columns, 0.0f);
        for (InputEqObserverOp peer : peers) {
          WeightEqObserverOp pw = weightEqOf.lookup(peer);
          if (!pw || !pw.isCalibrated() ||
              static_cast<int64_t>(pw.getMinVal()->size()) != columns)
            return peer.emitError("a layer sharing its input with '")
                   << layer.name << "' has no weight statistics for its "
                   << columns << " input channels";
          for (int64_t j = 0; j < columns; ++j) {
            float lo = (*pw.getMinVal())[j], hi = (*pw.getMaxVal())[j];
            float m = absMax ? std::max(std::fabs(lo), std::fabs(hi)) : hi - lo;
            wmax[j] = std::max(wmax[j], m);
          }
        }
        if (absMax)
          for (int64_t j = 0; j < columns; ++j)
            wmin[j] = -wmax[j];
        sxmin = xmin;
        sxmax = xmax;
      }
    }
    if (!recipeLayers) {
      if (shared && !firstPeer) {
        layerAlpha = shared->alpha;
      } else if (autoAlpha) {
        // The layers the scale serves (one, or the group sharing the input).
        SmallVector<const Layer *> scored{&layer};
        if (shared) {
          scored.clear();
          for (InputEqObserverOp peer : peers)
            scored.push_back(&layers[layerOfInputEq.lookup(peer)]);
        }
        layerAlpha = chooseAlpha(scored, observers, layers, [&](float a) {
          return computeScale(sxmin, sxmax, wmin, wmax, absMax, a);
        });
      }
      if (layerAlpha)
        s = computeScale(sxmin, sxmax, wmin, wmax, absMax, *layerAlpha);
      if (shared && firstPeer) {
        shared->alpha = layerAlpha;
        shared->scale = s;
      }
      if (!layerAlpha) {
        // Not equalized: auto-alpha found no scale better than none.
        inEq.replaceAllUsesWith(in);
        inEq.erase();
        continue;
      }
    } else if (shared && firstPeer) {
      shared->scale = s;
    }
    if (shared)
      s = shared->scale;

    Decision &decision = decisions[layer.name];
    decision.name = layer.name;
    decision.scale = s;
    decision.alpha = layerAlpha;

    LayerParams &p = getParams(layer);
    SmallVector<float> reciprocal;
    for (float v : s)
      reciprocal.push_back(1.0f / v);
    scaleAlong(p.weight, p.weightShape, /*axis=*/1, reciprocal);
    p.changed = true;

    // The range L's input is quantized from: the scaled values' range.
    float lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < xmin.size(); ++j) {
      lo = std::min(lo, xmin[j] * s[j]);
      hi = std::max(hi, xmax[j] * s[j]);
    }

    OpBuilder b(inEq);
    // The scaled input gets a quantization point of its own, a copy of the
    // unscaled one's observer (which may sit before a reshape, a flatten)
    // with the scaled range.
    auto observeScaled = [&](Value scaled) -> Value {
      if (!inObs)
        return scaled;
      auto scaledObs = cast<ActObserverOp>(b.clone(*inObs));
      scaledObs->setOperand(0, scaled);
      scaledObs->getResult(0).setType(scaled.getType());
      Builder attrs(&getContext());
      scaledObs.setMinValAttr(attrs.getDenseF32ArrayAttr({lo}));
      scaledObs.setMaxValAttr(attrs.getDenseF32ArrayAttr({hi}));
      return scaledObs;
    };
    if (shared) {
      decision.applied = "input_mul";
      if (!shared->scaled) {
        // The float value itself when only these layers read the observed
        // one and its producer is not quantized (as for one layer below).
        bool unscaledUnused = inObs && in == inObs.getResult() &&
                              llvm::all_of(in.getUsers(),
                                           [](Operation *u) {
                                             return isa<InputEqObserverOp>(u);
                                           }) &&
                              !isQuantizedProducer(model, raw);
        b.setInsertionPointAfterValue(in);
        shared->scaled = observeScaled(EqScaleOp::create(
            b, inEq.getLoc(), unscaledUnused ? raw : in, layer.inputAxis, s));
      }
      inEq.replaceAllUsesWith(shared->scaled);
      inEq.erase();
      if (inObs && in == inObs.getResult() && inObs->use_empty())
        inObs.erase();
      continue;
    }
    if (target || residual) {
      if (target) {
        folds.push_back({target, s});
        decision.applied = "folded_into:" + target->name;
      } else if (failed(foldResidual(*residual, s, reciprocal, decision))) {
        return failure();
      }
      if (inObs && haveRanges) {
        Builder attrs(&getContext());
        inObs.setMinValAttr(attrs.getDenseF32ArrayAttr({lo}));
        inObs.setMaxValAttr(attrs.getDenseF32ArrayAttr({hi}));
      }
      inEq.replaceAllUsesWith(in);
    } else {
      // Multiply L's input. When nothing else reads the observed value and
      // its producer is not quantized (a function argument, a float op),
      // the multiply reads the float value and the scaled observer replaces
      // the unscaled one: quantizing x only to dequantize and rescale it
      // would add an error PyTorch does not have. Otherwise the multiply
      // reads the observed (later: dequantized) value, as in PyTorch.
      bool unscaledUnused = inObs && in == inObs.getResult() &&
                            in.hasOneUse() && !isQuantizedProducer(model, raw);
      Value src = unscaledUnused ? raw : in;
      decision.applied = "input_mul";
      Value scaled = observeScaled(
          EqScaleOp::create(b, inEq.getLoc(), src, layer.inputAxis, s));
      inEq.replaceAllUsesWith(scaled);
      inEq.erase();
      if (unscaledUnused)
        inObs.erase();
      continue;
    }
    inEq.erase();
  }

  for (Fold &fold : folds) {
    // The target's output is now scaled; the numeric comparison undoes it.
    fold.target->op->setAttr(
        kFoldedScaleAttrName,
        Builder(&getContext()).getDenseF32ArrayAttr(fold.scale));
    LayerParams &p = getParams(*fold.target);
    auto wobs = fold.target->getWeight().getDefiningOp<WeightObserverOp>();
    // Carried unless quantizing the folded rows loses clearly less in the
    // weights (a fold that evens out the rows; the error model leaves out
    // the input, so a near tie stays carried).
    if (carryFolds && wobs && !isPerChannel(wobs.getQscheme()) &&
        getRowScaledWeightError(wobs, p.weight, p.weightShape, fold.scale,
                                /*folded=*/false) <=
            kFoldErrorMargin *
                getRowScaledWeightError(wobs, p.weight, p.weightShape,
                                        fold.scale, /*folded=*/true))
      carried[fold.target->op] = {fold.scale, p.weight,
                                  getUnfoldedQParams(wobs, p.weight)};
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
    // The weight-equalization observer (which layers may share) goes below.
    if (WeightObserverOp wobs = obs.weight) {
      observeWeight(wobs, w);
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
  // Weight-equalization observers of layers whose weights did not change,
  // and the statistics of residual adds that kept a multiply.
  getOperation().walk([](Operation *op) {
    if (isa<WeightEqObserverOp, InputEqObserverOp>(op)) {
      op->getResult(0).replaceAllUsesWith(op->getOperand(0));
      op->erase();
    }
  });
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// Erases ops without side effects whose results are unused, until none is
/// left (the float layers an integer program replaced).
static void eraseDeadOps(ModuleOp module) {
  bool changed = true;
  while (changed) {
    changed = false;
    SmallVector<Operation *> dead;
    module.walk([&](Operation *op) {
      if (op->getNumResults() && isOpTriviallyDead(op))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead)) {
      op->erase();
      changed = true;
    }
  }
}

/// The !quant.uniform type of an activation observer's quantization.
static quant::UniformQuantizedType getQuantType(ActObserverOp obs,
                                                const QParams &q) {
  MLIRContext *ctx = obs.getContext();
  bool isSigned = obs.getDtype() == QDType::qint8;
  auto [lo, hi] = getStorageRange(obs.getDtype());
  return quant::UniformQuantizedType::get(
      isSigned ? quant::QuantizationFlags::Signed : 0, IntegerType::get(ctx, 8),
      Float32Type::get(ctx), q.scale[0], static_cast<int64_t>(q.zeroPoint[0]),
      lo, hi);
}

namespace {
/// A weight quantized at compile time, per tensor or per output channel.
struct QuantizedWeight {
  SmallVector<int8_t> values;
  SmallVector<float> scale; // per output channel (repeated if per tensor)
  SmallVector<int64_t> zeroPoint;
  bool isUnsigned = false;
};
} // namespace

/// Quantizes a weight W[out, ...] with its observer's parameters, as
/// torch.quantize_per_tensor / per_channel do: round(w * (1 / scale)) + zp,
/// clamped to the storage range.
/// `q` are the observer's qparams (or those of a carried fold's weight).
static FailureOr<QuantizedWeight>
quantizeWeight(WeightObserverOp obs, const std::optional<QParams> &q,
               ArrayRef<float> w, ArrayRef<int64_t> shape,
               StringRef layerName) {
  if (!q)
    return obs.emitError("layer '")
           << layerName << "': the weight observer holds no statistics";
  if (obs.getQscheme() == QScheme::per_channel_affine_float_qparams)
    return obs.emitError("layer '")
           << layerName
           << "': per_channel_affine_float_qparams weights are not supported "
              "for linear and conv layers (PyTorch uses them for embeddings)";
  if (isPerChannel(obs.getQscheme()) && obs.getAxis() != 0)
    return obs.emitError("layer '")
           << layerName << "': per-channel weights must be quantized along "
           << "the output channels (axis 0)";
  const float *bad =
      llvm::find_if(w, [](float v) { return !std::isfinite(v); });
  if (bad != w.end())
    return obs.emitError("layer '")
           << layerName << "': the weight holds a non-finite value (" << *bad
           << " at index " << (bad - w.begin()) << ") and cannot be quantized";
  QuantizedWeight r;
  int64_t out = shape[0];
  int64_t inner = static_cast<int64_t>(w.size()) / out;
  r.isUnsigned = obs.getDtype() == QDType::quint8;
  auto [lo, hi] = getStorageRange(obs.getDtype());
  for (auto [s, z] : llvm::zip(q->scale, q->zeroPoint)) {
    // Written to reject NaN too.
    bool usable = std::isfinite(s) && s > 0.0f && z >= lo && z <= hi;
    if (!usable)
      return obs.emitError("layer '")
             << layerName << "': the weight's quantization parameters (scale "
             << s << ", zero point " << z << ") are not usable";
  }
  for (int64_t n = 0; n < out; ++n) {
    size_t c = q->scale.size() == 1 ? 0 : n;
    r.scale.push_back(q->scale[c]);
    r.zeroPoint.push_back(static_cast<int64_t>(q->zeroPoint[c]));
  }
  r.values.resize(w.size());
  for (int64_t n = 0; n < out; ++n) {
    float inv = 1.0f / r.scale[n];
    for (int64_t i = 0; i < inner; ++i) {
      int64_t v = static_cast<int64_t>(std::nearbyint(w[n * inner + i] * inv)) +
                  r.zeroPoint[n];
      v = std::clamp<int64_t>(v, lo, hi);
      r.values[n * inner + i] = static_cast<int8_t>(static_cast<uint8_t>(v));
    }
  }
  return r;
}

//===----------------------------------------------------------------------===//
// Automatic alpha
//===----------------------------------------------------------------------===//

/// Values per layer that auto-alpha keeps from its data (whole batches; at
/// least one).
static constexpr size_t kMaxSampleValues = size_t(1) << 20;

LogicalResult ConvertPass::collectSamples(const ModelAnalysis &model) {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &message) {
    return emitError(module.getLoc(), "eqq-convert: auto-alpha: ") << message;
  };
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return fail("no function @" + entry + " with a body to run on data=");
  // The input-equalization observers in front of layers, by their position
  // among the entry's observers (the same in the instrumented clone).
  llvm::DenseSet<Operation *> inFront;
  for (const Layer &layer : model.getLayers())
    if (InputEqObserverOp o = findObservers(layer).inputEq)
      inFront.insert(o);
  SmallVector<Operation *> picked;
  SmallVector<unsigned> positions;
  unsigned position = 0;
  func.walk([&](InputEqObserverOp op) {
    if (inFront.contains(op)) {
      positions.push_back(position);
      picked.push_back(op);
    }
    ++position;
  });
  if (picked.empty())
    return success();
  llvm::Expected<std::unique_ptr<InstrumentedRunner>> clone =
      compileInstrumented(module, entry, [&](func::FuncOp f) {
        SmallVector<Operation *> all;
        f.walk([&](InputEqObserverOp op) { all.push_back(op); });
        SmallVector<Value> values;
        for (unsigned i : positions)
          values.push_back(all[i]->getOperand(0));
        return values;
      });
  if (!clone)
    return fail(llvm::toString(clone.takeError()));
  for (const std::string &path : data) {
    if (llvm::Error e = (*clone)->runBatch(path))
      return fail(llvm::toString(std::move(e)));
    bool full = true;
    for (auto [op, result] : llvm::zip(picked, (*clone)->getPickedResults())) {
      Samples &x = samples[op];
      if (x.values.size() >= kMaxSampleValues)
        continue;
      ArrayRef<float> values = result.getValues<float>();
      x.values.append(values.begin(), values.end());
      if (x.shape.empty())
        x.shape.assign(result.getShape().begin(), result.getShape().end());
      else
        x.shape[0] += result.getShape()[0];
      full &= x.values.size() >= kMaxSampleValues;
    }
    if (full)
      break;
  }
  return success();
}

std::optional<double> ConvertPass::scoreScale(const Layer &layer,
                                              LayerObservers obs,
                                              ArrayRef<float> s) {
  auto it = samples.find(obs.inputEq);
  if (it == samples.end() || !obs.input || !obs.weight ||
      !obs.inputEq.isCalibrated() || isPerChannel(obs.input.getQscheme()) ||
      obs.weight.getQscheme() == QScheme::per_channel_affine_float_qparams ||
      (isPerChannel(obs.weight.getQscheme()) && obs.weight.getAxis() != 0))
    return std::nullopt;
  const Samples &x = it->second;
  ElementsAttr wAttr = getConstantThroughObservers(layer.getWeight());
  std::optional<SmallVector<float>> w = getFloatValues(wAttr);
  if (!w)
    return std::nullopt;
  SmallVector<int64_t> wShape =
      llvm::to_vector(cast<ShapedType>(wAttr.getType()).getShape());
  int64_t axis = layer.inputAxis;
  int64_t rank = static_cast<int64_t>(x.shape.size());
  ArrayRef<float> xmin = *obs.inputEq.getMinVal(),
                  xmax = *obs.inputEq.getMaxVal();
  // The samples' channels must be the weight's input columns.
  if (axis >= rank || x.shape[axis] != wShape[1] ||
      static_cast<int64_t>(xmin.size()) != wShape[1] ||
      (layer.kind == LayerKind::Linear && axis != rank - 1) ||
      (layer.kind != LayerKind::Linear &&
       rank != static_cast<int64_t>(wShape.size())) ||
      (!s.empty() && static_cast<int64_t>(s.size()) != wShape[1]))
    return std::nullopt;
  int64_t channels = wShape[1];
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= x.shape[d];
  auto scaleOf = [&](int64_t c) { return s.empty() ? 1.0f : s[c]; };

  // The input, scaled and quantized with the range of the scaled values.
  float lo = INFINITY, hi = -INFINITY;
  for (int64_t c = 0; c < channels; ++c) {
    lo = std::min(lo, xmin[c] * scaleOf(c));
    hi = std::max(hi, xmax[c] * scaleOf(c));
  }
  OpBuilder b(obs.input);
  auto copy = cast<ActObserverOp>(b.clone(*obs.input));
  Builder attrs(&getContext());
  copy.setMinValAttr(attrs.getDenseF32ArrayAttr({lo}));
  copy.setMaxValAttr(attrs.getDenseF32ArrayAttr({hi}));
  std::optional<QParams> q = getObserverQParams(copy);
  auto [qmin, qmax] = getStorageRange(copy.getDtype());
  copy->erase();
  if (!q || !(q->scale[0] > 0.0f) || !std::isfinite(q->scale[0]))
    return std::nullopt;
  float scale = q->scale[0], inv = 1.0f / scale, zp = q->zeroPoint[0];
  SmallVector<float> xq(x.values.size());
  for (size_t i = 0, e = xq.size(); i < e; ++i) {
    float v =
        x.values[i] * scaleOf((static_cast<int64_t>(i) / inner) % channels);
    float r = std::nearbyint(v * inv) + zp;
    r = std::clamp(r, static_cast<float>(qmin), static_cast<float>(qmax));
    xq[i] = (r - zp) * scale;
  }

  // The weight, its columns divided by s, quantized by its observer.
  SmallVector<float> ws(w->begin(), w->end());
  if (!s.empty()) {
    SmallVector<float> reciprocal;
    for (float v : s)
      reciprocal.push_back(1.0f / v);
    scaleAlong(ws, wShape, /*axis=*/1, reciprocal);
  }
  FailureOr<QuantizedWeight> qw = quantizeWeight(
      obs.weight, getUnfoldedQParams(obs.weight, ws), ws, wShape, layer.name);
  if (failed(qw))
    return std::nullopt;
  int64_t perRow = static_cast<int64_t>(ws.size()) / wShape[0];
  SmallVector<float> wd(ws.size());
  for (size_t i = 0, e = wd.size(); i < e; ++i) {
    int64_t n = static_cast<int64_t>(i) / perRow;
    int8_t raw = qw->values[i];
    int64_t v = qw->isUnsigned ? static_cast<uint8_t>(raw) : raw;
    wd[i] = static_cast<float>(v - qw->zeroPoint[n]) * qw->scale[n];
  }

  SmallVector<double> yf = computeOutputs(layer, x, x.values, *w, wShape);
  SmallVector<double> yq = computeOutputs(layer, x, xq, wd, wShape);
  SmallVector<float> bias(wShape[0], 0.0f);
  if (layer.bias)
    if (ElementsAttr battr = getConstantThroughObservers(layer.bias))
      if (std::optional<SmallVector<float>> values = getFloatValues(battr))
        bias = *values;
  double signal = 0, noise = 0;
  for (size_t i = 0, e = yf.size(); i < e; ++i) {
    double ref = yf[i] + bias[i % wShape[0]];
    signal += ref * ref;
    noise += (yq[i] - yf[i]) * (yq[i] - yf[i]);
  }
  if (!(signal > 0))
    return std::nullopt;
  return noise / signal;
}

std::optional<float> ConvertPass::chooseAlpha(
    ArrayRef<const Layer *> scored, ArrayRef<LayerObservers> obs,
    ArrayRef<Layer> layers,
    llvm::function_ref<SmallVector<float>(float)> scaleFor) {
  SmallVector<float> grid(alphaGrid.begin(), alphaGrid.end());
  if (grid.empty())
    grid = {0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
  llvm::sort(grid);
  // No equalization first: it wins ties.
  SmallVector<std::optional<float>> candidates{std::nullopt};
  candidates.append(grid.begin(), grid.end());
  SmallVector<Candidate> report;
  std::optional<float> best;
  double bestRatio = INFINITY;
  for (std::optional<float> a : candidates) {
    SmallVector<float> s = a ? scaleFor(*a) : SmallVector<float>();
    double total = 0;
    for (const Layer *l : scored) {
      std::optional<double> r = scoreScale(*l, obs[l - layers.data()], s);
      if (!r)
        return alpha.getValue();
      total += *r;
    }
    double ratio = total / static_cast<double>(scored.size());
    report.push_back({a, -10.0 * std::log10(ratio)});
    if (ratio < bestRatio) {
      bestRatio = ratio;
      best = a;
    }
  }
  for (const Layer *l : scored)
    autoAlphaReport[l->name] = report;
  return best;
}

/// Builds `requantize`: y = float(acc) * multiplier[c] + bias[c], then
/// q = clamp(round_half_even(y * (1 / out_scale)) + out_zp) (and max(q, zp)
/// for a fused relu), along channel axis `axis` of `acc`.
static Value buildRequantize(OpBuilder &b, Location loc, Value acc,
                             int64_t axis, ArrayRef<float> multiplier,
                             ArrayRef<float> bias,
                             quant::UniformQuantizedType outType, bool relu) {
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t rank = accType.getRank();
  MLIRContext *ctx = b.getContext();
  Type i8 = b.getIntegerType(8), f32 = b.getF32Type();
  auto vecType = RankedTensorType::get({accType.getDimSize(axis)}, f32);
  Value mult = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vecType, multiplier));
  Value biasV =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vecType, bias));
  Value init = tensor::EmptyOp::create(b, loc, accType.getShape(), i8);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap ch = AffineMap::get(rank, 0, getAffineDimExpr(axis, ctx));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  float invScale = 1.0f / static_cast<float>(outType.getScale());
  auto zp = static_cast<float>(outType.getZeroPoint());
  auto qmin = static_cast<float>(outType.getStorageTypeMin());
  auto qmax = static_cast<float>(outType.getStorageTypeMax());
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{acc, mult, biasV}, ValueRange{init},
      ArrayRef<AffineMap>{id, ch, ch, id}, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        auto cf = [&](float v) {
          return arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(v))
              .getResult();
        };
        Value a = arith::SIToFPOp::create(nb, nloc, f32, args[0]);
        Value y = arith::MulFOp::create(nb, nloc, a, args[1]);
        y = arith::AddFOp::create(nb, nloc, y, args[2]);
        Value r = math::RoundEvenOp::create(
            nb, nloc, arith::MulFOp::create(nb, nloc, y, cf(invScale)));
        r = arith::AddFOp::create(nb, nloc, r, cf(zp));
        float lo = relu ? std::max(qmin, zp) : qmin;
        r = arith::MaximumFOp::create(nb, nloc, r, cf(lo));
        r = arith::MinimumFOp::create(nb, nloc, r, cf(qmax));
        Value i = arith::FPToSIOp::create(nb, nloc, nb.getI32Type(), r);
        Value t = arith::TruncIOp::create(nb, nloc, i8, i);
        linalg::YieldOp::create(nb, nloc, t);
      });
  Type quantTensor = RankedTensorType::get(accType.getShape(), outType);
  return quant::StorageCastOp::create(b, loc, quantTensor,
                                      generic.getResult(0));
}

/// The storage integers of a quantized tensor.
static Value toStorage(OpBuilder &b, Location loc, Value q) {
  auto type = cast<RankedTensorType>(q.getType());
  auto qtype = cast<quant::QuantizedType>(type.getElementType());
  return quant::StorageCastOp::create(
      b, loc, RankedTensorType::get(type.getShape(), qtype.getStorageType()),
      q);
}

/// Sign- or zero-extends an i8 storage value to i32.
static Value extend(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  Type i32 = b.getI32Type();
  return isUnsigned ? arith::ExtUIOp::create(b, loc, i32, v).getResult()
                    : arith::ExtSIOp::create(b, loc, i32, v).getResult();
}

std::optional<QParams>
ConvertPass::getWeightQParams(const Layer &layer, WeightObserverOp obs) const {
  auto it = carried.find(layer.op);
  return it == carried.end() ? getObserverQParams(obs)
                             : it->second.weightQParams;
}

LogicalResult ConvertPass::quantizeModel(const ModelAnalysis &model) {
  ModuleOp module = getOperation();
  MLIRContext *ctx = &getContext();

  // 1. Every activation observer becomes quantize + dequantize (the value is
  //    quantized here; consumers see the dequantized value until an integer
  //    layer consumes the quantized one).
  SmallVector<ActObserverOp> acts;
  module.walk([&](ActObserverOp op) { acts.push_back(op); });
  for (ActObserverOp obs : acts) {
    if (isPerChannel(obs.getQscheme()))
      return obs.emitError("activations are quantized per tensor; "
                           "per-channel activation observers cannot convert");
    std::optional<QParams> q = getObserverQParams(obs);
    if (!q)
      return obs.emitError("activation observer holds no statistics");
    if (!std::isfinite(q->scale[0]) || !std::isfinite(q->zeroPoint[0]))
      return obs.emitError("activation observer's range is not finite "
                           "(min ")
             << (*obs.getMinVal())[0] << ", max " << (*obs.getMaxVal())[0]
             << ")";
    OpBuilder b(obs);
    auto type = cast<RankedTensorType>(obs.getType());
    Type qtype = RankedTensorType::get(type.getShape(), getQuantType(obs, *q));
    Value qv = QuantizeOp::create(b, obs.getLoc(), qtype, obs.getInput());
    Value dq = DequantizeOp::create(b, obs.getLoc(), type, qv);
    obs.replaceAllUsesWith(dq);
    obs.erase();
  }

  // 2. Quantized layers become integer programs.
  for (const Layer &layer : model.getLayers()) {
    auto wobs = layer.getWeight().getDefiningOp<WeightObserverOp>();
    if (!wobs)
      continue; // a float layer
    Location loc = layer.op->getLoc();
    // Input: dequantize(q), possibly reshaped (collapsed to 2-D).
    SmallVector<Operation *> reshapes;
    Value v = layer.getInput();
    // The layer's own collapse (a linear on a higher-rank input) too.
    if (auto c = dyn_cast<tensor::CollapseShapeOp>(layer.getInputOp()))
      v = c.getResult();
    while (Operation *def = v.getDefiningOp()) {
      if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def))
        break;
      reshapes.push_back(def);
      v = def->getOperand(0);
    }
    auto dq = v.getDefiningOp<DequantizeOp>();
    // Output: the quantize of the layer's (relu's) result.
    Value out = layer.getOutputAfterRelu();
    QuantizeOp outQ;
    bool relu = layer.relu != nullptr;
    for (Operation *user : out.getUsers())
      if (auto q = dyn_cast<QuantizeOp>(user))
        outQ = q;
    if (!outQ && layer.relu) {
      out = layer.output;
      relu = false;
      for (Operation *user : out.getUsers())
        if (auto q = dyn_cast<QuantizeOp>(user))
          outQ = q;
    }
    if (!dq || !outQ) {
      layer.op->emitWarning("layer '")
          << layer.name << "' stays float: its input or output is not "
          << "quantized";
      continue;
    }
    auto inQType = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(dq.getInput().getType()).getElementType());
    auto outQType = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(outQ.getType()).getElementType());

    ElementsAttr wAttr = getConstantThroughObservers(layer.getWeight());
    SmallVector<float> wValues = *getFloatValues(wAttr);
    SmallVector<int64_t> wShape =
        llvm::to_vector(cast<ShapedType>(wAttr.getType()).getShape());
    // A carried fold: the int8 weights are those of the weight before the
    // fold, and the fold's row factors join the per-channel multiplier.
    auto carry = carried.find(layer.op);
    bool isCarried = carry != carried.end();
    FailureOr<QuantizedWeight> qw = quantizeWeight(
        wobs, getWeightQParams(layer, wobs),
        isCarried ? ArrayRef<float>(carry->second.weight) : wValues, wShape,
        layer.name);
    if (failed(qw))
      return failure();
    if (isCarried)
      for (auto [scale, factor] : llvm::zip(qw->scale, carry->second.rowScale))
        scale *= factor;
    SmallVector<float> bias(wShape[0], 0.0f);
    if (layer.bias)
      if (ElementsAttr b = getConstantThroughObservers(layer.bias))
        bias = *getFloatValues(b);

    OpBuilder b(outQ);
    b.setInsertionPointAfter(outQ);
    Type i8 = b.getIntegerType(8), i32 = b.getI32Type();
    // The quantized input, storage integers, reshaped like the float one.
    Value x = toStorage(b, loc, dq.getInput());
    for (Operation *r : llvm::reverse(reshapes)) {
      IRMapping map;
      map.map(r->getOperand(0), x);
      Operation *clone = b.clone(*r, map);
      auto t = cast<RankedTensorType>(clone->getResult(0).getType());
      clone->getResult(0).setType(RankedTensorType::get(t.getShape(), i8));
      x = clone->getResult(0);
    }
    int64_t zx = inQType.getZeroPoint();
    bool xUnsigned = !inQType.isSigned();
    bool wZeroPointsZero =
        llvm::all_of(qw->zeroPoint, [](int64_t z) { return z == 0; });
    int64_t out0 = wShape[0];
    int64_t inner = static_cast<int64_t>(qw->values.size()) / out0;
    auto wType = RankedTensorType::get(wShape, i8);
    Value wq = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(wType, ArrayRef<int8_t>(qw->values)));

    // The accumulator starts at -zx * sum(W) per output channel, so the
    // inner product is a plain dot of the stored integers (zero weight zero
    // points; otherwise both zero points are subtracted in the loop).
    SmallVector<int32_t> accInit(out0, 0);
    if (wZeroPointsZero)
      for (int64_t n = 0; n < out0; ++n) {
        int64_t sum = 0;
        for (int64_t i = 0; i < inner; ++i) {
          int8_t raw = qw->values[n * inner + i];
          sum += qw->isUnsigned ? static_cast<uint8_t>(raw) : raw;
        }
        accInit[n] = static_cast<int32_t>(-zx * sum);
      }

    // The integer layer's indexing maps over (x, W, acc), and the axes of acc
    // along which the per-channel start value is broadcast.
    auto resultType = cast<RankedTensorType>(layer.op->getResult(0).getType());
    int64_t rank = resultType.getRank();
    SmallVector<AffineMap> maps;
    SmallVector<utils::IteratorType> iters;
    SmallVector<int64_t> bcastDims{0};
    if (layer.kind == LayerKind::Linear) {
      AffineExpr dm, dn, dk;
      bindDims(ctx, dm, dn, dk);
      maps = {AffineMap::get(3, 0, {dm, dk}, ctx),
              AffineMap::get(3, 0, {dn, dk}, ctx),
              AffineMap::get(3, 0, {dm, dn}, ctx)};
      iters = {utils::IteratorType::parallel, utils::IteratorType::parallel,
               utils::IteratorType::reduction};
    } else {
      // conv: pad the stored integers with the input zero point (the float
      // zero padding), then the conv's indexing maps.
      if (auto pad = dyn_cast<tensor::PadOp>(layer.getInputOp())) {
        Value padValue = arith::ConstantOp::create(
            b, loc, b.getIntegerAttr(i8, static_cast<int8_t>(zx)));
        auto padded = cast<RankedTensorType>(pad.getResultType());
        x = tensor::PadOp::create(
            b, loc, RankedTensorType::get(padded.getShape(), i8), x,
            getAsOpFoldResult(b.getI64ArrayAttr(pad.getStaticLow())),
            getAsOpFoldResult(b.getI64ArrayAttr(pad.getStaticHigh())),
            padValue);
      }
      int64_t spatial = rank - 2;
      SmallVector<int64_t> strides(spatial, 1), dilations(spatial, 1);
      if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("strides"))
        strides = llvm::to_vector(attr.getValues<int64_t>());
      if (auto attr =
              layer.op->getAttrOfType<DenseIntElementsAttr>("dilations"))
        dilations = llvm::to_vector(attr.getValues<int64_t>());
      // Loops: n, f, o_1..o_s (parallel); c, k_1..k_s (reduction).
      int64_t numLoops = 2 + spatial + 1 + spatial;
      auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
      SmallVector<AffineExpr> inExprs{d(0), d(2 + spatial)};
      SmallVector<AffineExpr> wExprs{d(1), d(2 + spatial)};
      SmallVector<AffineExpr> outExprs{d(0), d(1)};
      for (int64_t i = 0; i < spatial; ++i) {
        inExprs.push_back(d(2 + i) * strides[i] +
                          d(3 + spatial + i) * dilations[i]);
        wExprs.push_back(d(3 + spatial + i));
        outExprs.push_back(d(2 + i));
        bcastDims.push_back(2 + i);
      }
      maps = {AffineMap::get(numLoops, 0, inExprs, ctx),
              AffineMap::get(numLoops, 0, wExprs, ctx),
              AffineMap::get(numLoops, 0, outExprs, ctx)};
      iters.assign(numLoops, utils::IteratorType::reduction);
      for (int64_t i = 0; i < 2 + spatial; ++i)
        iters[i] = utils::IteratorType::parallel;
    }
    int64_t channelAxis = 1;

    int64_t zw0 = qw->zeroPoint[0];
    if (!wZeroPointsZero &&
        llvm::any_of(qw->zeroPoint, [&](int64_t z) { return z != zw0; }))
      return layer.op->emitError("layer '")
             << layer.name << "': per-channel weight zero points that "
             << "differ are not supported";
    auto accType = RankedTensorType::get(resultType.getShape(), i32);
    Value initVec = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({out0}, i32),
                               ArrayRef<int32_t>(accInit)));
    Value empty = tensor::EmptyOp::create(b, loc, accType.getShape(), i32);
    Value init = linalg::BroadcastOp::create(b, loc, initVec, empty, bcastDims)
                     .getResult()[0];
    Value acc =
        linalg::GenericOp::create(
            b, loc, accType, ValueRange{x, wq}, ValueRange{init}, maps, iters,
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value a = extend(nb, nloc, args[0], xUnsigned);
              Value w = extend(nb, nloc, args[1], qw->isUnsigned);
              if (!wZeroPointsZero) {
                auto ci = [&](int64_t v) {
                  return arith::ConstantOp::create(nb, nloc,
                                                   nb.getI32IntegerAttr(v))
                      .getResult();
                };
                a = arith::SubIOp::create(nb, nloc, a, ci(zx));
                w = arith::SubIOp::create(nb, nloc, w, ci(zw0));
              }
              Value prod = arith::MulIOp::create(nb, nloc, a, w);
              Value sum = arith::AddIOp::create(nb, nloc, args[2], prod);
              linalg::YieldOp::create(nb, nloc, sum);
            })
            .getResult(0);
    // The layer's name and folded scale (for the numeric comparison).
    for (StringRef name : {kLayerAttrName, kFoldedScaleAttrName})
      if (Attribute attr = layer.op->getAttr(name))
        acc.getDefiningOp()->setAttr(name, attr);

    SmallVector<float> multiplier;
    for (float sw : qw->scale)
      multiplier.push_back(static_cast<float>(inQType.getScale()) * sw);
    Value q = buildRequantize(b, loc, acc, channelAxis, multiplier, bias,
                              outQType, relu);
    // Back to the layer's output shape (a linear on a collapsed input).
    auto outType = cast<RankedTensorType>(outQ.getType());
    if (cast<RankedTensorType>(q.getType()).getShape() != outType.getShape()) {
      Operation *expand = nullptr;
      for (Operation *user : layer.op->getResult(0).getUsers())
        expand = dyn_cast<tensor::ExpandShapeOp>(user) ? user : expand;
      Value cur = layer.op->getResult(0);
      while (!expand && cur.hasOneUse()) {
        Operation *user = *cur.getUsers().begin();
        if (isa<tensor::ExpandShapeOp>(user))
          expand = user;
        else
          cur = user->getResult(0);
      }
      if (!expand)
        return layer.op->emitError("layer '")
               << layer.name << "': cannot restore the output shape";
      auto e = cast<tensor::ExpandShapeOp>(expand);
      q = tensor::ExpandShapeOp::create(b, loc, outType, q,
                                        e.getReassociationIndices());
    }
    outQ.replaceAllUsesWith(q);
    outQ.erase();
  }

  // 3. Weight observers are gone with their float layers; what is left of
  //    the float layers is dead unless a float consumer still reads it.
  module.walk([](WeightObserverOp op) {
    op->getResult(0).replaceAllUsesWith(op->getOperand(0));
    op->erase();
  });
  eraseDeadOps(module);
  return success();
}

//===----------------------------------------------------------------------===//
// Recipes
//===----------------------------------------------------------------------===//

static constexpr StringLiteral kRecipeFormat = "eqquant-recipe/1";

/// The observer that quantizes a layer's input (through reshapes).
static ActObserverOp getInputObserver(const Layer &layer) {
  return stripReshapes(layer.getInput()).getDefiningOp<ActObserverOp>();
}

static void writeActivation(llvm::json::OStream &j, ActObserverOp obs) {
  std::optional<QParams> q = getObserverQParams(obs);
  j.object([&] {
    if (q) {
      j.attributeBegin("scale");
      json::writeFloat(j, q->scale[0]);
      j.attributeEnd();
      j.attribute("zero_point", static_cast<int64_t>(q->zeroPoint[0]));
    }
    j.attribute("dtype", stringifyQDType(obs.getDtype()));
    j.attribute("qscheme", stringifyQScheme(obs.getQscheme()));
    j.attributeBegin("min");
    json::writeFloat(j, obs.isCalibrated() ? (*obs.getMinVal())[0] : NAN);
    j.attributeEnd();
    j.attributeBegin("max");
    json::writeFloat(j, obs.isCalibrated() ? (*obs.getMaxVal())[0] : NAN);
    j.attributeEnd();
  });
}

std::string ConvertPass::describeRecipe(const ModelAnalysis &model) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << R"({"format": ")" << kRecipeFormat << R"(", "layers": [)" << "\n";
  ArrayRef<Layer> layers = model.getLayers();
  for (size_t i = 0, e = layers.size(); i < e; ++i) {
    const Layer &layer = layers[i];
    auto it = decisions.find(layer.name);
    bool equalized = it != decisions.end();
    llvm::json::OStream j(os);
    j.object([&] {
      j.attribute("name", layer.name);
      j.attribute("kind", getLayerKindName(layer.kind));
      j.attribute("equalized", equalized);
      if (equalized) {
        j.attributeBegin("equalization_scale");
        json::writeFloats(j, it->second.scale);
        j.attributeEnd();
      }
      j.attribute("scale_applied",
                  equalized ? it->second.applied : std::string("none"));
      if (equalized && it->second.alpha) {
        j.attributeBegin("alpha");
        json::writeFloat(j, *it->second.alpha);
        j.attributeEnd();
      }
      auto tried = autoAlphaReport.find(layer.name);
      if (tried != autoAlphaReport.end()) {
        j.attributeArray("auto_alpha", [&] {
          for (const Candidate &c : tried->second)
            j.object([&] {
              if (c.alpha) {
                j.attributeBegin("alpha");
                json::writeFloat(j, *c.alpha);
                j.attributeEnd();
              } else {
                j.attribute("alpha", nullptr);
              }
              j.attributeBegin("sqnr_db");
              json::writeDouble(j, c.sqnrDb);
              j.attributeEnd();
            });
        });
      }
      if (ActObserverOp in = getInputObserver(layer)) {
        j.attributeBegin("input");
        writeActivation(j, in);
        j.attributeEnd();
      }
      if (ActObserverOp out = findObservers(layer).output) {
        j.attributeBegin("output");
        writeActivation(j, out);
        j.attributeEnd();
      }
      if (auto w = layer.getWeight().getDefiningOp<WeightObserverOp>()) {
        j.attributeBegin("weight");
        j.object([&] {
          j.attribute("dtype", stringifyQDType(w.getDtype()));
          j.attribute("qscheme", stringifyQScheme(w.getQscheme()));
          if (std::optional<QParams> q = getWeightQParams(layer, w))
            json::writeQParams(j, *q);
          auto carry = carried.find(layer.op);
          if (carry != carried.end()) {
            // The folded scale is applied by the requantize multiplier.
            j.attributeBegin("carried_row_scale");
            json::writeFloats(j, carry->second.rowScale);
            j.attributeEnd();
          }
        });
        j.attributeEnd();
      }
    });
    os << (i + 1 < e ? ",\n" : "\n");
  }
  // Every activation observer's range after equalization, in program order:
  // what recipe-in applies.
  os << "], \"activations\": [\n";
  SmallVector<ActObserverOp> acts;
  getOperation().walk([&](ActObserverOp op) { acts.push_back(op); });
  for (size_t i = 0, e = acts.size(); i < e; ++i) {
    llvm::json::OStream j(os);
    j.object([&] {
      std::string type;
      llvm::raw_string_ostream ts(type);
      ts << acts[i].getType();
      j.attribute("type", type);
      j.attributeBegin("min");
      json::writeFloat(j, acts[i].isCalibrated() ? (*acts[i].getMinVal())[0]
                                                 : NAN);
      j.attributeEnd();
      j.attributeBegin("max");
      json::writeFloat(j, acts[i].isCalibrated() ? (*acts[i].getMaxVal())[0]
                                                 : NAN);
      j.attributeEnd();
    });
    os << (i + 1 < e ? ",\n" : "\n");
  }
  os << "]}\n";
  return text;
}

LogicalResult ConvertPass::readRecipe() {
  MLIRContext *ctx = &getContext();
  auto fail = [&](json::Position pos, const Twine &message) {
    emitError(FileLineColLoc::get(ctx, recipeIn, pos.line, pos.column))
        << "invalid recipe (line " << pos.line << "): " << message;
    return failure();
  };
  json::Value root;
  json::Position pos;
  std::string error;
  if (!json::parseFile(recipeIn, root, pos, error)) {
    if (pos.line)
      return fail(pos, "malformed JSON: " + error);
    emitError(UnknownLoc::get(ctx)) << "recipe: " << error;
    return failure();
  }
  if (!root.isObject())
    return fail(root.pos, "expected a JSON object");
  const json::Value *layers = root.get("layers");
  if (!layers || !layers->isArray())
    return fail(layers ? layers->pos : root.pos,
                "'layers' must be an array of layer objects");
  recipeLayers.emplace();
  for (const json::Value &l : layers->elements) {
    const json::Value *name = l.get("name");
    const json::Value *eq = l.get("equalized");
    if (!l.isObject() || !name || !name->isString() || !eq || !eq->isBool())
      return fail(l.pos, "each layer needs a string 'name' and a boolean "
                         "'equalized'");
    RecipeLayer r;
    r.pos = l.pos;
    r.equalized = eq->boolean;
    if (r.equalized) {
      const json::Value *scale = l.get("equalization_scale");
      if (!scale || !scale->isArray())
        return fail(l.pos, "layer '" + name->string +
                               "' is equalized but has no "
                               "'equalization_scale' array");
      for (const json::Value &v : scale->elements) {
        std::optional<float> f = json::readFloat(v);
        if (!f)
          return fail(v.pos, "'equalization_scale' holds numbers");
        r.scale.push_back(*f);
      }
    }
    if (!recipeLayers->try_emplace(name->string, std::move(r)).second)
      return fail(name->pos, "layer '" + name->string + "' appears twice");
  }
  const json::Value *acts = root.get("activations");
  if (!acts || !acts->isArray())
    return fail(acts ? acts->pos : root.pos,
                "'activations' must be an array (the ranges to apply)");
  recipeRangesPos = acts->pos;
  for (const json::Value &a : acts->elements) {
    const json::Value *lo = a.get("min"), *hi = a.get("max");
    std::optional<float> min = lo ? json::readFloat(*lo) : std::nullopt;
    std::optional<float> max = hi ? json::readFloat(*hi) : std::nullopt;
    if (!a.isObject() || !min || !max)
      return fail(a.pos, "each activation needs numbers 'min' and 'max'");
    if (!std::isfinite(*min) || !std::isfinite(*max) || *min > *max)
      return fail(a.pos, "an activation range must be finite with min <= max");
    recipeRanges.emplace_back(*min, *max);
  }
  // Every equalized layer of the recipe must exist in the module.
  ModelAnalysis model(getOperation());
  for (auto &entry : *recipeLayers)
    if (llvm::none_of(model.getLayers(),
                      [&](const Layer &l) { return l.name == entry.getKey(); }))
      return fail(entry.getValue().pos,
                  "layer '" + entry.getKey() + "' is not in the module");
  return success();
}

LogicalResult ConvertPass::applyRecipeRanges() {
  SmallVector<ActObserverOp> acts;
  getOperation().walk([&](ActObserverOp op) { acts.push_back(op); });
  if (acts.size() != recipeRanges.size()) {
    emitError(FileLineColLoc::get(&getContext(), recipeIn, recipeRangesPos.line,
                                  recipeRangesPos.column))
        << "the recipe has " << recipeRanges.size()
        << " activation ranges; the module has " << acts.size()
        << " activation observers (line " << recipeRangesPos.line << ")";
    return failure();
  }
  Builder b(&getContext());
  for (auto [obs, range] : llvm::zip(acts, recipeRanges)) {
    obs.setMinValAttr(b.getDenseF32ArrayAttr({range.first}));
    obs.setMaxValAttr(b.getDenseF32ArrayAttr({range.second}));
  }
  return success();
}

void ConvertPass::runOnOperation() {
  ModuleOp module = getOperation();
  // Written to reject NaN too.
  bool alphaInRange = alpha >= 0.0f && alpha <= 1.0f;
  if (!alphaInRange || (scaleMode != "range" && scaleMode != "absmax")) {
    emitError(module.getLoc(),
              "eqq-convert: alpha must be in [0, 1] and scale-mode "
              "range or absmax; got alpha=")
        << alpha << " scale-mode=" << scaleMode;
    return signalPassFailure();
  }
  bool gridInRange =
      llvm::all_of(alphaGrid, [](float a) { return a >= 0.0f && a <= 1.0f; });
  if (!gridInRange) {
    emitError(module.getLoc(),
              "eqq-convert: alpha-grid values must be in [0, 1]");
    return signalPassFailure();
  }
  if (autoAlpha && (data.empty() || !recipeIn.empty())) {
    emitError(module.getLoc(), "eqq-convert: auto-alpha ")
        << (data.empty() ? "needs data=FILE.npy[,FILE.npy...], the batches "
                           "it scores the candidates on"
                         : "cannot be combined with recipe-in (the recipe "
                           "holds the decisions)");
    return signalPassFailure();
  }
  if (!autoAlpha && (!data.empty() || alphaGrid.hasValue())) {
    emitError(module.getLoc(),
              "eqq-convert: data= and alpha-grid= are options of "
              "auto-alpha=true");
    return signalPassFailure();
  }
  decisions.clear();
  carried.clear();
  samples.clear();
  autoAlphaReport.clear();
  recipeLayers.reset();
  recipeRanges.clear();
  if (!recipeIn.empty() && failed(readRecipe()))
    return signalPassFailure();
  // Weight statistics come from the constants (prepare folds them already;
  // hand-written or edited modules may not have them).
  module.walk([](Operation *op) {
    if (isa<WeightEqObserverOp, WeightObserverOp, InputEqObserverOp,
            ActObserverOp>(op)) {
      SmallVector<OpFoldResult> folded;
      (void)op->fold(folded);
    }
  });
  // Non-finite statistics (NaN or Inf in a weight, or in statistics written
  // by hand) give no scale or range to work with.
  WalkResult nonFinite = module.walk([&](Operation *op) {
    if (!isa<WeightEqObserverOp, WeightObserverOp, InputEqObserverOp,
             ActObserverOp>(op))
      return WalkResult::advance();
    auto minVal = op->getAttrOfType<DenseF32ArrayAttr>("min_val");
    auto maxVal = op->getAttrOfType<DenseF32ArrayAttr>("max_val");
    if (!minVal || !maxVal)
      return WalkResult::advance();
    for (auto [i, lo, hi] :
         llvm::enumerate(minVal.asArrayRef(), maxVal.asArrayRef())) {
      if (std::isfinite(lo) && std::isfinite(hi))
        continue;
      op->emitError("eqq-convert: statistics must be finite; min_val[")
          << i << "] = " << lo << ", max_val[" << i << "] = " << hi
          << (isa<WeightEqObserverOp, WeightObserverOp>(op)
                  ? " (the weight holds NaN or Inf)"
                  : "");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (nonFinite.wasInterrupted())
    return signalPassFailure();
  // Quantizing without statistics would silently produce garbage.
  if (recipeIn.empty() && quantize) {
    WalkResult uncalibrated = module.walk([&](ActObserverOp op) {
      if (op.isCalibrated() || getConstantThroughObservers(op.getInput()))
        return WalkResult::advance();
      op.emitError("activation observer holds no statistics; run "
                   "--eqq-calibrate first (or give recipe-in=)");
      return WalkResult::interrupt();
    });
    if (uncalibrated.wasInterrupted())
      return signalPassFailure();
  }

  ModelAnalysis model(module);
  // Weights and biases are rewritten from their constants' data, which must
  // be there: a dense_resource whose blob is missing (a module printed with
  // --mlir-print-local-scope has no resource section) has none.
  for (const Layer &layer : model.getLayers()) {
    for (Value v : {layer.getWeight(), layer.bias}) {
      ElementsAttr constant = v ? getConstantThroughObservers(v) : nullptr;
      if (constant && !getFloatValues(constant)) {
        layer.op->emitError("layer '")
            << layer.name << "': the data of its "
            << (v == layer.bias ? "bias" : "weight")
            << " constant is not available (an f32 dense or dense_resource "
               "with its blob is needed)";
        return signalPassFailure();
      }
    }
  }
  if (autoAlpha && failed(collectSamples(model)))
    return signalPassFailure();
  if (failed(equalize(model)))
    return signalPassFailure();
  if (!recipeIn.empty() && failed(applyRecipeRanges()))
    return signalPassFailure();

  ModelAnalysis equalized(module);
  // Every layer keeps its name where printing without locations keeps it
  // (the integer programs of quantized layers take it over).
  for (const Layer &layer : equalized.getLayers())
    layer.op->setAttr(kLayerAttrName,
                      StringAttr::get(&getContext(), layer.name));
  std::string recipeText;
  if (!recipe.empty())
    recipeText = describeRecipe(equalized);

  if (!quantize) {
    // The equalized float model: no observers left.
    module.walk([](Operation *op) {
      if (isa<ActObserverOp, WeightObserverOp>(op)) {
        op->getResult(0).replaceAllUsesWith(op->getOperand(0));
        op->erase();
      }
    });
  } else if (failed(quantizeModel(equalized))) {
    return signalPassFailure();
  }

  if (!recipe.empty()) {
    if (llvm::Error e = llvm::writeToOutput(recipe, [&](raw_ostream &os) {
          os << recipeText;
          return llvm::Error::success();
        })) {
      emitError(module.getLoc(), "eqq-convert: cannot write the recipe '")
          << recipe << "': " << llvm::toString(std::move(e));
      return signalPassFailure();
    }
  }
}
