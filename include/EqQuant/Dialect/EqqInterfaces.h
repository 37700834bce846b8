//===- EqqInterfaces.h - eqq op interfaces ----------------------*- C++ -*-===//
//
// Declares the observer op interface and the types its methods use.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_DIALECT_EQQINTERFACES_H
#define EQQUANT_DIALECT_EQQINTERFACES_H

#include "EqQuant/Support/QParams.h"
#include "EqQuant/Support/Statistics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

#include <optional>

namespace mlir::eqq {

/// What an observer observes, and for what.
enum class ObserverRole {
  /// An activation to quantize (`eqq.act_observer`).
  Activation,
  /// A weight to quantize (`eqq.weight_observer`).
  Weight,
  /// The input of an equalized layer (`eqq.input_eq_observer`).
  InputEqualization,
  /// The weight of an equalized layer (`eqq.weight_eq_observer`).
  WeightEqualization,
};

/// An observer's statistics: per-channel (one entry per tensor) minima and
/// maxima, and for histogram observers the histogram over
/// [min[0], max[0]] (empty otherwise).
struct ObserverStatistics {
  SmallVector<float> min, max;
  SmallVector<float> histogram;
};

} // namespace mlir::eqq

#include "EqQuant/Dialect/EqqInterfaces.h.inc"

#endif // EQQUANT_DIALECT_EQQINTERFACES_H
