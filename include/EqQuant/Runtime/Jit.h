//===- Jit.h - run a lowered EqQuant module in the JIT ----------*- C++ -*-===//
//
// Compiles a module lowered by `--eqq-lower-to-llvm` for the host CPU into
// an ORC JIT, and calls its entry functions with tensors in host memory
// (inputs first, then the outputs it writes).
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_RUNTIME_JIT_H
#define EQQUANT_RUNTIME_JIT_H

#include "EqQuant/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace mlir {
namespace eqq {

/// The element type and static shape of one tensor argument or result.
struct TensorSpec {
  NpyDType dtype;
  llvm::SmallVector<int64_t> shape;
  /// Whether the values must be finite: an argument that is quantized or
  /// observed, maybe after elementwise float ops (quantizing NaN or Inf has
  /// no defined result). An argument that reaches quantization only through
  /// a float reduction may hold Inf, as an additive attention mask does.
  bool mustBeFinite = true;
  int64_t getNumElements() const;
  /// "5x5 float32", for messages.
  std::string str() const;
};

/// The tensors a function takes and returns.
struct EntrySignature {
  llvm::SmallVector<TensorSpec> inputs;
  llvm::SmallVector<TensorSpec> outputs;
};

/// The signature of the function `entry` of `module`: from its type for a
/// func.func, from the attributes `--eqq-emit-c-interface` recorded for a
/// lowered llvm.func. It must take and return static-shaped tensors of f32,
/// f64, i8, ui8, i32, i64 or i1 (bool). An argument of a func.func must be
/// finite when it reaches an eqq.quantize or an observer through ops without
/// reductions (elementwise ops, reshapes, slices, transposes, concats,
/// equalization scales); every float argument of a lowered function must.
llvm::Expected<EntrySignature> getEntrySignature(ModuleOp module,
                                                 llvm::StringRef entry);

/// A JIT-compiled module.
class JitModule {
public:
  ~JitModule();

  /// Compiles `llvmModule`, already in the LLVM dialect, for the host CPU at
  /// -O3. Its dialects' translations to LLVM IR must be registered in its
  /// context (registerLLVMTranslations does it). The values of its constant
  /// globals of kHostConstantBytes or more (weights) move into buffers the
  /// JitModule owns, and the globals become external declarations that the
  /// JIT links to those buffers: LLVM never copies or compiles them, and
  /// the module is left modified. A constant held in a resource blob aligned
  /// as its global asks (the kernels' packed weights) is read in place,
  /// not copied: the module's context must then outlive the JitModule. A module
  /// with enough code is split by function and compiled on every core at once
  /// (compileObjects) at LLVM's -O`optLevel`; its global constructors run
  /// before create returns.
  static llvm::Expected<std::unique_ptr<JitModule>>
  create(ModuleOp llvmModule, unsigned optLevel = 3);

  /// The size from which a constant global's data stays out of LLVM.
  static constexpr size_t kHostConstantBytes = 4096;

  struct AlignedFree {
    void operator()(char *p) const;
  };

  /// A constant the code reads from host memory: its address, and the
  /// buffer owning it when the JIT copied it.
  struct HostConstant {
    std::string name;
    const char *address;
    std::unique_ptr<char[], AlignedFree> owned;
  };

  /// Calls `entry` (through its `_mlir_ciface_` wrapper) on `inputs`, writing
  /// `outputs`, which must already have the signature's dtypes and shapes.
  llvm::Error invoke(llvm::StringRef entry, const EntrySignature &signature,
                     llvm::ArrayRef<const NpyArray *> inputs,
                     llvm::ArrayRef<NpyArray *> outputs);

private:
  JitModule() = default;
  /// The constants moved out of the module, by symbol (declared before the
  /// JIT so that they outlive the code that reads them).
  llvm::SmallVector<HostConstant> hostConstants;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  /// The packed entry points looked up so far, by entry name.
  llvm::StringMap<void (*)(void **)> entries;
};

/// Registers the translations from the builtin and LLVM dialects to LLVM IR.
void registerLLVMTranslations(DialectRegistry &registry);

/// Makes the C library keep freed memory for the next call instead of
/// returning it: the compiled code allocates its intermediate buffers on
/// every call, and glibc maps allocations above 128 KB to fresh pages and
/// unmaps them when freed, so each call faulted and zeroed every page of
/// every large buffer again (on a conv + quantized add over 64 x 112 x 112,
/// two thirds of the call). For tools that run a model many times (eq-run,
/// calibration in eq-opt); it changes the process's allocator, so a library
/// does not call it on its own. No effect without glibc.
void keepFreedMemoryForReuse();

} // namespace eqq
} // namespace mlir

#endif // EQQUANT_RUNTIME_JIT_H
