//===- Passes.cpp - C API of the EqQuant passes ---------------------------===//

#include "EqQuant-c/Passes.h"
#include "EqQuant/InitAll.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/CAPI/Pass.h"
#include "mlir/Pass/Pass.h"

#include <mutex>

using namespace mlir::eqq;

// The generated definitions of mlirCreateEqQuant<Name>Pass and
// mlirRegisterEqQuant<Name>Pass (their declarations, with the export
// attribute, come from EqQuant-c/Passes.h).
#ifdef __cplusplus
extern "C" {
#endif
#include "EqQuant/Transforms/Passes.capi.cpp.inc"
#ifdef __cplusplus
}
#endif

void mlirEqQuantRegisterAllPasses(void) {
  // Once: mlirEqQuantRunPipeline calls this on every run, maybe from several
  // threads, and the global registry has no lock.
  static std::once_flag registered;
  std::call_once(registered, [] { registerAllPasses(); });
}
