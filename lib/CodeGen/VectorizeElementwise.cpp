//===- VectorizeElementwise.cpp - the --eqq-vectorize-elementwise pass ----===//
//
// Elementwise linalg.generic ops on buffers that no kernel absorbed
// (dequantize, activation and requantize chains between layers, quantized
// adds, a requantize a second consumer of a layer repeats) become loops
// over vectors of 16 elements along the innermost dimension.
//
//===----------------------------------------------------------------------===//

#include "VectorBody.h"

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_VECTORIZEELEMENTWISEPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

static constexpr int64_t kLanes = 16;

/// An all-parallel generic on statically shaped, row-major buffers that
/// writes one output with the identity map and does not read it, whose
/// inputs are read with projections (and constant zeros) that keep the
/// innermost loop innermost or drop it, and whose body is lane-by-lane
/// arithmetic.
static bool isCandidate(linalg::GenericOp g) {
  if (!g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumLoops() == 0 || g.getNumReductionLoops() != 0)
    return false;
  int64_t innermost = g.getNumLoops() - 1;
  for (OpOperand &operand : g->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
      return false;
    AffineMap map = g.getMatchingIndexingMap(&operand);
    // Broadcast dimensions may be read at a constant 0 (a [N, C, 1, 1]
    // tensor in an N x C x H x W loop nest).
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return false;
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(innermost, g.getContext()));
    if (pos && *pos != map.getNumResults() - 1)
      return false;
  }
  OpOperand *init = g.getDpsInitOperand(0);
  if (!g.getMatchingIndexingMap(init).isIdentity() ||
      !g.getMatchingBlockArgument(init).use_empty())
    return false;
  // Scalars from outside the body must be usable where the loops are.
  Block &body = g.getRegion().front();
  return llvm::all_of(body, eqq::isVectorizable);
}

/// Loops over every dimension but the innermost (in parallel), and along
/// the innermost vectors of 16 elements, the last one masked.
static void vectorize(linalg::GenericOp g) {
  OpBuilder b(g);
  Location loc = g.getLoc();
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  int64_t rank = ranges.size(), n = ranges.back();
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Block &body = g.getRegion().front();
  Value out = g.getDpsInitOperand(0)->get();
  auto step = [&](ArrayRef<Value> outer, Value x, int64_t valid) {
    SmallVector<Value> ivs(outer.begin(), outer.end());
    ivs.push_back(x);
    IRMapping map;
    for (OpOperand *in : g.getDpsInputOperands()) {
      BlockArgument arg = g.getMatchingBlockArgument(in);
      if (arg.use_empty())
        continue;
      SmallVector<Value> idx;
      bool alongLanes = false;
      for (AffineExpr e : g.getMatchingIndexingMap(in).getResults()) {
        if (auto c = dyn_cast<AffineConstantExpr>(e)) {
          idx.push_back(cst(c.getValue()));
          continue;
        }
        unsigned dim = cast<AffineDimExpr>(e).getPosition();
        idx.push_back(ivs[dim]);
        alongLanes |= dim == rank - 1;
      }
      map.map(arg, eqq::loadLanes(b, loc, in->get(), idx, kLanes, valid,
                                  alongLanes));
    }
    Value result = eqq::buildBodyOnVectors(b, loc, body, map, kLanes);
    eqq::storeLanes(b, loc, result, out, ivs, valid);
  };
  auto row = [&](ArrayRef<Value> outer) {
    int64_t full = n / kLanes * kLanes;
    if (full > 0) {
      auto loop = scf::ForOp::create(b, loc, cst(0), cst(full), cst(kLanes));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      step(outer, loop.getInductionVar(), kLanes);
    }
    if (n > full)
      step(outer, cst(full), n - full);
  };
  if (rank == 1) {
    row({});
  } else {
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d = 0; d + 1 < rank; ++d) {
      lbs.push_back(cst(0));
      ubs.push_back(cst(ranges[d]));
      steps.push_back(cst(1));
    }
    auto loops = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loops.getBody()->getTerminator());
    row(llvm::to_vector(loops.getInductionVars()));
  }
  g.erase();
}

namespace {
struct VectorizeElementwisePass
    : eqq::impl::VectorizeElementwisePassBase<VectorizeElementwisePass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk([&](linalg::GenericOp g) {
      if (isCandidate(g))
        candidates.push_back(g);
    });
    for (linalg::GenericOp g : candidates)
      vectorize(g);
  }
};
} // namespace
