//===- consumer-opt.cpp - an opt tool built against an installed EqQuant --===//
//
// The upstream dialects a float model uses plus everything EqQuant provides,
// driven by MlirOptMain (so `--eqq-prepare` and friends parse).
//
//===----------------------------------------------------------------------===//

#include "EqQuant/InitAll.h"
// Not needed for the tool; proves the installed headers and the generated
// .inc files they include compile outside the EqQuant build.
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::eqq::registerAllPasses();

  mlir::DialectRegistry registry;
  registry.insert<mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::tensor::TensorDialect,
                  mlir::eqq::EqqDialect>();
  mlir::eqq::registerAllDialects(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "EqQuant install consumer\n", registry));
}
