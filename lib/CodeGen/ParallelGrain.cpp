//===- ParallelGrain.cpp - the --eqq-parallel-grain pass ------------------===//
//
// Turns the scf.parallel loops whose estimated work is too small to share
// between threads into sequential scf.for nests.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_PARALLELGRAINPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

/// The iterations of a loop dimension with constant bounds; 1 otherwise.
static int64_t tripCount(Value lb, Value ub, Value step) {
  APInt lo, hi, st;
  if (!matchPattern(lb, m_ConstantInt(&lo)) ||
      !matchPattern(ub, m_ConstantInt(&hi)) ||
      !matchPattern(step, m_ConstantInt(&st)) || st.getSExtValue() <= 0)
    return 1;
  return std::max<int64_t>(
      0, llvm::divideCeil(hi.getSExtValue() - lo.getSExtValue(),
                          st.getSExtValue()));
}

/// The cap of the estimates, so that their sums and products cannot
/// overflow.
static constexpr int64_t kCap = int64_t(1) << 40;

/// The iterations of a parallel loop (all its dimensions), capped.
static int64_t parallelTrips(scf::ParallelOp loop) {
  int64_t trips = 1;
  for (auto [lb, ub, st] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
    trips = std::min(kCap, trips * tripCount(lb, ub, st));
  return trips;
}

/// Ops executed by one run of `region`: each op counts one, a loop's body
/// counts once per iteration, capped.
static int64_t estimateWork(Region &region) {
  int64_t work = 0;
  for (Block &block : region)
    for (Operation &op : block) {
      int64_t inner = 0;
      for (Region &r : op.getRegions())
        inner = std::max(inner, estimateWork(r));
      int64_t trips = 1;
      if (auto loop = dyn_cast<scf::ForOp>(op))
        trips = tripCount(loop.getLowerBound(), loop.getUpperBound(),
                          loop.getStep());
      if (auto loop = dyn_cast<scf::ParallelOp>(op))
        trips = parallelTrips(loop);
      work = std::min(kCap, work + 1 + std::min(kCap, trips * inner));
    }
  return work;
}

/// Replaces `loop` (no reductions) by a nest of scf.for over its
/// dimensions, outermost first.
static void makeSequential(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  IRMapping map;
  for (auto [iv, lb, ub, st] :
       llvm::zip(loop.getInductionVars(), loop.getLowerBound(),
                 loop.getUpperBound(), loop.getStep())) {
    auto inner = scf::ForOp::create(b, loc, lb, ub, st);
    map.map(iv, inner.getInductionVar());
    b.setInsertionPoint(inner.getBody()->getTerminator());
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
  loop.erase();
}

namespace {
struct ParallelGrainPass : eqq::impl::ParallelGrainPassBase<ParallelGrainPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> small;
    // Outermost parallel loops only: a nested one runs inside its parent's
    // threads anyway.
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      double work = static_cast<double>(estimateWork(loop.getRegion())) *
                    static_cast<double>(parallelTrips(loop));
      if (loop.getNumResults() == 0 && work < static_cast<double>(minWork))
        small.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ParallelOp loop : small)
      makeSequential(loop);
  }
};
} // namespace
