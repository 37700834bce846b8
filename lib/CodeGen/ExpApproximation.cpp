//===- ExpApproximation.cpp - one f32 exp for the lowered code and tables -===//

#include "ExpApproximation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <cstdint>
#include <cstring>

using namespace mlir;

namespace {
// Cephes' expf: ln 2 as C1 + C2 (C1 exact in 9 bits), the polynomial's
// coefficients from the highest degree down.
constexpr float kLog2E = 1.44269504088896341f;
constexpr float kC1 = -0.693359375f;
constexpr float kC2 = 2.12194440e-4f;
constexpr float kPoly[] = {1.9875691500E-4f, 1.3981999507E-3f,
                           8.3334519073E-3f, 4.1665795894E-2f,
                           1.6666665459E-1f, 5.0000001201E-1f};
// Inputs beyond these give 0 or +inf anyway; n stays in [-127, 127].
constexpr float kLowest = -87.8f, kHighest = 88.8f;
constexpr float kMinExponent = -127.0f, kMaxExponent = 127.0f;

/// `x < lo ? lo : x`, NaN kept (an unordered compare keeps x), as the IR's
/// compare and select.
float atLeast(float x, float lo) { return !(x < lo) ? x : lo; }
float atMost(float x, float hi) { return !(x > hi) ? x : hi; }
} // namespace

float mlir::eqq::approximateExp(float x) {
  x = atMost(atLeast(x, kLowest), kHighest);
  float n = std::floor(std::fma(x, kLog2E, 0.5f));
  n = atMost(atLeast(n, kMinExponent), kMaxExponent);
  float r = std::fma(kC1, n, x);
  r = std::fma(kC2, n, r);
  float z = std::fma(r, kPoly[0], kPoly[1]);
  for (float c : llvm::ArrayRef(kPoly).drop_front(2))
    z = std::fma(z, r, c);
  z = std::fma(z, r * r, r);
  z = 1.0f + z;
  // NaN: n is NaN, and so is z; the power of two does not matter then.
  int32_t bits = std::isnan(n) ? 0 : (static_cast<int32_t>(n) + 127) << 23;
  float pow2;
  std::memcpy(&pow2, &bits, sizeof pow2);
  return z * pow2;
}

Value mlir::eqq::buildApproximateExp(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  auto shaped = dyn_cast<VectorType>(type);
  Type i32 = shaped ? Type(VectorType::get(shaped.getShape(), b.getI32Type()))
                    : Type(b.getI32Type());
  auto f = [&](float v) -> Value {
    TypedAttr attr = b.getF32FloatAttr(v);
    if (shaped)
      attr = DenseElementsAttr::get(shaped, attr);
    return arith::ConstantOp::create(b, loc, attr);
  };
  auto i = [&](int32_t v) -> Value {
    TypedAttr attr = b.getI32IntegerAttr(v);
    if (shaped)
      attr = DenseElementsAttr::get(cast<ShapedType>(i32), attr);
    return arith::ConstantOp::create(b, loc, attr);
  };
  auto fma = [&](Value a, Value c, Value d) -> Value {
    return math::FmaOp::create(b, loc, a, c, d);
  };
  // x < lo ? lo : x with an unordered compare (NaN kept): vmaxps on x86.
  auto atLeast = [&](Value v, float lo) -> Value {
    Value keep =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGE, v, f(lo));
    return arith::SelectOp::create(b, loc, keep, v, f(lo));
  };
  auto atMost = [&](Value v, float hi) -> Value {
    Value keep =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ULE, v, f(hi));
    return arith::SelectOp::create(b, loc, keep, v, f(hi));
  };
  x = atMost(atLeast(x, kLowest), kHighest);
  Value n = math::FloorOp::create(b, loc, fma(x, f(kLog2E), f(0.5f)));
  n = atMost(atLeast(n, kMinExponent), kMaxExponent);
  Value r = fma(f(kC1), n, x);
  r = fma(f(kC2), n, r);
  Value z = fma(r, f(kPoly[0]), f(kPoly[1]));
  for (float c : llvm::ArrayRef(kPoly).drop_front(2))
    z = fma(z, r, f(c));
  z = fma(z, arith::MulFOp::create(b, loc, r, r), r);
  z = arith::AddFOp::create(b, loc, f(1.0f), z);
  Value ni = arith::FPToSIOp::create(b, loc, i32, n);
  Value biased = arith::AddIOp::create(b, loc, ni, i(127));
  Value bits = arith::ShLIOp::create(b, loc, biased, i(23));
  Value pow2 = arith::BitcastOp::create(b, loc, type, bits);
  return arith::MulFOp::create(b, loc, z, pow2);
}
