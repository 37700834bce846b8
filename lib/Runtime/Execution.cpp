//===- Execution.cpp - compile and run modules at any stage ---------------===//

#include "EqQuant/Runtime/Execution.h"
#include "EqQuant/Dialect/EqqDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::eqq;

llvm::Expected<std::unique_ptr<eqq::JitModule>>
mlir::eqq::compileModule(ModuleOp module, const LowerToLLVMOptions &options,
                         unsigned optLevel) {
  OwningOpRef<ModuleOp> clone = module.clone();
  bool lowered = llvm::none_of(clone->getOps<func::FuncOp>(),
                               [](func::FuncOp f) { return !f.isExternal(); });
  if (!lowered) {
    PassManager pm(module.getContext());
    // The module is verified once, after the pipeline, instead of after
    // each of its passes: a walk over every op of a network, 40 ms each
    // time on resnet18's int8 kernels, was a fifth of its compile time.
    pm.enableVerifier(false);
    buildLowerToLLVMPipeline(pm, options);
    if (failed(pm.run(*clone)) || failed(verify(*clone)))
      return llvm::createStringError("lowering the module to LLVM failed");
  }
  return JitModule::create(*clone, optLevel);
}

llvm::Expected<eqq::InstrumentedModule>
mlir::eqq::InstrumentedModule::compile(ModuleOp module, StringRef entry,
                                       InstrumentFn instrument,
                                       const LowerToLLVMOptions &options) {
  OwningOpRef<ModuleOp> clone = module.clone();
  auto func = clone->lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return llvm::createStringError("no function @" + entry.str() +
                                   " with a body in the module");
  SmallVector<Value> picked = instrument(func);
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  ret->insertOperands(ret->getNumOperands(), picked);
  func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                 ret->getOperandTypes()));
  // The clone holds only the entry and what it calls.
  for (auto f : llvm::make_early_inc_range(clone->getOps<func::FuncOp>()))
    if (f != func && f.isPublic())
      f.erase();

  InstrumentedModule result;
  result.entry = entry.str();
  llvm::Expected<EntrySignature> signature = getEntrySignature(*clone, entry);
  if (!signature)
    return signature.takeError();
  result.signature = std::move(*signature);
  result.numOriginalResults = ret->getNumOperands() - picked.size();
  // Compiled once for a few batches: LLVM at -O2, whose code measured as
  // fast as -O3's on calibration batches (and computes the same values:
  // no fast-math), in three quarters of the time (resnet18's one-batch
  // calibration 1.24-1.43 -> 1.02 s).
  llvm::Expected<std::unique_ptr<JitModule>> jit =
      compileModule(*clone, options, /*optLevel=*/2);
  if (!jit)
    return jit.takeError();
  result.jit = std::move(*jit);
  for (const TensorSpec &spec : result.signature.outputs)
    result.results.emplace_back(spec.dtype, spec.shape);
  return result;
}

llvm::Error
mlir::eqq::InstrumentedModule::run(ArrayRef<const NpyArray *> inputs) {
  SmallVector<NpyArray *> resultPtrs;
  for (NpyArray &r : results)
    resultPtrs.push_back(&r);
  return jit->invoke(entry, signature, inputs, resultPtrs);
}

llvm::Expected<std::vector<NpyArray>>
mlir::eqq::readCalibrationBatch(StringRef path, const EntrySignature &sig,
                                StringRef entry) {
  std::vector<NpyArray> arrays;
  bool isDir = llvm::sys::fs::is_directory(path);
  if (!isDir && sig.inputs.size() != 1)
    return llvm::createStringError(
        path.str() + ": @" + entry.str() + " takes " +
        std::to_string(sig.inputs.size()) +
        " arguments; a batch must be a directory holding arg0.npy ... arg" +
        std::to_string(sig.inputs.size() - 1) + ".npy");
  for (auto [i, spec] : llvm::enumerate(sig.inputs)) {
    std::string file = path.str();
    if (isDir) {
      SmallString<128> p(path);
      llvm::sys::path::append(p, "arg" + std::to_string(i) + ".npy");
      file = p.str().str();
    }
    llvm::Expected<NpyArray> array = readNpy(file);
    if (!array)
      return array.takeError();
    if (llvm::Error e = checkNpyType(*array, spec.dtype, spec.shape,
                                     file + " (argument " + std::to_string(i) +
                                         " of @" + entry.str() + ")"))
      return std::move(e);
    if (spec.mustBeFinite)
      if (llvm::Error e = checkNpyFinite(*array, file,
                                         "calibration data must be finite"))
        return std::move(e);
    arrays.push_back(std::move(*array));
  }
  return arrays;
}

llvm::Error mlir::eqq::InstrumentedModule::runBatch(StringRef path) {
  llvm::Expected<std::vector<NpyArray>> batch =
      readCalibrationBatch(path, signature, entry);
  if (!batch)
    return batch.takeError();
  SmallVector<const NpyArray *> args;
  for (NpyArray &a : *batch)
    args.push_back(&a);
  if (llvm::Error e = run(args))
    return llvm::createStringError(path + ": " + llvm::toString(std::move(e)));
  return llvm::Error::success();
}

namespace {
/// The model runner of the execution library: instrumented clones lowered
/// with the default `--eqq-lower-to-llvm` options, run in the JIT.
struct JitModelRunner : EqqModelRunnerInterface {
  using EqqModelRunnerInterface::EqqModelRunnerInterface;

  llvm::Expected<std::unique_ptr<InstrumentedRunner>>
  compileInstrumented(ModuleOp module, StringRef entry,
                      InstrumentFn instrument) const override {
    // The entry's own signature first, so that an unsupported argument or
    // result is reported as the module's rather than the clone's.
    llvm::Expected<EntrySignature> signature = getEntrySignature(module, entry);
    if (!signature)
      return signature.takeError();
    llvm::Expected<InstrumentedModule> clone = InstrumentedModule::compile(
        module, entry, instrument, LowerToLLVMOptions());
    if (!clone)
      return clone.takeError();
    return std::make_unique<InstrumentedModule>(std::move(*clone));
  }
};
} // namespace

void mlir::eqq::registerModelRunner(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *, EqqDialect *dialect) {
    dialect->addInterfaces<JitModelRunner>();
  });
}
