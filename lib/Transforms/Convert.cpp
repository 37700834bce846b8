//===- Convert.cpp - the --eqq-convert pass -------------------------------===//
//
// The pass driver: checks the options and the statistics, plans the
// equalization (Convert/EqualizationPlan.cpp, with Convert/AutoAlpha.cpp or
// a recipe, Convert/Recipe.cpp), applies it (Convert/ApplyEqualization.cpp)
// and quantizes (Convert/QuantizeLayers.cpp).
//
//===----------------------------------------------------------------------===//

#include "Convert/EqualizationPlan.h"

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/Error.h"

#include <cmath>

#define DEBUG_TYPE "eqq-convert"

namespace mlir::eqq {
#define GEN_PASS_DEF_CONVERTPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

namespace {
struct ConvertPass : eqq::impl::ConvertPassBase<ConvertPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult checkOptions();
  LogicalResult checkStatistics(ModuleOp module);
  FailureOr<Recipe> readRecipe(const ModelAnalysis &model);
};
} // namespace

LogicalResult ConvertPass::checkOptions() {
  Location loc = getOperation().getLoc();
  // Written to reject NaN too.
  bool alphaInRange = alpha >= 0.0f && alpha <= 1.0f;
  if (!alphaInRange)
    return emitError(loc, "eqq-convert: alpha must be in [0, 1] and "
                          "scale-mode range or absmax; got alpha=")
           << alpha << " scale-mode="
           << (scaleMode == ScaleMode::AbsMax ? "absmax" : "range");
  bool gridInRange =
      llvm::all_of(alphaGrid, [](float a) { return a >= 0.0f && a <= 1.0f; });
  if (!gridInRange)
    return emitError(loc, "eqq-convert: alpha-grid values must be in [0, 1]");
  if (autoAlpha && (data.empty() || !recipeIn.empty()))
    return emitError(loc, "eqq-convert: auto-alpha ")
           << (data.empty() ? "needs data=FILE.npy[,FILE.npy...], the batches "
                              "it scores the candidates on"
                            : "cannot be combined with recipe-in (the recipe "
                              "holds the decisions)");
  if (!autoAlpha && (!data.empty() || alphaGrid.hasValue()))
    return emitError(loc, "eqq-convert: data= and alpha-grid= are options of "
                          "auto-alpha=true");
  return success();
}

LogicalResult ConvertPass::checkStatistics(ModuleOp module) {
  // Non-finite statistics (NaN or Inf in a weight, or in statistics written
  // by hand) give no scale or range to work with.
  WalkResult nonFinite = module.walk([&](ObserverOpInterface op) {
    if (!op.isCalibrated())
      return WalkResult::advance();
    for (auto [i, lo, hi] : llvm::enumerate(op.getMinValAttr().asArrayRef(),
                                            op.getMaxValAttr().asArrayRef())) {
      if (std::isfinite(lo) && std::isfinite(hi))
        continue;
      op->emitError("eqq-convert: statistics must be finite; min_val[")
          << i << "] = " << lo << ", max_val[" << i << "] = " << hi
          << (op.observesWeight() ? " (the weight holds NaN or Inf)" : "");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (nonFinite.wasInterrupted())
    return failure();
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
      return failure();
  }
  return success();
}

FailureOr<Recipe> ConvertPass::readRecipe(const ModelAnalysis &model) {
  MLIRContext *ctx = &getContext();
  auto fail = [&](json::Position pos, const Twine &message) {
    emitError(FileLineColLoc::get(ctx, recipeIn, pos.line, pos.column))
        << "invalid recipe (line " << pos.line << "): " << message;
    return failure();
  };
  RecipeError error;
  FailureOr<Recipe> recipe = readRecipeFile(recipeIn, error);
  if (failed(recipe)) {
    if (error.pos.line)
      return fail(error.pos, error.message);
    emitError(UnknownLoc::get(ctx)) << "recipe: " << error.message;
    return failure();
  }
  // Every layer of the recipe must exist in the module.
  for (const RecipeLayer &r : (*recipe).layers)
    if (llvm::none_of(model.getLayers(),
                      [&](const Layer &l) { return l.name == r.name; }))
      return fail(r.pos, "layer '" + r.name + "' is not in the module");
  return recipe;
}

void ConvertPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (failed(checkOptions()))
    return signalPassFailure();
  std::optional<Recipe> recipeInput;
  if (!recipeIn.empty()) {
    FailureOr<Recipe> r = readRecipe(ModelAnalysis(module));
    if (failed(r))
      return signalPassFailure();
    recipeInput = std::move(*r);
  }
  // Weight statistics come from the constants (prepare folds them already;
  // hand-written or edited modules may not have them).
  module.walk([](ObserverOpInterface op) {
    SmallVector<OpFoldResult> folded;
    (void)op->fold(folded);
  });
  if (failed(checkStatistics(module)))
    return signalPassFailure();

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

  // 1. The plan: every decision, every error, before any rewrite.
  SampleMap samples;
  if (autoAlpha &&
      failed(collectSamples(module, model, entry, data, stacked, samples)))
    return signalPassFailure();
  // The default selection scores int8 outputs on calibration's samples; it
  // has nothing to weigh without quantization, and a recipe or auto-alpha
  // decides instead.
  // Without the option, the layers whose observer asks for it (the named
  // equalization) are selected.
  bool canSelect = quantize && !autoAlpha && !recipeInput;
  bool selecting = canSelect && select.hasValue() && select;
  bool selectingMarked =
      canSelect && !select.hasValue() &&
      llvm::any_of(model.getLayers(), [](const Layer &layer) {
        InputEqObserverOp inEq = findObservers(layer).inputEq;
        return inEq && inEq.getSelect();
      });
  if (selecting || selectingMarked)
    samples = getCalibrationSamples(model);
  EqualizationOptions options;
  options.fold = fold;
  options.dataFree = dataFree;
  options.carryFolds = carryFolds;
  options.scaleMode = scaleMode;
  options.alpha = alpha;
  options.autoAlpha = autoAlpha;
  options.alphaGrid.assign(alphaGrid.begin(), alphaGrid.end());
  options.select = selecting;
  options.selectMarked = selectingMarked;
  options.selectMarginDb = selectMargin;
  // auto-alpha's best alpha wins over no equalization by any margin unless
  // one is given.
  options.autoAlphaMarginDb = selectMargin.hasValue() ? selectMargin : 0.0;
  FailureOr<EqualizationPlan> plan = planEqualization(
      module, model, options, recipeInput ? &*recipeInput : nullptr, recipeIn,
      samples);
  samples.clear();
  if (failed(plan))
    return signalPassFailure();
  if (recipeInput &&
      recipeInput->activations.size() != plan->numActObserversAfter) {
    emitError(FileLineColLoc::get(&getContext(), recipeIn,
                                  recipeInput->activationsPos.line,
                                  recipeInput->activationsPos.column))
        << "the recipe has " << recipeInput->activations.size()
        << " activation ranges; the module has " << plan->numActObserversAfter
        << " activation observers (line " << recipeInput->activationsPos.line
        << ")";
    return signalPassFailure();
  }

  if (quantize && failed(checkQuantization(module, model, *plan)))
    return signalPassFailure();

  // 2. Apply it.
  IRRewriter rewriter(&getContext());
  applyEqualization(rewriter, module, model, *plan);
  if (recipeInput) {
    SmallVector<ActObserverOp> acts;
    module.walk([&](ActObserverOp op) { acts.push_back(op); });
    assert(acts.size() == recipeInput->activations.size() &&
           "the plan counts the observers it leaves");
    for (auto [obs, range] : llvm::zip(acts, recipeInput->activations))
      setObserverRange(rewriter, obs, range.min, range.max);
  }

  ModelAnalysis equalized(module);
  // Every layer keeps its name where printing without locations keeps it
  // (the integer programs of quantized layers take it over).
  EqqDialect::LayerAttrHelper layerName(&getContext());
  for (const Layer &layer : equalized.getLayers())
    rewriter.modifyOpInPlace(layer.op, [&] {
      layerName.setAttr(layer.op, StringAttr::get(&getContext(), layer.name));
    });
  std::string recipeText;
  if (!recipe.empty())
    recipeText = writeRecipe(describeRecipe(module, equalized, *plan));

  // 3. Quantize.
  if (!quantize) {
    // The equalized float model: no observers left.
    SmallVector<Operation *> observers;
    module.walk([&](ObserverOpInterface op) {
      if (!op.isEqualizationObserver())
        observers.push_back(op);
    });
    for (Operation *op : observers)
      rewriter.replaceOp(op, op->getOperand(0));
  } else if (failed(
                 quantizeModel(rewriter, module, equalized, plan->carried))) {
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
