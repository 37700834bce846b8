//===- Calibrate.cpp - the --eqq-calibrate pass ---------------------------===//
//
// Runs a prepared model on calibration batches (in the JIT, through the
// model runner of ModelRunner.h) and records what its observers saw. A
// clone of the entry function returns each observer's batch statistics next
// to its results; the host folds them into running statistics with
// PyTorch's rules (Support/Statistics.h).
//
//===----------------------------------------------------------------------===//

#include "Convert/Observers.h"
#include "Convert/Samples.h"

#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Json.h"
#include "EqQuant/Support/Statistics.h"
#include "EqQuant/Transforms/ModelRunner.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Threading.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <cmath>
#include <limits>

#define DEBUG_TYPE "eqq-calibrate"

namespace mlir::eqq {
#define GEN_PASS_DEF_CALIBRATEPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

namespace {

/// One observer being calibrated: its op in the original module and its
/// running statistics.
struct Observed {
  ObserverOpInterface op;
  RunningStats stats;
  /// The axis whose channels are kept, for per-channel statistics.
  std::optional<int64_t> channelAxis;
  int64_t channels = 1;
  /// For the input-equalization observer in front of a layer: how that
  /// layer reads the slice of each batch the clone returns (leading indices
  /// `sliceImages` of the observed tensor, every `sliceStride`-th), and the
  /// sample of its rows kept so far.
  std::optional<RowGeometry> rows;
  int64_t sliceImages = 0, sliceStride = 1;
  std::unique_ptr<RowReservoir> reservoir;
};

/// The output of an op that shares its input's observer
/// (`eqq.shares_observer`): as PyTorch's one observer instance, the observer
/// quantizing the op's input (`observed[target]`) observes it too.
struct SharedFeed {
  /// The op's index among the function's sharing ops (getSharingOps), which
  /// finds it in the clone calibration runs.
  size_t index;
  size_t target;
};

/// Values of one batch's observed tensor that the clone returns for
/// sampling (whole leading indices, spread over the batch; at least one).
static constexpr int64_t kSliceValues = int64_t(1) << 19;

} // namespace

/// The observers of `func` that calibration data feeds (not those of
/// constants), in program order.
static SmallVector<ObserverOpInterface>
getCalibratedObservers(func::FuncOp func) {
  SmallVector<ObserverOpInterface> result;
  func.walk([&](ObserverOpInterface op) {
    // A fixed_qparams observer's range is fixed, not calibrated.
    auto act = dyn_cast<ActObserverOp>(op.getOperation());
    if (act && act.getKind() == ObserverKind::fixed_qparams)
      return;
    if (!op.observesWeight() && !getConstantThroughObservers(op.getInput()))
      result.push_back(op);
  });
  return result;
}

static Observed
describe(ObserverOpInterface op,
         const llvm::DenseMap<Operation *, const Layer *> &sampledLayers) {
  Observed o;
  o.op = op;
  // Statistics already present are where calibration resumes.
  o.stats = op.getRunningStatistics();
  o.channelAxis = op.getStatisticsAxis();
  o.channels = op.getNumStatChannels();
  const Layer *layer = sampledLayers.lookup(op);
  if (!layer)
    return o;
  // The rows the layer multiplies, sampled from a slice of each batch.
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!type.hasStaticShape() || type.getRank() < 2 || type.getDimSize(0) < 1)
    return o;
  int64_t batch = type.getDimSize(0);
  int64_t perImage = type.getNumElements() / batch;
  int64_t images = std::clamp<int64_t>(
      (kSliceValues + perImage - 1) / std::max<int64_t>(1, perImage), 1, batch);
  SmallVector<int64_t> sliceShape(type.getShape());
  sliceShape[0] = images;
  std::string why;
  std::optional<RowGeometry> g = getRowGeometry(*layer, sliceShape, why);
  if (!g || g->rowLength() == 0)
    return o;
  o.rows = *g;
  o.sliceImages = images;
  o.sliceStride = batch / images;
  o.reservoir = std::make_unique<RowReservoir>(
      getSampleCapacity(g->rowLength()), g->rowLength());
  auto inEq = cast<InputEqObserverOp>(op.getOperation());
  SampleRows stored = getStoredSamples(inEq);
  if (stored.rowLength() == g->rowLength() && inEq.getSamplesSeen())
    o.reservoir->addSample(stored.values, *inEq.getSamplesSeen());
  return o;
}

/// min or max of `x` over every axis but `keepAxis` (all axes without one).
static Value buildReduction(OpBuilder &b, Location loc, Value x,
                            std::optional<int64_t> keepAxis, bool isMin) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> dims, shape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (keepAxis && d == *keepAxis)
      shape.push_back(type.getDimSize(d));
    else
      dims.push_back(d);
  }
  Type f32 = b.getF32Type();
  float start = isMin ? std::numeric_limits<float>::infinity()
                      : -std::numeric_limits<float>::infinity();
  Value init = tensor::EmptyOp::create(b, loc, shape, f32);
  Value startValue =
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(start));
  Value filled = linalg::FillOp::create(b, loc, startValue, init).getResult(0);
  auto reduce = linalg::ReduceOp::create(
      b, loc, ValueRange{x}, ValueRange{filled}, dims,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        // minimumf/maximumf propagate NaN, as torch.aminmax does.
        Value r = isMin ? arith::MinimumFOp::create(nb, nloc, args[0], args[1])
                              .getResult()
                        : arith::MaximumFOp::create(nb, nloc, args[0], args[1])
                              .getResult();
        linalg::YieldOp::create(nb, nloc, r);
      });
  return reduce.getResult(0);
}

/// The ops of `func` marked `eqq.shares_observer`, in program order.
static SmallVector<Operation *> getSharingOps(func::FuncOp func) {
  SmallVector<Operation *> ops;
  EqqDialect::SharesObserverAttrHelper helper(func.getContext());
  func.walk([&](Operation *op) {
    if (helper.isAttrPresent(op) && op->getNumResults() == 1)
      ops.push_back(op);
  });
  return ops;
}

/// The index in `observed` of the observer quantizing the input of sharing
/// op `op`: up through reshapes, other sharing ops and input-equalization
/// observers (the per-channel statistics a max pool's input carries when a
/// scale folds across it).
static std::optional<size_t> findSharedTarget(Operation *op,
                                              ArrayRef<Observed> observed) {
  Value v = op->getResult(0);
  EqqDialect::SharesObserverAttrHelper helper(op->getContext());
  while (Operation *def = v.getDefiningOp()) {
    if (isa<ActObserverOp>(def)) {
      for (auto [i, o] : llvm::enumerate(observed))
        if (static_cast<Operation *>(o.op) == def)
          return i;
      return std::nullopt;
    }
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, InputEqObserverOp>(
            def)) {
      v = def->getOperand(0);
      continue;
    }
    OpOperand *in = helper.isAttrPresent(def) ? matchSharingOp(v) : nullptr;
    if (!in)
      return std::nullopt;
    v = in->get();
  }
  return std::nullopt;
}

/// Adds to `func` (in a clone) what it returns after its results: each
/// observer's batch statistics, min and max tensors, or the observed tensor
/// itself for histogram observers; then the same for each sharing op's
/// output, with its target observer's axis.
static SmallVector<Value> instrument(func::FuncOp func,
                                     ArrayRef<Observed> observed,
                                     ArrayRef<SharedFeed> feeds) {
  SmallVector<Value> extra;
  // The batch statistics of `op`'s result for observer `o`, and with
  // `sampleRows` the slice of it the layer's row sample is drawn from.
  auto addStatistics = [&](Operation *op, const Observed &o, bool sampleRows) {
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    Value x = op->getResult(0);
    if (o.stats.rule == AccumulationRule::Histogram) {
      extra.push_back(x);
      return;
    }
    extra.push_back(buildReduction(b, op->getLoc(), x, o.channelAxis, true));
    extra.push_back(buildReduction(b, op->getLoc(), x, o.channelAxis, false));
    if (!sampleRows || !o.rows)
      return;
    // The slice sampled for the layer's rows: whole leading indices.
    auto type = cast<RankedTensorType>(x.getType());
    if (o.sliceImages == type.getDimSize(0)) {
      // A copy: the observed value may be returned already (a histogram
      // observer's, or an argument), and each result needs its own buffer.
      Value empty = tensor::EmptyOp::create(b, op->getLoc(), type.getShape(),
                                            type.getElementType());
      extra.push_back(
          linalg::CopyOp::create(b, op->getLoc(), x, empty).getResult(0));
      return;
    }
    int64_t rank = type.getRank();
    SmallVector<int64_t> offsets(rank, 0), sizes(type.getShape()),
        strides(rank, 1);
    sizes[0] = o.sliceImages;
    strides[0] = o.sliceStride;
    MLIRContext *ctx = op->getContext();
    extra.push_back(tensor::ExtractSliceOp::create(
        b, op->getLoc(), x, getAsIndexOpFoldResult(ctx, offsets),
        getAsIndexOpFoldResult(ctx, sizes),
        getAsIndexOpFoldResult(ctx, strides)));
  };
  SmallVector<ObserverOpInterface> ops = getCalibratedObservers(func);
  assert(ops.size() == observed.size());
  for (auto [op, o] : llvm::zip(ops, observed))
    addStatistics(op, o, /*sampleRows=*/true);
  SmallVector<Operation *> sharing = getSharingOps(func);
  for (const SharedFeed &feed : feeds)
    addStatistics(sharing[feed.index], observed[feed.target],
                  /*sampleRows=*/false);
  return extra;
}

/// The index of the first NaN or Inf of a float array, if any.
//===----------------------------------------------------------------------===//
// Statistics files
//===----------------------------------------------------------------------===//

static constexpr StringLiteral kStatsFormat = "eqquant-stats/1";

/// The "scale" and "zero_point" an observer's statistics give, if any.
static void writeQParams(llvm::json::OStream &j, ObserverOpInterface observer) {
  if (std::optional<QParams> q = observer.getQParams())
    json::writeQParams(j, *q);
}

static StringRef getObserverKindName(const Observed &o) {
  if (auto act = dyn_cast<ActObserverOp>(static_cast<Operation *>(o.op)))
    return stringifyObserverKind(act.getKind());
  return "input_equalization";
}

/// The statistics file's "layers": for each layer of `func`, in program
/// order, its name and kind and the indices (into "observers" and "weights")
/// of the observers of its input, output and weight, so that the file reads
/// without the module.
static void writeLayers(raw_ostream &os, func::FuncOp func,
                        ArrayRef<Observed> observed,
                        ArrayRef<ObserverOpInterface> weights) {
  llvm::DenseMap<Operation *, int64_t> observerIndex, weightIndex;
  for (auto [i, o] : llvm::enumerate(observed))
    observerIndex[o.op] = static_cast<int64_t>(i);
  for (auto [i, w] : llvm::enumerate(weights))
    weightIndex[w] = static_cast<int64_t>(i);
  // The indices of the observers that produce `v`, looking through
  // observers and reshapes.
  auto above = [](Value v, const llvm::DenseMap<Operation *, int64_t> &index) {
    SmallVector<int64_t> found;
    while (Operation *def = v.getDefiningOp()) {
      if (!isa<ObserverOpInterface, tensor::CollapseShapeOp,
               tensor::ExpandShapeOp>(def))
        break;
      if (auto it = index.find(def); it != index.end())
        found.push_back(it->second);
      v = def->getOperand(0);
    }
    llvm::sort(found);
    return found;
  };
  ModelAnalysis model(func->getParentOfType<ModuleOp>());
  SmallVector<const Layer *> layers;
  for (const Layer &layer : model.getLayers())
    if (layer.op->getParentOfType<func::FuncOp>() == func)
      layers.push_back(&layer);
  for (size_t i = 0, e = layers.size(); i < e; ++i) {
    const Layer &layer = *layers[i];
    SmallVector<int64_t> outputs;
    for (Value v : {layer.output, layer.getOutputAfterRelu()})
      for (Operation *user : v.getUsers())
        if (auto it = observerIndex.find(user); it != observerIndex.end())
          outputs.push_back(it->second);
    llvm::sort(outputs);
    outputs.erase(llvm::unique(outputs), outputs.end());
    llvm::json::OStream j(os);
    j.object([&] {
      j.attribute("name", layer.name);
      j.attribute("kind", getLayerKindName(layer.kind));
      auto list = [&](StringRef key, ArrayRef<int64_t> indices) {
        j.attributeArray(key, [&] {
          for (int64_t index : indices)
            j.value(index);
        });
      };
      list("input", above(layer.getInput(), observerIndex));
      list("output", outputs);
      list("weight", above(layer.getWeight(), weightIndex));
    });
    os << (i + 1 < e ? ",\n" : "\n");
  }
}

/// The statistics file: the header, then one observer per line.
static llvm::Error writeStats(StringRef path, func::FuncOp func,
                              ArrayRef<Observed> observed, int64_t batches) {
  StringRef entry = func.getSymName();
  return llvm::writeToOutput(path, [&](raw_ostream &os) {
    os << llvm::formatv("{{\"format\": \"{0}\", \"function\": {1}, "
                        "\"batches\": {2}, \"observers\": [\n",
                        kStatsFormat, llvm::json::Value(entry.str()), batches);
    for (size_t i = 0, e = observed.size(); i < e; ++i) {
      const Observed &o = observed[i];
      llvm::json::OStream j(os);
      j.object([&] {
        j.attribute("index", static_cast<int64_t>(i));
        j.attribute("op", o.op->getName().getStringRef());
        j.attribute("kind", getObserverKindName(o));
        std::string type;
        llvm::raw_string_ostream ts(type);
        ts << o.op->getOperand(0).getType();
        j.attribute("type", type);
        j.attributeBegin("min_val");
        json::writeFloats(j, o.stats.min);
        j.attributeEnd();
        j.attributeBegin("max_val");
        json::writeFloats(j, o.stats.max);
        j.attributeEnd();
        if (o.stats.rule == AccumulationRule::Histogram) {
          j.attributeBegin("histogram");
          json::writeFloats(j, o.stats.histogram);
          j.attributeEnd();
        }
        // The sampled rows of the layer behind an input-equalization
        // observer (optional: files without them stay valid).
        if (o.reservoir && o.reservoir->getNumRows() > 0) {
          j.attributeObject("samples", [&] {
            j.attribute("seen", o.reservoir->getSeen());
            j.attributeArray("shape", [&] {
              j.value(o.reservoir->getNumRows());
              j.value(o.rows->channels);
              j.value(o.rows->taps);
            });
            j.attributeBegin("values");
            json::writeFloats(j, o.reservoir->getValues());
            j.attributeEnd();
          });
        }
        // What the statistics mean for quantization (informational).
        writeQParams(j, o.op);
      });
      os << (i + 1 < e ? ",\n" : "\n");
    }
    // The weight observers' statistics, computed from the constants when the
    // module was prepared; for information, not read back.
    os << "], \"weights\": [\n";
    SmallVector<ObserverOpInterface> weights;
    func.walk([&](ObserverOpInterface op) {
      if (op.observesWeight())
        weights.push_back(op);
    });
    for (size_t i = 0, e = weights.size(); i < e; ++i) {
      ObserverOpInterface op = weights[i];
      llvm::json::OStream j(os);
      j.object([&] {
        j.attribute("op", op->getName().getStringRef());
        std::string type;
        llvm::raw_string_ostream ts(type);
        ts << op->getOperand(0).getType();
        j.attribute("type", type);
        auto stat = [&](StringRef name, DenseF32ArrayAttr a) {
          if (a) {
            j.attributeBegin(name);
            json::writeFloats(j, a.asArrayRef());
            j.attributeEnd();
          }
        };
        stat("min_val", op.getMinValAttr());
        stat("max_val", op.getMaxValAttr());
        writeQParams(j, op);
      });
      os << (i + 1 < e ? ",\n" : "\n");
    }
    os << "], \"layers\": [\n";
    writeLayers(os, func, observed, weights);
    os << "]}\n";
    return llvm::Error::success();
  });
}

namespace {
/// An observer's sampled rows as a statistics file holds them.
struct LoadedSamples {
  SmallVector<float> values;
  int64_t seen = 0;
};

/// Reads a statistics file written by writeStats.
class StatsReader {
public:
  StatsReader(StringRef path, StringRef entry, ArrayRef<Observed> observed)
      : path(path), entry(entry), observed(observed) {}

  /// Parses the file into one RunningStats per observer (rules copied from
  /// `observed`) and its batch count.
  llvm::Error read(SmallVectorImpl<RunningStats> &result,
                   SmallVectorImpl<std::optional<LoadedSamples>> &samples,
                   int64_t &batches) {
    json::Value root;
    json::Position pos;
    std::string error;
    if (!json::parseFile(path, root, pos, error))
      return pos.line ? fail(pos, "malformed JSON: " + error)
                      : llvm::createStringError(error);
    if (!root.isObject())
      return fail(root.pos, "expected a JSON object");
    const json::Value *format = root.get("format");
    if (!format || !format->isString() || format->string != kStatsFormat)
      return fail(format ? format->pos : root.pos,
                  "'format' must be \"" + kStatsFormat.str() + "\"");
    const json::Value *function = root.get("function");
    if (!function || !function->isString() || function->string != entry)
      return fail(function ? function->pos : root.pos,
                  "'function' must be \"" + entry + "\", the calibrated one");
    const json::Value *b = root.get("batches");
    if (!b || !b->isNumber() || !b->isInteger || b->number < 0)
      return fail(b ? b->pos : root.pos,
                  "'batches' must be a non-negative integer");
    batches = static_cast<int64_t>(b->number);
    const json::Value *list = root.get("observers");
    if (!list || !list->isArray())
      return fail(list ? list->pos : root.pos, "'observers' must be an array");
    if (list->elements.size() != observed.size())
      return fail(list->pos, "the file has " +
                                 std::to_string(list->elements.size()) +
                                 " observers; the module has " +
                                 std::to_string(observed.size()));
    for (auto [i, entryValue] : llvm::enumerate(list->elements)) {
      RunningStats stats = observed[i].stats;
      stats.min.clear();
      stats.max.clear();
      stats.histogram.clear();
      std::optional<LoadedSamples> loaded;
      if (llvm::Error e = readObserver(entryValue, i, stats, loaded))
        return e;
      result.push_back(std::move(stats));
      samples.push_back(std::move(loaded));
    }
    return llvm::Error::success();
  }

private:
  StringRef path, entry;
  ArrayRef<Observed> observed;

  llvm::Error fail(json::Position pos, const Twine &message) {
    return llvm::createStringError(llvm::formatv("{0}:{1}:{2}: {3} (line {1})",
                                                 path, pos.line, pos.column,
                                                 message.str())
                                       .str());
  }

  llvm::Error readNumbers(const json::Value &v, StringRef what, size_t size,
                          SmallVectorImpl<float> &out) {
    if (!v.isArray() || v.elements.size() != size)
      return fail(v.pos, "'" + what + "' must be an array of " +
                             std::to_string(size) + " numbers");
    for (const json::Value &e : v.elements) {
      std::optional<float> f = json::readFloat(e);
      if (!f)
        return fail(e.pos,
                    "'" + what + R"(' holds numbers or "inf", "-inf", "nan")");
      out.push_back(*f);
    }
    return llvm::Error::success();
  }

  llvm::Error readObserver(const json::Value &v, size_t index,
                           RunningStats &stats,
                           std::optional<LoadedSamples> &samples) {
    const Observed &o = observed[index];
    std::string where = "observer " + std::to_string(index);
    if (!v.isObject())
      return fail(v.pos, where + " must be an object");
    auto checkString = [&](StringRef key, StringRef expected) -> llvm::Error {
      const json::Value *s = v.get(key);
      if (!s || !s->isString() || s->string != expected)
        return fail(s ? s->pos : v.pos, where + ": '" + key + "' must be \"" +
                                            expected +
                                            "\" to match the module");
      return llvm::Error::success();
    };
    std::string type;
    llvm::raw_string_ostream ts(type);
    ts << o.op->getOperand(0).getType();
    if (llvm::Error e = checkString("op", o.op->getName().getStringRef()))
      return e;
    if (llvm::Error e = checkString("kind", getObserverKindName(o)))
      return e;
    if (llvm::Error e = checkString("type", type))
      return e;
    const json::Value *minV = v.get("min_val"), *maxV = v.get("max_val");
    if (!minV || !maxV)
      return fail(v.pos, where + " needs 'min_val' and 'max_val'");
    // An observer that saw no data has empty statistics.
    size_t size = minV->isArray() && minV->elements.empty() ? 0 : o.channels;
    if (llvm::Error e = readNumbers(*minV, "min_val", size, stats.min))
      return e;
    if (llvm::Error e = readNumbers(*maxV, "max_val", size, stats.max))
      return e;
    if (stats.rule == AccumulationRule::Histogram && size) {
      const json::Value *h = v.get("histogram");
      if (!h)
        return fail(v.pos, where + " needs 'histogram'");
      if (llvm::Error e =
              readNumbers(*h, "histogram", static_cast<size_t>(stats.bins),
                          stats.histogram))
        return e;
    }
    // Sampled rows: optional; read where the module samples this observer.
    const json::Value *sv = v.get("samples");
    if (!sv || !o.rows)
      return llvm::Error::success();
    auto integer = [](const json::Value *n) {
      return n && n->isNumber() && n->isInteger && n->number >= 0;
    };
    const json::Value *seen = sv->isObject() ? sv->get("seen") : nullptr;
    const json::Value *shape = sv->isObject() ? sv->get("shape") : nullptr;
    const json::Value *values = sv->isObject() ? sv->get("values") : nullptr;
    if (!integer(seen) || !shape || !shape->isArray() ||
        shape->elements.size() != 3 ||
        !llvm::all_of(shape->elements,
                      [&](const json::Value &d) { return integer(&d); }) ||
        !values)
      return fail(sv->pos, where + ": 'samples' must be {\"seen\": N, "
                                   "\"shape\": [rows, channels, taps], "
                                   "\"values\": [...]}");
    int64_t rows = static_cast<int64_t>(shape->elements[0].number);
    int64_t channels = static_cast<int64_t>(shape->elements[1].number);
    int64_t taps = static_cast<int64_t>(shape->elements[2].number);
    if (channels != o.rows->channels || taps != o.rows->taps)
      return fail(shape->pos, where + ": 'samples' must have shape [rows, " +
                                  std::to_string(o.rows->channels) + ", " +
                                  std::to_string(o.rows->taps) +
                                  "] to match the module");
    if (static_cast<int64_t>(seen->number) < rows)
      return fail(seen->pos, where + ": 'samples' 'seen' is less than its " +
                                 std::to_string(rows) + " rows");
    samples.emplace();
    samples->seen = static_cast<int64_t>(seen->number);
    return readNumbers(*values, "values",
                       static_cast<size_t>(rows * channels * taps),
                       samples->values);
  }
};

struct CalibratePass : eqq::impl::CalibratePassBase<CalibratePass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace

void CalibratePass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &message) {
    emitError(module.getLoc(), "eqq-calibrate: ") << message;
    signalPassFailure();
  };
  if (data.empty() && statsIn.empty())
    return fail("no calibration data: give data=FILE.npy[,FILE.npy...] "
                "(or stats-in=FILE.json to apply saved statistics)");
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    return fail("no function @" + entry + " with a body to calibrate");

  // The input-equalization observers in front of layers sample the rows
  // of their layer.
  llvm::DenseMap<Operation *, const Layer *> sampledLayers;
  ModelAnalysis model(module);
  for (const Layer &layer : model.getLayers())
    if (InputEqObserverOp inEq = findObservers(layer).inputEq)
      if (layer.op->getParentOfType<func::FuncOp>() == func)
        sampledLayers[inEq] = &layer;
  SmallVector<Observed, 0> observed;
  for (ObserverOpInterface op : getCalibratedObservers(func))
    observed.push_back(describe(op, sampledLayers));
  SmallVector<SharedFeed> feeds;
  for (auto [i, op] : llvm::enumerate(getSharingOps(func)))
    if (std::optional<size_t> target = findSharedTarget(op, observed);
        target && observed[*target].channels == 1)
      feeds.push_back({i, *target});
  int64_t batches = 0;

  for (const std::string &path : statsIn) {
    SmallVector<RunningStats> loaded;
    SmallVector<std::optional<LoadedSamples>> loadedSamples;
    int64_t loadedBatches = 0;
    if (llvm::Error e = StatsReader(path, entry, observed)
                            .read(loaded, loadedSamples, loadedBatches))
      return fail(llvm::toString(std::move(e)));
    for (auto [o, s, rows] : llvm::zip(observed, loaded, loadedSamples)) {
      o.stats.merge(s);
      if (o.reservoir && rows)
        o.reservoir->addSample(rows->values, rows->seen);
    }
    batches += loadedBatches;
  }

  if (!data.empty()) {
    llvm::Expected<std::unique_ptr<InstrumentedRunner>> clone =
        compileInstrumented(module, entry, [&](func::FuncOp f) {
          return instrument(f, observed, feeds);
        });
    if (!clone)
      return fail(llvm::toString(clone.takeError()));

    // Where each batch's results go, in the order instrument() added them:
    // each observer's statistics take their own results, then those of the
    // ops that share it (in feed order); an input-equalization observer's
    // sample takes one more.
    SmallVector<SmallVector<size_t>> statsResults(observed.size());
    SmallVector<std::pair<size_t, size_t>> sampleResults;
    size_t r = 0;
    auto take = [&](size_t i) {
      statsResults[i].push_back(r);
      r += observed[i].stats.rule == AccumulationRule::Histogram ? 1 : 2;
    };
    for (auto [i, o] : llvm::enumerate(observed)) {
      take(i);
      if (o.stats.rule != AccumulationRule::Histogram && o.reservoir)
        sampleResults.emplace_back(i, r++);
    }
    for (const SharedFeed &feed : feeds)
      take(feed.target);

    using Clock = std::chrono::steady_clock;
    Clock::time_point start = Clock::now(), lastReport = start;
    for (size_t n = 0; n < data.size(); ++n) {
      auto addBatch = [&]() -> llvm::Expected<bool> {
        ArrayRef<NpyArray> results = (*clone)->getPickedResults();
        // The observers' statistics are independent: histograms and ranges
        // are computed on every thread of the context, each observer's
        // updates in their order.
        mlir::parallelFor(&getContext(), 0, observed.size(), [&](size_t i) {
          RunningStats &stats = observed[i].stats;
          for (size_t first : statsResults[i]) {
            if (stats.rule == AccumulationRule::Histogram)
              stats.addHistogramBatch(results[first].getValues<float>());
            else
              stats.addRange(results[first].getValues<float>(),
                             results[first + 1].getValues<float>());
          }
        });
        for (auto [i, first] : sampleResults) {
          Observed &o = observed[i];
          ArrayRef<float> x = results[first].getValues<float>();
          const RowGeometry &g = *o.rows;
          o.reservoir->offer(g.numPositions(), [&](int64_t p, float *row) {
            g.extractRow(x, p, row);
          });
        }
        ++batches;
        Clock::time_point now = Clock::now();
        if (now - start > std::chrono::seconds(2) &&
            now - lastReport > std::chrono::seconds(2)) {
          lastReport = now;
          llvm::errs() << llvm::formatv(
              "eqq-calibrate: {0} batches (file {1}/{2}), {3:F1} s\n", batches,
              n + 1, data.size(),
              std::chrono::duration<double>(now - start).count());
        }
        return true;
      };
      if (llvm::Error e = runFile(**clone, data[n], stacked, addBatch))
        return fail(llvm::toString(std::move(e)));
    }
  }

  // Write the statistics onto the observers (before the statistics file,
  // whose quantization parameters are read from them).
  for (Observed &o : observed) {
    if (o.stats.empty())
      continue;
    ObserverStatistics s{o.stats.min, o.stats.max, {}};
    if (o.stats.rule == AccumulationRule::Histogram)
      s.histogram = o.stats.histogram;
    o.op.setStatistics(s);
    if (o.reservoir && o.reservoir->getNumRows() > 0)
      setStoredSamples(cast<InputEqObserverOp>(o.op.getOperation()),
                       o.reservoir->getValues(), o.rows->channels, o.rows->taps,
                       o.reservoir->getSeen());
  }

  if (!statsOut.empty())
    if (llvm::Error e = writeStats(statsOut, func, observed, batches))
      return fail("cannot write '" + statsOut +
                  "': " + llvm::toString(std::move(e)));
}
