//===- Pipeline.h - C API: run an EqQuant pipeline on a module ----*- C -*-===//
//
// The entry point of a host that drives EqQuant from C: parse a textual pass
// pipeline and run it on a module, with the errors handed back as text.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_C_PIPELINE_H
#define EQQUANT_C_PIPELINE_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Parses `pipeline` and runs it on `module`, in place. The pipeline is either
/// anchored on the module, `builtin.module(eqq-prepare,eqq-convert)`, or a
/// list of passes run on it, `eqq-prepare,eqq-convert`; options go in braces:
///
///   builtin.module(eqq-prepare,eqq-calibrate{data=x.npy},eqq-convert)
///
/// EqQuant's passes and pipelines are registered on the first call (see
/// mlirEqQuantRegisterAllPasses); upstream passes must be registered by the
/// host (e.g. mlirRegisterAllPasses from mlir-c/RegisterEverything.h). The IR
/// is verified after each pass.
///
/// Returns failure when the pipeline does not parse (the module is not
/// touched) or a pass fails (the module may be partly transformed). The
/// errors are text: a line `FILE:LINE:COL: error: MESSAGE` per error, then
/// one per note; for a pipeline that does not parse, a line
/// `error: invalid pass pipeline '...'` and the parser's message.
///
/// When `errorCallback` is not NULL, it receives them, in one or more pieces
/// to be concatenated, with `userData`; the errors the passes emit then do
/// not reach the context's diagnostic handlers, while warnings and remarks
/// do. With a NULL `errorCallback` the passes' diagnostics all go to the
/// context's handlers (without any, MLIR prints errors on stderr) and a parse
/// error is printed on stderr.
MLIR_CAPI_EXPORTED MlirLogicalResult
mlirEqQuantRunPipeline(MlirModule module, MlirStringRef pipeline,
                       MlirStringCallback errorCallback, void *userData);

#ifdef __cplusplus
}
#endif

#endif // EQQUANT_C_PIPELINE_H
