//===- FuseRowLoops.cpp - the --eqq-fuse-row-loops pass -------------------===//
//
// Consecutive parallel loop nests over the same rows (a softmax: the
// scores scaled and masked, their maximum, exp, sum and division, each a
// pass over the whole scores tensor) become one nest whose iteration does
// every step for its row while the row is in the L1 cache.
//
//===----------------------------------------------------------------------===//

#include "VectorBody.h"

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_FUSEROWLOOPSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

namespace {
/// A read or write of a buffer in a loop nest, at `indices`.
struct Access {
  Value memref;
  ValueRange indices;
  bool write;
};
} // namespace

/// The accesses of `loop`'s body, or nothing when an op in it has memory
/// effects other than these loads and stores (or unknown effects).
static std::optional<SmallVector<Access>> accessesOf(scf::ParallelOp loop) {
  SmallVector<Access> accesses;
  bool unknown = false;
  loop.getBody()->walk([&](Operation *op) {
    if (auto l = dyn_cast<memref::LoadOp>(op))
      accesses.push_back({l.getMemRef(), l.getIndices(), false});
    else if (auto s = dyn_cast<memref::StoreOp>(op))
      accesses.push_back({s.getMemRef(), s.getIndices(), true});
    else if (auto l = dyn_cast<vector::LoadOp>(op))
      accesses.push_back({l.getBase(), l.getIndices(), false});
    else if (auto s = dyn_cast<vector::StoreOp>(op))
      accesses.push_back({s.getBase(), s.getIndices(), true});
    else if (auto l = dyn_cast<vector::MaskedLoadOp>(op))
      accesses.push_back({l.getBase(), l.getIndices(), false});
    else if (auto s = dyn_cast<vector::MaskedStoreOp>(op))
      accesses.push_back({s.getBase(), s.getIndices(), true});
    else if (!isMemoryEffectFree(op) &&
             !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      unknown = true;
  });
  if (unknown)
    return std::nullopt;
  return accesses;
}

/// The position of each of `loop`'s induction variables among `indices`
/// when each appears exactly once, as an index by itself, and no other
/// index depends on any of them (a row's accesses stay in its row); else
/// nothing.
static std::optional<SmallVector<int64_t>> rowPositions(scf::ParallelOp loop,
                                                        ValueRange indices) {
  SmallVector<Value> ivs = llvm::to_vector(loop.getInductionVars());
  DenseMap<Value, bool> memo;
  std::function<bool(Value)> dependsOnIvs = [&](Value v) -> bool {
    if (llvm::is_contained(ivs, v))
      return true;
    // A loop-carried value of a loop inside (not its induction variable)
    // may come from the row: taken as depending on it.
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      Operation *owner = arg.getOwner()->getParentOp();
      auto inner = dyn_cast<scf::ForOp>(owner);
      return loop->isAncestor(owner) &&
             (!inner || arg != inner.getInductionVar());
    }
    Operation *def = v.getDefiningOp();
    if (!def || !loop->isAncestor(def))
      return false;
    auto it = memo.find(v);
    if (it != memo.end())
      return it->second;
    bool depends = llvm::any_of(def->getOperands(), dependsOnIvs);
    memo[v] = depends;
    return depends;
  };
  SmallVector<int64_t> positions(ivs.size(), -1);
  for (auto [pos, index] : llvm::enumerate(indices)) {
    auto found = llvm::find(ivs, index);
    if (found != ivs.end()) {
      int64_t k = found - ivs.begin();
      if (positions[k] != -1)
        return std::nullopt;
      positions[k] = pos;
    } else if (dependsOnIvs(index)) {
      return std::nullopt;
    }
  }
  if (llvm::is_contained(positions, -1))
    return std::nullopt;
  return positions;
}

/// The buffer `memref` is a view of (through views of views), or memref.
static Value viewedBuffer(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

static std::optional<SmallVector<int64_t>> constants(ValueRange values) {
  return getConstantIntValues(getAsOpFoldResult(values));
}

/// True when `second`, which follows `first` in the same block, can run
/// inside it, iteration by iteration: the same constant iteration space,
/// no results or reductions, no nested parallel loops, and every buffer
/// that either writes and the other accesses is a private buffer that all
/// their accesses index by the loops' variables, at the same positions, so
/// iteration i of `second` touches only what iteration i of `first` does.
static bool canFuse(scf::ParallelOp first, scf::ParallelOp second) {
  for (scf::ParallelOp loop : {first, second}) {
    if (loop.getNumResults() || !loop.getInitVals().empty() ||
        loop.getBody()
            ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
            .wasInterrupted())
      return false;
  }
  auto lo = constants(first.getLowerBound()),
       hi = constants(first.getUpperBound()), st = constants(first.getStep());
  if (!lo || !hi || !st || lo != constants(second.getLowerBound()) ||
      hi != constants(second.getUpperBound()) ||
      st != constants(second.getStep()))
    return false;
  auto a = accessesOf(first), b = accessesOf(second);
  if (!a || !b)
    return false;
  // The buffers one writes and the other accesses, a view taken as the
  // buffer it views (as no private buffer, below).
  DenseSet<Value> writtenA, writtenB, accessedA, accessedB, shared;
  for (const Access &x : *a)
    (x.write ? writtenA : accessedA).insert(viewedBuffer(x.memref));
  for (const Access &x : *b)
    (x.write ? writtenB : accessedB).insert(viewedBuffer(x.memref));
  accessedA.insert(writtenA.begin(), writtenA.end());
  accessedB.insert(writtenB.begin(), writtenB.end());
  for (Value m : writtenA)
    if (accessedB.contains(m))
      shared.insert(m);
  for (Value m : writtenB)
    if (accessedA.contains(m))
      shared.insert(m);
  DenseMap<Value, SmallVector<int64_t>> positions;
  auto rowLocal = [&](scf::ParallelOp loop, ArrayRef<Access> accesses) {
    for (const Access &x : accesses) {
      if (!shared.contains(viewedBuffer(x.memref)))
        continue;
      if (!eqq::isPrivateBuffer(x.memref))
        return false;
      std::optional<SmallVector<int64_t>> p = rowPositions(loop, x.indices);
      if (!p)
        return false;
      auto [it, inserted] = positions.try_emplace(x.memref, *p);
      if (!inserted && it->second != *p)
        return false;
    }
    return true;
  };
  return rowLocal(first, *a) && rowLocal(second, *b);
}

/// The ops between `first` and `second`: moved before `first` when they
/// have no memory effects but allocation (constants, allocs), left after
/// it when they free a buffer `second` does not access. False (nothing
/// moved) when another op is there.
static bool clearBetween(scf::ParallelOp first, scf::ParallelOp second) {
  SmallVector<Operation *> before;
  for (Operation *op = first->getNextNode(); op != second;
       op = op->getNextNode()) {
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      Value freed = dealloc.getMemref();
      bool used = llvm::any_of(freed.getUsers(), [&](Operation *user) {
        return second->isAncestor(user);
      });
      if (used)
        return false;
      continue;
    }
    if (!isMemoryEffectFree(op) && !isa<memref::AllocOp>(op))
      return false;
    if (op->getNumRegions())
      return false;
    before.push_back(op);
  }
  for (Operation *op : before)
    op->moveBefore(first);
  return true;
}

/// Moves `second`'s body into `first`'s, after it, with first's induction
/// variables for second's, and erases `second`.
static void fuse(scf::ParallelOp first, scf::ParallelOp second) {
  Block *into = first.getBody();
  Block *from = second.getBody();
  for (auto [a, b] :
       llvm::zip_equal(first.getInductionVars(), second.getInductionVars()))
    b.replaceAllUsesWith(a);
  Operation *terminator = into->getTerminator();
  from->getTerminator()->erase();
  into->getOperations().splice(terminator->getIterator(),
                               from->getOperations());
  second.erase();
}

namespace {
struct FuseRowLoopsPass : eqq::impl::FuseRowLoopsPassBase<FuseRowLoopsPass> {
  void runOnOperation() override {
    // The loop nests directly in a function's body (fusing erases nests,
    // and with them the blocks inside them).
    getOperation()->walk([](FunctionOpInterface function) {
      for (Block &block : function.getFunctionBody())
        fuseIn(block);
    });
  }

  static void fuseIn(Block &block) {
    for (auto it = block.begin(); it != block.end(); ++it) {
      auto first = dyn_cast<scf::ParallelOp>(&*it);
      if (!first)
        continue;
      // Fuse the next loop nest into this one as long as one can be.
      while (true) {
        Operation *next = first->getNextNode();
        while (next && !isa<scf::ParallelOp>(next) &&
               (isMemoryEffectFree(next) ||
                isa<memref::AllocOp, memref::DeallocOp>(next)) &&
               !next->getNumRegions())
          next = next->getNextNode();
        auto second = dyn_cast_or_null<scf::ParallelOp>(next);
        if (!second || !canFuse(first, second) || !clearBetween(first, second))
          break;
        fuse(first, second);
      }
      it = first->getIterator();
    }
  }
};
} // namespace
