//===- Jit.cpp - run a lowered EqQuant module in the JIT ------------------===//

#include "EqQuant/Runtime/Jit.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Runtime/CompileObjects.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#ifdef EQQ_HAVE_OPENMP
// NOLINTNEXTLINE(readability-identifier-naming): the OpenMP runtime's name.
extern "C" int omp_get_max_threads(void);
#endif

#include "llvm/ADT/STLExtras.h"
#include "llvm/ExecutionEngine/JITEventListener.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/Threading.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace mlir;
using namespace mlir::eqq;

void mlir::eqq::keepFreedMemoryForReuse() {
#ifdef __GLIBC__
  // Allocations up to glibc's largest mmap threshold (32 MB) come from the
  // heap, and up to 1 GB freed at its top stays there.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

int64_t TensorSpec::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string TensorSpec::str() const { return formatNpyType(dtype, shape); }

static std::optional<NpyDType> getDType(Type type) {
  if (type.isF32())
    return NpyDType::F32;
  if (type.isF64())
    return NpyDType::F64;
  if (type.isInteger(8))
    return type.isUnsignedInteger() ? NpyDType::U8 : NpyDType::I8;
  if (type.isInteger(32) && !type.isUnsignedInteger())
    return NpyDType::I32;
  if (type.isInteger(64) && !type.isUnsignedInteger())
    return NpyDType::I64;
  if (type.isInteger(1))
    return NpyDType::Bool;
  return std::nullopt;
}

/// Whether `arg` reaches an eqq.quantize or an observer through ops that
/// carry a NaN or Inf element to their results: reshapes, slices, pads,
/// transposes, concats, equalization scales and linalg ops without
/// reductions (elementwise and broadcasts). A reduction (softmax's sum, a
/// float matmul or conv) stops the search: it can absorb an Inf, as softmax
/// does an additive mask's -inf.
static bool isQuantizedOrObserved(BlockArgument arg) {
  SmallVector<Value> work{arg};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (Operation *user : v.getUsers()) {
      if (isa<QuantizeOp, ObserverOpInterface>(user))
        return true;
      auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
      if ((linalgOp && linalgOp.getNumReductionLoops() == 0) ||
          isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
              tensor::ExtractSliceOp, tensor::PadOp, tensor::ConcatOp,
              EqScaleOp>(user))
        llvm::append_range(work, user->getResults());
    }
  }
  return false;
}

llvm::Expected<EntrySignature> mlir::eqq::getEntrySignature(ModuleOp module,
                                                            StringRef entry) {
  SmallVector<Type> inputTypes, outputTypes;
  Operation *fn = module.lookupSymbol(entry);
  if (auto func = dyn_cast_or_null<func::FuncOp>(fn)) {
    if (func.isExternal())
      return llvm::createStringError(
          "@" + entry.str() +
          " is only declared in the module; a function "
          "with a body is needed to run it");
    llvm::append_range(inputTypes, func.getArgumentTypes());
    llvm::append_range(outputTypes, func.getResultTypes());
  } else if (fn) {
    // A lowered function: the signature recorded by --eqq-emit-c-interface.
    EqqDialect::InputTypesAttrHelper inputHelper(fn->getContext());
    EqqDialect::OutputTypesAttrHelper outputHelper(fn->getContext());
    ArrayAttr ins = inputHelper.getAttr(fn), outs = outputHelper.getAttr(fn);
    if (!ins || !outs)
      return llvm::createStringError(
          "@" + entry.str() + " records no tensor signature ('" +
          inputHelper.getNameStr().str() + "', '" +
          outputHelper.getNameStr().str() +
          "'); lower the module with --eqq-lower-to-llvm");
    for (auto [attrs, types] :
         {std::pair(ins, &inputTypes), std::pair(outs, &outputTypes)})
      for (Attribute a : attrs) {
        auto t = dyn_cast<TypeAttr>(a);
        if (!t)
          return llvm::createStringError("@" + entry.str() +
                                         ": malformed tensor signature");
        types->push_back(t.getValue());
      }
  } else {
    return llvm::createStringError("no function @" + entry.str() +
                                   " in the module");
  }

  EntrySignature sig;
  auto convert = [&](Type type, StringRef what, unsigned index,
                     SmallVectorImpl<TensorSpec> &out) -> llvm::Error {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::optional<NpyDType> dtype =
        tensor ? getDType(tensor.getElementType()) : std::nullopt;
    if (!tensor || !tensor.hasStaticShape() || !dtype) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << "@" << entry << ": " << what << " " << index << " has type " << type
         << "; expected a static-shaped tensor of f32, f64, i8, ui8, i32, "
            "i64 or i1";
      return llvm::createStringError(s);
    }
    out.push_back({*dtype, llvm::to_vector(tensor.getShape())});
    return llvm::Error::success();
  };
  for (auto [i, t] : llvm::enumerate(inputTypes))
    if (llvm::Error e = convert(t, "argument", i, sig.inputs))
      return std::move(e);
  if (auto func = dyn_cast<func::FuncOp>(fn))
    for (auto [spec, arg] : llvm::zip_equal(sig.inputs, func.getArguments()))
      spec.mustBeFinite = isQuantizedOrObserved(arg);
  for (auto [i, t] : llvm::enumerate(outputTypes))
    if (llvm::Error e = convert(t, "result", i, sig.outputs))
      return std::move(e);
  return sig;
}

void mlir::eqq::registerLLVMTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
}

JitModule::~JitModule() = default;

void JitModule::AlignedFree::operator()(char *p) const { std::free(p); }

/// The bytes of a global's constant value, row-major as the global lays
/// them out: dense data of byte-sized elements (not a splat) or a
/// dense_resource blob; empty for anything else.
static ArrayRef<char> getConstantBytes(LLVM::GlobalOp global) {
  Attribute value = global.getValueOrNull();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(value)) {
    Type element = dense.getElementType();
    if (dense.isSplat() || !element.isIntOrFloat() ||
        element.getIntOrFloatBitWidth() % 8)
      return {};
    return dense.getRawData();
  }
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(value))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  return {};
}

/// Moves the values of the module's large constant globals (weights,
/// packed weights) into buffers of `host` and leaves external declarations
/// in their place: LLVM then never holds them as constants (uniquing,
/// copying and emitting tens of megabytes of ConstantDataArrays was most of
/// a CNN's compile time and memory), and the code addresses them where
/// they are.
static void moveOutConstants(ModuleOp module,
                             SmallVectorImpl<JitModule::HostConstant> &host) {
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    if (!global.getConstant() ||
        global.getInitializerRegion().getBlocks().size())
      continue;
    ArrayRef<char> bytes = getConstantBytes(global);
    if (bytes.size() < JitModule::kHostConstantBytes)
      continue;
    uint64_t align = std::max<uint64_t>(64, global.getAlignment().value_or(1));
    JitModule::HostConstant constant{
        global.getSymName().str(), nullptr, {nullptr, {}}};
    // A blob (it lives as long as the context) aligned as asked is read in
    // place; anything else is copied into an aligned buffer.
    if (isa_and_nonnull<DenseResourceElementsAttr>(global.getValueOrNull()) &&
        reinterpret_cast<uintptr_t>(bytes.data()) % align == 0) {
      constant.address = bytes.data();
    } else {
      size_t size = llvm::alignTo(bytes.size(), align);
      constant.owned.reset(
          static_cast<char *>(std::aligned_alloc(align, size)));
      if (!constant.owned)
        continue;
      std::memcpy(constant.owned.get(), bytes.data(), bytes.size());
      constant.address = constant.owned.get();
    }
    global.removeValueAttr();
    global.setLinkage(LLVM::Linkage::External);
    global.setUnnamedAddr(LLVM::UnnamedAddr::None);
    // The buffer may lie anywhere: no PC-relative addressing.
    global.setDsoLocal(false);
    host.push_back(std::move(constant));
  }
}

/// Takes the module's global constructors out, in the order they run, and
/// makes each an external function the JIT can look up: the module is
/// compiled to objects that the JIT links itself, so nothing would run
/// them.
static llvm::Expected<SmallVector<std::string>>
takeConstructors(llvm::Module &module) {
  if (module.getGlobalVariable("llvm.global_dtors"))
    return llvm::createStringError(
        "the module has global destructors, which the JIT does not run");
  SmallVector<std::tuple<uint64_t, size_t, std::string>> ctors;
  if (llvm::GlobalVariable *list =
          module.getGlobalVariable("llvm.global_ctors")) {
    if (auto *entries = dyn_cast_or_null<llvm::ConstantArray>(
            list->hasInitializer() ? list->getInitializer() : nullptr))
      for (llvm::Value *entry : entries->operands()) {
        auto *fields = cast<llvm::ConstantStruct>(entry);
        auto *priority = cast<llvm::ConstantInt>(fields->getOperand(0));
        auto *fn = dyn_cast<llvm::Function>(
            fields->getOperand(1)->stripPointerCasts());
        if (!fn)
          continue;
        fn->setLinkage(llvm::GlobalValue::ExternalLinkage);
        fn->setVisibility(llvm::GlobalValue::DefaultVisibility);
        ctors.emplace_back(priority->getZExtValue(), ctors.size(),
                           fn->getName().str());
      }
    list->eraseFromParent();
  }
  llvm::sort(ctors);
  SmallVector<std::string> names;
  for (auto &ctor : ctors)
    names.push_back(std::get<2>(ctor));
  return names;
}

/// The packed form `_mlir_<name>(void **args)` of each
/// `_mlir_ciface_<name>` function: args holds a pointer to each argument.
static void addPackedWrappers(llvm::Module &module) {
  SmallVector<llvm::Function *> interfaces;
  for (llvm::Function &f : module)
    if (!f.isDeclaration() && f.getName().starts_with("_mlir_ciface_"))
      interfaces.push_back(&f);
  llvm::LLVMContext &context = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(context);
  for (llvm::Function *f : interfaces) {
    auto *wrapper = llvm::Function::Create(
        llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false),
        llvm::GlobalValue::ExternalLinkage, "_mlir_" + f->getName(), module);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", wrapper));
    SmallVector<llvm::Value *> args;
    for (llvm::Argument &arg : f->args()) {
      llvm::Value *slot =
          b.CreateConstGEP1_64(ptr, wrapper->getArg(0), arg.getArgNo());
      args.push_back(b.CreateLoad(arg.getType(), b.CreateLoad(ptr, slot)));
    }
    llvm::Value *result = b.CreateCall(f, args);
    if (!result->getType()->isVoidTy()) {
      llvm::Value *slot =
          b.CreateConstGEP1_64(ptr, wrapper->getArg(0), f->arg_size());
      b.CreateStore(result, b.CreateLoad(ptr, slot));
    }
    b.CreateRetVoid();
  }
}

llvm::Expected<std::unique_ptr<JitModule>>
JitModule::create(ModuleOp llvmModule, unsigned optLevel) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;

  // Whatever the host registered, the module's context can translate it.
  registerBuiltinDialectTranslation(*llvmModule.getContext());
  registerLLVMDialectTranslation(*llvmModule.getContext());
  registerOpenMPDialectTranslation(*llvmModule.getContext());

  // Parallel loops (threads != 1) call the OpenMP runtime, which the tools
  // link; the JIT resolves its symbols in the process.
  WalkResult openmp = llvmModule.walk([&](Operation *op) {
    return op->getDialect() && op->getDialect()->getNamespace() == "omp"
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  if (openmp.wasInterrupted()) {
#ifdef EQQ_HAVE_OPENMP
    (void)omp_get_max_threads(); // the runtime starts on this thread
#else
    return llvm::createStringError(
        "the module runs parallel loops (OpenMP), but EqQuant was built "
        "without the OpenMP runtime (libomp-22-dev); lower it with "
        "--eqq-lower-to-llvm=\"threads=1\"");
#endif
  }

  auto target = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!target)
    return target.takeError();
  // (Its optimization level is compileObjects's: every object is compiled
  // there, at -O`optLevel`; this target machine only gives the data layout
  // and the triple.)
  auto tm = target->createTargetMachine();
  if (!tm)
    return tm.takeError();

  std::unique_ptr<JitModule> jit(new JitModule());
  moveOutConstants(llvmModule, jit->hostConstants);
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module =
      translateModuleToLLVMIR(llvmModule, context);
  if (!module)
    return llvm::createStringError("could not translate the module to LLVM IR");
  module->setDataLayout((*tm)->createDataLayout());
  module->setTargetTriple((*tm)->getTargetTriple());
  addPackedWrappers(*module);
  auto ctors = takeConstructors(*module);
  if (!ctors)
    return ctors.takeError();
  llvm::DataLayout layout = module->getDataLayout();

  // Every CPU the process may run on (its affinity mask).
  auto objects = compileObjects(
      *module, *target, llvm::hardware_concurrency().compute_thread_count(),
      kMinInstructionsPerPart, optLevel);
  if (!objects)
    return objects.takeError();
  module.reset();

  auto lljit =
      llvm::orc::LLJITBuilder()
          .setJITTargetMachineBuilder(*target)
          .setDataLayout(layout)
          .setObjectLinkingLayerCreator(
              [](llvm::orc::ExecutionSession &es)
                  -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
                auto layer =
                    std::make_unique<llvm::orc::RTDyldObjectLinkingLayer>(
                        es, [](const llvm::MemoryBuffer &) {
                          return std::make_unique<llvm::SectionMemoryManager>();
                        });
                // Debuggers and profilers (perf inject --jit) see the code.
                if (auto *gdb =
                        llvm::JITEventListener::createGDBRegistrationListener())
                  layer->registerJITEventListener(*gdb);
                if (auto *perf =
                        llvm::JITEventListener::createPerfJITEventListener())
                  layer->registerJITEventListener(*perf);
                return layer;
              })
          .create();
  if (!lljit)
    return lljit.takeError();
  llvm::orc::JITDylib &dylib = (*lljit)->getMainJITDylib();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      layout.getGlobalPrefix());
  if (!process)
    return process.takeError();
  dylib.addGenerator(std::move(*process));
  llvm::orc::SymbolMap constants;
  for (const HostConstant &constant : jit->hostConstants)
    constants[(*lljit)->mangleAndIntern(constant.name)] = {
        llvm::orc::ExecutorAddr::fromPtr(constant.address),
        llvm::JITSymbolFlags::Exported};
  if (!constants.empty())
    if (llvm::Error error =
            dylib.define(llvm::orc::absoluteSymbols(std::move(constants))))
      return std::move(error);
  for (std::unique_ptr<llvm::MemoryBuffer> &object : *objects)
    if (llvm::Error error = (*lljit)->addObjectFile(std::move(object)))
      return std::move(error);
  // Global constructors: a module with AMX kernels asks for the tile
  // registers in one.
  for (const std::string &name : *ctors) {
    auto address = (*lljit)->lookup(name);
    if (!address)
      return address.takeError();
    address->toPtr<void (*)()>()();
  }
  jit->jit = std::move(*lljit);
#ifdef __GLIBC__
  // What compiling freed (LLVM's IR and machine functions, on the heap of
  // each thread that compiled) goes back to the system: glibc keeps it
  // otherwise (about 10 MB of resnet18's calibration peak).
  malloc_trim(0);
#endif
  return jit;
}

namespace {
/// A ranked memref descriptor {allocated, aligned, offset, sizes, strides}
/// over a dense row-major buffer, laid out as the C interface expects.
struct Descriptor {
  Descriptor(void *data, ArrayRef<int64_t> shape) {
    int64_t rank = shape.size();
    fields.resize(3 + 2 * rank);
    fields[0] = reinterpret_cast<int64_t>(data);
    fields[1] = reinterpret_cast<int64_t>(data);
    fields[2] = 0;
    int64_t stride = 1;
    for (int64_t i = rank - 1; i >= 0; --i) {
      fields[3 + i] = shape[i];
      fields[3 + rank + i] = stride;
      stride *= shape[i];
    }
  }
  SmallVector<int64_t, 13> fields;
};
} // namespace

llvm::Error JitModule::invoke(StringRef entry, const EntrySignature &signature,
                              ArrayRef<const NpyArray *> inputs,
                              ArrayRef<NpyArray *> outputs) {
  if (inputs.size() != signature.inputs.size() ||
      outputs.size() != signature.outputs.size())
    return llvm::createStringError("@" + entry.str() + " takes " +
                                   std::to_string(signature.inputs.size()) +
                                   " inputs and returns " +
                                   std::to_string(signature.outputs.size()));
  SmallVector<Descriptor> descriptors;
  descriptors.reserve(inputs.size() + outputs.size());
  for (const NpyArray *in : inputs)
    descriptors.emplace_back(const_cast<char *>(in->getBytes().data()),
                             in->getShape());
  for (NpyArray *out : outputs)
    descriptors.emplace_back(out->getMutableBytes().data(), out->getShape());
  SmallVector<void *> pointers;
  for (Descriptor &d : descriptors)
    pointers.push_back(d.fields.data());
  SmallVector<void *> args;
  for (void *&p : pointers)
    args.push_back(&p);
  auto &fn = entries[entry];
  if (!fn) {
    auto address = jit->lookup("_mlir__mlir_ciface_" + entry.str());
    if (!address)
      return address.takeError();
    fn = address->toPtr<void (*)(void **)>();
  }
  fn(args.data());
  return llvm::Error::success();
}
