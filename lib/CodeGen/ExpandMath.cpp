//===- ExpandMath.cpp - the --eqq-expand-math pass ------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_EXPANDMATHPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

namespace {
struct ExpandMathPass : eqq::impl::ExpandMathPassBase<ExpandMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Only the functions LLVM has no intrinsic for; the others keep LLVM's
    // lowering (libm's results, which the tests compare with PyTorch's).
    patterns.add<math::ErfPolynomialApproximation,
                 math::ErfcPolynomialApproximation>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
