//===- recipe.cpp - libFuzzer target: the recipe reader of --eqq-convert --===//
//
// Reads the input with the recipe reader (mlir::eqq::parseRecipe, no pass,
// no module). An input it accepts is then applied: written to a file and
// given to `--eqq-convert="recipe-in=FILE"` (quantizing, then with
// quantize=false) on a fixed prepared module, two linear layers with a relu
// between them, so that the second one's scale folds into the first; that
// checks the recipe against the module. Failures with diagnostics are
// expected; the diagnostics are swallowed.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Recipe.h"
#include "EqQuant/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace mlir;

/// test/Transforms/Inputs/calibrate/linear.mlir followed by a relu and a
/// second linear layer.
static constexpr llvm::StringLiteral kModel = R"mlir(
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 0.0, -1.0]]> : tensor<4x3xf32>
  %b = arith.constant dense<[0.5, 0.5, 0.5, -20.0]> : tensor<4xf32>
  %w2 = arith.constant dense<[[1.0, -2.0, 0.5, 4.0], [0.25, 3.0, -1.0, 2.0]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %init = linalg.broadcast ins(%b : tensor<4xf32>) outs(%e : tensor<2x4xf32>) dimensions = [0]
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x3xf32>, tensor<4x3xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc")
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x2xf32>
  %init2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
          ins(%r, %w2 : tensor<2x4xf32>, tensor<2x4xf32>) outs(%init2 : tensor<2x2xf32>) -> tensor<2x2xf32> loc("fc2")
  return %y2 : tensor<2x2xf32>
}
)mlir";

static DialectRegistry *registry;
/// The prepared model, printed; each input parses it into a new context.
static std::string prepared;
static std::string recipePath;

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  eqq::registerAllPasses();
  registry = new DialectRegistry(); // Owned until the process exits.
  eqq::registerAllDialects(*registry);
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModel, &context);
  PassManager pm(&context);
  if (!module || failed(parsePassPipeline("eqq-prepare", pm)) ||
      failed(pm.run(*module))) {
    llvm::errs() << "recipe fuzzer: cannot prepare the model\n";
    std::abort();
  }
  llvm::raw_string_ostream os(prepared);
  module->print(os);

  llvm::SmallString<128> path;
  if (llvm::sys::fs::createTemporaryFile("eqq-fuzz-recipe", "json", path)) {
    llvm::errs() << "recipe fuzzer: cannot create a temporary file\n";
    std::abort();
  }
  recipePath = path.str().str();
  std::atexit([] {
    if (std::error_code ec = llvm::sys::fs::remove(recipePath))
      llvm::errs() << "recipe fuzzer: cannot remove " << recipePath << ": "
                   << ec.message() << '\n';
  });
  return 0;
}

/// Runs --eqq-convert with `options` on the prepared module.
static void convert(MLIRContext &context, llvm::StringRef options) {
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(prepared, &context);
  PassManager pm(&context);
  std::string pipeline =
      ("eqq-convert{recipe-in=" + recipePath + " " + options + "}").str();
  if (!module || failed(parsePassPipeline(pipeline, pm)))
    std::abort();
  (void)pm.run(*module);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  eqq::RecipeError error;
  if (failed(eqq::parseRecipe(text, error))) {
    // A rejected recipe says where and why.
    if (error.message.empty())
      std::abort();
    return 0;
  }
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(recipePath, ec);
    if (ec)
      std::abort();
    os.write(reinterpret_cast<const char *>(data), size);
  }
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler swallow(&context,
                                  [](Diagnostic &) { return success(); });
  convert(context, "quantize=true");
  convert(context, "quantize=false");
  return 0;
}
