//===- EqqOps.td - eqq operations --------------------------*- tablegen -*-===//
//
// Observers, the equalization multiply, quantize and dequantize.
//
//===----------------------------------------------------------------------===//

#ifndef EQQ_OPS_TD
#define EQQ_OPS_TD

include "EqQuant/Dialect/EqqBase.td"
include "EqQuant/Dialect/EqqInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Dialect/Quant/IR/QuantBase.td"

class Eqq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Eqq_Dialect, mnemonic, traits>;

def Eqq_F32Tensor : RankedTensorOf<[F32]>;

/// The ObserverOpInterface methods each observer defines in EqqOps.cpp.
defvar Eqq_ObserverMethods = [{
    ::mlir::eqq::ObserverRole getObserverRole();
    std::optional<int64_t> getStatisticsAxis();
    void setStatistics(const ::mlir::eqq::ObserverStatistics &statistics);
    void clearStatistics();
    ::mlir::eqq::ObserverStatistics computeStatistics(
        ::llvm::ArrayRef<float> data);
    std::optional<::mlir::eqq::QParams> computeQParams(
        const ::mlir::eqq::ObserverStatistics &statistics);
    ::mlir::eqq::RunningStats getRunningStatistics();
}];

//===----------------------------------------------------------------------===//
// Quantization observers
//===----------------------------------------------------------------------===//

class Eqq_QuantObserverOp<string mnemonic>
    : Eqq_Op<mnemonic, [Pure, SameOperandsAndResultType,
                        Eqq_ObserverOpInterface]> {
  let arguments = (ins
    Eqq_F32Tensor:$input,
    Eqq_ObserverKindAttr:$kind,
    Eqq_QDTypeAttr:$dtype,
    Eqq_QSchemeAttr:$qscheme,
    OptionalAttr<I64Attr>:$quant_min,
    OptionalAttr<I64Attr>:$quant_max,
    UnitAttr:$reduce_range,
    DefaultValuedAttr<I64Attr, "0">:$axis,
    DefaultValuedAttr<F32Attr, "0.01f">:$averaging_constant,
    DefaultValuedAttr<I64Attr, "2048">:$bins,
    OptionalAttr<DenseF32ArrayAttr>:$min_val,
    OptionalAttr<DenseF32ArrayAttr>:$max_val,
    OptionalAttr<DenseF32ArrayAttr>:$histogram
  );
  let results = (outs Eqq_F32Tensor:$output);
  let assemblyFormat = [{
    $input custom<EnumKeyword>($kind) custom<EnumKeyword>($dtype)
    custom<EnumKeyword>($qscheme)
    (`range` ` ` `[` $quant_min^ `,` $quant_max `]`)?
    (`reduce_range` $reduce_range^)?
    (`axis` $axis^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;

  let extraClassDeclaration = Eqq_ObserverMethods;
}

def Eqq_ActObserverOp : Eqq_QuantObserverOp<"act_observer"> {
  let summary = "Records the range of an activation for its quantization";
  let description = [{
    Observes the activation `input` for its int8 quantization and returns it
    unchanged. `kind` selects how statistics accumulate across calibration
    batches, after PyTorch's observers:

    * `minmax` (`MinMaxObserver`): running per-tensor min and max;
    * `per_channel_minmax` (`PerChannelMinMaxObserver`): running min and max
      along `axis`;
    * `moving_average_minmax` (`MovingAverageMinMaxObserver`): exponential
      moving average of each batch's min and max with `averaging_constant`;
    * `histogram` (`HistogramObserver`): a `bins`-bin histogram over the
      running range, from which the range is chosen by minimizing the
      quantization error.

    `dtype`, `qscheme`, the optional custom quantization range `range [min,
    max]` and `reduce_range` determine the quantization parameters. The
    statistics `min_val`, `max_val` (one entry per tensor, or one per channel
    of `axis`) and, for `histogram`, `histogram` are absent until calibration.

    The combinations PyTorch rejects are rejected: per-channel schemes need
    `per_channel_minmax` and the other kinds need per-tensor schemes,
    `reduce_range` is not allowed with symmetric `quint8`, a custom range must
    hold 0, have `min < max` and fit the storage type.

    Example:

    ```mlir
    %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127]
           : tensor<5x5xf32>
    %1 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127]
           {max_val = array<f32: 2.5>, min_val = array<f32: -1.0>}
           : tensor<16x3x224x224xf32>
    ```
  }];
}

def Eqq_WeightObserverOp : Eqq_QuantObserverOp<"weight_observer"> {
  let summary = "Records the range of a weight for its quantization";
  let description = [{
    Observes a layer's weight for its int8 quantization and returns it
    unchanged. Attributes as for `eqq.act_observer`; per-channel weight
    observers use `axis 0` (output channels). When the observed value is a
    compile-time constant (possibly through other observers), folding computes
    the statistics, so weights never need calibration data.

    Example:

    ```mlir
    %w = arith.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
    %0 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric : tensor<2x2xf32>
    // after folding:
    %0 = eqq.weight_observer %w minmax qint8 per_tensor_symmetric
           {max_val = array<f32: 4.0>, min_val = array<f32: -2.0>} : tensor<2x2xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Equalization observers
//===----------------------------------------------------------------------===//

def Eqq_InputEqObserverOp : Eqq_Op<"input_eq_observer",
    [Pure, SameOperandsAndResultType, Eqq_ObserverOpInterface]> {
  let summary = "Records per-channel ranges of a layer input for equalization";
  let description = [{
    PyTorch's `_InputEqualizationObserver`: keeps the running minimum and
    maximum of `input` per channel of `axis`, reducing over every other axis,
    and returns `input` unchanged. `axis` is 1 for a 2-D linear input and for
    NCHW-style conv inputs, and the last axis for a linear input of higher rank
    (features last). Inputs have rank 2 to 5. `dtype` and `qscheme` (per-tensor
    only) describe the input quantization the equalized layer will get.

    `--eqq-calibrate` also keeps, on the observer in front of an equalized
    layer, a bounded uniform sample of the rows that layer multiplies
    (`samples`, f32 `[rows, channels, taps]`: a linear's input rows, a conv's
    input patches of channels x kernel taps at sampled output positions,
    zero padding included) and how many rows it was drawn from
    (`samples_seen`); `--eqq-convert` scores equalization candidates on it.

    `select` (a unit attribute) asks `--eqq-convert` to keep this layer's
    equalization only where it scores better than none on that sample (its
    `select` option, when given, decides for every layer instead).
    `--eqq-prepare` sets it under the named `"equalization": "default"`.

    Example:

    ```mlir
    %0 = eqq.input_eq_observer %x axis 1 quint8 per_tensor_symmetric
           {max_val = array<f32: 0.9, 0.8>, min_val = array<f32: 0.1, 0.0>}
           : tensor<4x2xf32>
    ```
  }];
  let arguments = (ins
    Eqq_F32Tensor:$input,
    I64Attr:$axis,
    Eqq_QDTypeAttr:$dtype,
    Eqq_QSchemeAttr:$qscheme,
    OptionalAttr<DenseF32ArrayAttr>:$min_val,
    OptionalAttr<DenseF32ArrayAttr>:$max_val,
    OptionalAttr<ElementsAttr>:$samples,
    OptionalAttr<I64Attr>:$samples_seen,
    UnitAttr:$select
  );
  let results = (outs Eqq_F32Tensor:$output);
  let assemblyFormat = [{
    $input `axis` $axis custom<EnumKeyword>($dtype)
    custom<EnumKeyword>($qscheme) attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = Eqq_ObserverMethods;
}

def Eqq_WeightEqObserverOp : Eqq_Op<"weight_eq_observer",
    [Pure, SameOperandsAndResultType, Eqq_ObserverOpInterface]> {
  let summary = "Records per-input-column ranges of a weight for equalization";
  let description = [{
    PyTorch's `_WeightEqualizationObserver`: the minimum and maximum of each
    input column of a weight `W[out, in, ...]` (axis 1, reducing over every
    other axis); returns `input` unchanged. Weights are compile-time constants,
    so folding computes the statistics. `dtype` and `qscheme` describe the
    weight quantization the equalized layer will get.

    `axis` (default 1, printed only when it is not) is the weight axis that
    the layer's input channels meet: 0 for a depthwise conv, whose input
    channel c is read only by weight row `W[c, 0, :, :]`.

    Example:

    ```mlir
    %w = arith.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
    %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<2x2xf32>
    // after folding:
    %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric
           {max_val = array<f32: 1.0, 4.0>, min_val = array<f32: 0.5, -2.0>}
           : tensor<2x2xf32>
    // a depthwise conv's weight C x 1 x KH x KW: ranges of its rows
    %1 = eqq.weight_eq_observer %dw axis 0 qint8 per_channel_symmetric
           : tensor<8x1x3x3xf32>
    ```
  }];
  let arguments = (ins
    Eqq_F32Tensor:$input,
    Eqq_QDTypeAttr:$dtype,
    Eqq_QSchemeAttr:$qscheme,
    OptionalAttr<DenseF32ArrayAttr>:$min_val,
    OptionalAttr<DenseF32ArrayAttr>:$max_val,
    DefaultValuedAttr<I64Attr, "1">:$axis
  );
  let results = (outs Eqq_F32Tensor:$output);
  let assemblyFormat = [{
    $input (`axis` $axis^)? custom<EnumKeyword>($dtype)
    custom<EnumKeyword>($qscheme) attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = Eqq_ObserverMethods;
}

//===----------------------------------------------------------------------===//
// Equalization multiply
//===----------------------------------------------------------------------===//

def Eqq_EqScaleOp : Eqq_Op<"eq_scale", [Pure, SameOperandsAndResultType]> {
  let summary = "Multiplies a tensor by a per-channel equalization scale";
  let description = [{
    `output[..., c, ...] = input[..., c, ...] * scale[c]` with `c` the index
    along `axis`: the input side of input-weight equalization (`x * s`, with
    the layer's weight columns divided by `s`). Scales are finite and
    positive, so the multiply commutes with relu.

    Example:

    ```mlir
    %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 0.5, 2.0>} : tensor<4x2xf32>
    ```
  }];
  let arguments = (ins
    Eqq_F32Tensor:$input,
    I64Attr:$axis,
    DenseF32ArrayAttr:$scale
  );
  let results = (outs Eqq_F32Tensor:$output);
  let assemblyFormat = [{
    $input `axis` $axis attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Quantize / dequantize
//===----------------------------------------------------------------------===//

def Eqq_QuantizeOp : Eqq_Op<"quantize", [Pure]> {
  let summary = "Quantizes an f32 tensor to a !quant.uniform tensor";
  let description = [{
    `q = clamp(round_half_even(x / scale) + zero_point, storage_min,
    storage_max)` elementwise, per tensor or per axis, with the scale and zero
    point of the result's `!quant.uniform` element type, and the storage range
    of its storage type (`u8`: [0, 255], `i8`: [-128, 127], or the narrower
    range the type spells). This is PyTorch's `quantize_per_tensor` /
    `quantize_per_channel`.

    Example:

    ```mlir
    %q = eqq.quantize %x : tensor<4x5xf32> to tensor<4x5x!quant.uniform<u8:f32, 0.0123:3>>
    ```
  }];
  let arguments = (ins Eqq_F32Tensor:$input);
  let results = (outs RankedTensorOf<[quant_QuantizedType]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Eqq_DequantizeOp : Eqq_Op<"dequantize", [Pure]> {
  let summary = "Dequantizes a !quant.uniform tensor to f32";
  let description = [{
    `x = (q - zero_point) * scale` elementwise, per tensor or per axis.

    Example:

    ```mlir
    %x = eqq.dequantize %q : tensor<4x5x!quant.uniform<u8:f32, 0.0123:3>> to tensor<4x5xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[quant_QuantizedType]>:$input);
  let results = (outs Eqq_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

#endif // EQQ_OPS_TD
