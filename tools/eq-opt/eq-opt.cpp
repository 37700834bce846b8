//===- eq-opt.cpp - mlir-opt with the eqq dialect and passes --------------===//
//
// Behaves like mlir-opt (every upstream dialect, extension and pass) plus the
// eqq dialect and the EqQuant passes and pipelines.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/InitAll.h"
#include "EqQuant/Runtime/Jit.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  // Calibration and auto-alpha run the model once per batch.
  mlir::eqq::keepFreedMemoryForReuse();
  mlir::registerAllPasses();
  mlir::eqq::registerAllPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::eqq::registerAllDialects(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "EqQuant optimizer driver\n", registry));
}
