//===- Dialects.cpp - C API of the eqq dialect ----------------------------===//

#include "EqQuant-c/Dialects.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Eqq, eqq, mlir::eqq::EqqDialect)

void mlirEqQuantRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::eqq::registerAllDialects(*unwrap(registry));
}
