//===- Pipelines.h - EqQuant pass pipelines ---------------------*- C++ -*-===//

#ifndef EQQUANT_TRANSFORMS_PIPELINES_H
#define EQQUANT_TRANSFORMS_PIPELINES_H

#include "EqQuant/Runtime/Jit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::eqq {

/// Options of `--eqq-lower-to-llvm`.
struct LowerToLLVMOptions : public PassPipelineOptions<LowerToLLVMOptions> {
  PassOptions::Option<std::string> isa{
      *this, "isa",
      llvm::cl::desc("int8 dot-product instructions: host (default), vnni, "
                     "avx2, portable, or none (generic loops)"),
      llvm::cl::init("host")};
  PassOptions::Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads for the int8 kernels' parallel loops (OpenMP): "
                     "0 (default) uses every core, 1 makes plain loops"),
      llvm::cl::init(0)};
};

/// Lowers a module at any stage (float, prepared, calibrated) to the LLVM
/// dialect: eqq ops to linalg, bufferization with results as out-parameters
/// after the inputs, loops, LLVM. Public functions get a C interface
/// (`_mlir_ciface_<name>`).
void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const LowerToLLVMOptions &options);

/// JIT-compiles a module at any stage: a clone of it is lowered with
/// `--eqq-lower-to-llvm` first, unless it is already in the LLVM dialect.
/// Lowering errors are reported to the context's diagnostic handler too.
llvm::Expected<std::unique_ptr<JitModule>>
compileModule(ModuleOp module, const LowerToLLVMOptions &options);

/// A JIT-compiled instrumented clone of a module, as calibration and the
/// numeric comparison use them: the clone's entry function returns, after its
/// own results, values of its body that the caller picked.
class InstrumentedModule {
public:
  /// Clones `module`, lets `instrument` pick values of the clone's `entry`
  /// (and add ops computing them), appends them to its results, erases the
  /// other public functions and compiles the clone with `options`.
  static llvm::Expected<InstrumentedModule>
  compile(ModuleOp module, llvm::StringRef entry,
          llvm::function_ref<llvm::SmallVector<Value>(func::FuncOp)> instrument,
          const LowerToLLVMOptions &options);

  /// The instrumented entry's signature: the original results, then one per
  /// picked value.
  const EntrySignature &getSignature() const { return signature; }

  /// Runs the entry on `inputs`, which must match the signature.
  llvm::Error run(llvm::ArrayRef<const NpyArray *> inputs);

  /// Reads one batch (readCalibrationBatch) and runs the entry on it; errors
  /// name the file.
  llvm::Error runBatch(llvm::StringRef path);

  /// What the last run returned for the picked values, in their order.
  llvm::ArrayRef<NpyArray> getPickedResults() const {
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

/// Reads one calibration batch for `entry`: a .npy file (one argument) or a
/// directory of arg<i>.npy, checked against the signature and for non-finite
/// values (an error names the file and the first bad index).
llvm::Expected<std::vector<NpyArray>>
readCalibrationBatch(llvm::StringRef path, const EntrySignature &sig,
                     llvm::StringRef entry);

/// Registers `--eqq-lower-to-llvm`.
void registerPipelines();

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_PIPELINES_H
