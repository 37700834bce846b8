//===- ApplyEqualization.cpp - carrying out the equalization plan ---------===//

#include "EqualizationPlan.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::eqq;

/// Points the weight observer `obs` at the constant `w` and computes its
/// statistics from it (the observer's fold).
static void observeWeight(RewriterBase &rewriter, ObserverOpInterface obs,
                          Value w) {
  rewriter.modifyOpInPlace(obs, [&] {
    obs->setOperand(0, w);
    obs.clearStatistics();
    SmallVector<OpFoldResult> folded;
    (void)obs->fold(folded);
  });
}

void mlir::eqq::applyEqualization(RewriterBase &rewriter, ModuleOp module,
                                  const ModelAnalysis &model,
                                  const EqualizationPlan &plan) {
  // The multiply a group of layers sharing an input reads.
  llvm::DenseMap<Value, Value> sharedScaled;
  for (const EqualizationStep &step : plan.steps) {
    InputEqObserverOp inEq = step.inputEq;
    Value in = inEq.getInput();
    ActObserverOp inObs = step.inputObserver;
    if (!step.equalized) {
      rewriter.replaceOp(inEq, in);
      continue;
    }
    const Layer &layer = *step.layer;
    // The scaled input gets a quantization point of its own, a copy of the
    // unscaled one's observer (which may sit before a reshape, a flatten)
    // with the scaled range.
    auto observeScaled = [&](Value scaled) -> Value {
      if (!step.quantizingInput)
        return scaled;
      auto scaledObs =
          cast<ActObserverOp>(rewriter.clone(*step.quantizingInput));
      scaledObs->setOperand(0, scaled);
      scaledObs->getResult(0).setType(scaled.getType());
      setObserverRange(rewriter, scaledObs, step.min, step.max);
      return scaledObs;
    };
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(inEq);
    if (!step.multiply) {
      for (InputEqObserverOp st : step.residualStatistics)
        rewriter.replaceOp(st, st.getInput());
      for (const ObserverRange &r : step.ranges)
        setObserverRange(rewriter, r.observer, r.min, r.max);
      rewriter.replaceOp(inEq, in);
      continue;
    }
    Value src = step.readsFloat ? inObs.getInput() : in;
    if (step.sharedInput) {
      Value &scaled = sharedScaled[step.sharedInput];
      if (!scaled) {
        rewriter.setInsertionPointAfterValue(in);
        scaled = observeScaled(EqScaleOp::create(rewriter, inEq.getLoc(), src,
                                                 layer.inputAxis, step.scale));
      }
      rewriter.replaceOp(inEq, scaled);
      if (inObs && in == inObs.getResult() && inObs->use_empty())
        rewriter.eraseOp(inObs);
      continue;
    }
    Value scaled = observeScaled(EqScaleOp::create(
        rewriter, inEq.getLoc(), src, layer.inputAxis, step.scale));
    rewriter.replaceOp(inEq, scaled);
    if (step.readsFloat)
      rewriter.eraseOp(inObs);
  }

  // Layer norms whose output takes a scale: weight and bias times it.
  for (PlannedNormFold fold : plan.normFolds) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(fold.norm);
    for (unsigned i : {3u, 4u}) {
      OpOperand *use = fold.norm.getDpsInputOperand(i);
      SmallVector<float> v =
          *getFloatValues(getConstantThroughObservers(use->get()));
      for (auto [x, s] : llvm::zip_equal(v, fold.scale))
        x *= s;
      Value c = createConstant(rewriter, fold.norm.getLoc(),
                               {static_cast<int64_t>(v.size())}, v);
      rewriter.modifyOpInPlace(fold.norm, [&] { use->set(c); });
    }
  }

  // The targets' outputs are now scaled; the numeric comparison undoes it.
  EqqDialect::FoldedScaleAttrHelper foldedScale(module.getContext());
  for (const PlannedFold &fold : plan.folds)
    rewriter.modifyOpInPlace(fold.target->op, [&] {
      foldedScale.setAttr(fold.target->op,
                          rewriter.getDenseF32ArrayAttr(fold.scale));
    });

  // Materialize the new weights and biases; weight observers see them.
  for (const Layer &layer : model.getLayers()) {
    auto it = plan.params.find(&layer);
    if (it == plan.params.end() || !it->second.changed)
      continue;
    const LayerParams &p = it->second;
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(layer.weightUse->getOwner());
    Value w =
        createConstant(rewriter, layer.op->getLoc(), p.weightShape, p.weight);
    // The weight-equalization observer (which layers may share) goes below.
    if (auto wobs = layer.getWeight().getDefiningOp<WeightObserverOp>()) {
      observeWeight(rewriter, wobs, w);
    } else {
      rewriter.modifyOpInPlace(layer.weightUse->getOwner(),
                               [&] { layer.weightUse->set(w); });
    }
    if (p.bias && layer.bias) {
      rewriter.setInsertionPoint(layer.biasOp);
      Value bias =
          createConstant(rewriter, layer.op->getLoc(),
                         {static_cast<int64_t>(p.bias->size())}, *p.bias);
      rewriter.modifyOpInPlace(layer.biasOp, [&] {
        for (OpOperand &use : layer.biasOp->getOpOperands())
          if (use.get() == layer.bias)
            use.set(bias);
      });
    }
  }
  // Weight-equalization observers of layers whose weights did not change,
  // and the statistics of residual adds that kept a multiply.
  SmallVector<Operation *> left;
  module.walk([&](ObserverOpInterface op) {
    if (op.isEqualizationObserver())
      left.push_back(op);
  });
  for (Operation *op : left)
    rewriter.replaceOp(op, op->getOperand(0));
}

/// The observer that quantizes a layer's input (through reshapes).
static ActObserverOp getInputObserver(const Layer &layer) {
  return getQuantizingObserver(layer.getInput());
}

static RecipeActivation describeActivation(ActObserverOp obs) {
  RecipeActivation a;
  a.qparams = obs.getQParams();
  a.dtype = stringifyQDType(obs.getDtype()).str();
  a.qscheme = stringifyQScheme(obs.getQscheme()).str();
  a.min = obs.isCalibrated() ? (*obs.getMinVal())[0] : NAN;
  a.max = obs.isCalibrated() ? (*obs.getMaxVal())[0] : NAN;
  return a;
}

/// The selection's record: the candidates and, in words, why the winner won.
static RecipeSelection describeSelection(const AlphaChoice &choice) {
  RecipeSelection r;
  r.scored = choice.scored;
  if (!choice.scored) {
    r.reason = "not scored, equalized as configured: " + choice.why;
    return r;
  }
  r.rows = choice.rows;
  auto name = [](std::optional<float> a) {
    return a ? llvm::formatv("alpha {0}", *a).str()
             : std::string("no equalization");
  };
  const AlphaCandidate *best = nullptr, *runnerUp = nullptr;
  for (const AlphaCandidate &c : choice.candidates) {
    r.candidates.push_back({c.alpha, c.sqnrDb});
    if (c.alpha == choice.alpha)
      best = &c;
    else if (!runnerUp || c.sqnrDb > runnerUp->sqnrDb)
      runnerUp = &c;
  }
  if (best && runnerUp)
    r.reason = llvm::formatv("{0}: {1:F2} dB, {2}: {3:F2} dB on the layer's "
                             "int8 output ({4} sampled rows)",
                             name(best->alpha), best->sqnrDb,
                             name(runnerUp->alpha), runnerUp->sqnrDb, r.rows)
                   .str();
  if (best && runnerUp && !best->alpha && runnerUp->sqnrDb > best->sqnrDb)
    r.reason += llvm::formatv("; a scale must score {0:F2} dB above no "
                              "equalization",
                              choice.marginDb)
                    .str();
  if (choice.requantized)
    r.reason += "; the scaled input is rounded twice (it is quantized for "
                "other readers first)";
  return r;
}

Recipe mlir::eqq::describeRecipe(ModuleOp module,
                                 const ModelAnalysis &equalized,
                                 const EqualizationPlan &plan) {
  Recipe recipe;
  for (const Layer &layer : equalized.getLayers()) {
    RecipeLayer &r = recipe.layers.emplace_back();
    r.name = layer.name;
    r.kind = getLayerKindName(layer.kind).str();
    auto it = plan.decisions.find(layer.name);
    r.equalized = it != plan.decisions.end();
    if (r.equalized) {
      r.scale = it->second.scale;
      r.applied = it->second.applied;
      r.alpha = it->second.alpha;
    }
    auto tried = plan.autoAlpha.find(layer.name);
    if (tried != plan.autoAlpha.end()) {
      r.autoAlpha.emplace();
      for (const AlphaCandidate &c : tried->second)
        r.autoAlpha->push_back({c.alpha, c.sqnrDb});
    }
    auto selected = plan.selection.find(layer.name);
    if (selected != plan.selection.end())
      r.selection = describeSelection(selected->second);
    if (ActObserverOp in = getInputObserver(layer))
      r.input = describeActivation(in);
    if (ActObserverOp out = findObservers(layer).output)
      r.output = describeActivation(out);
    if (auto w = layer.getWeight().getDefiningOp<WeightObserverOp>()) {
      RecipeWeight &weight = r.weight.emplace();
      weight.dtype = stringifyQDType(w.getDtype()).str();
      weight.qscheme = stringifyQScheme(w.getQscheme()).str();
      weight.qparams = getWeightQParams(layer, w, plan.carried);
      auto carry = plan.carried.find(layer.op);
      if (carry != plan.carried.end())
        weight.carriedRowScale = carry->second.rowScale;
    }
  }
  module.walk([&](ActObserverOp op) {
    RecipeRange &r = recipe.activations.emplace_back();
    llvm::raw_string_ostream ts(r.type);
    ts << op.getType();
    r.min = op.isCalibrated() ? (*op.getMinVal())[0] : NAN;
    r.max = op.isCalibrated() ? (*op.getMaxVal())[0] : NAN;
  });
  return recipe;
}
