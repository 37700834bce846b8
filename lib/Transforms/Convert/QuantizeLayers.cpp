//===- QuantizeLayers.cpp - the int8 programs of quantized layers ---------===//

#include "QuantizeLayers.h"

#include "EqQuant/Support/Statistics.h"
#include "EqQuant/Support/WeightQuantization.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

/// Erases ops without side effects whose results are unused, until none is
/// left (the float layers an integer program replaced).
static void eraseDeadOps(RewriterBase &rewriter, ModuleOp module) {
  bool changed = true;
  while (changed) {
    changed = false;
    SmallVector<Operation *> dead;
    module.walk([&](Operation *op) {
      if (op->getNumResults() && isOpTriviallyDead(op))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead)) {
      rewriter.eraseOp(op);
      changed = true;
    }
  }
}

/// The !quant.uniform type of an activation observer's quantization.
static quant::UniformQuantizedType getQuantType(ActObserverOp obs,
                                                const QParams &q) {
  MLIRContext *ctx = obs.getContext();
  bool isSigned = obs.getDtype() == QDType::qint8;
  auto [lo, hi] = getStorageRange(obs.getDtype());
  return quant::UniformQuantizedType::get(
      isSigned ? quant::QuantizationFlags::Signed : 0, IntegerType::get(ctx, 8),
      Float32Type::get(ctx), q.scale[0], static_cast<int64_t>(q.zeroPoint[0]),
      lo, hi);
}

std::optional<QuantizedWeight>
mlir::eqq::quantizeWeight(WeightObserverOp obs, const std::optional<QParams> &q,
                          ArrayRef<float> w, ArrayRef<int64_t> shape,
                          std::string &reason) {
  llvm::raw_string_ostream os(reason);
  if (!q) {
    os << "the weight observer holds no statistics";
    return std::nullopt;
  }
  if (obs.getQscheme() == QScheme::per_channel_affine_float_qparams) {
    os << "per_channel_affine_float_qparams weights are not supported for "
          "linear and conv layers (PyTorch uses them for embeddings)";
    return std::nullopt;
  }
  if (isPerChannel(obs.getQscheme()) && obs.getAxis() != 0) {
    os << "per-channel weights must be quantized along the output channels "
          "(axis 0)";
    return std::nullopt;
  }
  const float *bad =
      llvm::find_if(w, [](float v) { return !std::isfinite(v); });
  if (bad != w.end()) {
    os << "the weight holds a non-finite value (" << *bad << " at index "
       << (bad - w.begin()) << ") and cannot be quantized";
    return std::nullopt;
  }
  QuantizedWeight r;
  int64_t out = shape[0];
  r.isUnsigned = obs.getDtype() == QDType::quint8;
  auto [lo, hi] = getStorageRange(obs.getDtype());
  for (auto [s, z] : llvm::zip(q->scale, q->zeroPoint)) {
    // Written to reject NaN too.
    bool usable = std::isfinite(s) && s > 0.0f && z >= lo && z <= hi;
    if (!usable) {
      os << "the weight's quantization parameters (scale " << s
         << ", zero point " << z << ") are not usable";
      return std::nullopt;
    }
  }
  for (int64_t n = 0; n < out; ++n) {
    size_t c = q->scale.size() == 1 ? 0 : n;
    r.scale.push_back(q->scale[c]);
    r.zeroPoint.push_back(static_cast<int64_t>(q->zeroPoint[c]));
  }
  SmallVector<int64_t> values = quantizeRows(w, r.scale, r.zeroPoint, lo, hi);
  r.values.reserve(values.size());
  for (int64_t v : values)
    r.values.push_back(static_cast<int8_t>(static_cast<uint8_t>(v)));
  return r;
}

std::optional<QParams>
mlir::eqq::getWeightQParams(const Layer &layer, WeightObserverOp obs,
                            const CarriedFolds &carried) {
  auto it = carried.find(layer.op);
  return it == carried.end() ? obs.getQParams() : it->second.weightQParams;
}

/// Builds `requantize`: y = float(acc) * multiplier[c] + bias[c], then
/// q = clamp(round_half_even(y * (1 / out_scale)) + out_zp) (and max(q, zp)
/// for a fused relu), along channel axis `axis` of `acc`. Without `outType`
/// (a float output, --eqq-prepare="float-outputs"), y itself, in f32.
static Value buildRequantize(OpBuilder &b, Location loc, Value acc,
                             int64_t axis, ArrayRef<float> multiplier,
                             ArrayRef<float> bias,
                             quant::UniformQuantizedType outType, bool relu) {
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t rank = accType.getRank();
  MLIRContext *ctx = b.getContext();
  Type i8 = b.getIntegerType(8), f32 = b.getF32Type();
  auto vecType = RankedTensorType::get({accType.getDimSize(axis)}, f32);
  Value mult = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vecType, multiplier));
  Value biasV =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vecType, bias));
  Value init =
      tensor::EmptyOp::create(b, loc, accType.getShape(), outType ? i8 : f32);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap ch = AffineMap::get(rank, 0, getAffineDimExpr(axis, ctx));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{acc, mult, biasV}, ValueRange{init},
      ArrayRef<AffineMap>{id, ch, ch, id}, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        auto cf = [&](float v) {
          return arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(v))
              .getResult();
        };
        Value a = arith::SIToFPOp::create(nb, nloc, f32, args[0]);
        Value y = arith::MulFOp::create(nb, nloc, a, args[1]);
        y = arith::AddFOp::create(nb, nloc, y, args[2]);
        if (!outType) {
          linalg::YieldOp::create(nb, nloc, y);
          return;
        }
        float invScale = 1.0f / static_cast<float>(outType.getScale());
        auto zp = static_cast<float>(outType.getZeroPoint());
        auto qmin = static_cast<float>(outType.getStorageTypeMin());
        auto qmax = static_cast<float>(outType.getStorageTypeMax());
        Value r = math::RoundEvenOp::create(
            nb, nloc, arith::MulFOp::create(nb, nloc, y, cf(invScale)));
        r = arith::AddFOp::create(nb, nloc, r, cf(zp));
        float lo = relu ? std::max(qmin, zp) : qmin;
        r = arith::MaximumFOp::create(nb, nloc, r, cf(lo));
        r = arith::MinimumFOp::create(nb, nloc, r, cf(qmax));
        Value i = arith::FPToSIOp::create(nb, nloc, nb.getI32Type(), r);
        Value t = arith::TruncIOp::create(nb, nloc, i8, i);
        linalg::YieldOp::create(nb, nloc, t);
      });
  if (!outType)
    return generic.getResult(0);
  Type quantTensor = RankedTensorType::get(accType.getShape(), outType);
  return quant::StorageCastOp::create(b, loc, quantTensor,
                                      generic.getResult(0));
}

/// The storage integers of a quantized tensor.
static Value toStorage(OpBuilder &b, Location loc, Value q) {
  auto type = cast<RankedTensorType>(q.getType());
  auto qtype = cast<quant::QuantizedType>(type.getElementType());
  return quant::StorageCastOp::create(
      b, loc, RankedTensorType::get(type.getShape(), qtype.getStorageType()),
      q);
}

/// Sign- or zero-extends an i8 storage value to i32.
static Value extend(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  Type i32 = b.getI32Type();
  return isUnsigned ? arith::ExtUIOp::create(b, loc, i32, v).getResult()
                    : arith::ExtSIOp::create(b, loc, i32, v).getResult();
}

FailureOr<Value> mlir::eqq::quantizeLayer(RewriterBase &rewriter,
                                          const Layer &layer,
                                          const CarriedFolds &carried) {
  MLIRContext *ctx = rewriter.getContext();
  auto wobs = layer.getWeight().getDefiningOp<WeightObserverOp>();
  if (!wobs)
    return Value(); // a float layer
  Location loc = layer.op->getLoc();
  // Input: dequantize(q), possibly reshaped (collapsed to 2-D).
  SmallVector<Operation *> reshapes;
  Value v = layer.getInput();
  // The layer's own collapse (a linear on a higher-rank input) too.
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(layer.getInputOp()))
    v = c.getResult();
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def))
      break;
    reshapes.push_back(def);
    v = def->getOperand(0);
  }
  auto dq = v.getDefiningOp<DequantizeOp>();
  // Output: the quantize of the layer's (relu's) result.
  Value out = layer.getOutputAfterRelu();
  QuantizeOp outQ;
  bool relu = layer.relu != nullptr;
  for (Operation *user : out.getUsers())
    if (auto q = dyn_cast<QuantizeOp>(user))
      outQ = q;
  if (!outQ && layer.relu) {
    out = layer.output;
    relu = false;
    for (Operation *user : out.getUsers())
      if (auto q = dyn_cast<QuantizeOp>(user))
        outQ = q;
  }
  // An output --eqq-prepare left float on purpose (float-outputs): the
  // layer's own output, before any relu, which stays a float op after it.
  bool floatOutput =
      !outQ && EqqDialect::FloatOutputAttrHelper(ctx).isAttrPresent(layer.op);
  if (floatOutput) {
    out = layer.output;
    relu = false;
  }
  if (!dq || (!outQ && !floatOutput)) {
    layer.op->emitWarning("layer '")
        << layer.name << "' stays float: its input or output is not "
        << "quantized";
    return Value();
  }
  auto inQType = cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(dq.getInput().getType()).getElementType());
  quant::UniformQuantizedType outQType;
  if (outQ)
    outQType = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(outQ.getType()).getElementType());

  ElementsAttr wAttr = getConstantThroughObservers(layer.getWeight());
  SmallVector<float> wValues = *getFloatValues(wAttr);
  SmallVector<int64_t> wShape =
      llvm::to_vector(cast<ShapedType>(wAttr.getType()).getShape());
  // A carried fold: the int8 weights are those of the weight before the
  // fold, and the fold's row factors join the per-channel multiplier.
  auto carry = carried.find(layer.op);
  bool isCarried = carry != carried.end();
  std::string reason;
  std::optional<QuantizedWeight> qw = quantizeWeight(
      wobs, getWeightQParams(layer, wobs, carried),
      isCarried ? ArrayRef<float>(carry->second.weight) : wValues, wShape,
      reason);
  if (!qw)
    return wobs.emitError("layer '") << layer.name << "': " << reason;
  if (isCarried)
    for (auto [scale, factor] : llvm::zip(qw->scale, carry->second.rowScale))
      scale *= factor;
  SmallVector<float> bias(wShape[0], 0.0f);
  if (layer.bias)
    if (ElementsAttr b = getConstantThroughObservers(layer.bias))
      bias = *getFloatValues(b);

  OpBuilder::InsertionGuard guard(rewriter);
  if (outQ)
    rewriter.setInsertionPointAfter(outQ);
  else
    rewriter.setInsertionPointAfterValue(out);
  RewriterBase &b = rewriter;
  Type i8 = b.getIntegerType(8), i32 = b.getI32Type();
  // The quantized input, storage integers, reshaped like the float one.
  Value x = toStorage(b, loc, dq.getInput());
  for (Operation *r : llvm::reverse(reshapes)) {
    IRMapping map;
    map.map(r->getOperand(0), x);
    Operation *clone = b.clone(*r, map);
    auto t = cast<RankedTensorType>(clone->getResult(0).getType());
    clone->getResult(0).setType(RankedTensorType::get(t.getShape(), i8));
    x = clone->getResult(0);
  }
  int64_t zx = inQType.getZeroPoint();
  bool xUnsigned = !inQType.isSigned();
  bool wZeroPointsZero =
      llvm::all_of(qw->zeroPoint, [](int64_t z) { return z == 0; });
  int64_t out0 = wShape[0];
  int64_t inner = static_cast<int64_t>(qw->values.size()) / out0;
  // A depthwise conv reads its C x 1 x KH x KW weight as C x KH x KW.
  SmallVector<int64_t> wqShape = wShape;
  if (layer.depthwise && wqShape.size() == 4)
    wqShape.erase(wqShape.begin() + 1);
  auto wType = RankedTensorType::get(wqShape, i8);
  Value wq = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(wType, ArrayRef<int8_t>(qw->values)));

  // The accumulator starts at -zx * sum(W) per output channel, so the
  // inner product is a plain dot of the stored integers (zero weight zero
  // points; otherwise both zero points are subtracted in the loop).
  SmallVector<int32_t> accInit(out0, 0);
  if (wZeroPointsZero)
    for (int64_t n = 0; n < out0; ++n) {
      int64_t sum = 0;
      for (int64_t i = 0; i < inner; ++i) {
        int8_t raw = qw->values[n * inner + i];
        sum += qw->isUnsigned ? static_cast<uint8_t>(raw) : raw;
      }
      accInit[n] = static_cast<int32_t>(-zx * sum);
    }

  // The integer layer's indexing maps over (x, W, acc), and the axes of acc
  // along which the per-channel start value is broadcast.
  // (A grouped conv's op computes on 5-D values; its layer's output is 4-D.)
  auto resultType =
      cast<RankedTensorType>(isa<linalg::Conv2DNgchwGfchwOp>(layer.op)
                                 ? layer.output.getType()
                                 : layer.op->getResult(0).getType());
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  SmallVector<utils::IteratorType> iters;
  SmallVector<int64_t> bcastDims{0};
  if (layer.kind == LayerKind::Linear) {
    AffineExpr dm, dn, dk;
    bindDims(ctx, dm, dn, dk);
    maps = {AffineMap::get(3, 0, {dm, dk}, ctx),
            AffineMap::get(3, 0, {dn, dk}, ctx),
            AffineMap::get(3, 0, {dm, dn}, ctx)};
    iters = {utils::IteratorType::parallel, utils::IteratorType::parallel,
             utils::IteratorType::reduction};
  } else {
    // conv: pad the stored integers with the input zero point (the float
    // zero padding), then the conv's indexing maps.
    if (auto pad = dyn_cast<tensor::PadOp>(layer.getInputOp())) {
      Value padValue = arith::ConstantOp::create(
          b, loc, b.getIntegerAttr(i8, static_cast<int8_t>(zx)));
      auto padded = cast<RankedTensorType>(pad.getResultType());
      x = tensor::PadOp::create(
          b, loc, RankedTensorType::get(padded.getShape(), i8), x,
          getAsOpFoldResult(b.getI64ArrayAttr(pad.getStaticLow())),
          getAsOpFoldResult(b.getI64ArrayAttr(pad.getStaticHigh())), padValue);
    }
    int64_t spatial = rank - 2;
    SmallVector<int64_t> strides(spatial, 1), dilations(spatial, 1);
    if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("strides"))
      strides = llvm::to_vector(attr.getValues<int64_t>());
    if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("dilations"))
      dilations = llvm::to_vector(attr.getValues<int64_t>());
    // Loops: n, f, o_1..o_s (parallel); c, k_1..k_s (reduction). A
    // depthwise conv has no c loop: output channel f reads input channel f
    // through weight row f, (f, k_1..k_s). A grouped conv's c runs over
    // the C' channels of a group: output channel f reads input channel
    // (f floordiv F') * C' + c through W[f][c] (PyTorch's layout).
    bool dw = layer.depthwise;
    int64_t numLoops = 2 + spatial + (dw ? 0 : 1) + spatial;
    int64_t firstKernel = numLoops - spatial;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    AffineExpr inChannel = dw ? d(1) : d(2 + spatial);
    if (layer.groups > 1)
      inChannel = d(1).floorDiv(out0 / layer.groups) * wShape[1] + inChannel;
    SmallVector<AffineExpr> inExprs{d(0), inChannel};
    SmallVector<AffineExpr> wExprs{d(1)};
    if (!dw)
      wExprs.push_back(d(2 + spatial));
    SmallVector<AffineExpr> outExprs{d(0), d(1)};
    for (int64_t i = 0; i < spatial; ++i) {
      inExprs.push_back(d(2 + i) * strides[i] +
                        d(firstKernel + i) * dilations[i]);
      wExprs.push_back(d(firstKernel + i));
      outExprs.push_back(d(2 + i));
      bcastDims.push_back(2 + i);
    }
    maps = {AffineMap::get(numLoops, 0, inExprs, ctx),
            AffineMap::get(numLoops, 0, wExprs, ctx),
            AffineMap::get(numLoops, 0, outExprs, ctx)};
    iters.assign(numLoops, utils::IteratorType::reduction);
    for (int64_t i = 0; i < 2 + spatial; ++i)
      iters[i] = utils::IteratorType::parallel;
  }
  int64_t channelAxis = 1;

  int64_t zw0 = qw->zeroPoint[0];
  if (!wZeroPointsZero &&
      llvm::any_of(qw->zeroPoint, [&](int64_t z) { return z != zw0; }))
    return layer.op->emitError("layer '")
           << layer.name << "': per-channel weight zero points that "
           << "differ are not supported";
  auto accType = RankedTensorType::get(resultType.getShape(), i32);
  Value initVec = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({out0}, i32),
                             ArrayRef<int32_t>(accInit)));
  Value empty = tensor::EmptyOp::create(b, loc, accType.getShape(), i32);
  Value init = linalg::BroadcastOp::create(b, loc, initVec, empty, bcastDims)
                   .getResult()[0];
  Value acc =
      linalg::GenericOp::create(
          b, loc, accType, ValueRange{x, wq}, ValueRange{init}, maps, iters,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value a = extend(nb, nloc, args[0], xUnsigned);
            Value w = extend(nb, nloc, args[1], qw->isUnsigned);
            if (!wZeroPointsZero) {
              auto ci = [&](int64_t v) {
                return arith::ConstantOp::create(nb, nloc,
                                                 nb.getI32IntegerAttr(v))
                    .getResult();
              };
              a = arith::SubIOp::create(nb, nloc, a, ci(zx));
              w = arith::SubIOp::create(nb, nloc, w, ci(zw0));
            }
            Value prod = arith::MulIOp::create(nb, nloc, a, w);
            Value sum = arith::AddIOp::create(nb, nloc, args[2], prod);
            linalg::YieldOp::create(nb, nloc, sum);
          })
          .getResult(0);
  // The layer's name and folded scale (for the numeric comparison).
  EqqDialect::LayerAttrHelper layerName(ctx);
  if (StringAttr name = layerName.getAttr(layer.op))
    layerName.setAttr(acc.getDefiningOp(), name);
  EqqDialect::FoldedScaleAttrHelper foldedScale(ctx);
  if (DenseF32ArrayAttr scale = foldedScale.getAttr(layer.op))
    foldedScale.setAttr(acc.getDefiningOp(), scale);

  SmallVector<float> multiplier;
  for (float sw : qw->scale)
    multiplier.push_back(static_cast<float>(inQType.getScale()) * sw);
  Value q = buildRequantize(b, loc, acc, channelAxis, multiplier, bias,
                            outQType, relu);
  // Back to the layer's output shape (a linear on a collapsed input).
  auto outType = cast<RankedTensorType>(outQ ? outQ.getType() : out.getType());
  if (cast<RankedTensorType>(q.getType()).getShape() != outType.getShape()) {
    Operation *expand = nullptr;
    for (Operation *user : layer.op->getResult(0).getUsers())
      expand = dyn_cast<tensor::ExpandShapeOp>(user) ? user : expand;
    Value cur = layer.op->getResult(0);
    while (!expand && cur.hasOneUse()) {
      Operation *user = *cur.getUsers().begin();
      if (isa<tensor::ExpandShapeOp>(user))
        expand = user;
      else
        cur = user->getResult(0);
    }
    if (!expand)
      return layer.op->emitError("layer '")
             << layer.name << "': cannot restore the output shape";
    auto e = cast<tensor::ExpandShapeOp>(expand);
    q = tensor::ExpandShapeOp::create(b, loc, outType, q,
                                      e.getReassociationIndices());
  }
  if (floatOutput)
    rewriter.replaceAllUsesWith(out, q);
  else
    rewriter.replaceOp(outQ, q);
  return q;
}

/// Makes the observers quantizing the inputs of cat `e` one: each gets the
/// statistics of all of them merged, as PyTorch observes every input of a
/// cat with one observer. An input without an observer (a float producer
/// that nothing quantizes) is an error.
static LogicalResult mergeCatObservers(RewriterBase &rewriter,
                                       const ElementwiseOp &e) {
  SmallVector<ActObserverOp> sources;
  for (OpOperand *in : e.dataInputs) {
    ActObserverOp obs = getQuantizingObserver(in->get());
    if (!obs)
      return e.op->emitError("cat '")
             << e.name << "': input " << in->getOperandNumber()
             << " is not quantized; every input of a quantized cat needs an "
                "observer";
    if (!obs.isCalibrated())
      return obs.emitError("activation observer holds no statistics");
    if (!llvm::is_contained(sources, obs))
      sources.push_back(obs);
  }
  if (sources.size() < 2)
    return success();
  RunningStats merged = sources.front().getRunningStatistics();
  for (ActObserverOp obs : llvm::drop_begin(sources))
    merged.merge(obs.getRunningStatistics());
  ObserverStatistics stats;
  stats.min = merged.min;
  stats.max = merged.max;
  stats.histogram = merged.histogram;
  for (ActObserverOp obs : sources)
    rewriter.modifyOpInPlace(obs, [&] { obs.setStatistics(stats); });
  return success();
}

/// The integer program of a quantized average pool or mean (`e`) whose input
/// is dequantized and whose output is quantized with the same qparams (it
/// shares its input's observer): as PyTorch's quantized kernels, the window
/// sums the stored integers less the zero point, exactly, and the output is
/// round_half_even(sum * float(1 / n)) + zero point. Averaging dequantized
/// floats instead lands a hair off the ties that windows of an even size
/// make, and rounds them either way. Leaves `e` float when its input or
/// output is not quantized that way.
static void quantizeAveragePool(RewriterBase &rewriter,
                                const ElementwiseOp &e) {
  auto dq = e.dataInputs.front()->get().getDefiningOp<DequantizeOp>();
  if (!dq)
    return;
  auto inType = cast<RankedTensorType>(dq.getInput().getType());
  auto qtype = dyn_cast<quant::UniformQuantizedType>(inType.getElementType());
  QuantizeOp outQ;
  for (Operation *user : e.output.getUsers())
    if (auto q = dyn_cast<QuantizeOp>(user))
      if (cast<RankedTensorType>(q.getType()).getElementType() == qtype)
        outQ = q;
  auto div = dyn_cast<linalg::GenericOp>(e.ops.back());
  if (!qtype || !outQ || !div)
    return;
  // The divisor: a number in the body, or a constant tensor input.
  Block &body = div.getRegion().front();
  auto divf = cast<linalg::YieldOp>(body.getTerminator())
                  .getOperand(0)
                  .getDefiningOp<arith::DivFOp>();
  if (!divf)
    return;
  Location loc = e.op->getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfter(outQ);
  RewriterBase &b = rewriter;
  Type f32 = b.getF32Type(), i8 = b.getIntegerType(8), i32 = b.getI32Type();
  auto cf = [&](OpBuilder &nb, Location l, float v) {
    return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(v)).getResult();
  };
  Value reciprocal;
  std::optional<AffineMap> reciprocalMap;
  if (div.getNumDpsInputs() == 2) {
    ElementsAttr d;
    if (!matchPattern(div.getDpsInputOperand(1)->get(), m_Constant(&d)))
      return;
    std::optional<SmallVector<float>> values = getFloatValues(d);
    if (!values)
      return;
    for (float &v : *values)
      v = 1.0f / v;
    auto type = cast<ShapedType>(d.getType());
    reciprocal =
        createConstant(b, loc, llvm::to_vector(type.getShape()), *values);
    reciprocalMap = div.getIndexingMapsArray()[1];
  } else {
    FloatAttr c;
    if (!matchPattern(divf.getRhs(), m_Constant(&c)))
      return;
    reciprocal = cf(b, loc, 1.0f / c.getValue().convertToFloat());
  }

  // The window sums the stored integers less the zero point in i32:
  // exact in any order (the kernels vectorize it), and the same sums the
  // float pool of those integers gave below 2^24. The float pool's zero
  // padding is the zero point here.
  auto zp = static_cast<int32_t>(qtype.getZeroPoint());
  bool isUnsigned = !qtype.isSigned();
  Value x = toStorage(b, loc, dq.getInput());
  Operation *sumOp = e.ops[e.ops.size() - 2];
  if (auto pad = dyn_cast<tensor::PadOp>(e.ops.front())) {
    auto padType = RankedTensorType::get(pad.getResultType().getShape(), i8);
    Value zpByte = arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(i8, static_cast<int8_t>(zp)));
    x = tensor::PadOp::create(b, loc, padType, x, pad.getMixedLowPad(),
                              pad.getMixedHighPad(), zpByte);
  }
  auto sumLinalg = cast<linalg::LinalgOp>(sumOp);
  auto sumType = cast<RankedTensorType>(sumOp->getResult(0).getType());
  Value init =
      linalg::FillOp::create(
          b, loc,
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)).getResult(),
          tensor::EmptyOp::create(b, loc, sumType.getShape(), i32).getResult())
          .getResult(0);
  SmallVector<Value> sumInputs{x};
  if (auto pool = dyn_cast<linalg::PoolingNchwSumOp>(sumOp)) {
    auto window =
        cast<RankedTensorType>(pool.getDpsInputOperand(1)->get().getType());
    sumInputs.push_back(tensor::EmptyOp::create(b, loc, window.getShape(), i8));
  } else {
    for (OpOperand *mask : llvm::drop_begin(sumLinalg.getDpsInputOperands()))
      sumInputs.push_back(mask->get());
  }
  Value sum =
      linalg::GenericOp::create(
          b, loc, init.getType(), sumInputs, ValueRange{init},
          sumLinalg.getIndexingMapsArray(), sumLinalg.getIteratorTypesArray(),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value c = arith::SubIOp::create(
                nb, l, extend(nb, l, args[0], isUnsigned),
                arith::ConstantOp::create(nb, l, nb.getI32IntegerAttr(zp)));
            Value acc = args.back();
            auto generic = dyn_cast<linalg::GenericOp>(sumOp);
            if (!generic) {
              linalg::YieldOp::create(
                  nb, l, arith::AddIOp::create(nb, l, acc, c).getResult());
              return;
            }
            // A channel sum: its body on i32, `out + in` an integer add
            // (masked sums keep their select on the constant masks).
            Block &body = generic.getRegion().front();
            IRMapping map;
            map.map(body.getArguments(), args);
            map.map(body.getArgument(0), c);
            for (Operation &op : body.without_terminator()) {
              if (auto add = dyn_cast<arith::AddFOp>(op);
                  add &&
                  llvm::is_contained(add->getOperands(), body.getArgument(0))) {
                map.map(add.getResult(),
                        arith::AddIOp::create(nb, l, map.lookup(add.getLhs()),
                                              map.lookup(add.getRhs())));
              } else if (auto select = dyn_cast<arith::SelectOp>(op)) {
                map.map(select.getResult(),
                        arith::SelectOp::create(
                            nb, l, map.lookup(select.getCondition()),
                            map.lookup(select.getTrueValue()),
                            map.lookup(select.getFalseValue())));
              } else {
                nb.clone(op, map);
              }
            }
            linalg::YieldOp::create(
                nb, l, map.lookup(body.getTerminator()->getOperand(0)));
          })
          .getResult(0);
  auto outType = cast<RankedTensorType>(div->getResult(0).getType());
  int64_t outRank = outType.getRank();
  AffineMap outId = b.getMultiDimIdentityMap(outRank);
  SmallVector<Value> inputs{sum};
  SmallVector<AffineMap> maps{outId};
  if (reciprocalMap) {
    inputs.push_back(reciprocal);
    maps.push_back(*reciprocalMap);
  }
  maps.push_back(outId);
  auto qmin = static_cast<float>(qtype.getStorageTypeMin());
  auto qmax = static_cast<float>(qtype.getStorageTypeMax());
  Value q =
      linalg::GenericOp::create(
          b, loc, RankedTensorType::get(outType.getShape(), i8), inputs,
          ValueRange{tensor::EmptyOp::create(b, loc, outType.getShape(), i8)},
          maps,
          SmallVector<utils::IteratorType>(outRank,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value r = reciprocalMap ? args[1] : reciprocal;
            Value y = math::RoundEvenOp::create(
                nb, l,
                arith::MulFOp::create(
                    nb, l, arith::SIToFPOp::create(nb, l, f32, args[0]), r));
            y = arith::AddFOp::create(nb, l, y,
                                      cf(nb, l, static_cast<float>(zp)));
            y = arith::MaximumFOp::create(nb, l, y, cf(nb, l, qmin));
            y = arith::MinimumFOp::create(nb, l, y, cf(nb, l, qmax));
            Value i = arith::FPToSIOp::create(nb, l, i32, y);
            linalg::YieldOp::create(
                nb, l, arith::TruncIOp::create(nb, l, i8, i).getResult());
          })
          .getResult(0);
  rewriter.replaceOp(outQ,
                     quant::StorageCastOp::create(b, loc, outQ.getType(), q));
}

/// The integer program of a max pool (`e`) whose input is dequantized,
/// quantized or not (its result is the same either way):
/// dequantization is monotonic, so the max of the stored integers (unsigned
/// for u8, signed for s8) is the stored max, and a quantize with the input's
/// qparams (a pool that shares its input's observer) is the integer max
/// itself. The padding
/// (-inf) becomes the storage minimum: every window holds an input element
/// (PyTorch's padding is at most half the window), so it never wins. Float
/// readers of the pool get the dequantized integer max, which is the float
/// max. Leaves `e` float when its input is not dequantized.
static void quantizeMaxPool(RewriterBase &rewriter, const ElementwiseOp &e) {
  auto pool = dyn_cast<linalg::PoolingNchwMaxOp>(e.op);
  auto dq = e.dataInputs.front()->get().getDefiningOp<DequantizeOp>();
  if (!pool || !dq)
    return;
  auto inType = cast<RankedTensorType>(dq.getInput().getType());
  auto qtype = dyn_cast<quant::UniformQuantizedType>(inType.getElementType());
  if (!qtype)
    return;
  Location loc = e.op->getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfter(pool);
  RewriterBase &b = rewriter;
  Type i8 = b.getIntegerType(8);
  bool isUnsigned = !qtype.isSigned();
  // The storage minimum as a signless byte: 0 (u8) or -128 (s8).
  auto lowest = static_cast<int8_t>(qtype.getStorageTypeMin());
  Value lowestV =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, lowest));
  Value x = toStorage(b, loc, dq.getInput());
  if (auto pad = dyn_cast<tensor::PadOp>(e.ops.front())) {
    auto padType = RankedTensorType::get(pad.getResultType().getShape(), i8);
    x = tensor::PadOp::create(b, loc, padType, x, pad.getMixedLowPad(),
                              pad.getMixedHighPad(), lowestV);
  }
  auto outType = cast<RankedTensorType>(pool->getResult(0).getType());
  auto window =
      cast<RankedTensorType>(pool.getDpsInputOperand(1)->get().getType());
  Value init =
      linalg::FillOp::create(
          b, loc, lowestV,
          tensor::EmptyOp::create(b, loc, outType.getShape(), i8).getResult())
          .getResult(0);
  Value windowV = tensor::EmptyOp::create(b, loc, window.getShape(), i8);
  Value q =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{x, windowV}, ValueRange{init},
          pool.getIndexingMapsArray(), pool.getIteratorTypesArray(),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value m = isUnsigned
                          ? arith::MaxUIOp::create(nb, l, args[0], args[2])
                                .getResult()
                          : arith::MaxSIOp::create(nb, l, args[0], args[2])
                                .getResult();
            linalg::YieldOp::create(nb, l, m);
          })
          .getResult(0);
  auto outQType = RankedTensorType::get(outType.getShape(), qtype);
  Value qv = quant::StorageCastOp::create(b, loc, outQType, q);
  Value dqv = DequantizeOp::create(b, loc, outType, qv);
  // A quantize with the input's qparams is the integer max itself.
  for (Operation *user : llvm::make_early_inc_range(e.output.getUsers()))
    if (auto quantize = dyn_cast<QuantizeOp>(user))
      if (quantize.getType() == outQType)
        rewriter.replaceOp(quantize, qv);
  rewriter.replaceAllUsesExcept(e.output, dqv, dqv.getDefiningOp());
}

/// The integer program of a product of two activations (`e`, attention's
/// scores and context) whose inputs are dequantized and whose output is
/// quantized: acc = sum_k (a - za) * (b - zb) over the stored integers, in
/// i32 and exact, then requantized with the multiplier sa * sb. (PyTorch's
/// quantized::matmul multiplies the dequantized floats and rounds their
/// float sum instead.) Leaves `e` float when an input or the output is not
/// quantized.
static void quantizeMatmul(RewriterBase &rewriter, const ElementwiseOp &e) {
  auto g = dyn_cast<linalg::GenericOp>(e.op);
  if (!g || e.dataInputs.size() != 2)
    return;
  auto dqa = e.dataInputs[0]->get().getDefiningOp<DequantizeOp>();
  auto dqb = e.dataInputs[1]->get().getDefiningOp<DequantizeOp>();
  QuantizeOp outQ;
  for (Operation *user : e.output.getUsers())
    if (auto q = dyn_cast<QuantizeOp>(user))
      outQ = q;
  if (!dqa || !dqb || !outQ)
    return;
  // Per tensor (a per-axis type, from a module written by hand, stays
  // float).
  auto qtypeOf = [](Value v) {
    return dyn_cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(v.getType()).getElementType());
  };
  quant::UniformQuantizedType aq = qtypeOf(dqa.getInput()),
                              bq = qtypeOf(dqb.getInput()),
                              outQType = qtypeOf(outQ.getResult());
  if (!aq || !bq || !outQType)
    return;
  Location loc = g.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfter(outQ);
  RewriterBase &b = rewriter;
  Value a = toStorage(b, loc, dqa.getInput());
  Value bv = toStorage(b, loc, dqb.getInput());
  auto resultType = cast<RankedTensorType>(e.output.getType());
  Type i32 = b.getI32Type();
  Value zero =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(i32, 0)).getResult();
  Value empty = tensor::EmptyOp::create(b, loc, resultType.getShape(), i32);
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  auto ci = [&](OpBuilder &nb, Location nloc, int64_t v) {
    return arith::ConstantOp::create(nb, nloc, nb.getI32IntegerAttr(v))
        .getResult();
  };
  auto acc = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{a, bv}, ValueRange{init},
      g.getIndexingMapsArray(), g.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = arith::SubIOp::create(
            nb, nloc, extend(nb, nloc, args[0], !aq.isSigned()),
            ci(nb, nloc, aq.getZeroPoint()));
        Value y = arith::SubIOp::create(
            nb, nloc, extend(nb, nloc, args[1], !bq.isSigned()),
            ci(nb, nloc, bq.getZeroPoint()));
        Value prod = arith::MulIOp::create(nb, nloc, x, y);
        Value sum = arith::AddIOp::create(nb, nloc, args[2], prod);
        linalg::YieldOp::create(nb, nloc, sum);
      });
  EqqDialect::LayerAttrHelper layerName(b.getContext());
  if (StringAttr name = layerName.getAttr(g))
    layerName.setAttr(acc, name);
  int64_t lastAxis = resultType.getRank() - 1;
  int64_t n = resultType.getDimSize(lastAxis);
  SmallVector<float> multiplier(n, static_cast<float>(aq.getScale()) *
                                       static_cast<float>(bq.getScale()));
  SmallVector<float> bias(n, 0.0f);
  Value q = buildRequantize(b, loc, acc.getResult(0), lastAxis, multiplier,
                            bias, outQType, /*relu=*/false);
  rewriter.replaceOp(outQ, q);
}

LogicalResult mlir::eqq::quantizeModel(RewriterBase &rewriter, ModuleOp module,
                                       const ModelAnalysis &model,
                                       const CarriedFolds &carried) {
  // 0. An op that shares its input's observer (the op table's
  //    SharesInputObserver, PyTorch's OUTPUT_SHARE_OBSERVER_WITH_INPUT;
  //    --eqq-prepare marks the quantized ones eqq.shares_observer) is
  //    quantized with its input's qparams: its output gets a copy of the
  //    input's observer where a quantized op reads it, and always where the
  //    op's float result is not exactly on the input's grid (an average, a
  //    clamp to bounds off the grid, a cat of differently quantized inputs).
  //    A relu or max pool of dequantized values requantizes exactly, so for
  //    their other readers the copy would change nothing. (A standalone relu
  //    without the mark, from a module prepared by hand, counts as marked.)
  //    The inputs of a cat share one observer (PyTorch makes the observers
  //    of all its inputs one): their statistics are merged first.
  llvm::DenseSet<Operation *> quantizedReaders;
  for (const Layer &layer : model.getLayers())
    if (layer.getWeight().getDefiningOp<WeightObserverOp>())
      quantizedReaders.insert(layer.getInputOp());
  for (const ElementwiseOp &e : model.getElementwiseOps())
    if (getOpKindInfo(e.kind).observation == Observation::OwnObserver &&
        llvm::any_of(e.dataInputs, [](OpOperand *in) {
          return getQuantizingObserver(in->get());
        }))
      for (OpOperand *in : e.dataInputs)
        quantizedReaders.insert(in->getOwner());
  EqqDialect::SharesObserverAttrHelper sharesObserver(module.getContext());
  for (const ElementwiseOp &e : model.getElementwiseOps()) {
    if (getOpKindInfo(e.kind).observation != Observation::SharesInputObserver ||
        (e.kind != OpKind::Relu &&
         !sharesObserver.isAttrPresent(e.output.getDefiningOp())))
      continue;
    if (e.kind == OpKind::Cat && failed(mergeCatObservers(rewriter, e)))
      return failure();
    bool exact = e.kind == OpKind::Relu || e.kind == OpKind::MaxPool;
    if (exact && llvm::none_of(e.output.getUsers(), [&](Operation *user) {
          return quantizedReaders.contains(user);
        }))
      continue;
    ActObserverOp source = getQuantizingObserver(e.output);
    if (!source || source.getInput() == e.output)
      continue;
    rewriter.setInsertionPointAfterValue(e.output);
    IRMapping operand;
    operand.map(source.getInput(), e.output);
    Operation *copy = rewriter.clone(*source, operand);
    // Through a reshape, the source observes another shape.
    rewriter.modifyOpInPlace(
        copy, [&] { copy->getResult(0).setType(e.output.getType()); });
    rewriter.replaceAllUsesExcept(e.output, copy->getResult(0), copy);
  }

  // 1. Every activation observer becomes quantize + dequantize (the value is
  //    quantized here; consumers see the dequantized value until an integer
  //    layer consumes the quantized one).
  SmallVector<ActObserverOp> acts;
  module.walk([&](ActObserverOp op) { acts.push_back(op); });
  for (ActObserverOp obs : acts) {
    if (isPerChannel(obs.getQscheme()))
      return obs.emitError("activations are quantized per tensor; "
                           "per-channel activation observers cannot convert");
    std::optional<QParams> q = obs.getQParams();
    if (!q)
      return obs.emitError("activation observer holds no statistics");
    if (!std::isfinite(q->scale[0]) || !std::isfinite(q->zeroPoint[0]))
      return obs.emitError("activation observer's range is not finite "
                           "(min ")
             << (*obs.getMinVal())[0] << ", max " << (*obs.getMaxVal())[0]
             << ")";
    rewriter.setInsertionPoint(obs);
    auto type = cast<RankedTensorType>(obs.getType());
    Type qtype = RankedTensorType::get(type.getShape(), getQuantType(obs, *q));
    Value qv =
        QuantizeOp::create(rewriter, obs.getLoc(), qtype, obs.getInput());
    Value dq = DequantizeOp::create(rewriter, obs.getLoc(), type, qv);
    rewriter.replaceOp(obs, dq);
  }

  // 2. Quantized pools and means, and layers, become integer programs.
  for (const ElementwiseOp &e : model.getElementwiseOps())
    if (e.kind == OpKind::AvgPool &&
        sharesObserver.isAttrPresent(e.output.getDefiningOp()))
      quantizeAveragePool(rewriter, e);
    else if (e.kind == OpKind::MaxPool)
      quantizeMaxPool(rewriter, e);
    else if (e.kind == OpKind::Matmul)
      quantizeMatmul(rewriter, e);
  for (const Layer &layer : model.getLayers())
    if (failed(quantizeLayer(rewriter, layer, carried)))
      return failure();

  // 3. Weight observers are gone with their float layers; what is left of
  //    the float layers is dead unless a float consumer still reads it.
  SmallVector<WeightObserverOp> weights;
  module.walk([&](WeightObserverOp op) { weights.push_back(op); });
  for (WeightObserverOp op : weights)
    rewriter.replaceOp(op, op.getInput());
  eraseDeadOps(rewriter, module);
  return success();
}
