//===- VectorizeElementwise.cpp - the --eqq-vectorize-elementwise pass ----===//
//
// Elementwise linalg.generic ops on buffers that no kernel absorbed
// (dequantize, activation and requantize chains between layers, quantized
// adds, a requantize a second consumer of a layer repeats) become loops
// over vectors of 16 elements along the innermost dimension; so do
// reductions along the innermost dimension (layer norms' and softmaxes'
// sums and maxima), with 16 partial results per row.
//
//===----------------------------------------------------------------------===//

#include "VectorBody.h"

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

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

/// Rows at least this long take no merging (mergeRows): a row of 1024
/// elements is 64 vectors, its masked remainder no more than one step.
static constexpr int64_t kLongRow = 1024;

/// The first loop of the longest run of trailing loops [k, L) of `g` that
/// every operand reads all together, in order, as its last indices, or not
/// at all: over row-major buffers, the elements of such loops are
/// consecutive in memory for every operand that reads them.
static int64_t firstMergeableLoop(linalg::GenericOp g) {
  int64_t loops = g.getNumLoops();
  auto mergeable = [&](int64_t k) {
    for (OpOperand &operand : g->getOpOperands()) {
      AffineMap map = g.getMatchingIndexingMap(&operand);
      int64_t results = map.getNumResults(), count = loops - k;
      bool reads = false, all = results >= count;
      for (int64_t d = k; d < loops; ++d) {
        std::optional<unsigned> pos =
            map.getResultPosition(getAffineDimExpr(d, g.getContext()));
        reads |= pos.has_value();
        all &= pos && *pos == static_cast<unsigned>(results - count + d - k);
      }
      if (reads && !all)
        return false;
    }
    return true;
  };
  int64_t k = loops - 1;
  while (k > 0 && mergeable(k - 1))
    --k;
  return k;
}

/// Rewrites a candidate whose rows are short or end in a partial vector
/// (a residual add on 14 x 14 or 7 x 7 maps ran 14 or 7 masked lanes per
/// row, and AVX2 loads masked bytes one at a time) as one over long rows:
/// its trailing loops that every operand reads together become one (each
/// such operand collapsed), split into rows of R elements, R the smallest
/// multiple of 16 from kLongRow up that divides their count, so no vector
/// is masked and the rows stay work for several threads; without such an
/// R, one row per index of the loops before. Returns the op to vectorize
/// (`g` itself when nothing changes).
static linalg::GenericOp mergeRows(linalg::GenericOp g) {
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  int64_t loops = ranges.size();
  if (ranges.back() % kLanes == 0 || ranges.back() >= kLongRow)
    return g;
  int64_t k = firstMergeableLoop(g);
  auto product = [&](int64_t from, int64_t to) {
    return computeProduct(ArrayRef(ranges).slice(from, to - from));
  };
  int64_t merged = product(k, loops), row = 0;
  if (merged % kLanes == 0)
    for (int64_t r = kLongRow; r <= merged && !row; r += kLanes)
      if (merged % r == 0)
        row = r;
  if (!row) {
    // One long row per index of the outer loops: keep some of those for
    // the threads.
    while (k < loops - 1 && product(0, k) == 1 && product(k, loops) > 4096)
      ++k;
    merged = product(k, loops);
    row = merged;
  }
  if (k == loops - 1 && row == merged)
    return g;

  OpBuilder b(g);
  Location loc = g.getLoc();
  MLIRContext *ctx = g.getContext();
  bool split = row != merged;
  int64_t newLoops = k + (split ? 2 : 1), count = loops - k;
  SmallVector<AffineExpr> tail{getAffineDimExpr(k, ctx)};
  if (split)
    tail.push_back(getAffineDimExpr(k + 1, ctx));
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (OpOperand &operand : g->getOpOperands()) {
    AffineMap map = g.getMatchingIndexingMap(&operand);
    Value v = operand.get();
    bool reads =
        map.getResultPosition(getAffineDimExpr(loops - 1, ctx)).has_value();
    SmallVector<AffineExpr> results;
    int64_t kept = reads ? map.getNumResults() - count : map.getNumResults();
    for (int64_t i = 0; i < kept; ++i)
      results.push_back(map.getResult(i));
    if (reads) {
      auto type = cast<MemRefType>(v.getType());
      SmallVector<ReassociationIndices> groups;
      for (int64_t i = 0; i < kept; ++i)
        groups.push_back({i});
      ReassociationIndices last;
      for (int64_t i = kept; i < type.getRank(); ++i)
        last.push_back(i);
      groups.push_back(last);
      if (count > 1)
        v = memref::CollapseShapeOp::create(b, loc, v, groups);
      if (split) {
        SmallVector<int64_t> shape(type.getShape().take_front(kept));
        shape.append({merged / row, row});
        SmallVector<ReassociationIndices> expand;
        for (int64_t i = 0; i < kept; ++i)
          expand.push_back({i});
        expand.push_back({kept, kept + 1});
        v = memref::ExpandShapeOp::create(b, loc, shape, v, expand);
      }
      results.append(tail);
    }
    operands.push_back(v);
    maps.push_back(AffineMap::get(newLoops, 0, results, ctx));
  }
  int64_t inputs = g.getNumDpsInputs();
  auto rows = linalg::GenericOp::create(
      b, loc, TypeRange{}, ArrayRef(operands).take_front(inputs),
      ArrayRef(operands).drop_front(inputs), maps,
      SmallVector<utils::IteratorType>(newLoops,
                                       utils::IteratorType::parallel));
  rows.getRegion().takeBody(g.getRegion());
  g.erase();
  return rows;
}

/// Maps each input block argument `g`'s body reads to its `kLanes` lanes
/// at the loop indices `ivs` (the first `valid` real along the innermost
/// loop; an input that does not vary along it broadcast).
static void loadInputs(OpBuilder &b, Location loc, linalg::GenericOp g,
                       ArrayRef<Value> ivs, int64_t valid, IRMapping &map) {
  int64_t innermost = g.getNumLoops() - 1;
  for (OpOperand *in : g.getDpsInputOperands()) {
    BlockArgument arg = g.getMatchingBlockArgument(in);
    if (arg.use_empty())
      continue;
    SmallVector<Value> idx;
    bool alongLanes = false;
    for (AffineExpr e : g.getMatchingIndexingMap(in).getResults()) {
      if (auto c = dyn_cast<AffineConstantExpr>(e)) {
        idx.push_back(arith::ConstantIndexOp::create(b, loc, c.getValue()));
        continue;
      }
      unsigned dim = cast<AffineDimExpr>(e).getPosition();
      idx.push_back(ivs[dim]);
      alongLanes |= dim == innermost;
    }
    map.map(arg,
            eqq::loadLanes(b, loc, in->get(), idx, kLanes, valid, alongLanes));
  }
}

/// Calls `row` with the indices of every loop but the innermost, inside
/// parallel loops over them (with none, once).
static void forEachRow(OpBuilder &b, Location loc, ArrayRef<int64_t> ranges,
                       llvm::function_ref<void(ArrayRef<Value>)> row) {
  if (ranges.size() == 1)
    return row({});
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t range : ranges.drop_back()) {
    lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, range));
    steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
  }
  auto loops = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loops.getBody()->getTerminator());
  row(llvm::to_vector(loops.getInductionVars()));
}

/// Loops over every dimension but the innermost (in parallel), and along
/// the innermost vectors of 16 elements, the last one masked.
static void vectorize(linalg::GenericOp g) {
  OpBuilder b(g);
  Location loc = g.getLoc();
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  int64_t n = ranges.back();
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Block &body = g.getRegion().front();
  Value out = g.getDpsInitOperand(0)->get();
  auto step = [&](ArrayRef<Value> outer, Value x, int64_t valid) {
    SmallVector<Value> ivs(outer.begin(), outer.end());
    ivs.push_back(x);
    IRMapping map;
    loadInputs(b, loc, g, ivs, valid, map);
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
  forEachRow(b, loc, ranges, row);
  g.erase();
}

/// The kind of a row reduction's combining op, when the body yields
/// `combine(acc, v)` with acc the output's block argument (read there
/// alone) and combine an addf, maximumf, minimumf or addi.
static std::optional<vector::CombiningKind> rowCombiner(linalg::GenericOp g) {
  Block &body = g.getRegion().front();
  Value acc = g.getMatchingBlockArgument(g.getDpsInitOperand(0));
  Operation *combine =
      cast<linalg::YieldOp>(body.getTerminator()).getOperand(0).getDefiningOp();
  if (!combine || combine->getBlock() != &body || !acc.hasOneUse() ||
      combine->getNumOperands() != 2 ||
      !llvm::is_contained(combine->getOperands(), acc) ||
      combine->getOperand(0) == combine->getOperand(1))
    return std::nullopt;
  if (isa<arith::AddFOp, arith::AddIOp>(combine))
    return vector::CombiningKind::ADD;
  if (isa<arith::MaximumFOp>(combine))
    return vector::CombiningKind::MAXIMUMF;
  if (isa<arith::MinimumFOp>(combine))
    return vector::CombiningKind::MINIMUMF;
  return std::nullopt;
}

/// A generic on statically shaped, row-major buffers whose one reduction
/// loop is the innermost, that writes one output (read as the accumulator
/// alone) through a projection of the other loops, reads its inputs as
/// elementwise ops do (the innermost loop innermost or absent) and whose
/// body is lane-by-lane arithmetic ending in a rowCombiner.
static bool isRowReduction(linalg::GenericOp g) {
  if (!g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 1 ||
      g.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  int64_t innermost = g.getNumLoops() - 1;
  AffineExpr lanes = getAffineDimExpr(innermost, g.getContext());
  for (OpOperand &operand : g->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
        !type.getElementType().isIntOrFloat())
      return false;
    AffineMap map = g.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return false;
    std::optional<unsigned> pos = map.getResultPosition(lanes);
    if (pos && *pos != map.getNumResults() - 1)
      return false;
    if (pos && g.isDpsInit(&operand))
      return false;
  }
  Block &body = g.getRegion().front();
  return rowCombiner(g) && llvm::all_of(body, eqq::isVectorizable);
}

/// The identity of `kind` on `type`'s elements: -0 for a float sum (a sum
/// of -0s stays -0), 0 for an integer sum, -inf for a maximum, +inf for a
/// minimum.
static TypedAttr identity(vector::CombiningKind kind, Type type) {
  if (isa<IntegerType>(type))
    return IntegerAttr::get(type, 0);
  auto ft = cast<FloatType>(type);
  const llvm::fltSemantics &sem = ft.getFloatSemantics();
  switch (kind) {
  case vector::CombiningKind::MAXIMUMF:
    return FloatAttr::get(ft, APFloat::getInf(sem, /*Negative=*/true));
  case vector::CombiningKind::MINIMUMF:
    return FloatAttr::get(ft, APFloat::getInf(sem, /*Negative=*/false));
  default:
    return FloatAttr::get(ft, APFloat::getZero(sem, /*Negative=*/true));
  }
}

/// The constant a `linalg.fill` writes into all of `out` before `g` with
/// no access to `out` in between, when `out` is a fresh allocation read and
/// written only directly (nothing else can see the fill's values): g's
/// output elements can start from it, and the fill, whose every element g
/// overwrites, can go. Null otherwise.
static linalg::FillOp fillBefore(linalg::GenericOp g, Value out) {
  if (!out.getDefiningOp<memref::AllocOp>() || !eqq::isPrivateBuffer(out))
    return nullptr;
  for (Operation *prev = g->getPrevNode(); prev; prev = prev->getPrevNode()) {
    auto fill = dyn_cast<linalg::FillOp>(prev);
    if (fill && fill.hasPureBufferSemantics() &&
        fill.getDpsInitOperand(0)->get() == out &&
        matchPattern(fill.getInputs()[0], m_Constant()))
      return fill;
    if (llvm::any_of(out.getUsers(),
                     [&](Operation *user) { return prev->isAncestor(user); }))
      return nullptr;
  }
  return nullptr;
}

/// Loops over the other dimensions (in parallel), and along each row an
/// accumulator of 16 lanes: lane l combines the row's elements l, l + 16,
/// ... (the last vector masked: its lanes past the row keep their value),
/// then the lanes are combined into the output element. A maximum or
/// minimum gives the same value as the loops; a float sum is reassociated
/// (16 partial sums, then their sum), as vectorized sums are (PyTorch's
/// included).
static void vectorizeRowReduction(linalg::GenericOp g) {
  OpBuilder b(g);
  Location loc = g.getLoc();
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  int64_t n = ranges.back();
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Block &body = g.getRegion().front();
  OpOperand *init = g.getDpsInitOperand(0);
  Value out = init->get();
  Type elementType = cast<MemRefType>(out.getType()).getElementType();
  auto vecType = VectorType::get({kLanes}, elementType);
  vector::CombiningKind kind = *rowCombiner(g);
  Operation *combine =
      cast<linalg::YieldOp>(body.getTerminator()).getOperand(0).getDefiningOp();
  // A fill of the output right before (a softmax's -inf for its maximum, 0
  // for its sum) is the start value itself: no pass over the output, and
  // nothing between this loop and the one before it.
  linalg::FillOp fill = fillBefore(g, out);

  // acc combined with the body's value on the lanes from x (`valid` real).
  auto step = [&](ArrayRef<Value> outer, Value x, Value acc, int64_t valid) {
    SmallVector<Value> ivs(outer.begin(), outer.end());
    ivs.push_back(x);
    IRMapping map;
    map.map(g.getMatchingBlockArgument(init), acc);
    loadInputs(b, loc, g, ivs, valid, map);
    Value next = eqq::buildBodyOnVectors(b, loc, body, map, kLanes);
    if (valid == kLanes)
      return next;
    Value mask = vector::ConstantMaskOp::create(
        b, loc, VectorType::get({kLanes}, b.getI1Type()),
        ArrayRef<int64_t>{valid});
    return arith::SelectOp::create(b, loc, mask, next, acc).getResult();
  };
  auto row = [&](ArrayRef<Value> outer) {
    Value acc = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecType, identity(kind, elementType)));
    int64_t full = n / kLanes * kLanes;
    if (full > 0) {
      auto loop = scf::ForOp::create(b, loc, cst(0), cst(full), cst(kLanes),
                                     ValueRange{acc});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      scf::YieldOp::create(b, loc,
                           step(outer, loop.getInductionVar(),
                                loop.getRegionIterArgs()[0], kLanes));
      acc = loop.getResult(0);
    }
    if (n > full)
      acc = step(outer, cst(full), acc, n - full);
    auto reduced = vector::ReductionOp::create(b, loc, kind, acc);
    if (isa<FloatType>(elementType))
      reduced.setFastmath(arith::FastMathFlags::reassoc);
    SmallVector<Value> idx;
    for (AffineExpr e : g.getMatchingIndexingMap(init).getResults()) {
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        idx.push_back(cst(c.getValue()));
      else
        idx.push_back(outer[cast<AffineDimExpr>(e).getPosition()]);
    }
    Value start = fill ? fill.getInputs()[0]
                       : memref::LoadOp::create(b, loc, out, idx).getResult();
    OperationState state(loc, combine->getName());
    state.addOperands({start, reduced.getResult()});
    state.addTypes(elementType);
    state.addAttributes(combine->getAttrs());
    Value result = b.create(state)->getResult(0);
    memref::StoreOp::create(b, loc, result, out, idx);
  };
  forEachRow(b, loc, ranges, row);
  g.erase();
  if (fill)
    fill.erase();
}

namespace {
struct VectorizeElementwisePass
    : eqq::impl::VectorizeElementwisePassBase<VectorizeElementwisePass> {
  void runOnOperation() override {
    // Transposes that keep the innermost dimension (attention's split of
    // a [tokens, heads x 32] activation into heads and the merge back) are
    // elementwise copies along rows: as generics they vectorize below.
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk([&](linalg::TransposeOp t) {
      ArrayRef<int64_t> perm = t.getPermutation();
      if (t.hasPureBufferSemantics() && !perm.empty() &&
          perm.back() == static_cast<int64_t>(perm.size()) - 1)
        transposes.push_back(t);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::TransposeOp t : transposes) {
      rewriter.setInsertionPoint(t);
      (void)linalg::generalizeNamedOp(rewriter, t);
    }
    SmallVector<linalg::GenericOp> candidates, reductions;
    getOperation().walk([&](linalg::GenericOp g) {
      if (isCandidate(g))
        candidates.push_back(g);
      else if (isRowReduction(g))
        reductions.push_back(g);
    });
    // Rows that a reduction reads or writes keep their length: the row
    // loops of a softmax or a layer norm fuse (--eqq-fuse-row-loops) only
    // where they run over the same rows.
    DenseSet<Value> reduced;
    for (linalg::GenericOp g : reductions)
      for (Value v : g->getOperands())
        reduced.insert(v);
    for (linalg::GenericOp g : candidates) {
      bool nearReduction = llvm::any_of(
          g->getOperands(), [&](Value v) { return reduced.contains(v); });
      vectorize(nearReduction ? g : mergeRows(g));
    }
    for (linalg::GenericOp g : reductions)
      vectorizeRowReduction(g);
  }
};
} // namespace
