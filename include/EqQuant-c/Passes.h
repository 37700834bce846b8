//===- Passes.h - C API of the EqQuant passes ---------------------*- C -*-===//
//
// Generated from include/EqQuant/Transforms/Passes.td: for every pass
// (Prepare, Calibrate, Convert, LowerOps, ...),
//
//   MlirPass mlirCreateEqQuant<Name>Pass(void);  // with its default options
//   void mlirRegisterEqQuant<Name>Pass(void);
//
// and mlirRegisterEqQuantPasses(void) for all of them. Options are given in
// a textual pipeline (mlirEqQuantRunPipeline in EqQuant-c/Pipeline.h, or
// mlirParsePassPipeline / mlirOpPassManagerAddPipeline).
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_C_PASSES_H
#define EQQUANT_C_PASSES_H

#include "mlir-c/Pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Registers every EqQuant pass and pipeline (`eqq-lower-to-llvm` too) with
/// the global registry, so that textual pipelines can name them. Calling it
/// again does nothing.
MLIR_CAPI_EXPORTED void mlirEqQuantRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#include "EqQuant/Transforms/Passes.capi.h.inc"

#endif // EQQUANT_C_PASSES_H
