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

llvm::Expected<int64_t> mlir::eqq::countStackedBatches(const NpyArray &array,
                                                       const TensorSpec &spec,
                                                       const std::string &name,
                                                       bool allowStacked) {
  llvm::Error mismatch = checkNpyType(array, spec.dtype, spec.shape, name);
  if (!mismatch)
    return 1;
  if (!allowStacked)
    return std::move(mismatch);
  ArrayRef<int64_t> have = array.getShape(), want = spec.shape;
  if (want.empty() || want[0] <= 0 || array.getDType() != spec.dtype ||
      have.size() != want.size())
    return std::move(mismatch);
  llvm::consumeError(std::move(mismatch));
  bool rest = llvm::all_of(llvm::zip(have.drop_front(), want.drop_front()),
                           [](auto dims) {
                             auto [h, w] = dims;
                             return w < 0 || h == w;
                           });
  if (rest && have[0] > 0 && have[0] % want[0] == 0)
    return have[0] / want[0];
  // "kx3x224x224", "2kx3": k batches stacked.
  std::string stacked = (want[0] == 1 ? "" : std::to_string(want[0])) + "k";
  for (int64_t d : want.drop_front())
    stacked += "x" + (d < 0 ? std::string("?") : std::to_string(d));
  return llvm::createStringError(
      name + ": expected " + formatNpyType(spec.dtype, want) + ", got " +
      array.getTypeString() +
      " (or k batches stacked along the first dimension: " + stacked + ")");
}

llvm::Expected<CalibrationBatches>
mlir::eqq::readCalibrationBatches(StringRef path, const EntrySignature &sig,
                                  StringRef entry, bool allowStacked) {
  CalibrationBatches batches;
  bool isDir = llvm::sys::fs::is_directory(path);
  if (!isDir && sig.inputs.size() != 1)
    return llvm::createStringError(
        path.str() + ": @" + entry.str() + " takes " +
        std::to_string(sig.inputs.size()) +
        " arguments; a batch must be a directory holding arg0.npy ... arg" +
        std::to_string(sig.inputs.size() - 1) + ".npy");
  std::string firstFile;
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
    std::string name =
        file + " (argument " + std::to_string(i) + " of @" + entry.str() + ")";
    llvm::Expected<int64_t> stacked =
        countStackedBatches(*array, spec, name, allowStacked);
    if (!stacked)
      return stacked.takeError();
    int64_t count = *stacked;
    if (i == 0) {
      batches.count = count;
      firstFile = file;
    } else if (count != batches.count) {
      return llvm::createStringError(
          file + " holds " + std::to_string(count) + " batch" +
          (count == 1 ? "" : "es") + " of argument " + std::to_string(i) +
          " of @" + entry.str() + ", but " + firstFile + " holds " +
          std::to_string(batches.count) +
          " of argument 0: the arguments of a batch directory must stack as "
          "many batches each");
    }
    if (spec.mustBeFinite)
      if (llvm::Error e =
              checkNpyFinite(*array, file, "calibration data must be finite"))
        return std::move(e);
    batches.arrays.push_back(std::move(*array));
  }
  return batches;
}

NpyArray mlir::eqq::sliceStackedBatch(const NpyArray &array, int64_t count,
                                      int64_t i) {
  SmallVector<int64_t> shape(array.getShape());
  shape[0] /= count;
  NpyArray part(array.getDType(), shape);
  size_t bytes = part.getNumBytes();
  llvm::copy(array.getBytes().slice(i * bytes, bytes),
             part.getMutableBytes().begin());
  return part;
}

std::vector<NpyArray> mlir::eqq::CalibrationBatches::slice(int64_t i) const {
  std::vector<NpyArray> out;
  for (const NpyArray &a : arrays)
    out.push_back(sliceStackedBatch(a, count, i));
  return out;
}

llvm::Expected<std::vector<NpyArray>>
mlir::eqq::readCalibrationBatch(StringRef path, const EntrySignature &sig,
                                StringRef entry) {
  llvm::Expected<CalibrationBatches> batches =
      readCalibrationBatches(path, sig, entry, /*allowStacked=*/false);
  if (!batches)
    return batches.takeError();
  return std::move(batches->arrays);
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

llvm::Error mlir::eqq::InstrumentedModule::runBatches(
    StringRef path, llvm::function_ref<llvm::Expected<bool>()> onBatch) {
  llvm::Expected<CalibrationBatches> batches =
      readCalibrationBatches(path, signature, entry, /*allowStacked=*/true);
  if (!batches)
    return batches.takeError();
  for (int64_t i = 0; i < batches->count; ++i) {
    std::vector<NpyArray> sliced;
    if (batches->count != 1)
      sliced = batches->slice(i);
    std::vector<NpyArray> &batch =
        batches->count == 1 ? batches->arrays : sliced;
    SmallVector<const NpyArray *> args;
    for (NpyArray &a : batch)
      args.push_back(&a);
    if (llvm::Error e = run(args)) {
      std::string where = path.str();
      if (batches->count != 1)
        where += " (batch " + std::to_string(i) + ")";
      return llvm::createStringError(where + ": " +
                                     llvm::toString(std::move(e)));
    }
    llvm::Expected<bool> goOn = onBatch();
    if (!goOn)
      return goOn.takeError();
    if (!*goOn)
      break;
  }
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
