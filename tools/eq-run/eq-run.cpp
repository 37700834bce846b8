//===- eq-run.cpp - run an EqQuant module in the JIT ----------------------===//
//
//   eq-run IN.mlir --input X.npy [--input Y.npy ...] [--output OUT.npy ...]
//          [--entry forward] [--benchmark N] [--num-threads N] [--isa NAME]
//   eq-run --compare FLOAT.mlir QUANT.mlir --input X.npy [...] [--json]
//
// JIT-compiles the entry function of a module at any stage (float, prepared,
// calibrated, converted, or already lowered to the LLVM dialect) and runs it
// on NumPy arrays (with --stacked, each input may hold k batches of its
// argument stacked along the first dimension: the results stack alike). With
// --compare, runs a float model and its quantized model and prints the SQNR
// of each layer's output (interface section 6).
//
//===----------------------------------------------------------------------===//

#include "EqQuant/CodeGen/Pipelines.h"
#include "EqQuant/InitAll.h"
#include "EqQuant/Runtime/Compare.h"
#include "EqQuant/Runtime/Execution.h"
#include "EqQuant/Runtime/Jit.h"
#include "EqQuant/Support/Npy.h"

#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::eqq;

/// eq-run's own options, the only ones --help lists (the LLVM libraries it
/// links register a few hundred more, which --help-hidden still shows).
static llvm::cl::OptionCategory eqRunCategory("eq-run options");

static llvm::cl::list<std::string>
    moduleFiles(llvm::cl::Positional, llvm::cl::cat(eqRunCategory),
                llvm::cl::desc("<module.mlir> (with --compare: <float.mlir> "
                               "<quantized.mlir>)"),
                llvm::cl::OneOrMore);
static llvm::cl::list<std::string>
    inputs("input", llvm::cl::cat(eqRunCategory),
           llvm::cl::desc("A .npy file per argument, in order"),
           llvm::cl::value_desc("file.npy"));
static llvm::cl::opt<bool> stackedInputs(
    "stacked", llvm::cl::cat(eqRunCategory),
    llvm::cl::desc("Each --input may stack k batches of its argument along "
                   "its first dimension: they run in turn, their results "
                   "stacked alike"));
static llvm::cl::list<std::string>
    outputs("output", llvm::cl::cat(eqRunCategory),
            llvm::cl::desc("A .npy file per result, in order"),
            llvm::cl::value_desc("file.npy"));
static llvm::cl::opt<std::string>
    entry("entry", llvm::cl::cat(eqRunCategory),
          llvm::cl::desc("The function to run (default: forward)"),
          llvm::cl::init("forward"));
static llvm::cl::opt<unsigned> benchmark(
    "benchmark", llvm::cl::cat(eqRunCategory),
    llvm::cl::desc("Run N times after one warm-up call and print timings as "
                   "one JSON line"),
    llvm::cl::init(0));

static llvm::cl::opt<bool> compare(
    "compare", llvm::cl::cat(eqRunCategory),
    llvm::cl::desc("Run a float model and its quantized model on the inputs "
                   "and print each layer's SQNR (quantized vs float)"));
static llvm::cl::opt<bool>
    printJson("json", llvm::cl::cat(eqRunCategory),
              llvm::cl::desc("With --compare: print one JSON object "
                             "{\"layers\": [...]} instead of a table"));

static llvm::cl::opt<unsigned>
    threads("num-threads", llvm::cl::cat(eqRunCategory),
            llvm::cl::desc("Threads of the int8 kernels (--eqq-lower-to-llvm "
                           "threads=; default 0: every core)"),
            llvm::cl::init(0));
static llvm::cl::opt<Int8Isa>
    isaName("isa", llvm::cl::cat(eqRunCategory),
            llvm::cl::desc("int8 dot-product instructions (--eqq-lower-to-llvm "
                           "isa=)"),
            llvm::cl::init(Int8Isa::host), int8IsaValues());

using Clock = std::chrono::steady_clock;

static double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

static int fail(const llvm::Twine &message) {
  llvm::errs() << "eq-run: error: " << message << "\n";
  return 1;
}

static int fail(llvm::Error error) {
  return fail(llvm::toString(std::move(error)));
}

/// Prints a short summary of an output array that is not saved to a file.
static void printSummary(unsigned index, const NpyArray &array) {
  llvm::outs() << "result " << index << ": " << array.getTypeString();
  if (array.getDType() == NpyDType::F32) {
    ArrayRef<float> v = array.getValues<float>();
    llvm::outs() << " [";
    for (size_t i = 0, e = std::min<size_t>(v.size(), 8); i < e; ++i)
      llvm::outs() << (i ? ", " : "") << v[i];
    llvm::outs() << (v.size() > 8 ? ", ...]" : "]");
  }
  llvm::outs() << "\n";
}

/// Reads the --input files, checked against the entry's arguments; with
/// --stacked each may stack k batches of its argument along its first
/// dimension (the same k for every file), which `batches` receives (1: the
/// arguments' types).
static llvm::Expected<std::vector<NpyArray>>
readInputs(const EntrySignature &signature, int64_t &batches) {
  if (inputs.size() != signature.inputs.size())
    return llvm::createStringError(
        "@" + entry + " takes " + std::to_string(signature.inputs.size()) +
        " argument(s), got " + std::to_string(inputs.size()) +
        " --input file(s)");
  std::vector<NpyArray> args;
  for (auto [i, path] : llvm::enumerate(inputs)) {
    llvm::Expected<NpyArray> array = readNpy(path);
    if (!array)
      return array.takeError();
    const TensorSpec &spec = signature.inputs[i];
    std::string name =
        path + " (argument " + std::to_string(i) + " of @" + entry + ")";
    llvm::Expected<int64_t> stacked =
        countStackedBatches(*array, spec, name, stackedInputs);
    if (!stacked)
      return stacked.takeError();
    int64_t count = *stacked;
    if (i == 0)
      batches = count;
    else if (count != batches)
      return llvm::createStringError(
          path + " stacks " + std::to_string(count) +
          " batch(es) of argument " + std::to_string(i) + " of @" + entry +
          ", but " + inputs[0] + " stacks " + std::to_string(batches) +
          " of argument 0: every --input file must stack as many");
    // Quantizing NaN or Inf has no defined result.
    if (spec.mustBeFinite)
      if (llvm::Error e = checkNpyFinite(*array, path, "inputs must be finite"))
        return std::move(e);
    args.push_back(std::move(*array));
  }
  return args;
}

/// A finite SQNR with two decimals, else "inf", "-inf" or "nan".
static std::string formatSqnr(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  return llvm::formatv("{0:F2}", v).str();
}

/// eq-run --compare FLOAT QUANT: the per-layer SQNR report.
static int runCompare(ModuleOp floatModule, ModuleOp quantizedModule) {
  StringRef floatFile = moduleFiles[0], quantizedFile = moduleFiles[1];
  for (auto [module, file] : {std::pair(floatModule, floatFile),
                              std::pair(quantizedModule, quantizedFile)}) {
    auto func = module.lookupSymbol<func::FuncOp>(entry);
    if (!func || func.isExternal())
      return fail(file + ": no func.func @" + entry +
                  " with a body (--compare reads modules before "
                  "--eqq-lower-to-llvm)");
  }
  llvm::Expected<EntrySignature> floatSig =
      getEntrySignature(floatModule, entry);
  if (!floatSig)
    return fail(floatFile + ": " + llvm::toString(floatSig.takeError()));
  llvm::Expected<EntrySignature> quantizedSig =
      getEntrySignature(quantizedModule, entry);
  if (!quantizedSig)
    return fail(quantizedFile + ": " +
                llvm::toString(quantizedSig.takeError()));
  auto describe = [](ArrayRef<TensorSpec> specs) {
    std::string s;
    for (const TensorSpec &spec : specs)
      s += (s.empty() ? "" : ", ") + spec.str();
    return "(" + s + ")";
  };
  if (describe(floatSig->inputs) != describe(quantizedSig->inputs))
    return fail("@" + entry + " takes " + describe(floatSig->inputs) + " in " +
                floatFile + " but " + describe(quantizedSig->inputs) + " in " +
                quantizedFile);
  int64_t batches = 1;
  llvm::Expected<std::vector<NpyArray>> args = readInputs(*floatSig, batches);
  if (!args)
    return fail(args.takeError());
  if (batches != 1)
    return fail("--compare takes one batch of @" + entry + "'s arguments; " +
                inputs[0] + " stacks " + llvm::Twine(batches));
  SmallVector<const NpyArray *> argPtrs;
  for (NpyArray &a : *args)
    argPtrs.push_back(&a);

  LowerToLLVMOptions lowering;
  lowering.threads = threads;
  lowering.isa = isaName;
  llvm::Expected<LayerComparison> result =
      compareLayers(floatModule, quantizedModule, entry, argPtrs, lowering);
  if (!result)
    return fail(result.takeError());
  for (const std::string &name : result->onlyInFloat)
    llvm::errs() << "eq-run: warning: layer '" << name << "' is only in "
                 << floatFile << "; skipped\n";
  for (const std::string &name : result->onlyInQuantized)
    llvm::errs() << "eq-run: warning: layer '" << name << "' is only in "
                 << quantizedFile << "; skipped\n";
  if (!result->normInOneModel.empty())
    llvm::errs() << "eq-run: warning: " << result->normInOneModel.size()
                 << " layer(s) ('" << result->normInOneModel.front()
                 << "' first) are followed by a batch norm in one model and "
                    "have it folded in the other: their SQNR compares "
                    "values before and after the norm; compare models that "
                    "both went through --eqq-fold-batchnorm (or neither)\n";
  if (result->layers.empty())
    return fail(floatFile + " and " + quantizedFile +
                " have no layer in common (layers are matched by name)");

  if (printJson) {
    writeSqnrFile(llvm::outs(), result->layers);
    return 0;
  }
  size_t width = 5;
  for (const LayerSqnr &l : result->layers)
    width = std::max(width, l.name.size());
  llvm::outs() << llvm::formatv(
      "{0} {1,9}\n", llvm::left_justify("layer", width), "SQNR (dB)");
  for (const LayerSqnr &l : result->layers)
    llvm::outs() << llvm::formatv(
        "{0} {1,9}\n", llvm::left_justify(l.name, width), formatSqnr(l.sqnrDb));
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(eqRunCategory);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "EqQuant runner: JIT-compile and run a model on .npy files\n");
  mlir::eqq::keepFreedMemoryForReuse();

  if (compare) {
    if (moduleFiles.size() != 2)
      return fail("--compare takes two modules: FLOAT.mlir QUANT.mlir");
    if (!outputs.empty() || benchmark > 0)
      return fail("--output and --benchmark do not go with --compare");
  } else {
    if (moduleFiles.size() != 1)
      return fail("one module expected (two with --compare)");
    if (printJson)
      return fail("--json goes with --compare");
  }

  DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  eqq::registerAllDialects(registry);
  registerLLVMTranslations(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  // Diagnostics load the files they point into; each module is parsed from
  // a source manager of its own. A bytecode module's resource blobs point
  // into its mapped file (the parser keeps the file for them: reading them
  // in place rather than copying them kept resnet50's float module from
  // counting its 98 MB of weights twice), and its source manager outlives
  // it; a text file is released once parsed (resnet18's float module is
  // 94 MB of text, which otherwise stayed mapped through compiling and
  // running).
  llvm::SourceMgr diagnosticsMgr;
  SourceMgrDiagnosticHandler handler(diagnosticsMgr, &context);
  SmallVector<std::shared_ptr<llvm::SourceMgr>, 2> sourceMgrs;
  SmallVector<OwningOpRef<ModuleOp>, 2> modules;
  for (const std::string &path : moduleFiles) {
    std::string errorMessage;
    std::unique_ptr<llvm::MemoryBuffer> file =
        openInputFile(path, &errorMessage);
    if (!file)
      return fail(errorMessage);
    bool bytecode = isBytecode(file->getMemBufferRef());
    auto sourceMgr = std::make_shared<llvm::SourceMgr>();
    sourceMgr->AddNewSourceBuffer(std::move(file), SMLoc());
    OwningOpRef<ModuleOp> module =
        parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
    if (!module)
      return 1;
    modules.push_back(std::move(module));
    if (bytecode)
      sourceMgrs.push_back(std::move(sourceMgr));
  }
  if (compare)
    return runCompare(*modules[0], *modules[1]);
  ModuleOp module = *modules[0];
  StringRef inputFile = moduleFiles[0];

  // The signature is read before lowering, from the tensor types.
  llvm::Expected<EntrySignature> signature = getEntrySignature(module, entry);
  if (!signature)
    return fail(inputFile + ": " + llvm::toString(signature.takeError()));

  if (!outputs.empty() && outputs.size() != signature->outputs.size())
    return fail("@" + entry + " returns " +
                llvm::Twine(signature->outputs.size()) + " result(s), got " +
                llvm::Twine(outputs.size()) + " --output file(s)");

  int64_t batches = 1;
  llvm::Expected<std::vector<NpyArray>> args = readInputs(*signature, batches);
  if (!args)
    return fail(args.takeError());
  // Stacked batches stack their results: each result needs a first
  // dimension.
  if (batches != 1)
    for (auto [i, spec] : llvm::enumerate(signature->outputs))
      if (spec.shape.empty())
        return fail("the inputs stack " + llvm::Twine(batches) +
                    " batches, but result " + llvm::Twine(i) + " of @" + entry +
                    " is a scalar, which has no first dimension to stack "
                    "them along");

  Clock::time_point compileStart = Clock::now();
  LowerToLLVMOptions lowering;
  lowering.threads = threads;
  lowering.isa = isaName;
  llvm::Expected<std::unique_ptr<JitModule>> jit =
      compileModule(module, lowering);
  if (!jit)
    return fail(jit.takeError());
  double compileMs = msSince(compileStart);

  std::vector<NpyArray> results;
  for (const TensorSpec &spec : signature->outputs)
    results.emplace_back(spec.dtype, spec.shape);
  // One batch's arguments: the inputs, or batch b's slices of them.
  std::vector<NpyArray> sliced;
  SmallVector<const NpyArray *> argPtrs;
  auto selectBatch = [&](int64_t b) {
    argPtrs.clear();
    if (batches == 1) {
      for (NpyArray &a : *args)
        argPtrs.push_back(&a);
      return;
    }
    sliced.clear();
    for (NpyArray &a : *args)
      sliced.push_back(sliceStackedBatch(a, batches, b));
    for (NpyArray &a : sliced)
      argPtrs.push_back(&a);
  };
  SmallVector<NpyArray *> resultPtrs;
  for (NpyArray &r : results)
    resultPtrs.push_back(&r);

  auto run = [&]() {
    return (*jit)->invoke(entry, *signature, argPtrs, resultPtrs);
  };
  // Each batch in turn, its results stacked in the same order (one batch:
  // the results themselves).
  std::vector<NpyArray> stacked;
  if (batches != 1)
    for (const TensorSpec &spec : signature->outputs) {
      SmallVector<int64_t> shape(spec.shape);
      shape[0] *= batches;
      stacked.emplace_back(spec.dtype, shape);
    }
  for (int64_t b = 0; b < batches; ++b) {
    selectBatch(b);
    if (llvm::Error e = run()) {
      if (batches == 1)
        return fail(std::move(e));
      return fail("batch " + llvm::Twine(b) + ": " +
                  llvm::toString(std::move(e)));
    }
    for (auto [r, s] : llvm::zip(results, stacked)) {
      size_t bytes = r.getNumBytes();
      llvm::copy(r.getBytes(), s.getMutableBytes().begin() + b * bytes);
    }
  }
  std::vector<NpyArray> &outputValues = batches == 1 ? results : stacked;
  // The benchmark times the first batch.
  selectBatch(0);

  if (benchmark > 0) {
    std::vector<double> times;
    for (unsigned i = 0; i < benchmark; ++i) {
      Clock::time_point start = Clock::now();
      if (llvm::Error e = run())
        return fail(std::move(e));
      times.push_back(msSince(start));
    }
    std::sort(times.begin(), times.end());
    double median =
        times.size() % 2
            ? times[times.size() / 2]
            : 0.5 * (times[times.size() / 2 - 1] + times[times.size() / 2]);
    llvm::outs() << llvm::formatv(
        "{{\"runs\": {0}, \"median_ms\": {1:F4}, \"min_ms\": {2:F4}, "
        "\"compile_ms\": {3:F2}}\n",
        benchmark.getValue(), median, times.front(), compileMs);
  }

  for (auto [i, path] : llvm::enumerate(outputs))
    if (llvm::Error e = writeNpy(path, outputValues[i]))
      return fail(std::move(e));
  if (outputs.empty() && benchmark == 0)
    for (auto [i, r] : llvm::enumerate(outputValues))
      printSummary(i, r);
  return 0;
}
