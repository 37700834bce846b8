//===- Ops.cpp - recognize the CNN ops around the layers ------------------===//
//
// Pooling, mean, clamps and activations, mul and cat, in the spellings of
// interface section 3 (those of torch-mlir style front ends and
// tools/eq-export), and the transformer ops in tools/eq-export's spellings
// (layer norm, GELU, tanh, softmax, matmul of two activations, embedding),
// which compute in float. Each matcher starts at the last op of a spelling,
// whose result is the op's output, and looks up to its data inputs.
//
// An elementwise activation is recognized by what its body computes, not by
// how it is spelled: the body (arith and math ops of one f32 input and
// constants) is evaluated at probe points and compared with each function of
// the table (relu6 = clamp(x, 0, 6), hardswish, hardsigmoid, sigmoid, silu,
// GELU in its erf and tanh forms, tanh).
// Front ends spell x / 6 as a division or as a multiply by 1/6, the sigmoid
// as 1 / (1 + exp(-x)) or exp(x) / (1 + exp(x)); all are the same op here.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Analysis/Layers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

static bool isStaticF32(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getElementType().isF32() && type.hasStaticShape();
}

static bool isAllParallel(linalg::LinalgOp op) {
  return llvm::all_of(op.getIteratorTypesArray(), [](utils::IteratorType t) {
    return t == utils::IteratorType::parallel;
  });
}

/// The f32 value of a scalar constant, looking through nothing else.
static std::optional<float> getScalarConstant(Value v) {
  FloatAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.getType().isF32())
    return std::nullopt;
  return attr.getValue().convertToFloat();
}

/// A linalg.fill of `value` (or a splat constant of it).
static bool isFilledWith(Value v, float value) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>()) {
    std::optional<float> c =
        getScalarConstant(fill.getDpsInputOperand(0)->get());
    return c && (*c == value || (std::isnan(value) && std::isnan(*c)));
  }
  DenseElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense)) && dense.isSplat() &&
      dense.getElementType().isF32())
    return dense.getSplatValue<float>() == value;
  return false;
}

//===----------------------------------------------------------------------===//
// Elementwise activations, by evaluation
//===----------------------------------------------------------------------===//

/// Evaluates the body of a one-input elementwise linalg.generic at `x`, in
/// f32 as the compiled code computes. None when the body uses an op this
/// evaluator does not know, reads its init, or reads a non-constant value
/// from outside.
static std::optional<float> evaluateBody(Block &body, float x) {
  llvm::DenseMap<Value, float> values;
  values[body.getArgument(0)] = x;
  auto get = [&](Value v) -> std::optional<float> {
    auto it = values.find(v);
    if (it != values.end())
      return it->second;
    if (v.getParentBlock() != &body && !isa<BlockArgument>(v))
      return getScalarConstant(v);
    return std::nullopt;
  };
  for (Operation &op : body) {
    if (auto yield = dyn_cast<linalg::YieldOp>(op))
      return yield.getNumOperands() == 1 ? get(yield.getOperand(0))
                                         : std::nullopt;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      std::optional<float> v = getScalarConstant(c);
      if (!v)
        return std::nullopt;
      values[c] = *v;
      continue;
    }
    SmallVector<float, 3> in;
    for (Value operand : op.getOperands()) {
      std::optional<float> v = get(operand);
      if (!v)
        return std::nullopt;
      in.push_back(*v);
    }
    if (op.getNumResults() != 1)
      return std::nullopt;
    float r;
    if (isa<arith::AddFOp>(op))
      r = in[0] + in[1];
    else if (isa<arith::SubFOp>(op))
      r = in[0] - in[1];
    else if (isa<arith::MulFOp>(op))
      r = in[0] * in[1];
    else if (isa<arith::DivFOp>(op))
      r = in[0] / in[1];
    else if (isa<arith::NegFOp>(op))
      r = -in[0];
    else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op))
      r = std::fmax(in[0], in[1]);
    else if (isa<arith::MinimumFOp, arith::MinNumFOp>(op))
      r = std::fmin(in[0], in[1]);
    else if (isa<math::ExpOp>(op))
      r = std::exp(in[0]);
    else if (isa<math::TanhOp>(op))
      r = std::tanh(in[0]);
    else if (isa<math::ErfOp>(op))
      r = std::erf(in[0]);
    else if (isa<math::SqrtOp>(op))
      r = std::sqrt(in[0]);
    else if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
      bool lt = in[0]<in[1], gt = in[0]> in[1], eq = in[0] == in[1];
      switch (cmp.getPredicate()) {
      case arith::CmpFPredicate::OGT:
      case arith::CmpFPredicate::UGT:
        r = gt;
        break;
      case arith::CmpFPredicate::OGE:
      case arith::CmpFPredicate::UGE:
        r = gt || eq;
        break;
      case arith::CmpFPredicate::OLT:
      case arith::CmpFPredicate::ULT:
        r = lt;
        break;
      case arith::CmpFPredicate::OLE:
      case arith::CmpFPredicate::ULE:
        r = lt || eq;
        break;
      default:
        return std::nullopt;
      }
    } else if (isa<arith::SelectOp>(op))
      r = in[0] != 0.0f ? in[1] : in[2];
    else
      return std::nullopt;
    values[op.getResult(0)] = r;
  }
  return std::nullopt;
}

namespace {
/// What a one-input elementwise body computes.
struct UnaryFunction {
  OpKind kind;
  float lo = -INFINITY, hi = INFINITY;
};
} // namespace

static float hardsigmoid(float x) {
  return std::fmin(std::fmax(x + 3.0f, 0.0f), 6.0f) / 6.0f;
}

/// The table's function that `generic` computes, if any.
static std::optional<UnaryFunction> classifyUnary(linalg::GenericOp generic) {
  if (!generic.hasPureTensorSemantics() || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || !isAllParallel(generic) ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }) ||
      !isStaticF32(generic.getDpsInputOperand(0)->get()) ||
      !isStaticF32(generic->getResult(0)))
    return std::nullopt;
  Block &body = generic.getRegion().front();
  // Probes: every quarter in [-12, 12] (the breakpoints of relu6, hardswish
  // and hardsigmoid at -3, 0, 3 and 6 among them) and points just off them.
  SmallVector<float> probes;
  for (int i = -48; i <= 48; ++i)
    probes.push_back(static_cast<float>(i) * 0.25f);
  for (float p : {-3.0f, 0.0f, 3.0f, 6.0f})
    for (float d : {-0.01f, 0.01f})
      probes.push_back(p + d);
  SmallVector<float> f;
  for (float x : probes) {
    std::optional<float> y = evaluateBody(body, x);
    if (!y)
      return std::nullopt;
    f.push_back(*y);
  }
  auto matches = [&](auto ref) {
    for (auto [x, y] : llvm::zip(probes, f)) {
      float want = ref(x);
      if (!(std::fabs(y - want) <= 1e-5f * std::fmax(1.0f, std::fabs(want))))
        return false;
    }
    return true;
  };
  if (matches(hardsigmoid))
    return UnaryFunction{OpKind::Hardsigmoid};
  if (matches([](float x) { return x * hardsigmoid(x); }))
    return UnaryFunction{OpKind::Hardswish};
  if (matches([](float x) { return 1.0f / (1.0f + std::exp(-x)); }))
    return UnaryFunction{OpKind::Sigmoid};
  if (matches([](float x) { return x / (1.0f + std::exp(-x)); }))
    return UnaryFunction{OpKind::SiLU};
  if (matches([](float x) {
        return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
      }) ||
      matches([](float x) {
        return 0.5f * x *
               (1.0f +
                std::tanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
      }))
    return UnaryFunction{OpKind::Gelu};
  if (matches([](float x) { return std::tanh(x); }))
    return UnaryFunction{OpKind::Tanh};
  // A clamp: its bounds are its values far out.
  std::optional<float> lo = evaluateBody(body, -1e30f);
  std::optional<float> hi = evaluateBody(body, 1e30f);
  if (!lo || !hi || !(*lo < *hi))
    return std::nullopt;
  UnaryFunction clamp{OpKind::Clamp, *lo, *hi};
  if (*lo <= -1e30f)
    clamp.lo = -INFINITY;
  if (*hi >= 1e30f)
    clamp.hi = INFINITY;
  if (std::isinf(clamp.lo) && std::isinf(clamp.hi))
    return std::nullopt; // the identity
  if (!matches(
          [&](float x) { return std::fmin(std::fmax(x, clamp.lo), clamp.hi); }))
    return std::nullopt;
  return clamp;
}

//===----------------------------------------------------------------------===//
// Pooling and mean
//===----------------------------------------------------------------------===//

/// `v` read through the constant-padded tensor.pad in front of it, if any:
/// the pad's source operand and the pad (or `use` and null).
static std::pair<OpOperand *, Operation *> lookThroughPad(OpOperand *use,
                                                          float padValue) {
  auto pad = use->get().getDefiningOp<tensor::PadOp>();
  if (!pad || !pad->hasOneUse())
    return {use, nullptr};
  std::optional<float> value;
  if (Value c = pad.getConstantPaddingValue())
    value = getScalarConstant(c);
  bool spatialOnly = true;
  for (ArrayRef<int64_t> amounts : {pad.getStaticLow(), pad.getStaticHigh()})
    for (auto [d, a] : llvm::enumerate(amounts))
      if (ShapedType::isDynamic(a) || (d < 2 && a != 0))
        spatialOnly = false;
  if (!value || *value != padValue || !spatialOnly)
    return {use, nullptr};
  return {&pad.getSourceMutable(), pad};
}

/// linalg.pooling_nchw_max into a -inf filled init, its input optionally
/// padded with -inf.
static std::optional<ElementwiseOp> matchMaxPool(linalg::PoolingNchwMaxOp op) {
  if (!op.hasPureTensorSemantics() || !isStaticF32(op->getResult(0)) ||
      !isFilledWith(op.getDpsInitOperand(0)->get(), -INFINITY))
    return std::nullopt;
  ElementwiseOp e;
  e.kind = OpKind::MaxPool;
  e.op = op;
  auto [in, pad] = lookThroughPad(op.getDpsInputOperand(0), -INFINITY);
  if (pad)
    e.ops.push_back(pad);
  e.ops.push_back(op);
  e.dataInputs.push_back(in);
  e.output = op->getResult(0);
  return e;
}

/// True for a reduction linalg.generic that sums its first input per batch
/// and channel: maps (d0, d1, ...) -> (d0, d1, ...), the body `out + in`, or
/// the masked sum of adaptive pooling `select(m1 * m2 != 0, out + in, out)`
/// whose masks are constant inputs.
static bool isChannelSum(linalg::GenericOp g) {
  if (!g.hasPureTensorSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumDpsInputs() < 1)
    return false;
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  AffineMap in = maps.front(), out = maps.back();
  MLIRContext *ctx = g.getContext();
  if (in.getNumResults() < 3 || out.getNumResults() < 2 ||
      in.getResult(0) != getAffineDimExpr(0, ctx) ||
      in.getResult(1) != getAffineDimExpr(1, ctx) ||
      out.getResult(0) != getAffineDimExpr(0, ctx) ||
      out.getResult(1) != getAffineDimExpr(1, ctx))
    return false;
  for (OpOperand *other : llvm::drop_begin(g.getDpsInputOperands()))
    if (!matchPattern(other->get(), m_Constant()))
      return false;
  if (!isFilledWith(g.getDpsInitOperand(0)->get(), 0.0f))
    return false;
  Block &body = g.getRegion().front();
  Value x = body.getArgument(0);
  Value acc = body.getArgument(g.getNumDpsInputs());
  Value yielded = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
  auto isSum = [&](Value v) {
    auto add = v.getDefiningOp<arith::AddFOp>();
    return add && ((add.getLhs() == x && add.getRhs() == acc) ||
                   (add.getLhs() == acc && add.getRhs() == x));
  };
  if (isSum(yielded))
    return g.getNumDpsInputs() == 1;
  auto select = yielded.getDefiningOp<arith::SelectOp>();
  return select && isSum(select.getTrueValue()) &&
         select.getFalseValue() == acc;
}

/// The sum of an average pool or mean, and its data input: a zero-filled
/// linalg.pooling_nchw_sum (input optionally zero padded) or a channel sum.
static Operation *matchSum(Value v, SmallVectorImpl<Operation *> &ops,
                           OpOperand *&input) {
  Operation *def = v.getDefiningOp();
  if (!def || !v.hasOneUse())
    return nullptr;
  if (auto pool = dyn_cast<linalg::PoolingNchwSumOp>(def)) {
    if (!pool.hasPureTensorSemantics() ||
        !isFilledWith(pool.getDpsInitOperand(0)->get(), 0.0f))
      return nullptr;
    auto [in, pad] = lookThroughPad(pool.getDpsInputOperand(0), 0.0f);
    if (pad)
      ops.push_back(pad);
    input = in;
    ops.push_back(pool);
    return pool;
  }
  auto generic = dyn_cast<linalg::GenericOp>(def);
  if (!generic || !isChannelSum(generic))
    return nullptr;
  input = generic.getDpsInputOperand(0);
  ops.push_back(generic);
  return generic;
}

/// An average pool or mean over spatial axes: a sum, then an elementwise
/// division by the window sizes (a number, or a constant tensor).
static std::optional<ElementwiseOp> matchAvgPool(linalg::GenericOp div) {
  if (!div.hasPureTensorSemantics() || div.getNumDpsInits() != 1 ||
      div.getNumDpsInputs() < 1 || div.getNumDpsInputs() > 2 ||
      !isAllParallel(div) || !isStaticF32(div->getResult(0)) ||
      !div.getIndexingMapsArray().front().isIdentity() ||
      !div.getIndexingMapsArray().back().isIdentity())
    return std::nullopt;
  Block &body = div.getRegion().front();
  Value yielded = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
  auto divf = yielded.getDefiningOp<arith::DivFOp>();
  if (!divf || divf.getLhs() != body.getArgument(0))
    return std::nullopt;
  if (div.getNumDpsInputs() == 2) {
    if (divf.getRhs() != body.getArgument(1) ||
        !matchPattern(div.getDpsInputOperand(1)->get(), m_Constant()))
      return std::nullopt;
  } else if (!getScalarConstant(divf.getRhs())) {
    return std::nullopt;
  }
  ElementwiseOp e;
  e.kind = OpKind::AvgPool;
  OpOperand *input = nullptr;
  Operation *sum = matchSum(div.getDpsInputOperand(0)->get(), e.ops, input);
  if (!sum || !isStaticF32(input->get()))
    return std::nullopt;
  e.op = sum;
  e.ops.push_back(div);
  e.dataInputs.push_back(input);
  e.output = div->getResult(0);
  return e;
}

//===----------------------------------------------------------------------===//
// Mul and cat
//===----------------------------------------------------------------------===//

/// True when `map` reads a tensor of `shape` elementwise or broadcasts its
/// size-1 axes (result i is d_i, or 0 where shape[i] == 1).
static bool isBroadcastMap(AffineMap map, ArrayRef<int64_t> shape) {
  if (map.getNumResults() != shape.size() || map.getNumDims() != shape.size())
    return false;
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    if (expr == getAffineDimExpr(i, map.getContext()))
      continue;
    auto c = dyn_cast<AffineConstantExpr>(expr);
    if (!c || c.getValue() != 0 || shape[i] != 1)
      return false;
  }
  return true;
}

/// `a * b` of two tensors: linalg.mul, or an elementwise linalg.generic with
/// one arith.mulf of its two inputs, either broadcast along size-1 axes.
static std::optional<ElementwiseOp> matchMul(Operation *op) {
  SmallVector<OpOperand *, 2> inputs;
  if (auto mul = dyn_cast<linalg::MulOp>(op)) {
    if (!mul.hasPureTensorSemantics())
      return std::nullopt;
    for (OpOperand *in : mul.getDpsInputOperands())
      inputs.push_back(in);
  } else if (auto g = dyn_cast<linalg::GenericOp>(op)) {
    if (!g.hasPureTensorSemantics() || g.getNumDpsInputs() != 2 ||
        g.getNumDpsInits() != 1 || !isAllParallel(g) ||
        !g.getIndexingMapsArray().back().isIdentity())
      return std::nullopt;
    for (auto [in, map] :
         llvm::zip(g.getDpsInputOperands(), g.getIndexingMapsArray())) {
      auto type = dyn_cast<RankedTensorType>(in->get().getType());
      if (!type || !isBroadcastMap(map, type.getShape()))
        return std::nullopt;
    }
    Block &body = g.getRegion().front();
    Value yielded = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
    auto mulf = yielded.getDefiningOp<arith::MulFOp>();
    if (!mulf || body.getOperations().size() != 2)
      return std::nullopt;
    Value a = body.getArgument(0), b = body.getArgument(1);
    if (!((mulf.getLhs() == a && mulf.getRhs() == b) ||
          (mulf.getLhs() == b && mulf.getRhs() == a)))
      return std::nullopt;
    for (OpOperand *in : g.getDpsInputOperands())
      inputs.push_back(in);
  } else {
    return std::nullopt;
  }
  // Two data tensors (x * x too): a product with a constant is a scaling,
  // not this op.
  if (llvm::any_of(inputs, [](OpOperand *in) {
        return !isStaticF32(in->get()) || matchPattern(in->get(), m_Constant());
      }))
    return std::nullopt;
  ElementwiseOp e;
  e.kind = OpKind::Mul;
  e.op = op;
  e.ops.push_back(op);
  e.dataInputs = inputs;
  e.output = op->getResult(0);
  return e;
}

static std::optional<ElementwiseOp> matchCat(tensor::ConcatOp cat) {
  if (!isStaticF32(cat.getResult()))
    return std::nullopt;
  ElementwiseOp e;
  e.kind = OpKind::Cat;
  e.op = cat;
  e.ops.push_back(cat);
  for (OpOperand &in : cat->getOpOperands()) {
    if (!isStaticF32(in.get()))
      return std::nullopt;
    if (!matchPattern(in.get(), m_Constant()))
      e.dataInputs.push_back(&in);
  }
  e.output = cat.getResult();
  return e;
}

//===----------------------------------------------------------------------===//
// Transformer ops
//===----------------------------------------------------------------------===//

/// The value a generic's body yields (its one result), or null.
static Value getYielded(linalg::GenericOp g) {
  auto yield = cast<linalg::YieldOp>(g.getRegion().front().getTerminator());
  return yield.getNumOperands() == 1 ? yield.getOperand(0) : Value();
}

/// A generic defining `v` that only `users` read.
static linalg::GenericOp getPrivateGeneric(Value v, unsigned users) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || !g.hasPureTensorSemantics() || g->getNumResults() != 1 ||
      g.getNumDpsInits() != 1 ||
      static_cast<unsigned>(llvm::range_size(v.getUses())) != users)
    return nullptr;
  return g;
}

/// Layer norm as tools/eq-export spells it: the sum of x over the trailing
/// axes, its division by the count (the mean), the sum of the squared
/// deviations, `1 / sqrt(var + eps)`, then one elementwise generic reading
/// x, the mean, that and the constant weight and bias, starting with
/// `x - mean`.
static std::optional<ElementwiseOp> matchLayerNorm(linalg::GenericOp f) {
  if (!f.hasPureTensorSemantics() || f.getNumDpsInits() != 1 ||
      f.getNumDpsInputs() < 3 || f.getNumDpsInputs() > 5 || !isAllParallel(f) ||
      !isStaticF32(f->getResult(0)) ||
      !f.getIndexingMapsArray().front().isIdentity())
    return std::nullopt;
  Value x = f.getDpsInputOperand(0)->get();
  Value mean = f.getDpsInputOperand(1)->get();
  Value rstd = f.getDpsInputOperand(2)->get();
  for (OpOperand *c : llvm::drop_begin(f.getDpsInputOperands(), 3))
    if (!matchPattern(c->get(), m_Constant()))
      return std::nullopt;
  Block &body = f.getRegion().front();
  auto sub = dyn_cast<arith::SubFOp>(body.front());
  if (!sub || sub.getLhs() != body.getArgument(0) ||
      sub.getRhs() != body.getArgument(1))
    return std::nullopt;
  linalg::GenericOp meanOp = getPrivateGeneric(mean, 2);
  linalg::GenericOp rstdOp = getPrivateGeneric(rstd, 1);
  if (!meanOp || !rstdOp || !isAllParallel(meanOp) || !isAllParallel(rstdOp) ||
      meanOp.getNumDpsInputs() != 1 || rstdOp.getNumDpsInputs() != 1)
    return std::nullopt;
  linalg::GenericOp sum =
      getPrivateGeneric(meanOp.getDpsInputOperand(0)->get(), 1);
  linalg::GenericOp sqsum =
      getPrivateGeneric(rstdOp.getDpsInputOperand(0)->get(), 1);
  if (!sum || !sqsum || isAllParallel(sum) || isAllParallel(sqsum) ||
      sum.getNumDpsInputs() != 1 || sum.getDpsInputOperand(0)->get() != x ||
      sqsum.getNumDpsInputs() != 2 || sqsum.getDpsInputOperand(0)->get() != x ||
      sqsum.getDpsInputOperand(1)->get() != mean)
    return std::nullopt;
  ElementwiseOp e;
  e.kind = OpKind::LayerNorm;
  e.op = f;
  e.ops = {sum, meanOp, sqsum, rstdOp, f};
  e.dataInputs.push_back(f.getDpsInputOperand(0));
  e.output = f->getResult(0);
  return e;
}

/// Softmax as tools/eq-export spells it: the max of x along the axis into a
/// -inf filled tensor, exp(x - max), the sum of that, and the division.
static std::optional<ElementwiseOp> matchSoftmax(linalg::GenericOp div) {
  if (!div.hasPureTensorSemantics() || div.getNumDpsInits() != 1 ||
      div.getNumDpsInputs() != 2 || !isAllParallel(div) ||
      !isStaticF32(div->getResult(0)))
    return std::nullopt;
  Block &body = div.getRegion().front();
  auto divf = getYielded(div).getDefiningOp<arith::DivFOp>();
  if (!divf || divf.getLhs() != body.getArgument(0) ||
      divf.getRhs() != body.getArgument(1))
    return std::nullopt;
  Value exps = div.getDpsInputOperand(0)->get();
  linalg::GenericOp expOp = getPrivateGeneric(exps, 2);
  linalg::GenericOp sum =
      getPrivateGeneric(div.getDpsInputOperand(1)->get(), 1);
  if (!expOp || !sum || !isAllParallel(expOp) || expOp.getNumDpsInputs() != 2 ||
      isAllParallel(sum) || sum.getNumDpsInputs() != 1 ||
      sum.getDpsInputOperand(0)->get() != exps ||
      !getYielded(expOp).getDefiningOp<math::ExpOp>())
    return std::nullopt;
  Value x = expOp.getDpsInputOperand(0)->get();
  linalg::GenericOp max =
      getPrivateGeneric(expOp.getDpsInputOperand(1)->get(), 1);
  if (!max || isAllParallel(max) || max.getNumDpsInputs() != 1 ||
      max.getDpsInputOperand(0)->get() != x ||
      !isFilledWith(max.getDpsInitOperand(0)->get(), -INFINITY) ||
      !getYielded(max).getDefiningOp<arith::MaximumFOp>())
    return std::nullopt;
  ElementwiseOp e;
  e.kind = OpKind::Softmax;
  e.op = div;
  e.ops = {max, expOp, sum, div};
  e.dataInputs.push_back(expOp.getDpsInputOperand(0));
  e.output = div->getResult(0);
  return e;
}

/// A product of two activations (attention's q k^T and probabilities x v):
/// a generic with one reduction loop, `out + a * b`, into a zero-filled
/// init, neither operand a constant.
static std::optional<ElementwiseOp> matchMatmul(linalg::GenericOp g) {
  if (!g.hasPureTensorSemantics() || g.getNumDpsInputs() != 2 ||
      g.getNumDpsInits() != 1 || g.getNumReductionLoops() != 1 ||
      !isStaticF32(g->getResult(0)) ||
      !isFilledWith(g.getDpsInitOperand(0)->get(), 0.0f))
    return std::nullopt;
  Block &body = g.getRegion().front();
  auto add = getYielded(g).getDefiningOp<arith::AddFOp>();
  if (!add || body.getOperations().size() != 3)
    return std::nullopt;
  Value acc = body.getArgument(2);
  Value prod = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  auto mul = prod.getDefiningOp<arith::MulFOp>();
  if (!mul || (add.getLhs() != acc && add.getRhs() != acc) ||
      !((mul.getLhs() == body.getArgument(0) &&
         mul.getRhs() == body.getArgument(1)) ||
        (mul.getLhs() == body.getArgument(1) &&
         mul.getRhs() == body.getArgument(0))))
    return std::nullopt;
  ElementwiseOp e;
  e.kind = OpKind::Matmul;
  e.op = g;
  e.ops.push_back(g);
  for (OpOperand *in : g.getDpsInputOperands()) {
    if (!isStaticF32(in->get()) || matchPattern(in->get(), m_Constant()))
      return std::nullopt;
    e.dataInputs.push_back(in);
  }
  e.output = g->getResult(0);
  return e;
}

/// An embedding: an elementwise generic over integer ids whose body reads a
/// constant table with tensor.extract.
static std::optional<ElementwiseOp> matchEmbedding(linalg::GenericOp g) {
  if (!g.hasPureTensorSemantics() || g.getNumDpsInputs() != 1 ||
      g.getNumDpsInits() != 1 || !isAllParallel(g) ||
      !isStaticF32(g->getResult(0)))
    return std::nullopt;
  auto ids =
      dyn_cast<RankedTensorType>(g.getDpsInputOperand(0)->get().getType());
  if (!ids || !isa<IntegerType>(ids.getElementType()))
    return std::nullopt;
  bool readsTable = false;
  g.getRegion().walk([&](tensor::ExtractOp extract) {
    readsTable |= matchPattern(extract.getTensor(), m_Constant());
  });
  if (!readsTable)
    return std::nullopt;
  ElementwiseOp e;
  e.kind = OpKind::Embedding;
  e.op = g;
  e.ops.push_back(g);
  e.output = g->getResult(0);
  return e;
}

std::optional<ElementwiseOp> mlir::eqq::matchCompositeOp(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic)
    return std::nullopt;
  if (std::optional<ElementwiseOp> ln = matchLayerNorm(generic))
    return ln;
  return matchSoftmax(generic);
}

std::optional<ElementwiseOp> mlir::eqq::matchOtherOp(Operation *op) {
  if (auto pool = dyn_cast<linalg::PoolingNchwMaxOp>(op))
    return matchMaxPool(pool);
  if (auto cat = dyn_cast<tensor::ConcatOp>(op))
    return matchCat(cat);
  if (isa<linalg::MulOp>(op))
    return matchMul(op);
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic)
    return std::nullopt;
  if (std::optional<ElementwiseOp> avg = matchAvgPool(generic))
    return avg;
  if (std::optional<ElementwiseOp> mul = matchMul(op))
    return mul;
  if (std::optional<ElementwiseOp> mm = matchMatmul(generic))
    return mm;
  if (std::optional<ElementwiseOp> emb = matchEmbedding(generic))
    return emb;
  std::optional<UnaryFunction> fn = classifyUnary(generic);
  if (!fn)
    return std::nullopt;
  ElementwiseOp e;
  e.kind = fn->kind;
  e.op = op;
  e.ops.push_back(op);
  e.dataInputs.push_back(generic.getDpsInputOperand(0));
  e.output = op->getResult(0);
  e.clampLo = fn->lo;
  e.clampHi = fn->hi;
  return e;
}

OpOperand *mlir::eqq::matchSharingOp(Value output) {
  Operation *def = output.getDefiningOp();
  if (!def)
    return nullptr;
  if (OpOperand *in = matchRelu(def))
    return in;
  std::optional<ElementwiseOp> e = matchOtherOp(def);
  if (!e || e->output != output || e->dataInputs.empty() ||
      getOpKindInfo(e->kind).observation != Observation::SharesInputObserver)
    return nullptr;
  return e->dataInputs.front();
}
