//===- EqqBase.td - eqq dialect, enums and attributes ------*- tablegen -*-===//
//
// The `eqq` dialect: observers, equalization scales and quantization for
// input-weight equalization and static int8 post-training quantization.
//
//===----------------------------------------------------------------------===//

#ifndef EQQ_BASE_TD
#define EQQ_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Eqq_Dialect : Dialect {
  let name = "eqq";
  let cppNamespace = "::mlir::eqq";
  let summary = "Input-weight equalization and static int8 quantization";
  let description = [{
    The `eqq` dialect models the steps of post-training quantization with
    input-weight equalization, after PyTorch's FX equalization
    (`torch.ao.quantization.fx._equalize`):

    * observers that record value ranges during calibration
      (`eqq.act_observer`, `eqq.weight_observer`, `eqq.input_eq_observer`,
      `eqq.weight_eq_observer`). Observers are the identity on data; their
      statistics live in attributes, and a missing statistic means "not
      calibrated". An observer of a compile-time constant computes its
      statistics when folded, so weights never need calibration data;
    * the per-channel equalization multiply (`eqq.eq_scale`);
    * quantize and dequantize (`eqq.quantize`, `eqq.dequantize`) between
      `f32` tensors and tensors of the upstream `!quant.uniform` types, with
      round-half-to-even and saturation to the storage range.

    Quantized values use the upstream `quant` dialect's types so that any MLIR
    tool can read them. `eqq.quantize` exists next to `quant.qcast` because its
    semantics are pinned down (round half to even, then clamp to the storage
    type's range, as PyTorch's `quantize_per_tensor`), while `quant.qcast`'s
    upstream lowering truncates toward zero without clamping.

    Passes reach the four observers through `ObserverOpInterface`
    (`include/EqQuant/Dialect/EqqInterfaces.td`): an observer's role
    (activation, weight, input or weight of an equalized layer), its
    statistics and their axis, how calibration batches accumulate into them,
    and, as pure functions, the statistics a tensor gives and the
    quantization parameters statistics give.

    The dialect's discardable attributes are declared in its ODS
    (`discardableAttrs`, with generated `EqqDialect::<Name>AttrHelper`
    accessors) and checked by its attribute verifier, which rejects any
    other `eqq.` attribute. They carry what must survive printing without
    locations, and lowering:

    | attribute | type | on |
    | --- | --- | --- |
    | `eqq.layer` | `StringAttr` | a layer's matmul or conv op, or its integer program |
    | `eqq.folded_scale` | `DenseF32ArrayAttr` | a layer with a folded equalization scale |
    | `eqq.input_types` | `ArrayAttr` of `TypeAttr` | an entry function |
    | `eqq.output_types` | `ArrayAttr` of `TypeAttr` | an entry function |
    | `eqq.shares_observer` | `UnitAttr` | the last op of a quantized op that shares its input's observer |
    | `eqq.float_output` | `UnitAttr` | a quantized layer's matmul or conv op whose output stays float |

    * `eqq.layer = "<name>"` on a layer's matmul or conv op, or on the
      accumulating `linalg.generic` of its integer program: the layer's name
      (interface section 3). `--eqq-prepare` records every name that comes
      from a location (`loc("fc1")`), `--eqq-convert` every name, so that a
      module written between stages without `--mlir-print-debuginfo` keeps
      its names; the layer analysis prefers it to the location. Generated
      names (`linear_0`, ...) follow from program order and need no record.
    * `eqq.folded_scale = array<f32: ...>` on a layer into which
      `--eqq-convert` folded an equalization scale: the factors by which its
      output differs from the original model's, along the output's channel
      axis (the numeric comparison divides them out).
    * `eqq.input_types = [...]` and `eqq.output_types = [...]` on a function
      that `--eqq-emit-c-interface` prepared: its tensor signature (arrays of
      type attributes), which the JIT reads after lowering to the LLVM
      dialect.
    * `eqq.shares_observer` on the op whose result is the output of an op
      `--eqq-prepare` quantizes with its input's observer (the op table's
      SharesInputObserver: a standalone relu, pooling, mean, clamp, cat;
      PyTorch's OUTPUT_SHARE_OBSERVER_WITH_INPUT). As PyTorch's one observer
      instance, the observer quantizing the op's input also observes its
      output (`--eqq-calibrate` feeds it both), and `--eqq-convert` quantizes
      the output with it.
    * `eqq.float_output` on the matmul or conv op of a quantized layer that
      `--eqq-prepare="float-outputs=true"` left without an output observer,
      since no quantized op reads its output: `--eqq-convert` computes the
      output in float from the integer accumulator (`acc * (sx * sw) +
      bias`), without rounding it to int8.
  }];
  let discardableAttrs = (ins
    "::mlir::StringAttr":$layer,
    "::mlir::DenseF32ArrayAttr":$folded_scale,
    "::mlir::ArrayAttr":$input_types,
    "::mlir::ArrayAttr":$output_types,
    "::mlir::UnitAttr":$shares_observer,
    "::mlir::UnitAttr":$float_output
  );
  let hasOperationAttrVerify = 1;
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 0;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Eqq_ObserverKind : I32EnumAttr<"ObserverKind",
    "how an observer accumulates statistics", [
  I32EnumAttrCase<"minmax", 0>,
  I32EnumAttrCase<"per_channel_minmax", 1>,
  I32EnumAttrCase<"moving_average_minmax", 2>,
  I32EnumAttrCase<"histogram", 3>,
  // PyTorch's FixedQParamsObserver, which --eqq-prepare puts on the output of
  // an op with fixed output qparams (sigmoid, hardsigmoid): its min_val and
  // max_val are the fixed range, calibration leaves them as they are.
  I32EnumAttrCase<"fixed_qparams", 4>
]> {
  let cppNamespace = "::mlir::eqq";
  let genSpecializedAttr = 0;
}
def Eqq_ObserverKindAttr : EnumAttr<Eqq_Dialect, Eqq_ObserverKind, "observer_kind"> {
  let assemblyFormat = "`<` $value `>`";
}

def Eqq_QDType : I32EnumAttr<"QDType", "quantized storage type", [
  I32EnumAttrCase<"quint8", 0>,
  I32EnumAttrCase<"qint8", 1>
]> {
  let cppNamespace = "::mlir::eqq";
  let genSpecializedAttr = 0;
}
def Eqq_QDTypeAttr : EnumAttr<Eqq_Dialect, Eqq_QDType, "qdtype"> {
  let assemblyFormat = "`<` $value `>`";
}

def Eqq_QScheme : I32EnumAttr<"QScheme", "quantization scheme", [
  I32EnumAttrCase<"per_tensor_affine", 0>,
  I32EnumAttrCase<"per_tensor_symmetric", 1>,
  I32EnumAttrCase<"per_channel_affine", 2>,
  I32EnumAttrCase<"per_channel_symmetric", 3>,
  I32EnumAttrCase<"per_channel_affine_float_qparams", 4>
]> {
  let cppNamespace = "::mlir::eqq";
  let genSpecializedAttr = 0;
}
def Eqq_QSchemeAttr : EnumAttr<Eqq_Dialect, Eqq_QScheme, "qscheme"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // EQQ_BASE_TD
