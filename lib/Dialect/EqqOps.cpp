//===- EqqOps.cpp - eqq operations: verifiers and folders -----------------===//

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Statistics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

//===----------------------------------------------------------------------===//
// Assembly: enum attributes as bare keywords (`minmax quint8 ...`)
//===----------------------------------------------------------------------===//

template <typename AttrT>
static void printEnumKeyword(OpAsmPrinter &p, Operation *, AttrT attr) {
  p << stringifyEnum(attr.getValue());
}

template <typename AttrT>
static ParseResult parseEnumKeyword(OpAsmParser &parser, AttrT &attr) {
  using EnumT = decltype(std::declval<AttrT>().getValue());
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<EnumT> value = symbolizeEnum<EnumT>(keyword);
  if (!value)
    return parser.emitError(loc, "unknown ")
           << AttrT::getMnemonic() << " '" << keyword << "'";
  attr = AttrT::get(parser.getContext(), *value);
  return success();
}

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

std::pair<int64_t, int64_t> mlir::eqq::getStorageRange(QDType dtype) {
  return dtype == QDType::qint8 ? std::make_pair<int64_t, int64_t>(-128, 127)
                                : std::make_pair<int64_t, int64_t>(0, 255);
}

std::pair<int64_t, int64_t>
mlir::eqq::getQuantRange(QDType dtype, std::optional<int64_t> quantMin,
                         std::optional<int64_t> quantMax, bool reduceRange) {
  // PyTorch's calculate_qmin_qmax: a custom range is halved (floor division)
  // by reduce_range; the default ranges have fixed reduced forms.
  if (quantMin && quantMax) {
    int64_t lo = *quantMin, hi = *quantMax;
    if (reduceRange) {
      lo = llvm::divideFloorSigned(lo, 2);
      hi = llvm::divideFloorSigned(hi, 2);
    }
    return {lo, hi};
  }
  if (dtype == QDType::qint8)
    return reduceRange ? std::make_pair<int64_t, int64_t>(-64, 63)
                       : std::make_pair<int64_t, int64_t>(-128, 127);
  return reduceRange ? std::make_pair<int64_t, int64_t>(0, 127)
                     : std::make_pair<int64_t, int64_t>(0, 255);
}

bool mlir::eqq::isPerChannel(QScheme qscheme) {
  return qscheme == QScheme::per_channel_affine ||
         qscheme == QScheme::per_channel_symmetric ||
         qscheme == QScheme::per_channel_affine_float_qparams;
}

std::string mlir::eqq::checkObserverParams(ObserverKind kind, QDType dtype,
                                           QScheme qscheme,
                                           std::optional<int64_t> qmin,
                                           std::optional<int64_t> qmax,
                                           bool reduceRange) {
  std::string msg;
  llvm::raw_string_ostream os(msg);
  bool perChannelKind = kind == ObserverKind::per_channel_minmax;
  if (perChannelKind && !isPerChannel(qscheme)) {
    os << "observer kind 'per_channel_minmax' needs a per-channel qscheme, "
          "got '"
       << stringifyQScheme(qscheme) << "'";
  } else if (!perChannelKind && isPerChannel(qscheme)) {
    os << "observer kind '" << stringifyObserverKind(kind)
       << "' supports only per_tensor_affine and per_tensor_symmetric, got '"
       << stringifyQScheme(qscheme) << "'";
  } else if (reduceRange && dtype == QDType::quint8 &&
             (qscheme == QScheme::per_tensor_symmetric ||
              qscheme == QScheme::per_channel_symmetric)) {
    os << "cannot reduce range for symmetric quantization for quint8";
  } else if (qmin.has_value() != qmax.has_value()) {
    os << "expects both 'quant_min' and 'quant_max' or neither";
  } else if (qmin) {
    auto [lo, hi] = getStorageRange(dtype);
    if (*qmin > 0 || *qmax < 0)
      os << "quantization range [" << *qmin << ", " << *qmax
         << "] must include 0";
    else if (*qmin >= *qmax)
      os << "quantization range [" << *qmin << ", " << *qmax
         << "] needs quant_min < quant_max";
    else if (*qmin < lo || *qmax > hi)
      os << "quantization range [" << *qmin << ", " << *qmax
         << "] does not fit " << stringifyQDType(dtype) << " storage [" << lo
         << ", " << hi << "]";
  }
  return msg;
}

QParamsConfig mlir::eqq::getQParamsConfig(QScheme qscheme, QDType dtype,
                                          std::optional<int64_t> quantMin,
                                          std::optional<int64_t> quantMax,
                                          bool reduceRange) {
  QParamsConfig config;
  switch (qscheme) {
  case QScheme::per_tensor_affine:
  case QScheme::per_channel_affine:
    config.scheme = QParamsScheme::Affine;
    break;
  case QScheme::per_tensor_symmetric:
  case QScheme::per_channel_symmetric:
    config.scheme = QParamsScheme::Symmetric;
    break;
  case QScheme::per_channel_affine_float_qparams:
    config.scheme = QParamsScheme::AffineFloatQParams;
    break;
  }
  config.unsignedStorage = dtype == QDType::quint8;
  config.customRange = quantMin && quantMax;
  std::tie(config.quantMin, config.quantMax) =
      getQuantRange(dtype, quantMin, quantMax, reduceRange);
  return config;
}

/// PyTorch's `calculate_qparams` for a quantization observer with the given
/// statistics (the histogram observer's range search when a histogram is
/// given and its range is finite).
template <typename OpTy>
static std::optional<QParams>
computeQuantQParams(OpTy op, const ObserverStatistics &stats) {
  if (stats.min.size() != stats.max.size())
    return std::nullopt;
  QParamsConfig config =
      getQParamsConfig(op.getQscheme(), op.getDtype(), op.getQuantMin(),
                       op.getQuantMax(), op.getReduceRange());
  if (op.getKind() == ObserverKind::fixed_qparams)
    config.scheme = QParamsScheme::Fixed;
  ArrayRef<float> min = stats.min, max = stats.max;
  if (op.getKind() == ObserverKind::histogram && !stats.histogram.empty() &&
      !min.empty() && std::isfinite(min[0]) && std::isfinite(max[0])) {
    // 2^8 destination bins, as HistogramObserver's dst_nbins for 8 bits.
    auto [lo, hi] = searchHistogramRange(stats.histogram, min[0], max[0], 256);
    return computeQParams({lo}, {hi}, config);
  }
  return computeQParams(min, max, config);
}

ElementsAttr mlir::eqq::getConstantThroughObservers(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!isa<ObserverOpInterface>(def))
      break;
    value = def->getOperand(0);
  }
  ElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return {};
  return attr;
}

std::optional<SmallVector<float>> mlir::eqq::getFloatValues(ElementsAttr attr) {
  if (!attr.getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto values = dense.getValues<float>();
    return SmallVector<float>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data || static_cast<int64_t>(data->size()) != attr.getNumElements())
      return std::nullopt;
    return SmallVector<float>(data->begin(), data->end());
  }
  return std::nullopt;
}

static LogicalResult verifyObservedRank(Operation *op, ShapedType type) {
  int64_t rank = type.getRank();
  if (rank < 2 || rank > 5)
    return op->emitOpError("expects an input of rank 2 to 5 (linear or conv "
                           "layers), got rank ")
           << rank;
  return success();
}

static LogicalResult verifyAxis(Operation *op, ShapedType type, int64_t axis) {
  if (axis < 0 || axis >= type.getRank())
    return op->emitOpError("axis ")
           << axis << " is out of range for a tensor of rank "
           << type.getRank();
  return success();
}

/// Checks that `min_val`/`max_val` are both present or both absent, have
/// `channels` entries, and that no min exceeds its max.
static LogicalResult verifyStats(Operation *op,
                                 std::optional<ArrayRef<float>> minVal,
                                 std::optional<ArrayRef<float>> maxVal,
                                 int64_t channels, StringRef what) {
  if (minVal.has_value() != maxVal.has_value())
    return op->emitOpError("expects both 'min_val' and 'max_val' or neither");
  if (!minVal)
    return success();
  if (ShapedType::isDynamic(channels))
    return op->emitOpError("statistics need a static size along the ") << what;
  if (static_cast<int64_t>(minVal->size()) != channels ||
      static_cast<int64_t>(maxVal->size()) != channels)
    return op->emitOpError("statistics have ")
           << minVal->size() << " min and " << maxVal->size()
           << " max entries; expected " << channels << " (one per " << what
           << ")";
  for (int64_t i = 0; i < channels; ++i) {
    float lo = (*minVal)[i], hi = (*maxVal)[i];
    if (lo > hi)
      return op->emitOpError("min_val[")
             << i << "] = " << lo << " is greater than max_val[" << i
             << "] = " << hi;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization observers
//===----------------------------------------------------------------------===//

template <typename OpTy> static LogicalResult verifyQuantObserver(OpTy op) {
  auto type = cast<RankedTensorType>(op.getInput().getType());
  if (failed(verifyObservedRank(op, type)) ||
      failed(verifyAxis(op, type, op.getAxis())))
    return failure();

  std::string reason = checkObserverParams(
      op.getKind(), op.getDtype(), op.getQscheme(), op.getQuantMin(),
      op.getQuantMax(), op.getReduceRange());
  if (!reason.empty())
    return op.emitOpError(reason);
  ObserverKind kind = op.getKind();
  QScheme qscheme = op.getQscheme();

  float averaging = op.getAveragingConstant().convertToFloat();
  if (!(averaging > 0.0f) || averaging > 1.0f)
    return op.emitOpError("averaging_constant must be in (0, 1], got ")
           << averaging;
  if (op.getBins() <= 0)
    return op.emitOpError("bins must be positive, got ") << op.getBins();
  if (std::optional<ArrayRef<float>> hist = op.getHistogram()) {
    if (kind != ObserverKind::histogram)
      return op.emitOpError("only a 'histogram' observer has a histogram");
    if (hist->size() != op.getBins())
      return op.emitOpError("histogram has ")
             << hist->size() << " bins; expected " << op.getBins();
    if (!op.isCalibrated())
      return op.emitOpError("a histogram needs 'min_val' and 'max_val'");
  }
  if (kind == ObserverKind::fixed_qparams && !op.isCalibrated())
    return op.emitOpError("a 'fixed_qparams' observer needs 'min_val' and "
                          "'max_val': the fixed range its storage range "
                          "covers");
  StringRef what =
      isPerChannel(qscheme) ? "channel of the observed axis" : "tensor";
  return verifyStats(op, op.getMinVal(), op.getMaxVal(),
                     op.getNumStatChannels(), what);
}

/// The f32 data of the constant an uncalibrated observer observes, if any.
template <typename OpTy>
static std::optional<SmallVector<float>> getObservedConstant(OpTy op) {
  if (op.isCalibrated())
    return std::nullopt;
  ElementsAttr constant = getConstantThroughObservers(op.getInput());
  if (!constant)
    return std::nullopt;
  return getFloatValues(constant);
}

/// Computes an observer's statistics from the constant it observes.
template <typename OpTy> static OpFoldResult foldObserver(OpTy op) {
  std::optional<SmallVector<float>> data = getObservedConstant(op);
  if (!data)
    return {};
  op.setStatistics(op.computeStatistics(*data));
  return op.getResult();
}

/// Sets `min_val` and `max_val` of any observer.
template <typename OpTy>
static void setMinMax(OpTy op, const ObserverStatistics &stats) {
  Builder b(op.getContext());
  op.setMinValAttr(b.getDenseF32ArrayAttr(stats.min));
  op.setMaxValAttr(b.getDenseF32ArrayAttr(stats.max));
}

/// The per-channel min/max along `axis` of a row-major tensor of `type`.
static ObserverStatistics
channelStatistics(ArrayRef<float> data, RankedTensorType type, int64_t axis) {
  MinMax m = computeChannelMinMax(data, type.getShape(), axis);
  return {std::move(m.min), std::move(m.max), {}};
}

/// The ObserverOpInterface methods of the two quantization observers.
template <typename OpTy> struct QuantObserverMethods {
  static std::optional<int64_t> getStatisticsAxis(OpTy op) {
    if (!isPerChannel(op.getQscheme()))
      return std::nullopt;
    return op.getAxis();
  }
  static void setStatistics(OpTy op, const ObserverStatistics &stats) {
    setMinMax(op, stats);
    if (stats.histogram.empty())
      op.removeHistogramAttr();
    else
      op.setHistogramAttr(
          Builder(op.getContext()).getDenseF32ArrayAttr(stats.histogram));
  }
  static void clearStatistics(OpTy op) {
    op.removeMinValAttr();
    op.removeMaxValAttr();
    op.removeHistogramAttr();
  }
  static ObserverStatistics computeStatistics(OpTy op, ArrayRef<float> data) {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    ObserverStatistics stats;
    if (std::optional<int64_t> axis = op.getStatisticsAxis()) {
      stats = channelStatistics(data, type, *axis);
    } else {
      MinMax m = computeMinMax(data);
      stats.min = std::move(m.min);
      stats.max = std::move(m.max);
    }
    if (op.getKind() == ObserverKind::histogram)
      stats.histogram = computeHistogram(data, op.getBins(), stats.min.front(),
                                         stats.max.front());
    return stats;
  }
  static RunningStats getRunningStatistics(OpTy op) {
    RunningStats r;
    switch (op.getKind()) {
    case ObserverKind::minmax:
    case ObserverKind::per_channel_minmax:
    // Never calibrated: the fixed range stays (see getCalibratedObservers).
    case ObserverKind::fixed_qparams:
      r.rule = AccumulationRule::MinMax;
      break;
    case ObserverKind::moving_average_minmax:
      r.rule = AccumulationRule::MovingAverage;
      break;
    case ObserverKind::histogram:
      r.rule = AccumulationRule::Histogram;
      break;
    }
    r.averagingConstant = op.getAveragingConstant().convertToFloat();
    r.bins = op.getBins();
    if (std::optional<ObserverStatistics> s = op.getStatistics()) {
      r.min = std::move(s->min);
      r.max = std::move(s->max);
      r.histogram = std::move(s->histogram);
    }
    return r;
  }
};

/// Running min/max statistics continuing from what an equalization observer
/// holds.
template <typename OpTy>
static RunningStats getMinMaxRunningStatistics(OpTy op) {
  RunningStats r;
  r.rule = AccumulationRule::MinMax;
  if (std::optional<ObserverStatistics> s = op.getStatistics()) {
    r.min = std::move(s->min);
    r.max = std::move(s->max);
  }
  return r;
}

#define EQQ_DEFINE_QUANT_OBSERVER(OP, ROLE)                                    \
  ObserverRole OP::getObserverRole() { return ObserverRole::ROLE; }            \
  std::optional<int64_t> OP::getStatisticsAxis() {                             \
    return QuantObserverMethods<OP>::getStatisticsAxis(*this);                 \
  }                                                                            \
  void OP::setStatistics(const ObserverStatistics &statistics) {               \
    QuantObserverMethods<OP>::setStatistics(*this, statistics);                \
  }                                                                            \
  void OP::clearStatistics() {                                                 \
    QuantObserverMethods<OP>::clearStatistics(*this);                          \
  }                                                                            \
  ObserverStatistics OP::computeStatistics(ArrayRef<float> data) {             \
    return QuantObserverMethods<OP>::computeStatistics(*this, data);           \
  }                                                                            \
  std::optional<QParams> OP::computeQParams(                                   \
      const ObserverStatistics &statistics) {                                  \
    return computeQuantQParams(*this, statistics);                             \
  }                                                                            \
  RunningStats OP::getRunningStatistics() {                                    \
    return QuantObserverMethods<OP>::getRunningStatistics(*this);              \
  }                                                                            \
  LogicalResult OP::verify() { return verifyQuantObserver(*this); }            \
  OpFoldResult OP::fold(FoldAdaptor) { return foldObserver(*this); }

EQQ_DEFINE_QUANT_OBSERVER(ActObserverOp, Activation)
EQQ_DEFINE_QUANT_OBSERVER(WeightObserverOp, Weight)
#undef EQQ_DEFINE_QUANT_OBSERVER

//===----------------------------------------------------------------------===//
// Equalization observers
//===----------------------------------------------------------------------===//

LogicalResult InputEqObserverOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  if (failed(verifyObservedRank(*this, type)) ||
      failed(verifyAxis(*this, type, getAxis())))
    return failure();
  if (isPerChannel(getQscheme()))
    return emitOpError("input qscheme must be per-tensor, got '")
           << stringifyQScheme(getQscheme()) << "'";
  if (failed(verifyStats(*this, getMinVal(), getMaxVal(),
                         type.getDimSize(getAxis()),
                         "channel of the input axis")))
    return failure();
  if (!getSamplesAttr() && !getSamplesSeenAttr())
    return success();
  auto samples = getSamplesAttr()
                     ? dyn_cast<RankedTensorType>(getSamplesAttr().getType())
                     : RankedTensorType();
  if (!samples || !getSamplesSeenAttr())
    return emitOpError("'samples' and 'samples_seen' go together");
  if (samples.getRank() != 3 || !samples.getElementType().isF32() ||
      samples.getDimSize(1) != type.getDimSize(getAxis()) ||
      samples.getDimSize(2) < 1)
    return emitOpError("'samples' must be f32 [rows, ")
           << type.getDimSize(getAxis()) << ", taps], got " << samples;
  if (*getSamplesSeen() < static_cast<uint64_t>(samples.getDimSize(0)))
    return emitOpError("'samples_seen' (")
           << *getSamplesSeen() << ") is less than the "
           << samples.getDimSize(0) << " sampled rows";
  return success();
}

OpFoldResult InputEqObserverOp::fold(FoldAdaptor) {
  return foldObserver(*this);
}

ObserverRole InputEqObserverOp::getObserverRole() {
  return ObserverRole::InputEqualization;
}
std::optional<int64_t> InputEqObserverOp::getStatisticsAxis() {
  return getAxis();
}
void InputEqObserverOp::setStatistics(const ObserverStatistics &statistics) {
  setMinMax(*this, statistics);
}
void InputEqObserverOp::clearStatistics() {
  removeMinValAttr();
  removeMaxValAttr();
  removeSamplesAttr();
  removeSamplesSeenAttr();
}
ObserverStatistics InputEqObserverOp::computeStatistics(ArrayRef<float> data) {
  return channelStatistics(data, getInput().getType(), getAxis());
}
std::optional<QParams>
InputEqObserverOp::computeQParams(const ObserverStatistics &) {
  return std::nullopt;
}
RunningStats InputEqObserverOp::getRunningStatistics() {
  return getMinMaxRunningStatistics(*this);
}

LogicalResult WeightEqObserverOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  if (failed(verifyObservedRank(*this, type)))
    return failure();
  if (getAxis() != 0 && getAxis() != 1)
    return emitOpError("axis must be 1 (the input columns of W[out, in, ...]) "
                       "or 0 (the rows of a depthwise conv's weight), got ")
           << getAxis();
  return verifyStats(
      *this, getMinVal(), getMaxVal(), type.getDimSize(getAxis()),
      getAxis() == 1 ? "input column of the weight" : "row of the weight");
}

OpFoldResult WeightEqObserverOp::fold(FoldAdaptor) {
  return foldObserver(*this);
}

ObserverRole WeightEqObserverOp::getObserverRole() {
  return ObserverRole::WeightEqualization;
}
/// Input columns of W[out, in, ...] (rows for a depthwise conv).
std::optional<int64_t> WeightEqObserverOp::getStatisticsAxis() {
  return getAxis();
}
void WeightEqObserverOp::setStatistics(const ObserverStatistics &statistics) {
  setMinMax(*this, statistics);
}
void WeightEqObserverOp::clearStatistics() {
  removeMinValAttr();
  removeMaxValAttr();
}
ObserverStatistics WeightEqObserverOp::computeStatistics(ArrayRef<float> data) {
  return channelStatistics(data, getInput().getType(), getAxis());
}
std::optional<QParams>
WeightEqObserverOp::computeQParams(const ObserverStatistics &) {
  return std::nullopt;
}
RunningStats WeightEqObserverOp::getRunningStatistics() {
  return getMinMaxRunningStatistics(*this);
}

//===----------------------------------------------------------------------===//
// EqScaleOp
//===----------------------------------------------------------------------===//

LogicalResult EqScaleOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  if (failed(verifyAxis(*this, type, getAxis())))
    return failure();
  int64_t channels = type.getDimSize(getAxis());
  ArrayRef<float> scale = getScale();
  if (!ShapedType::isDynamic(channels) &&
      static_cast<int64_t>(scale.size()) != channels)
    return emitOpError("has ")
           << scale.size() << " scales; expected " << channels
           << " (the size of axis " << getAxis() << ")";
  for (auto [i, s] : llvm::enumerate(scale))
    if (!std::isfinite(s) || s <= 0.0f)
      return emitOpError("scale[")
             << i << "] = " << s << " must be finite and positive";
  return success();
}

OpFoldResult EqScaleOp::fold(FoldAdaptor) {
  if (llvm::all_of(getScale(), [](float s) { return s == 1.0f; }))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Quantize / dequantize
//===----------------------------------------------------------------------===//

/// Checks a float tensor type against a quantized tensor type.
static LogicalResult verifyQuantPair(Operation *op, RankedTensorType floatType,
                                     RankedTensorType quantType) {
  if (floatType.getShape() != quantType.getShape())
    return op->emitOpError("float and quantized shapes differ: ")
           << floatType << " vs " << quantType;
  auto qtype = dyn_cast<quant::QuantizedType>(quantType.getElementType());
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          qtype))
    return op->emitOpError("expects a per-tensor or per-axis "
                           "!quant.uniform element type, got ")
           << quantType.getElementType();
  if (qtype.getExpressedType() != floatType.getElementType())
    return op->emitOpError("quantized expressed type ")
           << qtype.getExpressedType() << " does not match "
           << floatType.getElementType();
  if (qtype.getStorageTypeIntegralWidth() != 8)
    return op->emitOpError("expects an 8-bit storage type, got ")
           << qtype.getStorageType();
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype)) {
    int32_t dim = perAxis.getQuantizedDimension();
    if (dim >= quantType.getRank())
      return op->emitOpError("quantized dimension ")
             << dim << " is out of range for rank " << quantType.getRank();
    int64_t size = quantType.getDimSize(dim);
    if (!ShapedType::isDynamic(size) &&
        static_cast<int64_t>(perAxis.getScales().size()) != size)
      return op->emitOpError("has ")
             << perAxis.getScales().size() << " scales for dimension " << dim
             << " of size " << size;
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantPair(*this, getInput().getType(),
                         cast<RankedTensorType>(getOutput().getType()));
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q)) with the same type is q: dequantized values lie
  // exactly on the quantization grid.
  if (auto dq = getInput().getDefiningOp<DequantizeOp>())
    if (dq.getInput().getType() == getOutput().getType())
      return dq.getInput();
  return {};
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantPair(*this, getOutput().getType(),
                         cast<RankedTensorType>(getInput().getType()));
}

#define GET_OP_CLASSES
#include "EqQuant/Dialect/EqqOps.cpp.inc"
