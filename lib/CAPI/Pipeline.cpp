//===- Pipeline.cpp - C API: run an EqQuant pipeline on a module ----------===//

#include "EqQuant-c/Pipeline.h"
#include "EqQuant-c/Passes.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

using namespace mlir;

/// Prints a diagnostic's location as `FILE:LINE:COL` when it has one (as a
/// name location around it, or fused with others), else as MLIR prints it.
static void printLocation(llvm::raw_ostream &os, Location loc) {
  if (auto file = loc->findInstanceOf<FileLineColLoc>())
    os << file.getFilename().getValue() << ':' << file.getLine() << ':'
       << file.getColumn();
  else
    os << loc;
}

/// Prints `diag` and its notes, one line each: `LOCATION: error: MESSAGE`.
static void printDiagnostic(llvm::raw_ostream &os, Diagnostic &diag) {
  if (!isa<UnknownLoc>(diag.getLocation())) {
    printLocation(os, diag.getLocation());
    os << ": ";
  }
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  }
  os << diag << '\n';
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(os, note);
}

MlirLogicalResult mlirEqQuantRunPipeline(MlirModule module,
                                         MlirStringRef pipeline,
                                         MlirStringCallback errorCallback,
                                         void *userData) {
  mlirEqQuantRegisterAllPasses();
  ModuleOp moduleOp = unwrap(module);
  MLIRContext *context = moduleOp.getContext();

  // A bare list of passes runs on the module.
  llvm::StringRef text = unwrap(pipeline).trim();
  std::string anchored = text.starts_with("builtin.module(")
                             ? text.str()
                             : ("builtin.module(" + text + ")").str();
  std::string parseError;
  llvm::raw_string_ostream parseErrorStream(parseError);
  parseErrorStream << "error: invalid pass pipeline '" << unwrap(pipeline)
                   << "'\n";
  FailureOr<OpPassManager> parsed =
      parsePassPipeline(anchored, parseErrorStream);
  if (failed(parsed)) {
    if (!llvm::StringRef(parseError).ends_with("\n"))
      parseErrorStream << '\n';
    if (errorCallback)
      errorCallback(wrap(parseError), userData);
    else
      llvm::errs() << parseError;
    return wrap(failure());
  }
  PassManager pm(context);
  static_cast<OpPassManager &>(pm) = std::move(*parsed);

  // Errors go to the callback, everything else to the context's handlers.
  std::string errors;
  std::optional<ScopedDiagnosticHandler> capture;
  if (errorCallback)
    capture.emplace(context, [&](Diagnostic &diag) -> LogicalResult {
      if (diag.getSeverity() != DiagnosticSeverity::Error)
        return failure();
      llvm::raw_string_ostream os(errors);
      printDiagnostic(os, diag);
      return success();
    });
  LogicalResult result = pm.run(moduleOp);
  capture.reset();

  if (errorCallback) {
    if (failed(result) && errors.empty())
      errors = "error: the pass pipeline failed\n";
    if (!errors.empty())
      errorCallback(wrap(errors), userData);
  }
  return wrap(result);
}
