//===- CompileObjectsTest.cpp - splitting a module across threads --------===//
//
// compileObjects deals a module's functions out to parts compiled apart;
// the objects linked together must behave as the module did, whatever
// part each function, constant and variable lands in.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Runtime/CompileObjects.h"

#include "llvm/AsmParser/Parser.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include "gtest/gtest.h"

using namespace llvm;

namespace {

// Three functions that call each other, a local constant table all of
// them read, a local counter and an unnamed local variable that one writes
// and another reads, and an external function the process provides (abs).
constexpr const char *kModule = R"(
@table = private unnamed_addr constant [4 x i32] [i32 1, i32 2, i32 3, i32 4]
@counter = internal global i32 0
@0 = internal global i32 5

declare i32 @abs(i32)

define internal i32 @leaf(i32 %i) {
  %p = getelementptr [4 x i32], ptr @table, i32 0, i32 %i
  %v = load i32, ptr %p
  %c = load i32, ptr @counter
  %n = add i32 %c, 1
  store i32 %n, ptr @counter
  %u = load i32, ptr @0
  %u10 = add i32 %u, 10
  store i32 %u10, ptr @0
  ret i32 %v
}

define internal i32 @middle(i32 %i) {
  %a = call i32 @leaf(i32 %i)
  %t = load i32, ptr @table
  %s = add i32 %a, %t
  ret i32 %s
}

define i32 @entry(i32 %i) {
  %m = call i32 @middle(i32 %i)
  %l = call i32 @leaf(i32 %i)
  %c = load i32, ptr @counter
  %c100 = mul i32 %c, 100
  %s = add i32 %m, %l
  %r0 = add i32 %s, %c100
  %u = load i32, ptr @0
  %r = add i32 %r0, %u
  %neg = sub i32 0, %r
  %abs = call i32 @abs(i32 %neg)
  ret i32 %abs
}
)";

/// Compiles kModule into `threads` parts, links them in a JIT and returns
/// entry(2); `parts` is how many objects there were.
int runEntry(unsigned threads, size_t &parts) {
  LLVMContext context;
  SMDiagnostic diag;
  std::unique_ptr<Module> module = parseAssemblyString(kModule, diag, context);
  EXPECT_TRUE(module) << diag.getMessage().str();
  auto target = cantFail(orc::JITTargetMachineBuilder::detectHost());
  auto tm = cantFail(target.createTargetMachine());
  module->setDataLayout(tm->createDataLayout());
  module->setTargetTriple(tm->getTargetTriple());
  auto objects = cantFail(mlir::eqq::compileObjects(
      *module, target, threads, /*minInstructionsPerPart=*/1));
  parts = objects.size();
  auto jit = cantFail(orc::LLJITBuilder().create());
  jit->getMainJITDylib().addGenerator(
      cantFail(orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          jit->getDataLayout().getGlobalPrefix())));
  for (auto &object : objects)
    cantFail(jit->addObjectFile(std::move(object)));
  auto entry = cantFail(jit->lookup("entry")).toPtr<int (*)(int)>();
  return entry(2);
}

TEST(CompileObjectsTest, PartsLinkAsTheWholeModule) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  // entry(2) = middle(2) + leaf(2) + 100 * counter + @0
  //          = (table[2] + table[0]) + table[2] + 100 * 2 + (5 + 2 * 10)
  //          = 232.
  size_t parts = 0;
  EXPECT_EQ(runEntry(1, parts), 232);
  EXPECT_EQ(parts, 1u);
  // One function per part: every reference crosses a part.
  EXPECT_EQ(runEntry(3, parts), 232);
  EXPECT_EQ(parts, 3u);
  // No more parts than functions.
  EXPECT_EQ(runEntry(8, parts), 232);
  EXPECT_EQ(parts, 3u);
}

} // namespace
