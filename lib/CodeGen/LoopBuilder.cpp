//===- LoopBuilder.cpp - loop nests for the kernel passes -----------------===//

#include "LoopBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::eqq;

Value LoopBuilder::cst(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v).getResult();
}

void LoopBuilder::parallel(ArrayRef<std::array<int64_t, 3>> ranges,
                           function_ref<void(ValueRange)> body) {
  SmallVector<Value> lbs, ubs, steps;
  for (auto [lo, hi, step] : ranges) {
    if (hi <= lo)
      return;
    lbs.push_back(cst(lo));
    ubs.push_back(cst(hi));
    steps.push_back(cst(step));
  }
  auto loop = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVars());
}

void LoopBuilder::forLoop(int64_t lo, int64_t hi, int64_t step,
                          function_ref<void(Value)> body) {
  if (hi <= lo)
    return;
  auto loop = scf::ForOp::create(b, loc, cst(lo), cst(hi), cst(step));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
}

SmallVector<Value> LoopBuilder::forLoopCarrying(
    int64_t hi, ValueRange inits,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto loop = scf::ForOp::create(
      b, loc, cst(0), cst(hi), cst(1), inits,
      [&](OpBuilder &nb, Location, Value iv, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        scf::YieldOp::create(b, loc, body(iv, carried));
      });
  return SmallVector<Value>(loop.getResults());
}
