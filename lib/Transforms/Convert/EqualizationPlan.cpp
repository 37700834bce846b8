//===- EqualizationPlan.cpp - computing the equalization plan -------------===//

#include "EqualizationPlan.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

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

/// The layer norm producing `raw` when a scale on its output along `axis`
/// can fold into its weight and bias: `axis` is its only normalized axis
/// and its last generic ends `... * weight + bias`, both constants read
/// along that axis. The layer norm, or null.
static const ElementwiseOp *getNormFoldTarget(const ModelAnalysis &model,
                                              Value raw, int64_t axis) {
  const ElementwiseOp *norm = nullptr;
  for (const ElementwiseOp &e : model.getElementwiseOps())
    if (e.kind == OpKind::LayerNorm && e.output == raw)
      norm = &e;
  auto f = norm ? dyn_cast<linalg::GenericOp>(norm->op) : nullptr;
  auto type = dyn_cast<RankedTensorType>(raw.getType());
  if (!f || !type || f.getNumDpsInputs() != 5 || axis != type.getRank() - 1)
    return nullptr;
  MLIRContext *ctx = f.getContext();
  AffineMap alongAxis =
      AffineMap::get(type.getRank(), 0, getAffineDimExpr(axis, ctx), ctx);
  for (unsigned i : {3u, 4u})
    if (!getConstantThroughObservers(f.getDpsInputOperand(i)->get()) ||
        f.getIndexingMapsArray()[i] != alongAxis)
      return nullptr;
  Block &body = f.getRegion().front();
  auto add = cast<linalg::YieldOp>(body.getTerminator())
                 .getOperand(0)
                 .getDefiningOp<arith::AddFOp>();
  auto mul = add ? add.getLhs().getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul || add.getRhs() != body.getArgument(4) ||
      mul.getRhs() != body.getArgument(3) || !mul->hasOneUse())
    return nullptr;
  return norm;
}

FailureOr<EqualizationPlan>
mlir::eqq::planEqualization(ModuleOp module, const ModelAnalysis &model,
                            const EqualizationOptions &options,
                            const Recipe *recipe, StringRef recipePath,
                            const SampleMap &samples) {
  MLIRContext *ctx = module.getContext();
  EqualizationPlan plan;
  ArrayRef<Layer> layers = model.getLayers();
  SmallVector<LayerObservers> observers;
  for (const Layer &layer : layers)
    observers.push_back(findObservers(layer));
  auto recipeError = [&](const RecipeLayer &r) {
    return emitError(
        FileLineColLoc::get(ctx, recipePath, r.pos.line, r.pos.column));
  };

  // Current weights and biases, as they get scaled.
  auto getParams = [&](const Layer &layer) -> LayerParams & {
    auto [it, inserted] = plan.params.try_emplace(&layer);
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
  //
  // A residual add's operands take s from their producers; other layers
  // reading an operand divide their columns by it. The operands' (and the
  // add's) quantization ranges become those of the scaled values, from their
  // per-channel statistics.
  auto foldResidual = [&](const ResidualAdd &r, ArrayRef<float> s,
                          ArrayRef<float> reciprocal, StringRef name,
                          EqualizationStep &step) -> LogicalResult {
    SmallVector<std::string> names;
    for (const Layer *p : r.producers) {
      plan.folds.push_back({p, SmallVector<float>(s)});
      names.push_back(p->name);
    }
    plan.decisions[name].applied = "folded_into:" + llvm::join(names, ",");
    for (auto [reader, producer] : r.readers) {
      LayerParams &rp = getParams(*reader);
      scaleAlong(rp.weight, rp.weightShape, reader->getWeightInputAxis(),
                 reciprocal);
      rp.changed = true;
      EqualizationDecision &d = plan.decisions[reader->name];
      d.scale = SmallVector<float>(s);
      d.applied = "folded_into:" + producer->name;
    }
    for (InputEqObserverOp obs : getResidualStatistics(r)) {
      auto act = obs.getInput().getDefiningOp<ActObserverOp>();
      if (act && !recipe) {
        if (!obs.isCalibrated() || obs.getMinVal()->size() != s.size())
          return obs.emitError("the per-channel observer of an operand of ")
                 << "the add in front of layer '" << name
                 << "' holds no statistics for its " << s.size()
                 << " channels; run --eqq-calibrate first";
        auto [lo, hi] = getScaledRange(*obs.getMinVal(), *obs.getMaxVal(), s);
        step.ranges.push_back({act, lo, hi});
      }
      step.residualStatistics.push_back(obs);
    }
    return success();
  };
  // Layers that read one value (prepare's shared-inputs) share one scale and
  // one multiply.
  struct SharedInput {
    std::optional<float> alpha;
    SmallVector<float> scale;
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
  size_t numActs = 0;
  module.walk([&](ActObserverOp) { ++numActs; });
  ScaleMode mode = options.scaleMode;
  bool absMax = mode == ScaleMode::AbsMax;
  for (auto [layer, obs] : llvm::zip(layers, observers)) {
    if (!obs.inputEq)
      continue;
    InputEqObserverOp inEq = obs.inputEq;
    WeightEqObserverOp wEq = obs.weightEq;
    EqualizationStep step;
    step.layer = &layer;
    step.inputEq = inEq;
    step.inputObserver = obs.input;
    step.quantizingInput = obs.quantizingInput;
    if (!wEq)
      return layer.op->emitError("layer '")
             << layer.name << "' has an input-equalization observer but no "
             << "weight-equalization observer";
    // Input channel j meets weight column j (row j of a depthwise conv).
    if (static_cast<int64_t>(wEq.getAxis()) != layer.getWeightInputAxis())
      return wEq.emitError("layer '")
             << layer.name << "': the weight-equalization observer records "
             << "axis " << wEq.getAxis() << " of the weight, but the layer's "
             << "input channels meet its axis " << layer.getWeightInputAxis();
    int64_t columns = cast<ShapedType>(wEq.getType()).getDimSize(wEq.getAxis());
    // The producer a scale can fold into: L is the only consumer of its
    // output (through at most a relu).
    Value in = inEq.getInput();
    ActObserverOp inObs = obs.input;
    Value raw = inObs ? inObs.getInput() : in;
    bool soleUse =
        inEq->hasOneUse() && in.hasOneUse() && (!inObs || raw.hasOneUse());
    const Layer *target = options.fold && soleUse && stripReshapes(in) == in
                              ? getFoldTarget(model, raw, layer.inputAxis)
                              : nullptr;
    // Across ops the scale commutes with (max or average pooling), when
    // prepare put per-channel statistics at the chain's start: the
    // producer's output quantizer takes the scaled range of those values.
    InputEqObserverOp chainStatistics;
    if (options.fold && !target && soleUse && stripReshapes(in) == in)
      if (std::optional<CommutingChain> chain =
              matchCommutingChain(model, raw, layer.inputAxis))
        if ((chainStatistics =
                 chain->start->get().getDefiningOp<InputEqObserverOp>()))
          target = chain->producer;
    // A residual add that prepare marked (per-channel observers on its
    // operands): both operands take s from their producers.
    std::optional<ResidualAdd> residual;
    if (options.fold && !target && soleUse)
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
    std::optional<float> layerAlpha = options.alpha;
    if (recipe) {
      const RecipeLayer *r = recipe->lookup(layer.name);
      if (!r)
        return layer.op->emitError("layer '")
               << layer.name << "' is equalized in the module but missing "
               << "from the recipe '" << recipePath << "'";
      if (!r->equalized) {
        // Left unequalized when the recipe was made (auto-alpha).
        plan.steps.push_back(std::move(step));
        continue;
      }
      s = r->scale;
      if (static_cast<int64_t>(s.size()) != columns)
        return recipeError(*r)
               << "layer '" << layer.name << "': the recipe has " << s.size()
               << " equalization scales; the layer has " << columns
               << " input channels (line " << r->pos.line << ")";
      for (float v : s)
        if (!(v > 0.0f) || !std::isfinite(v))
          return recipeError(*r)
                 << "layer '" << layer.name
                 << "': equalization scales must be finite and positive (line "
                 << r->pos.line << ")";
      // The ranges come from the recipe's activations after equalization.
      xmin.assign(s.size(), 0.0f);
      xmax.assign(s.size(), 0.0f);
    } else if (options.dataFree && target) {
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
    bool isShared = peers.size() > 1;
    // Whether a multiply of L's input can read the float value itself: the
    // observed value is read only by L (or by the group sharing it) and its
    // producer is not quantized (a function argument, a float op). Otherwise
    // it reads the observed (later: dequantized) value, rounded twice.
    bool multiplyReadsFloat =
        inObs && in == inObs.getResult() && !isQuantizedProducer(model, raw) &&
        (isShared ? llvm::all_of(
                        in.getUsers(),
                        [](Operation *u) { return isa<InputEqObserverOp>(u); })
                  : in.hasOneUse());
    // A layer norm producing the input, read by nothing else, takes the
    // scale in its weight and bias (SmoothQuant): no multiply at run time.
    const ElementwiseOp *norm =
        options.fold && multiplyReadsFloat && raw.hasOneUse()
            ? getNormFoldTarget(model, raw, layer.inputAxis)
            : nullptr;
    if (isShared) {
      auto [it, first] = sharedInputs.try_emplace(in);
      shared = &it->second;
      firstPeer = first;
      if (first && !recipe) {
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
    if (!recipe) {
      if (shared && !firstPeer) {
        layerAlpha = shared->alpha;
      } else if (options.autoAlpha || options.select ||
                 (options.selectMarked &&
                  (inEq.getSelect() ||
                   llvm::any_of(peers, [](InputEqObserverOp peer) {
                     return peer.getSelect();
                   })))) {
        // The layers the scale serves (one, or the group sharing the input).
        SmallVector<const Layer *> scored{&layer};
        if (shared) {
          scored.clear();
          for (InputEqObserverOp peer : peers)
            scored.push_back(&layers[layerOfInputEq.lookup(peer)]);
        }
        // auto-alpha searches its grid; the selection weighs the configured
        // alpha against no equalization.
        SmallVector<float> grid = options.alphaGrid;
        if (!options.autoAlpha)
          grid = {options.alpha};
        else if (grid.empty())
          grid = {0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
        // A scale that multiplies an input already quantized for its other
        // readers (as below) rounds it twice; the score includes that.
        bool requantized =
            (shared || !(target || residual)) && !multiplyReadsFloat;
        AlphaChoice choice = chooseAlpha(
            scored, observers, layers, samples, grid,
            [&](float a) {
              return computeEqualizationScale(sxmin, sxmax, wmin, wmax, mode,
                                              a);
            },
            options.autoAlpha ? options.autoAlphaMarginDb
                              : options.selectMarginDb,
            requantized);
        if (choice.scored)
          layerAlpha = choice.alpha;
        for (const Layer *l : scored) {
          if (!options.autoAlpha)
            plan.selection[l->name] = choice;
          else if (choice.scored)
            plan.autoAlpha[l->name] = choice.candidates;
        }
      }
      if (layerAlpha)
        s = computeEqualizationScale(sxmin, sxmax, wmin, wmax, mode,
                                     *layerAlpha);
      if (shared && firstPeer) {
        shared->alpha = layerAlpha;
        shared->scale = s;
      }
      if (!layerAlpha) {
        // Not equalized: auto-alpha or the selection found no scale better
        // than none.
        plan.steps.push_back(std::move(step));
        continue;
      }
    } else if (shared && firstPeer) {
      shared->scale = s;
    }
    if (shared)
      s = shared->scale;

    step.equalized = true;
    step.scale = s;
    EqualizationDecision &decision = plan.decisions[layer.name];
    decision.scale = s;
    decision.alpha = layerAlpha;

    LayerParams &p = getParams(layer);
    SmallVector<float> reciprocal = getReciprocal(s);
    scaleAlong(p.weight, p.weightShape, layer.getWeightInputAxis(), reciprocal);
    p.changed = true;

    // The range L's input is quantized from: the scaled values' range.
    std::tie(step.min, step.max) = getScaledRange(xmin, xmax, s);

    if (norm) {
      decision.applied = "folded_into:" + norm->name;
      if (!shared || firstPeer)
        plan.normFolds.push_back(
            {cast<linalg::GenericOp>(norm->op), SmallVector<float>(s)});
      if (inObs)
        step.ranges.push_back({inObs, step.min, step.max});
    } else if (shared) {
      decision.applied = "input_mul";
      step.multiply = true;
      step.sharedInput = in;
      // The float value itself when only these layers read the observed
      // one and its producer is not quantized (as for one layer below).
      step.readsFloat = multiplyReadsFloat;
      if (firstPeer && step.quantizingInput) {
        ++numActs;
        // The unscaled observer goes once every peer reads the multiply.
        if (step.readsFloat && peers.size() == llvm::range_size(in.getUsers()))
          --numActs;
      }
    } else if (target || residual) {
      if (target) {
        plan.folds.push_back({target, s});
        decision.applied = "folded_into:" + target->name;
      } else if (failed(foldResidual(*residual, s, reciprocal, layer.name,
                                     step))) {
        return failure();
      }
      if (inObs && haveRanges)
        step.ranges.push_back({inObs, step.min, step.max});
      if (chainStatistics && !recipe) {
        auto act = chainStatistics.getInput().getDefiningOp<ActObserverOp>();
        if (!chainStatistics.isCalibrated() ||
            chainStatistics.getMinVal()->size() != s.size())
          return chainStatistics.emitError("the per-channel observer of the "
                                           "output of '")
                 << target->name << "', whose scale folds across to layer '"
                 << layer.name << "', holds no statistics for its " << s.size()
                 << " channels; run --eqq-calibrate first";
        if (act) {
          auto [lo, hi] = getScaledRange(*chainStatistics.getMinVal(),
                                         *chainStatistics.getMaxVal(), s);
          step.ranges.push_back({act, lo, hi});
        }
      }
    } else {
      // Multiply L's input. When nothing else reads the observed value and
      // its producer is not quantized (a function argument, a float op),
      // the multiply reads the float value and the scaled observer replaces
      // the unscaled one: quantizing x only to dequantize and rescale it
      // would add an error PyTorch does not have. Otherwise the multiply
      // reads the observed (later: dequantized) value, as in PyTorch.
      decision.applied = "input_mul";
      step.multiply = true;
      step.readsFloat = multiplyReadsFloat;
      if (step.quantizingInput && !step.readsFloat)
        ++numActs;
    }
    plan.steps.push_back(std::move(step));
  }

  for (PlannedFold &fold : plan.folds) {
    LayerParams &p = getParams(*fold.target);
    auto wobs = fold.target->getWeight().getDefiningOp<WeightObserverOp>();
    // Carried unless quantizing the folded rows loses clearly less in the
    // weights (a fold that evens out the rows; the error model leaves out
    // the input, so a near tie stays carried).
    if (options.carryFolds && wobs && !isPerChannel(wobs.getQscheme())) {
      auto qparamsOf = [&](ArrayRef<float> v) -> std::optional<QParams> {
        return getWeightQParamsFor(wobs, v);
      };
      auto [lo, hi] = getStorageRange(wobs.getDtype());
      double carriedError =
          getRowScaledWeightError(p.weight, p.weightShape, fold.scale,
                                  /*folded=*/false, qparamsOf, lo, hi);
      double foldedError =
          getRowScaledWeightError(p.weight, p.weightShape, fold.scale,
                                  /*folded=*/true, qparamsOf, lo, hi);
      if (shouldCarryFold(carriedError, foldedError))
        plan.carried[fold.target->op] = {fold.scale, p.weight,
                                         getWeightQParamsFor(wobs, p.weight)};
    }
    scaleAlong(p.weight, p.weightShape, /*axis=*/0, fold.scale);
    if (p.bias)
      for (auto [b, s] : llvm::zip(*p.bias, fold.scale))
        b = b * s;
    p.changed = true;
  }
  plan.numActObserversAfter = numActs;
  return plan;
}

LogicalResult mlir::eqq::checkQuantization(ModuleOp module,
                                           const ModelAnalysis &model,
                                           const EqualizationPlan &plan) {
  WalkResult perChannel = module.walk([&](ActObserverOp obs) {
    if (!isPerChannel(obs.getQscheme()))
      return WalkResult::advance();
    obs.emitError("activations are quantized per tensor; "
                  "per-channel activation observers cannot convert");
    return WalkResult::interrupt();
  });
  if (perChannel.wasInterrupted())
    return failure();
  for (const Layer &layer : model.getLayers()) {
    LayerObservers obs = findObservers(layer);
    // Only layers that become integer programs quantize their weight.
    if (!obs.weight || !obs.quantizingInput || !obs.output)
      continue;
    std::optional<QParams> q;
    SmallVector<float> weight;
    SmallVector<int64_t> shape;
    auto carry = plan.carried.find(layer.op);
    auto params = plan.params.find(&layer);
    if (carry != plan.carried.end()) {
      weight = carry->second.weight;
      q = carry->second.weightQParams;
      shape = params->second.weightShape;
    } else if (params != plan.params.end() && params->second.changed) {
      weight = params->second.weight;
      shape = params->second.weightShape;
      q = getWeightQParamsFor(obs.weight, weight);
    } else {
      ElementsAttr w = getConstantThroughObservers(layer.getWeight());
      std::optional<SmallVector<float>> values =
          w ? getFloatValues(w) : std::nullopt;
      if (!values)
        continue;
      weight = std::move(*values);
      shape = llvm::to_vector(cast<ShapedType>(w.getType()).getShape());
      q = obs.weight.getQParams();
    }
    std::string reason;
    if (!quantizeWeight(obs.weight, q, weight, shape, reason))
      return obs.weight.emitError("layer '") << layer.name << "': " << reason;
  }
  return success();
}
