//===- LookupTables.cpp - the --eqq-lookup-tables pass --------------------===//
//
// In a linalg body, an 8-bit value computed from one other 8-bit value and
// constants through costly ops (exp, divide: a dequantize, SiLU or sigmoid,
// quantize chain) takes one of 256 values. The chain is evaluated once per
// input value here, with the ops' own folders, and the body reads the
// result from a 256-entry table instead. A chain whose 256 results are its
// input clamped (a requantize to the same scale around a relu or relu6)
// becomes an integer min/max of the input, costly or not.
//
//===----------------------------------------------------------------------===//

#include "ExpApproximation.h"

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>

namespace mlir::eqq {
#define GEN_PASS_DEF_LOOKUPTABLESPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

static bool isByte(Type t) { return t.isSignlessInteger(8); }

/// Ops that cost more than a table read: transcendental functions and
/// divisions. Rounding, absolute values and the rest of arith are cheaper
/// computed than looked up.
static bool isCostly(Operation *op) {
  if (isa<arith::DivFOp, arith::RemFOp>(op))
    return true;
  return isa<math::MathDialect>(op->getDialect()) &&
         !isa<math::RoundEvenOp, math::RoundOp, math::FloorOp, math::CeilOp,
              math::TruncOp, math::AbsFOp, math::AbsIOp, math::CopySignOp,
              math::FmaOp>(op);
}

namespace {
/// The ops computing `result` from one 8-bit value (`input`) and
/// constants, in body order.
struct Chain {
  Value input;
  SmallVector<Operation *> ops;
};
} // namespace

/// The chain of the 8-bit `result` back to the nearest 8-bit values, when
/// there is exactly one such value and everything else is constant; only
/// side-effect-free arith and math ops with one result on scalars.
static std::optional<Chain> chainOf(Value result, Block &body) {
  Chain chain;
  llvm::SmallPtrSet<Operation *, 16> seen;
  SmallVector<Value> work{result};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    // Constants (8-bit ones too) are operands, not the chain's input.
    if (v != result && matchPattern(v, m_Constant()))
      continue;
    if (v != result && isByte(v.getType())) {
      if (chain.input && chain.input != v)
        return std::nullopt;
      chain.input = v;
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (!def)
      return std::nullopt; // Another block argument.
    if (def->getBlock() != &body) {
      if (!matchPattern(v, m_Constant()))
        return std::nullopt;
      continue;
    }
    if (!seen.insert(def).second)
      continue;
    if (def->getNumResults() != 1 || def->getNumRegions() ||
        !isa<arith::ArithDialect, math::MathDialect>(def->getDialect()) ||
        !isPure(def))
      return std::nullopt;
    for (Value operand : def->getOperands()) {
      if (!operand.getType().isIntOrFloat())
        return std::nullopt;
      work.push_back(operand);
    }
  }
  if (!chain.input)
    return std::nullopt;
  chain.ops.assign(seen.begin(), seen.end());
  llvm::sort(chain.ops,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return chain;
}

/// The chain's result for each of the 256 bit patterns of its input, from
/// the ops' folders (IEEE arithmetic, and for math functions the same
/// libm calls the lowered code makes; for an f32 exp, the approximation
/// --eqq-expand-math gives the lowered code), or nothing when an op does
/// not fold.
static std::optional<SmallVector<int32_t>> evaluate(const Chain &chain,
                                                    Value result) {
  SmallVector<int32_t> table;
  Builder b(result.getContext());
  for (int k = 0; k < 256; ++k) {
    DenseMap<Value, Attribute> values;
    values[chain.input] = b.getIntegerAttr(b.getI8Type(), APInt(8, k));
    auto valueOf = [&](Value v) -> Attribute {
      if (Attribute a = values.lookup(v))
        return a;
      Attribute a;
      matchPattern(v, m_Constant(&a));
      return a;
    };
    for (Operation *op : chain.ops) {
      SmallVector<Attribute> operands;
      for (Value v : op->getOperands()) {
        operands.push_back(valueOf(v));
        if (!operands.back())
          return std::nullopt;
      }
      if (auto exp = dyn_cast<math::ExpOp>(op);
          exp && exp.getType().isF32() && isa<FloatAttr>(operands[0])) {
        float x = cast<FloatAttr>(operands[0]).getValue().convertToFloat();
        values[exp.getResult()] = b.getF32FloatAttr(eqq::approximateExp(x));
        continue;
      }
      SmallVector<OpFoldResult> folded;
      if (failed(op->fold(operands, folded)) || folded.size() != 1)
        return std::nullopt;
      Attribute a = dyn_cast<Attribute>(folded[0]);
      if (!a)
        a = valueOf(cast<Value>(folded[0]));
      auto typed = dyn_cast_or_null<TypedAttr>(a);
      if (!typed || typed.getType() != op->getResult(0).getType())
        return std::nullopt;
      values[op->getResult(0)] = a;
    }
    auto out = dyn_cast_or_null<IntegerAttr>(values.lookup(result));
    if (!out)
      return std::nullopt;
    table.push_back(static_cast<int32_t>(out.getValue().getZExtValue()));
  }
  return table;
}

namespace {
/// A table that is `min(max(k, lo), hi)` of its input k, in the unsigned
/// or the signed order of the bytes (the identity when lo and hi are the
/// order's bounds).
struct Clamp {
  bool isSigned;
  int32_t lo, hi;
};
} // namespace

static std::optional<Clamp> asClamp(ArrayRef<int32_t> table) {
  for (bool isSigned : {false, true}) {
    auto value = [&](int k) {
      return isSigned ? static_cast<int32_t>(static_cast<int8_t>(k)) : k;
    };
    // The order's least and greatest inputs.
    int32_t lo = value(table[isSigned ? 0x80 : 0x00]);
    int32_t hi = value(table[isSigned ? 0x7f : 0xff]);
    if (lo > hi)
      continue;
    bool matches = true;
    for (int k = 0; k < 256 && matches; ++k)
      matches = value(table[k]) == std::clamp(value(k), lo, hi);
    if (matches)
      return Clamp{isSigned, lo, hi};
  }
  return std::nullopt;
}

/// `input` clamped to [c.lo, c.hi] with integer max and min (none where a
/// bound is the order's own).
static Value buildClamp(OpBuilder &b, Location loc, Value input,
                        const Clamp &c) {
  Type i8 = b.getI8Type();
  int32_t least = c.isSigned ? -128 : 0, greatest = c.isSigned ? 127 : 255;
  Value lo, hi;
  if (c.lo != least)
    lo = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, c.lo));
  if (c.hi != greatest)
    hi = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, c.hi));
  Value v = input;
  if (lo) {
    v = c.isSigned ? arith::MaxSIOp::create(b, loc, v, lo).getResult()
                   : arith::MaxUIOp::create(b, loc, v, lo).getResult();
  }
  if (hi) {
    v = c.isSigned ? arith::MinSIOp::create(b, loc, v, hi).getResult()
                   : arith::MinUIOp::create(b, loc, v, hi).getResult();
  }
  return v;
}

/// `c` applied to `input` before its conversion to bytes, when `input` is
/// `trunci(fptosi(minimumf(maximumf(x, a), b)))` in the same body (a
/// quantize's last steps) with a and b integers within the order's bytes:
/// the same conversion of x clamped to [max(a, lo), min(b, hi)]. Exact:
/// fptosi rounds toward zero, which keeps the order and the integers, so
/// an integer bound commutes with it; the bytes then hold the values in
/// the clamp's order. Two float ops that were already there replace the
/// integer max and min after them (a relu6 after a conv's requantize).
/// Null when `input` is not so computed or the intervals do not meet.
static Value clampBeforeConversion(OpBuilder &b, Location loc, Value input,
                                   const Clamp &c) {
  auto trunc = input.getDefiningOp<arith::TruncIOp>();
  auto toInt = trunc ? trunc.getIn().getDefiningOp<arith::FPToSIOp>()
                     : arith::FPToSIOp();
  auto upper = toInt ? toInt.getIn().getDefiningOp<arith::MinimumFOp>()
                     : arith::MinimumFOp();
  auto lower = upper ? upper.getLhs().getDefiningOp<arith::MaximumFOp>()
                     : arith::MaximumFOp();
  FloatAttr a, bound;
  if (!lower || !matchPattern(lower.getRhs(), m_Constant(&a)) ||
      !matchPattern(upper.getRhs(), m_Constant(&bound)))
    return {};
  double least = c.isSigned ? -128 : 0, greatest = c.isSigned ? 127 : 255;
  double from = a.getValueAsDouble(), to = bound.getValueAsDouble();
  if (from != std::floor(from) || to != std::floor(to) || from < least ||
      to > greatest || from > to)
    return {};
  double lo = std::max<double>(from, c.lo), hi = std::min<double>(to, c.hi);
  if (lo > hi)
    return {};
  Value x = lower.getLhs();
  Type f = x.getType();
  Value v = arith::MaximumFOp::create(
      b, loc, x, arith::ConstantOp::create(b, loc, b.getFloatAttr(f, lo)));
  v = arith::MinimumFOp::create(
      b, loc, v, arith::ConstantOp::create(b, loc, b.getFloatAttr(f, hi)));
  v = arith::FPToSIOp::create(b, loc, toInt.getType(), v);
  return arith::TruncIOp::create(b, loc, trunc.getType(), v);
}

/// Replaces every 8-bit chain in `g`'s body whose table is a clamp of its
/// input by integer max and min (by the input itself for the identity),
/// and every other costly one by a read of a table built at the start of
/// `entry`; returns how many.
static int tabulate(linalg::GenericOp g, Block &entry) {
  Block &body = g.getRegion().front();
  int count = 0;
  // From the end, so that the longest chain is taken first.
  SmallVector<Operation *> ops;
  for (Operation &op : llvm::reverse(body.without_terminator()))
    ops.push_back(&op);
  llvm::SmallPtrSet<Operation *, 16> erased;
  for (Operation *op : ops) {
    if (erased.contains(op) || op->getNumResults() != 1 ||
        !isByte(op->getResult(0).getType()) || op->use_empty())
      continue;
    Value result = op->getResult(0);
    std::optional<Chain> chain = chainOf(result, body);
    if (!chain)
      continue;
    std::optional<SmallVector<int32_t>> values = evaluate(*chain, result);
    if (!values)
      continue;
    Location loc = g.getLoc();
    OpBuilder b(op);
    if (std::optional<Clamp> clamp = asClamp(*values)) {
      // A requantize to the same scale around a relu or relu6: the table
      // is the stored value clamped, cheaper in integers than either, and
      // cheaper still in the float clamp of the quantize before it.
      Value clamped = clampBeforeConversion(b, loc, chain->input, *clamp);
      result.replaceAllUsesWith(
          clamped ? clamped : buildClamp(b, loc, chain->input, *clamp));
    } else {
      if (!llvm::any_of(chain->ops, isCostly))
        continue;
      // The table holds 32-bit entries, so that 16 lanes read it with one
      // dword gather.
      b.setInsertionPointToStart(&entry);
      auto tableType = RankedTensorType::get({256}, b.getI32Type());
      Value table = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(tableType, ArrayRef(*values)));
      b.setInsertionPoint(op);
      Value wide = arith::ExtUIOp::create(b, loc, b.getI32Type(), chain->input);
      Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), wide);
      Value entryValue = tensor::ExtractOp::create(b, loc, table, index);
      Value byte = arith::TruncIOp::create(b, loc, b.getI8Type(), entryValue);
      result.replaceAllUsesWith(byte);
    }
    ++count;
    // The chain's ops no other value reads.
    for (Operation *dead : llvm::reverse(chain->ops))
      if (dead->use_empty()) {
        erased.insert(dead);
        dead->erase();
      }
  }
  return count;
}

namespace {
struct LookupTablesPass : eqq::impl::LookupTablesPassBase<LookupTablesPass> {
  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp f) {
      if (f.isExternal())
        return;
      Block &entry = f.getBody().front();
      f.walk([&](linalg::GenericOp g) {
        if (g.hasPureTensorSemantics())
          tabulate(g, entry);
      });
    });
  }
};
} // namespace
