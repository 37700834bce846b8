//===- InitAll.h - register everything EqQuant provides ---------*- C++ -*-===//
//
// One call each for a host tool: the eqq dialect (and what its passes need
// of other dialects, including the model runner of the execution library),
// and every EqQuant pass and pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_INITALL_H
#define EQQUANT_INITALL_H

namespace mlir {
class DialectRegistry;
namespace eqq {

/// Registers the eqq dialect, the dialects of a float model (quant, arith,
/// func, linalg, tensor), what `--eqq-lower-to-llvm` (which calibration
/// runs too) needs of the dialects it meets (their bufferization and buffer
/// deallocation models and the translations to LLVM IR), and the JIT model
/// runner through which `--eqq-calibrate` and `--eqq-convert` with
/// `auto-alpha` run the model (registerModelRunner). The dialects a pass
/// creates are loaded when it runs, so this is all a host needs for every
/// EqQuant pass and pipeline. Defined in the EqQuantInitAll library, which
/// links every other EqQuant library.
void registerAllDialects(DialectRegistry &registry);

/// Registers every EqQuant pass and pipeline with the global registry (so
/// that `--eqq-prepare` and friends parse in an opt-style tool).
void registerAllPasses();

} // namespace eqq
} // namespace mlir

#endif // EQQUANT_INITALL_H
