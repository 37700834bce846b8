//===- CompileObjects.cpp - LLVM IR to object files on several threads ---===//

#include "EqQuant/Runtime/CompileObjects.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Instruction.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <algorithm>
#include <string>
#include <thread>

using namespace llvm;

static Expected<std::unique_ptr<MemoryBuffer>>
optimizeAndCompile(Module &module, orc::JITTargetMachineBuilder target,
                   unsigned optLevel) {
  target.setCodeGenOptLevel(optLevel >= 3   ? CodeGenOptLevel::Aggressive
                            : optLevel == 2 ? CodeGenOptLevel::Default
                            : optLevel == 1 ? CodeGenOptLevel::Less
                                            : CodeGenOptLevel::None);
  // A target machine per part: they are not shared across threads.
  auto tm = target.createTargetMachine();
  if (!tm)
    return tm.takeError();
  if (Error error = mlir::makeOptimizingTransformer(
          std::min(optLevel, 3u), /*sizeLevel=*/0, tm->get())(&module))
    return std::move(error);
  orc::SimpleCompiler compiler(**tm);
  return compiler(module);
}

/// The functions whose code uses `value`, through constant expressions;
/// `byGlobal` is set when a global's initializer uses it.
static void collectUsers(const Value *value,
                         SmallPtrSetImpl<const Function *> &functions,
                         bool &byGlobal) {
  for (const User *user : value->users()) {
    if (auto *inst = dyn_cast<Instruction>(user))
      functions.insert(inst->getFunction());
    else if (isa<GlobalValue>(user))
      byGlobal = true;
    else if (isa<Constant>(user))
      collectUsers(user, functions, byGlobal);
  }
}

Expected<SmallVector<std::unique_ptr<MemoryBuffer>>> mlir::eqq::compileObjects(
    Module &module, const orc::JITTargetMachineBuilder &target,
    unsigned threads, unsigned minInstructionsPerPart, unsigned optLevel) {
  SmallVector<Function *> functions;
  uint64_t instructions = 0;
  for (Function &f : module)
    if (!f.isDeclaration()) {
      functions.push_back(&f);
      instructions += f.getInstructionCount();
    }
  unsigned parts = std::min<uint64_t>(
      {threads, instructions / std::max(1u, minInstructionsPerPart),
       functions.size()});
  SmallVector<std::unique_ptr<MemoryBuffer>> objects;
  // Aliases and ifuncs are not dealt out; a module with them stays whole.
  if (parts <= 1 || !module.alias_empty() || !module.ifunc_empty()) {
    auto object = optimizeAndCompile(module, target, optLevel);
    if (!object)
      return object.takeError();
    objects.push_back(std::move(*object));
    return objects;
  }

  // Largest first (ties in module order), each to the part with the least
  // code so far.
  SmallVector<std::pair<uint64_t, unsigned>> order;
  for (auto [i, f] : llvm::enumerate(functions))
    order.emplace_back(f->getInstructionCount(), i);
  llvm::sort(order, [](auto a, auto b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  DenseMap<const GlobalValue *, unsigned> owner;
  SmallVector<uint64_t> load(parts, 0);
  for (auto [size, i] : order) {
    unsigned part = std::min_element(load.begin(), load.end()) - load.begin();
    owner[functions[i]] = part;
    load[part] += size;
  }
  // Parts link by name: unnamed values get one (LLVM makes it unique).
  for (GlobalValue &g : module.global_values())
    if (!g.hasName())
      g.setName("__eqq_unnamed");
  // Local constants are copied into every part (they have no identity to
  // keep); other variables live in the first part.
  constexpr unsigned kEveryPart = ~0u;
  for (GlobalVariable &g : module.globals())
    if (!g.isDeclaration())
      owner[&g] = g.isConstant() && g.hasLocalLinkage() ? kEveryPart : 0;

  // What one part defines and another uses: external, default visibility,
  // and not assumed local, so that code reaches it through the GOT and PLT
  // wherever the objects are loaded.
  for (auto &entry : owner) {
    const GlobalValue *global = entry.first;
    unsigned part = entry.second;
    if (part == kEveryPart)
      continue;
    SmallPtrSet<const Function *, 8> users;
    bool byGlobal = false;
    collectUsers(global, users, byGlobal);
    bool shared = byGlobal || llvm::any_of(users, [&](const Function *f) {
                    return owner.lookup(f) != part;
                  });
    if (!shared)
      continue;
    auto *g = const_cast<GlobalValue *>(global);
    if (g->hasLocalLinkage())
      g->setLinkage(GlobalValue::ExternalLinkage);
    g->setVisibility(GlobalValue::DefaultVisibility);
    g->setDSOLocal(false);
  }

  SmallVector<SmallVector<char, 0>> bitcode(parts);
  for (unsigned part = 0; part < parts; ++part) {
    ValueToValueMapTy map;
    std::unique_ptr<Module> clone =
        CloneModule(module, map, [&](const GlobalValue *g) {
          unsigned o = owner.lookup(g);
          return o == part || o == kEveryPart;
        });
    raw_svector_ostream os(bitcode[part]);
    WriteBitcodeToFile(*clone, os);
  }

  objects.resize(parts);
  SmallVector<std::string> errors(parts);
  auto compilePart = [&](unsigned part) {
    LLVMContext context;
    StringRef bytes(bitcode[part].data(), bitcode[part].size());
    auto parsed = parseBitcodeFile(MemoryBufferRef(bytes, "part"), context);
    if (!parsed) {
      errors[part] = toString(parsed.takeError());
      return;
    }
    auto object = optimizeAndCompile(**parsed, target, optLevel);
    if (!object)
      errors[part] = toString(object.takeError());
    else
      objects[part] = std::move(*object);
  };
  std::vector<std::thread> workers;
  for (unsigned part = 1; part < parts; ++part)
    workers.emplace_back(compilePart, part);
  compilePart(0);
  for (std::thread &worker : workers)
    worker.join();
  for (std::string &error : errors)
    if (!error.empty())
      return createStringError(error);
  return objects;
}
