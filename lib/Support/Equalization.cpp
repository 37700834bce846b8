//===- Equalization.cpp - input-weight equalization arithmetic ------------===//

#include "EqQuant/Support/Equalization.h"

#include <algorithm>
#include <cmath>

using namespace mlir::eqq;

llvm::SmallVector<float> mlir::eqq::computeEqualizationScale(
    llvm::ArrayRef<float> xmin, llvm::ArrayRef<float> xmax,
    llvm::ArrayRef<float> wmin, llvm::ArrayRef<float> wmax, ScaleMode mode,
    float alpha) {
  bool absMax = mode == ScaleMode::AbsMax;
  llvm::SmallVector<float> s(xmin.size());
  for (size_t j = 0, e = s.size(); j < e; ++j) {
    float x = absMax ? std::max(std::fabs(xmin[j]), std::fabs(xmax[j]))
                     : xmax[j] - xmin[j];
    float w = absMax ? std::max(std::fabs(wmin[j]), std::fabs(wmax[j]))
                     : wmax[j] - wmin[j];
    float v = alpha == 0.5f ? std::sqrt(w / x)
                            : std::pow(w, 1.0f - alpha) / std::pow(x, alpha);
    if (v == 0.0f || !std::isfinite(v))
      v = 1.0f;
    s[j] = v;
  }
  return s;
}

void mlir::eqq::scaleAlong(llvm::MutableArrayRef<float> data,
                           llvm::ArrayRef<int64_t> shape, int64_t axis,
                           llvm::ArrayRef<float> factors) {
  int64_t inner = 1;
  for (int64_t d = axis + 1, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  int64_t channels = shape[axis];
  for (size_t i = 0, e = data.size(); i < e; ++i)
    data[i] = data[i] * factors[(i / inner) % channels];
}

llvm::SmallVector<float> mlir::eqq::getReciprocal(llvm::ArrayRef<float> s) {
  llvm::SmallVector<float> r;
  r.reserve(s.size());
  for (float v : s)
    r.push_back(1.0f / v);
  return r;
}

std::pair<float, float> mlir::eqq::getScaledRange(llvm::ArrayRef<float> min,
                                                  llvm::ArrayRef<float> max,
                                                  llvm::ArrayRef<float> s) {
  float lo = INFINITY, hi = -INFINITY;
  for (size_t j = 0, e = min.size(); j < e; ++j) {
    lo = std::min(lo, min[j] * s[j]);
    hi = std::max(hi, max[j] * s[j]);
  }
  return {lo, hi};
}

double mlir::eqq::getRowScaledWeightError(llvm::ArrayRef<float> w,
                                          llvm::ArrayRef<int64_t> shape,
                                          llvm::ArrayRef<float> rows,
                                          bool folded,
                                          WeightQParamsFn qparamsOf, int64_t lo,
                                          int64_t hi) {
  llvm::SmallVector<float> v(w.begin(), w.end());
  if (folded)
    scaleAlong(v, shape, /*axis=*/0, rows);
  std::optional<QParams> q = qparamsOf(v);
  if (!q || !(q->scale[0] > 0.0f))
    return INFINITY;
  float scale = q->scale[0], inv = 1.0f / scale, zp = q->zeroPoint[0];
  size_t inner = v.size() / rows.size();
  double error = 0;
  for (size_t i = 0, e = v.size(); i < e; ++i) {
    float r = std::clamp(std::nearbyint(v[i] * inv) + zp,
                         static_cast<float>(lo), static_cast<float>(hi));
    double d = static_cast<double>((r - zp) * scale) - v[i];
    if (!folded)
      d *= rows[i / inner];
    error += d * d;
  }
  return error;
}
