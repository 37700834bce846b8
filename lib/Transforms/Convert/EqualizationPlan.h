//===- EqualizationPlan.h - equalization planned, then applied --*- C++ -*-===//
//
// --eqq-convert decides everything before it rewrites anything: each
// equalized layer's scale (from statistics, auto-alpha or a recipe), where
// it is applied (a multiply of the input, shared by layers reading one
// value, or folded into the producing layers, through a residual add), the
// new weights and biases, the carried folds and the range every affected
// observer gets. planEqualization reports every error without touching the
// IR; applyEqualization then carries the plan out through a rewriter.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_CONVERT_EQUALIZATIONPLAN_H
#define EQQUANT_TRANSFORMS_CONVERT_EQUALIZATIONPLAN_H

#include "AutoAlpha.h"
#include "EqQuant/Transforms/Recipe.h"
#include "Observers.h"
#include "QuantizeLayers.h"

#include "EqQuant/Support/Equalization.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::eqq {

struct EqualizationOptions {
  bool fold = true;
  bool dataFree = false;
  bool carryFolds = true;
  ScaleMode scaleMode = ScaleMode::Range;
  float alpha = 0.5f;
  /// auto-alpha: the candidates besides no equalization (empty: off).
  bool autoAlpha = false;
  SmallVector<float> alphaGrid;
  /// The default selection: each layer (or group sharing its input) keeps
  /// its equalization only where `alpha`'s scale scores better than none on
  /// the calibration samples.
  bool select = false;
  /// The selection for the layers whose input-equalization observer carries
  /// `select` (or, in a group sharing an input, any of whose do).
  bool selectMarked = false;
  /// How many dB a scale must score above no equalization to be kept by
  /// the selection, and by auto-alpha.
  double selectMarginDb = 0.0;
  double autoAlphaMarginDb = 0.0;
};

/// An activation observer's range as the plan sets it.
struct ObserverRange {
  ActObserverOp observer;
  float min, max;
};

/// What happens at one input-equalization observer (one equalized layer).
struct EqualizationStep {
  const Layer *layer = nullptr;
  InputEqObserverOp inputEq;
  /// The layer's input observer (before reshapes), if any.
  ActObserverOp inputObserver;
  /// The observer a scaled input's own observer copies: `inputObserver`,
  /// or the one the input shares (through a standalone relu).
  ActObserverOp quantizingInput;
  /// False: left unequalized (auto-alpha or the recipe); the observer goes.
  bool equalized = false;
  SmallVector<float> scale;
  /// The scale is applied by a multiply of the input (else it is folded).
  bool multiply = false;
  /// For a multiply: the value a group of layers shares (null: one layer).
  Value sharedInput;
  /// The multiply reads the float value, and the scaled observer replaces
  /// the unscaled one.
  bool readsFloat = false;
  /// The range of the scaled input: the scaled observer's.
  float min = 0, max = 0;
  /// Ranges set, in order, where the scale is folded.
  SmallVector<ObserverRange> ranges;
  /// A residual add's per-channel statistics, removed.
  SmallVector<InputEqObserverOp> residualStatistics;
};

/// A scale folded into the rows of a producing layer.
struct PlannedFold {
  const Layer *target;
  SmallVector<float> scale;
};

/// A scale folded into a layer norm's weight and bias (SmoothQuant's fold
/// into the normalization in front of the layers): its output is scaled.
struct PlannedNormFold {
  /// The layer norm's last generic, which reads the weight and bias.
  linalg::GenericOp norm;
  SmallVector<float> scale;
};

/// What equalization decided for one layer, for the recipe.
struct EqualizationDecision {
  std::optional<float> alpha;
  SmallVector<float> scale;
  std::string applied = "none";
};

struct EqualizationPlan {
  std::vector<EqualizationStep> steps;
  SmallVector<PlannedFold> folds;
  SmallVector<PlannedNormFold> normFolds;
  /// The new weights and biases of the layers they change.
  llvm::DenseMap<const Layer *, LayerParams> params;
  CarriedFolds carried;
  llvm::StringMap<EqualizationDecision> decisions;
  /// Each auto-alpha candidate's SQNR per layer.
  llvm::StringMap<SmallVector<AlphaCandidate>> autoAlpha;
  /// The default selection per layer: its candidates' SQNR, or why it was
  /// not scored (and equalized as configured).
  llvm::StringMap<AlphaChoice> selection;
  /// How many activation observers the module has after the plan is applied
  /// (recipe-in gives each a range).
  size_t numActObserversAfter = 0;
};

/// Computes the plan, reporting errors (and failing) without touching the
/// IR. `recipe` (read from `recipePath`) replaces statistics and auto-alpha
/// when given; `samples` are what auto-alpha or the selection scores on.
FailureOr<EqualizationPlan>
planEqualization(ModuleOp module, const ModelAnalysis &model,
                 const EqualizationOptions &options, const Recipe *recipe,
                 StringRef recipePath, const SampleMap &samples);

/// Checks, before anything is rewritten, what quantizing after `plan`
/// would reject: per-channel activation observers, and weights (as the plan
/// leaves them) that cannot be quantized with their qparams.
LogicalResult checkQuantization(ModuleOp module, const ModelAnalysis &model,
                                const EqualizationPlan &plan);

/// Carries out `plan` on the module `model` describes.
void applyEqualization(RewriterBase &rewriter, ModuleOp module,
                       const ModelAnalysis &model,
                       const EqualizationPlan &plan);

/// The recipe of an equalized module (`equalized` analyzes it) and the plan
/// that equalized it; the qparams are those quantization will use.
Recipe describeRecipe(ModuleOp module, const ModelAnalysis &equalized,
                      const EqualizationPlan &plan);

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_CONVERT_EQUALIZATIONPLAN_H
