//===- Compare.cpp - per-layer SQNR of a quantized model ------------------===//
//
// Both models are compiled as instrumented clones whose entry also returns
// each named layer's output (a quantized layer's output dequantized), run on
// the same inputs, and compared layer by layer.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Runtime/Compare.h"
#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Runtime/Execution.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

namespace {
/// A named layer's output in one model.
struct LayerOutput {
  std::string name;
  LayerKind kind = LayerKind::Linear;
  /// The f32 output of a float layer, or the quantized output of an integer
  /// program (still to be dequantized).
  Value value;
  bool quantized = false;
  /// The equalization scale folded into the layer, if any.
  DenseF32ArrayAttr foldedScale;
  /// A batch norm (ChannelAffine) reads the layer's output, dequantized for
  /// a quantized layer.
  bool normAfter = false;
};
} // namespace

/// The named layers of the function `func` of `module`, float and quantized,
/// in program order.
static SmallVector<LayerOutput> findLayerOutputs(ModuleOp module,
                                                 func::FuncOp func) {
  ModelAnalysis model(module);
  EqqDialect::FoldedScaleAttrHelper foldedScale(module.getContext());
  auto getFoldedScale = [&](Operation *op) { return foldedScale.getAttr(op); };
  llvm::DenseMap<Operation *, LayerOutput> byOp;
  // Whether a batch norm reads `v`, or its dequantized value.
  auto readByNorm = [](Value v) {
    return llvm::any_of(v.getUsers(), [](Operation *user) {
      if (isa<DequantizeOp>(user))
        return llvm::any_of(user->getUsers(), [](Operation *u) {
          return matchChannelAffine(u).has_value();
        });
      return matchChannelAffine(user).has_value();
    });
  };
  // A layer's output is taken after the op that fuses into it (the op
  // table's fusions: a relu), as the quantized model observes it there.
  for (const Layer &l : model.getLayers()) {
    Value out = l.relu && fusesInto(OpKind::Relu, l.kind)
                    ? l.getOutputAfterRelu()
                    : l.output;
    byOp[l.op] = {
        l.name, l.kind, out, false, getFoldedScale(l.op), readByNorm(l.output)};
  }
  for (const QuantizedLayer &l : model.getQuantizedLayers())
    byOp[l.op] = {l.name,
                  l.kind,
                  l.output,
                  !l.floatOutput,
                  getFoldedScale(l.op),
                  readByNorm(l.output)};
  SmallVector<LayerOutput> result;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    auto it = byOp.find(op);
    if (it != byOp.end())
      result.push_back(it->second);
  });
  return result;
}

/// The f32 shape of a layer output, "5x5".
static std::string formatShape(Value v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(cast<RankedTensorType>(v.getType()).getShape(), os, "x");
  return s;
}

/// A layer's output as f32, what the comparison reads: a quantized output
/// through its dequantize (an existing one, or a new one), then through the
/// relu that is its only user, if there is one (a relu not fused into the
/// integer program, computed in float); divided by an equalization scale
/// folded into the layer, so that it compares with the original layer's.
static Value getFloatOutput(const LayerOutput &out) {
  Value v = out.value;
  OpBuilder b(v.getContext());
  if (out.quantized) {
    Value dq;
    for (Operation *user : v.getUsers())
      if (auto d = dyn_cast<DequantizeOp>(user))
        dq = d.getResult();
    if (!dq) {
      b.setInsertionPointAfterValue(v);
      auto type = cast<RankedTensorType>(v.getType());
      dq = DequantizeOp::create(
          b, v.getLoc(), RankedTensorType::get(type.getShape(), b.getF32Type()),
          v);
    }
    v = dq;
    if (dq.hasOneUse()) {
      Operation *user = *dq.getUsers().begin();
      if (OpOperand *in = matchRelu(user); in && in->get() == dq)
        v = user->getResult(0);
    }
  }
  if (out.foldedScale) {
    SmallVector<float> reciprocal;
    for (float s : out.foldedScale.asArrayRef())
      reciprocal.push_back(1.0f / s);
    int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
    b.setInsertionPointAfterValue(v);
    v = EqScaleOp::create(b, v.getLoc(), v,
                          out.kind == LayerKind::Linear ? rank - 1 : 1,
                          reciprocal);
  }
  return v;
}

llvm::Expected<LayerComparison>
mlir::eqq::compareLayers(ModuleOp floatModule, ModuleOp quantizedModule,
                         StringRef entry, ArrayRef<const NpyArray *> inputs,
                         const LowerToLLVMOptions &options) {
  auto getEntry = [&](ModuleOp module,
                      StringRef what) -> llvm::Expected<func::FuncOp> {
    auto func = module.lookupSymbol<func::FuncOp>(entry);
    if (!func || func.isExternal())
      return llvm::createStringError(
          "the " + what.str() + " model has no function @" + entry.str() +
          " with a body (compare modules before --eqq-lower-to-llvm)");
    return func;
  };
  llvm::Expected<func::FuncOp> floatFunc = getEntry(floatModule, "float");
  if (!floatFunc)
    return floatFunc.takeError();
  llvm::Expected<func::FuncOp> quantizedFunc =
      getEntry(quantizedModule, "quantized");
  if (!quantizedFunc)
    return quantizedFunc.takeError();

  // Match the layers by name, in the float model's order.
  SmallVector<LayerOutput> floatOutputs =
      findLayerOutputs(floatModule, *floatFunc);
  SmallVector<LayerOutput> quantizedOutputs =
      findLayerOutputs(quantizedModule, *quantizedFunc);
  llvm::StringMap<const LayerOutput *> quantizedByName;
  for (const LayerOutput &o : quantizedOutputs)
    quantizedByName[o.name] = &o;
  LayerComparison result;
  SmallVector<std::string> common;
  llvm::StringSet<> floatNames;
  for (const LayerOutput &o : floatOutputs) {
    floatNames.insert(o.name);
    const LayerOutput *q = quantizedByName.lookup(o.name);
    if (!q) {
      result.onlyInFloat.push_back(o.name);
      continue;
    }
    if (formatShape(o.value) != formatShape(q->value))
      return llvm::createStringError(
          "layer '" + o.name + "': its output is " + formatShape(o.value) +
          " in the float model but " + formatShape(q->value) +
          " in the quantized model");
    if (o.normAfter != q->normAfter)
      result.normInOneModel.push_back(o.name);
    common.push_back(o.name);
  }
  for (const LayerOutput &o : quantizedOutputs)
    if (!floatNames.contains(o.name))
      result.onlyInQuantized.push_back(o.name);
  if (common.empty())
    return result;

  // Instrumented clones return the common layers' outputs, in that order.
  auto pick = [&](func::FuncOp func) {
    auto module = func->getParentOfType<ModuleOp>();
    llvm::StringMap<LayerOutput> byName;
    for (LayerOutput &o : findLayerOutputs(module, func))
      byName[o.name] = o;
    SmallVector<Value> values;
    for (const std::string &name : common)
      values.push_back(getFloatOutput(byName[name]));
    return values;
  };
  SmallVector<InstrumentedModule, 2> clones;
  for (ModuleOp module : {floatModule, quantizedModule}) {
    llvm::Expected<InstrumentedModule> clone =
        InstrumentedModule::compile(module, entry, pick, options);
    if (!clone)
      return clone.takeError();
    if (llvm::Error e = clone->run(inputs))
      return std::move(e);
    clones.push_back(std::move(*clone));
  }

  ArrayRef<NpyArray> floatValues = clones[0].getPickedResults();
  ArrayRef<NpyArray> quantizedValues = clones[1].getPickedResults();
  for (auto [name, a, b] : llvm::zip(common, floatValues, quantizedValues))
    result.layers.push_back(
        {name, computeSqnr(a.getValues<float>(), b.getValues<float>()), {}});
  return result;
}
