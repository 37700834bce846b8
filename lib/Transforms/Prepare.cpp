//===- Prepare.cpp - the --eqq-prepare pass -------------------------------===//
//
// Inserts eqq observers for quantization and input-weight equalization, with
// the placement rules of PyTorch's prepare_fx and _equalization_config.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Analysis/Config.h"
#include "EqQuant/Analysis/Layers.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Sqnr.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <functional>

#define DEBUG_TYPE "eqq-prepare"

namespace mlir::eqq {
#define GEN_PASS_DEF_PREPAREPASS
#include "EqQuant/Transforms/Passes.h.inc"
} // namespace mlir::eqq

using namespace mlir;
using namespace mlir::eqq;

/// Creates a quantization observer of kind OpTy on `input` from `spec`.
template <typename OpTy>
static OpTy createObserver(OpBuilder &b, Location loc, Value input,
                           const ObserverSpec &spec, int64_t axis) {
  auto intAttr = [&](std::optional<int64_t> v) -> IntegerAttr {
    return v ? b.getI64IntegerAttr(*v) : IntegerAttr();
  };
  return OpTy::create(
      b, loc, input.getType(), input, spec.kind, spec.dtype, spec.qscheme,
      intAttr(spec.quantMin), intAttr(spec.quantMax), spec.reduceRange, axis,
      llvm::APFloat(spec.averagingConstant), spec.bins, DenseF32ArrayAttr(),
      DenseF32ArrayAttr(), DenseF32ArrayAttr());
}

/// True when the module_name key `key` matches the layer or op `name`: the
/// name itself or a dotted descendant (`top` matches `top.0`).
static bool matchesModuleName(StringRef key, StringRef name) {
  name = getConfigName(name);
  return name.consume_front(key) && (name.empty() || name.front() == '.');
}

/// Warns about each non-null module_name entry of the qconfig that matches
/// no recognized layer, relu or add: the ops it names (if any) stay float.
static void warnUnmatchedModuleNames(ModuleOp module,
                                     const ModelAnalysis &model,
                                     const Config &cfg) {
  for (const auto &item : cfg.qconfig.moduleName) {
    const std::string &key = item.first;
    const auto &entry = item.second;
    if (!entry)
      continue;
    if (llvm::any_of(
            model.getLayers(),
            [&](const Layer &l) { return matchesModuleName(key, l.name); }) ||
        llvm::any_of(model.getElementwiseOps(), [&](const ElementwiseOp &e) {
          return matchesModuleName(key, e.name);
        }))
      continue;
    // The first op of a model function that the entry names, skipping the
    // constants and tensor allocations a front end may name too.
    Operation *named = nullptr;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      func.walk([&](Operation *op) {
        if (op->hasTrait<OpTrait::ConstantLike>() ||
            isa<tensor::EmptyOp, linalg::FillOp, func::ReturnOp>(op) ||
            !matchesModuleName(key, getNameFromLoc(op->getLoc())))
          return WalkResult::advance();
        named = op;
        return WalkResult::interrupt();
      });
      if (named)
        break;
    }
    if (named)
      named->emitWarning("'")
          << named->getName() << "' named '" << getNameFromLoc(named->getLoc())
          << "' stays float: module_name '" << key
          << "' asks to quantize it, but it is no linear, conv, relu or add "
             "in a recognized spelling";
    else
      emitWarning(module.getLoc(), "module_name '")
          << key << "' of the qconfig matches no op";
  }
}

/// Why the weight of the depthwise conv `layer` cannot be quantized as
/// PyTorch's `C x 1 x KH x KW` weight, or "" when it can: it must be that
/// constant read through a tensor.collapse_shape, or a `C x KH x KW`
/// constant, with C the input's channels.
static std::string checkDepthwiseWeight(const Layer &layer) {
  auto wType = cast<RankedTensorType>(layer.getWeight().getType());
  auto inType = cast<RankedTensorType>(layer.getInput().getType());
  std::string problem;
  llvm::raw_string_ostream os(problem);
  auto printType = [&](Type t) { os << "'" << t << "'"; };
  if (Operation *def = layer.getWeight().getDefiningOp();
      def && isa<tensor::CollapseShapeOp>(def)) {
    os << "its depthwise weight is a tensor.collapse_shape of ";
    printType(def->getOperand(0).getType());
    os << " that is not the C x 1 x KH x KW weight of PyTorch's layout (or "
          "that other ops read too)";
    return problem;
  }
  int64_t c = inType.getDimSize(1);
  ArrayRef<int64_t> shape = wType.getShape();
  bool ok = (shape.size() == 4 && shape[0] == c && shape[1] == 1) ||
            (shape.size() == 3 && shape[0] == c);
  if (!ok) {
    os << "its depthwise weight ";
    printType(wType);
    os << " does not match the input's " << c << " channels (expected " << c
       << " x 1 x KH x KW)";
  }
  return problem;
}

/// Folds an observer of a constant, which computes its statistics.
static void foldStatistics(Operation *op) {
  SmallVector<OpFoldResult> results;
  (void)op->fold(results);
}

/// PyTorch's FixedQParamsObserver for an op with fixed output qparams, with
/// the activation dtype of its qconfig: the whole storage range (no
/// reduce_range), per tensor affine.
static ObserverSpec getFixedQParamsSpec(const ObserverSpec &activation) {
  ObserverSpec spec = activation;
  spec.kind = ObserverKind::fixed_qparams;
  spec.qscheme = QScheme::per_tensor_affine;
  auto [lo, hi] = getStorageRange(spec.dtype);
  spec.quantMin = lo;
  spec.quantMax = hi;
  spec.reduceRange = false;
  return spec;
}

/// Sets a fixed_qparams observer's range to the op table's for `info`.
static void setFixedRange(ActObserverOp obs, const OpKindInfo &info) {
  ObserverStatistics stats;
  stats.min = {info.fixedRangeLo};
  stats.max = {info.fixedRangeHi};
  obs.setStatistics(stats);
}

namespace {
/// What prepare decided for one layer.
struct LayerPlan {
  std::optional<QConfig> qconfig;
  std::optional<EqualizationConfig> equalization;
  bool fuseRelu = false;
};

struct PreparePass : eqq::impl::PreparePassBase<PreparePass> {
  using Base::Base;

  void runOnOperation() override;

private:
  std::optional<Config> loadConfig();
  LogicalResult selectTopK(const ModelAnalysis &model,
                           std::optional<llvm::StringSet<>> &selected);
};
} // namespace

std::optional<Config> PreparePass::loadConfig() {
  if (config.empty())
    return Config::getDefault();
  MLIRContext *ctx = &getContext();
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(config, &errorMessage);
  if (!file) {
    emitError(UnknownLoc::get(ctx))
        << "cannot read config file '" << config << "': " << errorMessage;
    return std::nullopt;
  }
  ConfigError error;
  std::optional<Config> parsed = Config::parse(file->getBuffer(), error);
  if (!parsed) {
    emitError(
        FileLineColLoc::get(ctx, config, error.pos.line, error.pos.column))
        << "invalid config (line " << error.pos.line << "): " << error.message;
    return std::nullopt;
  }
  return parsed;
}

/// equalize-top-k=N sqnr=FILE: the names of the N layers with the lowest
/// SQNR in FILE (ascending, NaN first, ties in program order) in `selected`;
/// nothing when the options are not given.
LogicalResult
PreparePass::selectTopK(const ModelAnalysis &model,
                        std::optional<llvm::StringSet<>> &selected) {
  MLIRContext *ctx = &getContext();
  Location unknown = UnknownLoc::get(ctx);
  if (sqnr.empty()) {
    if (equalizeTopK == -1)
      return success();
    return emitError(unknown)
           << "equalize-top-k needs sqnr=FILE.json, the per-layer SQNR that "
              "eq-run --compare --json prints";
  }
  if (equalizeTopK < 0) {
    if (equalizeTopK == -1)
      return emitError(unknown) << "sqnr= needs equalize-top-k=N, the number "
                                   "of layers to equalize";
    return emitError(unknown)
           << "equalize-top-k must be a number of layers (>= 0), got "
           << static_cast<int64_t>(equalizeTopK);
  }
  json::Position pos;
  std::string error;
  std::optional<SmallVector<LayerSqnr>> entries =
      readSqnrFile(sqnr, pos, error);
  if (!entries) {
    if (!pos.line)
      return emitError(unknown) << error;
    return emitError(FileLineColLoc::get(ctx, sqnr, pos.line, pos.column))
           << "invalid SQNR file (line " << pos.line << "): " << error;
  }

  llvm::StringMap<size_t> programOrder;
  for (auto [i, layer] : llvm::enumerate(model.getLayers()))
    programOrder[layer.name] = i;
  SmallVector<const LayerSqnr *> unknownLayers;
  for (const LayerSqnr &entry : *entries)
    if (!programOrder.count(entry.name))
      unknownLayers.push_back(&entry);
  if (!unknownLayers.empty()) {
    const json::Position &at = unknownLayers.front()->pos;
    InFlightDiagnostic diag =
        emitError(FileLineColLoc::get(ctx, sqnr, at.line, at.column))
        << "the SQNR file names " << unknownLayers.size()
        << " layer(s) the module does not have: ";
    llvm::interleaveComma(unknownLayers, diag, [&](const LayerSqnr *entry) {
      diag << "'" << entry->name << "' (line " << entry->pos.line << ")";
    });
    return diag;
  }

  SmallVector<const LayerSqnr *> order;
  for (const LayerSqnr &entry : *entries)
    order.push_back(&entry);
  // A total order (names are unique): SQNR, NaN lowest, then program order.
  auto key = [](double v) { return std::isnan(v) ? -INFINITY : v; };
  llvm::sort(order, [&](const LayerSqnr *a, const LayerSqnr *b) {
    if (key(a->sqnrDb) != key(b->sqnrDb))
      return key(a->sqnrDb) < key(b->sqnrDb);
    return programOrder[a->name] < programOrder[b->name];
  });
  size_t count = static_cast<size_t>(equalizeTopK);
  if (count > order.size()) {
    emitWarning(getOperation().getLoc())
        << "equalize-top-k=" << static_cast<int64_t>(equalizeTopK) << " but '"
        << sqnr << "' lists " << order.size()
        << " layer(s); equalizing all of them";
    count = order.size();
  }
  selected.emplace();
  for (const LayerSqnr *entry : ArrayRef(order).take_front(count))
    selected->insert(entry->name);
  return success();
}

void PreparePass::runOnOperation() {
  ModuleOp module = getOperation();
  std::optional<Config> cfg = loadConfig();
  if (!cfg)
    return signalPassFailure();

  // Observers already present mean the module was prepared before; a second
  // round would observe every value twice.
  WalkResult prepared = module.walk([](ObserverOpInterface op) {
    op->emitError("module is already prepared: it contains eqq observers");
    return WalkResult::interrupt();
  });
  if (prepared.wasInterrupted())
    return signalPassFailure();

  // The model functions are the public ones with a body.
  if (llvm::none_of(module.getOps<func::FuncOp>(), [](func::FuncOp f) {
        return f.isPublic() && !f.isExternal();
      })) {
    emitError(module.getLoc(), "eqq-prepare: the module has no public "
                               "function with a body: there is no model to "
                               "prepare");
    return signalPassFailure();
  }

  ModelAnalysis model(module);
  ArrayRef<Layer> layers = model.getLayers();
  ArrayRef<ElementwiseOp> eltwise = model.getElementwiseOps();

  // Selective equalization replaces the equalization section.
  std::optional<llvm::StringSet<>> selected;
  if (failed(selectTopK(model, selected)))
    return signalPassFailure();
  if (selected)
    cfg->equalization = ConfigSection<EqualizationConfig>();

  llvm::DenseMap<Operation *, const ElementwiseOp *> eltwiseByOp;
  for (const ElementwiseOp &e : eltwise)
    eltwiseByOp[e.op] = &e;

  // 1. Which layers are quantized, which relus fused.
  std::vector<LayerPlan> plans(layers.size());
  llvm::DenseSet<Operation *> fusedRelus;
  for (auto [layer, plan] : llvm::zip(layers, plans)) {
    StringRef kind = getLayerKindName(layer.kind);
    std::optional<QConfig> qc = cfg->qconfig.lookup(layer.name, kind);
    bool isSelected = selected && selected->contains(layer.name);
    if (!qc) {
      if (isSelected)
        layer.op->emitWarning("layer '")
            << layer.name
            << "' is not equalized: equalize-top-k selects it, but the "
               "configuration does not quantize it";
      continue;
    }
    if (layer.depthwise) {
      if (std::string problem = checkDepthwiseWeight(layer); !problem.empty()) {
        layer.op->emitWarning("layer '")
            << layer.name << "' stays float: " << problem;
        continue;
      }
    }
    if (!getConstantThroughObservers(layer.getWeight())) {
      layer.op->emitWarning("layer '")
          << layer.name
          << "' stays float: its weight is not a compile-time constant";
      continue;
    }
    if (layer.bias && !getConstantThroughObservers(layer.bias)) {
      layer.op->emitWarning("layer '")
          << layer.name
          << "' stays float: its bias is not a compile-time constant";
      continue;
    }
    plan.qconfig = qc;
    if (layer.relu) {
      const ElementwiseOp *relu = eltwiseByOp.lookup(layer.relu);
      if (relu && fusesInto(relu->kind, layer.kind) &&
          cfg->qconfig.lookup(relu->name, relu->getObjectType())) {
        plan.fuseRelu = true;
        fusedRelus.insert(layer.relu);
      }
    }
    plan.equalization = isSelected ? EqualizationConfig::getDefault()
                                   : cfg->equalization.lookup(layer.name, kind);
    if (layer.groups > 1 && plan.equalization) {
      layer.op->emitWarning("layer '")
          << layer.name << "' is not equalized: grouped convs (" << layer.groups
          << " groups) are quantized, but input channel c meets only the "
             "rows of its group, which no equalization scale of EqQuant (or "
             "PyTorch) divides";
      plan.equalization.reset();
    }
  }

  warnUnmatchedModuleNames(module, model, *cfg);

  // Standalone relus and adds that are quantized. An op the table lets fuse
  // into a quantized one (relu after add) joins it when it is that op's sole
  // reader and quantized itself: the pair is observed after it.
  llvm::DenseMap<Operation *, QConfig> eltwiseQConfig;
  llvm::DenseMap<Operation *, const ElementwiseOp *> fusedAfter;
  for (const ElementwiseOp &e : eltwise) {
    if (fusedRelus.contains(e.op))
      continue;
    const OpKindInfo &info = getOpKindInfo(e.kind);
    if (info.observation == Observation::Float) {
      // Named by module_name or object_type (global covers every op, and
      // float ops are many in a transformer): say why it stays float.
      const std::optional<QConfig> *named =
          cfg->qconfig.findNamed(e.name, e.getObjectType());
      if (!named || !*named)
        continue;
      InFlightDiagnostic diag = e.op->emitWarning("'");
      diag << e.name << "' (" << e.getObjectType()
           << ") stays float: the configuration asks to quantize it, but ";
      if (info.pytorchQuantizes.empty())
        diag << "PyTorch's backend configuration has no quantized "
             << e.getObjectType() << " (" << info.pytorch << ")";
      else
        diag << "EqQuant has no int8 " << e.getObjectType()
             << " yet (PyTorch 1.13 quantizes " << info.pytorch << " "
             << info.pytorchQuantizes << ")";
      continue;
    }
    if (e.dataInputs.empty())
      continue;
    std::optional<QConfig> qc = cfg->qconfig.lookup(e.name, e.getObjectType());
    if (!qc)
      continue;
    eltwiseQConfig[e.op] = *qc;
    if (!e.output.hasOneUse())
      continue;
    const ElementwiseOp *next = eltwiseByOp.lookup(*e.output.user_begin());
    if (next && fusesInto(next->kind, e.kind) && next->dataInputs.size() == 1 &&
        cfg->qconfig.lookup(next->name, next->getObjectType())) {
      fusedAfter[e.op] = next;
      fusedRelus.insert(next->op);
    }
  }

  // The ops that read a value as quantized inputs: the first op of each
  // quantized layer, and quantized elementwise ops.
  llvm::DenseMap<Operation *, std::string> quantizedReaders;
  for (auto [layer, plan] : llvm::zip(layers, plans))
    if (plan.qconfig)
      quantizedReaders[layer.getInputOp()] = layer.name;
  for (const ElementwiseOp &e : eltwise)
    if (eltwiseQConfig.count(e.op))
      for (OpOperand *in : e.dataInputs)
        quantizedReaders[in->getOwner()] = e.name;

  // With shared-inputs, layers whose input only equalized layers read share
  // one scale (--eqq-convert computes it for the group).
  llvm::DenseSet<Operation *> equalizedReaders;
  // The named "equalization": "default" applies the shared-input rule too:
  // a ResNet's downsampling block (conv1 and the downsample conv reading one
  // value) shares one scale instead of leaving both unequalized.
  bool shareInputs = sharedInputs || cfg->equalization.preset == "default";
  if (shareInputs)
    for (auto [layer, plan] : llvm::zip(layers, plans))
      if (plan.qconfig && plan.equalization)
        equalizedReaders.insert(layer.getInputOp());

  // Residual adds: both operands of an add in front of an equalized layer
  // take its scale; the other layers reading an operand divide their columns
  // by it instead of being equalized on their own.
  SmallVector<std::pair<const Layer *, ResidualAdd>> residuals;
  if (residualAdds) {
    for (auto [layer, plan] : llvm::zip(layers, plans)) {
      if (!plan.equalization)
        continue;
      if (std::optional<ResidualAdd> r = matchResidualAdd(model, layer)) {
        for (const Layer *reader : llvm::make_first_range(r->readers))
          plans[reader - layers.data()].equalization.reset();
        residuals.emplace_back(&layer, std::move(*r));
        continue;
      }
      Operation *def = layer.getInput().getDefiningOp();
      if (def && matchRelu(def))
        def = matchRelu(def)->get().getDefiningOp();
      if (def && llvm::any_of(eltwise, [&](const ElementwiseOp &e) {
            return e.op == def && e.kind == OpKind::Add;
          }))
        layer.op->emitWarning("layer '")
            << layer.name
            << "' keeps a multiply after the add it reads: the add's "
               "operands are not each the output of a layer with constant "
               "weights that only the add and other layers read, or "
               "something else reads the add";
    }
  }

  // Equalized layers reading a chain of ops the scale commutes with (max or
  // average pooling) from a layer: the scale can fold across the chain.
  SmallVector<std::pair<const Layer *, OpOperand *>> commutingStarts;
  for (auto [layer, plan] : llvm::zip(layers, plans)) {
    const Layer *reader = &layer;
    if (!plan.qconfig || !plan.equalization ||
        llvm::any_of(residuals,
                     [&](const auto &r) { return r.first == reader; }))
      continue;
    if (std::optional<CommutingChain> chain =
            matchCommutingChain(model, layer.getInput(), layer.inputAxis))
      commutingStarts.emplace_back(&layer, chain->start);
  }

  // 2. The branch rule: a layer whose input also feeds another quantized op
  // cannot have a scale of its own on that value.
  for (auto [layer, plan] : llvm::zip(layers, plans)) {
    if (!plan.equalization)
      continue;
    for (OpOperand &use : layer.getInput().getUses()) {
      if (&use == layer.inputUse)
        continue;
      auto it = quantizedReaders.find(use.getOwner());
      if (it == quantizedReaders.end() ||
          equalizedReaders.contains(use.getOwner()))
        continue;
      layer.op->emitWarning("layer '")
          << layer.name << "' is not equalized: its input also feeds '"
          << it->second
          << "', which is quantized, and one value cannot carry two "
             "equalization scales";
      plan.equalization.reset();
      break;
    }
  }

  // 3. Insert observers in program order, so that a producer's output
  // observer is in place before its consumers look for one.
  OpBuilder b(&getContext());
  llvm::DenseMap<Value, Value> observed;
  // A value reshaped (collapse/expand, e.g. a flatten) from an observed one
  // shares its observer, as PyTorch shares observers across flatten and view:
  // the quantized tensor is reshaped as it is.
  // Likewise the output of a quantized op that shares its input's observer
  // (the op table's SharesInputObserver, PyTorch's
  // OUTPUT_SHARE_OBSERVER_WITH_INPUT: a standalone relu): it is quantized with
  // its input's qparams (--eqq-convert gives it a copy of that observer).
  llvm::DenseMap<Operation *, Value> sharingInput;
  auto isObserved = [&](Value v) {
    while (Operation *def = v.getDefiningOp()) {
      if (isa<ActObserverOp>(def))
        return true;
      if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def))
        v = def->getOperand(0);
      else if (Value in = sharingInput.lookup(def))
        v = in;
      else
        return false;
    }
    return false;
  };
  auto observe = [&](Value v, const ObserverSpec &spec, Location loc) {
    if (isObserved(v))
      return v;
    if (Value obs = observed.lookup(v))
      return obs;
    b.setInsertionPointAfterValue(v);
    Value obs = createObserver<ActObserverOp>(b, loc, v, spec, /*axis=*/0);
    observed[v] = obs;
    return obs;
  };
  auto observeOutput = [&](Value out, const ObserverSpec &spec, Location loc) {
    Value obs = observe(out, spec, loc);
    out.replaceAllUsesExcept(obs, obs.getDefiningOp());
  };

  // An op EqQuant does not recognize between quantized ops stays float: its
  // reader quantizes its output again. Each such op is named once.
  llvm::DenseSet<Value> recognizedOutputs;
  for (const Layer &layer : layers) {
    recognizedOutputs.insert(layer.output);
    recognizedOutputs.insert(layer.getOutputAfterRelu());
  }
  for (const ElementwiseOp &e : eltwise)
    recognizedOutputs.insert(e.output);
  // A transpose passes the same values on, and a slice some of them, so
  // its reader's observer sees the range its input has, or part of it:
  // quantizing again there loses nothing (a torch.roll's slices before
  // their concat).
  llvm::DenseSet<Operation *> warnedUnrecognized;
  auto warnIfUnrecognized =
      [&](Value v, StringRef reader) {
        while (Operation *def = v.getDefiningOp()) {
          if (recognizedOutputs.contains(v) ||
              !isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                   linalg::TransposeOp, tensor::ExtractSliceOp>(def))
            break;
          v = def->getOperand(0);
        }
        Operation *def = v.getDefiningOp();
        if (!def || recognizedOutputs.contains(v) || isa<ActObserverOp>(def) ||
            def->hasTrait<OpTrait::ConstantLike>() ||
            llvm::none_of(def->getOperands(), isObserved) ||
            !warnedUnrecognized.insert(def).second)
          return;
        def->emitWarning("'")
            << def->getName()
            << "' stays float between quantized ops: it is none of the ops "
               "EqQuant recognizes (docs/interface.md section 3); '"
            << reader << "' quantizes its output again";
      };

  // Whether a quantized op reads `v` (through reshapes and observers).
  std::function<bool(Value)> isReadQuantized = [&](Value v) {
    for (Operation *user : v.getUsers()) {
      if (quantizedReaders.count(user))
        return true;
      if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
              ObserverOpInterface>(user) &&
          isReadQuantized(user->getResult(0)))
        return true;
    }
    return false;
  };

  // Program order over layers and elementwise ops together.
  struct Item {
    Operation *anchor;
    const Layer *layer;
    const LayerPlan *plan;
    const ElementwiseOp *elt;
  };
  llvm::DenseMap<Operation *, Item> itemByOp;
  for (auto [layer, plan] : llvm::zip(layers, plans))
    if (plan.qconfig)
      itemByOp[layer.op] = {layer.op, &layer, &plan, nullptr};
  for (const ElementwiseOp &e : eltwise)
    if (eltwiseQConfig.count(e.op))
      itemByOp[e.op] = {e.op, nullptr, nullptr, &e};
  SmallVector<Item> items;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    auto it = itemByOp.find(op);
    if (it != itemByOp.end())
      items.push_back(it->second);
  });

  for (const Item &item : items) {
    if (const ElementwiseOp *e = item.elt) {
      const QConfig &qc = eltwiseQConfig[e->op];
      for (OpOperand *in : e->dataInputs) {
        warnIfUnrecognized(in->get(), e->name);
        in->set(observe(in->get(), qc.activation, e->op->getLoc()));
      }
      if (const ElementwiseOp *next = fusedAfter.lookup(e->op)) {
        observeOutput(next->output, qc.activation, e->op->getLoc());
        continue;
      }
      switch (getOpKindInfo(e->kind).observation) {
      case Observation::OwnObserver:
        observeOutput(e->output, qc.activation, e->op->getLoc());
        break;
      case Observation::SharesInputObserver: {
        Operation *last = e->output.getDefiningOp();
        sharingInput[last] = e->dataInputs.front()->get();
        EqqDialect::SharesObserverAttrHelper(&getContext())
            .setAttr(last, UnitAttr::get(&getContext()));
        break;
      }
      case Observation::FixedQParams: {
        Value out = e->output;
        b.setInsertionPointAfterValue(out);
        auto obs = createObserver<ActObserverOp>(
            b, e->op->getLoc(), out, getFixedQParamsSpec(qc.activation),
            /*axis=*/0);
        setFixedRange(obs, getOpKindInfo(e->kind));
        observed[out] = obs;
        out.replaceAllUsesExcept(obs, obs.getOperation());
        break;
      }
      case Observation::Float:
        llvm_unreachable("a float op is not quantized (see eltwiseQConfig)");
      }
      continue;
    }
    const Layer &layer = *item.layer;
    const LayerPlan &plan = *item.plan;
    Location loc = layer.op->getLoc();
    warnIfUnrecognized(layer.getInput(), layer.name);
    Value in = observe(layer.getInput(), plan.qconfig->activation, loc);
    if (plan.equalization) {
      b.setInsertionPoint(layer.getInputOp());
      // The named equalization keeps a layer's scale only where it helps.
      in = InputEqObserverOp::create(
          b, loc, in, layer.inputAxis, plan.equalization->input.dtype,
          plan.equalization->input.qscheme, DenseF32ArrayAttr(),
          DenseF32ArrayAttr(), ElementsAttr(), IntegerAttr(),
          /*select=*/cfg->equalization.preset == "default");
    }
    layer.inputUse->set(in);

    // A transposed weight that other ops read too gets a transpose of its
    // own, so that each layer observes (and will rescale) its own weight.
    OpOperand *weightUse = layer.weightUse;
    if (auto transpose = dyn_cast<linalg::TransposeOp>(weightUse->getOwner());
        transpose && !transpose->hasOneUse()) {
      b.setInsertionPoint(layer.op);
      Operation *clone = b.clone(*transpose);
      layer.op->replaceUsesOfWith(transpose->getResult(0), clone->getResult(0));
      weightUse = cast<linalg::TransposeOp>(clone).getDpsInputOperand(0);
    }

    b.setInsertionPoint(weightUse->getOwner());
    Value w = weightUse->get();
    if (plan.equalization) {
      auto weq = WeightEqObserverOp::create(
          b, loc, w, plan.equalization->weight.dtype,
          plan.equalization->weight.qscheme, DenseF32ArrayAttr(),
          DenseF32ArrayAttr(), layer.getWeightInputAxis());
      foldStatistics(weq);
      w = weq;
    }
    auto wobs =
        createObserver<WeightObserverOp>(b, loc, w, plan.qconfig->weight,
                                         /*axis=*/0);
    foldStatistics(wobs);
    weightUse->set(wobs);

    Value out = plan.fuseRelu ? layer.getOutputAfterRelu() : layer.output;
    // float-outputs: an output that no quantized op reads stays float.
    if (floatOutputs && !isReadQuantized(out)) {
      EqqDialect::FloatOutputAttrHelper(&getContext())
          .setAttr(layer.op, UnitAttr::get(&getContext()));
      continue;
    }
    observeOutput(out, plan.qconfig->activation, loc);
  }

  // 4. Each layer named by its location keeps the name on its op.
  recordLayerNames(model);

  // 5. Per-channel statistics of the values a scale folded across commuting
  // ops reaches (a conv's output in front of a max or average pool): the
  // quantization range of the producer's output becomes the scaled range of
  // those values.
  for (const auto &[layer, start] : commutingStarts) {
    const LayerPlan &plan = plans[layer - layers.data()];
    if (!plan.equalization)
      continue;
    const EqualizationConfig &eq = *plan.equalization;
    b.setInsertionPoint(start->getOwner());
    start->set(InputEqObserverOp::create(
        b, start->getOwner()->getLoc(), start->get(), layer->inputAxis,
        eq.input.dtype, eq.input.qscheme, DenseF32ArrayAttr(),
        DenseF32ArrayAttr(), ElementsAttr(), IntegerAttr(),
        /*select=*/false));
  }

  // 6. Per-channel statistics of the values a residual add's scale reaches
  // before its consumer: the add's operands, and the add's result where it
  // is quantized in front of a relu.
  for (auto &[consumer, r] : residuals) {
    const EqualizationConfig &eq =
        *plans[consumer - layers.data()].equalization;
    SmallVector<OpOperand *, 3> uses(r.operands.begin(), r.operands.end());
    if (r.relu) {
      OpOperand *reluInput = matchRelu(r.relu);
      if (reluInput && reluInput->get().getDefiningOp<ActObserverOp>())
        uses.push_back(reluInput);
    }
    for (OpOperand *use : uses) {
      b.setInsertionPoint(use->getOwner());
      use->set(InputEqObserverOp::create(
          b, use->getOwner()->getLoc(), use->get(), consumer->inputAxis,
          eq.input.dtype, eq.input.qscheme, DenseF32ArrayAttr(),
          DenseF32ArrayAttr(), ElementsAttr(), IntegerAttr(),
          /*select=*/false));
    }
  }
}
