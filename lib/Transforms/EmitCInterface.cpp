//===- EmitCInterface.cpp - the --eqq-emit-c-interface pass ---------------===//

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SmallPtrSet.h"

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
    EqqDialect::InputTypesAttrHelper inputTypes(ctx);
    EqqDialect::OutputTypesAttrHelper outputTypes(ctx);
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
      // Every result becomes an out-parameter of its own: a value returned
      // twice is copied (one buffer cannot be two out-parameters).
      func.walk([&](func::ReturnOp ret) {
        llvm::SmallPtrSet<Value, 4> seen;
        for (OpOperand &operand : ret->getOpOperands()) {
          Value v = operand.get();
          auto type = dyn_cast<RankedTensorType>(v.getType());
          if (!type || seen.insert(v).second)
            continue;
          OpBuilder b(ret);
          Value init = tensor::EmptyOp::create(b, ret.getLoc(), type.getShape(),
                                               type.getElementType());
          operand.set(
              linalg::CopyOp::create(b, ret.getLoc(), v, init).getResult(0));
        }
      });
      // The tensor signature, which lowering erases from the types; the C
      // interface takes the results as out-parameters after the inputs.
      if (!inputTypes.isAttrPresent(func)) {
        inputTypes.setAttr(func, typeArray(func.getArgumentTypes()));
        outputTypes.setAttr(func, typeArray(func.getResultTypes()));
      }
    }
  }
};
} // namespace
