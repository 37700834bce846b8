//===- Samples.cpp - rows of a layer's input, and their reservoir ---------===//

#include "Samples.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace mlir::eqq;

/// About this many values are kept per layer (a quarter of a megabyte), in
/// at least kMinSampleRows and at most kMaxSampleRows rows.
static constexpr int64_t kSampleValues = int64_t(1) << 16;
static constexpr int64_t kMinSampleRows = 32;
static constexpr int64_t kMaxSampleRows = 512;

int64_t mlir::eqq::getSampleCapacity(int64_t rowLength) {
  return std::clamp(kSampleValues / std::max<int64_t>(1, rowLength),
                    kMinSampleRows, kMaxSampleRows);
}

std::optional<RowGeometry>
mlir::eqq::getRowGeometry(const Layer &layer, ArrayRef<int64_t> inputShape,
                          std::string &why) {
  RowGeometry g;
  int64_t rank = static_cast<int64_t>(inputShape.size());
  int64_t axis = layer.inputAxis;
  if (axis >= rank || ShapedType::isDynamicShape(inputShape)) {
    why = "its input's shape is not static with the feature axis";
    return std::nullopt;
  }
  g.channels = inputShape[axis];
  if (layer.kind == LayerKind::Linear) {
    if (axis != rank - 1) {
      why = "its features are not the input's last axis";
      return std::nullopt;
    }
    g.images = 1;
    for (int64_t d = 0; d < rank - 1; ++d)
      g.images *= inputShape[d];
    return g;
  }
  auto wType = dyn_cast<ShapedType>(layer.getWeight().getType());
  int64_t spatial = rank - 2;
  if (axis != 1 || spatial < 1 || spatial > 3 || !wType ||
      wType.getRank() != rank || wType.getDimSize(1) != g.channels) {
    why = "its input is not NC plus spatial axes matching the weight";
    return std::nullopt;
  }
  g.isConv = true;
  g.images = inputShape[0];
  for (int64_t d = 0; d < spatial; ++d) {
    g.size[d] = inputShape[2 + d];
    g.kernel[d] = wType.getDimSize(2 + d);
  }
  if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("strides"))
    for (auto [d, v] : llvm::enumerate(attr.getValues<int64_t>()))
      if (d < 3)
        g.stride[d] = v;
  if (auto attr = layer.op->getAttrOfType<DenseIntElementsAttr>("dilations"))
    for (auto [d, v] : llvm::enumerate(attr.getValues<int64_t>()))
      if (d < 3)
        g.dilation[d] = v;
  int64_t high[3] = {0, 0, 0};
  if (auto pad = dyn_cast<tensor::PadOp>(layer.getInputOp())) {
    if (static_cast<int64_t>(pad.getStaticLow().size()) != rank) {
      why = "its padding does not match its input";
      return std::nullopt;
    }
    for (int64_t d = 0; d < spatial; ++d) {
      g.low[d] = pad.getStaticLow()[2 + d];
      high[d] = pad.getStaticHigh()[2 + d];
      if (ShapedType::isDynamic(g.low[d]) || ShapedType::isDynamic(high[d])) {
        why = "its padding is not static";
        return std::nullopt;
      }
    }
  }
  for (int64_t d = 0; d < 3; ++d) {
    g.taps *= g.kernel[d];
    int64_t span =
        g.size[d] + g.low[d] + high[d] - g.dilation[d] * (g.kernel[d] - 1) - 1;
    if (span < 0 || g.stride[d] < 1) {
      why = "its kernel does not fit its padded input";
      return std::nullopt;
    }
    g.outSize[d] = span / g.stride[d] + 1;
    g.positionsPerImage *= g.outSize[d];
  }
  return g;
}

void RowGeometry::extractRow(ArrayRef<float> x, int64_t p, float *row) const {
  if (!isConv) {
    std::copy_n(x.data() + p * channels, channels, row);
    return;
  }
  int64_t o[3];
  for (int64_t d = 2; d >= 0; --d) {
    o[d] = p % outSize[d];
    p /= outSize[d];
  }
  int64_t plane = size[0] * size[1] * size[2];
  const float *img = x.data() + p * channels * plane;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t k0 = 0; k0 < kernel[0]; ++k0)
      for (int64_t k1 = 0; k1 < kernel[1]; ++k1)
        for (int64_t k2 = 0; k2 < kernel[2]; ++k2) {
          int64_t i0 = o[0] * stride[0] + k0 * dilation[0] - low[0];
          int64_t i1 = o[1] * stride[1] + k1 * dilation[1] - low[1];
          int64_t i2 = o[2] * stride[2] + k2 * dilation[2] - low[2];
          bool inside = i0 >= 0 && i0 < size[0] && i1 >= 0 && i1 < size[1] &&
                        i2 >= 0 && i2 < size[2];
          *row++ = inside
                       ? img[((c * size[0] + i0) * size[1] + i1) * size[2] + i2]
                       : 0.0f;
        }
}

RowReservoir::RowReservoir(int64_t capacity, int64_t rowLength, uint64_t seed)
    : capacity(capacity), rowLength(rowLength), rng(seed) {}

void RowReservoir::resume(ArrayRef<float> stored, int64_t storedSeen) {
  values.assign(stored.begin(), stored.end());
  int64_t rows = static_cast<int64_t>(values.size()) / rowLength;
  if (rows > capacity) {
    values.resize(capacity * rowLength);
    rows = capacity;
  }
  seen = std::max(storedSeen, rows);
}

void RowReservoir::offer(int64_t count,
                         llvm::function_ref<void(int64_t, float *)> extract) {
  for (int64_t p = 0; p < count; ++p, ++seen) {
    int64_t rows = static_cast<int64_t>(values.size()) / rowLength;
    if (rows < capacity) {
      values.resize(values.size() + rowLength);
      extract(p, values.data() + rows * rowLength);
      continue;
    }
    // Algorithm R: row `seen` replaces a kept one with probability
    // capacity / (seen + 1).
    std::uniform_int_distribution<int64_t> pick(0, seen);
    int64_t slot = pick(rng);
    if (slot < capacity)
      extract(p, values.data() + slot * rowLength);
  }
}

void RowReservoir::merge(ArrayRef<float> other, int64_t otherSeen) {
  int64_t mine = static_cast<int64_t>(values.size()) / rowLength;
  int64_t theirs = static_cast<int64_t>(other.size()) / rowLength;
  otherSeen = std::max(otherSeen, theirs);
  if (theirs == 0) {
    seen += otherSeen;
    return;
  }
  int64_t total = seen + otherSeen;
  int64_t keep = std::min<int64_t>(capacity, mine + theirs);
  // Rows from the other side in proportion to what each side saw.
  int64_t fromOther = static_cast<int64_t>(
      std::llround(static_cast<double>(keep) * otherSeen / total));
  fromOther = std::clamp(fromOther, keep - mine, theirs);
  int64_t fromMine = keep - fromOther;
  auto choose = [&](int64_t n, int64_t k) {
    SmallVector<int64_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(k);
    llvm::sort(idx);
    return idx;
  };
  SmallVector<float> merged;
  merged.reserve(keep * rowLength);
  for (int64_t r : choose(mine, fromMine))
    merged.append(values.begin() + r * rowLength,
                  values.begin() + (r + 1) * rowLength);
  for (int64_t r : choose(theirs, fromOther))
    merged.append(other.begin() + r * rowLength,
                  other.begin() + (r + 1) * rowLength);
  values = std::move(merged);
  seen = total;
}

SampleRows mlir::eqq::getStoredSamples(InputEqObserverOp op) {
  SampleRows rows;
  ElementsAttr attr = op.getSamplesAttr();
  if (!attr)
    return rows;
  auto type = cast<ShapedType>(attr.getType());
  std::optional<SmallVector<float>> values = getFloatValues(attr);
  if (!values || type.getRank() != 3)
    return rows;
  rows.channels = type.getDimSize(1);
  rows.taps = type.getDimSize(2);
  rows.values = std::move(*values);
  return rows;
}

void mlir::eqq::setStoredSamples(InputEqObserverOp op, ArrayRef<float> values,
                                 int64_t channels, int64_t taps, int64_t seen) {
  Builder b(op->getContext());
  int64_t rowLength = channels * taps;
  int64_t rows =
      rowLength ? static_cast<int64_t>(values.size()) / rowLength : 0;
  auto type = RankedTensorType::get({rows, channels, taps}, b.getF32Type());
  ElementsAttr attr;
  if (values.size() <= 64)
    attr = DenseElementsAttr::get(type, values);
  else
    attr = DenseResourceElementsAttr::get(
        type, "eqq_samples",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
  op.setSamplesAttr(attr);
  op.setSamplesSeenAttr(b.getI64IntegerAttr(seen));
}
