//===- Passes.td - EqQuant passes --------------------------*- tablegen -*-===//
//
// The EqQuant pipeline: prepare -> calibrate -> convert -> lower.
//
//===----------------------------------------------------------------------===//

#ifndef EQQ_TRANSFORMS_PASSES_TD
#define EQQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def PreparePass : Pass<"eqq-prepare", "::mlir::ModuleOp"> {
  let summary = "Insert observers for quantization and input-weight equalization";
  let description = [{
    Recognizes the layers of a float model (linear, conv1d/2d/3d, depthwise
    conv2d, relu, add in the spellings of the interface contract), decides
    from the configuration
    which are quantized and which are equalized, and inserts `eqq` observers
    with the semantics of PyTorch's `prepare_fx` with an `_equalization_config`:

    * one `eqq.act_observer` on each value a quantized op reads or produces (a
      layer's output is observed after the relu that follows it; a value that
      feeds several quantized ops has one shared observer);
    * one `eqq.input_eq_observer` directly in front of each equalized layer,
      and an `eqq.weight_eq_observer` on its weight;
    * one `eqq.weight_observer` on each quantized layer's weight.

    Weight observers of constants are folded at once, so their statistics are
    present after this pass. A layer is not equalized (with a warning) when
    its input also feeds another quantized or observed op (the branch rule of
    the reference). A layer whose weight is not a compile-time constant stays
    float, with a warning. Ops that are not quantized are left untouched.

    A depthwise conv2d (`linalg.depthwise_conv_2d_nchw_chw`, its weight
    PyTorch's `C x 1 x KH x KW` read through a `tensor.collapse_shape`) is a
    conv2d layer; its weight-equalization observer records the rows of that
    weight (`axis 0`), the only weights its input channel c meets. A grouped
    conv2d (`linalg.conv_2d_ngchw_gfchw` reading `tensor.expand_shape`s of
    the 4-D input, of PyTorch's `(G F') x C' x KH x KW` weight and of the
    init, its result collapsed back to 4-D) is a conv2d layer too, observed
    and quantized on those 4-D values as PyTorch quantizes it (per-channel
    weights along axis 0); it is not equalized (with a warning when the
    configuration asks): input channel c meets only the rows of its group.
    As the producer of an equalized layer it takes the scale in its rows and
    bias like any conv.

    Without `config`, the built-in default is used: linear, conv and relu
    quantized with PyTorch 1.13's `default_qconfig`, add left float, linear
    and conv equalized with `default_equalization_qconfig`.

    Selective equalization, like PyTorch's `get_equalization_qconfig_dict`:
    `equalize-top-k=N sqnr=FILE.json` equalizes exactly the `N` layers with
    the lowest SQNR in `FILE` (what `eq-run --compare FLOAT QUANT --json`
    prints for a model quantized without equalization; ascending, ties in
    program order, `nan` first) with `default_equalization_qconfig`, and no
    other layer: it replaces the configuration's `equalization` section (the
    built-in one without `config`). Names in `FILE` that are not layers of
    the module are an error naming them; `N` larger than the number of
    layers in `FILE` equalizes them all, with a warning. A selected layer
    that stays float is not equalized (warning). Example:
    `--eqq-prepare="config=c.json equalize-top-k=1 sqnr=sqnr.json"`.

    Shared inputs: PyTorch's branch rule leaves a layer unequalized when its
    input also feeds another quantized op (one value cannot carry two
    scales). With `shared-inputs=true`, layers whose input is read only by
    equalized layers (q/k/v style) keep their equalization; `--eqq-convert`
    gives them one scale from the largest weight spread of each column over
    all of them, one multiply and one quantize of the scaled input.

    Residual adds: a layer `L` that reads `a + b` (or `relu(a + b)`) takes
    its scale from a multiply after the add by default, as in PyTorch, and
    the add's operands are quantized with their outlier channels. With
    `residual-adds=true`, when `a` and `b` are each the output of a layer
    (through at most its relu) and nothing else reads the add, both
    operands get `L`'s scale instead (`--eqq-convert` folds it into both
    producers: `s * a + s * b = s * (a + b)`, the function unchanged). Other
    layers reading `a` or `b` (a skip connection: `x` feeds the block and
    the add) divide their weight columns by the same scale and are not
    equalized on their own. Per-channel observers on the add's operands
    (and on the relu's input) give `--eqq-convert` the ranges of the scaled
    values, and the scale balances `L`'s weight columns against the widest
    range of each channel over all of them. An equalized layer behind an add whose operands cannot take
    the scale keeps the multiply, with a warning.

    Float outputs: PyTorch observes every quantized layer's output, so its
    integer program rounds the output to int8 even where only float ops read
    it (a residual add and a layer norm that stay float, the function's
    result). With `float-outputs=true` such a layer gets no output observer
    and the mark `eqq.float_output`; `--eqq-convert` computes its output in
    float from the int8 accumulator, `float(acc) * (sx * sw) + bias`, and
    the kernels fuse that epilogue as they fuse a requantize. An output
    that a quantized op reads (through reshapes and observers) keeps its
    observer. In all-MiniLM-L6-v2 the FFN's output carries a channel 200
    times the median one into the residual stream: rounding the linears'
    outputs to int8 costs 10 dB at the next layer's q (13.4 against 23.3 dB
    in `eq-run --compare`; `bench/transformer.py`).

    Example (`--eqq-prepare`):

    ```mlir
    // before
    %mm = linalg.matmul indexing_maps = [...] ins(%x, %w : ...) outs(%init : ...) loc("fc1")
    // after
    %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
    %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric : tensor<5x5xf32>
    %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric {...} : tensor<5x5xf32>
    %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric {...} : tensor<5x5xf32>
    %mm = linalg.matmul indexing_maps = [...] ins(%1, %3 : ...) outs(%init : ...) loc("fc1")
    %4 = eqq.act_observer %mm minmax quint8 per_tensor_affine range [0, 127] : tensor<5x5xf32>
    ```
  }];
  let options = [
    Option<"config", "config", "std::string", /*default=*/"\"\"",
           "JSON configuration file (interface section 4); empty: the built-in default">,
    Option<"equalizeTopK", "equalize-top-k", "int64_t", /*default=*/"-1",
           "Equalize exactly the N layers with the lowest SQNR in `sqnr`, "
           "replacing the configuration's equalization section (-1: off)">,
    Option<"sqnr", "sqnr", "std::string", /*default=*/"\"\"",
           "Per-layer SQNR file for equalize-top-k (eq-run --compare --json)">,
    Option<"sharedInputs", "shared-inputs", "bool", /*default=*/"false",
           "Equalize layers that share their input (q/k/v style) when every "
           "quantized reader of it is an equalized layer: one scale for all "
           "(--eqq-convert), instead of the branch rule's skip (always on "
           "with the named \"equalization\": \"default\")">,
    Option<"residualAdds", "residual-adds", "bool", /*default=*/"false",
           "Give both operands of an add in front of an equalized layer the "
           "layer's scale (folded into their producers) instead of a "
           "multiply after the add">,
    Option<"floatOutputs", "float-outputs", "bool", /*default=*/"false",
           "Leave a quantized layer's output float when no quantized op "
           "reads it (a float op, or the function's result): no output "
           "observer, and --eqq-convert computes it from the int8 "
           "accumulator without rounding it to int8 (PyTorch quantizes "
           "every layer's output)">
  ];
  let dependentDialects = [
    "::mlir::eqq::EqqDialect",
    "::mlir::quant::QuantDialect"
  ];
}

def CalibratePass : Pass<"eqq-calibrate", "::mlir::ModuleOp"> {
  let summary = "Run a prepared model on calibration data and record statistics";
  let description = [{
    Runs the function `entry` of a prepared module on each calibration batch
    in the JIT and stores what its observers saw as their `min_val`,
    `max_val` (and `histogram`) attributes, accumulating across batches
    exactly as PyTorch's observers do: running min/max (per tensor or per
    channel), moving averages of min/max, and histograms over a growing
    range. Observers that already hold statistics continue from them, so
    calibration can be resumed.

    The observers are compiled into the model, not interpreted: a clone of
    the function returns, besides its results, each observer's batch
    statistics (reductions to per-tensor or per-channel min/max; the observed
    tensor itself for histogram observers), and the host folds them into
    running values. Memory does not grow with the number of batches.

    Each `data` entry is one batch: an `.npy` file for a function with one
    argument, or a directory holding `arg0.npy`, `arg1.npy`, ... (token ids
    as int64 or int32, masks as bool or numbers). Batches must have the
    argument's dtype and shape; with `stacked=true` a file may also stack
    k batches along its first dimension (k images stored as k x 3 x 224 x
    224 for a 1 x 3 x 224 x 224 argument; every array of a directory the
    same k), which run as k batches in turn. An argument an observer reads, directly
    or after elementwise ops, reshapes, slices and concats, must be finite
    (NaN or Inf is an error naming the file and the first bad index); an
    additive attention mask, which reaches the layers only through softmax,
    may hold `-inf`. Runs of more than a few seconds report progress on
    stderr.

    Samples for `--eqq-convert="select=true"`: the input-equalization
    observer in front of each equalized layer also keeps a uniform sample of
    the rows that layer multiplies: a linear's input rows, a conv's input
    patches (channels x kernel taps, zero padding included) at output
    positions (a depthwise conv's too: its output channel c reads channel c
    of the patch). The clone returns a strided slice of each batch for this
    (whole images, about half a million values, all of a small batch), so
    memory stays bounded at real model sizes; every row of it is offered,
    and the rows with the smallest hashes of their values are kept (bottom-k
    sampling: the same sample whether calibration runs at once, resumes, or
    merges shards). About 65536 values per layer, between 32 and 512 rows,
    as `samples` (f32 `[rows, channels, taps]`, ordered by hash) and
    `samples_seen`.

    Statistics can be written to a JSON file (`stats-out`) and read back
    (`stats-in`, several files merge: calibration sharded across machines,
    then combined; exact for min/max, approximate for moving averages and
    histograms). `stats-in` without `data` applies statistics without
    running anything. An input-equalization observer's entry carries its
    sample as `"samples": {"seen": N, "shape": [rows, channels, taps],
    "values": [...]}` (optional: files without it stay valid, their layers
    are then not scored); merging keeps the rows with the smallest hashes
    over all files, which is the sample of one run over all their data.

    Example: `--eqq-calibrate="data=b0.npy,b1.npy stats-out=stats.json"`.
  }];
  let options = [
    ListOption<"data", "data", "std::string",
               "Calibration batches: .npy files, or directories of arg<i>.npy">,
    Option<"stacked", "stacked", "bool", /*default=*/"false",
           "A data file may stack k batches along its first dimension">,
    Option<"entry", "entry", "std::string", /*default=*/"\"forward\"",
           "The function to calibrate">,
    ListOption<"statsIn", "stats-in", "std::string",
               "Statistics files (JSON) to merge in before the data">,
    Option<"statsOut", "stats-out", "std::string", /*default=*/"\"\"",
           "Write the statistics to this JSON file">
  ];
  // eqq: the model runner is an interface of the dialect, also looked up
  // when the module holds no eqq op yet.
  let dependentDialects = [
    "::mlir::eqq::EqqDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ConvertPass : Pass<"eqq-convert", "::mlir::ModuleOp"> {
  let summary = "Equalize and quantize a calibrated module";
  let description = [{
    Applies input-weight equalization with the calibrated statistics and then
    (unless `quantize=false`) quantizes the model to int8.

    Equalization, per equalized layer `L` with input `x` and weight `W`:
    `s_j = sqrt(range(W[:, j]) / range(x[:, j]))` in float32 (0, NaN and Inf
    become 1), `W' = W * (1 / s)` along the input axis. `alpha` and
    `scale-mode` generalize the scale to
    `s_j = m(W[:, j])^(1 - alpha) / m(x[:, j])^alpha` with `m` the range
    (`scale-mode=range`, the default; alpha 0.5 is the formula above, bit
    for bit) or the largest magnitude (`scale-mode=absmax`, SmoothQuant's
    migration strength): a larger alpha moves more of the input's spread
    into the weights. `data-free=true` is cross-layer equalization (as in
    AIMET) for chains: where `s` folds into a producer `P`, the input's
    channel `j` is `P`'s output channel `j`, so `m(x[:, j])` is taken from
    `P`'s weight row `j` instead of calibration statistics, and the layer is
    equalized without data (`quantize=false` needs none at all); layers
    without such a producer keep the statistics. Layers that read one value
    (prepared with `shared-inputs`) share one scale, `m(W)` the largest over
    them per column, applied by one multiply. The input must become
    `x * s`: when `x` is the output of another layer `P` (directly or through
    one relu) and `L` is its only consumer, `s` is folded into `P`'s weight
    rows and bias (`relu(s * a) = s * relu(a)` for `s > 0`). When `x` is
    the output of a layer norm over its last axis (weight and bias
    constants) read by nothing but `L` (or the layers sharing it: q, k, v of
    a pre-norm attention; fc1), `s` is folded into the layer norm's weight
    and bias (SmoothQuant's fold: `((x - mean) * rstd * w + b) * s`), the
    recipe saying `folded_into:<layer norm>`. Otherwise an `eqq.eq_scale`
    multiplies `L`'s input (post-norm layers, whose norm also feeds the
    residual add; out_proj and fc2), and other users of `x` keep the
    unscaled value (`fold=false` always multiplies, keeping the previous
    layer's weights and layer norm as they are). The range from which `L`'s input is
    quantized is the
    scaled range, `min_j(xmin_j * s_j)`, `max_j(xmax_j * s_j)`, computed from
    the per-channel statistics of `L`'s input-equalization observer; it
    describes the values actually quantized, also where a scale was folded
    into `P` (where PyTorch 1.13 keeps the stale unscaled range). With
    `quantize=false` the result is the equalized float model, which computes
    the same function as the original.

    Quantization: each activation observer becomes `eqq.quantize` (with
    PyTorch's qparams of its range) and `eqq.dequantize`; each quantized
    layer becomes an integer program: a `linalg.generic` of stored u8
    activations and s8 weights (quantized at compile time) accumulating in
    i32 from `-zx * sum(W)` per output channel (the activation zero point
    folded into the start value, so the inner product is a plain u8 x s8
    dot), then a requantize generic `y = acc * (sx * sw) + bias`,
    `q = clamp(roundeven(y * (1 / s_out)) + zp_out)` with a fused relu as
    `max(q, zp_out)`. A quantized product of two activations (`matmul`:
    attention's scores and context) becomes `sum_k (a - za) * (b - zb)` over
    both inputs' stored integers in i32, with the product's indexing maps,
    and the same requantize with the multiplier `sa * sb`.

    A scale `s` folded into a layer `P` whose weight is quantized per tensor
    would spread `P`'s rows (`W_P * s` along the output axis) and cost the
    small rows their precision. With `carry-folds=true` (the default) `P`'s
    int8 weights and their per-tensor qparams are those of `W_P` before the
    fold, and `s` joins `P`'s requantize multiplier per output channel
    (`sx * sw * s_i`; the bias is the folded one): the same function, the
    equalized activation range, and no loss in the weights. A fold can also
    even out `P`'s rows (when they are where the outlier channels come
    from); then quantizing the folded rows loses less, so a fold is carried
    unless the folded weights' error in the scaled output,
    `sum_i |s_i W_i - q(s_i W_i)|^2`, is less than half the carried one,
    `sum_i s_i^2 |W_i - q(W_i)|^2` (the error model leaves the input out, so
    near ties stay carried). Per-channel
    weights take the fold in their scales anyway. `carry-folds=false`
    quantizes the folded weights, as PyTorch does. Connected quantized layers pass quantized tensors
    directly; ops that are not quantized stay float between `dequantize` and
    `quantize`; the function keeps its float inputs and outputs.

    Automatic alpha (`auto-alpha=true data=FILES`): per equalized layer (or
    group of layers sharing an input), the scale of each alpha in
    `alpha-grid` and no equalization at all are tried, and the one whose
    int8 output is closest to the float output on `data` wins. `data` are
    batches of `entry`'s arguments as for `--eqq-calibrate` (the
    calibration batches, or held-out ones); the module runs once in the JIT
    to record each equalized layer's input (the first batches, up to about
    a million values per layer). A candidate is scored on rows (linear) or
    output positions (conv) of those inputs, as many as about 2^24
    multiply-adds allow (at least 256): the input scaled
    and quantized with the range it would get, times the weight divided by
    the scale and quantized with its observer's qparams, against the float
    layer; the score is the SQNR of that product (for a group, from the sum
    of its layers' noise-to-signal ratios). Ties go to no equalization,
    then to the smaller alpha; with `select-margin` given, the best alpha
    must score that many dB above no equalization. The recipe records each layer's `alpha` and
    the SQNR of every candidate (`auto_alpha`). Equalization can hurt a
    layer whose input has no outlier channels: this is how it is left out
    there.

    Selection (`select=true`): per equalized layer (or group of layers
    sharing an input), the configured scale (`alpha`, `scale-mode`,
    `data-free`) and no equalization are scored as auto-alpha scores its
    candidates, but on the rows `--eqq-calibrate` sampled (no data option,
    no model run): up to about 2^24 multiply-adds per candidate, the float
    output computed once. No equalization wins ties. The recipe records for
    each such layer `"selection"`: both candidates' SQNR, the rows scored
    and the verdict in words, or why it was not scored (no samples: a module
    calibrated from statistics files without them), in which case the layer
    is equalized as configured. The scored input quantization is the range
    the scaled input would get, which is the previous layer's output
    quantization where the scale folds into it; that layer's int8 weights do
    not change with the fold (carried, or per-channel). A scale must score
    `select-margin` dB (default 1) above no equalization to be kept: the
    sample is of the data that set the ranges, which flatters a scale (on
    unseen data an equalized input clips on many channels). A scale that
    multiplies an input already quantized for other readers is scored with
    that input rounded twice, as it will be. Depthwise convs are scored
    too. `select=false` equalizes every configured layer as PyTorch does
    (the interface's contract); without the option, the layers whose
    input-equalization observer carries `select` (set by the named
    `"equalization": "default"`) are selected and the others equalized as
    configured. The selection applies only with `quantize=true` and without
    `recipe-in` or `auto-alpha`, which decide themselves.

    `recipe=FILE` writes every decision: per layer its equalization scale,
    where it was applied (`input_mul`, `folded_into:<layer>`, `none`), the
    input and output quantization (scale, zero point, range) and the weight
    qparams (with `carried_row_scale` for a carried fold), and every activation observer's range after equalization.
    `recipe-in=FILE` re-applies such a file to a prepared module without
    calibration statistics and gives the identical module.

    Uncalibrated activation observers are an error naming the first one.
  }];
  let options = [
    Option<"quantize", "quantize", "bool", /*default=*/"true",
           "Quantize to int8 after equalizing (false: equalized float model)">,
    Option<"fold", "fold", "bool", /*default=*/"true",
           "Fold a layer's scale into the previous layer where that keeps "
           "the function (false: always multiply the input)">,
    Option<"alpha", "alpha", "float", /*default=*/"0.5f",
           "Migration strength in [0, 1]: the share of the input's range "
           "moved into the weights (0.5 with scale-mode=range is PyTorch's "
           "formula)">,
    Option<"scaleMode", "scale-mode", "::mlir::eqq::ScaleMode",
           /*default=*/"::mlir::eqq::ScaleMode::Range",
           "Per-channel statistic of the scale: range (max - min, PyTorch) "
           "or absmax (max |v|, SmoothQuant)",
           [{::llvm::cl::values(
             clEnumValN(::mlir::eqq::ScaleMode::Range, "range",
                        "max - min, as PyTorch"),
             clEnumValN(::mlir::eqq::ScaleMode::AbsMax, "absmax",
                        "max |v|, as SmoothQuant"))}]>,
    Option<"dataFree", "data-free", "bool", /*default=*/"false",
           "Scale a layer whose scale folds into its producer from the "
           "producer's weight rows instead of the input's statistics "
           "(cross-layer equalization, no calibration data needed)">,
    Option<"carryFolds", "carry-folds", "bool", /*default=*/"true",
           "Apply a scale folded into a layer with per-tensor weights in its "
           "requantize multiplier instead of its int8 weights where that "
           "loses less in the weights (false: always quantize the folded "
           "weights, as PyTorch does)">,
    Option<"select", "select", "bool", /*default=*/"false",
           "Keep each layer's equalization only where its scale gives a "
           "better int8 layer output than no equalization on the samples "
           "--eqq-calibrate kept (false: equalize every configured layer, "
           "as PyTorch does; not given: the layers whose input-equalization "
           "observer carries `select`)">,
    Option<"selectMargin", "select-margin", "double", /*default=*/"1.0",
           "How many dB a layer's scale must score above no equalization "
           "for the selection to keep it (auto-alpha: 0 unless given)">,
    Option<"autoAlpha", "auto-alpha", "bool", /*default=*/"false",
           "Choose each layer's alpha (or no equalization) by the SQNR of its "
           "int8 output on `data`">,
    ListOption<"alphaGrid", "alpha-grid", "float",
               "The alphas auto-alpha tries besides no equalization "
               "(default: 0.2,0.3,0.4,0.5,0.6,0.7,0.8)">,
    ListOption<"data", "data", "std::string",
               "Batches auto-alpha scores on: .npy files, or directories of "
               "arg<i>.npy">,
    Option<"stacked", "stacked", "bool", /*default=*/"false",
           "A data file may stack k batches along its first dimension">,
    Option<"entry", "entry", "std::string", /*default=*/"\"forward\"",
           "The function auto-alpha runs on `data`">,
    Option<"recipe", "recipe", "std::string", /*default=*/"\"\"",
           "Write every decision (scales, ranges, qparams) to this JSON file">,
    Option<"recipeIn", "recipe-in", "std::string", /*default=*/"\"\"",
           "Re-apply a recipe to a prepared module instead of its statistics">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def LowerOpsPass : Pass<"eqq-lower-ops", "::mlir::ModuleOp"> {
  let summary = "Lower eqq ops and quantized types to linalg on integers";
  let description = [{
    The first stage of `--eqq-lower-to-llvm`, usable alone: every observer is
    replaced by its input (observers are the identity on data; their
    statistics are dropped), and every `eqq.eq_scale` becomes an elementwise
    `linalg.generic` that multiplies by the per-channel scale, a constant
    broadcast along the scaled axis. Quantized tensors become their storage
    integers (`i8`; `quant.scast` vanishes), `eqq.quantize` an elementwise
    `q = clamp(roundeven(x * (1 / scale)) + zp)` and `eqq.dequantize`
    `x = (q - zp) * scale`, PyTorch's arithmetic.

    An `eqq.eq_scale` that only a per-tensor `eqq.quantize` reads (an
    equalization multiply that could not be folded into a previous layer)
    becomes part of that quantize: one multiplier per channel,
    `q = clamp(roundeven(x * (s_c * (1 / scale))) + zp)`, so equalization
    adds no work at run time. (The product is rounded once instead of
    twice; a value can land in the neighbouring level in rare ties.)

    Example (`--eqq-lower-ops`):

    ```mlir
    // before
    %0 = eqq.act_observer %x minmax quint8 per_tensor_affine : tensor<4x2xf32>
    %1 = eqq.eq_scale %0 axis 1 {scale = array<f32: 0.5, 2.0>} : tensor<4x2xf32>
    // after
    %s = arith.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
    %1 = linalg.generic {indexing_maps = [(d0, d1) -> (d0, d1), (d0, d1) -> (d1), (d0, d1) -> (d0, d1)], ...}
           ins(%x, %s : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
      ^bb0(%in: f32, %c: f32, %out: f32):
        %m = arith.mulf %in, %c : f32
        linalg.yield %m : f32
    } -> tensor<4x2xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def MatmulKernelsPass : Pass<"eqq-matmul-kernels", "::mlir::ModuleOp"> {
  let summary = "Lower f32 matrix products (constant weights, or two activations) to vectorized micro-kernels";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on buffers: every f32 `linalg.matmul`
    whose right-hand side is a constant weight (`W[N, K]` read transposed,
    `W^T[K, N]`, or a `linalg.transpose` of a constant) becomes a
    register-tiled loop nest of vector FMAs over a copy of the weight packed
    at compile time into panels `Wp[ceil(N / NR)][K][NR]` (zero-padded), so
    that each step of the reduction loads `NR` contiguous weights:

    ```
    for each panel p of NR output columns:          (the panel stays in cache)
      for each block of MR rows m:
        acc[MR][NR / 16] = C[m : m + MR, p]         (vector<16xf32> registers)
        for k in 0 .. K:
          b = Wp[p][k][0 : NR]
          acc[i] += broadcast(A[m + i, k]) * b
        C[m : m + MR, p] = acc
    ```

    Products of two activations get the same kernel with `B`'s rows read in
    place: a `linalg.matmul` whose `B[K, N]` is not a constant, or a
    `linalg.generic` contraction `C[b..., m, n] += A[b'..., m, k] *
    B[b''..., k, n]` (the multiply and add of `torch.matmul`, attention's
    scores `q k^T` after the transpose of `k` and its context `probs v`),
    where each leading index of `A` and `B` is a batch loop or `0` on an
    axis of size 1 (broadcast). The batch axes become an `scf.parallel`
    loop (one batch element, a head of an image, per iteration: the
    threads' share). A `B` read transposed (`B[n, k]`) is left alone.

    The int8 products of two activations `--eqq-convert` writes (`C[...] +=
    (ext(a) - za) * (ext(b) - zb)`, i8 operands into i32) get the same
    kernel on f32 copies of the operands less their zero points, exactly:
    each value has at most 9 bits, so a sum of 256 products stays below
    2^24, and the reduction runs in chunks of 256 steps, each summed from
    zero in f32 and added to the i32 accumulator (shorter chunks where a
    zero point lies outside the storage range; `integer-products=false`
    leaves them to the generic loops, as `--eqq-lower-to-llvm isa=none`
    does).

    Remainders are handled exactly: the last rows by a narrower kernel, the
    last columns by masked loads and stores. Other matmuls are left alone.
  }];
  let options = [
    Option<"rowTile", "mr", "int64_t", /*default=*/"8",
           "Rows of the register tile">,
    Option<"colTile", "nr", "int64_t", /*default=*/"32",
           "Columns of the register tile (a multiple of 16)">,
    Option<"integerProducts", "integer-products", "bool", /*default=*/"true",
           "Also the int8 products of two activations (off: generic loops, "
           "as isa=none)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def FloatConvKernelsPass : Pass<"eqq-float-conv-kernels", "::mlir::ModuleOp"> {
  let summary = "Lower f32 convolutions to vectorized matrix-product kernels";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on buffers, after deallocation (it
    frees its own scratch buffer): every f32 `linalg.conv_2d_nchw_fchw`
    whose filter and output are contiguous and whose input rows are
    unit-stride becomes, per image, a matrix product
    `out[F][P] += W[F][K] * col[K][P]` over the output pixels
    `P = OH * OW`, `K = C * KH * KW`:

    ```
    col = x[n] viewed as [C][H * W]                  (1x1, stride 1)
        | im2col(x[n]) into a [K][P rounded up to 16] buffer
          (16 pixels of an output row per masked load, or a gather for
           width strides; in parallel over the rows of col)
    in parallel over panels of 16 * V pixels p and blocks of R channels f:
      acc[R][V] = out[n][f : f + R][p : p + 16 V]     (vector<16xf32>)
      for k in 0 .. K:
        a[v] = col[k][p + 16 v]
        acc[r][v] += broadcast(W[f + r][k]) * a[v]
      out[n][f : f + R][p : p + 16 V] = acc
    ```

    The filter is read in place as `W[F][K]` (a constant or not): its R
    broadcasts per step walk R streams of consecutive floats, and no copy of
    the weights is made, at compile time or at run time. Lanes
    run along the pixels, flattened across rows, so small spatial sizes
    (7 x 7) fill the vectors as well as large ones. Remainders are exact:
    the last channels by a kernel with fewer rows, the last pixels by
    masked loads and stores. The sums are the loops' sums in the same
    order (c, kh, kw), each step a fused multiply-add. A grouped conv
    (`linalg.conv_2d_ngchw_gfchw`, G groups of C' input and F' output
    channels, its input contiguous) is G such products side by side: one
    im2col of all C input channels (or the input in place), `W[G][F'][C']
    [KH][KW]` read as `W[F][K']` with `K' = C' * KH * KW`, and a block of
    R output channels (R divides F') reducing over the K' rows of col
    that belong to its group. Other convolutions are left alone.
  }];
  let options = [
    Option<"rowTile", "rows", "int64_t", /*default=*/"4",
           "Output channels of the register tile (R)">,
    Option<"vectorTile", "vectors", "int64_t", /*default=*/"6",
           "Vectors of 16 pixels of the register tile (V; R * V <= 28)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def FuseElementwisePass : Pass<"eqq-fuse-elementwise", "::mlir::ModuleOp"> {
  let summary = "Fuse elementwise linalg ops, but not into reductions";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on tensors: upstream elementwise
    fusion (`--linalg-fuse-elementwise-ops`: producer-consumer fusion of
    `linalg.generic` ops, splat constants folded into bodies), after
    `linalg.add`, `sub`, `mul`, `div`, `max` and `min` become
    `linalg.generic`, with three restrictions:

    - Only into consumers whose loops are all parallel. Fusing a quantize
      into the integer layer that reads it would quantize every input
      element once per output channel and hide the layer from
      `--eqq-int8-kernels`.
    - Only producers read once: a producer read by two ops would be
      computed twice and its inputs read twice, where its result is read
      twice.
    - A layer's epilogue (an op reading the i32 accumulators of an integer
      conv or matmul: the requantize) is not fused into a join (an op of two data inputs or
      more, such as a residual add) nor into the dequantize that leads to
      one. The layer's kernel computes the epilogue from its accumulators
      and writes int8; the add then reads two int8 tensors, dequantizes,
      adds, and quantizes in one loop. Fused the other way, the layer wrote
      f32 and the add read and wrote f32 tensors (four times the bytes):
      resnet50 int8 took 26.8 ms against 14.5 ms now, bit for bit the same
      output.

    Requantize, relu and dequantize chains still become one loop.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LookupTablesPass : Pass<"eqq-lookup-tables", "::mlir::ModuleOp"> {
  let summary = "Compute costly functions of one 8-bit value as 256-entry tables, clamps as integer min/max";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on tensors, after
    `--eqq-fuse-elementwise`: in a `linalg.generic` body, an 8-bit value
    computed from one other 8-bit value and constants only, through an
    exp, log, tanh, square root, division or another math function
    (a dequantize, SiLU or sigmoid, requantize chain: EfficientNet's
    activations and squeeze-and-excite gates), can take only 256 values.
    The pass evaluates the chain for each of them with the ops' own folders
    (IEEE arithmetic, and for math functions the same C library calls the
    lowered code makes, so the table holds the bits the chain would
    compute) and the body reads `tensor.extract` of a `tensor<256xi32>`
    constant at the input's unsigned value instead. On vectors the read is
    one gather of 16 lanes (`--eqq-int8-kernels`' epilogues,
    `--eqq-vectorize-elementwise`), or in an int8 kernel's epilogue with
    `isa=vbmi`, two `vpermi2b` byte permutes of the table's 256 bytes, and
    with `isa=avx2`, sixteen `vpshufb` byte shuffles of its 16-byte slices;
    an index the same for every lane (a squeeze-and-excite gate, one byte
    per channel) is one scalar load, broadcast.

    ```mlir
    ^bb0(%q: i8, %o: i8):
      %x = ... dequantize %q ...
      %e = math.exp %nx : f32
      %s = arith.divf %x, %d : f32
      %r = ... quantize %s to i8 ...
      linalg.yield %r : i8
    ```

    becomes

    ```mlir
    ^bb0(%q: i8, %o: i8):
      %w = arith.extui %q : i8 to i32
      %i = arith.index_cast %w : i32 to index
      %t = tensor.extract %table[%i] : tensor<256xi32>
      %r = arith.trunci %t : i32 to i8
      linalg.yield %r : i8
    ```

    A chain whose 256 results are its input clamped, `min(max(q, lo),
    hi)` in the unsigned (u8) or signed (s8) order, becomes that clamp in
    integers, whatever it costs: a dequantize, relu or relu6, quantize
    to the same scale and zero point (MobileNetV2's every expand and
    depthwise conv) is `arith.maxui`/`arith.minui` of the stored byte,
    and a chain that gives back its input is dropped. Where the stored
    byte is itself a quantize in the same body (a conv's requantize,
    fused with the relu6 after it), the clamp goes into that quantize's
    float clamp instead, `[0, 255]` and `[lo, hi]` becoming `[lo, hi]`
    before `arith.fptosi`, so no integer max or min is left (exact:
    `fptosi` rounds toward zero, which keeps the order and the integers).

    ```mlir
      %r = ... quantize (min(max(dequantize %q, 0), 6)) ...
    ```

    becomes

    ```mlir
      %lo = arith.constant 10 : i8     // the zero point: quantize(0)
      %hi = arith.constant -126 : i8   // 130 unsigned: quantize(6)
      %m = arith.maxui %q, %lo : i8
      %r = arith.minui %m, %hi : i8
    ```

    A chain that reads a second non-constant value, or an op that does
    not fold, stays as it is; so do other cheap chains (a requantize to
    another scale or a hardswish computes faster than a gather).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def VectorizeElementwisePass
    : Pass<"eqq-vectorize-elementwise", "::mlir::ModuleOp"> {
  let summary = "Run elementwise linalg ops and row reductions on buffers as vector loops";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on buffers, after `--eqq-int8-kernels`:
    the elementwise `linalg.generic` ops no kernel absorbed (dequantize,
    activation and requantize chains between layers, quantized adds and
    multiplies, a requantize that a layer's second consumer repeats)
    become loops over every dimension but the innermost, in parallel
    (`scf.parallel`, OpenMP threads with `--eqq-lower-to-llvm`'s
    `threads`), and along the innermost vectors of 16 elements, the last
    one masked (one real lane as a scalar; the bytes or words of at most
    three powers of two, e.g. 7 = 4 + 2 + 1, as that many plain stores,
    since AVX2 has no masked store of them). The body is computed lane by
    lane on vectors as the kernels' fused epilogues are (a quantize's
    rounding and clamp as `lrint` of the clamped value, see
    `--eqq-int8-kernels`); inputs that do not vary along the innermost
    loop (per-channel scales) are broadcast.

    Applies to generics with all loops parallel on statically shaped,
    row-major buffers, one output written with the identity map and not
    read, inputs read with projections (and constant zeros, as a squeeze
    and excite block's `[N, C, 1, 1]` scale) whose innermost loop stays
    innermost or is absent, and a body of arith and math ops. Before it,
    such ops ran one scalar element at a time: mobilenet_v3_small's
    activations and squeeze-and-excite blocks took two thirds of its 10 ms
    (now 3.3 ms, the same bits). A `linalg.transpose` that keeps the
    innermost dimension in place (attention's split of a `[tokens, heads x
    d]` activation into heads, and the merge back) is such a copy and is
    vectorized the same way; one that moves it stays a loop nest.

    Short rows are merged first. When the innermost loop is shorter than
    1024 and not a multiple of 16, the trailing loops that every operand
    reads together, in order, as its last indices (or not at all) become
    one loop: the operands that read them are collapsed
    (`memref.collapse_shape`), and where a multiple of 16 from 1024 up
    divides the merged count, the run is split into rows of the first such
    length (`memref.expand_shape`), so no vector is masked and the rows
    remain parallel work; otherwise it is one row per index of the loops
    before it. A residual add on `1x1024x14x14` ran 14 masked lanes per row
    (AVX2 loads masked bytes one at a time) and is now 196 rows of 1024
    full vectors; a per-channel requantize on 14 x 14 maps becomes a row
    of 196 per channel. resnet50 int8 on one CPU: 57 to 53 ms, the same
    bits. Rows that a row reduction (below) reads or writes keep their
    length, so a softmax's or layer norm's row loops still fuse
    (`--eqq-fuse-row-loops`).

    Reductions along the innermost dimension (a layer norm's mean and
    variance, a softmax's maximum and sum: generics whose one reduction
    loop is the innermost, inputs read as above, the output read only as
    the accumulator of an `addf`, `maximumf`, `minimumf` or `addi` that
    the body yields) become, per row, in parallel over the rows, a vector
    of 16 partial results (lane l combines elements l, l + 16, ...; the
    last vector masked), combined into the output element at the end.
    Maxima, minima and integer sums are the loops' values; a float sum is
    reassociated as any vectorized sum is (PyTorch's too), and its
    rounding error stays within the bound of the sequential sum. Before,
    these ran one element at a time on one dependent chain: 5% of a
    MiniLM's int8 time.

    Others are left to loops.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def Int8KernelsPass : Pass<"eqq-int8-kernels", "::mlir::ModuleOp"> {
  let summary = "Lower integer linear and conv layers to int8 dot-product micro-kernels";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on buffers, after deallocation (the
    dot-product intrinsics declare no memory effects). It rewrites the integer
    layers of `--eqq-convert` (a `linalg.generic` of i8 activations times a
    constant s8 weight accumulating into i32, filled with per-channel start
    values by a `linalg.broadcast` of a constant): linear
    (`(m, n, k) -> x(m, k), W(n, k)`), full 2-D conv, grouped 2-D conv
    (output channel f reading input channel `(f floordiv F') * C' + c`) and
    depthwise 2-D conv (`(n, c, oh, ow, kh, kw)`, weight `C x KH x KW`),
    any stride and dilation. Linear and conv become a register-tiled loop nest whose step
    is a 4-byte dot product per i32 lane, `acc += sum_4(u8 a * s8 w)`, over
    operands packed at compile time:

    ```
    linear: Wp[N/16][K/4][16 x 4 bytes]; tile mr rows x nv vectors of 16 columns
      acc[i][j] = start[col]; for k4: acc[i][j] = dot(acc[i][j],
                                     broadcast(x[m + i][4 k4 .. 4 k4 + 3]),
                                     Wp[col block j][k4])
    conv:   x repacked to xp[N][C/4][H][SW][W/SW x 4 bytes] (a row's columns
            split by phase modulo the width stride SW), Wp[F][C/4][KH][KW]
            (i32); tile fr output channels x ov vectors of 16 output columns
            (AVX2: 8 columns; xp and Wp hold 16-bit values there)
      acc[i][v] = start[f + i]; for c4, kh, kw (kw * dw = q * SW + p):
                 acc[i][v] = dot(acc[i][v],
                                 xp[n][c4][row][p][col v + q .. + 16 pixels],
                                 broadcast(Wp[f + i][c4][kh][kw]))
    grouped conv (G groups of C' input, F' output channels): G such convs
            side by side; xp holds each group's ceil(C'/4) quads in turn,
            Wp[F][C'/4][KH][KW], a tile's fr channels (fr divides F') stay
            in one group g and read xp[n][g * ceil(C'/4) + c4]
    ```

    With `isa=amx` (and `host` on a CPU with AMX-INT8 whose operating
    system grants the tile registers), a conv of 64 input channels or more
    (padded to a multiple of 64, the padding at most a sixth) whose rows
    have 12 output columns or more runs on tiles instead: the packed input's rows of 16 groups of 4 channels, one
    plane apart, are a B tile (64 channels x 16 pixels), the weights are
    packed as A tiles, and `tdpbsud` (s8 weights times u8 activations)
    accumulates 16 output channels x 16 columns in a C tile:

    ```
    conv, AMX: Wa[F/16][C/64][KH][KW][16][64 bytes]; 2 x 2 C tiles (4 x 1 for
            rows of one tile) per output row, through a scratch row in memory
            between passes over at least 8 tile products
      C[i][j] = start[f block i]; for c64, kh, kw:
                 C[i][j] += Wa[f block i][c64][kh][kw] *
                            xp[n][16 c64 .. +16][row][p][col j + q .. + 16 pixels]
      each row of C (16 columns of one output channel) -> epilogue
    ```

    A module with tile kernels gets a global constructor that asks Linux
    for the tile registers (`arch_prctl(ARCH_REQ_XCOMP_PERM,
    XFEATURE_XTILEDATA)`): the JIT runs it, and so does the loader of an
    object compiled ahead of time.

    A depthwise conv has one input channel per output, so no 4-byte dot:
    each channel's rows are packed by phase as for conv (`xp[N][C][H][SW][W/SW]`)
    and 16 output columns accumulate widened i32 products of a tap's 16
    contiguous bytes and its broadcast weight (bytes, sign-extended where
    read, so that LLVM multiplies 16-bit operands with `vpmaddwd`), the same
    code on every `isa` but `vbmi`. There (AVX-512 VBMI), when 16 output
    columns read at most 64 bytes of a row (`15 * SW + (KW - 1) * DW < 64`),
    the rows are packed whole and a kernel row's taps become dot products:
    one 64-byte load of the row, one `vpermb` that gathers into lane j's
    dword the bytes its taps read (`j * SW + t * DW`, four taps per dword,
    a zero weight past KW), one `vpdpbusd` by the broadcast dword of the
    row's weights. A 3x3 row costs one permute and one dot product per 16
    outputs instead of three extends and three multiply-adds. On `avx2`,
    taps t and t' of a row whose columns are neighbours in one phase
    (`t' * DW = t * DW + SW`: taps 0 and 1 at stride 1, 0 and 2 at stride
    2) share a `vpmaddwd`: the bytes from a tap's column, extended to 16
    bits, hold in each dword the pair of bytes the two taps read for an
    even output column (from one column further, for an odd one), and the
    weights are the two words of a dword (a lone tap's partner is zero).
    A 3x3 row is 2 such steps per 16 outputs for the even and the odd
    columns, instead of 3 taps; the even and odd sums are interleaved
    before the epilogue.

    The elementwise consumer of the accumulator (requantize, fused relu,
    dequantize; `--eqq-fuse-elementwise` makes it one op) is computed from
    the accumulator registers on vectors and stored directly: the i32
    accumulator never reaches memory. Its quantize (`fptosi(clamp(
    roundeven(x) + zp, lo, hi))` with integer constants) is computed as
    `lrint(clamp(x, lo - zp, hi - zp)) + zp`: rounding commutes with a
    clamp to integers and the sums are exact, so the integers are the same
    for every x but NaN, in one vector instruction less (`vcvtps2dq`
    rounds; resnet50 went from 24.1 to 23.5 ms on one CPU), and a
    dequantize after it in the same body reads that integer instead of its
    byte widened back. On `avx2`, the integers of 8-lane vectors become
    bytes four vectors at a time (two output channels' 16 columns of a
    conv tile, or 32 columns of a row): masked to their low bytes (what
    `arith.trunci` keeps), two `vpackusdw`, a `vpackuswb` and a dword
    permute put the 32 bytes in order, none saturating, and a constant
    added last (the zero point) is added to the bytes, whose sum's low byte
    it is. LLVM narrows each vector alone with two `vpshufb`, an extract and
    an unpack.

    When that consumer writes a buffer that only an elementwise op of
    several inputs reads (a residual add, with its dequantizes, relu and
    requantize, as `--eqq-fuse-elementwise` leaves it), and the add's
    other inputs are written before the layer and read along its lanes,
    the add is computed in the kernel too, on the requantized vectors: the
    int8 buffer between them goes. Of an add of two layers' outputs (a
    ResNet block with a downsample conv) the later layer takes it. Convs
    with lanes along output channels leave the add a loop of its own (its
    shortcut would be read a byte per lane).

    Remainders in every dimension are exact: zero-padded packing for K and
    channels, narrower kernels for the last rows and output channels,
    masked stores for the last columns (plain stores of 2^k bytes where
    the count has at most three bits set: AVX2 has no masked byte store).
    Signed (s8) activations are offset by 128 into u8 and `128 * sum(W)`
    leaves the start values.

    In a conv, a last vector of at most 8 output columns uses 8 lanes (the
    256-bit form), so 56 columns cost 3.5 vectors rather than 4. A row of
    fewer than `ov` vectors takes more output channels per tile instead
    (up to `fr * ov` accumulators), enough independent dot products.

    Rows shorter than 16 output columns (ResNet's 14 x 14 and 7 x 7 layers)
    fill few lanes along the width: there (`conv-lanes=auto`, or always with
    `conv-lanes=channels`) the lanes run along 16 output channels instead
    (not for grouped convs, whose groups have few output channels, nor on
    AMX tiles), the same packed input read one pixel's 4 channels at a time:

    ```
    conv, channel lanes: Wc[F/16][C/4][KH][KW][16 x 4 bytes];
            tile cv vectors of 16 output channels x px output pixels of a row
      acc[i][p] = start[f block i]; for c4, kh, kw:
                 acc[i][p] = dot(acc[i][p],
                                 broadcast(xp[n][c4][row][p][col p + q][4 bytes]),
                                 Wc[f block i][c4][kh][kw])
    ```

    in parallel over images, blocks of cv channel vectors and output rows,
    the rows innermost, so that a block's weights stay in cache while its
    rows are computed (the weights of a 512 -> 512 3 x 3 conv are 2.4 MB),
    and the finished lanes are stored one output channel plane each: on
    `avx2` the bytes of 4 (or 2) neighbouring pixels are interleaved, so
    that each channel's run is one dword (or word) store rather than a
    store per byte; on `vbmi` (and `amx`) a tile's bytes (16 channels x 2
    to 8 pixels) are transposed with `vpermi2b` and each channel's pixels
    are one masked store; elsewhere byte by byte. The permutes' indices go through an empty inline
    assembly (`llvm.inline_asm "", "=v,0"`): given a constant index, LLVM's
    instcombine turns `vpermi2b` into a shuffle, which the x86 backend
    builds from `vpextrb`/`vpinsrb` again.

    A max pool of stored integers (`--eqq-convert` makes one of every max
    pool of a quantized value: `(n, c, oh, ow, kh, kw)`, the body
    `max(in, out)`, unsigned for u8 and signed for s8) becomes the depthwise
    kernel's loops with a 16-byte max per tap in place of the products, its
    dequantize consumer fused.

    The integer sums of global average pools and spatial means
    (`--eqq-convert` sums the stored integers less the zero point in i32:
    an i8 input, an i32 output, `out + f(in)` over whole trailing
    dimensions, so that each output element reads one contiguous block)
    become loops in parallel over the output elements, each accumulating
    f on 16 i32 lanes along its block (the last vector masked) and adding
    the lanes at the end: integer addition is associative, so the sums are
    the loops' exactly.

    `isa` chooses the dot step: `amx` (the tile kernel above for the convs
    it fits, `vbmi` for every other layer), `vbmi` (`vnni`, the depthwise
    kernel of byte permutes above, and a 256-entry
    table of `--eqq-lookup-tables` in an epilogue read with byte permutes
    instead of a gather: its bytes are four constant 64-byte vectors,
    `vpermi2b` indexes two pairs of them by the index's low seven bits and
    its top bit picks between the pairs; the vectors of a row of output
    columns, up to 64 lanes, go through such an epilogue as one vector, so
    three instructions read 64 bytes; AVX-512 VBMI), `vnni` (`vpdpbusd` on AVX-512
    VNNI with BW and VL, 64 multiply-adds per instruction), `avx2` (`vpmaddwd` on operands extended
    to 16 bits, which cannot saturate where `vpmaddubsw` would: the
    weights packed as 16-bit values, a full conv's input packed so too (once
    per element, not at every tap that reads it) and a linear's input
    copied so (`xw[M][4 ceil(K/4)]`, each step one broadcast of a row's 4
    values), the accumulators keeping
    each lane's two pair sums apart until the reduction ends; the register
    tiles capped at 2 accumulators of 16 lanes, since AVX2 has 16 vector
    registers, or 4 of 8 lanes for a full conv's column vectors; a linear
    or conv whose weights have 7 bits (quant range [-64, 63], as ONNX
    Runtime's reduce_range: no two products of a byte and a weight can
    saturate a 16-bit pair sum, 2 x 255 x 64 = 32640) instead multiplies
    bytes with `vpmaddubsw` and adds the pair sums with `vpmaddwd` by ones,
    3 instructions per 32 multiply-adds, on the VNNI kernels' byte layouts,
    where an accumulator of 8 lanes is one register: such a conv's tile
    holds twice as many, 4 output channels x 2 vectors of columns, or
    with channel lanes one vector of 16 channels x 4 pixels (1 x 1
    kernels) or x 3 (larger kernels: 4 pixels spilled there); a 256-entry table of `--eqq-lookup-tables`
    in an epilogue is read by 32 lanes at once, the tile's rows (or two
    pixels, with channel lanes) going through the epilogue as one vector,
    with sixteen `vpshufb` of the table's 16-byte slices T_k: with
    idx_k = index - 16k (bytes, wrapping), `vpshufb` gives its table's
    entry `index % 16` where idx_k's top bit is clear and 0 elsewhere, so
    for an index below 128 the xor of the shuffles of T_0 and of
    T_k ^ T_(k-1) by idx_k, k < 8, telescopes to T_(index / 16); k = 8 to
    15 serve the upper half, and a blend on the index's top bit picks,
    46 instructions for 32 bytes where LLVM's gather loads and inserts
    each byte),
    `portable` (plain
    vector extends, multiplies and adds for any target), `host` (the best
    the compiling machine has) or `none` (leave the layers to generic
    loops). Results are bit-identical on every path.
  }];
  let options = [
    Option<"isaName", "isa", "::mlir::eqq::Int8Isa",
           /*default=*/"::mlir::eqq::Int8Isa::host",
           "Dot-product instructions: host, amx, vbmi, vnni, avx2, portable "
           "or none",
           "::mlir::eqq::int8IsaValues()">,
    Option<"rowTile", "mr", "int64_t", /*default=*/"4",
           "Linear: rows of the register tile">,
    Option<"colVectors", "nv", "int64_t", /*default=*/"4",
           "Linear: vectors of 16 columns in the register tile">,
    Option<"convChannelTile", "fr", "int64_t", /*default=*/"4",
           "Conv: output channels of the register tile">,
    Option<"convVectors", "ov", "int64_t", /*default=*/"4",
           "Conv: vectors of 16 output columns (8 on AVX2) in the register tile">,
    Option<"convLanes", "conv-lanes", "::mlir::eqq::ConvLanes",
           /*default=*/"::mlir::eqq::ConvLanes::automatic",
           "Conv: lanes along output columns (width), output channels "
           "(channels) or chosen per layer (auto)",
           "::mlir::eqq::convLanesValues()">,
    Option<"channelVectors", "cv", "int64_t", /*default=*/"2",
           "Conv with channel lanes: vectors of 16 output channels in the "
           "register tile">,
    Option<"pixelTile", "px", "int64_t", /*default=*/"7",
           "Conv with channel lanes: output pixels of a row in the register "
           "tile">
  ];
  let dependentDialects = [
    "::mlir::amx::AMXDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def FuseRowLoopsPass : Pass<"eqq-fuse-row-loops"> {
  let summary = "Fuse consecutive parallel loop nests that work row by row on the same rows";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on buffers, after
    `--eqq-vectorize-elementwise`: a transformer's softmax is five passes
    over its scores (scaled and masked, their maximum, exp, sum, division),
    each a loop nest in parallel over the rows reading and writing the
    whole tensor (786 KB per MiniLM layer at 128 tokens, more than the L2
    cache). Consecutive `scf.parallel` nests in a function's body with the
    same constant iteration space become one, whose iteration runs each nest's body in
    turn for its row, while the row is in the L1 cache:

    ```
    scf.parallel (%h, %r) = (0, 0) to (12, 128) step (1, 1) {
      ... scaled and masked scores of row (h, r) ...
      ... their maximum, exp, sum, division ...
    }
    ```

    Fused only when it cannot change a result: neither nest has results,
    reductions or parallel nests inside, every op in them is a load or
    store (`memref` or `vector`, masked or not) or has no memory effect,
    and every buffer one of them writes and the other reads or writes is
    a fresh allocation accessed only directly (no view of it), indexed in
    every access by each of the loops' variables by itself, at the same
    positions, with no other index depending on them: iteration i of the
    second nest touches only the elements iteration i of the first does.
    An access through a view counts as one of the buffer it views (so two
    nests that share a buffer through a view and the buffer stay apart).
    Constants and allocations between the two move before the first;
    deallocations of buffers the second does not use stay after it.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def OutlineLoopsPass : Pass<"eqq-outline-loops", "::mlir::ModuleOp"> {
  let summary = "Give each top-level loop nest of a function a function of its own";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on buffers, after the kernels: in a
    function with two or more of them, each top-level `scf.for`,
    `scf.parallel`, linalg op or `memref.copy` without results moves into a
    private function `<name>_part<i>` marked `noinline` for LLVM, called
    in its place with the values it reads from the function as arguments
    (constants and `memref.get_global` are recomputed inside, so loop
    bounds, shapes and globals stay known):

    ```
    func.func @forward(%x: memref<...>, %y: memref<...>) {
      %a = memref.alloc() : memref<...>
      call @forward_part0(%x, %a) : (...) -> ()
      call @forward_part1(%a, %y) : (...) -> ()
      memref.dealloc %a : memref<...>
      return
    }
    ```

    A whole network is otherwise one LLVM function of tens of thousands
    of instructions, and some of LLVM's analyses (scalar evolution in
    induction-variable simplification, loop access checks) grow faster
    than linearly with a function's size: on efficientnet_b0 -O3 spent
    half its time in induction-variable simplification. The calls cost a
    few nanoseconds per layer.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def PlanBuffersPass : Pass<"eqq-plan-buffers", "::mlir::ModuleOp"> {
  let summary = "Place a function's temporary buffers in one allocation per call";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, after outlining: in a function body
    of one block, the buffers allocated and deallocated in that block
    (`memref.alloc` of a static shape with the identity layout, one
    `memref.dealloc` in the same block) become `memref.view`s at offsets of
    one allocation made at the start of the call and freed before its
    return. Each buffer is live from its allocation to its last use: the
    last op of the block that uses it, a view of it (subview, view,
    expand/collapse_shape, cast, transitively) or holds such a use in its
    regions. Ownership-based deallocation frees every buffer at the end of
    the block, so the deallocation would keep them all live; it bounds the
    buffers whose alias may outlive their uses (an op other than a view
    makes a memref of it, or a terminator yields it). Largest first, each
    buffer takes the lowest offset (a multiple of 64 bytes) where it
    overlaps no buffer live at the same time, so a layer's output reuses
    the bytes of inputs read for the last time before it (resnet18's arena:
    31.3 -> 10.7 MiB in f32, 2.9 -> 1.9 MiB in int8).

    ```
    %a = memref.alloc() {alignment = 64 : i64} : memref<1x32x112x112xi8>
    ...
    memref.dealloc %a : memref<1x32x112x112xi8>
    // becomes
    %arena = memref.alloc() {alignment = 64 : i64} : memref<2408448xi8>  // at the start
    %c0 = arith.constant 0 : index
    %a = memref.view %arena[%c0][] : memref<2408448xi8> to memref<1x32x112x112xi8>
    ...
    memref.dealloc %arena : memref<2408448xi8>                          // before return
    ```

    A network's forward function allocates and frees a hundred buffers per
    call; the C library's allocator sorting its free lists for them took 5%
    of mobilenet_v2's time. Each call still allocates its own arena, so
    calls on several threads at once stay independent. A plan larger than
    `max-bytes` (default 32 MiB, the size above which glibc's `malloc`
    maps fresh pages on every call instead of reusing freed ones) is not
    made, nor one of fewer than two buffers; buffers that are returned,
    deallocated elsewhere or of dynamic shape stay as they are.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"32 << 20",
           "The largest arena (bytes) a function's plan may take">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def ParallelGrainPass : Pass<"eqq-parallel-grain", "::mlir::ModuleOp"> {
  let summary = "Run parallel loops with little work on one thread";
  let description = [{
    A stage of `--eqq-lower-to-llvm` with `threads != 1`, before the
    parallel loops become OpenMP loops: an outermost `scf.parallel` without
    reductions whose estimated work is under `min-work` becomes a nest of
    `scf.for` over the same dimensions, which the calling thread runs alone.
    The estimate counts the ops of the loop's body, each nested loop's body
    once per iteration (its trip count where its bounds are constants, else
    once), times the parallel loop's iterations. Starting the threads and
    the barrier after the loop cost microseconds; a layer of a few thousand
    vector instructions gains less than that from a second thread.

    ```
    scf.parallel (%i) = (%c0) to (%c4) step (%c1) { ... }  // 40 ops of work
    // becomes
    scf.for %i = %c0 to %c4 step %c1 { ... }
    ```
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"30000",
           "The least estimated work (ops executed) a parallel loop keeps its threads for">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def InlineAllocaScopesPass : Pass<"eqq-inline-alloca-scopes", "::mlir::ModuleOp"> {
  let summary = "Inline memref.alloca_scope ops that allocate nothing";
  let description = [{
    A stage of `--eqq-lower-to-llvm` with `threads != 1`:
    `--convert-scf-to-openmp` wraps every parallel loop body in a
    `memref.alloca_scope`. The canonicalizer keeps a scope around ops without
    declared memory effects, like the dot-product intrinsics of
    `--eqq-int8-kernels`, and a scope cannot hold the blocks of the loops
    lowered inside it. A scope whose body allocates nothing on the stack
    (no `memref.alloca` or `llvm.alloca`, at any depth) is replaced by its
    body.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def DropLoopBarriersPass : Pass<"eqq-drop-loop-barriers", "::mlir::ModuleOp"> {
  let summary = "Drop the barrier of a worksharing loop that ends its parallel region";
  let description = [{
    A stage of `--eqq-lower-to-llvm` with `threads != 1`, after
    `--convert-scf-to-openmp`: every kernel becomes an `omp.parallel` region
    holding one `omp.wsloop`, and a worksharing loop ends with a barrier
    unless it is `nowait`. When the loop is the last op of its region (only
    `omp.terminator` follows) and has no reductions, that barrier is
    redundant: the end of the parallel region waits for all its threads
    anyway. Such loops get `nowait`, which saves one of the two barriers of
    every parallel layer. On the 2-core machine of the README a fork and
    join of libomp's took 1.1-1.7 us with `nowait` against 1.5-2.5 us
    without; mobilenet_v3_small's 73 parallel layers on 2 threads went from
    1.32 to 1.31 ms (best median of 8 interleaved runs each).
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect"];
}

def LowerCopiesPass : Pass<"eqq-lower-copies", "::mlir::ModuleOp"> {
  let summary = "Turn memref.copy into linalg.copy, which lowers to loops";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, on buffers: copies between strided
    buffers (from bufferizing `tensor.pad`, for example) would otherwise lower
    to a call of `memrefCopy` in MLIR's C runner utilities library. As
    `linalg.copy` they become loops, so lowered code needs no runtime
    library, in the JIT or ahead of time.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ExpandMathPass : Pass<"eqq-expand-math"> {
  let summary = "Rewrite the math functions LLVM cannot lower as rational approximations";
  let description = [{
    A stage of `--eqq-lower-to-llvm`, before the conversion of vector ops to
    LLVM: `math.erf` and `math.erfc` (GELU's exact form) have no LLVM
    intrinsic, so they become MLIR's rational approximations (two
    polynomials by `math.fma`, divided) on `arith` ops, scalars or vectors
    alike (no library call, vectorized with the elementwise code).
    `math.exp` on f32 (softmax, sigmoid) becomes Cephes' `expf` on fused
    multiply-adds (`n = floor(x log2(e) + 1/2)`, a degree-6 polynomial of
    `x - n ln 2`, times `2^n` built in the exponent bits), where LLVM would
    call libm's `expf` once per lane of a vector: within 1 ulp of the exact
    value for x in [-87, 88] (measured on 2^20 points, mean 0.27 ulp),
    results below 2^-126 flushed to 0, +inf past 88.73, NaN kept. The same
    computation in C++ (`lib/CodeGen/ExpApproximation.h`) gives
    `--eqq-lookup-tables` the same bits. A MiniLM's softmaxes took 10% of
    its int8 time with libm's. The other
    functions LLVM lowers (`math.tanh`, `math.sqrt`) keep that lowering.
    Runs on any op; the pipeline runs it per function.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def EmitCInterfacePass : Pass<"eqq-emit-c-interface", "::mlir::ModuleOp"> {
  let summary = "Give every public model function a C-callable entry point";
  let description = [{
    Marks every public function with a body `llvm.emit_c_interface`, so that
    lowering to LLVM adds `_mlir_ciface_<name>`, which takes a pointer to a
    memref descriptor per argument. After `--eqq-lower-to-llvm` the results
    are out-parameters after the inputs (`buffer-results-to-out-params`):
    `void _mlir_ciface_forward(Desc *x, Desc *out)`. The function's tensor
    signature is recorded in `eqq.input_types` and `eqq.output_types` (arrays
    of types), which lowering keeps on the `llvm.func`, so that a runner can
    call a lowered module with the right shapes. A tensor returned more than
    once is copied, so that each out-parameter has a buffer of its own.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FoldBatchNormPass : Pass<"eqq-fold-batchnorm", "::mlir::ModuleOp"> {
  let summary = "Fold eval-mode batch norms into the conv or linear in front";
  let description = [{
    Folds an inference batch norm, in the form `eq-export` gives it, into the
    layer that produces its input, as PyTorch's `fuse_conv_bn_eval` and
    `fuse_linear_bn_eval` do before quantization. Run it before
    `--eqq-prepare`, so that the folded layer is quantized (and equalized)
    as one conv or linear with a bias.

    The batch norm is recognized structurally: an elementwise
    `linalg.generic` with three inputs, a tensor `x` read through the
    identity map and two 1-D f32 constants `scale` and `shift` read along
    the layer's output channel axis (axis 1 for a conv, the last axis for a
    linear), whose body is `arith.mulf` of `x` and `scale`, then
    `arith.addf` of `shift`. The exporter has already reduced the running
    statistics, `gamma` and `beta` to `scale = gamma / sqrt(var + eps)` and
    `shift = beta - mean * scale`; a batch norm spelled out from mean,
    variance, gamma and beta is not recognized.

    When `x` is the output of a linear or conv1d/2d/3d layer (as
    `--eqq-prepare` recognizes them, bias included) and the batch norm is its
    only reader, the layer's weight rows and bias are rewritten in float32,

        W'[o, ...] = W[o, ...] * scale[o]
        b'[o]      = b[o] * scale[o] + shift[o]   (b = 0 without a bias)

    and the batch norm's result is replaced by the layer's. A layer without
    bias gets one as its init, through `linalg.broadcast`. The weight and
    bias become new constants (`dense_resource` above 64 elements); the old
    ones are erased when nothing else reads them. PyTorch folds from the
    running statistics, `(b - mean) * rsqrt(var + eps) * gamma + beta`, so
    its fused numbers can differ from these by float rounding (a few ulps).

    A batch norm that cannot be folded (its input is read by another op too,
    no recognized layer produces it, its parameters or the layer's weight or bias are not constants)
    stays a float op. It is silent by default; with `report-unfolded=true`
    each one gets a remark saying why.

    Before:

    ```mlir
    %y = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>)
           outs(%zeros : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
    %bn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                           affine_map<(d0, d1, d2, d3) -> (d1)>,
                                           affine_map<(d0, d1, d2, d3) -> (d1)>,
                                           affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%y, %scale, %shift : tensor<1x3x3x3xf32>, tensor<3xf32>, tensor<3xf32>)
        outs(%empty : tensor<1x3x3x3xf32>) {
    ^bb0(%in: f32, %s: f32, %t: f32, %out: f32):
      %m = arith.mulf %in, %s : f32
      %a = arith.addf %m, %t : f32
      linalg.yield %a : f32
    } -> tensor<1x3x3x3xf32>
    ```

    After (`%w2 = %w * %scale` per row, `%b2 = %shift`):

    ```mlir
    %init = linalg.broadcast ins(%b2 : tensor<3xf32>)
              outs(%e : tensor<1x3x3x3xf32>) dimensions = [0, 2, 3]
    %bn = linalg.conv_2d_nchw_fchw ins(%x, %w2 : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>)
            outs(%init : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
    ```
  }];
  let options = [
    Option<"reportUnfolded", "report-unfolded", "bool", /*default=*/"false",
           "Emit a remark on each batch norm left unfolded, saying why">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // EQQ_TRANSFORMS_PASSES_TD
