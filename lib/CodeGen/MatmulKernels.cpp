//===- MatmulKernels.cpp - the --eqq-matmul-kernels pass ------------------===//
//
// Replaces f32 linalg.matmul ops on buffers whose right-hand side is a
// constant weight by register-tiled vector FMA loops over a weight copy packed
// at compile time into panels Wp[ceil(N / NR)][K][NR].
//
//===----------------------------------------------------------------------===//

#include "GlobalValues.h"

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_MATMULKERNELSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using mlir::eqq::getGlobalF32Values;

static constexpr int64_t kVectorWidth = 16;
/// The most products of two integers of at most 9 bits (|v| <= 255, a
/// stored byte less a zero point in the storage range) that f32 sums
/// exactly: 256 * 255^2 < 2^24. Operands of larger magnitude (a zero point
/// outside the storage range) get shorter chunks (exactChunk).
static constexpr int64_t kExactTerms = 256;

namespace {
/// A product C[..., M, N] += A[..., M, K] * B[..., K, N] on buffers: a
/// linalg.matmul whose B is a constant weight (packed at compile time), or a
/// contraction of two activations (attention's scores and context) whose B
/// rows are read in place, with leading batch axes looped over.
struct MatmulMatch {
  linalg::LinalgOp op;
  Value lhs, rhs, out;
  int64_t m, n, k;
  /// The constant weight as W[N, K] (row n holds the weights of output
  /// column n); empty for a product of two activations.
  SmallVector<float> weight;
  /// A linalg.transpose of the constant that produced B, to erase after.
  linalg::TransposeOp transpose;
  /// The batch axes: C's leading dimensions, and for each leading dimension
  /// of A and B the batch axis that indexes it (-1: a broadcast axis of
  /// size 1, read at 0).
  SmallVector<int64_t> batch;
  SmallVector<int64_t> lhsBatch, rhsBatch;
  /// An integer product (int8 attention): i8 operands less their zero
  /// points, multiplied and summed into i32.
  struct IntOperand {
    bool isSigned = false;
    int64_t zeroPoint = 0;
    /// The largest |stored value - zero point|.
    int64_t maxAbs() const {
      int64_t lo = isSigned ? -128 : 0, hi = isSigned ? 127 : 255;
      return std::max(std::abs(lo - zeroPoint), std::abs(hi - zeroPoint));
    }
  };
  std::optional<std::pair<IntOperand, IntOperand>> integer;

  bool constantRhs() const { return !weight.empty(); }
};
} // namespace

static bool isRowMajorInner(Value v, Type elementType = {}) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!elementType && type)
    elementType = Float32Type::get(type.getContext());
  return type && type.getElementType() == elementType &&
         type.hasStaticShape() && type.isLastDimUnitStride();
}

/// `ext(arg) - zp` (or `ext(arg)`, zero point 0) of an i8 block argument to
/// i32, with zp a constant: the argument's number and how it is read.
static std::optional<std::pair<unsigned, MatmulMatch::IntOperand>>
matchIntOperand(Value v) {
  MatmulMatch::IntOperand operand;
  if (auto sub = v.getDefiningOp<arith::SubIOp>()) {
    APInt zp;
    if (!matchPattern(sub.getRhs(), m_ConstantInt(&zp)))
      return std::nullopt;
    operand.zeroPoint = zp.getSExtValue();
    v = sub.getLhs();
  }
  Operation *ext = v.getDefiningOp();
  if (!ext || !isa<arith::ExtSIOp, arith::ExtUIOp>(ext) ||
      !ext->getResult(0).getType().isInteger(32))
    return std::nullopt;
  operand.isSigned = isa<arith::ExtSIOp>(ext);
  auto arg = dyn_cast<BlockArgument>(ext->getOperand(0));
  // A zero point far outside the storage range has no exact f32 chunk.
  if (!arg || !arg.getType().isInteger(8) || std::abs(operand.zeroPoint) > 1024)
    return std::nullopt;
  return std::make_pair(arg.getArgNumber(), operand);
}

/// Whether `op`'s body is `out + (ext(a) - za) * (ext(b) - zb)` on i8
/// inputs into i32 (--eqq-convert's int8 product of two activations); sets
/// `match.integer`.
static bool isIntegerMultiplyAccumulate(linalg::LinalgOp op,
                                        MatmulMatch &match) {
  Block *body = op.getBlock();
  if (body->getNumArguments() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getNumOperands() == 1
                 ? yield.getOperand(0).getDefiningOp<arith::AddIOp>()
                 : nullptr;
  if (!add)
    return false;
  Value out = body->getArgument(2);
  Value prod = add.getLhs() == out ? add.getRhs() : add.getLhs();
  auto mul = prod.getDefiningOp<arith::MulIOp>();
  if (!mul || (add.getLhs() != out && add.getRhs() != out))
    return false;
  auto x = matchIntOperand(mul.getLhs()), y = matchIntOperand(mul.getRhs());
  if (!x || !y || x->first == y->first || x->first > 1 || y->first > 1)
    return false;
  if (x->first == 1)
    std::swap(x, y);
  // Nothing else in the body (but the zero points' constants): two
  // extensions, their subtractions, the multiply, the add and the yield.
  size_t subs = llvm::count_if(mul->getOperands(), [](Value v) {
    return v.getDefiningOp<arith::SubIOp>() != nullptr;
  });
  size_t ops = llvm::count_if(body->getOperations(), [](Operation &op) {
    return !isa<arith::ConstantOp>(op);
  });
  if (ops != 5 + subs)
    return false;
  match.integer = std::make_pair(x->second, y->second);
  return true;
}

/// Whether `op`'s body is `out + a * b` on f32 (either order of the add's
/// and the multiply's operands).
static bool isMultiplyAccumulate(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (body->getNumArguments() != 3 || body->getOperations().size() != 3)
    return false;
  auto mul = dyn_cast<arith::MulFOp>(body->front());
  auto add =
      dyn_cast_or_null<arith::AddFOp>(mul ? mul->getNextNode() : nullptr);
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!mul || !add || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != add.getResult())
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1),
        out = body->getArgument(2);
  bool mulOk = (mul.getLhs() == a && mul.getRhs() == b) ||
               (mul.getLhs() == b && mul.getRhs() == a);
  bool addOk = (add.getLhs() == out && add.getRhs() == mul.getResult()) ||
               (add.getRhs() == out && add.getLhs() == mul.getResult());
  return mulOk && addOk;
}

/// A product of two activations: a contraction on f32 buffers with the
/// loops (batch..., m, n, k), C indexed (batch..., m, n), A (batch', m, k)
/// and B (batch', k, n), where each of A's and B's leading indices is a
/// batch loop or 0 on an axis of size 1.
static std::optional<MatmulMatch> matchActivationProduct(linalg::LinalgOp op,
                                                         bool integerProducts) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  MatmulMatch match;
  if (!isMultiplyAccumulate(op) &&
      !(integerProducts && isIntegerMultiplyAccumulate(op, match)))
    return std::nullopt;
  match.op = op;
  match.lhs = op.getDpsInputOperand(0)->get();
  match.rhs = op.getDpsInputOperand(1)->get();
  match.out = op.getDpsInitOperand(0)->get();
  MLIRContext *ctx = op.getContext();
  Type in =
      match.integer ? Type(IntegerType::get(ctx, 8)) : Float32Type::get(ctx);
  Type acc =
      match.integer ? Type(IntegerType::get(ctx, 32)) : Float32Type::get(ctx);
  if (!isRowMajorInner(match.lhs, in) || !isRowMajorInner(match.rhs, in) ||
      !isRowMajorInner(match.out, acc) || match.out == match.lhs ||
      match.out == match.rhs)
    return std::nullopt;
  int64_t loops = op.getNumLoops();
  auto outType = cast<MemRefType>(match.out.getType());
  if (loops < 3 || outType.getRank() != loops - 1)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t i = 0; i < loops; ++i)
    if ((iterators[i] == utils::IteratorType::reduction) != (i == loops - 1))
      return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[2] != AffineMap::getMultiDimIdentityMap(loops, op.getContext())
                     .getMajorSubMap(loops - 1))
    return std::nullopt;
  int64_t mDim = loops - 3, nDim = loops - 2, kDim = loops - 1;
  // Each operand's results: batch axes, then (row, column) as given.
  auto matchOperand = [&](AffineMap map, Value v, int64_t row, int64_t col,
                          SmallVector<int64_t> &batch) {
    auto type = cast<MemRefType>(v.getType());
    int64_t rank = map.getNumResults();
    if (rank < 2 || type.getRank() != rank ||
        map.getResult(rank - 2) != getAffineDimExpr(row, op.getContext()) ||
        map.getResult(rank - 1) != getAffineDimExpr(col, op.getContext()))
      return false;
    for (int64_t i = 0; i < rank - 2; ++i) {
      AffineExpr e = map.getResult(i);
      if (auto d = dyn_cast<AffineDimExpr>(e);
          d && d.getPosition() < static_cast<unsigned>(mDim)) {
        batch.push_back(d.getPosition());
      } else if (auto c = dyn_cast<AffineConstantExpr>(e);
                 c && c.getValue() == 0 && type.getDimSize(i) == 1) {
        batch.push_back(-1);
      } else {
        return false;
      }
    }
    return true;
  };
  if (!matchOperand(maps[0], match.lhs, mDim, kDim, match.lhsBatch) ||
      !matchOperand(maps[1], match.rhs, kDim, nDim, match.rhsBatch))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  match.m = ranges[mDim];
  match.n = ranges[nDim];
  match.k = ranges[kDim];
  match.batch.assign(ranges.begin(), ranges.begin() + mDim);
  if (match.m == 0 || match.n == 0 || match.k == 0)
    return std::nullopt;
  return match;
}

static std::optional<MatmulMatch> matchMatmul(linalg::MatmulOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  MatmulMatch match;
  match.op = op;
  match.lhs = op.getDpsInputOperand(0)->get();
  match.out = op.getDpsInitOperand(0)->get();
  Value rhs = match.rhs = op.getDpsInputOperand(1)->get();
  if (!isRowMajorInner(match.lhs) || !isRowMajorInner(match.out) ||
      !isa<MemRefType>(rhs.getType()))
    return std::nullopt;
  auto lhsType = cast<MemRefType>(match.lhs.getType());
  auto outType = cast<MemRefType>(match.out.getType());
  match.m = lhsType.getDimSize(0);
  match.k = lhsType.getDimSize(1);
  match.n = outType.getDimSize(1);
  if (match.m == 0 || match.n == 0 || match.k == 0)
    return std::nullopt;

  MLIRContext *ctx = op.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != AffineMap::get(3, 0, {m, k}, ctx) ||
      maps[2] != AffineMap::get(3, 0, {m, n}, ctx))
    return std::nullopt;
  bool transposedB = maps[1] == AffineMap::get(3, 0, {n, k}, ctx);
  if (!transposedB && maps[1] != AffineMap::get(3, 0, {k, n}, ctx))
    return std::nullopt;

  // B is a constant, or (non-transposed) a buffer that a linalg.transpose of
  // a constant W[N, K] fills.
  std::optional<SmallVector<float>> values;
  if (auto get = rhs.getDefiningOp<memref::GetGlobalOp>()) {
    values = getGlobalF32Values(get);
  } else if (!transposedB && rhs.getDefiningOp<memref::AllocOp>()) {
    for (Operation *user : rhs.getUsers()) {
      auto t = dyn_cast<linalg::TransposeOp>(user);
      if (t && t.getInit() == rhs &&
          t.getPermutation() == ArrayRef<int64_t>{1, 0})
        if (auto get = t.getInput().getDefiningOp<memref::GetGlobalOp>())
          if ((values = getGlobalF32Values(get))) {
            match.transpose = t;
            transposedB = true;
            break;
          }
    }
  }
  if (!values || static_cast<int64_t>(values->size()) != match.n * match.k)
    return std::nullopt;
  if (transposedB) {
    match.weight = std::move(*values);
  } else {
    match.weight.resize(match.n * match.k);
    for (int64_t kk = 0; kk < match.k; ++kk)
      for (int64_t nn = 0; nn < match.n; ++nn)
        match.weight[nn * match.k + kk] = (*values)[kk * match.n + nn];
  }
  return match;
}

namespace {
struct MatmulKernelsPass : eqq::impl::MatmulKernelsPassBase<MatmulKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rowTile < 1 || colTile < kVectorWidth || colTile % kVectorWidth) {
      getOperation().emitError("eqq-matmul-kernels: mr must be >= 1 and nr a "
                               "positive multiple of 16");
      return signalPassFailure();
    }
    std::vector<MatmulMatch> matches;
    getOperation().walk([&](linalg::LinalgOp op) {
      std::optional<MatmulMatch> m;
      if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation()))
        m = matchMatmul(matmul);
      if (!m)
        m = matchActivationProduct(op, integerProducts);
      if (m)
        matches.push_back(std::move(*m));
    });
    SymbolTable symbols(getOperation());
    for (MatmulMatch &match : matches)
      rewrite(match, symbols);
  }

  /// Creates the packed weight Wp[ceil(N / NR)][K][NR] as a private global.
  Value createPackedWeight(OpBuilder &b, MatmulMatch &match,
                           SymbolTable &symbols) {
    int64_t nr = colTile, panels = llvm::divideCeil(match.n, nr);
    SmallVector<float> packed(panels * match.k * nr, 0.0f);
    for (int64_t p = 0; p < panels; ++p)
      for (int64_t kk = 0; kk < match.k; ++kk)
        for (int64_t j = 0; j < nr && p * nr + j < match.n; ++j)
          packed[(p * match.k + kk) * nr + j] =
              match.weight[(p * nr + j) * match.k + kk];
    auto type = MemRefType::get({panels, match.k, nr}, b.getF32Type());
    auto tensorType = RankedTensorType::get(type.getShape(), b.getF32Type());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(getOperation().getBody());
    auto global = memref::GlobalOp::create(
        b, match.op.getLoc(), "__eqq_packed_weight", b.getStringAttr("private"),
        type, eqq::getPackedConstant(tensorType, ArrayRef<float>(packed)),
        /*constant=*/true, b.getI64IntegerAttr(64));
    symbols.insert(global);
    b.setInsertionPoint(match.op);
    return memref::GetGlobalOp::create(b, match.op.getLoc(), type,
                                       global.getSymName());
  }

  /// Where a kernel reads and writes within one batch element: the leading
  /// indices of A, B and C, and B's source (the packed weight, or B itself).
  struct Access {
    SmallVector<Value> lhs, rhs, out;
    Value packed;
    /// The f32 buffers the kernel reads A and B from: A and B themselves,
    /// or for an integer product their values less the zero points.
    Value lhsValues, rhsValues;
  };

  /// C[m0 : m0 + rows, n0 : n0 + NR] += A[m0 : m0 + rows, :] * B[:, n0 : ..]
  /// (B from the packed panel, or B's rows in place); `valid` columns are
  /// real (the rest are masked off).
  void emitKernel(OpBuilder &b, Location loc, const MatmulMatch &match,
                  const Access &access, Value m0, int64_t rows, Value panel,
                  Value n0, int64_t valid) {
    auto vecType = VectorType::get({kVectorWidth}, b.getF32Type());
    int64_t nvec = llvm::divideCeil(valid, kVectorWidth);
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    auto at = [](ArrayRef<Value> prefix, Value row, Value col) {
      SmallVector<Value> idx(prefix);
      idx.push_back(row);
      idx.push_back(col);
      return idx;
    };
    SmallVector<Value> masks(nvec), rowIdx(rows), colIdx(nvec);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(vecType));
    for (int64_t j = 0; j < nvec; ++j) {
      colIdx[j] = arith::AddIOp::create(b, loc, n0, cst(j * kVectorWidth));
      int64_t lanes = std::min(kVectorWidth, valid - j * kVectorWidth);
      if (lanes < kVectorWidth)
        masks[j] = vector::ConstantMaskOp::create(
            b, loc, VectorType::get({kVectorWidth}, b.getI1Type()),
            ArrayRef<int64_t>{lanes});
    }
    for (int64_t i = 0; i < rows; ++i)
      rowIdx[i] = arith::AddIOp::create(b, loc, m0, cst(i));

    // One reduction loop over [kLo, kHi) from the accumulators `start`.
    auto reduce = [&](OpBuilder &rb, Location rl, Value kLo, Value kHi,
                      ValueRange start) {
      return scf::ForOp::create(
          rb, rl, kLo, kHi, arith::ConstantIndexOp::create(rb, rl, 1), start,
          [&](OpBuilder &nb, Location nloc, Value k, ValueRange iter) {
            SmallVector<Value> bvec(nvec);
            for (int64_t j = 0; j < nvec; ++j) {
              // The packed panel is zero-padded; B's own rows are masked.
              if (access.packed) {
                bvec[j] = vector::LoadOp::create(
                    nb, nloc, vecType, access.packed,
                    ValueRange{panel, k,
                               arith::ConstantIndexOp::create(
                                   nb, nloc, j * kVectorWidth)});
                continue;
              }
              SmallVector<Value> idx = at(access.rhs, k, colIdx[j]);
              bvec[j] = masks[j]
                            ? vector::MaskedLoadOp::create(nb, nloc, vecType,
                                                           access.rhsValues,
                                                           idx, masks[j], zero)
                                  .getResult()
                            : vector::LoadOp::create(nb, nloc, vecType,
                                                     access.rhsValues, idx)
                                  .getResult();
            }
            SmallVector<Value> next;
            for (int64_t i = 0; i < rows; ++i) {
              Value a = memref::LoadOp::create(nb, nloc, access.lhsValues,
                                               at(access.lhs, rowIdx[i], k));
              Value av = vector::BroadcastOp::create(nb, nloc, vecType, a);
              for (int64_t j = 0; j < nvec; ++j)
                next.push_back(vector::FMAOp::create(nb, nloc, av, bvec[j],
                                                     iter[i * nvec + j]));
            }
            scf::YieldOp::create(nb, nloc, next);
          });
    };
    auto outVector = [&](OpBuilder &ob, Location ol, Type type, int64_t i,
                         int64_t j) -> Value {
      SmallVector<Value> idx = at(access.out, rowIdx[i], colIdx[j]);
      if (!masks[j])
        return vector::LoadOp::create(ob, ol, type, match.out, idx);
      Value pass = arith::ConstantOp::create(ob, ol, ob.getZeroAttr(type));
      return vector::MaskedLoadOp::create(ob, ol, type, match.out, idx,
                                          masks[j], pass);
    };
    auto store = [&](OpBuilder &ob, Location ol, Value v, int64_t i,
                     int64_t j) {
      SmallVector<Value> idx = at(access.out, rowIdx[i], colIdx[j]);
      if (masks[j])
        vector::MaskedStoreOp::create(ob, ol, match.out, idx, masks[j], v);
      else
        vector::StoreOp::create(ob, ol, v, match.out, idx);
    };

    if (!match.integer) {
      SmallVector<Value> acc;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nvec; ++j)
          acc.push_back(outVector(b, loc, vecType, i, j));
      scf::ForOp loop = reduce(b, loc, cst(0), cst(match.k), acc);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nvec; ++j)
          store(b, loc, loop.getResult(i * nvec + j), i, j);
      return;
    }
    // An integer product on operands less their zero points (integers of at
    // most 9 bits in PyTorch's qparams, converted to f32): each product is
    // below 2^16 and a sum of kExactTerms of them below 2^24, so f32 sums
    // them exactly, and each chunk of the reduction adds its sums to the i32
    // accumulator.
    int64_t terms = std::min<int64_t>(
        kExactTerms, (int64_t(1) << 24) / (match.integer->first.maxAbs() *
                                           match.integer->second.maxAbs()));
    auto i32Type = VectorType::get({kVectorWidth}, b.getI32Type());
    auto chunk = [&](OpBuilder &cb, Location cl, Value kLo, Value kHi) {
      SmallVector<Value> zeros(
          rows * nvec,
          arith::ConstantOp::create(cb, cl, cb.getZeroAttr(vecType)));
      scf::ForOp loop = reduce(cb, cl, kLo, kHi, zeros);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nvec; ++j) {
          Value sum = arith::FPToSIOp::create(cb, cl, i32Type,
                                              loop.getResult(i * nvec + j));
          Value c = outVector(cb, cl, i32Type, i, j);
          store(cb, cl, arith::AddIOp::create(cb, cl, c, sum), i, j);
        }
    };
    int64_t fullChunks = match.k / terms;
    if (fullChunks > 0)
      scf::ForOp::create(
          b, loc, cst(0), cst(fullChunks * terms), cst(terms), ValueRange{},
          [&](OpBuilder &cb, Location cl, Value k0, ValueRange) {
            Value k1 = arith::AddIOp::create(
                cb, cl, k0, arith::ConstantIndexOp::create(cb, cl, terms));
            chunk(cb, cl, k0, k1);
            scf::YieldOp::create(cb, cl);
          });
    if (match.k % terms)
      chunk(b, loc, cst(fullChunks * terms), cst(match.k));
  }

  /// Loops over the panels [firstPanel, lastPanel) of `valid` real columns
  /// each, and over the row blocks.
  void emitPanels(OpBuilder &b, Location loc, const MatmulMatch &match,
                  const Access &access, int64_t firstPanel, int64_t lastPanel,
                  int64_t valid) {
    if (firstPanel >= lastPanel)
      return;
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    int64_t mr = rowTile, full = match.m / mr * mr, rest = match.m - full;
    scf::ForOp::create(
        b, loc, cst(firstPanel), cst(lastPanel), cst(1), ValueRange{},
        [&](OpBuilder &pb, Location ploc, Value panel, ValueRange) {
          Value n0 = arith::MulIOp::create(
              pb, ploc, panel,
              arith::ConstantIndexOp::create(pb, ploc, colTile));
          if (full > 0)
            scf::ForOp::create(
                pb, ploc, arith::ConstantIndexOp::create(pb, ploc, 0),
                arith::ConstantIndexOp::create(pb, ploc, full),
                arith::ConstantIndexOp::create(pb, ploc, mr), ValueRange{},
                [&](OpBuilder &mb, Location mloc, Value m0, ValueRange) {
                  emitKernel(mb, mloc, match, access, m0, mr, panel, n0, valid);
                  scf::YieldOp::create(mb, mloc);
                });
          if (rest > 0)
            emitKernel(pb, ploc, match, access,
                       arith::ConstantIndexOp::create(pb, ploc, full), rest,
                       panel, n0, valid);
          scf::YieldOp::create(pb, ploc);
        });
  }

  /// The full panels, then the last one's `tail` columns.
  void emitAllPanels(OpBuilder &b, Location loc, const MatmulMatch &match,
                     const Access &access) {
    int64_t fullPanels = match.n / colTile;
    int64_t tail = match.n - fullPanels * colTile;
    emitPanels(b, loc, match, access, 0, fullPanels, colTile);
    if (tail)
      emitPanels(b, loc, match, access, fullPanels, fullPanels + 1, tail);
  }

  /// An f32 copy of the i8 buffer `v` less `operand`'s zero point, for an
  /// integer product (an elementwise generic, vectorized later).
  Value convertOperand(OpBuilder &b, Location loc, Value v,
                       MatmulMatch::IntOperand operand) {
    auto type = cast<MemRefType>(v.getType());
    auto f32Type = MemRefType::get(type.getShape(), b.getF32Type());
    Value copy = memref::AllocOp::create(b, loc, f32Type, IntegerAttr{});
    AffineMap id = b.getMultiDimIdentityMap(type.getRank());
    SmallVector<utils::IteratorType> iters(type.getRank(),
                                           utils::IteratorType::parallel);
    linalg::GenericOp::create(
        b, loc, ValueRange{v}, ValueRange{copy}, ArrayRef<AffineMap>{id, id},
        iters, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Type i32 = nb.getI32Type();
          Value x =
              operand.isSigned
                  ? arith::ExtSIOp::create(nb, nloc, i32, args[0]).getResult()
                  : arith::ExtUIOp::create(nb, nloc, i32, args[0]).getResult();
          x = arith::SubIOp::create(
              nb, nloc, x,
              arith::ConstantOp::create(
                  nb, nloc, nb.getI32IntegerAttr(operand.zeroPoint)));
          linalg::YieldOp::create(
              nb, nloc,
              arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), x)
                  .getResult());
        });
    return copy;
  }

  void rewrite(MatmulMatch &match, SymbolTable &symbols) {
    OpBuilder b(match.op);
    Location loc = match.op.getLoc();
    Value lhsValues = match.lhs, rhsValues = match.rhs;
    if (match.integer) {
      lhsValues = convertOperand(b, loc, match.lhs, match.integer->first);
      rhsValues = convertOperand(b, loc, match.rhs, match.integer->second);
    }
    Access access;
    access.lhsValues = lhsValues;
    access.rhsValues = rhsValues;
    if (match.constantRhs())
      access.packed = createPackedWeight(b, match, symbols);
    if (match.batch.empty()) {
      emitAllPanels(b, loc, match, access);
    } else {
      // One batch element per iteration of a parallel loop over the batch
      // axes (heads, images): the threads' share.
      auto cst = [&](int64_t v) {
        return arith::ConstantIndexOp::create(b, loc, v).getResult();
      };
      SmallVector<Value> lower(match.batch.size(), cst(0)), upper,
          step(match.batch.size(), cst(1));
      for (int64_t size : match.batch)
        upper.push_back(cst(size));
      scf::ParallelOp::create(
          b, loc, lower, upper, step,
          [&](OpBuilder &pb, Location ploc, ValueRange ivs) {
            Value zeroIdx = arith::ConstantIndexOp::create(pb, ploc, 0);
            auto pick = [&](ArrayRef<int64_t> axes) {
              SmallVector<Value> idx;
              for (int64_t axis : axes)
                idx.push_back(axis < 0 ? zeroIdx : ivs[axis]);
              return idx;
            };
            Access element = access;
            element.lhs = pick(match.lhsBatch);
            element.rhs = pick(match.rhsBatch);
            element.out = llvm::to_vector(ivs);
            emitAllPanels(pb, ploc, match, element);
          });
    }
    match.op.erase();
    // The transpose that fed B, and its buffer, are dead when nothing else
    // reads that buffer.
    if (linalg::TransposeOp t = match.transpose) {
      Value buffer = t.getInit();
      if (llvm::all_of(buffer.getUsers(),
                       [&](Operation *u) { return u == t; })) {
        t.erase();
        if (buffer.use_empty())
          buffer.getDefiningOp()->erase();
      }
    }
  }
};

} // namespace
