//===- LoopBuilder.h - loop nests for the kernel passes ---------*- C++ -*-===//
//
// The loop-building helpers the f32 and int8 kernel passes share: index
// constants, and scf.parallel / scf.for nests whose bodies a callback
// builds at the builder's insertion point.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_LIB_CODEGEN_LOOPBUILDER_H
#define EQQUANT_LIB_CODEGEN_LOOPBUILDER_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <array>

namespace mlir::eqq {

/// Builds loops at its builder's insertion point; the kernel builders
/// derive from it.
class LoopBuilder {
public:
  LoopBuilder(OpBuilder builder, Location loc) : b(builder), loc(loc) {}

  /// An index constant.
  Value cst(int64_t v);

  /// An scf.parallel over the ranges {lo, hi, step}; `body` builds one
  /// iteration at the builder's insertion point. Empty ranges build nothing.
  void parallel(ArrayRef<std::array<int64_t, 3>> ranges,
                function_ref<void(ValueRange)> body);

  /// An scf.for over [lo, hi) by `step`; nothing when the range is empty.
  void forLoop(int64_t lo, int64_t hi, int64_t step,
               function_ref<void(Value)> body);

  /// An scf.for over [0, hi) carrying `inits`; `body(iv, carried)` builds
  /// one iteration and returns the values carried to the next. Returns the
  /// loop's results.
  SmallVector<Value>
  forLoopCarrying(int64_t hi, ValueRange inits,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body);

protected:
  OpBuilder b;
  Location loc;
};

} // namespace mlir::eqq

#endif // EQQUANT_LIB_CODEGEN_LOOPBUILDER_H
