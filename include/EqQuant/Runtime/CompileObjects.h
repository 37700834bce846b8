//===- CompileObjects.h - LLVM IR to object files on several threads -----===//
//
// Optimizes (-O3) and compiles an LLVM module to object files, splitting it
// by function across threads when it is large enough for that to pay.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_RUNTIME_COMPILEOBJECTS_H
#define EQQUANT_RUNTIME_COMPILEOBJECTS_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace mlir::eqq {

/// The least number of instructions a part must have for the module to be
/// split.
constexpr unsigned kMinInstructionsPerPart = 4000;

/// Optimizes `module` at -O`optLevel` (0-3; the same level for LLVM's IR
/// passes and its code generator) and compiles it for `target`: as one object
/// file, or, when `threads` > 1 and the module has `minInstructionsPerPart`
/// instructions for each of several parts, as up to `threads` object files
/// compiled at once. The functions are dealt out by size (largest first, to
/// the part with the least code so far); local constants are copied into
/// every part, other variables stay in the first; a symbol that one part
/// defines and another uses becomes external with default visibility, not
/// assumed local, so the others reach it through the GOT and PLT wherever
/// the objects are loaded. Each part is optimized and compiled in an LLVM
/// context of its own. Together the objects define what the module defined,
/// under the same names. The module must not have global constructors or
/// destructors (a JIT that links the objects itself runs them; JitModule
/// takes them out first) and is left modified.
llvm::Expected<llvm::SmallVector<std::unique_ptr<llvm::MemoryBuffer>>>
compileObjects(llvm::Module &module,
               const llvm::orc::JITTargetMachineBuilder &target,
               unsigned threads,
               unsigned minInstructionsPerPart = kMinInstructionsPerPart,
               unsigned optLevel = 3);

} // namespace mlir::eqq

#endif // EQQUANT_RUNTIME_COMPILEOBJECTS_H
