//===- InitAll.h - register everything EqQuant provides ---------*- C++ -*-===//
//
// One call each for a host tool: the eqq dialect (and the dialects its passes
// create), and every EqQuant pass and pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_INITALL_H
#define EQQUANT_INITALL_H

namespace mlir {
class DialectRegistry;
namespace eqq {

/// Registers the eqq dialect and the dialects EqQuant's passes produce.
void registerAllDialects(DialectRegistry &registry);

/// Registers every EqQuant pass and pipeline with the global registry (so
/// that `--eqq-prepare` and friends parse in an opt-style tool).
void registerAllPasses();

} // namespace eqq
} // namespace mlir

#endif // EQQUANT_INITALL_H
