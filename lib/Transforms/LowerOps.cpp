//===- LowerOps.cpp - the --eqq-lower-ops pass ----------------------------===//
//
// Lowers eqq ops on tensors to linalg: observers vanish, equalization
// multiplies become elementwise linalg.generic ops.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_LOWEROPSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

namespace {

/// Observers are the identity on data.
template <typename OpTy> struct EraseObserver : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op->getOperand(0));
    return success();
  }
};

/// eq_scale -> linalg.generic { mulf(in, scale[c]) }.
struct LowerEqScale : OpRewritePattern<EqScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EqScaleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    ArrayRef<float> scale = op.getScale();
    auto scaleType = RankedTensorType::get({static_cast<int64_t>(scale.size())},
                                           type.getElementType());
    Value scales = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(scaleType, scale));
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channel =
        AffineMap::get(rank, 0, getAffineDimExpr(op.getAxis(), ctx));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{op.getInput(), scales},
        ValueRange{init}, ArrayRef<AffineMap>{id, channel, id}, iterators,
        [](OpBuilder &b, Location nested, ValueRange args) {
          Value mul = arith::MulFOp::create(b, nested, args[0], args[1]);
          linalg::YieldOp::create(b, nested, mul);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

/// Per-channel (or per-tensor, one entry) scales and zero points of a
/// quantized element type, and the channel axis.
namespace {
struct QuantInfo {
  SmallVector<float> scale;
  SmallVector<float> zeroPoint;
  int64_t axis = -1;
  float qmin, qmax;
  bool isSigned;
};

} // namespace

static QuantInfo getQuantInfo(Type type) {
  auto qtype =
      cast<quant::QuantizedType>(cast<RankedTensorType>(type).getElementType());
  QuantInfo info;
  info.qmin = static_cast<float>(qtype.getStorageTypeMin());
  info.qmax = static_cast<float>(qtype.getStorageTypeMax());
  info.isSigned = qtype.isSigned();
  if (auto t = dyn_cast<quant::UniformQuantizedType>(qtype)) {
    info.scale.push_back(static_cast<float>(t.getScale()));
    info.zeroPoint.push_back(static_cast<float>(t.getZeroPoint()));
  } else {
    auto pa = cast<quant::UniformQuantizedPerAxisType>(qtype);
    for (double sc : pa.getScales())
      info.scale.push_back(static_cast<float>(sc));
    for (int64_t zp : pa.getZeroPoints())
      info.zeroPoint.push_back(static_cast<float>(zp));
    info.axis = pa.getQuantizedDimension();
  }
  return info;
}

/// An elementwise generic over `input` (rank r) writing `resultType`, with
/// the per-channel vectors `channelValues` (one element each when per
/// tensor) as extra inputs broadcast along `axis`.
static Value buildElementwise(
    OpBuilder &b, Location loc, Value input, RankedTensorType resultType,
    int64_t axis, ArrayRef<SmallVector<float>> channelValues,
    function_ref<Value(OpBuilder &, Location, Value, ValueRange)> body) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> ins{input};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (ArrayRef<float> values : channelValues) {
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      b.getF32Type());
    ins.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, values)));
    maps.push_back(
        axis >= 0 ? AffineMap::get(rank, 0, getAffineDimExpr(axis, ctx))
                  : AffineMap::get(rank, 0, getAffineConstantExpr(0, ctx)));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, resultType, ins, ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value r = body(nb, nloc, args[0], args.drop_front().drop_back());
               linalg::YieldOp::create(nb, nloc, r);
             })
      .getResult(0);
}

/// Quantized tensors become their storage integers: quantize and dequantize
/// become elementwise generics (PyTorch's arithmetic: q = clamp(round half
/// even(x * (1 / scale)) + zp), x = (q - zp) * scale), storage casts vanish,
/// and every other value of a quantized tensor type takes the storage type.
static void lowerQuantizedTypes(ModuleOp module) {
  struct Pending {
    Operation *op;
    QuantInfo info;
  };
  SmallVector<Pending> pending;
  module.walk([&](Operation *op) {
    if (isa<QuantizeOp>(op))
      pending.push_back({op, getQuantInfo(op->getResult(0).getType())});
    else if (isa<DequantizeOp>(op))
      pending.push_back({op, getQuantInfo(op->getOperand(0).getType())});
  });
  // Retype every quantized tensor value to its storage type.
  auto toStorage = [](Type type) -> Type {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return type;
    auto qtype = dyn_cast<quant::QuantizedType>(tensor.getElementType());
    if (!qtype)
      return type;
    return RankedTensorType::get(tensor.getShape(), qtype.getStorageType());
  };
  module.walk([&](Operation *op) {
    for (Value r : op->getResults())
      r.setType(toStorage(r.getType()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          arg.setType(toStorage(arg.getType()));
    if (auto func = dyn_cast<func::FuncOp>(op)) {
      FunctionType ft = func.getFunctionType();
      SmallVector<Type> ins, outs;
      for (Type t : ft.getInputs())
        ins.push_back(toStorage(t));
      for (Type t : ft.getResults())
        outs.push_back(toStorage(t));
      func.setType(FunctionType::get(op->getContext(), ins, outs));
    }
  });
  module.walk([](quant::StorageCastOp op) {
    op.replaceAllUsesWith(op.getInput());
    op.erase();
  });
  for (Pending &p : pending) {
    OpBuilder b(p.op);
    Location loc = p.op->getLoc();
    QuantInfo &info = p.info;
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    auto resultType = cast<RankedTensorType>(p.op->getResult(0).getType());
    Value result;
    if (isa<QuantizeOp>(p.op)) {
      Value input = p.op->getOperand(0);
      SmallVector<float> inv;
      // An equalization multiply that only this per-tensor quantize reads
      // joins its multiplier: round(x * (s_c * (1 / scale))) + zp, one
      // multiply per element, so the scale costs nothing at run time.
      auto eqScale = input.getDefiningOp<EqScaleOp>();
      if (eqScale && eqScale->hasOneUse() && info.axis < 0) {
        float base = 1.0f / info.scale[0];
        for (float s : eqScale.getScale())
          inv.push_back(s * base);
        info.zeroPoint.assign(inv.size(), info.zeroPoint[0]);
        info.axis = eqScale.getAxis();
        input = eqScale.getInput();
      } else {
        eqScale = nullptr;
        for (float sc : info.scale)
          inv.push_back(1.0f / sc);
      }
      result = buildElementwise(
          b, loc, input, resultType, info.axis, {inv, info.zeroPoint},
          [&](OpBuilder &nb, Location nloc, Value x, ValueRange ch) {
            auto cf = [&](float v) {
              return arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(v))
                  .getResult();
            };
            Value r = math::RoundEvenOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, x, ch[0]));
            r = arith::AddFOp::create(nb, nloc, r, ch[1]);
            r = arith::MaximumFOp::create(nb, nloc, r, cf(info.qmin));
            r = arith::MinimumFOp::create(nb, nloc, r, cf(info.qmax));
            Value i = arith::FPToSIOp::create(nb, nloc, i32, r);
            return arith::TruncIOp::create(nb, nloc,
                                           resultType.getElementType(), i)
                .getResult();
          });
    } else {
      result = buildElementwise(
          b, loc, p.op->getOperand(0), resultType, info.axis,
          {info.scale, info.zeroPoint},
          [&](OpBuilder &nb, Location nloc, Value q, ValueRange ch) {
            Value wide =
                info.isSigned
                    ? arith::ExtSIOp::create(nb, nloc, i32, q).getResult()
                    : arith::ExtUIOp::create(nb, nloc, i32, q).getResult();
            Value f = arith::SIToFPOp::create(nb, nloc, f32, wide);
            f = arith::SubFOp::create(nb, nloc, f, ch[1]);
            return arith::MulFOp::create(nb, nloc, f, ch[0]).getResult();
          });
    }
    Operation *merged =
        isa<QuantizeOp>(p.op) ? p.op->getOperand(0).getDefiningOp() : nullptr;
    p.op->getResult(0).replaceAllUsesWith(result);
    p.op->erase();
    if (isa_and_nonnull<EqScaleOp>(merged) && merged->use_empty())
      merged->erase();
  }
}

namespace {
struct LowerOpsPass : eqq::impl::LowerOpsPassBase<LowerOpsPass> {
  void runOnOperation() override {
    lowerQuantizedTypes(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<EraseObserver<ActObserverOp>, EraseObserver<WeightObserverOp>,
                 EraseObserver<InputEqObserverOp>,
                 EraseObserver<WeightEqObserverOp>, LowerEqScale>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
