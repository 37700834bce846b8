//===- FuseElementwise.cpp - the --eqq-fuse-elementwise pass --------------===//
//
// Upstream elementwise fusion of linalg ops, restricted so that an integer
// layer keeps reading its quantized input from memory, a layer's epilogue
// stays with the layer, and no loop is computed twice.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

/// Whether `op` is a linalg op whose loops are all parallel.
static bool allParallel(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumLoops() == linalgOp.getNumParallelLoops();
}

/// The inputs of an elementwise op that carry data (not constants).
static unsigned countDataInputs(linalg::LinalgOp op) {
  unsigned n = 0;
  for (OpOperand *input : op.getDpsInputOperands())
    if (!input->get().getDefiningOp<arith::ConstantOp>())
      ++n;
  return n;
}

/// Whether `op` reads the accumulators of an integer layer (the i32 result
/// of a linalg op with reduction loops: a conv, a matmul): it is that
/// layer's epilogue, which the layer's kernel computes from its registers.
/// (A max pool's int8 result is no accumulator: its kernel has no
/// epilogue.)
static bool readsLayer(linalg::LinalgOp op) {
  return llvm::any_of(op.getDpsInputOperands(), [](OpOperand *input) {
    auto producer = input->get().getDefiningOp<linalg::LinalgOp>();
    return producer && producer.getNumReductionLoops() > 0 &&
           getElementTypeOrSelf(input->get().getType()).isInteger(32);
  });
}

/// Whether `op`, an elementwise op of one data input, feeds a join: an
/// elementwise op of two data inputs or more (a residual add).
static bool feedsJoin(linalg::LinalgOp op) {
  if (countDataInputs(op) != 1 || !op->hasOneUse())
    return false;
  auto user = dyn_cast<linalg::LinalgOp>(*op->user_begin());
  return user && allParallel(user) && countDataInputs(user) >= 2;
}

namespace {
/// linalg.add and its kin as linalg.generic, so that they fuse with the
/// elementwise ops around them (a residual add with the dequantizes of its
/// operands and the relu and quantize after it).
template <typename NamedOp>
struct GeneralizeElementwise : OpRewritePattern<NamedOp> {
  using OpRewritePattern<NamedOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NamedOp op,
                                PatternRewriter &rewriter) const override {
    return linalg::generalizeNamedOp(rewriter, op);
  }
};

struct FuseElementwisePass
    : eqq::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GeneralizeElementwise<linalg::AddOp>,
                 GeneralizeElementwise<linalg::SubOp>,
                 GeneralizeElementwise<linalg::MulOp>,
                 GeneralizeElementwise<linalg::DivOp>,
                 GeneralizeElementwise<linalg::MaxOp>,
                 GeneralizeElementwise<linalg::MinOp>>(&getContext());
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      auto producer = fused->get().getDefiningOp<linalg::LinalgOp>();
      if (!consumer || !producer || !allParallel(consumer))
        return false;
      // A producer that others read too would be computed twice, and its
      // inputs read twice, where its result is only read twice.
      if (!fused->get().hasOneUse())
        return false;
      // A layer's epilogue (the requantize after a conv) stays with the
      // layer, which computes it from its accumulators and writes int8:
      // not into a join, and not into the dequantize that leads to one
      // (the layer would write f32, four times the bytes, for the join to
      // read).
      if (readsLayer(producer) &&
          (countDataInputs(consumer) >= 2 || feedsJoin(consumer)))
        return false;
      return true;
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
