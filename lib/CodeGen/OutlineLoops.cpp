//===- OutlineLoops.cpp - the --eqq-outline-loops pass --------------------===//
//
// Moves each top-level loop nest (and each linalg op or copy that will
// become one) of a function body into a private function of its own that
// LLVM does not inline, called in its place.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_OUTLINELOOPSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

/// Ops whose value the outlined function recomputes instead of taking as
/// an argument: constants keep loop bounds, strides and shapes known, and
/// a global read stays a known global.
static bool isRematerialized(Operation *op) {
  return op && op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         isa<arith::ConstantOp, memref::GetGlobalOp>(op);
}

/// The ops worth a function: loop nests, and the ops that become one.
static bool isOutlined(Operation *op) {
  return op->getNumResults() == 0 &&
         isa<scf::ForOp, scf::ParallelOp, linalg::LinalgOp, memref::CopyOp>(op);
}

namespace {
struct OutlineLoopsPass : eqq::impl::OutlineLoopsPassBase<OutlineLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      if (func.isExternal())
        continue;
      SmallVector<Operation *> nests;
      for (Block &block : func.getBody())
        for (Operation &op : block)
          if (isOutlined(&op))
            nests.push_back(&op);
      // One nest is the function already.
      if (nests.size() < 2)
        continue;
      unsigned index = 0;
      for (Operation *nest : nests)
        outline(nest, func, symbols, index++);
    }
  }

  void outline(Operation *nest, func::FuncOp parent, SymbolTable &symbols,
               unsigned index) {
    // What the nest reads from the function: its operands and the values
    // its regions use from above.
    llvm::SetVector<Value> captured;
    for (Value v : nest->getOperands())
      captured.insert(v);
    getUsedValuesDefinedAbove(nest->getRegions(), captured);
    SmallVector<Value> args;
    SmallVector<Operation *> cloned;
    for (Value v : captured) {
      if (isRematerialized(v.getDefiningOp()))
        cloned.push_back(v.getDefiningOp());
      else
        args.push_back(v);
    }

    Location loc = nest->getLoc();
    OpBuilder b(parent);
    auto type = b.getFunctionType(ValueRange(args).getTypes(), {});
    auto callee = func::FuncOp::create(
        b, loc, (parent.getSymName() + "_part" + Twine(index)).str(), type);
    callee.setPrivate();
    // Apart from its caller, so that LLVM's per-function analyses (scalar
    // evolution, loop access checks) see one layer at a time.
    callee->setAttr("passthrough",
                    b.getArrayAttr({b.getStringAttr("noinline")}));
    symbols.insert(callee);
    Block *body = callee.addEntryBlock();
    IRMapping map;
    for (auto [v, arg] : llvm::zip(args, body->getArguments()))
      map.map(v, arg);
    b.setInsertionPointToStart(body);
    for (Operation *op : cloned)
      b.clone(*op, map);
    b.clone(*nest, map);
    func::ReturnOp::create(b, loc);

    b.setInsertionPoint(nest);
    func::CallOp::create(b, loc, callee, args);
    nest->erase();
  }
};
} // namespace
