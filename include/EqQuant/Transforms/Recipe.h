//===- Recipe.h - the recipe file of --eqq-convert --------------*- C++ -*-===//
//
// A recipe records every decision of a conversion (interface.md, section 5):
// per layer its equalization scale and where it was applied, auto-alpha's
// choice, the input/output quantization and the weight qparams, and every
// activation observer's range after equalization. This is the file as a
// struct, with a reader and a writer that need neither the pass nor a
// module.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_RECIPE_H
#define EQQUANT_TRANSFORMS_RECIPE_H

#include "EqQuant/Support/Json.h"
#include "EqQuant/Support/QParams.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::eqq {

/// The quantization of a layer's input or output.
struct RecipeActivation {
  std::optional<QParams> qparams;
  std::string dtype, qscheme;
  /// The observer's range (NaN when it has none).
  float min = 0, max = 0;
};

/// A layer's weight quantization.
struct RecipeWeight {
  std::string dtype, qscheme;
  std::optional<QParams> qparams;
  /// The row factors of a fold carried by the requantize multiplier.
  std::optional<SmallVector<float>> carriedRowScale;
};

/// One auto-alpha candidate (no alpha: no equalization) and its SQNR.
struct RecipeCandidate {
  std::optional<float> alpha;
  double sqnrDb = 0;
};

/// The default selection of --eqq-convert for a layer: the SQNR of its
/// output with no equalization and with the configured scale on the
/// calibration samples (or why it was not scored), and the verdict.
struct RecipeSelection {
  bool scored = false;
  SmallVector<RecipeCandidate> candidates;
  /// Sampled rows (linear) or output positions (conv) scored.
  int64_t rows = 0;
  std::string reason;
};

struct RecipeLayer {
  std::string name;
  std::string kind;
  bool equalized = false;
  SmallVector<float> scale;
  /// "input_mul", "folded_into:<layers>" or "none".
  std::string applied = "none";
  std::optional<float> alpha;
  std::optional<SmallVector<RecipeCandidate>> autoAlpha;
  std::optional<RecipeSelection> selection;
  std::optional<RecipeActivation> input, output;
  std::optional<RecipeWeight> weight;
  /// Where the layer is in the file that was read.
  json::Position pos;
};

/// An activation observer's range, in program order.
struct RecipeRange {
  std::string type;
  float min = 0, max = 0;
  json::Position pos;
};

struct Recipe {
  std::vector<RecipeLayer> layers;
  std::vector<RecipeRange> activations;
  /// Where the activations array is in the file that was read.
  json::Position activationsPos;

  /// The layer named `name`, or null.
  const RecipeLayer *lookup(StringRef name) const;
};

/// The recipe as the file (format "eqquant-recipe/1").
std::string writeRecipe(const Recipe &recipe);

/// Why a recipe could not be read: a position in the file (line 0: the
/// file itself could not be read) and what is wrong there.
struct RecipeError {
  json::Position pos;
  std::string message;
};

/// Reads the parts of a recipe that conversion applies: each layer's name,
/// whether it is equalized and its scale (checked to be numbers; positive and
/// finite is checked against the module), and the activation ranges (finite,
/// min <= max). Layer names must be unique.
FailureOr<Recipe> parseRecipe(StringRef text, RecipeError &error);
/// The same for the file at `path`.
FailureOr<Recipe> readRecipeFile(StringRef path, RecipeError &error);

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_RECIPE_H
