//===- Sqnr.h - SQNR and the SQNR file --------------------------*- C++ -*-===//
//
// PyTorch's `compute_sqnr`, and the file `eq-run --compare --json` writes and
// `--eqq-prepare="equalize-top-k=N sqnr=FILE"` reads (interface section 6).
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_SQNR_H
#define EQQUANT_SUPPORT_SQNR_H

#include "EqQuant/Support/Json.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mlir::eqq {

/// PyTorch's `compute_sqnr`, `20 log10(||a|| / ||a - b||)` in dB, with the
/// norms accumulated in double: +inf when `a == b` (even when both are
/// zero), -inf when `a` is zero and `b` is not, NaN when either holds a NaN.
double computeSqnr(llvm::ArrayRef<float> a, llvm::ArrayRef<float> b);

/// One layer's SQNR.
struct LayerSqnr {
  std::string name;
  double sqnrDb = 0.0;
  /// Where the entry stands in an SQNR file that was read (line 0 else).
  json::Position pos;
};

/// Writes `{"layers": [{"name": ..., "sqnr_db": ...}, ...]}` (non-finite
/// values as the strings "inf", "-inf", "nan"), one layer per line.
void writeSqnrFile(llvm::raw_ostream &os, llvm::ArrayRef<LayerSqnr> layers);

/// Reads a file that writeSqnrFile wrote (other keys are ignored). On error
/// returns std::nullopt and sets `error` and `errorPos` (line 0 when the file
/// cannot be read).
std::optional<llvm::SmallVector<LayerSqnr>>
readSqnrFile(llvm::StringRef path, json::Position &errorPos,
             std::string &error);

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_SQNR_H
