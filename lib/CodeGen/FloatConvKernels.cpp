//===- FloatConvKernels.cpp - the --eqq-float-conv-kernels pass -----------===//
//
// Replaces f32 linalg.conv_2d_nchw_fchw ops on buffers by a matrix product
// out[F][P] += W[F][K] * col[K][P] over the output pixels P = OH * OW of
// each image, with K = C * KH * KW: col is the input itself for a 1x1
// stride-1 conv, else an im2col copy; lanes run along the pixels and the
// weights, read in place as W[F][K], are broadcast. A grouped conv
// (linalg.conv_2d_ngchw_gfchw) is G such products side by side: output
// channel f of group g = f / F' reads col's rows of group g.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_FLOATCONVKERNELSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using mlir::eqq::LoopBuilder;

/// f32 lanes of one vector register.
static constexpr int64_t kLanes = 16;

namespace {
/// A conv out[N][F][OH][OW] += x[N][C][H][W] (*) W[F][C][KH][KW], or a
/// grouped one, out[N][G][F'][OH][OW] += x[N][G][C'][H][W] (*)
/// W[G][F'][C'][KH][KW] (f = F = G F' and c = C = G C' count every group).
struct ConvMatch {
  Operation *op;
  Value x, filter, out;
  int64_t n, c, h, w, f, kh, kw, oh, ow, sh, sw, dh, dw;
  /// The groups of a linalg.conv_2d_ngchw_gfchw (1 included), else 1.
  int64_t groups = 1;

  /// K of one output channel's product: C' * KH * KW.
  int64_t reduction() const { return c / groups * kh * kw; }
  int64_t pixels() const { return oh * ow; }
  /// Whether x is already col[K][P]: a 1x1 stride-1 conv over a contiguous
  /// input of the output's size.
  bool direct() const {
    auto type = cast<MemRefType>(x.getType());
    return kh == 1 && kw == 1 && sh == 1 && sw == 1 && h == oh && w == ow &&
           type.getLayout().isIdentity();
  }
};
} // namespace

template <typename ConvOp>
static std::optional<ConvMatch> matchConv(ConvOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  constexpr bool grouped = std::is_same_v<ConvOp, linalg::Conv2DNgchwGfchwOp>;
  ConvMatch m;
  m.op = op;
  m.x = op.getDpsInputOperand(0)->get();
  m.filter = op.getDpsInputOperand(1)->get();
  m.out = op.getDpsInitOperand(0)->get();
  auto xType = dyn_cast<MemRefType>(m.x.getType());
  auto wType = dyn_cast<MemRefType>(m.filter.getType());
  auto outType = dyn_cast<MemRefType>(m.out.getType());
  auto contiguousF32 = [](MemRefType type) {
    return type.hasStaticShape() && type.getElementType().isF32() &&
           type.getLayout().isIdentity();
  };
  // (A grouped conv's input is viewed as N x C x H x W: contiguous.)
  if (!xType || !wType || !outType || !xType.hasStaticShape() ||
      !xType.getElementType().isF32() || !xType.isLastDimUnitStride() ||
      (grouped && !xType.getLayout().isIdentity()) || !contiguousF32(wType) ||
      !contiguousF32(outType))
    return std::nullopt;
  // x N x C x H x W, W F x C x KH x KW, out N x F x OH x OW; grouped:
  // x N x G x C' x H x W, W G x F' x C' x KH x KW, out N x G x F' x OH x OW.
  ArrayRef<int64_t> xs = xType.getShape(), ws = wType.getShape(),
                    os = outType.getShape();
  int64_t g = grouped ? xs[1] : 1;
  if (grouped && (ws[0] != g || os[1] != g || os[2] != ws[1]))
    return std::nullopt;
  int64_t at = grouped ? 1 : 0; // the extra axis of each grouped shape
  m.groups = g;
  m.n = xs[0];
  m.c = g * xs[1 + at];
  m.h = xs[2 + at];
  m.w = xs[3 + at];
  m.f = g * ws[at];
  m.kh = ws[2 + at];
  m.kw = ws[3 + at];
  m.oh = os[2 + at];
  m.ow = os[3 + at];
  auto strides = op.getStrides().template getValues<int64_t>();
  auto dilations = op.getDilations().template getValues<int64_t>();
  m.sh = strides[0];
  m.sw = strides[1];
  m.dh = dilations[0];
  m.dw = dilations[1];
  if (ws[1 + at] != m.c / g || m.pixels() == 0 || m.f == 0 ||
      m.reduction() == 0)
    return std::nullopt;
  return m;
}

namespace {
/// Emits the kernels of one conv at the builder's insertion point.
class ConvKernelEmitter : LoopBuilder {
public:
  ConvKernelEmitter(OpBuilder &builder, Location loc, int64_t rowTile,
                    int64_t vectorTile)
      : LoopBuilder(builder, loc), rowTile(rowTile), vectorTile(vectorTile) {}

  void rewrite(ConvMatch &m);

private:
  int64_t rowTile, vectorTile;

  Value add(Value a, int64_t v) {
    return v ? arith::AddIOp::create(b, loc, a, cst(v)).getResult() : a;
  }
  Value mulAdd(Value a, int64_t s, Value c) {
    Value p = s == 1 ? a : arith::MulIOp::create(b, loc, a, cst(s)).getResult();
    return arith::AddIOp::create(b, loc, p, c);
  }
  Value mask(int64_t lanes) {
    return vector::ConstantMaskOp::create(
        b, loc, VectorType::get({kLanes}, b.getI1Type()),
        ArrayRef<int64_t>{lanes});
  }
  VectorType vecType() { return VectorType::get({kLanes}, b.getF32Type()); }

  /// col[(c * KH + i) * KW + j][oh * OW + ow] =
  ///   x[n][c][oh * sh + i * dh][ow * sw + j * dw], 16 pixels of a row at a
  /// time (a masked load for sw = 1, else a gather), in parallel over the
  /// rows of col.
  void im2col(const ConvMatch &m, Value n, Value col) {
    int64_t full = m.ow / kLanes * kLanes, rest = m.ow - full;
    Value zeros = arith::ConstantOp::create(b, loc, b.getZeroAttr(vecType()));
    SmallVector<int32_t> offsets;
    for (int64_t l = 0; l < kLanes; ++l)
      offsets.push_back(static_cast<int32_t>(l * m.sw));
    Value indices = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({kLanes}, b.getI32Type()),
                               ArrayRef<int32_t>(offsets)));
    parallel({{0, m.c, 1}, {0, m.kh, 1}, {0, m.kw, 1}}, [&](ValueRange iv) {
      Value c = iv[0], i = iv[1], j = iv[2];
      Value k = mulAdd(mulAdd(c, m.kh, i), m.kw, j);
      Value rowOff = arith::MulIOp::create(b, loc, i, cst(m.dh));
      Value colOff = arith::MulIOp::create(b, loc, j, cst(m.dw));
      forLoop(0, m.oh, 1, [&](Value y) {
        Value row = mulAdd(y, m.sh, rowOff);
        Value p0 = arith::MulIOp::create(b, loc, y, cst(m.ow));
        auto copy = [&](Value x0, int64_t lanes) {
          Value msk = mask(lanes);
          Value src = mulAdd(x0, m.sw, colOff);
          SmallVector<Value> idx{n, c, row, src};
          Value v = m.sw == 1
                        ? vector::MaskedLoadOp::create(b, loc, vecType(), m.x,
                                                       idx, msk, zeros)
                              .getResult()
                        : vector::GatherOp::create(b, loc, vecType(), m.x, idx,
                                                   indices, msk, zeros)
                              .getResult();
          Value dst = arith::AddIOp::create(b, loc, p0, x0);
          vector::MaskedStoreOp::create(b, loc, col, ValueRange{k, dst}, msk,
                                        v);
        };
        forLoop(0, full, kLanes, [&](Value x0) { copy(x0, kLanes); });
        if (rest)
          copy(cst(full), rest);
      });
    });
  }

  /// out[n][f0 : f0 + rows][p0 : p0 + 16 nvec] +=
  ///   W[f0 : f0 + rows] * col[:, p0 ...], f0 = fb * rowTile;
  /// the last vector has `lastLanes` real lanes. `colIdx(k, p)` gives the
  /// indices of col; `colMasked` whether reads past the last pixel need a
  /// mask (col is the input itself).
  void tile(const ConvMatch &m, Value weight, Value out, Value col,
            function_ref<SmallVector<Value>(Value, Value)> colIdx,
            bool colMasked, Value n, Value fb, int64_t rows, Value p0,
            int64_t nvec, int64_t lastLanes) {
    Value f0 = arith::MulIOp::create(b, loc, fb, cst(rowTile));
    // A grouped conv's block reads the rows of col of its group.
    Value kBase;
    if (m.groups > 1)
      kBase = arith::MulIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, f0, cst(m.f / m.groups)),
          cst(m.reduction()));
    Value zeros = arith::ConstantOp::create(b, loc, b.getZeroAttr(vecType()));
    Value lastMask = lastLanes < kLanes ? mask(lastLanes) : Value();
    SmallVector<Value> pix(nvec);
    for (int64_t v = 0; v < nvec; ++v)
      pix[v] = add(p0, v * kLanes);
    auto load = [&](Value memref, ValueRange idx, bool masked) -> Value {
      if (masked)
        return vector::MaskedLoadOp::create(b, loc, vecType(), memref, idx,
                                            lastMask, zeros);
      return vector::LoadOp::create(b, loc, vecType(), memref, idx);
    };
    SmallVector<Value> acc;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < nvec; ++v)
        acc.push_back(load(out, ValueRange{n, add(f0, r), pix[v]},
                           lastMask && v == nvec - 1));
    auto loop =
        scf::ForOp::create(b, loc, cst(0), cst(m.reduction()), cst(1), acc);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k = loop.getInductionVar();
      SmallVector<Value> a(nvec);
      Value colK = kBase ? arith::AddIOp::create(b, loc, kBase, k) : k;
      for (int64_t v = 0; v < nvec; ++v)
        a[v] = load(col, colIdx(colK, pix[v]),
                    colMasked && lastMask && v == nvec - 1);
      SmallVector<Value> next;
      for (int64_t r = 0; r < rows; ++r) {
        Value wr =
            memref::LoadOp::create(b, loc, weight, ValueRange{add(f0, r), k});
        Value wv = vector::BroadcastOp::create(b, loc, vecType(), wr);
        for (int64_t v = 0; v < nvec; ++v)
          next.push_back(vector::FMAOp::create(
              b, loc, wv, a[v], loop.getRegionIterArgs()[r * nvec + v]));
      }
      scf::YieldOp::create(b, loc, next);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < nvec; ++v) {
        Value val = loop.getResult(r * nvec + v);
        SmallVector<Value> idx{n, add(f0, r), pix[v]};
        if (lastMask && v == nvec - 1)
          vector::MaskedStoreOp::create(b, loc, out, idx, lastMask, val);
        else
          vector::StoreOp::create(b, loc, val, out, idx);
      }
  }
};
} // namespace

void ConvKernelEmitter::rewrite(ConvMatch &m) {
  // col holds every input channel's rows (K = C * KH * KW, G groups of
  // m.reduction() rows each).
  int64_t p = m.pixels(), k = m.c * m.kh * m.kw;
  // (A conv_2d_ngchw_gfchw's values have a group axis, even of one group.)
  bool grouped = isa<linalg::Conv2DNgchwGfchwOp>(m.op);
  // W[F][C][KH][KW] read in place as W[F][K]: the broadcasts of a tile's
  // rows walk rowTile streams of consecutive floats. (Grouped:
  // W[G][F'][C'][KH][KW] as W[F][K'], x as N x C x H x W.)
  Value weight = memref::CollapseShapeOp::create(
      b, loc, m.filter,
      grouped ? ArrayRef<ReassociationIndices>{{0, 1}, {2, 3, 4}}
              : ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
  if (grouped)
    m.x = memref::CollapseShapeOp::create(
        b, loc, m.x, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  auto flat = [&](Value v) {
    return memref::CollapseShapeOp::create(
        b, loc, v, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  };
  Value out = grouped ? memref::CollapseShapeOp::create(
                            b, loc, m.out,
                            ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3, 4}})
                            .getResult()
                      : flat(m.out);
  Value col;
  std::function<SmallVector<Value>(Value, Value)> colIdx;
  Value n;
  bool direct = m.direct();
  if (direct) {
    col = flat(m.x);
    colIdx = [&](Value kk, Value pp) { return SmallVector<Value>{n, kk, pp}; };
  } else {
    // Rows padded to whole vectors, the padding zero: the kernels read it
    // but never store what it gives.
    int64_t padded = llvm::alignTo(p, kLanes);
    col = memref::AllocOp::create(b, loc,
                                  MemRefType::get({k, padded}, b.getF32Type()),
                                  b.getI64IntegerAttr(64));
    if (padded > p) {
      Value tail = memref::SubViewOp::create(
          b, loc, col,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(p)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(k), b.getIndexAttr(padded - p)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
      Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
      linalg::FillOp::create(b, loc, zero, tail);
    }
    colIdx = [&](Value kk, Value pp) { return SmallVector<Value>{kk, pp}; };
  }

  // (A grouped conv's blocks stay in one group: fr divides F'.)
  int64_t fr = rowTile, pv = vectorTile * kLanes;
  while (m.groups > 1 && (m.f / m.groups) % fr != 0)
    --fr;
  rowTile = fr; // (tile() places block fb at fb * rowTile)
  int64_t fullBlocks = m.f / fr, restRows = m.f - fullBlocks * fr;
  int64_t fullPanels = p / pv, restPixels = p - fullPanels * pv;
  forLoop(0, m.n, 1, [&](Value image) {
    n = image;
    if (!direct)
      im2col(m, n, col);
    // Full panels, then the last partial panel; full blocks of output
    // channels, then the last rows.
    auto blocks = [&](int64_t lo, int64_t hi, int64_t rows) {
      if (fullPanels > 0)
        parallel({{0, fullPanels, 1}, {lo, hi, 1}}, [&](ValueRange iv) {
          Value p0 = arith::MulIOp::create(b, loc, iv[0], cst(pv));
          tile(m, weight, out, col, colIdx, direct, n, iv[1], rows, p0,
               vectorTile, kLanes);
        });
      if (restPixels > 0)
        parallel({{lo, hi, 1}}, [&](ValueRange iv) {
          int64_t nvec = llvm::divideCeil(restPixels, kLanes);
          int64_t last = restPixels - (nvec - 1) * kLanes;
          tile(m, weight, out, col, colIdx, direct, n, iv[0], rows,
               cst(fullPanels * pv), nvec, last);
        });
    };
    blocks(0, fullBlocks, fr);
    if (restRows)
      blocks(fullBlocks, fullBlocks + 1, restRows);
  });
  if (!direct)
    memref::DeallocOp::create(b, loc, col);
  m.op->erase();
}

namespace {
struct FloatConvKernelsPass
    : eqq::impl::FloatConvKernelsPassBase<FloatConvKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rowTile < 1 || vectorTile < 1 || rowTile * vectorTile > 28) {
      getOperation().emitError(
          "eqq-float-conv-kernels: rows and vectors must be >= 1 with "
          "rows * vectors <= 28 (the accumulators stay in registers)");
      return signalPassFailure();
    }
    SmallVector<ConvMatch> convs;
    getOperation().walk([&](Operation *op) {
      std::optional<ConvMatch> match;
      if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
        match = matchConv(conv);
      else if (auto conv = dyn_cast<linalg::Conv2DNgchwGfchwOp>(op))
        match = matchConv(conv);
      if (match)
        convs.push_back(*match);
    });
    for (ConvMatch &match : convs) {
      OpBuilder b(match.op);
      ConvKernelEmitter(b, match.op->getLoc(), rowTile, vectorTile)
          .rewrite(match);
    }
  }
};
} // namespace
