//===- LowerOps.cpp - the --eqq-lower-ops pass ----------------------------===//
//
// Lowers eqq ops on tensors to linalg: quantized tensor types become their
// storage integer types (a dialect conversion), quantize and dequantize
// become elementwise linalg.generic ops, observers vanish, equalization
// multiplies become elementwise multiplies.
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
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_LOWEROPSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

namespace {

/// Observers are the identity on data.
struct EraseObserver : OpInterfaceRewritePattern<ObserverOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(ObserverOpInterface op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getInput());
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

namespace {

/// Quantized types become their storage integer types: `!quant.uniform<u8:
/// f32, ...>` is `i8`, and a tensor of it a tensor of `i8`.
class StorageTypeConverter : public TypeConverter {
public:
  StorageTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](quant::QuantizedType type) -> Type {
      return type.getStorageType();
    });
    addConversion([](RankedTensorType type) -> Type {
      if (auto qtype = dyn_cast<quant::QuantizedType>(type.getElementType()))
        return type.clone(qtype.getStorageType());
      return type;
    });
  }

  /// True when neither the op's operands and results nor the block
  /// arguments of its regions, nor a function's signature, have a
  /// quantized type.
  bool isLegalOp(Operation *op) const {
    if (auto func = dyn_cast<FunctionOpInterface>(op))
      if (auto type = dyn_cast<FunctionType>(func.getFunctionType());
          type && !isSignatureLegal(type))
        return false;
    return isLegal(op) && llvm::all_of(op->getRegions(),
                                       [&](Region &r) { return isLegal(&r); });
  }
};

/// eqq.quantize -> an elementwise generic computing PyTorch's
/// q = clamp(round_half_even(x * (1 / scale)) + zp) into the storage type.
/// An equalization multiply that only this per-tensor quantize reads joins
/// its multiplier: round(x * (s_c * (1 / scale))) + zp, one multiply per
/// element, so the scale costs nothing at run time.
struct LowerQuantize : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QuantInfo info = getQuantInfo(op.getOutput().getType());
    auto resultType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getOutput().getType()));
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unconvertible result type");
    Value input = adaptor.getInput();
    SmallVector<float> inv;
    auto eqScale = op.getInput().getDefiningOp<EqScaleOp>();
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
    Type i32 = rewriter.getI32Type();
    Value result = buildElementwise(
        rewriter, op.getLoc(), input, resultType, info.axis,
        {inv, info.zeroPoint},
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
          return arith::TruncIOp::create(nb, nloc, resultType.getElementType(),
                                         i)
              .getResult();
        });
    rewriter.replaceOp(op, result);
    if (eqScale)
      rewriter.eraseOp(eqScale);
    return success();
  }
};

/// eqq.dequantize -> an elementwise generic computing x = (q - zp) * scale
/// from the storage integers.
struct LowerDequantize : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QuantInfo info = getQuantInfo(op.getInput().getType());
    Type f32 = rewriter.getF32Type(), i32 = rewriter.getI32Type();
    Value result = buildElementwise(
        rewriter, op.getLoc(), adaptor.getInput(), op.getOutput().getType(),
        info.axis, {info.scale, info.zeroPoint},
        [&](OpBuilder &nb, Location nloc, Value q, ValueRange ch) {
          Value wide =
              info.isSigned
                  ? arith::ExtSIOp::create(nb, nloc, i32, q).getResult()
                  : arith::ExtUIOp::create(nb, nloc, i32, q).getResult();
          Value f = arith::SIToFPOp::create(nb, nloc, f32, wide);
          f = arith::SubFOp::create(nb, nloc, f, ch[1]);
          return arith::MulFOp::create(nb, nloc, f, ch[0]).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// quant.scast between a quantized type and its storage type is the
/// identity once both sides have the storage type.
struct EraseStorageCast : OpConversionPattern<quant::StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(quant::StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = getTypeConverter()->convertType(op.getType());
    if (resultType != adaptor.getInput().getType())
      return rewriter.notifyMatchFailure(
          op, "the storage types of the two sides differ");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

/// Any other op on quantized values (a reshape, a call, a return, an op
/// with regions such as scf.for) is rebuilt with the converted types, its
/// regions moved over with their block arguments converted.
struct ConvertAnyOpTypes : ConversionPattern {
  ConvertAnyOpTypes(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (isa<FunctionOpInterface, QuantizeOp, DequantizeOp,
            quant::StorageCastOp>(op))
      return rewriter.notifyMatchFailure(op, "has a pattern of its own");
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return rewriter.notifyMatchFailure(op, "unconvertible result types");
    OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                         op->getAttrs(), op->getSuccessors());
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i)
      state.addRegion();
    Operation *newOp = rewriter.create(state);
    for (auto [from, to] : llvm::zip(op->getRegions(), newOp->getRegions())) {
      rewriter.inlineRegionBefore(from, to, to.end());
      if (failed(rewriter.convertRegionTypes(&to, *getTypeConverter())))
        return rewriter.notifyMatchFailure(op, "unconvertible block types");
    }
    rewriter.replaceOp(op, newOp->getResults());
    return success();
  }
};

} // namespace

/// Quantized tensors become their storage integers (a dialect conversion
/// with StorageTypeConverter): quantize and dequantize become elementwise
/// generics, storage casts vanish, and every other op takes the storage
/// types.
static LogicalResult lowerQuantizedTypes(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  StorageTypeConverter converter;
  ConversionTarget target(*ctx);
  target.addIllegalOp<QuantizeOp, DequantizeOp, quant::StorageCastOp>();
  target.markUnknownOpDynamicallyLegal(
      [&](Operation *op) { return converter.isLegalOp(op); });
  RewritePatternSet patterns(ctx);
  patterns
      .add<LowerQuantize, LowerDequantize, EraseStorageCast, ConvertAnyOpTypes>(
          converter, ctx);
  populateAnyFunctionOpInterfaceTypeConversionPattern(patterns, converter);
  ConversionConfig config;
  // The quantize(dequantize(q)) folder would drop a round trip that the
  // module spells out; lowering keeps the module's arithmetic as it is.
  config.foldingMode = DialectConversionFoldingMode::Never;
  return applyPartialConversion(module, target, std::move(patterns), config);
}

namespace {
struct LowerOpsPass : eqq::impl::LowerOpsPassBase<LowerOpsPass> {
  void runOnOperation() override {
    if (failed(lowerQuantizedTypes(getOperation())))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<EraseObserver, LowerEqScale>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
