//===- ModelRunner.h - how passes run the model they transform --*- C++ -*-===//
//
// `--eqq-calibrate` and `--eqq-convert` with `auto-alpha` need the values a
// model computes on data. The transforms do not compile or run code
// themselves: they ask the eqq dialect for an EqqModelRunnerInterface, which
// the execution library (EqQuantRuntime, `registerModelRunner`) attaches
// through a DialectRegistry extension. A host that links the transforms
// alone gets a clear error from those passes instead of a JIT.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_TRANSFORMS_MODELRUNNER_H
#define EQQUANT_TRANSFORMS_MODELRUNNER_H

#include "EqQuant/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectInterface.h"
#include "mlir/Support/TypeID.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace mlir::eqq {

/// Picks the values of an entry function (a clone's) that a run returns
/// after its results, and may add ops computing them.
using InstrumentFn =
    llvm::function_ref<llvm::SmallVector<Value>(func::FuncOp entry)>;

/// A compiled instrumented clone of a module: its entry returns, after its
/// own results, the values an InstrumentFn picked.
class InstrumentedRunner {
public:
  virtual ~InstrumentedRunner();

  /// Reads one batch (a .npy file for a one-argument entry, else a
  /// directory of arg<i>.npy), checks it against the entry's arguments and
  /// for non-finite values, and runs the entry on it; errors name the file.
  virtual llvm::Error runBatch(llvm::StringRef path) = 0;

  /// Runs the entry on each batch `path` holds and calls `onBatch` after
  /// each run, while getPickedResults() holds its values; stops when
  /// `onBatch` returns false or an error (which it returns). A file (each
  /// arg<i>.npy of a directory alike) may hold k batches one after another
  /// along its first dimension, k times the argument's leading size. This
  /// default runs runBatch(path) once: a runner that reads stacked batches
  /// overrides it.
  virtual llvm::Error
  runBatches(llvm::StringRef path,
             llvm::function_ref<llvm::Expected<bool>()> onBatch);

  /// What the last run returned for the picked values, in their order.
  virtual llvm::ArrayRef<NpyArray> getPickedResults() const = 0;
};

/// Runs `runner` on the batches of `path` and calls `onBatch` after each:
/// runBatches when `stacked` (a file may stack several), else runBatch (one
/// batch of the arguments' types).
llvm::Error runFile(InstrumentedRunner &runner, llvm::StringRef path,
                    bool stacked,
                    llvm::function_ref<llvm::Expected<bool>()> onBatch);

/// Compiles instrumented clones of modules; attached to the eqq dialect by
/// the execution library.
class EqqModelRunnerInterface
    : public DialectInterface::Base<EqqModelRunnerInterface> {
public:
  EqqModelRunnerInterface(Dialect *dialect) : Base(dialect) {}

  /// Clones `module`, lets `instrument` pick values of the clone's function
  /// `entry`, and compiles the clone (the original is not changed).
  virtual llvm::Expected<std::unique_ptr<InstrumentedRunner>>
  compileInstrumented(ModuleOp module, llvm::StringRef entry,
                      InstrumentFn instrument) const = 0;
};

/// Compiles an instrumented clone of `module` with the runner registered on
/// the eqq dialect of its context; an error saying what to link and
/// register when there is none.
llvm::Expected<std::unique_ptr<InstrumentedRunner>>
compileInstrumented(ModuleOp module, llvm::StringRef entry,
                    InstrumentFn instrument);

} // namespace mlir::eqq

MLIR_DECLARE_EXPLICIT_TYPE_ID(mlir::eqq::EqqModelRunnerInterface)

#endif // EQQUANT_TRANSFORMS_MODELRUNNER_H
