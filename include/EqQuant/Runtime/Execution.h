//===- Execution.h - compile and run modules at any stage -------*- C++ -*-===//
//
// What lies between a module and the JIT: lowering a clone with
// `--eqq-lower-to-llvm`, the instrumented clones that calibration, automatic
// alpha and the numeric comparison run, calibration batches, and the model
// runner that the transforms reach through the eqq dialect.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_RUNTIME_EXECUTION_H
#define EQQUANT_RUNTIME_EXECUTION_H

#include "EqQuant/CodeGen/Pipelines.h"
#include "EqQuant/Runtime/Jit.h"
#include "EqQuant/Support/Npy.h"
#include "EqQuant/Transforms/ModelRunner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
namespace eqq {

/// JIT-compiles a module at any stage (LLVM at -O`optLevel`): a clone of it
/// is lowered with `--eqq-lower-to-llvm` first, unless it is already in the
/// LLVM dialect. Lowering errors are reported to the context's diagnostic
/// handler too.
llvm::Expected<std::unique_ptr<JitModule>>
compileModule(ModuleOp module, const LowerToLLVMOptions &options,
              unsigned optLevel = 3);

/// A JIT-compiled instrumented clone of a module, as calibration, automatic
/// alpha and the numeric comparison use them: the clone's entry function
/// returns, after its own results, values of its body that the caller
/// picked.
class InstrumentedModule : public InstrumentedRunner {
public:
  /// Clones `module`, lets `instrument` pick values of the clone's `entry`
  /// (and add ops computing them), appends them to its results, erases the
  /// other public functions and compiles the clone with `options`.
  static llvm::Expected<InstrumentedModule>
  compile(ModuleOp module, llvm::StringRef entry, InstrumentFn instrument,
          const LowerToLLVMOptions &options);

  /// The instrumented entry's signature: the original results, then one per
  /// picked value.
  const EntrySignature &getSignature() const { return signature; }

  /// Runs the entry on `inputs`, which must match the signature.
  llvm::Error run(llvm::ArrayRef<const NpyArray *> inputs);

  /// Reads one batch (readCalibrationBatch) and runs the entry on it; errors
  /// name the file.
  llvm::Error runBatch(llvm::StringRef path) override;

  /// Reads the batches of `path` (readCalibrationBatches) and runs the
  /// entry on each, calling `onBatch` after each run (until it returns
  /// false); errors name the file (and the batch, for a file of several).
  llvm::Error
  runBatches(llvm::StringRef path,
             llvm::function_ref<llvm::Expected<bool>()> onBatch) override;

  /// What the last run returned for the picked values, in their order.
  llvm::ArrayRef<NpyArray> getPickedResults() const override {
    return llvm::ArrayRef(results).drop_front(numOriginalResults);
  }

private:
  InstrumentedModule() = default;
  std::string entry;
  std::unique_ptr<JitModule> jit;
  EntrySignature signature;
  size_t numOriginalResults = 0;
  std::vector<NpyArray> results;
};

/// How many batches of an argument of type `spec` `array` holds: 1 when it
/// has that type, and with `allowStacked` k when k of them are stacked along
/// its first dimension (its first dimension k times the argument's, the
/// rest and the dtype the same); else an error naming `name` and both
/// types (checkNpyType's, without `allowStacked`).
llvm::Expected<int64_t> countStackedBatches(const NpyArray &array,
                                            const TensorSpec &spec,
                                            const std::string &name,
                                            bool allowStacked);

/// Batch i of the `count` batches stacked in `array`: a copy of its i-th
/// slice along the first dimension.
NpyArray sliceStackedBatch(const NpyArray &array, int64_t count, int64_t i);

/// The calibration batches of one .npy file (one argument) or directory of
/// arg<i>.npy for an entry: each argument's array whole, holding `count`
/// batches one after another along its first dimension.
struct CalibrationBatches {
  std::vector<NpyArray> arrays;
  int64_t count = 1;
  /// Batch i's arrays: copies of the arrays' i-th slices.
  std::vector<NpyArray> slice(int64_t i) const;
};

/// Reads calibration batches for `entry`: a .npy file (one argument) or a
/// directory of arg<i>.npy, each array the argument's type or, with
/// `allowStacked`, k of them stacked along the first dimension (every
/// argument of a directory the same k), checked for non-finite values (an
/// error names the file and the first bad index).
llvm::Expected<CalibrationBatches>
readCalibrationBatches(llvm::StringRef path, const EntrySignature &sig,
                       llvm::StringRef entry, bool allowStacked);

/// Reads one calibration batch for `entry`: each array the argument's type
/// (readCalibrationBatches without stacking).
llvm::Expected<std::vector<NpyArray>>
readCalibrationBatch(llvm::StringRef path, const EntrySignature &sig,
                     llvm::StringRef entry);

/// Attaches the JIT model runner (EqqModelRunnerInterface: InstrumentedModule
/// with the default `--eqq-lower-to-llvm` options) to the eqq dialect, so
/// that `--eqq-calibrate` and `--eqq-convert="auto-alpha=true"` can run the
/// model. registerAllDialects (EqQuant/InitAll.h) calls it.
void registerModelRunner(DialectRegistry &registry);

} // namespace eqq
} // namespace mlir

#endif // EQQUANT_RUNTIME_EXECUTION_H
