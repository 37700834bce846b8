//===- Layers.cpp - recognize the layers of a float model -----------------===//

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::eqq;

StringRef mlir::eqq::getLayerKindName(LayerKind kind) {
  return getOpKindInfo(kind).objectType;
}

Value Layer::getOutputAfterRelu() const {
  return relu ? relu->getResult(0) : output;
}

void mlir::eqq::recordLayerNames(const ModelAnalysis &model) {
  for (const Layer &layer : model.getLayers()) {
    if (getNameFromLoc(layer.op->getLoc()).empty())
      continue;
    MLIRContext *ctx = layer.op->getContext();
    EqqDialect::LayerAttrHelper(ctx).setAttr(layer.op,
                                             StringAttr::get(ctx, layer.name));
  }
}

std::string mlir::eqq::getNameFromLoc(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations()) {
      std::string name = getNameFromLoc(inner);
      if (!name.empty())
        return name;
    }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return getNameFromLoc(callSite.getCallee());
  return "";
}

//===----------------------------------------------------------------------===//
// Small matchers
//===----------------------------------------------------------------------===//

static bool isF32Tensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getElementType().isF32() && type.hasStaticShape();
}

/// The element type of a ranked tensor value, or null.
static Type getElementType(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type ? type.getElementType() : Type();
}

static Operation *getSoleUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

static bool isZero(Value v) { return matchPattern(v, m_AnyZeroFloat()); }

/// A tensor that is all zeros: a zero linalg.fill or a zero splat constant.
static bool isZeroFilled(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return isZero(fill.getDpsInputOperand(0)->get());
  return isZero(v);
}

static bool isAllParallel(linalg::LinalgOp op) {
  return llvm::all_of(op.getIteratorTypesArray(), [](utils::IteratorType t) {
    return t == utils::IteratorType::parallel;
  });
}

/// The 1-D tensor that `v` broadcasts along `channelAxis` of a rank-`rank`
/// tensor (linalg.broadcast, or a linalg.generic that copies a 1-D input).
static Value matchBroadcastBias(Value v, int64_t rank, int64_t channelAxis) {
  if (auto bcast = v.getDefiningOp<linalg::BroadcastOp>()) {
    Value src = bcast.getInput();
    auto srcType = dyn_cast<RankedTensorType>(src.getType());
    if (!srcType || srcType.getRank() != 1 ||
        bcast.getInit().getType().getRank() != rank)
      return {};
    SmallVector<int64_t> expected;
    for (int64_t d = 0; d < rank; ++d)
      if (d != channelAxis)
        expected.push_back(d);
    if (bcast.getDimensions() != ArrayRef<int64_t>(expected))
      return {};
    return src;
  }
  if (auto generic = v.getDefiningOp<linalg::GenericOp>()) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !isAllParallel(generic) || generic.getNumLoops() != rank)
      return {};
    Value src = generic.getDpsInputOperand(0)->get();
    auto srcType = dyn_cast<RankedTensorType>(src.getType());
    if (!srcType || srcType.getRank() != 1)
      return {};
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    MLIRContext *ctx = generic.getContext();
    if (maps[0] !=
            AffineMap::get(rank, 0, getAffineDimExpr(channelAxis, ctx)) ||
        !maps[1].isIdentity())
      return {};
    Block &body = generic.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    if (body.getOperations().size() != 1 ||
        yield.getOperand(0) != body.getArgument(0))
      return {};
    return src;
  }
  return {};
}

/// An elementwise f32 addition: linalg.add, or a linalg.generic whose body
/// is one arith.addf of its block arguments or of one argument and a scalar
/// constant. Fills `operands` with the tensor operands' uses.
static bool matchAdd(Operation *op, SmallVectorImpl<OpOperand *> &operands,
                     SmallVectorImpl<AffineMap> &maps) {
  if (auto add = dyn_cast<linalg::AddOp>(op)) {
    if (!add.hasPureTensorSemantics())
      return false;
    for (OpOperand *in : add.getDpsInputOperands())
      operands.push_back(in);
    for (AffineMap map : add.getIndexingMapsArray())
      maps.push_back(map);
    maps.pop_back();
    return true;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1 || !isAllParallel(generic) ||
      generic.getNumDpsInputs() < 1 || generic.getNumDpsInputs() > 2 ||
      !generic.getIndexingMapsArray().back().isIdentity())
    return false;
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto addf = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!addf || addf->getBlock() != &body)
    return false;
  // Only the addf (and constants it reads) may stand in the body.
  for (Operation &inner : body.without_terminator())
    if (&inner != addf && !isa<arith::ConstantOp>(inner))
      return false;
  unsigned numInputs = generic.getNumDpsInputs();
  unsigned argsUsed = 0;
  for (Value operand : addf->getOperands()) {
    auto arg = dyn_cast<BlockArgument>(operand);
    if (arg && arg.getOwner() == &body && arg.getArgNumber() < numInputs) {
      ++argsUsed;
      continue;
    }
    // A scalar constant (inside the body or captured from outside).
    if (!arg && matchPattern(operand, m_Constant()))
      continue;
    return false;
  }
  if (argsUsed != numInputs)
    return false;
  if (numInputs == 2 && addf.getLhs() == addf.getRhs())
    return false;
  for (OpOperand *in : generic.getDpsInputOperands())
    operands.push_back(in);
  SmallVector<AffineMap> all = generic.getIndexingMapsArray();
  maps.append(all.begin(), all.end() - 1);
  return true;
}

/// The bias add that follows `v` (the layer's result without bias): an
/// elementwise add of `v` and a 1-D bias broadcast along `channelAxis`.
static Operation *matchBiasAdd(Operation *user, Value v, int64_t channelAxis,
                               Value &bias) {
  SmallVector<OpOperand *, 2> operands;
  SmallVector<AffineMap, 2> maps;
  if (!matchAdd(user, operands, maps) || operands.size() != 2)
    return nullptr;
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  for (int side = 0; side < 2; ++side) {
    OpOperand *self = operands[side], *other = operands[1 - side];
    if (self->get() != v || !maps[side].isIdentity())
      continue;
    Value b = other->get();
    auto bType = dyn_cast<RankedTensorType>(b.getType());
    if (!bType)
      continue;
    // A 1-D bias read through a broadcasting indexing map.
    if (bType.getRank() == 1 &&
        maps[1 - side] ==
            AffineMap::get(rank, 0,
                           getAffineDimExpr(channelAxis, user->getContext())) &&
        bType.getDimSize(0) == type.getDimSize(channelAxis)) {
      bias = b;
      return user;
    }
    // A broadcast tensor read elementwise.
    if (maps[1 - side].isIdentity())
      if (Value src = matchBroadcastBias(b, rank, channelAxis)) {
        bias = src;
        return user;
      }
  }
  return nullptr;
}

OpOperand *mlir::eqq::matchRelu(Operation *op) {
  if (auto max = dyn_cast<linalg::MaxOp>(op)) {
    if (!max.hasPureTensorSemantics())
      return nullptr;
    OpOperand *lhs = max.getDpsInputOperand(0),
              *rhs = max.getDpsInputOperand(1);
    if (isZeroFilled(rhs->get()) && !isZeroFilled(lhs->get()))
      return lhs;
    if (isZeroFilled(lhs->get()) && !isZeroFilled(rhs->get()))
      return rhs;
    return nullptr;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      !isAllParallel(generic) ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return nullptr;
  Block &body = generic.getRegion().front();
  Value in = body.getArgument(0);
  Value yielded = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
  auto isInOrZero = [&](Value a, Value b) {
    return (a == in && isZero(b)) || (b == in && isZero(a));
  };
  unsigned expectedOps = 1;
  Operation *def = yielded.getDefiningOp();
  if (!def || def->getBlock() != &body)
    return nullptr;
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(def)) {
    if (!isInOrZero(def->getOperand(0), def->getOperand(1)))
      return nullptr;
  } else if (auto select = dyn_cast<arith::SelectOp>(def)) {
    // select(x > 0, x, 0)
    auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
    if (!cmp || cmp->getBlock() != &body ||
        (cmp.getPredicate() != arith::CmpFPredicate::UGT &&
         cmp.getPredicate() != arith::CmpFPredicate::OGT) ||
        cmp.getLhs() != in || !isZero(cmp.getRhs()) ||
        select.getTrueValue() != in || !isZero(select.getFalseValue()))
      return nullptr;
    expectedOps = 2;
  } else {
    return nullptr;
  }
  unsigned count = 0;
  for (Operation &inner : body.without_terminator())
    if (!isa<arith::ConstantOp>(inner))
      ++count;
  if (count != expectedOps)
    return nullptr;
  return generic.getDpsInputOperand(0);
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

namespace {
/// Collects the ops a layer is spelled with while it is being matched.
struct LayerMatch {
  Layer layer;
  SmallVector<Operation *> ops;
};
} // namespace

/// After the op: an optional bias add, an optional expand_shape (when the
/// input was collapsed) with the bias possibly after it, and a relu.
static void matchLayerTail(LayerMatch &m, Value cur, int64_t channelAxis,
                           bool expectExpand) {
  if (!m.layer.bias)
    if (Operation *user = getSoleUser(cur))
      if (matchBiasAdd(user, cur, channelAxis, m.layer.bias)) {
        m.layer.biasOp = user;
        m.ops.push_back(user);
        cur = user->getResult(0);
      }
  if (expectExpand) {
    auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(getSoleUser(cur));
    if (expand) {
      m.ops.push_back(expand);
      cur = expand.getResult();
      int64_t rank = expand.getResultType().getRank();
      if (!m.layer.bias)
        if (Operation *user = getSoleUser(cur))
          if (matchBiasAdd(user, cur, rank - 1, m.layer.bias)) {
            m.layer.biasOp = user;
            m.ops.push_back(user);
            cur = user->getResult(0);
          }
    }
  }
  m.layer.output = cur;
  if (Operation *user = getSoleUser(cur))
    if (OpOperand *in = matchRelu(user); in && in->get() == cur)
      m.layer.relu = user;
}

/// The init of a layer op: zeros, or a bias broadcast along `channelAxis`.
static bool matchInit(LayerMatch &m, Value init, int64_t channelAxis) {
  if (isZeroFilled(init))
    return true;
  auto type = cast<RankedTensorType>(init.getType());
  if (Value bias = matchBroadcastBias(init, type.getRank(), channelAxis)) {
    m.layer.bias = bias;
    m.layer.biasOp = init.getDefiningOp();
    return true;
  }
  return false;
}

static std::optional<LayerMatch> matchLinear(linalg::MatmulOp mm) {
  if (!mm.hasPureTensorSemantics() || mm.getNumDpsInputs() != 2)
    return std::nullopt;
  OpOperand *aUse = mm.getDpsInputOperand(0);
  OpOperand *bUse = mm.getDpsInputOperand(1);
  Value init = mm.getDpsInitOperand(0)->get();
  if (!isF32Tensor(aUse->get()) || !isF32Tensor(bUse->get()) ||
      !isF32Tensor(init))
    return std::nullopt;
  MLIRContext *ctx = mm.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps = mm.getIndexingMapsArray();
  if (maps[0] != AffineMap::get(3, 0, {m, k}, ctx) ||
      maps[2] != AffineMap::get(3, 0, {m, n}, ctx))
    return std::nullopt;

  LayerMatch match;
  Layer &layer = match.layer;
  layer.kind = LayerKind::Linear;
  layer.op = mm;
  match.ops.push_back(mm);
  if (maps[1] == AffineMap::get(3, 0, {n, k}, ctx)) {
    layer.weightUse = bUse;
  } else if (maps[1] == AffineMap::get(3, 0, {k, n}, ctx)) {
    auto transpose = bUse->get().getDefiningOp<linalg::TransposeOp>();
    if (!transpose || !transpose.hasPureTensorSemantics() ||
        transpose.getPermutation() != ArrayRef<int64_t>{1, 0})
      return std::nullopt;
    layer.weightUse = transpose.getDpsInputOperand(0);
    if (transpose->hasOneUse())
      match.ops.push_back(transpose);
  } else {
    return std::nullopt;
  }

  bool collapsed = false;
  layer.inputUse = aUse;
  layer.inputAxis = 1;
  if (auto collapse = aUse->get().getDefiningOp<tensor::CollapseShapeOp>()) {
    auto srcType = collapse.getSrcType();
    int64_t rank = srcType.getRank();
    SmallVector<ReassociationIndices> reassoc =
        collapse.getReassociationIndices();
    if (rank > 2 && reassoc.size() == 2 && reassoc[1].size() == 1 &&
        reassoc[1][0] == rank - 1 && collapse->hasOneUse()) {
      layer.inputUse = &collapse.getSrcMutable();
      layer.inputAxis = rank - 1;
      match.ops.push_back(collapse);
      collapsed = true;
    }
  }
  if (!matchInit(match, init, /*channelAxis=*/1))
    return std::nullopt;
  if (layer.biasOp)
    match.ops.push_back(layer.biasOp);
  matchLayerTail(match, mm->getResult(0), /*channelAxis=*/1, collapsed);
  return match;
}

/// A conv's input `inUse`, or the source of the zero tensor.pad of the
/// spatial axes in front of it.
static void matchInputPad(LayerMatch &match, OpOperand *inUse) {
  Layer &layer = match.layer;
  layer.inputUse = inUse;
  layer.inputAxis = 1;
  auto pad = inUse->get().getDefiningOp<tensor::PadOp>();
  if (!pad)
    return;
  Value padValue = pad.getConstantPaddingValue();
  bool spatialOnly = true;
  for (ArrayRef<int64_t> amounts : {pad.getStaticLow(), pad.getStaticHigh()})
    for (auto [d, a] : llvm::enumerate(amounts))
      if (ShapedType::isDynamic(a) || (d < 2 && a != 0))
        spatialOnly = false;
  if (padValue && isZero(padValue) && spatialOnly && pad->hasOneUse() &&
      isF32Tensor(pad.getSource())) {
    layer.inputUse = &pad.getSourceMutable();
    match.ops.push_back(pad);
  }
}

template <typename ConvOp>
static std::optional<LayerMatch> matchConv(ConvOp conv, LayerKind kind) {
  if (!conv.hasPureTensorSemantics())
    return std::nullopt;
  OpOperand *inUse = conv.getDpsInputOperand(0);
  OpOperand *wUse = conv.getDpsInputOperand(1);
  Value init = conv.getDpsInitOperand(0)->get();
  if (!isF32Tensor(inUse->get()) || !isF32Tensor(wUse->get()) ||
      !isF32Tensor(init))
    return std::nullopt;
  LayerMatch match;
  Layer &layer = match.layer;
  layer.kind = kind;
  layer.op = conv;
  match.ops.push_back(conv);
  layer.weightUse = wUse;
  matchInputPad(match, inUse);
  if (!matchInit(match, init, /*channelAxis=*/1))
    return std::nullopt;
  if (layer.biasOp)
    match.ops.push_back(layer.biasOp);
  matchLayerTail(match, conv->getResult(0), /*channelAxis=*/1,
                 /*expectExpand=*/false);
  return match;
}

/// A depthwise conv2d (linalg.depthwise_conv_2d_nchw_chw): a conv2d layer
/// whose weight is read, as PyTorch lays it out (`C x 1 x KH x KW`), through
/// a tensor.collapse_shape to `C x KH x KW`; the rest as for other convs.
static std::optional<LayerMatch>
matchDepthwiseConv(linalg::DepthwiseConv2DNchwChwOp conv) {
  std::optional<LayerMatch> match = matchConv(conv, LayerKind::Conv2d);
  if (!match)
    return std::nullopt;
  Layer &layer = match->layer;
  layer.depthwise = true;
  auto collapse = layer.getWeight().getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || !collapse->hasOneUse() || !isF32Tensor(collapse.getSrc()))
    return match;
  ArrayRef<int64_t> src = collapse.getSrcType().getShape();
  SmallVector<ReassociationIndices> reassoc =
      collapse.getReassociationIndices();
  // [[0, 1], [2], [3]] of C x 1 x KH x KW.
  if (src.size() != 4 || src[1] != 1 || reassoc.size() != 3 ||
      reassoc[0] != ReassociationIndices{0, 1})
    return match;
  layer.weightUse = &collapse.getSrcMutable();
  match->ops.push_back(collapse);
  return match;
}

/// A grouped conv2d as eq-export writes `nn.Conv2d` with 1 < groups < C (or
/// a depthwise one with a channel multiplier): `linalg.conv_2d_ngchw_gfchw`
/// reading `tensor.expand_shape`s of the N x C x H x W input (optionally
/// zero-padded before), of PyTorch's `(G F') x C' x KH x KW` weight and of
/// the N x (G F') x OH x OW init, its result collapsed back to
/// N x (G F') x OH x OW. A conv2d layer with `groups` set: its input, weight,
/// bias and output are the 4-D values, as for a conv with groups = 1 (which
/// one group is).
static std::optional<LayerMatch>
matchGroupedConv(linalg::Conv2DNgchwGfchwOp conv) {
  if (!conv.hasPureTensorSemantics())
    return std::nullopt;
  SmallVector<ReassociationIndices> channelSplit{{0}, {1, 2}, {3}, {4}};
  SmallVector<ReassociationIndices> rowSplit{{0, 1}, {2}, {3}, {4}};
  auto expandOf = [](Value v, ArrayRef<ReassociationIndices> reassoc) {
    auto expand = v.getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand || !expand->hasOneUse() || !isF32Tensor(expand.getSrc()) ||
        expand.getReassociationIndices() != reassoc)
      return tensor::ExpandShapeOp();
    return expand;
  };
  auto xExpand = expandOf(conv.getDpsInputOperand(0)->get(), channelSplit);
  auto wExpand = expandOf(conv.getDpsInputOperand(1)->get(), rowSplit);
  auto initExpand = expandOf(conv.getDpsInitOperand(0)->get(), channelSplit);
  auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(
      getSoleUser(conv->getResult(0)));
  if (!xExpand || !wExpand || !initExpand || !collapse ||
      collapse.getReassociationIndices() != channelSplit ||
      !isF32Tensor(collapse.getResult()))
    return std::nullopt;
  LayerMatch match;
  Layer &layer = match.layer;
  layer.kind = LayerKind::Conv2d;
  layer.op = conv;
  layer.groups = xExpand.getResultType().getDimSize(1);
  layer.weightUse = &wExpand.getSrcMutable();
  match.ops.append({xExpand, wExpand, initExpand, conv, collapse});
  matchInputPad(match, &xExpand.getSrcMutable());
  if (!matchInit(match, initExpand.getSrc(), /*channelAxis=*/1))
    return std::nullopt;
  if (layer.biasOp)
    match.ops.push_back(layer.biasOp);
  matchLayerTail(match, collapse.getResult(), /*channelAxis=*/1,
                 /*expectExpand=*/false);
  return match;
}

/// The integer program of a quantized layer (see QuantizedLayer), from its
/// accumulating op.
static std::optional<QuantizedLayer> matchQuantizedLayer(Operation *op) {
  auto acc = dyn_cast<linalg::GenericOp>(op);
  if (!acc || !acc.hasPureTensorSemantics() || acc.getNumDpsInputs() != 2 ||
      acc.getNumDpsInits() != 1 ||
      !llvm::all_of(acc.getDpsInputs(),
                    [](Value v) {
                      Type t = getElementType(v);
                      return t && t.isInteger(8);
                    }) ||
      !getElementType(acc->getResult(0)).isInteger(32))
    return std::nullopt;
  auto requantize =
      dyn_cast_or_null<linalg::GenericOp>(getSoleUser(acc->getResult(0)));
  if (!requantize || requantize->getNumResults() != 1)
    return std::nullopt;
  QuantizedLayer layer;
  layer.op = acc;
  if (getElementType(requantize->getResult(0)).isF32()) {
    // float-outputs: the accumulator times the scales plus the bias.
    layer.floatOutput = true;
    layer.output = requantize->getResult(0);
  } else {
    auto cast = dyn_cast_or_null<quant::StorageCastOp>(
        getSoleUser(requantize->getResult(0)));
    if (!getElementType(requantize->getResult(0)).isInteger(8) || !cast ||
        !isa<quant::QuantizedType>(getElementType(cast.getResult())))
      return std::nullopt;
    layer.output = cast.getResult();
  }
  if (auto expand =
          dyn_cast_or_null<tensor::ExpandShapeOp>(getSoleUser(layer.output)))
    layer.output = expand.getResult();

  // The kind, from the loops and indexing maps convert gives each kind.
  MLIRContext *ctx = acc.getContext();
  SmallVector<AffineMap> maps = acc.getIndexingMapsArray();
  unsigned loops = acc.getNumLoops();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  if (loops == 3 && maps[0] == AffineMap::get(3, 0, {m, k}, ctx) &&
      maps[1] == AffineMap::get(3, 0, {n, k}, ctx) &&
      maps[2] == AffineMap::get(3, 0, {m, n}, ctx)) {
    layer.kind = LayerKind::Linear;
    return layer;
  }
  // depthwise conv2d: n, c, oh, ow parallel; kh, kw reduction, the weight
  // read as (c, kh, kw).
  if (loops == 6 && maps[1].getNumResults() == 3 &&
      maps[2] ==
          AffineMap::get(6, 0,
                         {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                          getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)},
                         ctx) &&
      maps[1].getResult(0) == getAffineDimExpr(1, ctx)) {
    layer.kind = LayerKind::Conv2d;
    layer.depthwise = true;
    return layer;
  }
  // conv: n, f, o_1..o_s parallel; c, k_1..k_s reduction.
  static const LayerKind convKinds[] = {LayerKind::Conv1d, LayerKind::Conv2d,
                                        LayerKind::Conv3d};
  if (loops % 2 == 0 || loops < 5 || loops > 9)
    return std::nullopt;
  unsigned spatial = (loops - 3) / 2;
  SmallVector<AffineExpr> outExprs;
  for (unsigned d = 0; d < spatial + 2; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  if (maps[2] != AffineMap::get(loops, 0, outExprs, ctx))
    return std::nullopt;
  layer.kind = convKinds[spatial - 1];
  return layer;
}

static std::optional<LayerMatch> matchLayer(Operation *op) {
  if (auto mm = dyn_cast<linalg::MatmulOp>(op))
    return matchLinear(mm);
  if (auto conv = dyn_cast<linalg::Conv1DNcwFcwOp>(op))
    return matchConv(conv, LayerKind::Conv1d);
  if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
    return matchConv(conv, LayerKind::Conv2d);
  if (auto conv = dyn_cast<linalg::Conv3DNcdhwFcdhwOp>(op))
    return matchConv(conv, LayerKind::Conv3d);
  if (auto conv = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(op))
    return matchDepthwiseConv(conv);
  if (auto conv = dyn_cast<linalg::Conv2DNgchwGfchwOp>(op))
    return matchGroupedConv(conv);
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// ModelAnalysis
//===----------------------------------------------------------------------===//

namespace {
/// Hands out names: the `eqq.layer` attribute's, else the NameLoc's, else
/// `<kind>_<index in program order>`.
/// A name used twice gets a `#2`, `#3`, ... suffix.
class Namer {
public:
  std::string name(Operation *op, StringRef kind) {
    unsigned index = counters[kind]++;
    std::string base;
    if (StringAttr given =
            EqqDialect::LayerAttrHelper(op->getContext()).getAttr(op))
      base = given.str();
    else
      base = getNameFromLoc(op->getLoc());
    if (base.empty())
      base = (kind + "_" + Twine(index)).str();
    std::string result = base;
    for (unsigned n = 2; !used.insert(result).second; ++n)
      result = base + "#" + std::to_string(n);
    return result;
  }

private:
  llvm::StringMap<unsigned> counters;
  llvm::StringSet<> used;
};
} // namespace

ModelAnalysis::ModelAnalysis(ModuleOp module) {
  Namer namer;
  // The ops each layer is spelled with: not relus or adds of their own.
  llvm::DenseMap<Operation *, unsigned> ownerOf;
  SmallVector<func::FuncOp> funcs;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      funcs.push_back(func);

  for (func::FuncOp func : funcs) {
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (ownerOf.count(op))
        return;
      if (std::optional<QuantizedLayer> q = matchQuantizedLayer(op)) {
        q->name = namer.name(op, getLayerKindName(q->kind));
        quantizedLayers.push_back(std::move(*q));
        return;
      }
      std::optional<LayerMatch> match = matchLayer(op);
      if (!match)
        return;
      match->layer.name = namer.name(op, getLayerKindName(match->layer.kind));
      unsigned index = layers.size();
      for (Operation *owned : match->ops)
        ownerOf[owned] = index;
      layers.push_back(std::move(match->layer));
    });
  }

  // Spellings of several generics (layer norm, softmax) first: their first
  // ops would match smaller ops (a mean) on their own.
  llvm::DenseMap<Operation *, ElementwiseOp> composites;
  llvm::DenseSet<Operation *> inComposite;
  for (func::FuncOp func : funcs)
    func.walk([&](Operation *op) {
      std::optional<ElementwiseOp> c = matchCompositeOp(op);
      if (!c || llvm::any_of(c->ops, [&](Operation *o) {
            return ownerOf.count(o) || inComposite.contains(o);
          }))
        return;
      inComposite.insert(c->ops.begin(), c->ops.end());
      composites[op] = std::move(*c);
    });

  for (func::FuncOp func : funcs) {
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (ownerOf.count(op))
        return;
      if (inComposite.contains(op)) {
        auto it = composites.find(op);
        if (it == composites.end())
          return; // an inner op of a layer norm or softmax
        ElementwiseOp e = std::move(it->second);
        e.name = namer.name(e.op, e.getObjectType());
        eltwise.push_back(std::move(e));
        return;
      }
      ElementwiseOp e;
      e.op = op;
      e.ops.push_back(op);
      SmallVector<OpOperand *, 2> operands;
      SmallVector<AffineMap, 2> maps;
      if (OpOperand *in = matchRelu(op)) {
        e.kind = OpKind::Relu;
        e.dataInputs.push_back(in);
      } else if (matchAdd(op, operands, maps) &&
                 llvm::all_of(maps,
                              [](AffineMap m) { return m.isIdentity(); })) {
        e.kind = OpKind::Add;
        for (OpOperand *operand : operands)
          if (!matchPattern(operand->get(), m_Constant()))
            e.dataInputs.push_back(operand);
      } else if (std::optional<ElementwiseOp> other = matchOtherOp(op)) {
        // Named by the op that carries the name (a pool's sum); a layer's
        // ops are no part of it.
        if (llvm::any_of(other->ops,
                         [&](Operation *o) { return ownerOf.count(o); }))
          return;
        e = std::move(*other);
      } else {
        return;
      }
      if (!e.output)
        e.output = op->getResult(0);
      if (!isF32Tensor(e.output))
        return;
      e.name = namer.name(e.op, e.getObjectType());
      eltwise.push_back(std::move(e));
    });
  }
}

//===----------------------------------------------------------------------===//
// Batch norms
//===----------------------------------------------------------------------===//

/// The block argument `v` is, if it is one of `body`'s input arguments.
static std::optional<unsigned> getBodyInputArg(Value v, Block &body,
                                               unsigned numInputs) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != &body || arg.getArgNumber() >= numInputs)
    return std::nullopt;
  return arg.getArgNumber();
}

std::optional<ChannelAffine> mlir::eqq::matchChannelAffine(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic)
    return std::nullopt;
  if (!generic.hasPureTensorSemantics() || generic.getNumDpsInputs() != 3 ||
      generic.getNumDpsInits() != 1 || generic->getNumResults() != 1)
    return std::nullopt;
  if (!llvm::all_of(generic.getIteratorTypesArray(), [](utils::IteratorType t) {
        return t == utils::IteratorType::parallel;
      }))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(generic->getResult(0).getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
      type.getRank() < 2)
    return std::nullopt;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (!maps[0].isIdentity() || !maps[3].isIdentity() || maps[1] != maps[2] ||
      maps[1].getNumResults() != 1)
    return std::nullopt;
  auto dim = dyn_cast<AffineDimExpr>(maps[1].getResult(0));
  if (!dim)
    return std::nullopt;
  ChannelAffine affine;
  affine.op = generic;
  affine.axis = dim.getPosition();
  affine.input = generic.getDpsInputOperand(0);
  affine.scale = generic.getDpsInputOperand(1)->get();
  affine.shift = generic.getDpsInputOperand(2)->get();
  if (affine.input->get().getType() != type)
    return std::nullopt;
  for (Value param : {affine.scale, affine.shift}) {
    auto paramType = dyn_cast<RankedTensorType>(param.getType());
    if (!paramType || paramType.getRank() != 1 ||
        !paramType.getElementType().isF32() ||
        paramType.getDimSize(0) != type.getDimSize(affine.axis))
      return std::nullopt;
  }

  // The body: %m = mulf(x, scale); %a = addf(%m, shift); yield %a.
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 3)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != &body)
    return std::nullopt;
  auto isArg = [&](Value v, unsigned n) {
    return getBodyInputArg(v, body, 3) == n;
  };
  Value product;
  if (isArg(add.getRhs(), 2))
    product = add.getLhs();
  else if (isArg(add.getLhs(), 2))
    product = add.getRhs();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul || mul->getBlock() != &body)
    return std::nullopt;
  if (!(isArg(mul.getLhs(), 0) && isArg(mul.getRhs(), 1)) &&
      !(isArg(mul.getLhs(), 1) && isArg(mul.getRhs(), 0)))
    return std::nullopt;
  return affine;
}

//===----------------------------------------------------------------------===//
// Residual adds
//===----------------------------------------------------------------------===//

/// True for the observers of activations (quantization or equalization).
static bool isActivationObserver(Operation *op) {
  auto observer = dyn_cast<ObserverOpInterface>(op);
  return observer && !observer.observesWeight();
}

/// `v` with the eqq observers that produce it looked through.
static Value skipObserversUp(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isActivationObserver(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

/// The uses of `v` by ops other than eqq observers, looking through them.
static void collectUses(Value v, SmallVectorImpl<OpOperand *> &uses) {
  for (OpOperand &use : v.getUses()) {
    if (isActivationObserver(use.getOwner()))
      collectUses(use.getOwner()->getResult(0), uses);
    else
      uses.push_back(&use);
  }
}

std::optional<ResidualAdd>
mlir::eqq::matchResidualAdd(const ModelAnalysis &model, const Layer &consumer) {
  auto soleUser = [](Value v) -> Operation * {
    SmallVector<OpOperand *> uses;
    collectUses(v, uses);
    return uses.size() == 1 ? uses.front()->getOwner() : nullptr;
  };
  ResidualAdd r;
  Value v = skipObserversUp(consumer.getInput());
  if (soleUser(v) != consumer.getInputOp())
    return std::nullopt;
  if (Operation *def = v.getDefiningOp())
    if (OpOperand *in = matchRelu(def)) {
      r.relu = def;
      v = skipObserversUp(in->get());
      if (soleUser(v) != r.relu)
        return std::nullopt;
    }
  const ElementwiseOp *add = nullptr;
  for (const ElementwiseOp &e : model.getElementwiseOps())
    if (e.kind == OpKind::Add && e.output == v)
      add = &e;
  if (!add || add->dataInputs.size() != 2 ||
      add->op->getNumOperands() != 3 /* two inputs and the init */)
    return std::nullopt;
  r.add = add->op;
  auto type = cast<RankedTensorType>(v.getType());
  int64_t axis = consumer.inputAxis;
  // A layer's output channels are along `axis` of `type`.
  auto fits = [&](const Layer &l) {
    auto out = cast<RankedTensorType>(l.output.getType());
    int64_t channelAxis = l.kind == LayerKind::Linear ? out.getRank() - 1 : 1;
    return out == type && channelAxis == axis &&
           getConstantThroughObservers(l.getWeight()) &&
           (!l.bias || getConstantThroughObservers(l.bias));
  };
  for (OpOperand *operand : add->dataInputs) {
    Value u = skipObserversUp(operand->get());
    const Layer *producer = nullptr;
    for (const Layer &l : model.getLayers())
      if (l.output == u ||
          (l.relu && l.relu->getResult(0) == u && l.output.hasOneUse()))
        producer = &l;
    if (!producer || producer == &consumer || !fits(*producer) ||
        llvm::is_contained(r.producers, producer))
      return std::nullopt;
    // Every other reader of u must be a layer that can divide its weight
    // columns by the scale.
    SmallVector<OpOperand *> uses;
    collectUses(u, uses);
    for (OpOperand *use : uses) {
      if (use->getOwner() == r.add)
        continue;
      const Layer *reader = nullptr;
      for (const Layer &l : model.getLayers())
        if (l.inputUse == use)
          reader = &l;
      if (!reader || reader == &consumer || reader->inputAxis != axis ||
          reader->groups != 1 ||
          !getConstantThroughObservers(reader->getWeight()))
        return std::nullopt;
      r.readers.emplace_back(reader, producer);
    }
    r.operands.push_back(operand);
    r.producers.push_back(producer);
  }
  // One operand read twice (x + x) has only one producer.
  if (r.operands.front()->get() == r.operands.back()->get())
    return std::nullopt;
  return r;
}

//===----------------------------------------------------------------------===//
// Commuting chains
//===----------------------------------------------------------------------===//

std::optional<CommutingChain>
mlir::eqq::matchCommutingChain(const ModelAnalysis &model, Value v,
                               int64_t axis) {
  auto soleUse = [](Value u) -> OpOperand * {
    SmallVector<OpOperand *> uses;
    collectUses(u, uses);
    return uses.size() == 1 ? uses.front() : nullptr;
  };
  CommutingChain chain;
  v = skipObserversUp(v);
  auto isLayerOutput = [&](Value u) {
    return llvm::any_of(model.getLayers(), [&](const Layer &l) {
      return l.output == u || (l.relu && l.relu->getResult(0) == u);
    });
  };
  // Up to a layer's output, its relu's included (a fused relu's output is
  // where the layer is quantized).
  while (!isLayerOutput(v)) {
    const ElementwiseOp *e = nullptr;
    for (const ElementwiseOp &op : model.getElementwiseOps())
      if (op.output == v)
        e = &op;
    if (!e || e->dataInputs.size() != 1 ||
        getOpKindInfo(e->kind).scalePassage != ScalePassage::Commutes)
      break;
    Value in = skipObserversUp(e->dataInputs.front()->get());
    OpOperand *use = soleUse(in);
    if (!use || use->getOwner() != e->dataInputs.front()->getOwner())
      return std::nullopt;
    chain.start = e->dataInputs.front();
    v = in;
  }
  if (!chain.start)
    return std::nullopt;
  chain.producer = getFoldTarget(model, v, axis);
  if (!chain.producer)
    return std::nullopt;
  return chain;
}

const Layer *mlir::eqq::getFoldTarget(const ModelAnalysis &model, Value v,
                                      int64_t axis) {
  for (const Layer &l : model.getLayers()) {
    bool viaRelu = l.relu && l.relu->getResult(0) == v && l.output.hasOneUse();
    if (l.output != v && !viaRelu)
      continue;
    auto type = cast<RankedTensorType>(l.output.getType());
    int64_t channelAxis = l.kind == LayerKind::Linear ? type.getRank() - 1 : 1;
    // Its weights and bias must be constants to take the scale.
    if (channelAxis != axis || !getConstantThroughObservers(l.getWeight()) ||
        (l.bias && !getConstantThroughObservers(l.bias)))
      return nullptr;
    return &l;
  }
  return nullptr;
}
