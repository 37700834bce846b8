//===- AutoAlpha.cpp - choosing each layer's alpha by its int8 output -----===//

#include "AutoAlpha.h"
#include "QuantizeLayers.h"

#include "EqQuant/Support/Equalization.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

/// The outputs of `layer` (without bias) computed in double from the input
/// `x` (laid out as `samples`) and the weight `w` (`W[out, in, ...]`), at
/// rows (linear) or output positions (conv) spread evenly over the samples:
/// all of them, or as many as about kScoredMacs multiply-adds allow (at
/// least kMinScoredPositions); the same positions for every `x` and `w`.
static constexpr int64_t kScoredMacs = int64_t(1) << 24;
static constexpr int64_t kMinScoredPositions = 256;
static int64_t getScoredPositions(int64_t available, int64_t macsPerPosition) {
  int64_t budget = std::max(
      kMinScoredPositions, kScoredMacs / std::max<int64_t>(1, macsPerPosition));
  return std::min(available, budget);
}
static SmallVector<double> computeOutputs(const Layer &layer,
                                          const Samples &samples,
                                          ArrayRef<float> x, ArrayRef<float> w,
                                          ArrayRef<int64_t> wShape) {
  SmallVector<double> out;
  int64_t features = wShape[0];
  if (layer.kind == LayerKind::Linear) {
    int64_t k = samples.shape.back();
    int64_t rows = static_cast<int64_t>(x.size()) / k;
    int64_t count = getScoredPositions(rows, features * k);
    for (int64_t i = 0; i < count; ++i) {
      const float *row = x.data() + (i * rows / count) * k;
      for (int64_t n = 0; n < features; ++n) {
        double acc = 0;
        for (int64_t j = 0; j < k; ++j)
          acc += static_cast<double>(row[j]) * w[n * k + j];
        out.push_back(acc);
      }
    }
    return out;
  }
  // conv: [N, C, S...] * [F, C, K...], zero padding, strides, dilations
  // (depthwise: [C, 1, K...], output channel f reads input channel f only).
  int64_t spatial = static_cast<int64_t>(samples.shape.size()) - 2;
  SmallVector<int64_t> size(3, 1), kernel(3, 1), stride(3, 1), dilation(3, 1),
      low(3, 0), high(3, 0), outSize(3, 1);
  for (int64_t d = 0; d < spatial; ++d) {
    size[d] = samples.shape[2 + d];
    kernel[d] = wShape[2 + d];
  }
  if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("strides"))
    for (auto [d, v] : llvm::enumerate(attr.getValues<int64_t>()))
      stride[d] = v;
  if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("dilations"))
    for (auto [d, v] : llvm::enumerate(attr.getValues<int64_t>()))
      dilation[d] = v;
  if (auto pad = dyn_cast<tensor::PadOp>(layer.getInputOp()))
    for (int64_t d = 0; d < spatial; ++d) {
      low[d] = pad.getStaticLow()[2 + d];
      high[d] = pad.getStaticHigh()[2 + d];
    }
  int64_t positions = samples.shape[0];
  for (int64_t d = 0; d < spatial; ++d) {
    outSize[d] =
        (size[d] + low[d] + high[d] - dilation[d] * (kernel[d] - 1) - 1) /
            stride[d] +
        1;
    positions *= outSize[d];
  }
  int64_t channels = samples.shape[1];
  int64_t image = channels * size[0] * size[1] * size[2];
  int64_t taps = kernel[0] * kernel[1] * kernel[2];
  int64_t perOutput = layer.depthwise ? 1 : channels;
  int64_t count = getScoredPositions(positions, features * perOutput * taps);
  for (int64_t i = 0; i < count; ++i) {
    int64_t p = i * positions / count;
    int64_t o[3];
    for (int64_t d = 2; d >= 0; --d) {
      o[d] = p % outSize[d];
      p /= outSize[d];
    }
    const float *img = x.data() + p * image;
    for (int64_t f = 0; f < features; ++f) {
      double acc = 0;
      int64_t cBegin = layer.depthwise ? f : 0;
      for (int64_t c = cBegin; c < cBegin + perOutput; ++c)
        for (int64_t k0 = 0; k0 < kernel[0]; ++k0)
          for (int64_t k1 = 0; k1 < kernel[1]; ++k1)
            for (int64_t k2 = 0; k2 < kernel[2]; ++k2) {
              int64_t i0 = o[0] * stride[0] + k0 * dilation[0] - low[0];
              int64_t i1 = o[1] * stride[1] + k1 * dilation[1] - low[1];
              int64_t i2 = o[2] * stride[2] + k2 * dilation[2] - low[2];
              if (i0 < 0 || i0 >= size[0] || i1 < 0 || i1 >= size[1] ||
                  i2 < 0 || i2 >= size[2])
                continue;
              float v = img[((c * size[0] + i0) * size[1] + i1) * size[2] + i2];
              float wv = w[(f * perOutput + c - cBegin) * taps +
                           (k0 * kernel[1] + k1) * kernel[2] + k2];
              acc += static_cast<double>(v) * wv;
            }
      out.push_back(acc);
    }
  }
  return out;
}

std::optional<double> mlir::eqq::scoreScale(const Layer &layer,
                                            LayerObservers obs,
                                            const SampleMap &samples,
                                            ArrayRef<float> s) {
  auto it = samples.find(obs.inputEq);
  ActObserverOp input = obs.quantizingInput;
  if (it == samples.end() || !input || !obs.weight ||
      !obs.inputEq.isCalibrated() || isPerChannel(input.getQscheme()) ||
      obs.weight.getQscheme() == QScheme::per_channel_affine_float_qparams ||
      (isPerChannel(obs.weight.getQscheme()) && obs.weight.getAxis() != 0))
    return std::nullopt;
  const Samples &x = it->second;
  ElementsAttr wAttr = getConstantThroughObservers(layer.getWeight());
  std::optional<SmallVector<float>> w = getFloatValues(wAttr);
  if (!w)
    return std::nullopt;
  SmallVector<int64_t> wShape =
      llvm::to_vector(cast<ShapedType>(wAttr.getType()).getShape());
  int64_t axis = layer.inputAxis;
  int64_t rank = static_cast<int64_t>(x.shape.size());
  ArrayRef<float> xmin = *obs.inputEq.getMinVal(),
                  xmax = *obs.inputEq.getMaxVal();
  // The samples' channels must be the weight's input columns (rows of a
  // depthwise conv).
  int64_t wAxis = layer.getWeightInputAxis();
  if (axis >= rank || x.shape[axis] != wShape[wAxis] ||
      static_cast<int64_t>(xmin.size()) != wShape[wAxis] ||
      (layer.kind == LayerKind::Linear && axis != rank - 1) ||
      (layer.kind != LayerKind::Linear &&
       rank != static_cast<int64_t>(wShape.size())) ||
      (!s.empty() && static_cast<int64_t>(s.size()) != wShape[wAxis]))
    return std::nullopt;
  int64_t channels = wShape[wAxis];
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= x.shape[d];
  SmallVector<float> ones;
  if (s.empty()) {
    ones.assign(channels, 1.0f);
    s = ones;
  }

  // The input, scaled and quantized with the range of the scaled values.
  auto [lo, hi] = getScaledRange(xmin, xmax, s);
  QParams q = getActQParamsFor(input, lo, hi);
  auto [qmin, qmax] = getStorageRange(input.getDtype());
  if (!(q.scale[0] > 0.0f) || !std::isfinite(q.scale[0]))
    return std::nullopt;
  float scale = q.scale[0], inv = 1.0f / scale, zp = q.zeroPoint[0];
  SmallVector<float> xq(x.values.size());
  for (size_t i = 0, e = xq.size(); i < e; ++i) {
    float v = x.values[i] * s[(static_cast<int64_t>(i) / inner) % channels];
    float r = std::nearbyint(v * inv) + zp;
    r = std::clamp(r, static_cast<float>(qmin), static_cast<float>(qmax));
    xq[i] = (r - zp) * scale;
  }

  // The weight, its columns divided by s, quantized by its observer.
  SmallVector<float> ws(w->begin(), w->end());
  if (ones.empty())
    scaleAlong(ws, wShape, wAxis, getReciprocal(s));
  std::string reason;
  std::optional<QuantizedWeight> qw = quantizeWeight(
      obs.weight, getWeightQParamsFor(obs.weight, ws), ws, wShape, reason);
  if (!qw)
    return std::nullopt;
  int64_t perRow = static_cast<int64_t>(ws.size()) / wShape[0];
  SmallVector<float> wd(ws.size());
  for (size_t i = 0, e = wd.size(); i < e; ++i) {
    int64_t n = static_cast<int64_t>(i) / perRow;
    int8_t raw = qw->values[i];
    int64_t v = qw->isUnsigned ? static_cast<uint8_t>(raw) : raw;
    wd[i] = static_cast<float>(v - qw->zeroPoint[n]) * qw->scale[n];
  }

  SmallVector<double> yf = computeOutputs(layer, x, x.values, *w, wShape);
  SmallVector<double> yq = computeOutputs(layer, x, xq, wd, wShape);
  SmallVector<float> bias(wShape[0], 0.0f);
  if (layer.bias)
    if (ElementsAttr battr = getConstantThroughObservers(layer.bias))
      if (std::optional<SmallVector<float>> values = getFloatValues(battr))
        bias = *values;
  double signal = 0, noise = 0;
  for (size_t i = 0, e = yf.size(); i < e; ++i) {
    double ref = yf[i] + bias[i % wShape[0]];
    signal += ref * ref;
    noise += (yq[i] - yf[i]) * (yq[i] - yf[i]);
  }
  if (!(signal > 0))
    return std::nullopt;
  return noise / signal;
}

AlphaChoice mlir::eqq::chooseAlpha(
    ArrayRef<const Layer *> scored, ArrayRef<LayerObservers> observers,
    ArrayRef<Layer> layers, const SampleMap &samples, ArrayRef<float> grid,
    llvm::function_ref<SmallVector<float>(float)> scaleFor) {
  SmallVector<float> sorted(grid.begin(), grid.end());
  llvm::sort(sorted);
  // No equalization first: it wins ties.
  SmallVector<std::optional<float>> candidates{std::nullopt};
  candidates.append(sorted.begin(), sorted.end());
  AlphaChoice choice;
  double bestRatio = INFINITY;
  // One candidate at a time: its scale and the scored products are dropped
  // before the next; only the score stays.
  for (std::optional<float> a : candidates) {
    SmallVector<float> s = a ? scaleFor(*a) : SmallVector<float>();
    double total = 0;
    for (const Layer *l : scored) {
      std::optional<double> r =
          scoreScale(*l, observers[l - layers.data()], samples, s);
      if (!r)
        return AlphaChoice();
      total += *r;
    }
    double ratio = total / static_cast<double>(scored.size());
    choice.candidates.push_back({a, -10.0 * std::log10(ratio)});
    if (ratio < bestRatio) {
      bestRatio = ratio;
      choice.alpha = a;
    }
  }
  choice.scored = true;
  return choice;
}
