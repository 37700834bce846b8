//===- Int8Kernels.cpp - the --eqq-int8-kernels pass ----------------------===//
//
// Replaces the integer linear and conv programs of --eqq-convert (on buffers:
// a linalg.generic of u8/s8 activations times a constant s8 weight into an
// i32 accumulator that a broadcast of constant start values fills) by
// register-tiled micro-kernels over weights packed at compile time, with the
// elementwise consumer of the accumulator (requantize, relu, dequantize)
// fused into the kernel's epilogue.
//
//===----------------------------------------------------------------------===//

#include "GlobalValues.h"
#include "LoopBuilder.h"
#include "SumKernel.h"
#include "VectorBody.h"

#include "EqQuant/Support/Amx.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/TargetParser/Host.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_INT8KERNELSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

/// i32 lanes of one vector register; a dot step consumes 4 bytes per lane.
static constexpr int64_t kLanes = 16;

/// The fewest output columns for an AMX conv kernel: a tile holds 16
/// columns of a row, so a 7-column row wastes 9 of 16 (512 -> 512 3x3 on
/// 7 x 7: 267 GOP/s, below the VNNI kernel with lanes along channels).
static constexpr int64_t kAmxMinColumns = 12;

/// Whether an AMX conv kernel fits `c` input channels: tiles take K = 64
/// channels at a time and a partial last block is padded, so at most a
/// fifth of the tile products may be padding (96 -> 128 channels made
/// efficientnet_b0 slower than its VNNI kernels).
static bool amxFits(int64_t c) {
  int64_t padded = llvm::divideCeil(c, 64) * 64;
  return c >= 64 && 5 * padded <= 6 * c;
}

namespace {

/// The instruction sequence a 4-byte dot step `acc += sum_4(u8 a * s8 w)`
/// becomes.
enum class Isa { Vnni, Avx2, Portable };

/// One integer layer: acc = init + x (*) W, then an optional elementwise
/// consumer of acc.
struct Int8Layer {
  linalg::GenericOp op;
  bool isConv = false;
  /// A depthwise conv: W[C][KH][KW], output channel c from input channel c.
  bool isDepthwise = false;
  /// A grouped conv's groups G (else 1): output channel f of G * F' reads
  /// input channels [g * C', (g + 1) * C'), g = f / F', through W[f][C'].
  int64_t groups = 1;
  /// A conv whose kernel runs its lanes along output channels (else along
  /// output columns).
  bool channelLanes = false;
  /// A max pool of stored integers (acc is its i8 output, `weightShape` the
  /// window {C, KH, KW}, xSigned the comparison); `outFill` fills the output
  /// with the storage minimum first.
  bool isMaxPool = false;
  linalg::FillOp outFill;
  Value x, acc;
  /// Activations are signed (s8): they are offset by 128 to become u8 and
  /// 128 * sum(W) leaves the start values.
  bool xSigned = false;
  /// Linear: W[N][K]. Conv: W[F][C][KH][KW]. Depthwise: W[C][KH][KW].
  SmallVector<int8_t> weight;
  SmallVector<int64_t> weightShape;
  /// Start value per output channel.
  SmallVector<int32_t> init;
  linalg::BroadcastOp initOp;
  /// Conv geometry (2-D).
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  /// The fused elementwise consumer of acc (may be null).
  linalg::GenericOp epilogue;
  /// The elementwise op of several inputs (a residual add) that is the only
  /// reader of the epilogue's output, computed in the kernel after it (may
  /// be null; then the epilogue's output is the layer's).
  linalg::GenericOp join;
  /// Conv: x is a zero-point padding of `padSource` (an allocation filled
  /// with `padValue` and the source copied in at (padTop, padLeft)); the
  /// kernel packs from the source and the padding buffer goes away.
  Value padSource;
  int64_t padTop = 0, padLeft = 0;
  int8_t padValue = 0;
  SmallVector<Operation *> padOps;
};

} // namespace

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// The data of a constant memref.global, if `v` reads one.
static DenseElementsAttr getGlobalData(Value v) {
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return nullptr;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant())
    return nullptr;
  return dyn_cast_or_null<DenseElementsAttr>(global.getConstantInitValue());
}

static bool isContiguous(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity();
}

/// Matches `yield(addi(out, muli(ext(a), extsi(w))))`; sets `xSigned`.
static bool matchDotBody(linalg::GenericOp op, bool &xSigned) {
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!add || body.getOperations().size() != 5)
    return false;
  Value out = body.getArgument(2), prod;
  if (add.getLhs() == out)
    prod = add.getRhs();
  else if (add.getRhs() == out)
    prod = add.getLhs();
  auto mul = prod ? prod.getDefiningOp<arith::MulIOp>() : nullptr;
  if (!mul)
    return false;
  auto extOf = [&](Value v, Value arg, bool &isSigned) {
    Operation *def = v.getDefiningOp();
    if (!def || def->getOperand(0) != arg)
      return false;
    isSigned = isa<arith::ExtSIOp>(def);
    return isSigned || isa<arith::ExtUIOp>(def);
  };
  bool wSigned = false;
  for (auto [a, w] : {std::pair(mul.getLhs(), mul.getRhs()),
                      std::pair(mul.getRhs(), mul.getLhs())})
    if (extOf(a, body.getArgument(0), xSigned) &&
        extOf(w, body.getArgument(1), wSigned))
      return wSigned;
  return false;
}

/// The per-channel start values of `acc`: a linalg.broadcast of a constant
/// along every dimension but `channelDim`.
static bool matchInit(Int8Layer &layer, int64_t channelDim) {
  for (Operation *user : layer.acc.getUsers()) {
    auto b = dyn_cast<linalg::BroadcastOp>(user);
    if (!b || b.getInit() != layer.acc ||
        b->getBlock() != layer.op->getBlock() || !b->isBeforeInBlock(layer.op))
      continue;
    int64_t rank = cast<MemRefType>(layer.acc.getType()).getRank();
    ArrayRef<int64_t> dims = b.getDimensions();
    if (static_cast<int64_t>(dims.size()) != rank - 1 ||
        llvm::is_contained(dims, channelDim))
      return false;
    DenseElementsAttr data = getGlobalData(b.getInput());
    if (!data || !data.getElementType().isInteger(32))
      return false;
    layer.init = llvm::to_vector(data.getValues<int32_t>());
    layer.initOp = b;
    return true;
  }
  return false;
}

/// Whether `consumer`, an elementwise op after `layer`, can be computed in
/// the layer's kernel from the vectors of its input `from` (read with the
/// identity map): all loops parallel, one output written with the identity
/// map, other inputs read with projections, where the loop along which the
/// kernel's lanes run (`laneDim`) is the innermost dimension of the input
/// or absent; its scalars exist before the layer, and nothing between the
/// layer and it touches its other buffers. Static allocations of its
/// buffers after the layer (its output) move up before the layer.
static bool fusesIntoKernel(Int8Layer &layer, linalg::GenericOp consumer,
                            Value from, int64_t laneDim) {
  if (!consumer || consumer->getBlock() != layer.op->getBlock() ||
      !consumer.hasPureBufferSemantics() || consumer.getNumDpsInits() != 1 ||
      consumer.getNumReductionLoops() != 0)
    return false;
  int64_t rank = cast<MemRefType>(layer.acc.getType()).getRank();
  if (consumer.getNumLoops() != rank)
    return false;
  OpOperand *init = consumer.getDpsInitOperand(0);
  if (!consumer.getMatchingIndexingMap(init).isIdentity() ||
      !isContiguous(init->get()) ||
      !consumer.getMatchingBlockArgument(init).use_empty())
    return false;
  SmallVector<Value> buffers{init->get()};
  bool readsFrom = false;
  for (OpOperand *in : consumer.getDpsInputOperands()) {
    AffineMap map = consumer.getMatchingIndexingMap(in);
    if (in->get() == from) {
      if (!map.isIdentity() || readsFrom)
        return false;
      readsFrom = true;
      continue;
    }
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (!type || !type.getLayout().isIdentity() ||
        !map.isProjectedPermutation())
      return false;
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(laneDim, consumer.getContext()));
    if (pos && *pos != map.getNumResults() - 1)
      return false;
    buffers.push_back(in->get());
  }
  if (!readsFrom ||
      !llvm::all_of(consumer.getRegion().front(), eqq::isVectorizable))
    return false;
  // Scalars from outside the body must exist where the kernel is built.
  Block &body = consumer.getRegion().front();
  for (Operation &op : body)
    for (Value v : op.getOperands())
      if (v.getParentBlock() != &body)
        if (Operation *def = v.getDefiningOp())
          if (def->getBlock() == layer.op->getBlock() &&
              !def->isBeforeInBlock(layer.op))
            return false;
  for (Operation *op = layer.op->getNextNode(); op != consumer;
       op = op->getNextNode())
    for (Value operand : op->getOperands())
      if (llvm::is_contained(buffers, operand))
        return false;
  // The buffers must exist where the kernel is built; a static allocation
  // after the layer (the consumer's output) moves up.
  SmallVector<Operation *> toMove;
  for (Value buffer : buffers) {
    Operation *def = buffer.getDefiningOp();
    if (!def || def->getBlock() != layer.op->getBlock() ||
        def->isBeforeInBlock(layer.op))
      continue;
    if (!isa<memref::AllocOp>(def) || def->getNumOperands())
      return false;
    toMove.push_back(def);
  }
  for (Operation *def : toMove)
    def->moveBefore(layer.op);
  return true;
}

/// The elementwise consumer of the accumulator that the kernel can compute
/// from its registers (fusesIntoKernel), the only op besides the layer, its
/// start values and its deallocation that uses acc. Also sets `layer.join`:
/// the op of several data inputs (a residual add, as --eqq-fuse-elementwise
/// leaves it) that is the only reader of the epilogue's output, when it can
/// be computed in the kernel too. The epilogue's output then never reaches
/// memory, and the join's other operand must be ready before the layer: of
/// a residual add whose operands are two layers, the later one takes it.
static linalg::GenericOp matchEpilogue(Int8Layer &layer, int64_t laneDim) {
  layer.join = nullptr;
  linalg::GenericOp consumer;
  for (Operation *user : layer.acc.getUsers()) {
    if (user == layer.op || user == layer.initOp || user == layer.outFill ||
        isa<memref::DeallocOp>(user))
      continue;
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (consumer || !g)
      return nullptr;
    consumer = g;
  }
  if (!fusesIntoKernel(layer, consumer, layer.acc, laneDim))
    return nullptr;
  // The join: the epilogue's output is an allocation that only the join
  // reads (and a deallocation frees).
  Value mid = consumer.getDpsInitOperand(0)->get();
  if (!mid.getDefiningOp<memref::AllocOp>())
    return consumer;
  linalg::GenericOp join;
  for (Operation *user : mid.getUsers()) {
    if (user == consumer || isa<memref::DeallocOp>(user))
      continue;
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (join || !g)
      return consumer;
    join = g;
  }
  if (join && join.getNumDpsInputs() >= 2 &&
      fusesIntoKernel(layer, join, mid, laneDim))
    layer.join = join;
  return consumer;
}

/// The padding of a conv input as bufferization writes it: an allocation
/// filled with a constant (linalg.map or linalg.fill), the source copied
/// into a subview at a static offset, all before the layer in its block.
static void matchPadding(Int8Layer &layer) {
  auto alloc = layer.x.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != layer.op->getBlock())
    return;
  std::optional<int64_t> value;
  memref::CopyOp copy;
  memref::SubViewOp subview;
  SmallVector<Operation *> ops;
  for (Operation *user : layer.x.getUsers()) {
    if (user == layer.op || isa<memref::DeallocOp>(user)) {
      if (user != layer.op)
        ops.push_back(user);
      continue;
    }
    if (user->getBlock() != layer.op->getBlock() ||
        !user->isBeforeInBlock(layer.op))
      return;
    Value yielded;
    if (auto map = dyn_cast<linalg::MapOp>(user)) {
      if (map.getInit() != layer.x || !map.getInputs().empty())
        return;
      yielded = map.getMapper().front().getTerminator()->getOperand(0);
    } else if (auto fill = dyn_cast<linalg::FillOp>(user)) {
      yielded = fill.getInputs()[0];
    } else if (auto sv = dyn_cast<memref::SubViewOp>(user)) {
      if (subview || !sv->hasOneUse())
        return;
      subview = sv;
      copy = dyn_cast<memref::CopyOp>(*sv->getUsers().begin());
      if (!copy || copy.getTarget() != sv ||
          copy->getBlock() != layer.op->getBlock() ||
          !copy->isBeforeInBlock(layer.op))
        return;
      ops.push_back(copy);
      ops.push_back(sv);
      continue;
    } else {
      return;
    }
    IntegerAttr constant;
    if (value || !matchPattern(yielded, m_Constant(&constant)))
      return;
    value = constant.getInt();
    ops.push_back(user);
  }
  if (!value || !subview)
    return;
  Value source = copy.getSource();
  auto sourceType = dyn_cast<MemRefType>(source.getType());
  ArrayRef<int64_t> offsets = subview.getStaticOffsets();
  if (!sourceType || !isContiguous(source) ||
      ShapedType::isDynamicShape(offsets) ||
      !llvm::all_of(subview.getStaticStrides(),
                    [](int64_t s) { return s == 1; }) ||
      subview.getStaticSizes() != sourceType.getShape() || offsets[0] != 0 ||
      offsets[1] != 0)
    return;
  // The kernel reads the source where the layer is: nothing in between may
  // touch it.
  for (Operation *op = copy->getNextNode(); op != layer.op;
       op = op->getNextNode())
    if (llvm::is_contained(op->getOperands(), source))
      return;
  layer.padSource = source;
  layer.padTop = offsets[2];
  layer.padLeft = offsets[3];
  layer.padValue = static_cast<int8_t>(*value);
  ops.push_back(alloc);
  layer.padOps = std::move(ops);
}

/// A spatial index `o * s + k * dil` (s, dil in [1, 16]).
static bool matchSpatial(AffineExpr e, AffineExpr o, AffineExpr k, int64_t &s,
                         int64_t &dil) {
  for (int64_t sv = 1; sv <= 16; ++sv)
    for (int64_t dv = 1; dv <= 16; ++dv)
      if (e == o * sv + k * dv) {
        s = sv;
        dil = dv;
        return true;
      }
  return false;
}

/// The maps of a per-channel window (depthwise conv, pool) over loops
/// (n, c, oh, ow, kh, kw): x(n, c, oh * sh + kh * dh, ow * sw + kw * dw) and
/// out(n, c, oh, ow); sets the layer's strides and dilations.
static bool matchChannelWindow(AffineMap x, AffineMap out, Int8Layer &layer) {
  MLIRContext *ctx = x.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  return out == AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx) &&
         x.getNumResults() == 4 && x.getResult(0) == d(0) &&
         x.getResult(1) == d(1) &&
         matchSpatial(x.getResult(2), d(2), d(4), layer.strideH,
                      layer.dilationH) &&
         matchSpatial(x.getResult(3), d(3), d(5), layer.strideW,
                      layer.dilationW);
}

static std::optional<Int8Layer> matchLayer(linalg::GenericOp op,
                                           eqq::ConvLanes lanes) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  Int8Layer layer;
  layer.op = op;
  layer.x = op.getDpsInputOperand(0)->get();
  layer.acc = op.getDpsInitOperand(0)->get();
  Value w = op.getDpsInputOperand(1)->get();
  auto xType = dyn_cast<MemRefType>(layer.x.getType());
  auto accType = dyn_cast<MemRefType>(layer.acc.getType());
  if (!xType || !accType || !xType.getElementType().isInteger(8) ||
      !accType.getElementType().isInteger(32) || !isContiguous(layer.x) ||
      !isContiguous(layer.acc) || !matchDotBody(op, layer.xSigned))
    return std::nullopt;
  DenseElementsAttr wData = getGlobalData(w);
  if (!wData || !wData.getElementType().isInteger(8))
    return std::nullopt;
  layer.weight = llvm::to_vector(wData.getValues<int8_t>());
  layer.weightShape = llvm::to_vector(wData.getType().getShape());

  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  int64_t channelDim;
  if (op.getNumLoops() == 3) {
    // Linear: (m, n, k) -> x(m, k), W(n, k), acc(m, n).
    if (maps[0] != AffineMap::get(3, 0, {d(0), d(2)}, ctx) ||
        maps[1] != AffineMap::get(3, 0, {d(1), d(2)}, ctx) ||
        maps[2] != AffineMap::get(3, 0, {d(0), d(1)}, ctx) ||
        op.getIteratorTypesArray()[1] != utils::IteratorType::parallel)
      return std::nullopt;
    channelDim = 1;
  } else if (op.getNumLoops() == 7) {
    // Conv 2-D: (n, f, oh, ow, c, kh, kw) -> x(n, c, oh * sh + kh * dh,
    // ow + kw * dw), W(f, c, kh, kw), acc(n, f, oh, ow). A grouped conv
    // reads x(n, (f floordiv F') * C' + c, ...) with c < C' = W's dim 1.
    layer.isConv = true;
    if (maps[1] != AffineMap::get(7, 0, {d(1), d(4), d(5), d(6)}, ctx) ||
        maps[2] != AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx) ||
        maps[0].getNumResults() != 4 || maps[0].getResult(0) != d(0))
      return std::nullopt;
    int64_t c = xType.getDimSize(1), cg = layer.weightShape[1],
            f = layer.weightShape[0];
    if (maps[0].getResult(1) != d(4)) {
      if (c % cg != 0 || f % (c / cg) != 0 || c == cg)
        return std::nullopt;
      layer.groups = c / cg;
      if (maps[0].getResult(1) != d(1).floorDiv(f / layer.groups) * cg + d(4))
        return std::nullopt;
    }
    if (!matchSpatial(maps[0].getResult(2), d(2), d(5), layer.strideH,
                      layer.dilationH) ||
        !matchSpatial(maps[0].getResult(3), d(3), d(6), layer.strideW,
                      layer.dilationW))
      return std::nullopt;
    channelDim = 1;
  } else if (op.getNumLoops() == 6) {
    // Depthwise 2-D: (n, c, oh, ow, kh, kw) -> x(n, c, oh * sh + kh * dh,
    // ow * sw + kw * dw), W(c, kh, kw), acc(n, c, oh, ow).
    layer.isDepthwise = true;
    if (maps[1] != AffineMap::get(6, 0, {d(1), d(4), d(5)}, ctx) ||
        !matchChannelWindow(maps[0], maps[2], layer))
      return std::nullopt;
    channelDim = 1;
  } else {
    return std::nullopt;
  }
  if (!matchInit(layer, channelDim) ||
      static_cast<int64_t>(layer.init.size()) != layer.weightShape[0])
    return std::nullopt;
  bool spatial = layer.isConv || layer.isDepthwise;
  // A conv's lanes: along output channels for rows shorter than a vector
  // (or when asked), unless its consumer cannot take them that way.
  // (A grouped conv's kernel has column lanes only.)
  if (layer.isConv && layer.groups == 1) {
    int64_t ow = cast<MemRefType>(layer.acc.getType()).getDimSize(3);
    layer.channelLanes = lanes == eqq::ConvLanes::channels ||
                         (lanes == eqq::ConvLanes::automatic && ow < kLanes);
    if (layer.channelLanes) {
      layer.epilogue = matchEpilogue(layer, /*laneDim=*/1);
      if (!layer.epilogue && lanes == eqq::ConvLanes::automatic &&
          (layer.epilogue = matchEpilogue(layer, /*laneDim=*/3)))
        layer.channelLanes = false;
    }
  }
  if (!layer.channelLanes)
    layer.epilogue = matchEpilogue(layer, spatial ? 3 : 1);
  if (spatial)
    matchPadding(layer);
  return layer;
}

/// A max pool on stored integers, as --eqq-convert writes it:
/// (n, c, oh, ow, kh, kw) -> x(n, c, oh * sh + kh * dh, ow * sw + kw * dw),
/// window(kh, kw), out(n, c, oh, ow), the body max(in, out) (maxui for u8,
/// maxsi for s8), the output filled with one constant before.
static std::optional<Int8Layer> matchMaxPool(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 6)
    return std::nullopt;
  Int8Layer layer;
  layer.op = op;
  layer.isMaxPool = true;
  layer.x = op.getDpsInputOperand(0)->get();
  layer.acc = op.getDpsInitOperand(0)->get();
  auto xType = dyn_cast<MemRefType>(layer.x.getType());
  auto accType = dyn_cast<MemRefType>(layer.acc.getType());
  auto windowType =
      dyn_cast<MemRefType>(op.getDpsInputOperand(1)->get().getType());
  if (!xType || !accType || !windowType || windowType.getRank() != 2 ||
      !xType.getElementType().isInteger(8) ||
      !accType.getElementType().isInteger(8) || !isContiguous(layer.x) ||
      !isContiguous(layer.acc))
    return std::nullopt;
  Block &body = op.getRegion().front();
  Operation *max = body.getTerminator()->getOperand(0).getDefiningOp();
  if (body.getOperations().size() != 2 || !max ||
      !isa<arith::MaxUIOp, arith::MaxSIOp>(max) ||
      !llvm::is_contained(max->getOperands(), body.getArgument(0)) ||
      !llvm::is_contained(max->getOperands(), body.getArgument(2)))
    return std::nullopt;
  layer.xSigned = isa<arith::MaxSIOp>(max);
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  if (maps[1] != AffineMap::get(6, 0, {d(4), d(5)}, ctx) ||
      !matchChannelWindow(maps[0], maps[2], layer))
    return std::nullopt;
  layer.weightShape = {accType.getDimSize(1), windowType.getDimSize(0),
                       windowType.getDimSize(1)};
  for (Operation *user : layer.acc.getUsers())
    if (auto fill = dyn_cast<linalg::FillOp>(user))
      if (fill->getBlock() == op->getBlock() && fill->isBeforeInBlock(op))
        layer.outFill = fill;
  layer.epilogue = matchEpilogue(layer, /*laneDim=*/3);
  matchPadding(layer);
  return layer;
}

//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

/// Whether vpmaddubsw's 16-bit sums of two u8 x s8 products are exact for
/// `layer` whatever its activations (any byte, 0..255 once offset): two of
/// its largest weights of one sign times 255 stay within 16 bits. They do
/// for 7-bit weights (a weight observer's quant range [-64, 63], whose
/// symmetric rounding reaches +-64: 2 x 255 x 64 = 32640), as ONNX Runtime's
/// reduce_range quantizes them for AVX2; not for 8-bit weights (2 x 255 x
/// 127), whose saturated pair sums are where other int8 libraries' AVX2
/// results leave the exact ones. (7-bit activations would not do: a quint8
/// value is clamped to [0, 255] even when its observer's range is [0, 127].)
static bool pairSumsFit(const Int8Layer &layer) {
  int64_t pos = 0, neg = 0;
  for (int8_t w : layer.weight) {
    pos = std::max<int64_t>(pos, w);
    neg = std::max<int64_t>(neg, -static_cast<int64_t>(w));
  }
  return 2 * 255 * pos <= 32767 && 2 * 255 * neg <= 32768;
}

namespace {

class KernelBuilder : eqq::LoopBuilder {
public:
  KernelBuilder(Int8Layer &layer, Isa isa, bool byteTables, ModuleOp module,
                SymbolTable &symbols)
      : LoopBuilder(OpBuilder(layer.op), layer.op.getLoc()), layer(layer),
        isaKind(isa), byteTables(byteTables), module(module), symbols(symbols),
        bytePairs(isa == Isa::Avx2 && !layer.isDepthwise && !layer.isMaxPool &&
                  pairSumsFit(layer)) {}

  /// The layer's products are vpmaddubsw pair sums (see bytePairs).
  bool multipliesBytePairs() const { return bytePairs; }
  void buildLinear(int64_t mr, int64_t nv);
  void buildConv(int64_t fr, int64_t ov);
  void buildConvChannels(int64_t cv, int64_t px);
  void buildConvAmx();
  void requestAmx();
  void buildDepthwise(int64_t ov);
  void buildDepthwisePairs(int64_t ov);
  void buildDepthwisePermute(int64_t ov);
  void buildMaxPool(int64_t ov);

private:
  Value global(StringRef name, ShapedType type, ElementsAttr data);
  Value dot(Value acc, Value a, Value w);
  Value pmaddwd(Value a, Value w);
  Value widenAccumulator(Value acc);
  /// AVX2 multiplies 16-bit values with vpmaddwd (wordProducts) unless the
  /// layer's bytes cannot saturate vpmaddubsw's pair sums (bytePairs).
  bool wordProducts() const { return isaKind == Isa::Avx2 && !bytePairs; }
  bool widenWeights() const { return wordProducts(); }
  /// A full conv's packed input holds 16-bit values (AVX2): the kernels
  /// read vpmaddwd's operand as it is, extended once per input element
  /// rather than at every tap and output-channel block that reads it.
  bool widenActivations() const { return wordProducts(); }
  Value weightGlobal(ArrayRef<int64_t> shape, ArrayRef<int8_t> bytes);
  Value weightWordGlobal(ArrayRef<int64_t> shape, ArrayRef<int8_t> bytes);
  Value loadWeights(Value global, ValueRange indices);
  Value narrowAccumulator(Value acc);
  Value broadcastDword(Value dword, int64_t lanes = kLanes);
  Value broadcastWord(Value word, int64_t lanes);
  void finish(Value accVec, ArrayRef<Value> loopIndices, int64_t laneDim,
              int64_t validLanes);
  /// Accumulator lanes that continue one another along the lane loop from
  /// `at`, the first `valid` real, in row `row` at lane `offset` of it.
  struct Part {
    Value acc;
    SmallVector<Value> at;
    int64_t valid, row, offset;
  };
  std::pair<Value, Value> finished(ArrayRef<Part> parts, int64_t laneDim);
  std::pair<Value, Value> finished(Value accVec, ArrayRef<Value> loopIndices,
                                   int64_t laneDim, int64_t validLanes) {
    return finished(
        Part{accVec, SmallVector<Value>(loopIndices), validLanes, 0, 0},
        laneDim);
  }
  Value loadInput(linalg::GenericOp op, OpOperand *in,
                  ArrayRef<Value> loopIndices, int64_t laneDim, int64_t lanes,
                  int64_t validLanes);
  Value output();
  SmallVector<Value> channelTileIndices(int64_t pixels, int64_t validLanes);
  void storeChannelTile(ArrayRef<Value> bytes, ArrayRef<Value> indices,
                        Value out, ArrayRef<Value> at, int64_t validLanes);
  void storeChannelColumns(ArrayRef<Value> bytes, Value out, ArrayRef<Value> at,
                           int64_t validLanes);
  void finishRow(ArrayRef<Value> accVecs, ArrayRef<Value> loopIndices,
                 int64_t laneDim, int64_t lastValid) {
    finishRows(accVecs, {SmallVector<Value>(loopIndices)}, laneDim, lastValid);
  }
  void finishRows(ArrayRef<Value> accVecs,
                  ArrayRef<SmallVector<Value>> rowIndices, int64_t laneDim,
                  int64_t lastValid);
  /// An epilogue's i32 lanes (of `part`) waiting to be narrowed to bytes
  /// (finishRows).
  struct Narrowing {
    Part part;
    Value wide, memref;
  };
  void storeNarrowed(ArrayRef<Narrowing> items);
  void storeRuns(Value v, ArrayRef<Part> parts, Value memref);
  Value packBytes(ArrayRef<Value> wide);
  /// Erases the layer and its fused consumer; with `packed`, frees that
  /// packed input after the layer and erases the padding buffer the packing
  /// replaced.
  void eraseOriginal(Value packed = nullptr);
  // Packing a conv's input into rows split by column phase modulo the width
  // stride `sw`, `wx` columns per phase, `unit` bytes per column.
  void forEachPackedRow(Value xp, int64_t nBatch, int64_t groups, int64_t h,
                        int64_t rowElems, int64_t srcH, Value fill,
                        function_ref<void(Value, Value, Value, Value)> row);
  void storeByPhase(Value pixels, int64_t unit, Value xp, ValueRange rowIdx,
                    Value x0, int64_t sw, int64_t wx);
  Value phaseColumn(Value x, int64_t sw, int64_t wx);
  SmallVector<int32_t> convStart();
  Value startGlobal(ArrayRef<int32_t> init);
  Value extendActivations(Value bytes, VectorType wide);
  Value convStartGlobal(int64_t channels);
  SmallVector<Value> accumulateTaps(
      ValueRange accs, int64_t c4, Value y,
      function_ref<void(Value, Value, Value, int64_t, MutableArrayRef<Value>)>
          step);
  Value packConvInput(int64_t wx, int64_t minQuads = 0);
  Value packChannelRows(int64_t wx, int64_t sw, bool flip = false,
                        int64_t extraChannels = 0);
  int64_t phaseWidth();
  void forEachOutputBlock(
      int64_t ov,
      function_ref<void(Value, Value, Value, Value, int64_t, int64_t)> kernel);
  SmallVector<Value> vectorColumns(Value ow0, int64_t vecs);
  Value offsetBy128(Value bytes);
  SmallVector<Value> channelStart(Value initV, Value ci, int64_t vecs);
  void forEachSourcePixel(int64_t srcW, int64_t sw,
                          function_ref<void(Value)> block16,
                          function_ref<void(Value)> pixel);

  Int8Layer &layer;
  Isa isaKind;
  /// Epilogue tables are read with vpermi2b (AVX-512 VBMI).
  bool byteTables;
  /// How epilogues read tables: vpermi2b, or on AVX2 vpshufb (on 16 lanes
  /// or more; 8 take fewer instructions with LLVM's gather).
  eqq::TableReads tableReads() const {
    if (byteTables)
      return eqq::TableReads::BytePermutes;
    return isaKind == Isa::Avx2 ? eqq::TableReads::ByteShuffles
                                : eqq::TableReads::Gather;
  }
  /// Most lanes of an epilogue that reads a table (finishRows).
  int64_t tableLanes() const {
    return tableReads() == eqq::TableReads::BytePermutes   ? 64
           : tableReads() == eqq::TableReads::ByteShuffles ? 32
                                                           : 0;
  }
  ModuleOp module;
  SymbolTable &symbols;
  /// AVX2 dot products of bytes with vpmaddubsw (see pairSumsFit).
  bool bytePairs;
  VectorType i32x16 = VectorType::get({kLanes}, b.getI32Type());
  VectorType i8x64 = VectorType::get({4 * kLanes}, b.getI8Type());
};

} // namespace

Value KernelBuilder::global(StringRef name, ShapedType type,
                            ElementsAttr data) {
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto g = memref::GlobalOp::create(b, loc, name, b.getStringAttr("private"),
                                    memrefType, data, /*constant=*/true,
                                    b.getI64IntegerAttr(64));
  symbols.insert(g);
  b.setInsertionPoint(layer.op);
  return memref::GetGlobalOp::create(b, loc, memrefType, g.getSymName());
}

/// acc[L x i32] += sum over 4 bytes of a (u8) * w (s8), both vector<4L x i8>,
/// for L = 16 or 8 lanes. On AVX2 w is vector<4L x i16>, and a may be too
/// (values 0..255).
Value KernelBuilder::dot(Value acc, Value a, Value w) {
  auto accType = cast<VectorType>(acc.getType());
  // Lanes: one per 4 bytes of the operands (on AVX2 the accumulator holds
  // two pairs per lane).
  int64_t lanes = cast<VectorType>(a.getType()).getNumElements() / 4;
  switch (isaKind) {
  case Isa::Vnni:
    return LLVM::CallIntrinsicOp::create(
               b, loc, accType,
               b.getStringAttr(lanes == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                                           : "llvm.x86.avx512.vpdpbusd.256"),
               ValueRange{acc, a, w})
        .getResult(0);
  case Isa::Avx2: {
    if (bytePairs) {
      // vpmaddubsw: u8 x s8 into the 16-bit sums of pairs (exact: see
      // pairSumsFit), vpmaddwd by ones adds the pairs of each 4 bytes.
      assert((lanes == 8 || lanes == 16) && "8 or 16 lanes");
      auto i16x16 = VectorType::get({16}, b.getI16Type());
      Value ones = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(i16x16, b.getI16IntegerAttr(1)));
      SmallVector<Value> parts;
      for (int64_t q = 0; q < lanes / 8; ++q) {
        auto idx = llvm::to_vector(llvm::seq<int64_t>(32 * q, 32 * q + 32));
        Value aq =
            lanes == 8 ? a : vector::ShuffleOp::create(b, loc, a, a, idx);
        Value wq =
            lanes == 8 ? w : vector::ShuffleOp::create(b, loc, w, w, idx);
        Value pairs =
            LLVM::CallIntrinsicOp::create(
                b, loc, i16x16, b.getStringAttr("llvm.x86.avx2.pmadd.ub.sw"),
                ValueRange{aq, wq})
                .getResult(0);
        parts.push_back(pmaddwd(pairs, ones));
      }
      Value sum = parts.front();
      if (parts.size() == 2)
        sum = vector::ShuffleOp::create(
            b, loc, parts[0], parts[1],
            llvm::to_vector(llvm::seq<int64_t>(0, 16)));
      return arith::AddIOp::create(b, loc, acc, sum);
    }
    // vpmaddwd on 16-bit values: u8 and s8 extended to i16 multiply without
    // saturation into the sums of pairs, which the accumulator keeps apart
    // (widenAccumulator): element 2 l + p is lane l's pair p. Adding a
    // lane's two pairs at every step took 4-6 shuffles per vpmaddwd pair;
    // narrowAccumulator adds them once, after the reduction loop.
    auto wide = VectorType::get({4 * lanes}, b.getI16Type());
    // The weights come extended to 16 bits from their packing
    // (widenWeights), a full conv's activations too (widenActivations).
    assert(cast<VectorType>(w.getType()).getElementType().isInteger(16) &&
           "AVX2 weights are packed as i16");
    Value a16 = cast<VectorType>(a.getType()).getElementType().isInteger(16)
                    ? a
                    : arith::ExtUIOp::create(b, loc, wide, a).getResult();
    SmallVector<Value> pairs;
    for (int64_t q = 0; q < lanes / 4; ++q) {
      SmallVector<int64_t> idx;
      for (int64_t i = 0; i < 16; ++i)
        idx.push_back(q * 16 + i);
      Value aq = vector::ShuffleOp::create(b, loc, a16, a16, idx);
      Value wq = vector::ShuffleOp::create(b, loc, w, w, idx);
      pairs.push_back(pmaddwd(aq, wq));
    }
    // pairs[q][2 l + p] is lane 4 q + l's pair p: concatenated, element
    // 2 lane + p.
    while (pairs.size() > 1) {
      SmallVector<Value> joined;
      for (size_t i = 0; i < pairs.size(); i += 2) {
        int64_t n = cast<VectorType>(pairs[i].getType()).getNumElements();
        joined.push_back(vector::ShuffleOp::create(
            b, loc, pairs[i], pairs[i + 1],
            llvm::to_vector(llvm::seq<int64_t>(0, 2 * n))));
      }
      pairs = std::move(joined);
    }
    return arith::AddIOp::create(b, loc, acc, pairs.front());
  }
  case Isa::Portable: {
    auto wide = VectorType::get({4 * lanes}, b.getI32Type());
    Value prod =
        arith::MulIOp::create(b, loc, arith::ExtUIOp::create(b, loc, wide, a),
                              arith::ExtSIOp::create(b, loc, wide, w));
    Value sum = acc;
    for (int64_t j = 0; j < 4; ++j) {
      SmallVector<int64_t> idx;
      for (int64_t i = 0; i < lanes; ++i)
        idx.push_back(4 * i + j);
      sum = arith::AddIOp::create(
          b, loc, sum, vector::ShuffleOp::create(b, loc, prod, prod, idx));
    }
    return sum;
  }
  }
  llvm_unreachable("unknown isa");
}

/// vpmaddwd (AVX2): the 8 sums of adjacent products of two vector<16 x
/// i16>, as vector<8 x i32>.
Value KernelBuilder::pmaddwd(Value a, Value w) {
  return LLVM::CallIntrinsicOp::create(
             b, loc, VectorType::get({8}, b.getI32Type()),
             b.getStringAttr("llvm.x86.avx2.pmadd.wd"), ValueRange{a, w})
      .getResult(0);
}

/// The accumulator dot() carries for the start values `acc` (vector<L x
/// i32>): on AVX2 the sums of pairs kept apart, vector<2L x i32> with
/// lane l's start value in element 2 l and 0 in element 2 l + 1; `acc`
/// itself on the other paths.
Value KernelBuilder::widenAccumulator(Value acc) {
  if (!wordProducts())
    return acc;
  auto type = cast<VectorType>(acc.getType());
  int64_t lanes = type.getNumElements();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  SmallVector<int64_t> interleave;
  for (int64_t l = 0; l < lanes; ++l) {
    interleave.push_back(l);
    interleave.push_back(lanes + l);
  }
  return vector::ShuffleOp::create(b, loc, acc, zero, interleave);
}

/// The sums (vector<L x i32>) of an accumulator dot() carried: on AVX2 each
/// lane's two pairs added.
Value KernelBuilder::narrowAccumulator(Value acc) {
  if (!wordProducts())
    return acc;
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements() / 2;
  SmallVector<int64_t> even, odd;
  for (int64_t l = 0; l < lanes; ++l) {
    even.push_back(2 * l);
    odd.push_back(2 * l + 1);
  }
  return arith::AddIOp::create(
      b, loc, vector::ShuffleOp::create(b, loc, acc, acc, even),
      vector::ShuffleOp::create(b, loc, acc, acc, odd));
}

/// The global of packed weights `bytes` (s8, of shape `shape`, the last
/// dimension 64 bytes: 16 lanes x 4), extended to i16 where dot() takes
/// them so (AVX2: a vpmovsxbw per weight vector and step saved, the weights
/// read twice the bytes).
Value KernelBuilder::weightGlobal(ArrayRef<int64_t> shape,
                                  ArrayRef<int8_t> bytes) {
  if (!widenWeights()) {
    auto type = RankedTensorType::get(shape, b.getI8Type());
    return global("__eqq_packed_i8_weight", type,
                  eqq::getPackedConstant(type, bytes));
  }
  SmallVector<int16_t> wide(bytes.begin(), bytes.end());
  auto type = RankedTensorType::get(shape, b.getI16Type());
  return global("__eqq_packed_i16_weight", type,
                eqq::getPackedConstant(type, ArrayRef<int16_t>(wide)));
}

/// The global of packed weights `bytes` (s8) as words of 4, of shape
/// `shape`: an i32 of 4 bytes, or where dot() takes the weights extended
/// (widenWeights) an i64 of 4 i16, whose broadcast is the operand of
/// vpmaddwd as it is.
Value KernelBuilder::weightWordGlobal(ArrayRef<int64_t> shape,
                                      ArrayRef<int8_t> bytes) {
  auto words = [&](auto word, unsigned bits) {
    using Word = decltype(word);
    using Unsigned = std::make_unsigned_t<Word>;
    // Each byte sign-extended to `bits`, at bits * k of word i.
    Unsigned mask = (Unsigned{1} << bits) - 1;
    SmallVector<Word> out(bytes.size() / 4);
    for (size_t i = 0; i < out.size(); ++i) {
      Unsigned w = 0;
      for (unsigned k = 0; k < 4; ++k)
        w |= (static_cast<Unsigned>(bytes[4 * i + k]) & mask) << (bits * k);
      out[i] = static_cast<Word>(w);
    }
    auto type =
        RankedTensorType::get(shape, b.getIntegerType(8 * sizeof(Word)));
    return global(widenWeights() ? "__eqq_packed_i16_weight"
                                 : "__eqq_packed_i8_weight",
                  type, eqq::getPackedConstant(type, ArrayRef<Word>(out)));
  };
  if (widenWeights())
    return words(int64_t{}, 16);
  return words(int32_t{}, 8);
}

/// The 64 weights (16 lanes x 4) of a weightGlobal at `indices` (the last
/// 0).
Value KernelBuilder::loadWeights(Value global, ValueRange indices) {
  Type element = cast<MemRefType>(global.getType()).getElementType();
  return vector::LoadOp::create(b, loc, VectorType::get({4 * kLanes}, element),
                                global, indices);
}

/// The 4 bytes of `dword` (i32) in each of `lanes` lanes, as vector<4L x i8>.
Value KernelBuilder::broadcastDword(Value dword, int64_t lanes) {
  Value v = vector::BroadcastOp::create(
      b, loc, VectorType::get({lanes}, b.getI32Type()), dword);
  return vector::BitCastOp::create(
      b, loc, VectorType::get({4 * lanes}, b.getI8Type()), v);
}

/// The 4 values of `word` (an i32 of 4 bytes, or an i64 of 4 i16 where
/// weights or activations are packed wide) in each of `lanes` lanes:
/// vector<4L x i8> or x i16.
Value KernelBuilder::broadcastWord(Value word, int64_t lanes) {
  if (word.getType().isInteger(32))
    return broadcastDword(word, lanes);
  Value v = vector::BroadcastOp::create(
      b, loc, VectorType::get({lanes}, b.getI64Type()), word);
  return vector::BitCastOp::create(
      b, loc, VectorType::get({4 * lanes}, b.getI16Type()), v);
}

/// A finished accumulator vector whose lanes run along loop `laneDim` from
/// `loopIndices`, and the memref it goes to: through the fused epilogue
/// when there is one (its output), else the vector itself (into acc). The
/// first `validLanes` lanes are real.
std::pair<Value, Value> KernelBuilder::finished(ArrayRef<Part> parts,
                                                int64_t laneDim) {
  auto lanesOf = [](Value v) {
    return cast<VectorType>(v.getType()).getNumElements();
  };
  // The parts' vectors one after another.
  auto concat = [&](function_ref<Value(const Part &)> get) {
    Value all = get(parts[0]);
    for (const Part &part : parts.drop_front()) {
      Value next = get(part);
      all = vector::ShuffleOp::create(
          b, loc, all, next,
          llvm::to_vector(llvm::seq<int64_t>(0, lanesOf(all) + lanesOf(next))));
    }
    return all;
  };
  Value accVec = concat([](const Part &part) { return part.acc; });
  int64_t lanes = lanesOf(accVec);
  linalg::GenericOp epi = layer.epilogue;
  if (!epi)
    return {accVec, layer.acc};
  auto inputOf = [&](linalg::GenericOp op, OpOperand *in) {
    return concat([&](const Part &part) {
      return loadInput(op, in, part.at, laneDim, lanesOf(part.acc), part.valid);
    });
  };
  Block &body = epi.getRegion().front();
  IRMapping map;
  for (OpOperand *in : epi.getDpsInputOperands()) {
    BlockArgument arg = epi.getMatchingBlockArgument(in);
    if (in->get() == layer.acc) {
      map.map(arg, accVec);
      continue;
    }
    map.map(arg, inputOf(epi, in));
  }
  Value result =
      eqq::buildBodyOnVectors(b, loc, body, map, lanes, tableReads());
  linalg::GenericOp join = layer.join;
  if (!join)
    return {result, epi.getDpsInitOperand(0)->get()};
  // The join reads the epilogue's result where it read its output buffer
  // (its bytes widened again are the epilogue's integers).
  IRMapping joinMap;
  Value mid = epi.getDpsInitOperand(0)->get();
  for (OpOperand *in : join.getDpsInputOperands()) {
    BlockArgument arg = join.getMatchingBlockArgument(in);
    if (in->get() == mid) {
      joinMap.map(arg, result);
      eqq::mapRewidened(body, map, arg, joinMap);
      continue;
    }
    joinMap.map(arg, inputOf(join, in));
  }
  return {eqq::buildBodyOnVectors(b, loc, join.getRegion().front(), joinMap,
                                  lanes, tableReads()),
          join.getDpsInitOperand(0)->get()};
}

/// The vector of `lanes` values of `op`'s input `in` at `loopIndices`, lanes
/// along loop `laneDim` (the first `validLanes` real): per-lane values, or
/// one value for every lane.
Value KernelBuilder::loadInput(linalg::GenericOp op, OpOperand *in,
                               ArrayRef<Value> loopIndices, int64_t laneDim,
                               int64_t lanes, int64_t validLanes) {
  AffineMap m = op.getMatchingIndexingMap(in);
  SmallVector<Value> idx;
  bool alongLanes = false;
  for (AffineExpr e : m.getResults()) {
    unsigned dim = cast<AffineDimExpr>(e).getPosition();
    idx.push_back(loopIndices[dim]);
    alongLanes |= dim == laneDim;
  }
  return eqq::loadLanes(b, loc, in->get(), idx, lanes, validLanes, alongLanes);
}

/// The buffer the layer's kernel writes: the join's output, the epilogue's,
/// or acc.
Value KernelBuilder::output() {
  if (layer.join)
    return layer.join.getDpsInitOperand(0)->get();
  if (layer.epilogue)
    return layer.epilogue.getDpsInitOperand(0)->get();
  return layer.acc;
}

/// Stores a finished accumulator vector whose lanes run along loop
/// `laneDim` from `loopIndices` (see finished()).
///
/// The first `validLanes` lanes are real. One real lane is stored (and its
/// inputs loaded) as a scalar: LLVM 22's x86 backend turns a one-lane masked
/// store of a truncated vector into a store of the untruncated element,
/// which writes past the lane (into the next row).
void KernelBuilder::finish(Value accVec, ArrayRef<Value> loopIndices,
                           int64_t laneDim, int64_t validLanes) {
  auto [v, memref] = finished(accVec, loopIndices, laneDim, validLanes);
  // Lanes along a dimension that is not the innermost (a conv's output
  // channels): one store per real lane.
  if (laneDim + 1 != cast<MemRefType>(memref.getType()).getRank()) {
    for (int64_t l = 0; l < validLanes; ++l) {
      SmallVector<Value> at(loopIndices.begin(), loopIndices.end());
      at[laneDim] = arith::AddIOp::create(b, loc, at[laneDim], cst(l));
      memref::StoreOp::create(
          b, loc, vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{l}),
          memref, at);
    }
    return;
  }
  eqq::storeLanes(b, loc, v, memref, loopIndices, validLanes);
}

/// The byte permutes of storeChannelTile for `pixels` (2..8) columns: one
/// index per 4 output channels, which puts the `pixels` bytes of channel
/// 4j + m at the start of the index's 16-byte block m. Each goes through an
/// empty inline assembly: given a constant index, LLVM's instcombine turns
/// vpermi2b into a shuffle of the epilogue's narrowed vectors, which the
/// x86 backend assembles from vpextrb/vpinsrb. Built once per call site
/// (a row of tiles), outside the tiles' loops.
SmallVector<Value> KernelBuilder::channelTileIndices(int64_t pixels,
                                                     int64_t validLanes) {
  SmallVector<Value> indices;
  for (int64_t j = 0; j * 4 < validLanes; ++j) {
    SmallVector<int8_t> index(64, 0);
    for (int64_t m = 0; m < 4; ++m)
      for (int64_t p = 0; p < pixels; ++p) {
        // Pixel p's 16 channel bytes start at byte 16p of the 128 bytes the
        // permute reads (pixels 0-3, then 4-7).
        int64_t channel = 4 * j + m;
        index[16 * m + p] = static_cast<int8_t>(16 * p + channel);
      }
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i8x64, ArrayRef<int8_t>(index)));
    indices.push_back(LLVM::InlineAsmOp::create(
                          b, loc, TypeRange{i8x64}, ValueRange{constant},
                          /*asm_string=*/"", /*constraints=*/"=v,0",
                          /*has_side_effects=*/false, /*is_align_stack=*/false,
                          LLVM::tailcallkind::TailCallKind::None,
                          /*asm_dialect=*/LLVM::AsmDialectAttr(),
                          /*operand_attrs=*/ArrayAttr())
                          .getResult(0));
  }
  return indices;
}

/// Stores the finished 16-byte vectors `bytes` of consecutive output
/// columns (2..8 of them; lanes along output channels, the first
/// `validLanes` real) into `out` at (n, f, y, ow0) = `at`: the 16 x pixels
/// bytes are transposed with byte permutes (two 64-byte vectors of 4
/// columns each, `indices` from channelTileIndices) and each channel's row
/// of bytes is written with one masked store, where one store per byte
/// took 15-20% of resnet50's 14 x 14 and 7 x 7 1 x 1 convs.
void KernelBuilder::storeChannelTile(ArrayRef<Value> bytes,
                                     ArrayRef<Value> indices, Value out,
                                     ArrayRef<Value> at, int64_t validLanes) {
  auto i8x16 = VectorType::get({kLanes}, b.getI8Type());
  int64_t pixels = bytes.size();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(i8x16));
  auto quad = [&](int64_t p0) -> Value {
    auto pixel = [&](int64_t p) { return p < pixels ? bytes[p] : zero; };
    auto pairs = llvm::to_vector(llvm::seq<int64_t>(0, 2 * kLanes));
    Value lo =
        vector::ShuffleOp::create(b, loc, pixel(p0), pixel(p0 + 1), pairs);
    Value hi =
        vector::ShuffleOp::create(b, loc, pixel(p0 + 2), pixel(p0 + 3), pairs);
    return vector::ShuffleOp::create(
        b, loc, lo, hi, llvm::to_vector(llvm::seq<int64_t>(0, 4 * kLanes)));
  };
  Value first = quad(0), second = pixels > 4 ? quad(4) : first;
  Value mask = vector::ConstantMaskOp::create(
      b, loc, VectorType::get({kLanes}, b.getI1Type()),
      ArrayRef<int64_t>{pixels});
  for (int64_t j = 0; j * 4 < validLanes; ++j) {
    Value t =
        LLVM::CallIntrinsicOp::create(
            b, loc, i8x64, b.getStringAttr("llvm.x86.avx512.vpermi2var.qi.512"),
            ValueRange{first, indices[j], second})
            .getResult(0);
    for (int64_t m = 0; m < 4 && 4 * j + m < validLanes; ++m) {
      Value row = vector::ExtractStridedSliceOp::create(
          b, loc, t, ArrayRef<int64_t>{16 * m}, ArrayRef<int64_t>{kLanes},
          ArrayRef<int64_t>{1});
      SmallVector<Value> idx(at.begin(), at.end());
      idx[1] = arith::AddIOp::create(b, loc, idx[1], cst(4 * j + m));
      vector::MaskedStoreOp::create(b, loc, out, idx, mask, row);
    }
  }
}

/// Stores the finished byte vectors `bytes` of consecutive output columns
/// (lanes along output channels, the first `validLanes` real) into `out` at
/// (n, f, y, ow0) = `at`: the bytes of 4 (or 2) neighbouring columns are
/// interleaved so that each channel's run is one dword (or word) store
/// instead of a `vpextrb` store per byte (AVX2 has no byte scatter). A
/// column left over is stored a byte at a time.
void KernelBuilder::storeChannelColumns(ArrayRef<Value> bytes, Value out,
                                        ArrayRef<Value> at,
                                        int64_t validLanes) {
  int64_t lanes = cast<VectorType>(bytes[0].getType()).getNumElements();
  auto interleave = [&](Value x, Value y, int64_t unit) {
    // Units of `unit` bytes of x and y, alternately.
    int64_t units = cast<VectorType>(x.getType()).getNumElements() / unit;
    SmallVector<int64_t> mask;
    for (int64_t u = 0; u < units; ++u)
      for (int64_t half = 0; half < 2; ++half)
        for (int64_t e = 0; e < unit; ++e)
          mask.push_back(half * units * unit + u * unit + e);
    return vector::ShuffleOp::create(b, loc, x, y, mask).getResult();
  };
  int64_t pixels = bytes.size();
  for (int64_t p = 0; p < pixels;) {
    int64_t run = pixels - p >= 4 ? 4 : pixels - p >= 2 ? 2 : 1;
    Value joined = bytes[p];
    if (run >= 2)
      joined = interleave(bytes[p], bytes[p + 1], 1);
    if (run == 4)
      joined = interleave(joined, interleave(bytes[p + 2], bytes[p + 3], 1), 2);
    for (int64_t l = 0; l < validLanes && l < lanes; ++l) {
      SmallVector<Value> idx(at.begin(), at.end());
      idx[1] = arith::AddIOp::create(b, loc, idx[1], cst(l));
      idx[3] = arith::AddIOp::create(b, loc, idx[3], cst(p));
      if (run == 1) {
        memref::StoreOp::create(
            b, loc,
            vector::ExtractOp::create(b, loc, joined, ArrayRef<int64_t>{l}),
            out, idx);
        continue;
      }
      vector::StoreOp::create(b, loc,
                              vector::ExtractStridedSliceOp::create(
                                  b, loc, joined, ArrayRef<int64_t>{l * run},
                                  ArrayRef<int64_t>{run}, ArrayRef<int64_t>{1}),
                              out, idx);
    }
    p += run;
  }
}

/// Finishes rows of accumulator vectors whose lanes continue one another
/// along loop `laneDim`: row r is the r-th equal slice of `accVecs`, from
/// `rowIndices[r]` (each row's last vector with `lastValid` real lanes).
/// Through an epilogue that reads a table with byte permutes, into the
/// output's innermost dimension, up to 64 lanes of a row go through it as
/// one vector: the float steps cost the same, but the two permutes and the
/// select serve 64 bytes instead of 16. (Joining epilogues without a table
/// measured no faster on mobilenet_v2: assembling the 64 bytes costs what
/// the clamps and stores on 16 saved.) On AVX2, full 8-lane vectors whose
/// epilogue ends in a truncation of i32 to bytes are narrowed four at a time
/// instead (storeNarrowed), across rows.
void KernelBuilder::finishRows(ArrayRef<Value> accVecs,
                               ArrayRef<SmallVector<Value>> rowIndices,
                               int64_t laneDim, int64_t lastValid) {
  auto lanesOf = [](Value v) {
    return cast<VectorType>(v.getType()).getNumElements();
  };
  linalg::GenericOp epi = layer.epilogue;
  bool innermost =
      laneDim + 1 == cast<MemRefType>(output().getType()).getRank();
  int64_t joinLanes = tableLanes();
  bool joinVectors =
      epi && joinLanes &&
      llvm::any_of(epi.getRegion().front(),
                   [](Operation &op) { return isa<memref::LoadOp>(op); }) &&
      innermost;
  // AVX2's 32 lanes take vectors of several rows: a conv tile's rows have
  // 16 columns.
  bool acrossRows = tableReads() == eqq::TableReads::ByteShuffles;
  bool packs = isaKind == Isa::Avx2 && !joinVectors && innermost;
  SmallVector<Part> parts;
  int64_t perRow = accVecs.size() / rowIndices.size();
  for (auto [r, loopIndices] : llvm::enumerate(rowIndices)) {
    int64_t offset = 0;
    for (int64_t k = 0; k < perRow; ++k) {
      Value acc = accVecs[r * perRow + k];
      SmallVector<Value> at(loopIndices.begin(), loopIndices.end());
      at[laneDim] = arith::AddIOp::create(b, loc, at[laneDim], cst(offset));
      int64_t lanes = lanesOf(acc);
      parts.push_back({acc, at, k + 1 == perRow ? lastValid : lanes,
                       static_cast<int64_t>(r), offset});
      offset += lanes;
    }
  }

  if (joinVectors) {
    for (size_t i = 0; i < parts.size();) {
      // The parts [i, end) together, at most joinLanes lanes.
      size_t end = i + 1;
      int64_t lanes = lanesOf(parts[i].acc);
      while (end < parts.size() &&
             lanes + lanesOf(parts[end].acc) <= joinLanes &&
             (acrossRows || parts[end].row == parts[i].row))
        lanes += lanesOf(parts[end++].acc);
      ArrayRef<Part> group = ArrayRef<Part>(parts).slice(i, end - i);
      auto [v, memref] = finished(group, laneDim);
      storeRuns(v, group, memref);
      i = end;
    }
    return;
  }

  auto i32x8 = VectorType::get({8}, b.getI32Type());
  auto i8x8 = VectorType::get({8}, b.getI8Type());
  SmallVector<Narrowing> narrowing;
  for (const Part &part : parts) {
    if (!packs || lanesOf(part.acc) != 8 || part.valid != 8) {
      finish(part.acc, part.at, laneDim, part.valid);
      continue;
    }
    auto [v, memref] = finished(part, laneDim);
    auto trunc = v.getDefiningOp<arith::TruncIOp>();
    if (trunc && trunc.getIn().getType() == i32x8 && trunc.getType() == i8x8) {
      narrowing.push_back({part, trunc.getIn(), memref});
      trunc.erase();
    } else {
      eqq::storeLanes(b, loc, v, memref, part.at, part.valid);
    }
  }
  storeNarrowed(narrowing);
}

/// Narrows the i32 lanes of `items` to their low bytes (arith.trunci) and
/// stores them, four vectors at a time: masked to 8 bits, two vpackusdw, a
/// vpackuswb and a dword permute give the 32 bytes in order (no lane
/// saturates), stored as runs of contiguous bytes. LLVM narrows each
/// vector alone with two vpshufb, an extract and an unpack. A constant
/// added last (a zero point) is added to the bytes instead: the low byte of
/// a sum is the sum of the low bytes.
void KernelBuilder::storeNarrowed(ArrayRef<Narrowing> items) {
  auto i8x8 = VectorType::get({8}, b.getI8Type());
  for (size_t i = 0; i < items.size();) {
    size_t n = std::min<size_t>(4, items.size() - i);
    if (n == 3)
      n = 2;
    ArrayRef<Narrowing> group = items.slice(i, n);
    i += n;
    if (n == 1) {
      Value v = arith::TruncIOp::create(b, loc, i8x8, group[0].wide);
      eqq::storeLanes(b, loc, v, group[0].memref, group[0].part.at, 8);
      continue;
    }
    // The constant every vector of the group adds last, if any.
    std::optional<APInt> added;
    SmallVector<Value> wide;
    for (const Narrowing &item : group) {
      auto add = item.wide.getDefiningOp<arith::AddIOp>();
      SplatElementsAttr c;
      std::optional<APInt> value;
      Value rest;
      if (add && matchPattern(add.getRhs(), m_Constant(&c))) {
        value = c.getSplatValue<APInt>();
        rest = add.getLhs();
      }
      if (!value || (added && *added != *value)) {
        added.reset();
        wide.clear();
        break;
      }
      added = value;
      wide.push_back(rest);
    }
    if (!added)
      for (const Narrowing &item : group)
        wide.push_back(item.wide);
    while (wide.size() < 4)
      wide.push_back(wide[wide.size() - 2]);
    Value bytes = packBytes(wide);
    auto i8x32 = cast<VectorType>(bytes.getType());
    if (added)
      bytes = arith::AddIOp::create(
          b, loc, bytes,
          arith::ConstantOp::create(
              b, loc,
              DenseElementsAttr::get(
                  i8x32, b.getI8IntegerAttr(added->trunc(8).getSExtValue()))));
    SmallVector<Part> parts;
    for (const Narrowing &item : group)
      parts.push_back(item.part);
    storeRuns(bytes, parts, group[0].memref);
  }
}

/// Stores the lanes of `v`, the vectors of `parts` one after another (and
/// lanes past them, not stored), into `memref`: each run of parts that
/// continue one another in a row with one store, of its real lanes.
void KernelBuilder::storeRuns(Value v, ArrayRef<Part> parts, Value memref) {
  auto lanesOf = [](Value x) {
    return cast<VectorType>(x.getType()).getNumElements();
  };
  int64_t from = 0;
  for (size_t j = 0; j < parts.size();) {
    size_t k = j + 1;
    int64_t runLanes = lanesOf(parts[j].acc);
    while (k < parts.size() && parts[k].row == parts[j].row &&
           parts[k].offset == parts[k - 1].offset + lanesOf(parts[k - 1].acc))
      runLanes += lanesOf(parts[k++].acc);
    Value run = v;
    if (runLanes != lanesOf(v))
      run = vector::ExtractStridedSliceOp::create(
          b, loc, v, ArrayRef<int64_t>{from}, ArrayRef<int64_t>{runLanes},
          ArrayRef<int64_t>{1});
    const Part &last = parts[k - 1];
    eqq::storeLanes(b, loc, run, memref, parts[j].at,
                    runLanes - lanesOf(last.acc) + last.valid);
    from += runLanes;
    j = k;
  }
}

/// The low bytes of the lanes of four vector<8xi32>, in order, as a
/// vector<32xi8>.
Value KernelBuilder::packBytes(ArrayRef<Value> wide) {
  auto i32x8 = VectorType::get({8}, b.getI32Type());
  auto i16x16 = VectorType::get({16}, b.getI16Type());
  auto i8x32 = VectorType::get({32}, b.getI8Type());
  Value low = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(i32x8, b.getI32IntegerAttr(255)));
  SmallVector<Value> masked;
  for (Value w : wide)
    masked.push_back(arith::AndIOp::create(b, loc, w, low));
  auto pack = [&](StringRef name, Type type, Value x, Value y) {
    return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(name),
                                         ValueRange{x, y})
        .getResult(0);
  };
  // Words [v0 0-3, v1 0-3 | v0 4-7, v1 4-7] and the same of v2, v3; bytes
  // [v0 0-3, v1 0-3, v2 0-3, v3 0-3 | v0 4-7, ...]: dwords 0 4 1 5 2 6 3 7.
  Value lo = pack("llvm.x86.avx2.packusdw", i16x16, masked[0], masked[1]);
  Value hi = pack("llvm.x86.avx2.packusdw", i16x16, masked[2], masked[3]);
  Value q = pack("llvm.x86.avx2.packuswb", i8x32, lo, hi);
  Value d = vector::BitCastOp::create(b, loc, i32x8, q);
  d = vector::ShuffleOp::create(b, loc, d, d,
                                ArrayRef<int64_t>{0, 4, 1, 5, 2, 6, 3, 7});
  return vector::BitCastOp::create(b, loc, i8x32, d);
}

void KernelBuilder::eraseOriginal(Value packed) {
  if (packed) {
    // Deallocation ran before this pass: the packed input is freed here.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(layer.op);
    memref::DeallocOp::create(b, loc, packed);
  }
  if (linalg::GenericOp join = layer.join) {
    // The epilogue's output buffer goes with the join, its only reader.
    Value mid = layer.epilogue.getDpsInitOperand(0)->get();
    join.erase();
    layer.epilogue.erase();
    for (Operation *u : llvm::make_early_inc_range(mid.getUsers()))
      u->erase();
    mid.getDefiningOp()->erase();
  } else if (linalg::GenericOp epi = layer.epilogue) {
    epi.erase();
  }
  layer.op.erase();
  // The accumulator buffer is dead when only its start values and its
  // deallocation are left.
  Value acc = layer.acc;
  auto alloc = acc.getDefiningOp<memref::AllocOp>();
  if (alloc && llvm::all_of(acc.getUsers(), [&](Operation *u) {
        return u == layer.initOp || isa<memref::DeallocOp>(u);
      })) {
    for (Operation *u : llvm::make_early_inc_range(acc.getUsers()))
      u->erase();
    alloc.erase();
  }
  // The padding buffer: copy, subview, fill, deallocation, allocation.
  for (Operation *op : layer.padOps)
    op->erase();
}

/// In parallel over images and groups of channels: fills the rows of the
/// group's slab of `xp` (N x G x H x rowElems) that no source row reaches
/// with `fill` (padding), then for each source row y fills row yOut = y +
/// padTop (padding, missing channels, columns past the input) and calls
/// `row(n, g, y, yOut)` to write it. Each row is filled just before it is
/// written, while it is in cache: filling the whole slab first wrote the
/// packed input to memory twice (memset took 3-4% of mobilenet_v2).
void KernelBuilder::forEachPackedRow(
    Value xp, int64_t nBatch, int64_t groups, int64_t h, int64_t rowElems,
    int64_t srcH, Value fill,
    function_ref<void(Value, Value, Value, Value)> row) {
  parallel({{0, nBatch, 1}, {0, groups, 1}}, [&](ValueRange iv) {
    Value n = iv[0], g = iv[1];
    // Rows [y0, y0 + count) of the slab, filled.
    auto fillRows = [&](OpFoldResult y0, int64_t count) {
      if (count <= 0)
        return;
      SmallVector<OpFoldResult> offsets{n, g, y0, b.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(1),
                                      b.getIndexAttr(count),
                                      b.getIndexAttr(rowElems)};
      SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
      linalg::FillOp::create(
          b, loc, fill,
          memref::SubViewOp::create(b, loc, xp, offsets, sizes, strides)
              .getResult());
    };
    fillRows(b.getIndexAttr(0), std::min(layer.padTop, h));
    int64_t written = std::min(srcH, h - layer.padTop);
    fillRows(b.getIndexAttr(layer.padTop + written),
             h - layer.padTop - written);
    forLoop(0, written, 1, [&](Value y) {
      Value yOut = arith::AddIOp::create(b, loc, y, cst(layer.padTop));
      fillRows(yOut, 1);
      row(n, g, y, yOut);
    });
  });
}

/// Stores 16 source pixels from column x0 (a multiple of 16), `unit`
/// elements each (`pixels`: vector<16 unit x i8 or i16>), into the packed
/// row `rowIdx`
/// (n, g, yOut): pixel i, padded column X = x0 + padLeft + i, goes to phase
/// X % sw, column X / sw. x0 is a multiple of sw (sw divides 16), so each
/// phase takes every sw-th pixel, 16 / sw of them, contiguously.
void KernelBuilder::storeByPhase(Value pixels, int64_t unit, Value xp,
                                 ValueRange rowIdx, Value x0, int64_t sw,
                                 int64_t wx) {
  auto at = [&](Value col) {
    SmallVector<Value> idx(rowIdx.begin(), rowIdx.end());
    idx.push_back(arith::MulIOp::create(b, loc, col, cst(unit)));
    return idx;
  };
  if (sw == 1) {
    vector::StoreOp::create(
        b, loc, pixels, xp,
        at(arith::AddIOp::create(b, loc, x0, cst(layer.padLeft))));
    return;
  }
  Type pixelElem = cast<VectorType>(pixels.getType()).getElementType();
  Type elem = b.getIntegerType(pixelElem.getIntOrFloatBitWidth() * unit);
  Value elems = unit == 1 ? pixels
                          : vector::BitCastOp::create(
                                b, loc, VectorType::get({16}, elem), pixels)
                                .getResult();
  Value base = arith::DivUIOp::create(b, loc, x0, cst(sw));
  for (int64_t p = 0; p < sw; ++p) {
    int64_t i0 = ((p - layer.padLeft) % sw + sw) % sw;
    SmallVector<int64_t> lanes;
    for (int64_t i = i0; i < 16; i += sw)
      lanes.push_back(i);
    Value part = vector::ShuffleOp::create(b, loc, elems, elems, lanes);
    if (unit != 1)
      part = vector::BitCastOp::create(
          b, loc,
          VectorType::get({unit * static_cast<int64_t>(lanes.size())},
                          pixelElem),
          part);
    Value col = arith::AddIOp::create(b, loc, base,
                                      cst(p * wx + (layer.padLeft + i0) / sw));
    vector::StoreOp::create(b, loc, part, xp, at(col));
  }
}

/// The packed column of source column `x`: padded column X = x + padLeft at
/// phase X % sw, column X / sw.
Value KernelBuilder::phaseColumn(Value x, int64_t sw, int64_t wx) {
  Value xPadded = arith::AddIOp::create(b, loc, x, cst(layer.padLeft));
  if (sw == 1)
    return xPadded;
  return arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(
          b, loc, arith::RemUIOp::create(b, loc, xPadded, cst(sw)), cst(wx)),
      arith::DivUIOp::create(b, loc, xPadded, cst(sw)));
}

/// Over a source row of `srcW` pixels: `block16(x0)` for blocks of 16 from
/// x0 = 0 when the phases split 16 pixels evenly (sw divides 16), then
/// `pixel(x)` for each pixel left.
void KernelBuilder::forEachSourcePixel(int64_t srcW, int64_t sw,
                                       function_ref<void(Value)> block16,
                                       function_ref<void(Value)> pixel) {
  int64_t full = 16 % sw == 0 ? srcW / 16 * 16 : 0;
  forLoop(0, full, 16, block16);
  forLoop(full, srcW, 1, pixel);
}

/// Linear: acc[M][N] = init + x[M][K] * W[N][K]^T.
///
///   Wp[N/16][K/4][64]: 16 columns x 4 consecutive k per 64 bytes.
///   in parallel over panels of nv * 16 columns and blocks of mr rows:
///     acc[mr][nv] = init (vector<16xi32>)
///     for k4: w[j] = Wp[panel + j][k4]; a[i] = broadcast(x[m + i][4 k4..])
///             acc[i][j] = dot(acc[i][j], a[i], w[j])
///     epilogue(acc) -> output (masked in the last columns)
void KernelBuilder::buildLinear(int64_t mr, int64_t nv) {
  auto xType = cast<MemRefType>(layer.x.getType());
  int64_t m = xType.getDimSize(0), k = xType.getDimSize(1);
  int64_t n = layer.weightShape[0];
  int64_t nb = llvm::divideCeil(n, kLanes), k4 = llvm::divideCeil(k, 4);
  // Packed weights and start values (padded with zeros).
  SmallVector<int8_t> packed(nb * k4 * 64, 0);
  SmallVector<int32_t> init(nb * kLanes, 0);
  for (int64_t col = 0; col < n; ++col) {
    int64_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      int8_t w = layer.weight[col * k + kk];
      sum += w;
      packed[((col / kLanes) * k4 + kk / 4) * 64 + (col % kLanes) * 4 +
             kk % 4] = w;
    }
    init[col] = layer.init[col] - (layer.xSigned ? 128 * sum : 0);
  }
  Value wp = weightGlobal({nb, k4, 64}, packed);
  Value initV = startGlobal(init);
  Value signFlip = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(0x80808080U)));

  // On AVX2 the kernels take the activations as i16 (widenActivations):
  // xw[M][4 k4], x widened once (signed bytes offset by 128; the columns
  // past K read zero weights), so that a step broadcasts a row's 4 values
  // with one load. Extending 4 bytes per row and step cost a vpmovzxbw per
  // 4 vpmaddwd.
  Value xw;
  if (widenActivations()) {
    int64_t kw = k4 * 4;
    xw = memref::AllocOp::create(b, loc,
                                 MemRefType::get({m, kw}, b.getI16Type()),
                                 b.getI64IntegerAttr(64));
    auto i8x16 = VectorType::get({16}, b.getI8Type());
    auto i16x16 = VectorType::get({16}, b.getI16Type());
    Value flip = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i8x16, b.getI8IntegerAttr(-128)));
    Value zero8 = arith::ConstantOp::create(b, loc, b.getZeroAttr(i8x16));
    parallel({{0, m, 1}}, [&](ValueRange iv) {
      // 16 columns from c0, the first `load` of them read, `store` written.
      auto widen16 = [&](Value c0, int64_t load, int64_t store) {
        auto mask = [&](int64_t lanes) {
          return vector::ConstantMaskOp::create(
              b, loc, VectorType::get({16}, b.getI1Type()),
              ArrayRef<int64_t>{lanes});
        };
        SmallVector<Value, 2> at{iv[0], c0};
        Value bytes =
            load == 16
                ? vector::LoadOp::create(b, loc, i8x16, layer.x, at).getResult()
                : vector::MaskedLoadOp::create(b, loc, i8x16, layer.x, at,
                                               mask(load), zero8)
                      .getResult();
        if (layer.xSigned)
          bytes = arith::XOrIOp::create(b, loc, bytes, flip);
        Value wide = arith::ExtUIOp::create(b, loc, i16x16, bytes);
        if (store == 16)
          vector::StoreOp::create(b, loc, wide, xw, at);
        else
          vector::MaskedStoreOp::create(b, loc, xw, at, mask(store), wide);
      };
      int64_t full = k / 16 * 16;
      forLoop(0, full, 16, [&](Value c0) { widen16(c0, 16, 16); });
      if (kw > full)
        widen16(cst(full), k - full, kw - full);
    });
  }

  // A kernel of `rows` rows from m0 and `vecs` vectors from column block nb0;
  // `lastLanes` columns of the last vector are real.
  auto kernel = [&](Value m0, int64_t rows, Value nb0, int64_t vecs,
                    int64_t lastLanes) {
    SmallVector<Value> rowIdx, colBlock, col;
    for (int64_t i = 0; i < rows; ++i)
      rowIdx.push_back(arith::AddIOp::create(b, loc, m0, cst(i)));
    for (int64_t j = 0; j < vecs; ++j) {
      colBlock.push_back(arith::AddIOp::create(b, loc, nb0, cst(j)));
      col.push_back(arith::MulIOp::create(b, loc, colBlock[j], cst(kLanes)));
    }
    SmallVector<Value> accs;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vecs; ++j)
        accs.push_back(widenAccumulator(
            vector::LoadOp::create(b, loc, i32x16, initV, ValueRange{col[j]})));
    auto loadA = [&](Value row, Value kk, int64_t valid) -> Value {
      if (xw) {
        Value words =
            vector::LoadOp::create(b, loc, VectorType::get({4}, b.getI16Type()),
                                   xw, ValueRange{row, kk});
        Value word = vector::ExtractOp::create(
            b, loc,
            vector::BitCastOp::create(
                b, loc, VectorType::get({1}, b.getI64Type()), words),
            ArrayRef<int64_t>{0});
        return broadcastWord(word, kLanes);
      }
      auto i8x4 = VectorType::get({4}, b.getI8Type());
      Value bytes;
      if (valid == 1) {
        // One byte: a scalar load (a one-lane masked load may read the
        // whole dword, past the end of the buffer).
        Value byte =
            memref::LoadOp::create(b, loc, layer.x, ValueRange{row, kk});
        Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(i8x4));
        bytes =
            vector::InsertOp::create(b, loc, byte, zero, ArrayRef<int64_t>{0});
      } else if (valid < 4) {
        Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(i8x4));
        Value mask = vector::ConstantMaskOp::create(
            b, loc, VectorType::get({4}, b.getI1Type()),
            ArrayRef<int64_t>{valid});
        bytes = vector::MaskedLoadOp::create(b, loc, i8x4, layer.x,
                                             ValueRange{row, kk}, mask, zero);
      } else {
        bytes =
            vector::LoadOp::create(b, loc, i8x4, layer.x, ValueRange{row, kk});
      }
      Value dword = vector::ExtractOp::create(
          b, loc,
          vector::BitCastOp::create(
              b, loc, VectorType::get({1}, b.getI32Type()), bytes),
          ArrayRef<int64_t>{0});
      if (layer.xSigned)
        dword = arith::XOrIOp::create(b, loc, dword, signFlip);
      return broadcastDword(dword);
    };
    auto step = [&](Value kq, ValueRange iter, int64_t valid) {
      Value kk = arith::MulIOp::create(b, loc, kq, cst(4));
      SmallVector<Value> w, a, next;
      for (int64_t j = 0; j < vecs; ++j)
        w.push_back(loadWeights(wp, ValueRange{colBlock[j], kq, cst(0)}));
      for (int64_t i = 0; i < rows; ++i)
        a.push_back(loadA(rowIdx[i], kk, valid));
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < vecs; ++j)
          next.push_back(dot(iter[i * vecs + j], a[i], w[j]));
      return next;
    };
    int64_t fullSteps = k / 4;
    if (fullSteps > 0)
      accs = forLoopCarrying(fullSteps, accs, [&](Value kq, ValueRange iter) {
        return step(kq, iter, 4);
      });
    if (k % 4)
      accs = step(cst(fullSteps), accs, k % 4);
    for (Value &acc : accs)
      acc = narrowAccumulator(acc);
    SmallVector<SmallVector<Value>> rowIndices;
    for (int64_t i = 0; i < rows; ++i)
      rowIndices.push_back({rowIdx[i], col[0]});
    finishRows(accs, rowIndices, /*laneDim=*/1, lastLanes);
  };

  // Full panels x full row blocks in parallel; the last rows of each full
  // panel; the last (partial) panel's row blocks and last rows.
  int64_t fullRows = m / mr * mr;
  int64_t fullVecs = n / kLanes;      // vectors with 16 real columns
  int64_t fullPanels = fullVecs / nv; // panels of nv such vectors
  parallel({{0, fullPanels * nv, nv}, {0, fullRows, mr}},
           [&](ValueRange iv) { kernel(iv[1], mr, iv[0], nv, kLanes); });
  if (m > fullRows)
    parallel({{0, fullPanels * nv, nv}}, [&](ValueRange iv) {
      kernel(cst(fullRows), m - fullRows, iv[0], nv, kLanes);
    });
  int64_t restCols = n - fullPanels * nv * kLanes;
  if (restCols > 0) {
    int64_t vecs = llvm::divideCeil(restCols, kLanes);
    int64_t lastLanes = restCols - (vecs - 1) * kLanes;
    parallel({{0, fullRows, mr}}, [&](ValueRange iv) {
      kernel(iv[0], mr, cst(fullPanels * nv), vecs, lastLanes);
    });
    if (m > fullRows)
      kernel(cst(fullRows), m - fullRows, cst(fullPanels * nv), vecs,
             lastLanes);
  }
  if (xw)
    memref::DeallocOp::create(b, loc, xw);
  eraseOriginal();
}

/// The reduction loop of a full conv's kernel: an scf.for over the `c4`
/// groups of 4 input channels carrying the accumulators `accs`, in which
/// `step(cq, row, dy, dx, cur)` updates them for each tap (dy, dx) of output
/// row `y` (input row `row` = y * sh + dy * dh). The taps are unrolled; for
/// kernels of kLoopedRowsTaps taps or more (the 7 x 7 stems) only those of
/// one row are, in an scf.for over the rows: 49 unrolled taps made a stem's
/// function a sixth of resnet18's code to compile. Returns the sums.
SmallVector<Value> KernelBuilder::accumulateTaps(
    ValueRange accs, int64_t c4, Value y,
    function_ref<void(Value, Value, Value, int64_t, MutableArrayRef<Value>)>
        step) {
  constexpr int64_t kLoopedRowsTaps = 25;
  int64_t kh = layer.weightShape[2], kw = layer.weightShape[3];
  Value yBase = arith::MulIOp::create(b, loc, y, cst(layer.strideH));
  auto rowTaps = [&](Value cq, Value dy, MutableArrayRef<Value> cur) {
    Value row = arith::AddIOp::create(
        b, loc, yBase, arith::MulIOp::create(b, loc, dy, cst(layer.dilationH)));
    for (int64_t dx = 0; dx < kw; ++dx)
      step(cq, row, dy, dx, cur);
  };
  return forLoopCarrying(c4, accs, [&](Value cq, ValueRange iter) {
    SmallVector<Value> cur(iter.begin(), iter.end());
    if (kh * kw < kLoopedRowsTaps) {
      for (int64_t dy = 0; dy < kh; ++dy)
        rowTaps(cq, cst(dy), cur);
      return cur;
    }
    return forLoopCarrying(kh, cur, [&](Value dy, ValueRange rowIter) {
      SmallVector<Value> rowCur(rowIter.begin(), rowIter.end());
      rowTaps(cq, dy, rowCur);
      return rowCur;
    });
  });
}

/// The start values of a full conv's kernel: the layer's, less
/// 128 * sum(W[f]) for signed activations (the packing offsets them by 128).
SmallVector<int32_t> KernelBuilder::convStart() {
  int64_t f = layer.weightShape[0];
  int64_t perFilter = static_cast<int64_t>(layer.weight.size()) / f;
  SmallVector<int32_t> init(f);
  for (int64_t fi = 0; fi < f; ++fi) {
    int64_t sum = 0;
    for (int64_t i = 0; i < perFilter; ++i)
      sum += layer.weight[fi * perFilter + i];
    init[fi] = layer.init[fi] - (layer.xSigned ? 128 * sum : 0);
  }
  return init;
}

/// convStart() as a global of `channels` values (zero past the layer's).
Value KernelBuilder::convStartGlobal(int64_t channels) {
  SmallVector<int32_t> init = convStart();
  init.resize(channels, 0);
  return startGlobal(init);
}

/// Activation bytes extended to `wide`'s integers: signed for s8
/// activations, unsigned for u8.
Value KernelBuilder::extendActivations(Value bytes, VectorType wide) {
  if (layer.xSigned)
    return arith::ExtSIOp::create(b, loc, wide, bytes);
  return arith::ExtUIOp::create(b, loc, wide, bytes);
}

/// The accumulators' start values, one per output channel, as a global.
Value KernelBuilder::startGlobal(ArrayRef<int32_t> init) {
  auto type = RankedTensorType::get({static_cast<int64_t>(init.size())},
                                    b.getI32Type());
  return global("__eqq_packed_start", type, eqq::getPackedConstant(type, init));
}

/// Packs a full conv's input for its kernels, `wx` columns per phase (see
/// buildConv), in at least `minQuads` groups of 4 channels (those past the
/// input's are padding), and returns it: bytes, or i16 values 0..255 where
/// the kernels take them so (widenActivations). A grouped conv's groups
/// each take ceil(C' / 4) quads, the last one's missing channels zero.
Value KernelBuilder::packConvInput(int64_t wx, int64_t minQuads) {
  auto xType = cast<MemRefType>(layer.x.getType());
  int64_t nBatch = xType.getDimSize(0), c = xType.getDimSize(1),
          h = xType.getDimSize(2);
  int64_t cg = c / layer.groups, cg4 = llvm::divideCeil(cg, 4);
  int64_t c4 = std::max<int64_t>(layer.groups * cg4, minQuads);
  int64_t sw = layer.strideW;
  // Pack the input: xp[n][c4][y][x * 4 + cc] = x[n][4 c4 + cc][y][x] (u8:
  // signed activations offset by 128), zero elsewhere (missing channels, the
  // columns past the input that the last vectors read).
  // A padded input is packed from its source, the padding written as the
  // fill value.
  Value source = layer.padSource ? layer.padSource : layer.x;
  auto sourceType = cast<MemRefType>(source.getType());
  int64_t srcH = sourceType.getDimSize(2), srcW = sourceType.getDimSize(3);
  int64_t fill = layer.padSource ? layer.padValue : 0;
  if (layer.padSource && layer.xSigned)
    fill ^= 0x80;
  bool wide = widenActivations();
  Type elem = wide ? b.getI16Type() : b.getI8Type();
  auto xpType = MemRefType::get({nBatch, c4, h, sw * wx * 4}, elem);
  Value xp = memref::AllocOp::create(b, loc, xpType, b.getI64IntegerAttr(64));
  Value fillValue = arith::ConstantOp::create(
      b, loc,
      wide ? b.getIntegerAttr(elem, fill & 0xff)
           : b.getIntegerAttr(elem, static_cast<int8_t>(fill)));
  // Unsigned bytes (a scalar or a vector) as the packed element type.
  auto widen = [&](Value bytes) {
    if (!wide)
      return bytes;
    Type to = elem;
    if (auto type = dyn_cast<VectorType>(bytes.getType()))
      to = VectorType::get(type.getShape(), elem);
    return arith::ExtUIOp::create(b, loc, to, bytes).getResult();
  };
  // Per image and group of 4 channels, per row: 16 pixels at a time, the 4
  // channels' bytes interleaved by one shuffle; the last pixels one by one.
  forEachPackedRow(
      xp, nBatch, c4, h, sw * wx * 4, srcH, fillValue,
      [&](Value n, Value cq, Value y, Value yOut) {
        // The first channel of the quad, and how many of its 4 exist (the
        // others stay zero): quad q of conv group g = cq / cg4 holds
        // channels g * cg + 4 q ...
        Value first = arith::MulIOp::create(b, loc, cq, cst(4));
        Value left = arith::SubIOp::create(b, loc, cst(c), first);
        if (layer.groups > 1) {
          Value g = arith::DivUIOp::create(b, loc, cq, cst(cg4));
          Value q4 = arith::MulIOp::create(
              b, loc, arith::RemUIOp::create(b, loc, cq, cst(cg4)), cst(4));
          first = arith::AddIOp::create(
              b, loc, arith::MulIOp::create(b, loc, g, cst(cg)), q4);
          left = arith::SubIOp::create(b, loc, cst(cg), q4);
        }
        SmallVector<Value> channels;
        for (int64_t cc = 0; cc < 4; ++cc)
          channels.push_back(arith::AddIOp::create(b, loc, first, cst(cc)));
        Value validChannels = arith::MinSIOp::create(b, loc, cst(4), left);
        auto i8x16 = VectorType::get({16}, b.getI8Type());
        Value zero16 = arith::ConstantOp::create(b, loc, b.getZeroAttr(i8x16));
        auto block16 = [&](Value x0) {
          SmallVector<Value> rowsOf4;
          for (int64_t cc = 0; cc < 4; ++cc) {
            // Channel 4 cq + cc, or zeros past the last channel (loaded from
            // the last channel, in bounds, and replaced).
            Value exists = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::slt, cst(cc), validChannels);
            Value channel =
                arith::MinSIOp::create(b, loc, channels[cc], cst(c - 1));
            Value v = vector::LoadOp::create(b, loc, i8x16, source,
                                             ValueRange{n, channel, y, x0});
            if (layer.xSigned)
              v = offsetBy128(v);
            rowsOf4.push_back(
                arith::SelectOp::create(b, loc, exists, v, zero16));
          }
          SmallVector<int64_t> first, interleave;
          for (int64_t i = 0; i < 32; ++i)
            first.push_back(i);
          for (int64_t i = 0; i < 16; ++i)
            for (int64_t cc = 0; cc < 4; ++cc)
              interleave.push_back((cc / 2) * 32 + (cc % 2) * 16 + i);
          Value ab =
              vector::ShuffleOp::create(b, loc, rowsOf4[0], rowsOf4[1], first);
          Value cd =
              vector::ShuffleOp::create(b, loc, rowsOf4[2], rowsOf4[3], first);
          storeByPhase(
              widen(vector::ShuffleOp::create(b, loc, ab, cd, interleave)),
              /*unit=*/4, xp, ValueRange{n, cq, yOut}, x0, sw, wx);
        };
        auto pixel = [&](Value xi) {
          auto chans =
              scf::ForOp::create(b, loc, cst(0), validChannels, cst(1));
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPoint(chans.getBody()->getTerminator());
          Value cc = chans.getInductionVar();
          Value ci = arith::AddIOp::create(b, loc, first, cc);
          Value v =
              memref::LoadOp::create(b, loc, source, ValueRange{n, ci, y, xi});
          if (layer.xSigned)
            v = offsetBy128(v);
          v = widen(v);
          Value col = arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, phaseColumn(xi, sw, wx), cst(4)),
              cc);
          memref::StoreOp::create(b, loc, v, xp, ValueRange{n, cq, yOut, col});
        };
        forEachSourcePixel(srcW, sw, block16, pixel);
      });

  return xp;
}

/// Conv 2-D (NCHW input, FCHW weight): lanes run along 16 output columns
/// (8 for a row's last <= 8 columns).
///
///   xp[N][C/4][H][SW][Wx * 4]: 4 consecutive channels of a pixel per 4
///                          bytes; the columns of a row split by their
///                          phase modulo the width stride sw (column X at
///                          [X % sw][X / sw]), so that the columns one tap
///                          reads for consecutive outputs are contiguous;
///                          padding and unused bytes filled (Wx covers the
///                          widest read); on AVX2 each byte as an i16
///   Wp[F][C/4][KH][KW]:    the same 4 channels' weights as one i32 (AVX2:
///                          4 i16 as one i64)
///   in parallel over n and oh; for each block of fr output channels and
///   each block of ov vectors along ow:
///     acc[i][v] = start[f + i]
///     for c4, kh, kw (tap column kw * dw = q * sw + p):
///       a[v] = xp[n][c4][oh * sh + kh * dh][p][(ow_v + q) * 4 ...]
///       acc[i][v] = dot(acc[i][v], a[v], broadcast(Wp[f + i][c4][kh][kw]))
///     epilogue(acc) -> output (masked in the last columns)
///
/// A grouped conv (G groups of C' input and F' output channels) is G such
/// convs side by side: xp holds each group's ceil(C' / 4) quads in turn,
/// Wp is W[F][C'] packed as above, blocks of fr output channels (fr
/// divides F') stay in one group g, and their c4 loop reads its quads.
void KernelBuilder::buildConv(int64_t fr, int64_t ov) {
  auto xType = cast<MemRefType>(layer.x.getType());
  auto accType = cast<MemRefType>(layer.acc.getType());
  int64_t nBatch = xType.getDimSize(0), c = layer.weightShape[1],
          wIn = xType.getDimSize(3);
  int64_t f = layer.weightShape[0], kh = layer.weightShape[2],
          kw = layer.weightShape[3];
  int64_t oh = accType.getDimSize(2), ow = accType.getDimSize(3);
  int64_t c4 = llvm::divideCeil(c, 4);
  int64_t fg = f / layer.groups;
  // Lanes of a column vector: 16, or 8 on AVX2, where an accumulator of 8
  // lanes is the two registers of its pairs (widenAccumulator) and its
  // activations (32 i16) two more; 4 such accumulators, their operands and
  // a broadcast weight fit the 16 ymm registers without spilling, where 2
  // accumulators of 16 lanes spilled in 3 x 3 kernels.
  int64_t vl = isaKind == Isa::Avx2 ? 8 : kLanes;
  int64_t owBlocks = llvm::divideCeil(ow, vl);
  // A row of fewer than ov vectors (14 x 14 and 7 x 7 outputs) takes more
  // output channels per block instead: as many accumulators as fr x ov,
  // enough independent dot products to hide their latency.
  if (owBlocks < ov)
    fr = std::min(fg, std::min(fr * ov / owBlocks, 28 / owBlocks));
  if (layer.groups > 1) {
    fr = std::min(fr, fg);
    while (fg % fr != 0)
      --fr;
  }
  // Columns per phase: every input column, and the last vector's widest
  // read.
  int64_t sw = layer.strideW;
  int64_t wx =
      std::max<int64_t>(llvm::divideCeil(wIn, sw),
                        owBlocks * vl + (kw - 1) * layer.dilationW / sw);

  // Packed weights: the 4 channels' weights of each (f, c4, kh, kw) side by
  // side, one word each; start values.
  SmallVector<int8_t> packed(f * c4 * kh * kw * 4, 0);
  for (int64_t fi = 0; fi < f; ++fi)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          packed[(((fi * c4 + ci / 4) * kh + y) * kw + x) * 4 + ci % 4] =
              layer.weight[((fi * c + ci) * kh + y) * kw + x];
  Value wp = weightWordGlobal({f, c4, kh, kw}, packed);
  Value initV = convStartGlobal(f);
  Value xp = packConvInput(wx);
  Type xpElem = cast<MemRefType>(xp.getType()).getElementType();

  auto kernel = [&](Value n, Value f0, int64_t frows, Value y, Value ow0,
                    int64_t vecs, int64_t lastLanes) {
    SmallVector<Value> fIdx, owIdx;
    for (int64_t i = 0; i < frows; ++i)
      fIdx.push_back(arith::AddIOp::create(b, loc, f0, cst(i)));
    for (int64_t v = 0; v < vecs; ++v)
      owIdx.push_back(arith::AddIOp::create(b, loc, ow0, cst(v * vl)));
    // The first quad of the block's group in xp.
    Value quad0 =
        layer.groups == 1
            ? Value()
            : arith::MulIOp::create(
                  b, loc, arith::DivUIOp::create(b, loc, f0, cst(fg)), cst(c4));
    // Lanes per vector: vl, or 8 for a last vector of at most 8 columns
    // (half the work on AVX-512's 256-bit form, e.g. 56 = 3 x 16 + 8).
    auto lanesOf = [&](int64_t v) {
      return v + 1 == vecs && lastLanes <= 8 ? 8 : vl;
    };
    SmallVector<Value> accs;
    for (int64_t i = 0; i < frows; ++i) {
      Value s = memref::LoadOp::create(b, loc, initV, ValueRange{fIdx[i]});
      for (int64_t v = 0; v < vecs; ++v)
        accs.push_back(widenAccumulator(vector::BroadcastOp::create(
            b, loc, VectorType::get({lanesOf(v)}, b.getI32Type()), s)));
    }
    SmallVector<Value> sums = accumulateTaps(
        accs, c4, y,
        [&](Value cq, Value row, Value dy, int64_t dx,
            MutableArrayRef<Value> cur) {
          SmallVector<Value> a;
          int64_t tap = dx * layer.dilationW;
          Value xq = quad0 ? arith::AddIOp::create(b, loc, quad0, cq) : cq;
          for (int64_t v = 0; v < vecs; ++v) {
            Value xcol = arith::MulIOp::create(
                b, loc,
                arith::AddIOp::create(b, loc, owIdx[v],
                                      cst(tap % sw * wx + tap / sw)),
                cst(4));
            a.push_back(vector::LoadOp::create(
                b, loc, VectorType::get({4 * lanesOf(v)}, xpElem), xp,
                ValueRange{n, xq, row, xcol}));
          }
          SmallVector<Value> dwords;
          for (int64_t i = 0; i < frows; ++i)
            dwords.push_back(memref::LoadOp::create(
                b, loc, wp, ValueRange{fIdx[i], cq, dy, cst(dx)}));
          for (int64_t i = 0; i < frows; ++i) {
            // One broadcast per width in use.
            Value w16, w8;
            for (int64_t v = 0; v < vecs; ++v) {
              Value &wv = lanesOf(v) == 8 ? w8 : w16;
              if (!wv)
                wv = broadcastWord(dwords[i], lanesOf(v));
              cur[i * vecs + v] = dot(cur[i * vecs + v], a[v], wv);
            }
          }
        });
    for (Value &sum : sums)
      sum = narrowAccumulator(sum);
    SmallVector<SmallVector<Value>> rows;
    for (int64_t i = 0; i < frows; ++i)
      rows.push_back({n, fIdx[i], y, owIdx[0]});
    finishRows(sums, rows, /*laneDim=*/3, lastLanes);
  };

  // Loops n, f blocks, oh, ow blocks; remainders by narrower kernels.
  auto owLoops = [&](Value n, Value f0, int64_t frows, Value y) {
    int64_t fullVecs = ow / vl, fullBlocks = fullVecs / ov;
    forLoop(0, fullBlocks * ov * vl, ov * vl,
            [&](Value ow0) { kernel(n, f0, frows, y, ow0, ov, vl); });
    int64_t rest = ow - fullBlocks * ov * vl;
    if (rest > 0) {
      int64_t vecs = llvm::divideCeil(rest, vl);
      kernel(n, f0, frows, y, cst(fullBlocks * ov * vl), vecs,
             rest - (vecs - 1) * vl);
    }
  };
  // Images and output rows in parallel: the rows of xp a row reads stay in
  // cache across the output-channel blocks.
  parallel({{0, nBatch, 1}, {0, oh, 1}}, [&](ValueRange iv) {
    int64_t fullF = f / fr * fr;
    forLoop(0, fullF, fr, [&](Value f0) { owLoops(iv[0], f0, fr, iv[1]); });
    if (f > fullF)
      owLoops(iv[0], cst(fullF), f - fullF, iv[1]);
  });
  eraseOriginal(xp);
}

/// Conv 2-D on AMX tiles (`tdpbsud`: s8 weights times u8 activations into
/// i32), for convs whose input channels are a multiple of 64:
///
///   xp:                    as buildConv's: a row of a group of 4 channels
///                          holds 16 pixels x 4 bytes per 64 bytes, so 16
///                          groups' rows (one plane apart) are a B tile of
///                          16 x 64 bytes: K = 64 channels, N = 16 pixels
///   Wa[F/16][C/64][KH][KW][16][64]: an A tile, 16 output channels x the
///                          same 64 input channels (zero past F)
///   in parallel over n and oh; for each block of ft x 16 output channels
///   and pt x 16 output columns (ft * pt C tiles, pt B tiles and one A tile
///   live: at most 8 tile registers):
///     C[i][j] = 0
///     for c64, kh, kw (tap column kw * dw = q * sw + p):
///       B[j] = xp[n][16 c64 ..][oh * sh + kh * dh][p][(ow_j + q) * 4 ..]
///       C[i][j] += Wa[f_i / 16][c64][kh][kw] * B[j]
///     each row of C (an output channel's 16 columns) + start[f_i + row]
///       -> epilogue -> output
///
/// The tiles pass between groups of channel blocks through a scratch buffer
/// in L1: MLIR 22's separate LLVM conversions cannot carry a tile through a
/// loop's block arguments.
void KernelBuilder::buildConvAmx() {
  auto xType = cast<MemRefType>(layer.x.getType());
  auto accType = cast<MemRefType>(layer.acc.getType());
  int64_t nBatch = xType.getDimSize(0), c = xType.getDimSize(1),
          h = xType.getDimSize(2), wIn = xType.getDimSize(3);
  int64_t f = layer.weightShape[0], kh = layer.weightShape[2],
          kw = layer.weightShape[3];
  int64_t oh = accType.getDimSize(2), ow = accType.getDimSize(3);
  // Blocks of 64 input channels (K of a tile). A partial last block is
  // packed to a whole one, zero weights against padding activations: tiles
  // of another shape would need tile registers of their own (a tile
  // register holds one shape), more than the 8 there are.
  int64_t c64 = llvm::divideCeil(c, 64), c4 = 16 * c64;
  int64_t f16 = llvm::divideCeil(f, kLanes);
  int64_t owBlocks = llvm::divideCeil(ow, kLanes);
  int64_t sw = layer.strideW;
  int64_t wx =
      std::max<int64_t>(llvm::divideCeil(wIn, sw),
                        owBlocks * kLanes + (kw - 1) * layer.dilationW / sw);
  int64_t rowBytes = sw * wx * 4, plane = h * rowBytes;
  // Tiles per block: 2 x 2, or 4 channel tiles x 1 for rows of one tile.
  int64_t pt = std::min<int64_t>(owBlocks, 2), ft = pt == 1 ? 4 : 2;
  ft = std::min(ft, f16);
  // Channel blocks per pass of the tiles through memory: at least 8 tile
  // products per C tile between a load and a store.
  int64_t group = 1;
  for (int64_t g = 1; g <= c64 && g * kh * kw <= 8; ++g)
    if (c64 % g == 0)
      group = g;

  SmallVector<int8_t> packed(f16 * c64 * kh * kw * 16 * 64, 0);
  for (int64_t fi = 0; fi < f; ++fi)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          packed[((((fi / 16 * c64 + ci / 64) * kh + y) * kw + x) * 16 +
                  fi % 16) *
                     64 +
                 ci % 64] = layer.weight[((fi * c + ci) * kh + y) * kw + x];
  auto waType =
      RankedTensorType::get({f16, c64, kh, kw, 16, 64}, b.getI8Type());
  Value wa = global("__eqq_amx_weight", waType,
                    eqq::getPackedConstant(waType, ArrayRef<int8_t>(packed)));
  Value initV = convStartGlobal(f16 * kLanes);
  Value xp = packConvInput(wx, c4);
  Value xpFlat = memref::CollapseShapeOp::create(
      b, loc, xp, ArrayRef<ReassociationIndices>{{0, 1, 2, 3}});

  // Every tile is 16 rows of 64 bytes: A, B (bytes) and C (i32).
  auto tileType = amx::TileType::get({16, 64}, b.getI8Type());
  auto cType = amx::TileType::get({16, 16}, b.getI32Type());

  // One block: channel tiles from f0 (`tiles` of them, `lastRows` real
  // rows in the last), column tiles from ow0 (`cols` of them, `lastLanes`
  // real lanes in the last).
  auto kernel = [&](Value scratch, Value n, Value y, Value f0, int64_t tiles,
                    int64_t lastRows, Value ow0, int64_t cols,
                    int64_t lastLanes) {
    auto owOf = [&](int64_t j) {
      return arith::AddIOp::create(b, loc, ow0, cst(j * kLanes)).getResult();
    };
    Value yBase = arith::MulIOp::create(b, loc, y, cst(layer.strideH));
    Value fTile = arith::DivUIOp::create(b, loc, f0, cst(16));
    // One pass of the C tiles over `group` channel blocks from g0: the
    // first starts from zero (the start values join in the epilogue), the
    // others from the scratch.
    auto pass = [&](Value g0, bool first) {
      SmallVector<Value> cs;
      for (int64_t t = 0; t < tiles * cols; ++t)
        cs.push_back(
            first ? amx::TileZeroOp::create(b, loc, cType).getResult()
                  : amx::TileLoadOp::create(b, loc, cType, scratch,
                                            ValueRange{cst(t), cst(0), cst(0)})
                        .getResult());
      for (int64_t gi = 0; gi < group; ++gi) {
        Value cb = arith::AddIOp::create(b, loc, g0, cst(gi));
        // xp[n][16 cb][.][.] flattened.
        Value groupBase = arith::MulIOp::create(
            b, loc,
            arith::AddIOp::create(b, loc,
                                  arith::MulIOp::create(b, loc, n, cst(c4)),
                                  arith::MulIOp::create(b, loc, cb, cst(16))),
            cst(plane));
        for (int64_t dy = 0; dy < kh; ++dy) {
          Value rowBase = arith::AddIOp::create(
              b, loc, groupBase,
              arith::MulIOp::create(
                  b, loc,
                  arith::AddIOp::create(b, loc, yBase,
                                        cst(dy * layer.dilationH)),
                  cst(rowBytes)));
          for (int64_t dx = 0; dx < kw; ++dx) {
            int64_t tap = dx * layer.dilationW;
            SmallVector<Value> bs;
            for (int64_t j = 0; j < cols; ++j) {
              Value col = arith::MulIOp::create(
                  b, loc,
                  arith::AddIOp::create(b, loc, owOf(j),
                                        cst(tap % sw * wx + tap / sw)),
                  cst(4));
              bs.push_back(amx::TileLoadOp::create(
                  b, loc, tileType, xpFlat,
                  ValueRange{arith::AddIOp::create(b, loc, rowBase, col)},
                  cst(plane)));
            }
            for (int64_t i = 0; i < tiles; ++i) {
              Value a = amx::TileLoadOp::create(
                  b, loc, tileType, wa,
                  ValueRange{arith::AddIOp::create(b, loc, fTile, cst(i)), cb,
                             cst(dy), cst(dx), cst(0), cst(0)});
              for (int64_t j = 0; j < cols; ++j) {
                auto mul = amx::TileMulIOp::create(b, loc, cType, a, bs[j],
                                                   cs[i * cols + j]);
                mul.setIsZextRhs(true);
                cs[i * cols + j] = mul;
              }
            }
          }
        }
      }
      for (int64_t t = 0; t < tiles * cols; ++t)
        amx::TileStoreOp::create(b, loc, scratch,
                                 ValueRange{cst(t), cst(0), cst(0)}, cs[t]);
    };
    pass(cst(0), /*first=*/true);
    forLoop(group, c64, group, [&](Value g0) { pass(g0, /*first=*/false); });
    // Each row of C (16 columns of one output channel; loops over the rows:
    // 16 copies of the epilogue per tile would weigh on compile time) plus
    // its start value.
    for (int64_t i = 0; i < tiles; ++i)
      forLoop(0, i + 1 == tiles ? lastRows : 16, 1, [&](Value m) {
        Value f = arith::AddIOp::create(
            b, loc, f0, arith::AddIOp::create(b, loc, m, cst(i * 16)));
        Value start = vector::BroadcastOp::create(
            b, loc, i32x16, memref::LoadOp::create(b, loc, initV, f));
        for (int64_t j = 0; j < cols; ++j) {
          Value row = arith::AddIOp::create(
              b, loc,
              vector::LoadOp::create(b, loc, i32x16, scratch,
                                     ValueRange{cst(i * cols + j), m, cst(0)}),
              start);
          finish(row, {n, f, y, owOf(j)}, /*laneDim=*/3,
                 j + 1 == cols ? lastLanes : kLanes);
        }
      });
  };

  // Channel blocks of ft tiles, then the tiles left; column blocks of pt
  // tiles, then the tiles left; the last tiles partly real.
  auto columns = [&](Value scratch, Value n, Value y, Value f0, int64_t tiles,
                     int64_t lastRows) {
    int64_t fullBlocks = owBlocks / pt;
    int64_t lastOf = ow - (owBlocks - 1) * kLanes;
    bool fullIsLast = owBlocks % pt == 0;
    int64_t loopBlocks = fullIsLast ? fullBlocks - 1 : fullBlocks;
    forLoop(0, loopBlocks * pt * kLanes, pt * kLanes, [&](Value ow0) {
      kernel(scratch, n, y, f0, tiles, lastRows, ow0, pt, kLanes);
    });
    int64_t rest = owBlocks - loopBlocks * pt;
    if (rest > 0)
      kernel(scratch, n, y, f0, tiles, lastRows, cst(loopBlocks * pt * kLanes),
             rest, lastOf);
  };
  // Each output row's C tiles, in memory between channel groups (a
  // scratch per parallel iteration: a stack allocation inside the loop
  // would grow the stack on every row without OpenMP's scopes).
  auto scratchAllType =
      MemRefType::get({nBatch, oh, ft * pt, 16, kLanes}, b.getI32Type());
  Value scratchAll =
      memref::AllocOp::create(b, loc, scratchAllType, b.getI64IntegerAttr(64));
  parallel({{0, nBatch, 1}, {0, oh, 1}}, [&](ValueRange iv) {
    auto scratchType = MemRefType::get(
        {ft * pt, 16, kLanes}, b.getI32Type(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                               {16 * kLanes, kLanes, 1}));
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    Value scratch = memref::SubViewOp::create(
        b, loc, scratchType, scratchAll,
        ArrayRef<OpFoldResult>{iv[0], iv[1], zero, zero, zero},
        ArrayRef<OpFoldResult>{one, one, b.getIndexAttr(ft * pt),
                               b.getIndexAttr(16), b.getIndexAttr(kLanes)},
        ArrayRef<OpFoldResult>{one, one, one, one, one});
    int64_t lastRowsOfF = f - (f16 - 1) * 16;
    int64_t fullTiles = f16 / ft * ft;
    bool fullIsLast = f16 % ft == 0;
    int64_t loopTiles = fullIsLast ? fullTiles - ft : fullTiles;
    forLoop(0, loopTiles * 16, ft * 16,
            [&](Value f0) { columns(scratch, iv[0], iv[1], f0, ft, 16); });
    columns(scratch, iv[0], iv[1], cst(loopTiles * 16), f16 - loopTiles,
            lastRowsOfF);
  });
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(layer.op);
    memref::DeallocOp::create(b, loc, scratchAll);
  }
  eraseOriginal(xp);
  requestAmx();
}

/// Linux gives a process the AMX tile registers only once it asks
/// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)); until then tile
/// instructions fault. A module with AMX kernels asks in a global
/// constructor, which the JIT runs and which an object compiled ahead of
/// time runs when it is loaded.
void KernelBuilder::requestAmx() {
  constexpr StringLiteral name = "__eqq_request_amx";
  if (symbols.lookup(name))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  Type i64 = b.getI64Type();
  auto syscallType = LLVM::LLVMFunctionType::get(i64, {i64}, /*isVarArg=*/true);
  auto syscall = dyn_cast_or_null<LLVM::LLVMFuncOp>(symbols.lookup("syscall"));
  if (!syscall) {
    syscall = LLVM::LLVMFuncOp::create(b, loc, "syscall", syscallType);
    symbols.insert(syscall);
  }
  auto request = LLVM::LLVMFuncOp::create(
      b, loc, name,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(b.getContext()), {}),
      LLVM::Linkage::Internal);
  symbols.insert(request);
  Block *entry = request.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  auto c = [&](int64_t v) {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v))
        .getResult();
  };
  // SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA.
  LLVM::CallOp::create(b, loc, syscall, ValueRange{c(158), c(0x1023), c(18)});
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  b.setInsertionPointToEnd(module.getBody());
  LLVM::GlobalCtorsOp::create(
      b, loc, b.getArrayAttr({FlatSymbolRefAttr::get(request)}),
      b.getI32ArrayAttr({0}),
      b.getArrayAttr({LLVM::ZeroAttr::get(b.getContext())}));
}

/// Conv 2-D with lanes along 16 output channels, for rows of few output
/// columns (ResNet's 14 x 14 and 7 x 7 layers fill 14 of 16 and 7 of 8
/// lanes along the width):
///
///   xp:                    as buildConv's (4 channels of a pixel per 4
///                          bytes, columns split by phase)
///   Wc[F/16][C/4][KH][KW][16 x 4]: 16 output channels x the same 4 input
///                          channels per 64 bytes (zero past F and C)
///   in parallel over n, blocks of cv vectors of 16 output channels and
///   oh (rows innermost); for each block of px output columns:
///     acc[i][p] = start[f_i .. f_i + 16]
///     for c4, kh, kw (tap column kw * dw = q * sw + p'):
///       acc[i][p] = dot(acc[i][p],
///                       broadcast(xp[n][c4][oh * sh + kh * dh][p']
///                                   [(ow_p + q) * 4 .. + 4]),
///                       Wc[f_i / 16][c4][kh][kw])
///     epilogue(acc) -> output, one store per real lane (an output
///     channel's plane)
void KernelBuilder::buildConvChannels(int64_t cv, int64_t px) {
  auto xType = cast<MemRefType>(layer.x.getType());
  auto accType = cast<MemRefType>(layer.acc.getType());
  int64_t nBatch = xType.getDimSize(0), c = xType.getDimSize(1),
          wIn = xType.getDimSize(3);
  int64_t f = layer.weightShape[0], kh = layer.weightShape[2],
          kw = layer.weightShape[3];
  int64_t oh = accType.getDimSize(2), ow = accType.getDimSize(3);
  int64_t c4 = llvm::divideCeil(c, 4), f16 = llvm::divideCeil(f, kLanes);
  int64_t sw = layer.strideW;
  // Columns per phase: every input column, and the last pixel's widest
  // read.
  int64_t wx = std::max<int64_t>(llvm::divideCeil(wIn, sw),
                                 ow + (kw - 1) * layer.dilationW / sw);

  SmallVector<int8_t> packed(f16 * c4 * kh * kw * 4 * kLanes, 0);
  for (int64_t fi = 0; fi < f; ++fi)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          packed[(((fi / kLanes * c4 + ci / 4) * kh + y) * kw + x) * 4 *
                     kLanes +
                 fi % kLanes * 4 + ci % 4] =
              layer.weight[((fi * c + ci) * kh + y) * kw + x];
  Value wc = weightGlobal({f16, c4, kh, kw, 4 * kLanes}, packed);
  Value initV = convStartGlobal(f16 * kLanes);
  Value xp = packConvInput(wx);

  // Byte outputs of 2 to 8 columns a tile are transposed and stored a
  // channel row at a time where vpermi2b exists (storeChannelTile); the
  // permutes' indices of each tile width, built per output row.
  Value out = output();
  bool transposeTiles =
      byteTables && isaKind == Isa::Vnni &&
      cast<MemRefType>(out.getType()).getElementType().isInteger(8);
  // Elsewhere (AVX2) the bytes of 2 or 4 neighbouring columns are
  // interleaved and each channel's run stored as a word or a dword
  // (storeChannelColumns).
  bool interleaveColumns =
      !transposeTiles && isaKind == Isa::Avx2 &&
      cast<MemRefType>(out.getType()).getElementType().isInteger(8);
  llvm::SmallDenseMap<int64_t, SmallVector<Value>> tileIndices;
  auto buildTileIndices = [&] {
    tileIndices.clear();
    if (!transposeTiles)
      return;
    for (int64_t pixels : {std::min(px, ow), ow % px})
      if (pixels >= 2 && pixels <= 8 && !tileIndices.count(pixels))
        tileIndices[pixels] = channelTileIndices(pixels, kLanes);
  };

  // vecs vectors of output channels from vector fv0, the last with
  // lastLanes real lanes; pixels output columns from ow0.
  auto kernel = [&](Value n, Value fv0, int64_t vecs, int64_t lastLanes,
                    Value y, Value ow0, int64_t pixels) {
    SmallVector<Value> fvIdx, fIdx, owIdx;
    for (int64_t i = 0; i < vecs; ++i) {
      fvIdx.push_back(arith::AddIOp::create(b, loc, fv0, cst(i)));
      fIdx.push_back(arith::MulIOp::create(b, loc, fvIdx[i], cst(kLanes)));
    }
    for (int64_t p = 0; p < pixels; ++p)
      owIdx.push_back(arith::AddIOp::create(b, loc, ow0, cst(p)));
    SmallVector<Value> accs;
    for (int64_t i = 0; i < vecs; ++i) {
      Value start = widenAccumulator(
          vector::LoadOp::create(b, loc, i32x16, initV, ValueRange{fIdx[i]}));
      accs.append(pixels, start);
    }
    // A pixel's 4 channels: 4 bytes as an i32, or 4 i16 as an i64.
    Type xpElem = cast<MemRefType>(xp.getType()).getElementType();
    auto quad = VectorType::get({4}, xpElem);
    auto word = VectorType::get(
        {1}, b.getIntegerType(4 * xpElem.getIntOrFloatBitWidth()));
    SmallVector<Value> sums = accumulateTaps(
        accs, c4, y,
        [&](Value cq, Value row, Value dy, int64_t dx,
            MutableArrayRef<Value> cur) {
          int64_t tap = dx * layer.dilationW;
          SmallVector<Value> w;
          for (int64_t i = 0; i < vecs; ++i)
            w.push_back(
                loadWeights(wc, ValueRange{fvIdx[i], cq, dy, cst(dx), cst(0)}));
          for (int64_t p = 0; p < pixels; ++p) {
            Value col = arith::MulIOp::create(
                b, loc,
                arith::AddIOp::create(b, loc, owIdx[p],
                                      cst(tap % sw * wx + tap / sw)),
                cst(4));
            Value values = vector::LoadOp::create(b, loc, quad, xp,
                                                  ValueRange{n, cq, row, col});
            Value packedWord = vector::ExtractOp::create(
                b, loc, vector::BitCastOp::create(b, loc, word, values),
                ArrayRef<int64_t>{0});
            Value a = broadcastWord(packedWord, kLanes);
            for (int64_t i = 0; i < vecs; ++i)
              cur[i * pixels + p] = dot(cur[i * pixels + p], a, w[i]);
          }
        });
    for (Value &sum : sums)
      sum = narrowAccumulator(sum);
    auto indices = tileIndices.find(pixels);
    for (int64_t i = 0; i < vecs; ++i) {
      int64_t valid = i + 1 == vecs ? lastLanes : kLanes;
      if (indices == tileIndices.end() && interleaveColumns && pixels > 1) {
        // Two columns' epilogues at a time where one table read serves 32
        // lanes (AVX2's byte shuffles).
        int64_t together = tableLanes() >= 2 * kLanes ? 2 : 1;
        SmallVector<Value> bytes;
        Value memref;
        for (int64_t p = 0; p < pixels; p += together) {
          SmallVector<Part> parts;
          for (int64_t q = p; q < std::min(p + together, pixels); ++q)
            parts.push_back(
                {sums[i * pixels + q], {n, fIdx[i], y, owIdx[q]}, valid, q, 0});
          auto [v, m] = finished(parts, /*laneDim=*/1);
          memref = m;
          for (auto [q, part] : llvm::enumerate(parts))
            bytes.push_back(
                parts.size() == 1
                    ? v
                    : vector::ExtractStridedSliceOp::create(
                          b, loc, v,
                          ArrayRef<int64_t>{static_cast<int64_t>(q) * kLanes},
                          ArrayRef<int64_t>{kLanes}, ArrayRef<int64_t>{1})
                          .getResult());
        }
        storeChannelColumns(bytes, memref, {n, fIdx[i], y, ow0}, valid);
        continue;
      }
      if (indices == tileIndices.end()) {
        for (int64_t p = 0; p < pixels; ++p)
          finish(sums[i * pixels + p], {n, fIdx[i], y, owIdx[p]},
                 /*laneDim=*/1, valid);
        continue;
      }
      SmallVector<Value> bytes;
      for (int64_t p = 0; p < pixels; ++p)
        bytes.push_back(finished(sums[i * pixels + p],
                                 {n, fIdx[i], y, owIdx[p]},
                                 /*laneDim=*/1, valid)
                            .first);
      storeChannelTile(bytes, indices->second, out, {n, fIdx[i], y, ow0},
                       valid);
    }
  };

  // Blocks of px columns (the last narrower) of output row y for vecs
  // channel vectors from fv0.
  auto owLoops = [&](Value n, Value fv0, int64_t vecs, int64_t lastLanes,
                     Value y) {
    int64_t full = ow / px * px;
    forLoop(0, full, px,
            [&](Value ow0) { kernel(n, fv0, vecs, lastLanes, y, ow0, px); });
    if (ow > full)
      kernel(n, fv0, vecs, lastLanes, y, cst(full), ow - full);
  };
  // In parallel over images, blocks of cv whole channel vectors and output
  // rows, the rows innermost: one thread computes a block's rows one after
  // another, its weights (cv x 16 channels x C x KH x KW bytes) in cache.
  // With the rows outermost every row read all the weights: 2.4 MB a row
  // for a 512 -> 512 3 x 3 conv on 7 x 7, more than the L2. Then the
  // vectors left (with the partial one, if any), in parallel over images
  // and rows.
  int64_t lastLanes = f - (f16 - 1) * kLanes;
  int64_t blocks = f / kLanes / cv;
  parallel({{0, nBatch, 1}, {0, blocks, 1}, {0, oh, 1}}, [&](ValueRange iv) {
    buildTileIndices();
    Value fv0 = arith::MulIOp::create(b, loc, iv[1], cst(cv));
    owLoops(iv[0], fv0, cv, kLanes, iv[2]);
  });
  if (f16 > blocks * cv)
    parallel({{0, nBatch, 1}, {0, oh, 1}}, [&](ValueRange iv) {
      buildTileIndices();
      owLoops(iv[0], cst(blocks * cv), f16 - blocks * cv, lastLanes, iv[1]);
    });
  eraseOriginal(xp);
}

/// Packs each channel's rows of the input by column phase (N x C x H x
/// sw * wx bytes, `wx` columns per each of the `sw` phases; sw = 1 keeps
/// the rows whole); a padded input is packed from its source, the padding
/// written as the fill value. With `flip`, signed bytes are stored offset
/// by 128 (as unsigned), the padding too. `extraChannels` more channels
/// are allocated and left unwritten (slack for reads past the last row).
Value KernelBuilder::packChannelRows(int64_t wx, int64_t sw, bool flip,
                                     int64_t extraChannels) {
  auto xType = cast<MemRefType>(layer.x.getType());
  int64_t nBatch = xType.getDimSize(0), c = xType.getDimSize(1),
          h = xType.getDimSize(2);
  Value source = layer.padSource ? layer.padSource : layer.x;
  auto sourceType = cast<MemRefType>(source.getType());
  int64_t srcH = sourceType.getDimSize(2), srcW = sourceType.getDimSize(3);
  int64_t fill = layer.padSource ? layer.padValue : 0;
  if (flip)
    fill ^= 0x80;
  auto xpType =
      MemRefType::get({nBatch, c + extraChannels, h, sw * wx}, b.getI8Type());
  Value xp = memref::AllocOp::create(b, loc, xpType, b.getI64IntegerAttr(64));
  Value fill8 = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(b.getI8Type(), static_cast<int8_t>(fill)));
  auto i8x16 = VectorType::get({16}, b.getI8Type());
  auto flipped = [&](Value v) { return flip ? offsetBy128(v) : v; };
  forEachPackedRow(
      xp, nBatch, c, h, sw * wx, srcH, fill8,
      [&](Value n, Value ci, Value y, Value yOut) {
        auto block16 = [&](Value x0) {
          Value v = vector::LoadOp::create(b, loc, i8x16, source,
                                           ValueRange{n, ci, y, x0});
          storeByPhase(flipped(v), /*unit=*/1, xp, ValueRange{n, ci, yOut}, x0,
                       sw, wx);
        };
        if (sw == 1) {
          // Whole rows: 16 pixels at a time, the rest with one masked load
          // and store. (64 at a time measured the same: the copy waits on
          // memory.)
          int64_t full = srcW / 16 * 16, rest = srcW - full;
          forLoop(0, full, 16, block16);
          if (rest) {
            Value mask = vector::ConstantMaskOp::create(
                b, loc, VectorType::get({16}, b.getI1Type()),
                ArrayRef<int64_t>{rest});
            Value v = vector::MaskedLoadOp::create(
                b, loc, i8x16, source, ValueRange{n, ci, y, cst(full)}, mask,
                arith::ConstantOp::create(b, loc, b.getZeroAttr(i8x16)));
            vector::MaskedStoreOp::create(
                b, loc, xp, ValueRange{n, ci, yOut, cst(full + layer.padLeft)},
                mask, flipped(v));
          }
          return;
        }
        forEachSourcePixel(srcW, sw, block16, [&](Value xi) {
          Value v =
              memref::LoadOp::create(b, loc, source, ValueRange{n, ci, y, xi});
          memref::StoreOp::create(
              b, loc, flipped(v), xp,
              ValueRange{n, ci, yOut, phaseColumn(xi, sw, wx)});
        });
      });
  return xp;
}

/// The row loops of a per-channel kernel (depthwise conv, pool): in
/// parallel over images, channels and output rows, `kernel(n, c, y, ow0,
/// vecs, lastLanes)` for blocks of `ov` vectors of output columns from ow0,
/// then once for the columns left (`vecs` vectors, the last with
/// `lastLanes` real lanes).
void KernelBuilder::forEachOutputBlock(
    int64_t ov,
    function_ref<void(Value, Value, Value, Value, int64_t, int64_t)> kernel) {
  auto accType = cast<MemRefType>(layer.acc.getType());
  int64_t nBatch = accType.getDimSize(0), c = accType.getDimSize(1),
          oh = accType.getDimSize(2), ow = accType.getDimSize(3);
  parallel({{0, nBatch, 1}, {0, c, 1}, {0, oh, 1}}, [&](ValueRange iv) {
    int64_t fullVecs = ow / kLanes, fullBlocks = fullVecs / ov;
    forLoop(0, fullBlocks * ov * kLanes, ov * kLanes,
            [&](Value ow0) { kernel(iv[0], iv[1], iv[2], ow0, ov, kLanes); });
    int64_t rest = ow - fullBlocks * ov * kLanes;
    if (rest > 0) {
      int64_t vecs = llvm::divideCeil(rest, kLanes);
      kernel(iv[0], iv[1], iv[2], cst(fullBlocks * ov * kLanes), vecs,
             rest - (vecs - 1) * kLanes);
    }
  });
}

/// Signed bytes (a scalar or a vector) offset by 128 into unsigned ones, as
/// the dot product's u8 operand wants them: an xor of the top bit.
Value KernelBuilder::offsetBy128(Value bytes) {
  TypedAttr minus128 = b.getIntegerAttr(b.getI8Type(), -128);
  if (auto type = dyn_cast<VectorType>(bytes.getType()))
    minus128 = DenseElementsAttr::get(type, static_cast<int8_t>(-128));
  return arith::XOrIOp::create(b, loc, bytes,
                               arith::ConstantOp::create(b, loc, minus128));
}

/// The first output columns of `vecs` vectors of 16 from ow0.
SmallVector<Value> KernelBuilder::vectorColumns(Value ow0, int64_t vecs) {
  SmallVector<Value> columns;
  for (int64_t v = 0; v < vecs; ++v)
    columns.push_back(arith::AddIOp::create(b, loc, ow0, cst(v * kLanes)));
  return columns;
}

/// `vecs` accumulators holding channel ci's start value (initV[ci]).
SmallVector<Value> KernelBuilder::channelStart(Value initV, Value ci,
                                               int64_t vecs) {
  Value start = memref::LoadOp::create(b, loc, initV, ValueRange{ci});
  return SmallVector<Value>(vecs,
                            vector::BroadcastOp::create(b, loc, i32x16, start));
}

/// The packed row width per phase of a per-channel kernel: every source
/// column, and every column a tap of the last (partly real) vector reads.
int64_t KernelBuilder::phaseWidth() {
  int64_t wIn = cast<MemRefType>(layer.x.getType()).getDimSize(3);
  int64_t ow = cast<MemRefType>(layer.acc.getType()).getDimSize(3);
  int64_t kw = layer.weightShape[2], sw = layer.strideW;
  return std::max<int64_t>(llvm::divideCeil(wIn, sw),
                           llvm::divideCeil(ow, kLanes) * kLanes +
                               (kw - 1) * layer.dilationW / sw);
}

/// Depthwise conv 2-D (NCHW input, CHW weight): output channel c from input
/// channel c's KH x KW taps. Lanes run along 16 output columns as in the conv
/// kernel, ov vectors per block:
///
///   xp[N][C][H][SW][Wx]:   each channel's rows with their columns split by
///                          phase modulo the width stride sw (padded column
///                          X at [X % sw][X / sw]), padding and unused bytes
///                          filled (Wx covers the widest read)
///   in parallel over n, c and oh; for each block of ov vectors along ow:
///     acc[v] = start[c]
///     for kh, kw (tap column kw * dw = q * sw + p):
///       acc[v] += ext(xp[n][c][oh * sh + kh * dh][p][ow_v + q .. + 16])
///                 * W[c][kh][kw]
///     epilogue(acc) -> output (masked in the last columns)
///
/// One channel per output leaves no 4-byte dot product to use: the products
/// are i32 lanes, the same code for every instruction set but VBMI's, where
/// buildDepthwisePermute gathers a kernel row's taps into dwords instead.
void KernelBuilder::buildDepthwise(int64_t ov) {
  auto xType = cast<MemRefType>(layer.x.getType());
  int64_t c = xType.getDimSize(1);
  int64_t kh = layer.weightShape[1], kw = layer.weightShape[2];
  int64_t sw = layer.strideW;
  // The 16 lanes' taps within one 64-byte window of a row.
  if (isaKind == Isa::Vnni && byteTables &&
      (kLanes - 1) * sw + (kw - 1) * layer.dilationW < 64)
    return buildDepthwisePermute(ov);
  if (isaKind == Isa::Avx2)
    return buildDepthwisePairs(ov);
  int64_t wx = phaseWidth();

  // Bytes, sign-extended where read: LLVM then knows each product fits
  // 16-bit operands and multiplies with vpmaddwd (one instruction) instead
  // of vpmulld (two, twice the latency).
  SmallVector<int8_t> weights(layer.weight.begin(), layer.weight.end());
  auto wType = RankedTensorType::get({c, kh, kw}, b.getI8Type());
  Value wv = global("__eqq_depthwise_weight", wType,
                    eqq::getPackedConstant(wType, ArrayRef<int8_t>(weights)));
  Value initV = startGlobal(layer.init);
  Value xp = packChannelRows(wx, layer.strideW);

  auto kernel = [&](Value n, Value ci, Value y, Value ow0, int64_t vecs,
                    int64_t lastLanes) {
    SmallVector<Value> owIdx = vectorColumns(ow0, vecs);
    SmallVector<Value> accs = channelStart(initV, ci, vecs);
    Value yBase = arith::MulIOp::create(b, loc, y, cst(layer.strideH));
    auto i8x16 = VectorType::get({kLanes}, b.getI8Type());
    for (int64_t dy = 0; dy < kh; ++dy) {
      Value row =
          arith::AddIOp::create(b, loc, yBase, cst(dy * layer.dilationH));
      for (int64_t dx = 0; dx < kw; ++dx) {
        int64_t tap = dx * layer.dilationW;
        Value w = vector::BroadcastOp::create(
            b, loc, i32x16,
            arith::ExtSIOp::create(
                b, loc, b.getI32Type(),
                memref::LoadOp::create(b, loc, wv,
                                       ValueRange{ci, cst(dy), cst(dx)})));
        for (int64_t v = 0; v < vecs; ++v) {
          Value col = arith::AddIOp::create(b, loc, owIdx[v],
                                            cst(tap % sw * wx + tap / sw));
          Value a = vector::LoadOp::create(b, loc, i8x16, xp,
                                           ValueRange{n, ci, row, col});
          Value a32 = extendActivations(a, i32x16);
          accs[v] = arith::AddIOp::create(
              b, loc, accs[v], arith::MulIOp::create(b, loc, a32, w));
        }
      }
    }
    finishRow(accs, {n, ci, y, owIdx[0]}, /*laneDim=*/3, lastLanes);
  };
  forEachOutputBlock(ov, kernel);
  eraseOriginal(xp);
}

/// Depthwise conv 2-D on AVX2: two taps of a kernel row per `vpmaddwd`.
/// Taps t and t' of a row whose columns are neighbours in the same phase
/// of the packed row (t' dw = t dw + sw: taps 0 and 1 at stride 1, 0 and 2
/// at stride 2) read, for output column j, bytes X and X + 1 of one row.
/// Extended to 16 bits, the bytes from X for the even outputs of a vector
/// (and from X + 1 for the odd ones) are, dword by dword, exactly those
/// pairs: one `vpmaddwd` with the taps' two weights in every dword
/// multiplies 16 bytes and adds each pair, where one tap at a time took a
/// `vpmovzxbd`, a `vpmaddwd` (on one useful word) and an add per 8
/// products. A tap without a partner is paired with a zero weight.
///
///   xp:               as buildDepthwise's, one column wider (the odd
///                     outputs' load of a lone last tap reads one more)
///   Wq[C][KH][G]:     per tap group g of a row, w_t | w_t' << 16 (i32)
///   in parallel over n, c and oh; for each block of ov vectors of 16
///   output columns:
///     even[v] = odd[v] = start[c]  (8 lanes each)
///     for kh, group g = (t, t') (column t dw = q sw + p):
///       even[v] += vpmaddwd(ext16(xp[n][c][row][p][ow_v + q .. + 16]), Wq)
///       odd[v]  += vpmaddwd(ext16(xp[n][c][row][p][ow_v + q + 1 ..]), Wq)
///     interleave(even, odd) -> epilogue -> output (masked in the last
///     columns)
///
/// Products of 16-bit values cannot saturate, so 8-bit weights take this
/// path as well as 7-bit ones; a 3 x 3 row is 2 steps instead of 3, a 5 x 5
/// row 3 instead of 5.
void KernelBuilder::buildDepthwisePairs(int64_t ov) {
  auto xType = cast<MemRefType>(layer.x.getType());
  int64_t c = xType.getDimSize(1);
  int64_t kh = layer.weightShape[1], kw = layer.weightShape[2];
  int64_t sw = layer.strideW, dw = layer.dilationW;
  int64_t wx = phaseWidth() + 1;

  // A row's taps in groups of two (t, t') or one (t, -1).
  SmallVector<std::pair<int64_t, int64_t>> groups;
  SmallVector<bool> paired(kw, false);
  for (int64_t t = 0; t < kw; ++t) {
    if (paired[t])
      continue;
    int64_t partner = -1;
    if (sw % dw == 0 && t + sw / dw < kw) {
      partner = t + sw / dw;
      paired[partner] = true;
    }
    groups.push_back({t, partner});
  }
  int64_t g = groups.size();
  SmallVector<int32_t> words(c * kh * g, 0);
  for (int64_t ci = 0; ci < c; ++ci)
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t i = 0; i < g; ++i) {
        auto [t, partner] = groups[i];
        auto weight = [&](int64_t x) -> uint32_t {
          return x < 0 ? 0
                       : static_cast<uint16_t>(static_cast<int16_t>(
                             layer.weight[(ci * kh + y) * kw + x]));
        };
        words[(ci * kh + y) * g + i] =
            static_cast<int32_t>(weight(t) | weight(partner) << 16);
      }
  auto wType = RankedTensorType::get({c, kh, g}, b.getI32Type());
  Value wq = global("__eqq_depthwise_pairs", wType,
                    eqq::getPackedConstant(wType, ArrayRef<int32_t>(words)));
  Value initV = startGlobal(layer.init);
  Value xp = packChannelRows(wx, sw);

  auto i8x16 = VectorType::get({16}, b.getI8Type());
  auto i16x16 = VectorType::get({16}, b.getI16Type());
  auto i32x8 = VectorType::get({8}, b.getI32Type());
  SmallVector<int64_t> interleave;
  for (int64_t l = 0; l < 8; ++l) {
    interleave.push_back(l);
    interleave.push_back(8 + l);
  }
  auto kernel = [&](Value n, Value ci, Value y, Value ow0, int64_t vecs,
                    int64_t lastLanes) {
    SmallVector<Value> owIdx = vectorColumns(ow0, vecs);
    Value start = vector::BroadcastOp::create(
        b, loc, i32x8, memref::LoadOp::create(b, loc, initV, ValueRange{ci}));
    // even[v] at 2 v, odd[v] at 2 v + 1.
    SmallVector<Value> accs(2 * vecs, start);
    Value yBase = arith::MulIOp::create(b, loc, y, cst(layer.strideH));
    for (int64_t dy = 0; dy < kh; ++dy) {
      Value row =
          arith::AddIOp::create(b, loc, yBase, cst(dy * layer.dilationH));
      for (int64_t i = 0; i < g; ++i) {
        int64_t tap = groups[i].first * dw;
        Value w = vector::BitCastOp::create(
            b, loc, i16x16,
            vector::BroadcastOp::create(
                b, loc, i32x8,
                memref::LoadOp::create(b, loc, wq,
                                       ValueRange{ci, cst(dy), cst(i)})));
        for (int64_t v = 0; v < vecs; ++v)
          for (int64_t odd = 0; odd < 2; ++odd) {
            Value col = arith::AddIOp::create(
                b, loc, owIdx[v], cst(tap % sw * wx + tap / sw + odd));
            Value a = vector::LoadOp::create(b, loc, i8x16, xp,
                                             ValueRange{n, ci, row, col});
            Value a16 = extendActivations(a, i16x16);
            Value &acc = accs[2 * v + odd];
            acc = arith::AddIOp::create(b, loc, acc, pmaddwd(a16, w));
          }
      }
    }
    SmallVector<Value> sums;
    for (int64_t v = 0; v < vecs; ++v)
      sums.push_back(vector::ShuffleOp::create(b, loc, accs[2 * v],
                                               accs[2 * v + 1], interleave));
    finishRow(sums, {n, ci, y, owIdx[0]}, /*laneDim=*/3, lastLanes);
  };
  forEachOutputBlock(ov, kernel);
  eraseOriginal(xp);
}

/// Depthwise conv 2-D on AVX-512 VBMI: the taps of a kernel row become 4-byte
/// dot products. 16 output columns read at most 64 bytes of an input row
/// (15 sw + (KW - 1) dw < 64), so one `vpermb` gathers from that window the
/// bytes each lane's taps read, four taps per dword, and one `vpdpbusd`
/// multiplies them by the row's weights:
///
///   xp[N][C+1][H][Wr]: each channel's rows whole, padding filled, signed
///                     activations offset by 128 (as the conv kernel);
///                     Wr covers every byte the last vector's lanes read
///                     (a window's load runs on into the next rows; the
///                     extra channel is slack past the last one)
///   Wd[C][KH][G]:     KW taps in G = ceil(KW / 4) dwords of 4 weights
///                     (zero past KW)
///   idx[g]:           byte 4 j + t of the window permute: j sw + (4 g + t) dw
///                     (0 for t past the row's taps, whose weight is zero)
///   in parallel over n, c and oh; for each block of ov vectors along ow:
///     acc[v] = start[c]
///     for kh: win[v] = xp[n][c][oh * sh + kh * dh][(ow_v) * sw .. + 64]
///             for g: acc[v] = dot(acc[v], permute(win[v], idx[g]),
///                                 broadcast(Wd[c][kh][g]))
///     epilogue(acc) -> output (masked in the last columns)
///
/// A 3x3 row is one load, one permute and one dot product per 16 outputs,
/// where the generic depthwise kernel extends and multiplies each tap.
void KernelBuilder::buildDepthwisePermute(int64_t ov) {
  auto xType = cast<MemRefType>(layer.x.getType());
  auto accType = cast<MemRefType>(layer.acc.getType());
  int64_t c = xType.getDimSize(1), wIn = xType.getDimSize(3);
  int64_t ow = accType.getDimSize(3);
  int64_t kh = layer.weightShape[1], kw = layer.weightShape[2];
  int64_t sw = layer.strideW, dw = layer.dilationW;
  int64_t groups = llvm::divideCeil(kw, 4);

  SmallVector<int8_t> packed(c * kh * groups * 4, 0);
  SmallVector<int32_t> init(c);
  for (int64_t ci = 0; ci < c; ++ci) {
    int64_t sum = 0;
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x) {
        int8_t w = layer.weight[(ci * kh + y) * kw + x];
        packed[((ci * kh + y) * groups + x / 4) * 4 + x % 4] = w;
        sum += w;
      }
    init[ci] = layer.init[ci] - (layer.xSigned ? 128 * sum : 0);
  }
  auto wType = RankedTensorType::get({c, kh, groups * 4}, b.getI8Type());
  Value wd = global("__eqq_depthwise_weight", wType,
                    eqq::getPackedConstant(wType, ArrayRef<int8_t>(packed)));
  Value initV = startGlobal(init);
  // A row holds every byte a lane of its last vector reads; a window's
  // 64-byte load may run on into the next rows, and past the last row into
  // one more channel allocated as slack (at least 64 bytes).
  int64_t span = (kLanes - 1) * sw + (kw - 1) * dw + 1;
  int64_t lastStart = (llvm::divideCeil(ow, kLanes) - 1) * kLanes * sw;
  int64_t h = xType.getDimSize(2);
  int64_t rowBytes = std::max<int64_t>(
      {wIn, lastStart + span, static_cast<int64_t>(llvm::divideCeil(64, h))});
  Value xp = packChannelRows(rowBytes, /*sw=*/1, /*flip=*/layer.xSigned,
                             /*extraChannels=*/1);

  auto i8x64 = VectorType::get({64}, b.getI8Type());
  auto i8x4 = VectorType::get({4}, b.getI8Type());
  auto i32x1 = VectorType::get({1}, b.getI32Type());
  auto kernel = [&](Value n, Value ci, Value y, Value ow0, int64_t vecs,
                    int64_t lastLanes) {
    SmallVector<Value> idx;
    for (int64_t g = 0; g < groups; ++g) {
      SmallVector<int8_t> bytes;
      for (int64_t j = 0; j < kLanes; ++j)
        for (int64_t t = 0; t < 4; ++t)
          bytes.push_back(4 * g + t < kw ? j * sw + (4 * g + t) * dw : 0);
      idx.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(i8x64, ArrayRef<int8_t>(bytes))));
    }
    SmallVector<Value> owIdx = vectorColumns(ow0, vecs);
    SmallVector<Value> accs = channelStart(initV, ci, vecs);
    Value yBase = arith::MulIOp::create(b, loc, y, cst(layer.strideH));
    for (int64_t dy = 0; dy < kh; ++dy) {
      Value row =
          arith::AddIOp::create(b, loc, yBase, cst(dy * layer.dilationH));
      SmallVector<Value> w;
      for (int64_t g = 0; g < groups; ++g) {
        Value bytes = vector::LoadOp::create(
            b, loc, i8x4, wd, ValueRange{ci, cst(dy), cst(4 * g)});
        w.push_back(broadcastDword(vector::ExtractOp::create(
            b, loc, vector::BitCastOp::create(b, loc, i32x1, bytes),
            ArrayRef<int64_t>{0})));
      }
      for (int64_t v = 0; v < vecs; ++v) {
        Value col = arith::MulIOp::create(b, loc, owIdx[v], cst(sw));
        Value window = vector::LoadOp::create(b, loc, i8x64, xp,
                                              ValueRange{n, ci, row, col});
        for (int64_t g = 0; g < groups; ++g) {
          Value a = LLVM::CallIntrinsicOp::create(
                        b, loc, i8x64,
                        b.getStringAttr("llvm.x86.avx512.permvar.qi.512"),
                        ValueRange{window, idx[g]})
                        .getResult(0);
          accs[v] = dot(accs[v], a, w[g]);
        }
      }
    }
    finishRow(accs, {n, ci, y, owIdx[0]}, /*laneDim=*/3, lastLanes);
  };
  forEachOutputBlock(ov, kernel);
  eraseOriginal(xp);
}

/// Max pool on stored integers, as the depthwise kernel with max for the
/// product sums:
///
///   xp = the input's rows packed by column phase, padding as the storage
///        minimum (as the depthwise kernel)
///   in parallel over (n, c, oh), blocks of ov * 16 output columns:
///     acc[ov] = storage minimum (vector<16xi8>)
///     for each tap (dy, dx): acc[v] = max(acc[v], xp[n][c][row][col..])
///     epilogue(acc) (a dequantize) or acc -> output (masked in the last
///     columns)
void KernelBuilder::buildMaxPool(int64_t ov) {
  int64_t kh = layer.weightShape[1], kw = layer.weightShape[2];
  int64_t sw = layer.strideW;
  int64_t wx = phaseWidth();
  Value xp = packChannelRows(wx, layer.strideW);
  auto i8x16 = VectorType::get({kLanes}, b.getI8Type());
  int8_t lowest = layer.xSigned ? -128 : 0;
  auto kernel = [&](Value n, Value ci, Value y, Value ow0, int64_t vecs,
                    int64_t lastLanes) {
    SmallVector<Value> owIdx = vectorColumns(ow0, vecs);
    SmallVector<Value> accs(
        vecs, arith::ConstantOp::create(
                  b, loc,
                  DenseElementsAttr::get(
                      i8x16, b.getIntegerAttr(b.getI8Type(), lowest))));
    Value yBase = arith::MulIOp::create(b, loc, y, cst(layer.strideH));
    for (int64_t dy = 0; dy < kh; ++dy) {
      Value row =
          arith::AddIOp::create(b, loc, yBase, cst(dy * layer.dilationH));
      for (int64_t dx = 0; dx < kw; ++dx) {
        int64_t tap = dx * layer.dilationW;
        for (int64_t v = 0; v < vecs; ++v) {
          Value col = arith::AddIOp::create(b, loc, owIdx[v],
                                            cst(tap % sw * wx + tap / sw));
          Value a = vector::LoadOp::create(b, loc, i8x16, xp,
                                           ValueRange{n, ci, row, col});
          accs[v] =
              layer.xSigned
                  ? arith::MaxSIOp::create(b, loc, accs[v], a).getResult()
                  : arith::MaxUIOp::create(b, loc, accs[v], a).getResult();
        }
      }
    }
    finishRow(accs, {n, ci, y, owIdx[0]}, /*laneDim=*/3, lastLanes);
  };
  forEachOutputBlock(ov, kernel);
  // The kernel writes every output: the fill before it is dead, and so is
  // the window's (unread) allocation.
  if (layer.outFill)
    layer.outFill.erase();
  Value window = layer.op.getDpsInputOperand(1)->get();
  eraseOriginal(xp);
  if (auto alloc = window.getDefiningOp<memref::AllocOp>())
    if (llvm::all_of(window.getUsers(),
                     [](Operation *u) { return isa<memref::DeallocOp>(u); })) {
      for (Operation *u : llvm::make_early_inc_range(window.getUsers()))
        u->erase();
      alloc.erase();
    }
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
struct Int8KernelsPass : eqq::impl::Int8KernelsPassBase<Int8KernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rowTile < 1 || colVectors < 1 || rowTile * colVectors > 28 ||
        convChannelTile < 1 || convVectors < 1 ||
        convChannelTile * convVectors > 28 || channelVectors < 1 ||
        pixelTile < 1 || channelVectors * pixelTile > 28) {
      getOperation().emitError(
          "eqq-int8-kernels: mr, nv, fr, ov, cv and px must be >= 1 with "
          "mr * nv, fr * ov and cv * px <= 28 (vector registers)");
      return signalPassFailure();
    }
    if (isaName == eqq::Int8Isa::none)
      return;
    // Matching may move an allocation up: collect the ops first.
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk(
        [&](linalg::GenericOp op) { candidates.push_back(op); });
    std::vector<Int8Layer> layers;
    for (linalg::GenericOp op : candidates)
      if (eqq::isIntegerRowSum(op))
        eqq::buildIntegerRowSum(op);
      else if (std::optional<Int8Layer> l = matchLayer(op, convLanes))
        layers.push_back(std::move(*l));
      else if (std::optional<Int8Layer> pool = matchMaxPool(op))
        layers.push_back(std::move(*pool));
    SymbolTable symbols(getOperation());
    // The host's features, asked once (only `host` reads them).
    if (isaName == eqq::Int8Isa::host)
      hostFeatures = llvm::sys::getHostCPUFeatures();
    bool amx = useAmx();
    Isa isa = resolveIsa();
    bool byteTables = useByteTables(isa);
    // The register tiles. AVX2 has 16 ymm registers, and a 16-lane
    // accumulator holds its pairs apart there (dot()): 4 registers. The 16
    // lanes' other operand takes 4 more once extended to 16 bits (a full
    // conv's activations, a linear's or channel-lane conv's weights, reused
    // across the tile): at most 2 accumulators fit. With 3, LLVM spilled
    // on every step; the AVX-512 tiles of 16 spilled most of them. A full
    // conv's column vectors have 8 lanes there (buildConv): 4 accumulators
    // of 2 registers, their activations 2 more, one weight broadcast at a
    // time (2 accumulators of 16 lanes still spilled in 3 x 3 kernels).
    int64_t mr = rowTile, nv = colVectors, fr = convChannelTile,
            ov = convVectors, cv = channelVectors, px = pixelTile;
    // Layers multiplied with vpmaddubsw on AVX2 (bytePairs: weights of 7
    // bits) keep an accumulator of 8 lanes in one register: their convs
    // take tiles of twice as many accumulators. 4 output channels x 2
    // vectors of columns, as ONNX Runtime's 4 x 16 AVX2 tile: resnet50
    // int8 (7-bit weights) 58 -> 55 ms on one thread, resnet18 23.0 ->
    // 22.4 ms; 3 vectors of columns spilled. With channel lanes, one
    // vector of 16 channels x 4 pixels (1 x 1 kernels) or x 3 (larger
    // kernels, whose 4-pixel tiles spilled): the 2 x 2 tile of before
    // spilled accumulators in its reduction loop, and under perf, as the
    // spill slots and the weights happened to lie, a 3 x 3 conv on 7 x 7
    // ran at 47 or at 75 G multiply-adds/s (resnet18's layer4); now 77-81
    // there (whole networks outside perf ran the same, docs/design.md).
    int64_t pairFr = fr, pairOv = ov, pairCv = cv, pairPx = px;
    // Shrinks `first`, then `second`, to at most `most` accumulators.
    auto cap = [](int64_t &first, int64_t &second, int64_t most) {
      while (first * second > most && first > 1)
        --first;
      while (first * second > most)
        --second;
    };
    if (isa == Isa::Avx2) {
      cap(nv, mr, 2);
      // A full conv's column vectors have 8 lanes there (buildConv): 4 of
      // them take the registers of 2 of 16.
      cap(ov, fr, 4);
      cap(cv, px, 2);
      cap(pairOv, pairFr, 8);
      cap(pairCv, pairPx, 4);
    }
    for (Int8Layer &layer : layers) {
      KernelBuilder kb(layer, isa, byteTables, getOperation(), symbols);
      bool pairs = kb.multipliesBytePairs();
      if (layer.isMaxPool)
        kb.buildMaxPool(convVectors);
      else if (amx && layer.isConv && layer.groups == 1 &&
               amxFits(layer.weightShape[1]) &&
               cast<MemRefType>(layer.acc.getType()).getDimSize(3) >=
                   kAmxMinColumns)
        kb.buildConvAmx();
      else if (layer.isDepthwise)
        kb.buildDepthwise(convVectors);
      else if (layer.isConv && layer.channelLanes)
        kb.buildConvChannels(pairs ? pairCv : cv,
                             !pairs ? px
                             : layer.weightShape[2] * layer.weightShape[3] > 1
                                 ? std::min<int64_t>(pairPx, 3)
                                 : pairPx);
      else if (layer.isConv)
        kb.buildConv(pairs ? pairFr : fr, pairs ? pairOv : ov);
      else
        kb.buildLinear(mr, nv);
    }
  }

  /// AMX tile kernels for convs: asked for, or `host` on a CPU with
  /// AMX-INT8 and AVX-512 VNNI whose operating system grants the tile
  /// registers.
  bool useAmx() {
    if (isaName == eqq::Int8Isa::amx)
      return true;
    if (isaName != eqq::Int8Isa::host)
      return false;
    return hostFeatures.lookup("amx-int8") && hostFeatures.lookup("amx-tile") &&
           hostFeatures.lookup("avx512vnni") &&
           hostFeatures.lookup("avx512bw") && hostFeatures.lookup("avx512vl") &&
           eqq::requestAmxTiles();
  }

  /// 256-entry epilogue tables read with vpermi2b: asked for (`vbmi`, and
  /// `amx`, whose CPUs all have AVX-512 VBMI), or `host` on a CPU with VNNI
  /// and VBMI.
  bool useByteTables(Isa isa) {
    if (isaName == eqq::Int8Isa::vbmi || isaName == eqq::Int8Isa::amx)
      return true;
    return isaName == eqq::Int8Isa::host && isa == Isa::Vnni &&
           hostFeatures.lookup("avx512vbmi");
  }

  /// The instruction set: `host` picks VNNI when the host CPU has AVX-512
  /// VNNI, AVX2 when it has AVX2, the portable vector code otherwise.
  Isa resolveIsa() {
    switch (isaName) {
    case eqq::Int8Isa::amx:
    case eqq::Int8Isa::vbmi:
    case eqq::Int8Isa::vnni:
      return Isa::Vnni;
    case eqq::Int8Isa::avx2:
      return Isa::Avx2;
    case eqq::Int8Isa::portable:
    case eqq::Int8Isa::none:
      return Isa::Portable;
    case eqq::Int8Isa::host:
      break;
    }
    if (hostFeatures.lookup("avx512vnni") && hostFeatures.lookup("avx512bw") &&
        hostFeatures.lookup("avx512vl"))
      return Isa::Vnni;
    if (hostFeatures.lookup("avx2"))
      return Isa::Avx2;
    return Isa::Portable;
  }

  /// The host CPU's features, for `isa=host`.
  llvm::StringMap<bool> hostFeatures;
};
} // namespace
