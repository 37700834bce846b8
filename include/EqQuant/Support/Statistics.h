//===- Statistics.h - observer statistics on plain arrays -------*- C++ -*-===//
//
// The reductions behind the observers, on row-major float data: per-tensor
// and per-channel min/max (NaN propagates, as in torch.aminmax) and
// torch.histc.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_STATISTICS_H
#define EQQUANT_SUPPORT_STATISTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace mlir::eqq {

struct MinMax {
  llvm::SmallVector<float> min;
  llvm::SmallVector<float> max;
};

/// Min and max of every element (one entry each).
MinMax computeMinMax(llvm::ArrayRef<float> data);

/// Min and max per index of `axis` of a row-major tensor of `shape`,
/// reducing over every other axis.
MinMax computeChannelMinMax(llvm::ArrayRef<float> data,
                            llvm::ArrayRef<int64_t> shape, int64_t axis);

/// torch.histc(data, bins, lo, hi): `bins` equal-width bins over [lo, hi];
/// values outside are ignored, values equal to `hi` fall into the last bin.
/// When lo == hi the data's own range is used (widened by 1 on each side if
/// it is empty too).
llvm::SmallVector<float> computeHistogram(llvm::ArrayRef<float> data,
                                          int64_t bins, float lo, float hi);

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_STATISTICS_H
