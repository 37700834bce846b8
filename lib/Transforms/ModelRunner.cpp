//===- ModelRunner.cpp - how passes run the model they transform ----------===//

#include "EqQuant/Transforms/ModelRunner.h"
#include "EqQuant/Dialect/EqqDialect.h"

using namespace mlir;
using namespace mlir::eqq;

MLIR_DEFINE_EXPLICIT_TYPE_ID(mlir::eqq::EqqModelRunnerInterface)

InstrumentedRunner::~InstrumentedRunner() = default;

llvm::Error InstrumentedRunner::runBatches(
    StringRef path, llvm::function_ref<llvm::Expected<bool>()> onBatch) {
  if (llvm::Error e = runBatch(path))
    return e;
  llvm::Expected<bool> goOn = onBatch();
  return goOn ? llvm::Error::success() : goOn.takeError();
}

llvm::Error
mlir::eqq::runFile(InstrumentedRunner &runner, StringRef path, bool stacked,
                   llvm::function_ref<llvm::Expected<bool>()> onBatch) {
  if (stacked)
    return runner.runBatches(path, onBatch);
  return runner.InstrumentedRunner::runBatches(path, onBatch);
}

llvm::Expected<std::unique_ptr<InstrumentedRunner>>
mlir::eqq::compileInstrumented(ModuleOp module, StringRef entry,
                               InstrumentFn instrument) {
  auto *dialect = module.getContext()->getOrLoadDialect<EqqDialect>();
  auto *runner = dialect->getRegisteredInterface<EqqModelRunnerInterface>();
  if (!runner)
    return llvm::createStringError(
        "running the model needs a model runner, and none is registered: "
        "link EqQuant's execution library (EqQuantRuntime) and call "
        "mlir::eqq::registerModelRunner (or mlir::eqq::registerAllDialects) "
        "on the context's DialectRegistry");
  return runner->compileInstrumented(module, entry, instrument);
}
