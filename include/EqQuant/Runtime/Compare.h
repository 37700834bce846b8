//===- Compare.h - per-layer SQNR of a quantized model ----------*- C++ -*-===//
//
// The numeric comparison behind `eq-run --compare` (interface section 6),
// after PyTorch's numeric suite: each named layer's output in a float model
// against the dequantized output of the same layer in its quantized model,
// as an SQNR (the SQNR file is in Support/Sqnr.h).
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_RUNTIME_COMPARE_H
#define EQQUANT_RUNTIME_COMPARE_H

#include "EqQuant/CodeGen/Pipelines.h"
#include "EqQuant/Runtime/Jit.h"
#include "EqQuant/Support/Sqnr.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::eqq {

/// What `compareLayers` found.
struct LayerComparison {
  /// The layers both models have, in the float model's program order.
  llvm::SmallVector<LayerSqnr> layers;
  /// Layers of the entry function found in only one model (skipped).
  llvm::SmallVector<std::string> onlyInFloat, onlyInQuantized;
  /// Common layers followed by a batch norm in one model but not in the
  /// other (folded into the layer there): one output is taken before the
  /// norm, the other after it, and their SQNR means nothing.
  llvm::SmallVector<std::string> normInOneModel;
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

} // namespace mlir::eqq

#endif // EQQUANT_RUNTIME_COMPARE_H
