//===- VectorBody.cpp - elementwise linalg bodies on vectors
//---------------===//

#include "VectorBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

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
  Value pick = arith::CmpFOp::create(b, loc, pred, xv, cv);
  return arith::SelectOp::create(b, loc, pick, cv, xv);
}

Value mlir::eqq::buildBodyOnVectors(OpBuilder &b, Location loc, Block &body,
                                    IRMapping &map, int64_t lanes) {
  auto vecOf = [&](Type t) { return VectorType::get({lanes}, t); };
  for (Operation &op : body.without_terminator()) {
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
  } else if (valid < lanes) {
    Value mask = vector::ConstantMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()),
        ArrayRef<int64_t>{valid});
    vector::MaskedStoreOp::create(b, loc, memref, idx, mask, v);
  } else {
    vector::StoreOp::create(b, loc, v, memref, idx);
  }
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
