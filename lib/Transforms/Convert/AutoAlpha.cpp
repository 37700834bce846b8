//===- AutoAlpha.cpp - choosing each layer's alpha by its int8 output -----===//

#include "AutoAlpha.h"
#include "QuantizeLayers.h"

#include "EqQuant/Support/Equalization.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <functional>

using namespace mlir;
using namespace mlir::eqq;

/// Rows are scored up to about kScoredMacs multiply-adds per candidate (at
/// least kMinScoredPositions rows), spread evenly over the samples.
static constexpr int64_t kScoredMacs = int64_t(1) << 24;
static constexpr int64_t kMinScoredPositions = 256;
int64_t mlir::eqq::getScoredPositions(int64_t available,
                                      int64_t macsPerPosition) {
  int64_t budget = std::max(
      kMinScoredPositions, kScoredMacs / std::max<int64_t>(1, macsPerPosition));
  return std::min(available, budget);
}

SampleMap mlir::eqq::getCalibrationSamples(const ModelAnalysis &model) {
  SampleMap samples;
  for (const Layer &layer : model.getLayers())
    if (InputEqObserverOp inEq = findObservers(layer).inputEq) {
      SampleRows rows = getStoredSamples(inEq);
      if (rows.numRows() > 0)
        samples[inEq] = std::move(rows);
    }
  return samples;
}

/// The outputs (without bias) of the rows `xs` times the weight `ws`
/// (`W[out, rowLength]`), in double.
SmallVector<double> LayerScorer::outputs(ArrayRef<float> xs,
                                         ArrayRef<float> ws) const {
  int64_t features = wShape[0], k = channels * taps;
  SmallVector<double> out;
  out.reserve(rows * features);
  for (int64_t i = 0; i < rows; ++i) {
    const float *row = xs.data() + i * k;
    if (layer->depthwise) {
      // Output channel n reads input channel n's taps only.
      for (int64_t n = 0; n < features; ++n) {
        const float *xr = row + n * taps, *wr = ws.data() + n * taps;
        double acc = 0;
        for (int64_t t = 0; t < taps; ++t)
          acc += static_cast<double>(xr[t]) * wr[t];
        out.push_back(acc);
      }
      continue;
    }
    for (int64_t n = 0; n < features; ++n) {
      const float *wr = ws.data() + n * k;
      double acc = 0;
      for (int64_t j = 0; j < k; ++j)
        acc += static_cast<double>(row[j]) * wr[j];
      out.push_back(acc);
    }
  }
  return out;
}

std::unique_ptr<LayerScorer> LayerScorer::create(const Layer &layer,
                                                 LayerObservers obs,
                                                 const SampleMap &samples,
                                                 std::string &why) {
  auto it = obs.inputEq ? samples.find(obs.inputEq) : samples.end();
  ActObserverOp input = obs.quantizingInput;
  if (it == samples.end() || it->second.numRows() == 0) {
    why = "no sampled inputs (calibrated without them, or from statistics "
          "files without samples)";
    return nullptr;
  }
  if (!input || !obs.weight || !obs.inputEq.isCalibrated()) {
    why = "its input or weight is not quantized, or its input has no "
          "statistics";
    return nullptr;
  }
  if (isPerChannel(input.getQscheme()) ||
      obs.weight.getQscheme() == QScheme::per_channel_affine_float_qparams ||
      (isPerChannel(obs.weight.getQscheme()) && obs.weight.getAxis() != 0)) {
    why = "its input or weight quantization is not one the score models";
    return nullptr;
  }
  const SampleRows &x = it->second;
  ElementsAttr wAttr = getConstantThroughObservers(layer.getWeight());
  std::optional<SmallVector<float>> w =
      wAttr ? getFloatValues(wAttr) : std::nullopt;
  if (!w) {
    why = "its weight is not a constant";
    return nullptr;
  }
  SmallVector<int64_t> wShape =
      llvm::to_vector(cast<ShapedType>(wAttr.getType()).getShape());
  int64_t perRow = static_cast<int64_t>(w->size()) / wShape[0];
  ArrayRef<float> xmin = *obs.inputEq.getMinVal();
  // A row holds every input channel's taps; a depthwise weight row (one
  // per channel) holds one channel's.
  bool rowsMatch = layer.depthwise
                       ? x.channels == wShape[0] && x.taps == perRow
                       : wShape.size() >= 2 && x.channels == wShape[1] &&
                             x.rowLength() == perRow;
  if (!rowsMatch || static_cast<int64_t>(xmin.size()) != x.channels) {
    why = "its sampled rows do not match its weight";
    return nullptr;
  }
  std::unique_ptr<LayerScorer> scorer(new LayerScorer());
  LayerScorer &sc = *scorer;
  sc.layer = &layer;
  sc.obs = obs;
  sc.channels = x.channels;
  sc.taps = x.taps;
  sc.wShape = std::move(wShape);
  sc.w = std::move(*w);
  sc.xmin.assign(xmin.begin(), xmin.end());
  sc.xmax.assign(obs.inputEq.getMaxVal()->begin(),
                 obs.inputEq.getMaxVal()->end());
  // The rows scored: all, or evenly spaced ones within the budget.
  int64_t available = x.numRows();
  int64_t count = getScoredPositions(available, sc.wShape[0] * perRow);
  sc.rows = count;
  if (count == available) {
    sc.x.assign(x.values.begin(), x.values.end());
  } else {
    int64_t rowLength = x.rowLength();
    sc.x.reserve(count * rowLength);
    for (int64_t i = 0; i < count; ++i) {
      int64_t r = i * available / count;
      sc.x.append(x.values.begin() + r * rowLength,
                  x.values.begin() + (r + 1) * rowLength);
    }
  }
  sc.bias.assign(sc.wShape[0], 0.0f);
  if (layer.bias)
    if (ElementsAttr battr = getConstantThroughObservers(layer.bias))
      if (std::optional<SmallVector<float>> values = getFloatValues(battr))
        if (static_cast<int64_t>(values->size()) == sc.wShape[0])
          sc.bias = *values;
  sc.yf = sc.outputs(sc.x, sc.w);
  for (size_t i = 0, e = sc.yf.size(); i < e; ++i) {
    double ref = sc.yf[i] + sc.bias[i % sc.wShape[0]];
    sc.signal += ref * ref;
  }
  if (!(sc.signal > 0)) {
    why = "its float output is zero on the samples";
    return nullptr;
  }
  return scorer;
}

std::optional<double> LayerScorer::score(ArrayRef<float> s,
                                         bool requantized) const {
  if (!s.empty() && static_cast<int64_t>(s.size()) != channels)
    return std::nullopt;
  SmallVector<float> ones;
  requantized = requantized && !s.empty();
  if (s.empty()) {
    ones.assign(channels, 1.0f);
    s = ones;
  }
  ActObserverOp input = obs.quantizingInput;
  auto storage = getStorageRange(input.getDtype());
  float qmin = static_cast<float>(storage.first);
  float qmax = static_cast<float>(storage.second);
  // Rounds `v` to the grid of the qparams for the range [lo, hi].
  auto quantizer = [&](float lo,
                       float hi) -> std::optional<std::function<float(float)>> {
    QParams q = getActQParamsFor(input, lo, hi);
    if (!(q.scale[0] > 0.0f) || !std::isfinite(q.scale[0]))
      return std::nullopt;
    float scale = q.scale[0], inv = 1.0f / scale, zp = q.zeroPoint[0];
    return std::function<float(float)>([=](float v) {
      float r = std::nearbyint(v * inv) + zp;
      r = std::clamp(r, qmin, qmax);
      return (r - zp) * scale;
    });
  };
  // The input, scaled and quantized with the range of the scaled values
  // (after its unscaled quantization when it is requantized).
  auto [lo, hi] = getScaledRange(xmin, xmax, s);
  std::optional<std::function<float(float)>> round = quantizer(lo, hi);
  std::optional<std::function<float(float)>> first;
  if (requantized) {
    auto [lo0, hi0] =
        getScaledRange(xmin, xmax, SmallVector<float>(channels, 1.0f));
    first = quantizer(lo0, hi0);
    if (!first)
      return std::nullopt;
  }
  if (!round)
    return std::nullopt;
  SmallVector<float> xq(x.size());
  for (size_t i = 0, e = xq.size(); i < e; ++i) {
    float v = requantized ? (*first)(x[i]) : x[i];
    xq[i] = (*round)(v * s[(static_cast<int64_t>(i) / taps) % channels]);
  }

  // The weight, its columns divided by s, quantized by its observer.
  SmallVector<float> ws(w.begin(), w.end());
  if (ones.empty())
    scaleAlong(ws, wShape, layer->getWeightInputAxis(), getReciprocal(s));
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

  SmallVector<double> yq = outputs(xq, wd);
  double noise = 0;
  for (size_t i = 0, e = yf.size(); i < e; ++i)
    noise += (yq[i] - yf[i]) * (yq[i] - yf[i]);
  return noise / signal;
}

AlphaChoice mlir::eqq::chooseAlpha(
    ArrayRef<const Layer *> scored, ArrayRef<LayerObservers> observers,
    ArrayRef<Layer> layers, const SampleMap &samples, ArrayRef<float> grid,
    llvm::function_ref<SmallVector<float>(float)> scaleFor, double marginDb,
    bool requantized) {
  AlphaChoice choice;
  choice.marginDb = marginDb;
  choice.requantized = requantized;
  SmallVector<std::unique_ptr<LayerScorer>> scorers;
  for (const Layer *l : scored) {
    std::string why;
    scorers.push_back(
        LayerScorer::create(*l, observers[l - layers.data()], samples, why));
    if (!scorers.back()) {
      choice.why = "layer '" + l->name + "': " + why;
      return choice;
    }
    choice.rows = choice.rows
                      ? std::min(choice.rows, scorers.back()->getNumRows())
                      : scorers.back()->getNumRows();
  }
  SmallVector<float> sorted(grid.begin(), grid.end());
  llvm::sort(sorted);
  // No equalization first: it wins ties.
  SmallVector<std::optional<float>> candidates{std::nullopt};
  candidates.append(sorted.begin(), sorted.end());
  double bestRatio = INFINITY;
  // One candidate at a time: its scale and the scored products are dropped
  // before the next; only the score stays.
  for (std::optional<float> a : candidates) {
    SmallVector<float> s = a ? scaleFor(*a) : SmallVector<float>();
    double total = 0;
    for (const std::unique_ptr<LayerScorer> &scorer : scorers) {
      std::optional<double> r = scorer->score(s, requantized);
      if (!r) {
        AlphaChoice failed;
        failed.why = "a candidate's weight cannot be quantized";
        return failed;
      }
      total += *r;
    }
    double ratio = total / static_cast<double>(scored.size());
    choice.candidates.push_back({a, -10.0 * std::log10(ratio)});
    // A scale must beat no equalization by the margin (a noise-to-signal
    // ratio 10^(margin/10) times smaller).
    if (!a)
      ratio /= std::pow(10.0, marginDb / 10.0);
    if (ratio < bestRatio) {
      bestRatio = ratio;
      choice.alpha = a;
    }
  }
  choice.scored = true;
  return choice;
}
