//===- FuseElementwise.cpp - the --eqq-fuse-elementwise pass --------------===//
//
// Upstream elementwise fusion of linalg ops, restricted to consumers whose
// loops are all parallel, so that an integer layer keeps reading its
// quantized input from memory.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

namespace {
struct FuseElementwisePass
    : eqq::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return consumer &&
             consumer.getNumLoops() == consumer.getNumParallelLoops();
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
