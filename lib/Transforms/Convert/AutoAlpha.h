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

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>

namespace mlir::eqq {

/// What a layer read on auto-alpha's data: batches concatenated along the
/// first axis.
struct Samples {
  SmallVector<float> values;
  SmallVector<int64_t> shape;
};

/// Samples by the input-equalization observer of the layer that read them.
using SampleMap = llvm::DenseMap<Operation *, Samples>;

/// Runs `entry` of `module` on each batch of `data` (JIT) and records the
/// input of every equalized layer (up to about a million values per layer,
/// whole batches).
LogicalResult collectSamples(ModuleOp module, const ModelAnalysis &model,
                             StringRef entry, ArrayRef<std::string> data,
                             SampleMap &samples);

/// The noise-to-signal energy ratio of `layer`'s output computed from its
/// int8 input and weight, with the equalization scale `s` (empty: none),
/// against its float output on `samples`; none when it cannot be scored.
std::optional<double> scoreScale(const Layer &layer, LayerObservers obs,
                                 const SampleMap &samples, ArrayRef<float> s);

/// One scored candidate: its alpha (none: no equalization) and SQNR (dB).
struct AlphaCandidate {
  std::optional<float> alpha;
  double sqnrDb;
};

/// What auto-alpha chose for one layer or group sharing its input.
struct AlphaChoice {
  /// False when a layer could not be scored (the pass's alpha applies).
  bool scored = false;
  std::optional<float> alpha;
  SmallVector<AlphaCandidate> candidates;
};

/// The alpha (none: no equalization) whose scale gives the layers in
/// `scored` the best int8 output, over `grid` (sorted here) and no
/// equalization (which wins ties).
AlphaChoice chooseAlpha(ArrayRef<const Layer *> scored,
                        ArrayRef<LayerObservers> observers,
                        ArrayRef<Layer> layers, const SampleMap &samples,
                        ArrayRef<float> grid,
                        llvm::function_ref<SmallVector<float>(float)> scaleFor);

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_CONVERT_AUTOALPHA_H
