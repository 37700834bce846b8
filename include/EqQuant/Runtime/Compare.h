//===- Compare.h - per-layer SQNR of a quantized model ----------*- C++ -*-===//
//
// The numeric comparison behind `eq-run --compare` (interface section 6),
// after PyTorch's numeric suite: each named layer's output in a float model
// against the dequantized output of the same layer in its quantized model,
// as an SQNR; and the SQNR file that `--eqq-prepare="equalize-top-k=N
// sqnr=FILE"` reads.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_COMPARE_H
#define EQQUANT_TRANSFORMS_COMPARE_H

#include "EqQuant/Support/Json.h"
#include "EqQuant/Transforms/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
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

/// What `compareLayers` found.
struct LayerComparison {
  /// The layers both models have, in the float model's program order.
  llvm::SmallVector<LayerSqnr> layers;
  /// Layers of the entry function found in only one model (skipped).
  llvm::SmallVector<std::string> onlyInFloat, onlyInQuantized;
};

/// Runs the function `entry` of `floatModule` and of `quantizedModule` on
/// `inputs` and compares the output of each named linear or conv layer
/// (after the relu that follows it; a quantized layer's output dequantized).
/// Each module is compiled as an instrumented clone whose entry also returns
/// those outputs. Layers are matched by name: the `eqq.layer` attribute
/// `--eqq-convert` puts on an integer program, else the name of interface
/// section 3 (NameLoc, else generated). It is an error when the modules take
/// different arguments, have no layer in common, or a common layer's outputs
/// differ in shape.
llvm::Expected<LayerComparison>
compareLayers(ModuleOp floatModule, ModuleOp quantizedModule,
              llvm::StringRef entry, llvm::ArrayRef<const NpyArray *> inputs,
              const LowerToLLVMOptions &options);

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

#endif // EQQUANT_TRANSFORMS_COMPARE_H
