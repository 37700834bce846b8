//===- Pipelines.h - EqQuant pass pipelines ---------------------*- C++ -*-===//

#ifndef EQQUANT_CODEGEN_PIPELINES_H
#define EQQUANT_CODEGEN_PIPELINES_H

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::eqq {

/// Options of `--eqq-lower-to-llvm`.
struct LowerToLLVMOptions : public PassPipelineOptions<LowerToLLVMOptions> {
  PassOptions::Option<Int8Isa> isa{
      *this, "isa",
      llvm::cl::desc("int8 dot-product instructions (--eqq-int8-kernels)"),
      llvm::cl::init(Int8Isa::host), int8IsaValues()};
  PassOptions::Option<ConvLanes> convLanes{
      *this, "conv-lanes",
      llvm::cl::desc("Conv kernels' lanes: auto, width or channels "
                     "(--eqq-int8-kernels)"),
      llvm::cl::init(ConvLanes::automatic), convLanesValues()};
  PassOptions::Option<bool> lookupTables{
      *this, "lookup-tables",
      llvm::cl::desc("Costly functions of one 8-bit value as 256-entry "
                     "tables (--eqq-lookup-tables)"),
      llvm::cl::init(true)};
  PassOptions::Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads for the int8 kernels' parallel loops (OpenMP): "
                     "0 (default) uses every core, 1 makes plain loops"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> minParallelWork{
      *this, "min-parallel-work",
      llvm::cl::desc("With threads != 1: parallel loops of less estimated "
                     "work (ops executed) run on one thread "
                     "(--eqq-parallel-grain)"),
      llvm::cl::init(30000)};
};

/// Lowers a module at any stage (float, prepared, calibrated) to the LLVM
/// dialect: eqq ops to linalg, bufferization with results as out-parameters
/// after the inputs, loops, LLVM. Public functions get a C interface
/// (`_mlir_ciface_<name>`).
void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const LowerToLLVMOptions &options);

/// Registers `--eqq-lower-to-llvm`.
void registerPipelines();

} // namespace mlir::eqq

#endif // EQQUANT_CODEGEN_PIPELINES_H
