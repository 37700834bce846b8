//===- CollectSamples.cpp - auto-alpha's inputs, recorded by running ------===//
//
// The only part of --eqq-convert that runs the module (JIT): it records what
// each equalized layer reads on auto-alpha's data.
//
//===----------------------------------------------------------------------===//

#include "AutoAlpha.h"

#include "EqQuant/Transforms/ModelRunner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::eqq;

/// Values per layer that auto-alpha keeps from its data (whole batches; at
/// least one).
static constexpr size_t kMaxSampleValues = size_t(1) << 20;

LogicalResult mlir::eqq::collectSamples(ModuleOp module,
                                        const ModelAnalysis &model,
                                        StringRef entry,
                                        ArrayRef<std::string> data,
                                        bool stacked, SampleMap &samples) {
  auto fail = [&](const Twine &message) {
    return emitError(module.getLoc(), "eqq-convert: auto-alpha: ") << message;
  };
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return fail("no function @" + entry + " with a body to run on data=");
  // The input-equalization observers in front of layers, by their position
  // among the entry's observers (the same in the instrumented clone).
  llvm::DenseSet<Operation *> inFront;
  for (const Layer &layer : model.getLayers())
    if (InputEqObserverOp o = findObservers(layer).inputEq)
      inFront.insert(o);
  SmallVector<Operation *> picked;
  SmallVector<unsigned> positions;
  unsigned position = 0;
  func.walk([&](InputEqObserverOp op) {
    if (inFront.contains(op)) {
      positions.push_back(position);
      picked.push_back(op);
    }
    ++position;
  });
  if (picked.empty())
    return success();
  llvm::Expected<std::unique_ptr<InstrumentedRunner>> clone =
      compileInstrumented(module, entry, [&](func::FuncOp f) {
        SmallVector<Operation *> all;
        f.walk([&](InputEqObserverOp op) { all.push_back(op); });
        SmallVector<Value> values;
        for (unsigned i : positions)
          values.push_back(all[i]->getOperand(0));
        return values;
      });
  if (!clone)
    return fail(llvm::toString(clone.takeError()));
  // What each layer read: batches concatenated along the first axis.
  struct Recorded {
    SmallVector<float> values;
    SmallVector<int64_t> shape;
  };
  SmallVector<Recorded> recorded(picked.size());
  // Batches until every layer has its budget of values.
  bool full = false;
  auto addBatch = [&]() -> llvm::Expected<bool> {
    full = true;
    for (auto [x, result] : llvm::zip(recorded, (*clone)->getPickedResults())) {
      if (x.values.size() >= kMaxSampleValues)
        continue;
      ArrayRef<float> values = result.getValues<float>();
      x.values.append(values.begin(), values.end());
      if (x.shape.empty())
        x.shape.assign(result.getShape().begin(), result.getShape().end());
      else
        x.shape[0] += result.getShape()[0];
      full &= x.values.size() >= kMaxSampleValues;
    }
    return !full;
  };
  for (const std::string &path : data) {
    if (llvm::Error e = runFile(**clone, path, stacked, addBatch))
      return fail(llvm::toString(std::move(e)));
    if (full)
      break;
  }
  // The rows scored: evenly spaced over every position, as many as the
  // scoring budget allows.
  llvm::DenseMap<Operation *, const Layer *> layerOf;
  for (const Layer &layer : model.getLayers())
    if (InputEqObserverOp o = findObservers(layer).inputEq)
      layerOf[o] = &layer;
  for (auto [op, x] : llvm::zip(picked, recorded)) {
    const Layer *layer = layerOf.lookup(op);
    std::string why;
    std::optional<RowGeometry> g =
        layer ? getRowGeometry(*layer, x.shape, why) : std::nullopt;
    auto wType = layer ? dyn_cast<ShapedType>(layer->getWeight().getType())
                       : ShapedType();
    if (!g || !wType || !wType.hasStaticShape() || g->rowLength() == 0)
      continue;
    int64_t positions = g->numPositions();
    int64_t count =
        getScoredPositions(positions, wType.getDimSize(0) * g->rowLength());
    SampleRows &rows = samples[op];
    rows.channels = g->channels;
    rows.taps = g->taps;
    rows.values.resize(count * g->rowLength());
    for (int64_t i = 0; i < count; ++i)
      g->extractRow(x.values, i * positions / count,
                    rows.values.data() + i * g->rowLength());
  }
  return success();
}
