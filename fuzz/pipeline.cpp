//===- pipeline.cpp - libFuzzer target: prepare, convert and lower --------===//
//
// Parses the input as MLIR with every dialect eq-opt knows. When it parses
// and verifies, runs what
//
//   eq-opt IN --eqq-prepare --eqq-convert=quantize=false --eqq-lower-to-llvm
//
// runs, and when that fails (equalizing needs statistics, which a float
// model has not), what `eq-opt IN --eqq-lower-to-llvm` runs. When the input
// already holds eqq ops (a prepared module), it runs
//
//   eq-opt IN --eqq-convert[=quantize=false] --eqq-lower-to-llvm
//
// quantizing when an activation observer of the input holds statistics (the
// seeds include calibrated modules). Failures with diagnostics are expected
// (and swallowed). A pass that succeeds but leaves IR that does not verify
// is a finding: the target aborts, naming the pass.
//
// Skipped inputs:
// * a static tensor or memref of more than kMaxElements elements: compiling
//   a model costs time and memory proportional to the size of its constants,
//   which a few bytes of splat can make arbitrary;
// * `dimensions =` or `permutation =` not followed by a plain integer array:
//   MLIR 22's parsers of linalg.broadcast, linalg.transpose and linalg.reduce
//   store a null attribute when that array does not parse, and crash (e.g.
//   `mlir-opt-22` on `linalg.broadcast ins(...) outs(...) dimensions = [0`).
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace mlir;

static constexpr int64_t kMaxElements = 1 << 16;

static DialectRegistry *registry;

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  eqq::registerAllPasses();
  registry = new DialectRegistry(); // Owned until the process exits.
  registerAllDialects(*registry);
  registerAllExtensions(*registry);
  eqq::registerAllDialects(*registry);
  return 0;
}

namespace {
/// Verifies the IR after each pass that succeeded; IR that does not verify
/// aborts, naming the pass and the first diagnostic.
struct VerifyAfterEachPass : PassInstrumentation {
  explicit VerifyAfterEachPass(std::string &firstDiagnostic)
      : firstDiagnostic(firstDiagnostic) {}
  void runAfterPass(Pass *pass, Operation *op) override {
    firstDiagnostic.clear();
    if (succeeded(verify(op)))
      return;
    llvm::errs() << "pipeline fuzzer: the IR does not verify after the pass '"
                 << pass->getName() << "': " << firstDiagnostic << '\n';
    std::abort();
  }
  std::string &firstDiagnostic;
};
} // namespace

/// Whether a static shaped type in `module` has more than kMaxElements.
static bool hasLargeTensor(ModuleOp module) {
  auto isLarge = [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && shaped.hasStaticShape() &&
           shaped.getNumElements() > kMaxElements;
  };
  WalkResult result = module->walk([&](Operation *op) {
    for (Type type : op->getResultTypes())
      if (isLarge(type))
        return WalkResult::interrupt();
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          if (isLarge(arg.getType()))
            return WalkResult::interrupt();
    for (NamedAttribute attr : op->getAttrs()) {
      if (auto typed = dyn_cast<TypedAttr>(attr.getValue()))
        if (isLarge(typed.getType()))
          return WalkResult::interrupt();
      if (auto type = dyn_cast<TypeAttr>(attr.getValue()))
        if (auto fn = dyn_cast<FunctionType>(type.getValue()))
          if (llvm::any_of(fn.getInputs(), isLarge) ||
              llvm::any_of(fn.getResults(), isLarge))
            return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Whether `dimensions` or `permutation`, then `=`, is followed by anything
/// but `[` integers separated by commas `]` (see the file comment).
static bool hasMalformedIndexArray(llvm::StringRef text) {
  for (llvm::StringRef key : {"dimensions", "permutation"}) {
    for (size_t at = text.find(key); at != llvm::StringRef::npos;
         at = text.find(key, at + 1)) {
      llvm::StringRef rest = text.drop_front(at + key.size()).ltrim();
      if (!rest.consume_front("="))
        continue;
      rest = rest.ltrim();
      if (!rest.consume_front("["))
        return true;
      rest = rest.ltrim();
      if (rest.consume_front("]"))
        continue;
      while (true) {
        rest.consume_front("-");
        size_t digits = rest.find_first_not_of("0123456789");
        if (digits == 0 || digits > 18 || digits == llvm::StringRef::npos)
          return true;
        rest = rest.drop_front(digits).ltrim();
        if (rest.consume_front("]"))
          break;
        if (!rest.consume_front(","))
          return true;
        rest = rest.ltrim();
      }
    }
  }
  return false;
}

/// Runs `pipeline` on `module`, verifying after each pass.
static LogicalResult run(ModuleOp module, llvm::StringRef pipeline,
                         std::string &firstDiagnostic) {
  PassManager pm(module.getContext());
  pm.enableVerifier(false);
  pm.addInstrumentation(std::make_unique<VerifyAfterEachPass>(firstDiagnostic));
  if (failed(parsePassPipeline(pipeline, pm)))
    std::abort();
  return pm.run(module);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The parser reads the source up to a terminating NUL, as a file read by
  // eq-opt has; the fuzzer's buffer has none.
  std::string text(reinterpret_cast<const char *>(data), size);
  if (hasMalformedIndexArray(text))
    return -1; // Not added to the corpus.
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  std::string firstDiagnostic;
  ScopedDiagnosticHandler swallow(&context, [&](Diagnostic &diag) {
    if (firstDiagnostic.empty() &&
        diag.getSeverity() == DiagnosticSeverity::Error)
      firstDiagnostic = diag.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  if (!module)
    return 0;
  if (hasLargeTensor(*module))
    return -1; // Not added to the corpus.

  bool prepared = false, calibrated = false;
  module->walk([&](Operation *op) {
    if (isa<eqq::EqqDialect>(op->getDialect()))
      prepared = true;
    if (auto obs = dyn_cast<eqq::ActObserverOp>(op))
      calibrated |= obs.isCalibrated();
  });
  std::string pipeline = prepared ? "" : "eqq-prepare,";
  pipeline += calibrated ? "eqq-convert," : "eqq-convert{quantize=false},";
  pipeline += "eqq-lower-to-llvm";
  if (prepared) {
    (void)run(*module, pipeline, firstDiagnostic);
    return 0;
  }
  OwningOpRef<ModuleOp> original = module->clone();
  if (failed(run(*module, pipeline, firstDiagnostic)))
    (void)run(*original, "eqq-lower-to-llvm", firstDiagnostic);
  return 0;
}
