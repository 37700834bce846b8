//===- EqqInterfaces.td - eqq op interfaces ----------------*- tablegen -*-===//
//
// The interface every eqq observer implements: its role, its statistics and
// the quantization parameters statistics give.
//
//===----------------------------------------------------------------------===//

#ifndef EQQ_INTERFACES_TD
#define EQQ_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Eqq_ObserverOpInterface : OpInterface<"ObserverOpInterface"> {
  let cppNamespace = "::mlir::eqq";
  let description = [{
    An observer: the identity on data that records statistics of the value
    it observes (`min_val`, `max_val`, one entry per tensor or per channel of
    its statistics axis, and `histogram` for histogram observers). Passes ask
    observers through this interface instead of naming the four ops and
    their attributes:

    * what the observer is for (`getObserverRole`: an activation or a weight
      to quantize, or the input or weight of an equalized layer);
    * its statistics (`getStatistics`, `isCalibrated`, `setStatistics`,
      `clearStatistics`), their axis and size (`getStatisticsAxis`,
      `getNumStatChannels`), and how calibration batches accumulate into
      them (`getRunningStatistics`);
    * pure functions of given data or statistics, which neither change the
      observer nor create IR: the statistics one tensor of data gives
      (`computeStatistics`) and the quantization parameters statistics give
      (`computeQParams`, PyTorch's `calculate_qparams` with the histogram
      observer's range search).
  }];

  let methods = [
    InterfaceMethod<
      "What the observer observes, and for what.",
      "::mlir::eqq::ObserverRole", "getObserverRole">,
    InterfaceMethod<
      "The observed value (the observer's operand, which it returns).",
      "::mlir::TypedValue<::mlir::RankedTensorType>", "getInput">,
    InterfaceMethod<
      [{The axis whose channels the statistics keep, or std::nullopt for
        per-tensor statistics (one entry).}],
      "std::optional<int64_t>", "getStatisticsAxis">,
    InterfaceMethod<
      [{The number of entries of `min_val` and `max_val`: 1 per tensor, or the
        size of the statistics axis (ShapedType::kDynamic when that size is
        dynamic or the axis is out of range).}],
      "int64_t", "getNumStatChannels", (ins), [{}], [{
        std::optional<int64_t> axis = $_op.getStatisticsAxis();
        if (!axis)
          return 1;
        auto type = $_op.getInput().getType();
        if (*axis < 0 || *axis >= type.getRank())
          return ::mlir::ShapedType::kDynamic;
        return type.getDimSize(*axis);
      }]>,
    InterfaceMethod<"The recorded minima, or null before calibration.",
      "::mlir::DenseF32ArrayAttr", "getMinValAttr">,
    InterfaceMethod<"The recorded maxima, or null before calibration.",
      "::mlir::DenseF32ArrayAttr", "getMaxValAttr">,
    InterfaceMethod<
      [{The recorded histogram over [min_val[0], max_val[0]] of a histogram
        observer; null for other observers.}],
      "::mlir::DenseF32ArrayAttr", "getHistogramAttr", (ins), [{}],
      [{ return {}; }]>,
    InterfaceMethod<
      [{True when the observer holds statistics (it has been calibrated, or
        folded from a constant).}],
      "bool", "isCalibrated", (ins), [{}], [{
        return $_op.getMinValAttr() && $_op.getMaxValAttr();
      }]>,
    InterfaceMethod<
      "Replaces the observer's statistics.",
      "void", "setStatistics",
      (ins "const ::mlir::eqq::ObserverStatistics &":$statistics)>,
    InterfaceMethod<
      "Removes the observer's statistics (it is then not calibrated).",
      "void", "clearStatistics">,
    InterfaceMethod<
      [{The statistics this observer computes from one tensor `data` of its
        input's shape (row-major), as folding a constant does. Pure.}],
      "::mlir::eqq::ObserverStatistics", "computeStatistics",
      (ins "::llvm::ArrayRef<float>":$data)>,
    InterfaceMethod<
      [{The quantization parameters `statistics` give under this observer's
        dtype, scheme and range (scale 1 and zero point 0 for statistics of
        no data, as PyTorch); std::nullopt for equalization observers, which
        do not quantize, and for min and max of different sizes. Pure:
        neither the observer nor the IR changes.}],
      "std::optional<::mlir::eqq::QParams>", "computeQParams",
      (ins "const ::mlir::eqq::ObserverStatistics &":$statistics)>,
    InterfaceMethod<
      [{Empty running statistics with this observer's accumulation rule
        (min/max, moving average with its averaging constant, or histogram
        with its bins), continuing from the statistics it holds, if any.}],
      "::mlir::eqq::RunningStats", "getRunningStatistics">,
  ];

  let extraSharedClassDeclaration = [{
    /// True for the observers of an equalized layer's input or weight.
    bool isEqualizationObserver() {
      ::mlir::eqq::ObserverRole role = $_op.getObserverRole();
      return role == ::mlir::eqq::ObserverRole::InputEqualization ||
             role == ::mlir::eqq::ObserverRole::WeightEqualization;
    }
    /// True for the observers of a weight (quantization or equalization),
    /// whose statistics come from constants rather than calibration data.
    bool observesWeight() {
      ::mlir::eqq::ObserverRole role = $_op.getObserverRole();
      return role == ::mlir::eqq::ObserverRole::Weight ||
             role == ::mlir::eqq::ObserverRole::WeightEqualization;
    }
    /// The statistics the observer holds, or std::nullopt before
    /// calibration.
    std::optional<::mlir::eqq::ObserverStatistics> getStatistics() {
      if (!$_op.isCalibrated())
        return std::nullopt;
      ::mlir::eqq::ObserverStatistics s;
      s.min.assign($_op.getMinValAttr().asArrayRef().begin(),
                   $_op.getMinValAttr().asArrayRef().end());
      s.max.assign($_op.getMaxValAttr().asArrayRef().begin(),
                   $_op.getMaxValAttr().asArrayRef().end());
      if (::mlir::DenseF32ArrayAttr h = $_op.getHistogramAttr())
        s.histogram.assign(h.asArrayRef().begin(), h.asArrayRef().end());
      return s;
    }
    /// The quantization parameters of the statistics the observer holds;
    /// std::nullopt before calibration and for equalization observers.
    std::optional<::mlir::eqq::QParams> getQParams() {
      std::optional<::mlir::eqq::ObserverStatistics> s = $_op.getStatistics();
      if (!s)
        return std::nullopt;
      return $_op.computeQParams(*s);
    }
  }];
}

#endif // EQQ_INTERFACES_TD
