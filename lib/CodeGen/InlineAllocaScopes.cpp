//===- InlineAllocaScopes.cpp - the --eqq-inline-alloca-scopes pass -------===//
//
// Inlines memref.alloca_scope ops that allocate nothing on the stack.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_INLINEALLOCASCOPESPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

namespace {
struct InlineAllocaScopesPass
    : eqq::impl::InlineAllocaScopesPassBase<InlineAllocaScopesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk([&](memref::AllocaScopeOp op) {
      bool allocates = op.getBodyRegion()
                           .walk([](Operation *inner) {
                             return isa<memref::AllocaOp, LLVM::AllocaOp>(inner)
                                        ? WalkResult::interrupt()
                                        : WalkResult::advance();
                           })
                           .wasInterrupted();
      if (!allocates && op.getBodyRegion().hasOneBlock())
        scopes.push_back(op);
    });
    for (memref::AllocaScopeOp op : scopes) {
      Block &body = op.getBodyRegion().front();
      Operation *ret = body.getTerminator();
      op->replaceAllUsesWith(ret->getOperands());
      ret->erase();
      op->getBlock()->getOperations().splice(Block::iterator(op),
                                             body.getOperations());
      op.erase();
    }
  }
};
} // namespace
