//===- Dialects.h - C API of the eqq dialect ----------------------*- C -*-===//
//
// The eqq dialect's handle, and one call that registers every dialect
// EqQuant's input and passes use.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_C_DIALECTS_H
#define EQQUANT_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// mlirGetDialectHandle__eqq__(): the eqq dialect alone, for
/// mlirDialectHandleInsertDialect and mlirDialectHandleLoadDialect.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Eqq, eqq);

/// Inserts into `registry` the eqq dialect and the dialects a float model and
/// EqQuant's passes use (quant, arith, func, linalg, tensor); the dialects a
/// pass creates are loaded when it runs.
MLIR_CAPI_EXPORTED void
mlirEqQuantRegisterAllDialects(MlirDialectRegistry registry);

#ifdef __cplusplus
}
#endif

#endif // EQQUANT_C_DIALECTS_H
