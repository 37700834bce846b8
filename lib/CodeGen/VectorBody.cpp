//===- VectorBody.cpp - elementwise linalg bodies on vectors
//---------------===//

#include "VectorBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <cmath>

using namespace mlir;

/// A read of a 1-D table from outside the body at an index the body
/// computes from a 32-bit integer (--eqq-lookup-tables).
static bool isTableRead(Operation &op) {
  auto load = dyn_cast<memref::LoadOp>(op);
  if (!load || load.getMemRefType().getRank() != 1 ||
      !load.getMemRefType().hasStaticShape() ||
      load.getMemRef().getParentBlock() == op.getBlock())
    return false;
  // The index comes from a value of the body (a vector of lanes), not a
  // scalar from outside.
  auto cast = load.getIndices()[0].getDefiningOp<arith::IndexCastOp>();
  return cast && cast->getBlock() == op.getBlock() &&
         cast.getIn().getParentBlock() == op.getBlock() &&
         cast.getIn().getType().isSignlessInteger(32);
}

bool mlir::eqq::isVectorizable(Operation &op) {
  if (isa<linalg::YieldOp>(op) || isTableRead(op))
    return true;
  if (op.getNumRegions() || op.getNumResults() != 1 ||
      !isa<arith::ArithDialect, math::MathDialect>(op.getDialect()))
    return false;
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return isa<IntegerAttr, FloatAttr>(c.getValue());
  if (!OpTrait::hasElementwiseMappableTraits(&op))
    return false;
  return llvm::all_of(op.getOperandTypes(), [](Type t) {
    return t.isIntOrIndexOrFloat() && !t.isIndex();
  });
}

/// `x pred bound ? bound : x`, a compare and a select (one vmaxps or vminps
/// on x86).
static Value selectBound(OpBuilder &b, Location loc, arith::CmpFPredicate pred,
                         Value x, Value bound) {
  Value pick = arith::CmpFOp::create(b, loc, pred, x, bound);
  return arith::SelectOp::create(b, loc, pick, bound, x);
}

/// `maximumf(x, c)` or `minimumf(x, c)` against a constant c that is not
/// NaN, as a compare and a select, which x86 does in one vmaxps/vminps;
/// arith's IEEE maximum/minimum (NaN and -0 < +0 respected) takes three.
/// Exactly the same values: for x NaN the select keeps x (NaN); for c
/// nonzero, x and c never tie as -0 and +0; for c = +0 in a maximum, x <= 0
/// (-0 included) gives +0. Null when `op` is not such a clamp (a minimum
/// against 0, where -0 must win, stays).
static Value buildClamp(OpBuilder &b, Location loc, Operation &op,
                        IRMapping &map) {
  bool isMax = isa<arith::MaximumFOp>(op);
  if (!isMax && !isa<arith::MinimumFOp>(op))
    return nullptr;
  Value x = op.getOperand(0), c = op.getOperand(1);
  FloatAttr attr;
  if (!matchPattern(c, m_Constant(&attr)))
    std::swap(x, c);
  if (!matchPattern(c, m_Constant(&attr)) || attr.getValue().isNaN())
    return nullptr;
  const APFloat &value = attr.getValue();
  bool zero = value.isZero();
  if (zero && (!isMax || value.isNegative()))
    return nullptr;
  Value xv = map.lookupOrNull(x);
  if (!xv)
    return nullptr;
  auto type = cast<VectorType>(xv.getType());
  Value cv = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, static_cast<Attribute>(attr)));
  // max: x < c ? c : x (x <= 0 ? 0 : x for c = +0); min: x > c ? c : x.
  arith::CmpFPredicate pred = !isMax ? arith::CmpFPredicate::OGT
                              : zero ? arith::CmpFPredicate::OLE
                                     : arith::CmpFPredicate::OLT;
  return selectBound(b, loc, pred, xv, cv);
}

/// The 8-bit entries of a constant 256-entry table of 32-bit integers that
/// all lie in [0, 255] (`isSigned` false) or all in [-128, 127], else none.
static std::optional<SmallVector<int8_t>> byteEntries(memref::LoadOp load,
                                                      bool &isSigned) {
  auto get = load.getMemRef().getDefiningOp<memref::GetGlobalOp>();
  if (!get || load.getMemRefType().getNumElements() != 256 ||
      !load.getType().isSignlessInteger(32))
    return std::nullopt;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant())
    return std::nullopt;
  auto data = dyn_cast_or_null<DenseIntElementsAttr>(
      global.getInitialValue().value_or(Attribute()));
  if (!data)
    return std::nullopt;
  bool unsignedFits = true, signedFits = true;
  SmallVector<int8_t> bytes;
  for (const APInt &v : data.getValues<APInt>()) {
    int64_t x = v.getSExtValue();
    unsignedFits &= x >= 0 && x <= 255;
    signedFits &= x >= -128 && x <= 127;
    bytes.push_back(static_cast<int8_t>(x));
  }
  if (!unsignedFits && !signedFits)
    return std::nullopt;
  isSigned = !unsignedFits;
  return bytes;
}

/// A table read's indices (`lanes` 32-bit lanes holding 0..255) as a
/// vector of `width` bytes, those past `lanes` 0.
static Value tableIndexBytes(OpBuilder &b, Location loc, Value index,
                             int64_t lanes, int64_t width) {
  Value narrow = arith::TruncIOp::create(
      b, loc, VectorType::get({lanes}, b.getI8Type()), index);
  if (lanes == width)
    return narrow;
  SmallVector<int64_t> widen;
  for (int64_t i = 0; i < width; ++i)
    widen.push_back(i < lanes ? i : 0);
  return vector::ShuffleOp::create(b, loc, narrow, narrow, widen);
}

/// The bytes of `high` where the index byte `idx` has its top bit set (128
/// and above), else of `low`; the first `lanes`, extended to `load`'s
/// entries (signed entries sign-extended).
static Value pickTableHalf(OpBuilder &b, Location loc, memref::LoadOp load,
                           bool isSigned, Value idx, Value high, Value low,
                           int64_t lanes) {
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(idx.getType()));
  Value top =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, zero);
  Value picked = arith::SelectOp::create(b, loc, top, high, low);
  if (lanes != cast<VectorType>(idx.getType()).getNumElements())
    picked = vector::ShuffleOp::create(
        b, loc, picked, picked, llvm::to_vector(llvm::seq<int64_t>(0, lanes)));
  auto wide = VectorType::get({lanes}, load.getType());
  if (isSigned)
    return arith::ExtSIOp::create(b, loc, wide, picked);
  return arith::ExtUIOp::create(b, loc, wide, picked);
}

/// A 256-entry table read by `lanes` <= 64 indices (`index`, 32-bit lanes
/// holding 0..255) as byte permutes: the table's bytes are four constant
/// 64-byte vectors, `vpermi2b` picks from the first two (indices below
/// 128) and from the last two by the index's low 7 bits, and the index's
/// top bit selects between them. Null when the table is not a constant of
/// byte-sized entries.
static Value buildBytePermute(OpBuilder &b, Location loc, memref::LoadOp load,
                              Value index, int64_t lanes) {
  bool isSigned = false;
  std::optional<SmallVector<int8_t>> bytes = byteEntries(load, isSigned);
  if (!bytes || lanes > 64)
    return nullptr;
  auto i8x64 = VectorType::get({64}, b.getI8Type());
  Value idx = tableIndexBytes(b, loc, index, lanes, 64);
  auto part = [&](int64_t q) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(i8x64,
                               ArrayRef<int8_t>(*bytes).slice(64 * q, 64)));
  };
  auto permute = [&](int64_t q) -> Value {
    return LLVM::CallIntrinsicOp::create(
               b, loc, i8x64,
               b.getStringAttr("llvm.x86.avx512.vpermi2var.qi.512"),
               ValueRange{part(q), idx, part(q + 1)})
        .getResult(0);
  };
  Value low = permute(0), high = permute(2);
  return pickTableHalf(b, loc, load, isSigned, idx, high, low, lanes);
}

/// A 256-entry table read by 16 to 32 `lanes` indices (`index`, 32-bit
/// lanes holding 0..255) as AVX2 byte shuffles, which read 16-entry slices:
/// with idx_k = index - 16k (bytes, wrapping), vpshufb(D, idx_k) is
/// D[index % 16] where idx_k's top bit is clear, else 0. For an index below
/// 128 that holds for k = 0 .. index / 16 of k < 8, so the xor of those
/// shuffles of D_0 = T_0, D_k = T_k ^ T_(k-1) (T_k the table's k-th slice)
/// telescopes to T_(index / 16)[index % 16]; k = 8 .. 15 do the same for
/// the indices from 128 with slices 8 .. 15, and the index's top bit picks
/// between the two. 46 instructions for 32 lanes where LLVM's gather loads
/// and inserts each byte (about 4 each). Null when the table is not a
/// constant of byte-sized entries.
static Value buildByteShuffles(OpBuilder &b, Location loc, memref::LoadOp load,
                               Value index, int64_t lanes) {
  bool isSigned = false;
  std::optional<SmallVector<int8_t>> bytes = byteEntries(load, isSigned);
  if (!bytes || lanes < 16 || lanes > 32)
    return nullptr;
  auto i8x32 = VectorType::get({32}, b.getI8Type());
  Value idx = tableIndexBytes(b, loc, index, lanes, 32);
  Value sixteen = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(i8x32, b.getI8IntegerAttr(16)));
  Value half[2];
  Value step = idx;
  for (int64_t k = 0; k < 16; ++k) {
    if (k)
      step = arith::SubIOp::create(b, loc, step, sixteen);
    // D_k in both 16-byte halves.
    SmallVector<int8_t> slice(32);
    for (int64_t i = 0; i < 16; ++i) {
      int8_t entry = (*bytes)[16 * k + i];
      if (k % 8)
        entry ^= (*bytes)[16 * (k - 1) + i];
      slice[i] = slice[16 + i] = entry;
    }
    Value table = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i8x32, ArrayRef<int8_t>(slice)));
    Value picked = LLVM::CallIntrinsicOp::create(
                       b, loc, i8x32, b.getStringAttr("llvm.x86.avx2.pshuf.b"),
                       ValueRange{table, step})
                       .getResult(0);
    Value &acc = half[k / 8];
    acc =
        k % 8 ? arith::XOrIOp::create(b, loc, acc, picked).getResult() : picked;
  }
  return pickTableHalf(b, loc, load, isSigned, idx, half[1], half[0], lanes);
}

/// The scalar every lane of `v` holds, where `v` is a broadcast or integer
/// extensions and truncations of one (built at the builder's point), else
/// null.
static Value uniformScalar(OpBuilder &b, Location loc, Value v) {
  if (auto broadcast = v.getDefiningOp<vector::BroadcastOp>())
    return isa<VectorType>(broadcast.getSourceType()) ? Value()
                                                      : broadcast.getSource();
  Operation *op = v.getDefiningOp();
  if (!op || !isa<arith::ExtUIOp, arith::ExtSIOp, arith::TruncIOp>(op))
    return nullptr;
  Value in = uniformScalar(b, loc, op->getOperand(0));
  if (!in)
    return nullptr;
  Type elem = cast<VectorType>(v.getType()).getElementType();
  OperationState state(loc, op->getName().getStringRef(), ValueRange{in},
                       TypeRange{elem}, op->getAttrs());
  return b.create(state)->getResult(0);
}

namespace {
/// A quantize's rounding and clamp as --eqq-convert writes it, ending in a
/// conversion to integer:
///   fptosi(clamp(roundeven(x) + zp, lo, hi))
/// (the clamp a maximumf and a minimumf in either order; no add for a zero
/// point of 0), with zp, lo and hi constant integers of magnitude below
/// 2^24 and lo <= hi.
struct RoundClamp {
  arith::FPToSIOp root;
  Value x;
  double zp, lo, hi;
  /// The ops between x and root, which the rewrite replaces.
  SmallVector<Operation *, 4> inner;
};
} // namespace

static bool isSmallInteger(double v) {
  return v == std::nearbyint(v) && std::fabs(v) < 16777216.0;
}

/// `root`'s RoundClamp, if it is one whose inner ops have no other users.
static std::optional<RoundClamp> matchRoundClamp(arith::FPToSIOp root) {
  RoundClamp m;
  m.root = root;
  auto constant = [](Value v, double &out) {
    FloatAttr attr;
    if (!matchPattern(v, m_Constant(&attr)) || !attr.getType().isF32())
      return false;
    out = attr.getValueAsDouble();
    return isSmallInteger(out);
  };
  // The clamp: a max and a min of the sum against constants, either order.
  Value v = root.getIn();
  bool seenMax = false, seenMin = false;
  for (int i = 0; i < 2; ++i) {
    Operation *op = v.getDefiningOp();
    if (!op || !op->hasOneUse() || op->getNumOperands() != 2)
      return std::nullopt;
    bool isMax = isa<arith::MaximumFOp>(op);
    if ((!isMax && !isa<arith::MinimumFOp>(op)) || (isMax ? seenMax : seenMin))
      return std::nullopt;
    if (!constant(op->getOperand(1), isMax ? m.lo : m.hi))
      return std::nullopt;
    (isMax ? seenMax : seenMin) = true;
    m.inner.push_back(op);
    v = op->getOperand(0);
  }
  if (m.lo > m.hi)
    return std::nullopt;
  // The zero point (none: 0).
  Value rounded = v;
  m.zp = 0;
  if (auto add = v.getDefiningOp<arith::AddFOp>()) {
    if (!add->hasOneUse())
      return std::nullopt;
    rounded = add.getLhs();
    if (!constant(add.getRhs(), m.zp)) {
      rounded = add.getRhs();
      if (!constant(add.getLhs(), m.zp))
        return std::nullopt;
    }
    m.inner.push_back(add);
  }
  auto round = rounded.getDefiningOp<math::RoundEvenOp>();
  if (!round || !round->hasOneUse())
    return std::nullopt;
  m.inner.push_back(round);
  m.x = round.getOperand();
  if (!root.getType().isSignlessInteger(32) || !m.x.getType().isF32())
    return std::nullopt;
  return m;
}

/// The RoundClamp `m` on vectors as
///   lrint(clamp(x, lo - zp, hi - zp)) + zp
/// (integer add): four instructions instead of five, and the same values
/// for every finite or infinite x. Rounding commutes with a clamp to
/// integer bounds, the bounds less zp are exact, and so are the integer
/// sums below 2^24; lrint rounds half to even in the default floating-point
/// environment, which LLVM assumes (vcvtps2dq on x86). The clamps are
/// buildClamp's compare-and-select (selectBound).
static Value buildRoundClamp(OpBuilder &b, Location loc, const RoundClamp &m,
                             Value xv) {
  auto type = cast<VectorType>(xv.getType());
  auto fconst = [&](double v) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(type, static_cast<Attribute>(b.getF32FloatAttr(
                                         static_cast<float>(v)))));
  };
  Value lo = fconst(m.lo - m.zp), hi = fconst(m.hi - m.zp);
  Value clamped =
      selectBound(b, loc, arith::CmpFPredicate::OGT,
                  selectBound(b, loc, arith::CmpFPredicate::OLT, xv, lo), hi);
  auto i32Type = VectorType::get(type.getShape(), b.getI32Type());
  Value rounded = LLVM::LrintOp::create(b, loc, i32Type, clamped);
  if (m.zp == 0)
    return rounded;
  Value zp = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(
          i32Type, static_cast<Attribute>(
                       b.getI32IntegerAttr(static_cast<int32_t>(m.zp)))));
  return arith::AddIOp::create(b, loc, rounded, zp);
}

/// Whether `ext` (extui or extsi to i32) of `m`'s integer narrowed to
/// `bits` bits gives that integer back: the clamp is within the narrow
/// type's range ([0, 2^bits - 1] for extui, [-2^(bits-1), 2^(bits-1) - 1]
/// for extsi).
static bool rewidenKeeps(const RoundClamp &m, Operation *ext, unsigned bits) {
  if (!isa<arith::ExtUIOp, arith::ExtSIOp>(ext) ||
      !ext->getResult(0).getType().isSignlessInteger(32) || bits >= 32)
    return false;
  bool isSigned = isa<arith::ExtSIOp>(ext);
  double lo = isSigned ? -std::ldexp(1.0, bits - 1) : 0.0;
  double hi = std::ldexp(1.0, isSigned ? bits - 1 : bits) - 1;
  return m.lo >= lo && m.hi <= hi;
}

/// `m`'s integer when `ext` widens a trunci of it back without loss, else
/// null.
static Value matchRewiden(const RoundClamp &m, Operation *ext) {
  Value integer = m.root->getResult(0);
  auto trunc = ext->getNumOperands() == 1
                   ? ext->getOperand(0).getDefiningOp<arith::TruncIOp>()
                   : arith::TruncIOp();
  if (!trunc || trunc.getIn() != integer ||
      !rewidenKeeps(m, ext, trunc.getType().getIntOrFloatBitWidth()))
    return nullptr;
  return integer;
}

void mlir::eqq::mapRewidened(Block &producer, IRMapping &producerMap,
                             BlockArgument arg, IRMapping &map) {
  Value yielded = producer.getTerminator()->getOperand(0);
  auto trunc = yielded.getDefiningOp<arith::TruncIOp>();
  auto root = trunc ? trunc.getIn().getDefiningOp<arith::FPToSIOp>()
                    : arith::FPToSIOp();
  if (!root || root->getBlock() != &producer)
    return;
  std::optional<RoundClamp> m = matchRoundClamp(root);
  Value rootVector = producerMap.lookupOrNull(root.getResult());
  if (!m || !rootVector)
    return;
  for (Operation *ext : arg.getUsers())
    if (rewidenKeeps(*m, ext, trunc.getType().getIntOrFloatBitWidth()))
      map.map(ext->getResult(0), rootVector);
}

Value mlir::eqq::buildBodyOnVectors(OpBuilder &b, Location loc, Block &body,
                                    IRMapping &map, int64_t lanes,
                                    TableReads tables) {
  auto vecOf = [&](Type t) { return VectorType::get({lanes}, t); };
  // Quantizes become lrint on the clamped value (buildRoundClamp); the ops
  // they replace are not built.
  // Its integer narrowed and widened again (a requantize then dequantize:
  // trunci to i8, extui or extsi to i32) is the integer itself where the
  // clamp keeps it in the narrow type's range.
  llvm::DenseMap<Operation *, RoundClamp> roundClamps;
  llvm::SmallPtrSet<Operation *, 8> replaced;
  llvm::DenseMap<Operation *, Value> widened;
  for (Operation &op : body)
    if (auto root = dyn_cast<arith::FPToSIOp>(op))
      if (std::optional<RoundClamp> m = matchRoundClamp(root)) {
        replaced.insert(m->inner.begin(), m->inner.end());
        for (Operation *user : root->getUsers())
          for (Operation *ext : user->getUsers())
            if (Value same = matchRewiden(*m, ext))
              widened.try_emplace(ext, same);
        roundClamps.try_emplace(root, std::move(*m));
      }
  for (Operation &op : body.without_terminator()) {
    // Skipped: replaced by a RoundClamp, or given by the caller
    // (mapRewidened).
    if (replaced.contains(&op) ||
        (op.getNumResults() == 1 && map.contains(op.getResult(0))))
      continue;
    if (Value same = widened.lookup(&op)) {
      map.map(op.getResult(0), map.lookup(same));
      continue;
    }
    auto roundClamp = roundClamps.find(&op);
    if (roundClamp != roundClamps.end()) {
      Value x = roundClamp->second.x;
      Value xv = map.lookupOrNull(x);
      if (!xv) {
        // A scalar from outside the body.
        xv = vector::BroadcastOp::create(b, loc, vecOf(x.getType()), x);
        map.map(x, xv);
      }
      map.map(op.getResult(0), buildRoundClamp(b, loc, roundClamp->second, xv));
      continue;
    }
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto type = vecOf(c.getType());
      map.map(c.getResult(),
              arith::ConstantOp::create(
                  b, loc,
                  DenseElementsAttr::get(type, cast<TypedAttr>(c.getValue()))));
      continue;
    }
    if (auto cast = dyn_cast<arith::IndexCastOp>(op)) {
      // Only table reads use it (isVectorizable): they gather with the
      // 32-bit lanes.
      if (cast.getIn().getType().isSignlessInteger(32) &&
          llvm::all_of(cast->getUsers(),
                       [](Operation *user) { return isTableRead(*user); }))
        continue;
    }
    if (isTableRead(op)) {
      auto load = cast<memref::LoadOp>(op);
      Value lanesIdx = map.lookup(
          load.getIndices()[0].getDefiningOp<arith::IndexCastOp>().getIn());
      // One index for every lane (a squeeze-and-excite gate's channel
      // value): one scalar load, where a gather loads each lane.
      if (Value scalar = uniformScalar(b, loc, lanesIdx)) {
        Value entry =
            memref::LoadOp::create(b, loc, load.getMemRef(),
                                   ValueRange{arith::IndexCastOp::create(
                                       b, loc, b.getIndexType(), scalar)});
        map.map(load.getResult(), vector::BroadcastOp::create(
                                      b, loc, vecOf(load.getType()), entry));
        continue;
      }
      Value bytes;
      if (tables == TableReads::BytePermutes)
        bytes = buildBytePermute(b, loc, load, lanesIdx, lanes);
      else if (tables == TableReads::ByteShuffles)
        bytes = buildByteShuffles(b, loc, load, lanesIdx, lanes);
      if (bytes) {
        map.map(load.getResult(), bytes);
        continue;
      }
      auto type = vecOf(load.getType());
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value all = vector::ConstantMaskOp::create(
          b, loc, VectorType::get({lanes}, b.getI1Type()),
          ArrayRef<int64_t>{lanes});
      Value pass = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
      map.map(load.getResult(),
              vector::GatherOp::create(b, loc, type, load.getMemRef(),
                                       ValueRange{zero}, lanesIdx, all, pass));
      continue;
    }
    if (Value clamp = buildClamp(b, loc, op, map)) {
      map.map(op.getResult(0), clamp);
      continue;
    }
    SmallVector<Value> operands;
    for (Value v : op.getOperands()) {
      if (Value mapped = map.lookupOrNull(v)) {
        operands.push_back(mapped);
      } else {
        // A scalar from outside the body.
        operands.push_back(
            vector::BroadcastOp::create(b, loc, vecOf(v.getType()), v));
        map.map(v, operands.back());
      }
    }
    OperationState state(loc, op.getName(), operands,
                         TypeRange{vecOf(op.getResult(0).getType())},
                         op.getAttrs());
    map.map(op.getResult(0), b.create(state)->getResult(0));
  }
  return map.lookup(body.getTerminator()->getOperand(0));
}

void mlir::eqq::storeLanes(OpBuilder &b, Location loc, Value v, Value memref,
                           ValueRange idx, int64_t valid) {
  int64_t lanes = cast<VectorType>(v.getType()).getNumElements();
  if (valid == 1 && lanes > 1) {
    memref::StoreOp::create(
        b, loc, vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{0}),
        memref, idx);
  } else if (valid < lanes &&
             llvm::is_contained(
                 {8u, 16u},
                 cast<VectorType>(v.getType()).getElementTypeBitWidth()) &&
             llvm::popcount(static_cast<uint64_t>(valid)) <= 3) {
    // AVX2 has masked stores of dwords and qwords only: LLVM stores a
    // masked vector of bytes or words a lane at a time, each behind a test
    // and a branch (a 14-column row of a depthwise conv's bytes: 14 of
    // them). Up to three plain stores of 2^k lanes instead. (Not for i1,
    // whose vectors LLVM stores as packed bits.)
    SmallVector<Value> at(idx.begin(), idx.end());
    Value last = at.back();
    int64_t offset = 0;
    for (int64_t chunk = llvm::bit_floor(static_cast<uint64_t>(valid));
         chunk >= 1; chunk /= 2) {
      if (!(valid & chunk))
        continue;
      if (offset)
        at.back() = arith::AddIOp::create(
            b, loc, last, arith::ConstantIndexOp::create(b, loc, offset));
      if (chunk == 1) {
        memref::StoreOp::create(
            b, loc,
            vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{offset}),
            memref, at);
      } else {
        Value part = vector::ExtractStridedSliceOp::create(
            b, loc, v, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{chunk},
            ArrayRef<int64_t>{1});
        vector::StoreOp::create(b, loc, part, memref, at);
      }
      offset += chunk;
    }
  } else if (valid < lanes) {
    Value mask = vector::ConstantMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()),
        ArrayRef<int64_t>{valid});
    vector::MaskedStoreOp::create(b, loc, memref, idx, mask, v);
  } else {
    vector::StoreOp::create(b, loc, v, memref, idx);
  }
}

bool mlir::eqq::isPrivateBuffer(Value memref) {
  if (!memref.getDefiningOp<memref::AllocOp>() &&
      !memref.getDefiningOp<memref::AllocaOp>())
    return false;
  return llvm::none_of(memref.getUsers(), [](Operation *user) {
    return isa<ViewLikeOpInterface>(user);
  });
}

Value mlir::eqq::loadLanes(OpBuilder &b, Location loc, Value memref,
                           ValueRange idx, int64_t lanes, int64_t valid,
                           bool alongLanes) {
  auto type = VectorType::get(
      {lanes}, cast<MemRefType>(memref.getType()).getElementType());
  if (!alongLanes || valid == 1)
    return vector::BroadcastOp::create(
        b, loc, type, memref::LoadOp::create(b, loc, memref, idx));
  if (valid < lanes) {
    Value mask = vector::ConstantMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()),
        ArrayRef<int64_t>{valid});
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
    return vector::MaskedLoadOp::create(b, loc, type, memref, idx, mask, zero);
  }
  return vector::LoadOp::create(b, loc, type, memref, idx);
}
