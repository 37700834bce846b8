//===- Observers.h - a layer's observers and their qparams ------*- C++ -*-===//
//
// Shared by the units of --eqq-convert: the observers --eqq-prepare attached
// to a layer, and the qparams an observer gives values it did not see,
// computed from its configuration without touching the IR.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_CONVERT_OBSERVERS_H
#define EQQUANT_TRANSFORMS_CONVERT_OBSERVERS_H

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/WeightQuantization.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::eqq {

/// The observers prepare attached to one layer.
struct LayerObservers {
  InputEqObserverOp inputEq;
  /// The observer of the layer's input value (through reshapes), if any.
  ActObserverOp input;
  /// The observer whose settings quantize the layer's input: `input`, or,
  /// when the input comes from ops that share their input's observer (a
  /// standalone relu), that observer.
  ActObserverOp quantizingInput;
  WeightEqObserverOp weightEq;
  WeightObserverOp weight;
  ActObserverOp output;
};

/// The value with collapse/expand reshapes looked through.
Value stripReshapes(Value v);

/// The activation observer whose qparams quantize `v`: its own, or, through
/// the ops that share their input's observer (the op table's
/// SharesInputObserver: reshapes, standalone relus, pools), their input's;
/// input-equalization observers pass the value on.
ActObserverOp getQuantizingObserver(Value v);

LayerObservers findObservers(const Layer &layer);

/// The observer's configuration as far as its qparams depend on it.
ObserverSpec getObserverSpec(ActObserverOp obs);
ObserverSpec getObserverSpec(WeightObserverOp obs);

/// The qparams the weight observer `obs` gives the weight `values` (of its
/// input's shape), as if it had observed them.
QParams getWeightQParamsFor(WeightObserverOp obs, ArrayRef<float> values);

/// The qparams the activation observer `obs` gives the range [lo, hi] (a
/// histogram observer keeps its histogram).
QParams getActQParamsFor(ActObserverOp obs, float lo, float hi);

/// Gives the observer `obs` the per-tensor range [min, max] (through the
/// rewriter). A histogram observer keeps its histogram, which its range
/// search then reads over the new range: setStatistics replaces all of the
/// statistics, so the histogram is passed back in.
void setObserverRange(RewriterBase &rewriter, ObserverOpInterface obs,
                      float min, float max);

/// A weight or bias as the plan rewrites it.
struct LayerParams {
  SmallVector<float> weight;
  SmallVector<int64_t> weightShape;
  std::optional<SmallVector<float>> bias;
  bool changed = false;
};

/// A new f32 constant for `values`: dense when small, a resource blob when
/// large (as front ends emit large weights).
Value createConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     ArrayRef<float> values);

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_CONVERT_OBSERVERS_H
