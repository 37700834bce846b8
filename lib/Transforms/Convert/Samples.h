//===- Samples.h - what an equalized layer reads, as rows -------*- C++ -*-===//
//
// Equalization candidates are scored on samples of a layer's input: rows of
// its matrix product. A linear's row is one input row (its features); a
// conv's is the patch one output position reads (channels x kernel taps,
// zero padding included), so that a conv's output at that position is the
// row times the weight `W[F, C * taps]`. --eqq-calibrate keeps a bounded
// uniform sample of rows per equalized layer (bottom-k by hash, see
// RowReservoir) on its input-equalization observer
// (`samples`, `samples_seen`); auto-alpha with `data=` takes rows from the
// inputs it records. Both are scored the same way (AutoAlpha.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_CONVERT_SAMPLES_H
#define EQQUANT_TRANSFORMS_CONVERT_SAMPLES_H

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"

#include "llvm/ADT/DenseMap.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlir::eqq {

/// How a layer turns its input tensor (the value its input-equalization
/// observer sees, of shape `inputShape`) into rows.
struct RowGeometry {
  bool isConv = false;
  int64_t channels = 0;
  /// Kernel taps per channel (1 for a linear).
  int64_t taps = 1;
  /// Output positions (rows) per leading index (image, or linear row).
  int64_t positionsPerImage = 1;
  /// Leading indices: images (conv) or rows (linear).
  int64_t images = 0;
  // conv: up to three spatial dims (missing ones have size 1).
  int64_t size[3] = {1, 1, 1}, kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1},
          dilation[3] = {1, 1, 1}, low[3] = {0, 0, 0}, outSize[3] = {1, 1, 1};

  int64_t rowLength() const { return channels * taps; }
  int64_t numPositions() const { return images * positionsPerImage; }
  /// Writes the row of output position `p` (in [0, numPositions())) of the
  /// tensor `x` (laid out in `images` leading blocks) to `row`.
  void extractRow(ArrayRef<float> x, int64_t p, float *row) const;
};

/// The geometry of `layer` reading a tensor of shape `inputShape` along its
/// input axis, or none (with `why`) when its rows cannot be formed.
std::optional<RowGeometry> getRowGeometry(const Layer &layer,
                                          ArrayRef<int64_t> inputShape,
                                          std::string &why);

/// Rows of one layer's input: `values` holds numRows() rows of
/// `channels * taps` values (channel-major: value `c * taps + t`).
struct SampleRows {
  int64_t channels = 0, taps = 1;
  SmallVector<float> values;
  int64_t rowLength() const { return channels * taps; }
  int64_t numRows() const {
    return rowLength() ? static_cast<int64_t>(values.size()) / rowLength() : 0;
  }
};

/// Rows by the input-equalization observer of the layer that read them.
using SampleMap = llvm::DenseMap<Operation *, SampleRows>;

/// How many rows calibration keeps for a layer with rows of `rowLength`
/// values: about kSampleValues values, between kMinSampleRows and
/// kMaxSampleRows rows.
int64_t getSampleCapacity(int64_t rowLength);

/// A uniform sample without replacement of at most `capacity` rows from a
/// stream of rows: the rows with the smallest hashes of their values
/// (bottom-k sampling, the hash standing in for a random key). The sample
/// depends only on the multiset of rows offered, not on their order or on
/// how they were split: calibrating in one run, resuming, or merging the
/// samples of shards gives the same rows, in the same order (by hash).
class RowReservoir {
public:
  RowReservoir(int64_t capacity, int64_t rowLength);
  /// Offers the `count` positions of a batch; `extract(p, row)` writes
  /// position p's row.
  void offer(int64_t count, llvm::function_ref<void(int64_t, float *)> extract);
  /// Adds a stored sample (of the same kind) drawn from `seen` rows: from a
  /// previous calibration or a statistics file.
  void addSample(ArrayRef<float> values, int64_t seen);
  /// The kept rows, ordered by hash.
  SmallVector<float> getValues() const;
  int64_t getNumRows() const { return static_cast<int64_t>(heap.size()); }
  int64_t getSeen() const { return seen; }
  int64_t getRowLength() const { return rowLength; }

private:
  void add(const float *row);
  int64_t capacity, rowLength, seen = 0;
  /// Rows in slots of `rowLength` values, and a max-heap of (hash, slot).
  SmallVector<float> storage;
  std::vector<std::pair<uint64_t, int64_t>> heap;
  SmallVector<float> scratch;
};

/// The samples stored on an input-equalization observer (empty when none).
SampleRows getStoredSamples(InputEqObserverOp op);
/// Stores `values` (rows of `channels * taps`) and the number of rows they
/// were drawn from on `op` (a dense_resource attribute above a few values).
void setStoredSamples(InputEqObserverOp op, ArrayRef<float> values,
                      int64_t channels, int64_t taps, int64_t seen);

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_CONVERT_SAMPLES_H
