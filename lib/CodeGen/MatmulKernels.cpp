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

namespace {
/// A matmul C[M, N] += A[M, K] * B, with B a constant weight.
struct MatmulMatch {
  linalg::MatmulOp op;
  Value lhs, out;
  int64_t m, n, k;
  /// The weight as W[N, K] (row n holds the weights of output column n).
  SmallVector<float> weight;
  /// A linalg.transpose of the constant that produced B, to erase after.
  linalg::TransposeOp transpose;
};
} // namespace

static bool isRowMajorInner(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getElementType().isF32() && type.hasStaticShape() &&
         type.isLastDimUnitStride();
}

static std::optional<MatmulMatch> matchMatmul(linalg::MatmulOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  MatmulMatch match;
  match.op = op;
  match.lhs = op.getDpsInputOperand(0)->get();
  match.out = op.getDpsInitOperand(0)->get();
  Value rhs = op.getDpsInputOperand(1)->get();
  if (!isRowMajorInner(match.lhs) || !isRowMajorInner(match.out) ||
      !isa<MemRefType>(rhs.getType()))
    return std::nullopt;
  auto lhsType = cast<MemRefType>(match.lhs.getType());
  auto outType = cast<MemRefType>(match.out.getType());
  match.m = lhsType.getDimSize(0);
  match.k = lhsType.getDimSize(1);
  match.n = outType.getDimSize(1);

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
    SmallVector<MatmulMatch> matches;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (std::optional<MatmulMatch> m = matchMatmul(op))
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

  /// C[m0 : m0 + rows, n0 : n0 + NR] += A[m0 : m0 + rows, :] * Wp[panel];
  /// `valid` columns of the panel are real (the rest are masked off).
  void emitKernel(OpBuilder &b, Location loc, const MatmulMatch &match,
                  Value packed, Value m0, int64_t rows, Value panel, Value n0,
                  int64_t valid) {
    auto vecType = VectorType::get({kVectorWidth}, b.getF32Type());
    int64_t nvec = llvm::divideCeil(valid, kVectorWidth);
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
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

    SmallVector<Value> acc;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < nvec; ++j) {
        SmallVector<Value, 2> idx{rowIdx[i], colIdx[j]};
        acc.push_back(
            masks[j] ? vector::MaskedLoadOp::create(b, loc, vecType, match.out,
                                                    idx, masks[j], zero)
                           .getResult()
                     : vector::LoadOp::create(b, loc, vecType, match.out, idx)
                           .getResult());
      }
    auto loop = scf::ForOp::create(
        b, loc, cst(0), cst(match.k), cst(1), acc,
        [&](OpBuilder &nb, Location nloc, Value k, ValueRange iter) {
          SmallVector<Value> bvec(nvec);
          for (int64_t j = 0; j < nvec; ++j)
            bvec[j] = vector::LoadOp::create(
                nb, nloc, vecType, packed,
                ValueRange{panel, k,
                           arith::ConstantIndexOp::create(nb, nloc,
                                                          j * kVectorWidth)});
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            Value a = memref::LoadOp::create(nb, nloc, match.lhs,
                                             ValueRange{rowIdx[i], k});
            Value av = vector::BroadcastOp::create(nb, nloc, vecType, a);
            for (int64_t j = 0; j < nvec; ++j)
              next.push_back(vector::FMAOp::create(nb, nloc, av, bvec[j],
                                                   iter[i * nvec + j]));
          }
          scf::YieldOp::create(nb, nloc, next);
        });
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < nvec; ++j) {
        SmallVector<Value, 2> idx{rowIdx[i], colIdx[j]};
        Value v = loop.getResult(i * nvec + j);
        if (masks[j])
          vector::MaskedStoreOp::create(b, loc, match.out, idx, masks[j], v);
        else
          vector::StoreOp::create(b, loc, v, match.out, idx);
      }
  }

  /// Loops over the panels [firstPanel, lastPanel) of `valid` real columns
  /// each, and over the row blocks.
  void emitPanels(OpBuilder &b, Location loc, const MatmulMatch &match,
                  Value packed, int64_t firstPanel, int64_t lastPanel,
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
                  emitKernel(mb, mloc, match, packed, m0, mr, panel, n0, valid);
                  scf::YieldOp::create(mb, mloc);
                });
          if (rest > 0)
            emitKernel(pb, ploc, match, packed,
                       arith::ConstantIndexOp::create(pb, ploc, full), rest,
                       panel, n0, valid);
          scf::YieldOp::create(pb, ploc);
        });
  }

  void rewrite(MatmulMatch &match, SymbolTable &symbols) {
    OpBuilder b(match.op);
    Location loc = match.op.getLoc();
    Value packed = createPackedWeight(b, match, symbols);
    int64_t fullPanels = match.n / colTile;
    int64_t tail = match.n - fullPanels * colTile;
    emitPanels(b, loc, match, packed, 0, fullPanels, colTile);
    if (tail)
      emitPanels(b, loc, match, packed, fullPanels, fullPanels + 1, tail);
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
