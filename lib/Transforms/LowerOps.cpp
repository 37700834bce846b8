//===- LowerOps.cpp - the --eqq-lower-ops pass ----------------------------===//
//
// Lowers eqq ops on tensors to linalg: observers vanish, equalization
// multiplies become elementwise linalg.generic ops.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_LOWEROPSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

namespace {

/// Observers are the identity on data.
template <typename OpTy> struct EraseObserver : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op->getOperand(0));
    return success();
  }
};

/// eq_scale -> linalg.generic { mulf(in, scale[c]) }.
struct LowerEqScale : OpRewritePattern<EqScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EqScaleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    ArrayRef<float> scale = op.getScale();
    auto scaleType = RankedTensorType::get({static_cast<int64_t>(scale.size())},
                                           type.getElementType());
    Value scales = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(scaleType, scale));
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channel =
        AffineMap::get(rank, 0, getAffineDimExpr(op.getAxis(), ctx));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{op.getInput(), scales},
        ValueRange{init}, ArrayRef<AffineMap>{id, channel, id}, iterators,
        [](OpBuilder &b, Location nested, ValueRange args) {
          Value mul = arith::MulFOp::create(b, nested, args[0], args[1]);
          linalg::YieldOp::create(b, nested, mul);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct LowerOpsPass : eqq::impl::LowerOpsPassBase<LowerOpsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<EraseObserver<ActObserverOp>, EraseObserver<WeightObserverOp>,
                 EraseObserver<InputEqObserverOp>,
                 EraseObserver<WeightEqObserverOp>, LowerEqScale>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
