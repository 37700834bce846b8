//===- ExpandMath.cpp - the --eqq-expand-math pass ------------------------===//

#include "ExpApproximation.h"

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_EXPANDMATHPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

namespace {
/// math.exp on f32 (or vectors of f32) as eqq::buildApproximateExp.
struct ExpandExp : OpRewritePattern<math::ExpOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    if (!getElementTypeOrSelf(op.getType()).isF32())
      return rewriter.notifyMatchFailure(op, "not f32");
    rewriter.replaceOp(
        op, eqq::buildApproximateExp(rewriter, op.getLoc(), op.getOperand()));
    return success();
  }
};

struct ExpandMathPass : eqq::impl::ExpandMathPassBase<ExpandMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // erf and erfc: LLVM has no intrinsic for them.
    patterns.add<math::ErfPolynomialApproximation,
                 math::ErfcPolynomialApproximation>(&getContext());
    // exp on f32 (softmax, sigmoid): LLVM lowers a vector exp to a libm
    // call per lane, 10% of a MiniLM's int8 time; ExpApproximation.h's
    // polynomial, which --eqq-lookup-tables evaluates too. The other
    // functions LLVM lowers (tanh, sqrt) keep that lowering.
    patterns.add<ExpandExp>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
