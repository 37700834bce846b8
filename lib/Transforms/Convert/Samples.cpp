//===- Samples.cpp - rows of a layer's input, and their reservoir ---------===//

#include "Samples.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>
#include <numeric>

#include "llvm/Support/xxhash.h"

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
  // A conv's row is the patch at an output position: every input channel's
  // kernel taps. A depthwise conv (weight `C x 1 x KH x KW` or `C x KH x KW`)
  // has the same patches; its output channel c reads row c's channel c.
  auto wType = dyn_cast<ShapedType>(layer.getWeight().getType());
  int64_t spatial = rank - 2;
  bool weightMatches =
      wType && (layer.depthwise
                    ? wType.getRank() >= spatial + 1 &&
                          wType.getDimSize(0) == g.channels
                    : wType.getRank() == rank &&
                          wType.getDimSize(1) == g.channels);
  if (axis != 1 || spatial < 1 || spatial > 3 || !weightMatches) {
    why = "its input is not NC plus spatial axes matching the weight";
    return std::nullopt;
  }
  g.isConv = true;
  g.images = inputShape[0];
  int64_t firstKernelDim = wType.getRank() - spatial;
  for (int64_t d = 0; d < spatial; ++d) {
    g.size[d] = inputShape[2 + d];
    g.kernel[d] = wType.getDimSize(firstKernelDim + d);
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

RowReservoir::RowReservoir(int64_t capacity, int64_t rowLength)
    : capacity(capacity), rowLength(rowLength), scratch(rowLength) {}

void RowReservoir::add(const float *row) {
  uint64_t key = llvm::xxh3_64bits(ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(row), rowLength * sizeof(float)));
  auto byKey = [](const std::pair<uint64_t, int64_t> &a,
                  const std::pair<uint64_t, int64_t> &b) {
    return a.first < b.first;
  };
  if (static_cast<int64_t>(heap.size()) < capacity) {
    int64_t slot = static_cast<int64_t>(heap.size());
    storage.append(row, row + rowLength);
    heap.emplace_back(key, slot);
    std::push_heap(heap.begin(), heap.end(), byKey);
    return;
  }
  if (capacity == 0 || key >= heap.front().first)
    return;
  // Replace the row with the largest hash.
  std::pop_heap(heap.begin(), heap.end(), byKey);
  int64_t slot = heap.back().second;
  std::copy_n(row, rowLength, storage.begin() + slot * rowLength);
  heap.back() = {key, slot};
  std::push_heap(heap.begin(), heap.end(), byKey);
}

void RowReservoir::offer(int64_t count,
                         llvm::function_ref<void(int64_t, float *)> extract) {
  for (int64_t p = 0; p < count; ++p) {
    extract(p, scratch.data());
    add(scratch.data());
  }
  seen += count;
}

void RowReservoir::addSample(ArrayRef<float> values, int64_t sampleSeen) {
  int64_t rows = static_cast<int64_t>(values.size()) / rowLength;
  for (int64_t r = 0; r < rows; ++r)
    add(values.data() + r * rowLength);
  seen += std::max(sampleSeen, rows);
}

SmallVector<float> RowReservoir::getValues() const {
  std::vector<std::pair<uint64_t, int64_t>> order = heap;
  // Equal hashes are equal rows: any order of them gives the same values.
  llvm::sort(order,
             [](const auto &a, const auto &b) { return a.first < b.first; });
  SmallVector<float> values;
  values.reserve(order.size() * rowLength);
  for (auto [key, slot] : order)
    values.append(storage.begin() + slot * rowLength,
                  storage.begin() + (slot + 1) * rowLength);
  return values;
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
