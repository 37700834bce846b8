//===- AutoAlpha.h - each layer's alpha by its int8 output ------*- C++ -*-===//
//
// auto-alpha: each candidate alpha's scale (and no equalization) is scored
// by the int8 output of the layers it serves on recorded inputs, one
// candidate at a time; only the scores are kept. Recording the inputs runs
// the module (collectSamples, the only part that needs the JIT).
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_CONVERT_AUTOALPHA_H
#define EQQUANT_TRANSFORMS_CONVERT_AUTOALPHA_H

#include "Observers.h"
#include "Samples.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>

namespace mlir::eqq {

/// Runs `entry` of `module` on each batch of `data` (JIT; with `stacked`, a
/// file may stack several along its first dimension) and records the
/// input of every equalized layer (up to about a million values per layer,
/// whole batches), as the rows auto-alpha scores: rows (linear) or output
/// positions (conv) spread evenly over what was recorded, as many as about
/// 2^24 multiply-adds per candidate allow (at least 256).
LogicalResult collectSamples(ModuleOp module, const ModelAnalysis &model,
                             StringRef entry, ArrayRef<std::string> data,
                             bool stacked, SampleMap &samples);

/// How many of `available` rows a candidate is scored on, with
/// `macsPerPosition` multiply-adds each: all, or as many as about 2^24
/// multiply-adds allow (at least 256).
int64_t getScoredPositions(int64_t available, int64_t macsPerPosition);

/// The samples --eqq-calibrate stored on the input-equalization observers
/// of `model`'s layers.
SampleMap getCalibrationSamples(const ModelAnalysis &model);

/// Scores equalization scales for one layer on its sampled rows: the
/// noise-to-signal energy ratio of its output computed from its int8 input
/// and weight, with a scale `s` (empty: none), against its float output.
/// The float output is computed once.
class LayerScorer {
public:
  /// Null (with `why`) when the layer cannot be scored.
  static std::unique_ptr<LayerScorer> create(const Layer &layer,
                                             LayerObservers obs,
                                             const SampleMap &samples,
                                             std::string &why);
  /// None when `s` cannot be scored (a weight that cannot be quantized).
  /// `requantized`: the scale multiplies the input after its unscaled
  /// quantization (a quantized producer's output that other ops read too),
  /// so a scaled input is rounded twice.
  std::optional<double> score(ArrayRef<float> s,
                              bool requantized = false) const;
  int64_t getNumRows() const { return rows; }

private:
  LayerScorer() = default;
  const Layer *layer = nullptr;
  LayerObservers obs;
  SmallVector<float> x, w, bias, xmin, xmax;
  SmallVector<int64_t> wShape;
  int64_t channels = 0, taps = 1, rows = 0;
  SmallVector<double> yf;
  double signal = 0;
  SmallVector<double> outputs(ArrayRef<float> xs, ArrayRef<float> ws) const;
};

/// One scored candidate: its alpha (none: no equalization) and SQNR (dB).
struct AlphaCandidate {
  std::optional<float> alpha;
  double sqnrDb;
};

/// What auto-alpha (or the default selection) chose for one layer or group
/// sharing its input.
struct AlphaChoice {
  /// False when a layer could not be scored (the pass's alpha applies);
  /// `why` says why.
  bool scored = false;
  std::string why;
  std::optional<float> alpha;
  SmallVector<AlphaCandidate> candidates;
  /// Rows the candidates were scored on (the smallest over the group).
  int64_t rows = 0;
  /// The margin a scale had to beat no equalization by (dB), and whether a
  /// scaled input was scored rounded twice.
  double marginDb = 0.0;
  bool requantized = false;
};

/// The alpha (none: no equalization) whose scale gives the layers in
/// `scored` the best int8 output, over `grid` (sorted here) and no
/// equalization, which wins ties and any alpha that does not beat it by
/// more than `marginDb` dB. `requantized` as for LayerScorer::score.
AlphaChoice chooseAlpha(ArrayRef<const Layer *> scored,
                        ArrayRef<LayerObservers> observers,
                        ArrayRef<Layer> layers, const SampleMap &samples,
                        ArrayRef<float> grid,
                        llvm::function_ref<SmallVector<float>(float)> scaleFor,
                        double marginDb = 0.0, bool requantized = false);

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_CONVERT_AUTOALPHA_H
