//===- PlanBuffers.cpp - the --eqq-plan-buffers pass ----------------------===//
//
// Places a function body's temporary buffers (a memref.alloc and its
// memref.dealloc in the entry block, static shapes) at offsets of one
// allocation per call, reusing the bytes of buffers no longer live: one
// malloc and one free per call instead of one per buffer.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::eqq {
#define GEN_PASS_DEF_PLANBUFFERSPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;

/// Offsets and sizes are multiples of the arena's alignment, so every view
/// is as aligned as the allocations it replaces asked for.
static constexpr int64_t kAlignment = 64;

namespace {
/// A buffer of the plan: live from its allocation to its deallocation
/// (positions in the block), `bytes` long, placed at `offset`.
struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t begin, end, bytes, offset = 0;
};
} // namespace

/// The position in `block` of the last op that reads or writes `alloc`'s
/// bytes: a use, a use of a view of it (subview, collapse_shape, view,
/// cast, ... transitively), or an op holding such a use in its regions;
/// none when an alias may outlive its uses (an op other than a view makes
/// a memref of it, or the function returns it). The deallocation
/// ownership-based deallocation inserts is at the end of the block, for
/// every buffer: freeing the bytes at the last use instead lets the next
/// layers reuse them.
static std::optional<int64_t>
lastUse(memref::AllocOp alloc, Block &block,
        const DenseMap<Operation *, int64_t> &position) {
  int64_t last = position.at(alloc);
  SmallVector<Value> aliases{alloc.getResult()};
  while (!aliases.empty()) {
    Value v = aliases.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isa<memref::DeallocOp>(user))
        continue;
      bool view = isa<ViewLikeOpInterface, memref::CastOp>(user);
      bool makesMemref = llvm::any_of(user->getResultTypes(), [](Type t) {
        return isa<BaseMemRefType, TensorType>(t);
      });
      if ((makesMemref && !view) || user->hasTrait<OpTrait::ReturnLike>() ||
          isa<memref::ExtractAlignedPointerAsIndexOp>(user))
        return std::nullopt;
      if (view)
        aliases.append(user->result_begin(), user->result_end());
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (!ancestor)
        return std::nullopt;
      last = std::max(last, position.at(ancestor));
    }
  }
  return last;
}

/// The buffer `alloc` is, when the plan can take it: a static shape of
/// whole bytes with the identity layout in the default memory space, an
/// alignment the arena's offsets keep, and one deallocation in the same
/// block. It is live from its allocation to its last use (the
/// deallocation when the uses cannot tell).
static std::optional<Buffer>
bufferOf(memref::AllocOp alloc,
         const DenseMap<Operation *, int64_t> &position) {
  MemRefType type = alloc.getType();
  Type element = type.getElementType();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace() || !element.isIntOrFloat() ||
      element.getIntOrFloatBitWidth() % 8 != 0 ||
      alloc.getAlignment().value_or(1) > kAlignment)
    return std::nullopt;
  memref::DeallocOp dealloc;
  for (Operation *user : alloc->getUsers())
    if (auto d = dyn_cast<memref::DeallocOp>(user)) {
      if (dealloc || d->getBlock() != alloc->getBlock())
        return std::nullopt;
      dealloc = d;
    }
  if (!dealloc)
    return std::nullopt; // Returned or kept: not the call's to reuse.
  int64_t bytes = type.getNumElements() * (element.getIntOrFloatBitWidth() / 8);
  int64_t end = lastUse(alloc, *alloc->getBlock(), position)
                    .value_or(position.at(dealloc));
  return Buffer{alloc, dealloc, position.at(alloc), end,
                static_cast<int64_t>(
                    llvm::alignTo(std::max<int64_t>(bytes, 1), kAlignment))};
}

/// Places each buffer, largest first, at the lowest offset where it
/// overlaps no placed buffer live at the same time; returns the arena's
/// size.
static int64_t place(MutableArrayRef<Buffer> buffers) {
  SmallVector<Buffer *> order;
  for (Buffer &b : buffers)
    order.push_back(&b);
  // Each buffer begins at its own position: the order is total.
  llvm::sort(order, [](Buffer *a, Buffer *b) {
    return a->bytes > b->bytes || (a->bytes == b->bytes && a->begin < b->begin);
  });
  SmallVector<Buffer *> placed;
  int64_t total = 0;
  for (Buffer *b : order) {
    SmallVector<Buffer *> live;
    for (Buffer *p : placed)
      if (p->begin <= b->end && b->begin <= p->end)
        live.push_back(p);
    llvm::sort(live,
               [](Buffer *x, Buffer *y) { return x->offset < y->offset; });
    int64_t offset = 0;
    for (Buffer *p : live) {
      if (offset + b->bytes <= p->offset)
        break;
      offset = std::max(offset, p->offset + p->bytes);
    }
    b->offset = offset;
    total = std::max(total, offset + b->bytes);
    placed.push_back(b);
  }
  return total;
}

/// Plans the buffers of `f`'s body (a single block); returns whether it
/// did.
static bool planFunction(func::FuncOp f, int64_t maxBytes) {
  if (f.isExternal() || !llvm::hasSingleElement(f.getBody()))
    return false;
  Block &block = f.getBody().front();
  DenseMap<Operation *, int64_t> position;
  for (auto [i, op] : llvm::enumerate(block))
    position[&op] = i;
  SmallVector<Buffer> buffers;
  for (auto alloc : block.getOps<memref::AllocOp>())
    if (std::optional<Buffer> buffer = bufferOf(alloc, position))
      buffers.push_back(*buffer);
  if (buffers.size() < 2)
    return false;
  int64_t total = place(buffers);
  if (total > maxBytes)
    return false;

  OpBuilder b(&block, block.begin());
  Location loc = f.getLoc();
  Value arena =
      memref::AllocOp::create(b, loc, MemRefType::get({total}, b.getI8Type()),
                              b.getI64IntegerAttr(kAlignment));
  for (Buffer &buffer : buffers) {
    b.setInsertionPoint(buffer.alloc);
    Value offset = arith::ConstantIndexOp::create(b, loc, buffer.offset);
    Value view =
        memref::ViewOp::create(b, buffer.alloc.getLoc(), buffer.alloc.getType(),
                               arena, offset, ValueRange{});
    buffer.dealloc.erase();
    buffer.alloc.replaceAllUsesWith(view);
    buffer.alloc.erase();
  }
  b.setInsertionPoint(block.getTerminator());
  memref::DeallocOp::create(b, loc, arena);
  return true;
}

namespace {
struct PlanBuffersPass : eqq::impl::PlanBuffersPassBase<PlanBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    if (maxBytes < 0) {
      getOperation().emitError("eqq-plan-buffers: max-bytes must be >= 0");
      return signalPassFailure();
    }
    getOperation().walk([&](func::FuncOp f) { planFunction(f, maxBytes); });
  }
};
} // namespace
