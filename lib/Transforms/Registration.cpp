//===- Registration.cpp - register EqQuant dialects and passes ------------===//

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/InitAll.h"
#include "EqQuant/Transforms/Passes.h"
#include "EqQuant/Transforms/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::eqq::registerAllDialects(DialectRegistry &registry) {
  registry.insert<EqqDialect, quant::QuantDialect, arith::ArithDialect,
                  func::FuncDialect, linalg::LinalgDialect,
                  tensor::TensorDialect>();
}

void mlir::eqq::registerAllPasses() {
  registerEqQuantPasses();
  registerPipelines();
}
