//===- EmitCInterface.cpp - the --eqq-emit-c-interface pass ---------------===//

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_EMITCINTERFACEPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

namespace {
struct EmitCInterfacePass
    : eqq::impl::EmitCInterfacePassBase<EmitCInterfacePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    UnitAttr unit = UnitAttr::get(ctx);
    auto typeArray = [&](TypeRange types) {
      SmallVector<Attribute> attrs;
      for (Type t : types)
        attrs.push_back(TypeAttr::get(t));
      return ArrayAttr::get(ctx, attrs);
    };
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), unit);
      // The tensor signature, which lowering erases from the types; the C
      // interface takes the results as out-parameters after the inputs.
      if (!func->hasAttr(kInputTypesAttrName)) {
        func->setAttr(kInputTypesAttrName, typeArray(func.getArgumentTypes()));
        func->setAttr(kOutputTypesAttrName, typeArray(func.getResultTypes()));
      }
    }
  }
};
} // namespace
