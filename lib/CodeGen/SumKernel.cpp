//===- SumKernel.cpp - integer window sums on vectors ---------------------===//

#include "SumKernel.h"
#include "VectorBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineExprVisitor.h"

using namespace mlir;

static constexpr int64_t kLanes = 16;

/// `map`'s results with the loops of one iteration (unit ranges) at 0.
static SmallVector<AffineExpr> withUnitDimsAtZero(AffineMap map,
                                                  ArrayRef<int64_t> ranges) {
  MLIRContext *ctx = map.getContext();
  SmallVector<AffineExpr> dims;
  for (auto [d, range] : llvm::enumerate(ranges))
    dims.push_back(range == 1 ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(d, ctx));
  SmallVector<AffineExpr> results;
  for (AffineExpr e : map.getResults())
    results.push_back(
        simplifyAffineExpr(e.replaceDims(dims), map.getNumDims(), 0));
  return results;
}

/// The loops `results` read, in order, when each result is a loop or 0 and
/// the memref's size along a result is the loop's range (1 for a 0).
static std::optional<SmallVector<unsigned>>
readLoops(ArrayRef<AffineExpr> results, MemRefType type,
          ArrayRef<int64_t> ranges) {
  SmallVector<unsigned> loops;
  for (auto [e, size] : llvm::zip_equal(results, type.getShape())) {
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      if (c.getValue() != 0 || size != 1)
        return std::nullopt;
      continue;
    }
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d || ranges[d.getPosition()] != size)
      return std::nullopt;
    loops.push_back(d.getPosition());
  }
  return loops;
}

/// The value the body adds to its accumulator, when it yields `acc + v`,
/// v depends on the first input alone and every op computes lane by lane.
static Value addend(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  Value acc = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  auto add = cast<linalg::YieldOp>(body.getTerminator())
                 .getOperand(0)
                 .getDefiningOp<arith::AddIOp>();
  if (!add || !acc.hasOneUse() || !llvm::all_of(body, eqq::isVectorizable))
    return nullptr;
  Value v = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (!llvm::is_contained(add->getOperands(), acc) || v == acc)
    return nullptr;
  for (BlockArgument arg : llvm::drop_begin(body.getArguments()))
    if (arg != acc && !arg.use_empty())
      return nullptr;
  return v;
}

bool mlir::eqq::isIntegerRowSum(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() < 1 || op.getNumReductionLoops() == 0)
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return false;
  OpOperand *in = op.getDpsInputOperand(0), *out = op.getDpsInitOperand(0);
  auto inType = dyn_cast<MemRefType>(in->get().getType());
  auto outType = dyn_cast<MemRefType>(out->get().getType());
  if (!inType || !outType || !inType.hasStaticShape() ||
      !outType.hasStaticShape() || !inType.getLayout().isIdentity() ||
      !outType.getLayout().isIdentity() ||
      !inType.getElementType().isSignlessInteger(8) ||
      !outType.getElementType().isSignlessInteger(32) || !addend(op))
    return false;
  // The loops that run more than once: parallel ones, then reductions.
  SmallVector<unsigned> parallel, reduction;
  for (auto [d, iter] : llvm::enumerate(op.getIteratorTypesArray()))
    if (ranges[d] > 1)
      (iter == utils::IteratorType::parallel ? parallel : reduction)
          .push_back(d);
  if (reduction.empty())
    return false;
  std::optional<SmallVector<unsigned>> inLoops =
      readLoops(withUnitDimsAtZero(op.getMatchingIndexingMap(in), ranges),
                inType, ranges);
  std::optional<SmallVector<unsigned>> outLoops =
      readLoops(withUnitDimsAtZero(op.getMatchingIndexingMap(out), ranges),
                outType, ranges);
  SmallVector<unsigned> both(parallel);
  both.append(reduction);
  // Row-major: output element p reads the block [p * L, (p + 1) * L) of x.
  return inLoops && outLoops && *inLoops == both && *outLoops == parallel;
}

/// `memref` as one dimension (identity layout).
static Value flatten(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.getRank() == 1)
    return memref;
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return memref::CollapseShapeOp::create(b, loc, memref,
                                         ArrayRef<ReassociationIndices>{all});
}

void mlir::eqq::buildIntegerRowSum(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  int64_t total = cast<MemRefType>(op.getDpsInputOperand(0)->get().getType())
                      .getNumElements();
  int64_t outputs = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType())
                        .getNumElements();
  int64_t length = total / outputs, full = length / kLanes * kLanes;
  Value x = flatten(b, loc, op.getDpsInputOperand(0)->get());
  Value y = flatten(b, loc, op.getDpsInitOperand(0)->get());
  Block &body = op.getRegion().front();
  BlockArgument xArg = body.getArgument(0);
  BlockArgument accArg = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  auto i32Vec = VectorType::get({kLanes}, b.getI32Type());
  auto bytes = VectorType::get({kLanes}, b.getI8Type());
  auto mask1 = VectorType::get({kLanes}, b.getI1Type());

  auto loops = scf::ParallelOp::create(
      b, loc, ValueRange{cst(0)}, ValueRange{cst(outputs)}, ValueRange{cst(1)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loops.getBody()->getTerminator());
  Value p = loops.getInductionVars()[0];
  Value base = arith::MulIOp::create(b, loc, p, cst(length));
  // acc + f(x) on the lanes of xv.
  auto step = [&](Value acc, Value xv) {
    IRMapping map;
    map.map(xArg, xv);
    map.map(accArg, acc);
    return eqq::buildBodyOnVectors(b, loc, body, map, kLanes);
  };
  Value acc = arith::ConstantOp::create(b, loc, b.getZeroAttr(i32Vec));
  if (full > 0) {
    auto loop = scf::ForOp::create(b, loc, cst(0), cst(full), cst(kLanes),
                                   ValueRange{acc});
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value at = arith::AddIOp::create(b, loc, base, loop.getInductionVar());
    Value xv = vector::LoadOp::create(b, loc, bytes, x, ValueRange{at});
    scf::YieldOp::create(b, loc, step(loop.getRegionIterArgs()[0], xv));
    acc = loop.getResult(0);
  }
  if (length > full) {
    // The last lanes, masked: a lane past the block keeps its sum.
    Value at = arith::AddIOp::create(b, loc, base, cst(full));
    Value mask = vector::ConstantMaskOp::create(
        b, loc, mask1, ArrayRef<int64_t>{length - full});
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(bytes));
    Value xv = vector::MaskedLoadOp::create(b, loc, bytes, x, ValueRange{at},
                                            mask, zero);
    acc = arith::SelectOp::create(b, loc, mask, step(acc, xv), acc);
  }
  Value sum =
      vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, acc);
  Value start = memref::LoadOp::create(b, loc, y, ValueRange{p});
  memref::StoreOp::create(b, loc, arith::AddIOp::create(b, loc, start, sum), y,
                          ValueRange{p});
  op.erase();
}
