//===- DropLoopBarriers.cpp - the --eqq-drop-loop-barriers pass -----------===//
//
// Marks `nowait` the worksharing loops whose barrier the end of their
// parallel region makes redundant.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_DROPLOOPBARRIERSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

namespace {
struct DropLoopBarriersPass
    : eqq::impl::DropLoopBarriersPassBase<DropLoopBarriersPass> {
  void runOnOperation() override {
    getOperation().walk([](omp::WsloopOp loop) {
      // Directly in a parallel region, followed only by its terminator: the
      // region's end is the barrier every thread meets.
      Operation *next = loop->getNextNode();
      if (!isa_and_nonnull<omp::ParallelOp>(loop->getParentOp()) ||
          !isa_and_nonnull<omp::TerminatorOp>(next) ||
          !loop.getReductionVars().empty())
        return;
      loop.setNowait(true);
    });
  }
};
} // namespace
