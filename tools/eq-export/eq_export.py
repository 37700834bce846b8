#!/usr/bin/python3
"""eq_export: export a float PyTorch ``nn.Module`` to MLIR in EqQuant's input spellings.

The module is traced with ``torch.fx``'s tracer, told the example inputs'
shapes: code that reads a traced tensor's ``shape``, ``size()``, ``dim()``,
``ndim``, ``numel()`` or ``dtype`` gets the concrete value (``n, c, h, w =
x.shape``, ``torch._assert(x.dim() == 3, ...)``), which plain
``symbolic_trace`` cannot give (``_ShapeTracer``); static shapes come from
``torch.fx.passes.shape_prop.ShapeProp`` run on example inputs. The result is
the text of one ``func.func`` (``@forward`` by default) with one argument per
placeholder and one result per output tensor, using only upstream dialects, in
the spellings of ``docs/interface.md`` section 3 and, for the CNN ops that
section does not list yet, in the spellings torch-mlir produces:

- ``nn.Linear`` / ``F.linear``: ``linalg.matmul`` reading W as ``(n, k)``
  through ``indexing_maps`` (``linear_spelling="transposed_b"``, default) or
  ``linalg.transpose`` + plain ``linalg.matmul`` (``"transpose_op"``); the bias
  as the matmul's init through ``linalg.broadcast`` (``bias="init"``, default)
  or added after a zero-filled matmul by an elementwise ``linalg.generic``
  (``bias="add"``). An input of rank > 2 is collapsed to 2-D
  (``tensor.collapse_shape``) around the matmul and expanded back.
- ``nn.Conv{1,2,3}d`` / ``F.conv{1,2,3}d``: ``linalg.conv_1d_ncw_fcw`` /
  ``conv_2d_nchw_fchw`` / ``conv_3d_ncdhw_fcdhw`` with ``strides`` and
  ``dilations``; padding as a zero ``tensor.pad`` in front; bias as for linear,
  broadcast along channel axis 1. Conv2d with ``groups > 1`` (as torch-mlir
  spells it): depthwise with channel multiplier 1 (``groups == C_in ==
  C_out``) as ``linalg.depthwise_conv_2d_nchw_chw`` reading the weight
  constant ``C x 1 x KH x KW`` through ``tensor.collapse_shape`` to ``C x KH x
  KW``; any other grouping (depthwise with multiplier > 1 included) as
  ``linalg.conv_2d_ngchw_gfchw`` between ``tensor.expand_shape`` of the
  input (``N x G x C/G x H x W``), the weight (``G x F/G x C/G x KH x KW``)
  and the init, and a ``tensor.collapse_shape`` of the result back to ``N x F
  x OH x OW``. Grouped conv1d/conv3d are unsupported.
- ``nn.BatchNorm1d/2d/3d`` / ``F.batch_norm`` in eval mode: the per-channel
  affine PyTorch's CPU kernel computes, ``scale = weight / sqrt(running_var +
  eps)`` and ``shift = bias - running_mean * scale`` folded in float32 into two
  1-D constants ``<name>.scale`` and ``<name>.shift`` of C elements, then one
  elementwise ``linalg.generic`` reading them along channel axis 1 (maps
  ``(d0, d1, ...) -> (d1)``) with body ``arith.mulf %in, %in_1`` then
  ``arith.addf`` of ``%in_2``. A batch norm in training mode, or without
  running statistics, is an ``ExportError``.
- ``nn.ReLU`` / ``F.relu`` / ``torch.relu`` / ``Tensor.relu``: elementwise
  ``linalg.generic`` with ``arith.maximumf %in, 0.0``. ``nn.ReLU6``,
  ``nn.Hardtanh``, ``F.relu6``, ``F.hardtanh``, ``torch.clamp/clip``,
  ``Tensor.clamp/clip`` (number bounds): ``arith.maximumf`` with the lower
  bound then ``arith.minimumf`` with the upper one (either may be absent).
- ``nn.Hardswish`` / ``F.hardswish``: ``x * min(max(x + 3, 0), 6) / 6``;
  ``nn.Hardsigmoid`` / ``F.hardsigmoid``: ``min(max(x + 3, 0), 6) / 6``;
  ``nn.Sigmoid`` / ``torch.sigmoid`` / ``Tensor.sigmoid``: ``1 / (1 +
  math.exp(-x))``; ``nn.SiLU`` / ``F.silu``: ``x / (1 + math.exp(-x))`` (the
  formulas of PyTorch's CPU kernels), each one elementwise ``linalg.generic``.
- ``nn.MaxPool2d`` / ``F.max_pool2d``: ``linalg.pooling_nchw_max`` (strides,
  dilations; the window a ``tensor.empty`` of the kernel's shape) into a
  ``-inf``-filled init; padding, and the extra rows/columns the last window of
  ``ceil_mode`` needs, as a ``tensor.pad`` with ``-inf``.
- ``nn.AvgPool2d`` / ``F.avg_pool2d``: zero ``tensor.pad`` (padding and
  ``ceil_mode``), ``linalg.pooling_nchw_sum`` into a zero-filled init, then an
  elementwise ``linalg.generic`` dividing by PyTorch's divisor: a number when
  every output position has the same one, else an ``OH x OW`` constant read
  with map ``(d2, d3)`` (``count_include_pad=False`` and windows clipped at
  the padded border); ``divisor_override`` as given.
- ``nn.AdaptiveAvgPool2d`` / ``F.adaptive_avg_pool2d``: when each input size
  is a multiple of the output size (global pooling included),
  ``linalg.pooling_nchw_sum`` with kernel = stride = in / out, divided by the
  window size; otherwise PyTorch's windows ``[floor(o * in / out), ceil((o +
  1) * in / out))`` as one reduction ``linalg.generic`` over H x W adding the
  elements that two 0/1 mask constants (``OH x H``, ``OW x W``) select, then
  a division by the ``OH x OW`` window sizes.
- ``torch.mean`` / ``Tensor.mean`` over any axes: a ``linalg.generic`` with
  ``reduction`` iterators adding into a zero-filled tensor, divided by the
  element count; ``keepdim`` as a ``tensor.expand_shape`` of the result.
  ``torch.sum`` / ``Tensor.sum``: the same without the division (a float
  op: the analysis knows a sum only as part of a mean or pool).
- ``torch.cat`` / ``torch.concat``: ``tensor.concat`` (one operand: no op).
- ``+ - * /`` (``operator.*``, ``torch.add/sub/mul/div``, ``Tensor.add`` ...):
  ``linalg.add`` for two tensors of the same shape, else an elementwise
  ``linalg.generic`` (broadcasting: a size-1 axis read with map result ``0``,
  as squeeze-and-excitation's ``x * s`` with ``s`` of shape ``N x C x 1 x 1``;
  a Python scalar as an ``arith.constant`` in the body).
- ``nn.LayerNorm`` / ``F.layer_norm`` over the last axes: a reduction
  ``linalg.generic`` summing them, a division by the count (the mean), a
  reduction summing ``(x - mean)^2``, an elementwise ``1 / math.sqrt(sum /
  count + eps)`` (as PyTorch's CPU kernel: the mean of squared deviations,
  not running sums), then one elementwise ``linalg.generic`` ``(x - mean) *
  rstd [* weight] [+ bias]``, reading mean and rstd along the kept axes and
  the weight and bias constants along the normalized ones; it carries the
  layer's name.
- ``nn.GELU`` / ``F.gelu``: ``x * 0.5 * (1 + math.erf(x * sqrt(1/2)))``, or
  with ``approximate="tanh"`` ``0.5 * x * (1 + math.tanh(sqrt(2/pi) * (x +
  0.044715 x^3)))``; ``nn.Tanh`` / ``torch.tanh`` / ``Tensor.tanh``:
  ``math.tanh``; each one elementwise ``linalg.generic``.
- ``nn.Softmax`` / ``F.softmax`` / ``torch.softmax`` / ``Tensor.softmax``
  (``dim`` given): a ``maximumf`` reduction into a ``-inf``-filled tensor,
  ``math.exp(x - max)``, an ``addf`` reduction of that, and a division.
- ``torch.matmul`` / ``@`` / ``torch.bmm`` / ``Tensor.matmul`` / ``bmm`` of
  two tensors of rank >= 2 (attention's products of activations; a constant
  operand too): a ``linalg.generic`` contracting the first's last axis with
  the second's second last into a zero-filled result, batch axes broadcast
  (size 1 read with map result ``0``).
- ``torch.transpose`` / ``torch.permute`` / ``torch.t`` and the
  ``Tensor`` methods: ``linalg.transpose`` (no op for the identity).
- Indexing with slices (positive steps), integers and one ``Ellipsis``:
  ``tensor.extract_slice`` with offsets, sizes and strides, the result type
  dropping the integer-indexed axes (as a BERT pooler's ``h[:, 0]``).
- ``nn.MultiheadAttention``, ``nn.TransformerEncoderLayer`` and
  ``nn.TransformerEncoder`` (any ``batch_first``, ``norm_first``,
  activation): replaced before tracing by modules computing PyTorch 1.13's
  math path over the same parameters (``symbolic_trace`` cannot follow their
  fast-path checks). The packed ``in_proj`` becomes three linears named
  ``<attn>.q``, ``<attn>.k``, ``<attn>.v`` (views of it, nothing copied),
  ``q`` is divided by ``sqrt(head_dim)`` before ``q k^T`` as PyTorch does;
  the user's module is not changed. ``attn_mask`` (``L x S`` or ``N * heads
  x L x S``) is applied to the scores by a generic named
  ``_attention_mask``: a bool mask as ``arith.select`` of ``-inf``, a float
  one added; a bool ``key_padding_mask`` (``N x S``) as a ``masked_fill``
  with ``-inf``. When the module itself is exported, example inputs after
  the first fill its mask arguments in order; the others are None.
- torchvision's Swin Transformer (V1) ``ShiftedWindowAttention`` and
  ``PatchMerging``, whose functions ``torch.fx.wrap`` keeps out of traces:
  replaced before tracing by modules computing the same math over the same
  parameters (the ``qkv`` and ``proj`` linears keep their names); the
  relative position bias and the shifted windows' mask are constants,
  ``torch.roll`` slices and a concat, padding to whole windows a concat of
  zeros.
- Ids and masks. Example inputs may be float32, int64 or int32 (token ids,
  0/1 masks) or bool; the function's arguments have element type ``f32``,
  ``i64``, ``i32`` or ``i1``. ``nn.Embedding`` / ``F.embedding``: a
  ``linalg.generic`` over the ids' axes and the embedding axis whose body
  casts the id to ``index`` and reads ``tensor.extract %table[%id, %col]``;
  an id outside ``[0, rows)`` reads row 0 and yields NaN (PyTorch raises
  IndexError), so a bad id can neither read outside the table nor go
  unnoticed. Comparisons (``== != < <= > >=``, ``torch.eq`` ...,
  ``Tensor.eq`` ...) are elementwise generics yielding ``i1``
  (``arith.cmpf`` when a float is involved, else ``arith.cmpi``); ``~``,
  ``&``, ``|``, ``^`` of bool tensors and ``torch.logical_*`` are
  ``arith.xori/andi/ori``; ``masked_fill`` (a number or a 0-d constant)
  and ``torch.where(cond, a, b)`` are ``arith.select``; ``.float()``,
  ``.long()``, ``.int()``, ``.bool()``, ``.to(dtype)``, ``.type(dtype)``,
  ``.type_as(t)`` convert in the body (``arith.sitofp``, ``uitofp`` for
  bool, ``fptosi``, ``extsi``, ``!= 0`` to bool); float arithmetic with an
  integer tensor converts it as PyTorch promotes, integer ``+ - *`` stay
  integer. ``unsqueeze`` / ``squeeze`` and ``None`` in an index are
  ``tensor.expand_shape`` / ``collapse_shape``; ``expand`` / ``expand_as``
  / ``broadcast_to`` of a computed tensor a generic reading the size-1 axes
  at 0. Tensors computed from constants and static shapes only are
  constants: position ids (a buffer sliced by the traced length, or
  ``torch.arange``), ``zeros_like(ids)`` token types and their embeddings,
  a class token expanded to the batch (buffers are traced as attributes,
  as parameters are).
- ``torch.chunk`` / ``split`` / ``tensor_split`` / ``unbind`` and the
  ``Tensor`` methods, their pieces indexed with an integer or unpacked (as
  ShuffleNet's ``x1, x2 = x.chunk(2, dim=1)``): each piece read is a
  ``tensor.extract_slice`` along the split axis (unbind's drops it), the
  sizes those PyTorch gave on the example inputs.
- ``torch.flatten`` / ``nn.Flatten`` / ``Tensor.view`` / ``reshape`` /
  ``flatten``: ``tensor.collapse_shape`` (or ``expand_shape``, or collapse to
  1-D then expand when the reshape is neither).
- ``nn.Identity``, ``nn.Dropout*`` and ``F.dropout`` (inference semantics),
  torchvision's ``StochasticDepth`` / ``stochastic_depth`` in eval mode,
  ``Tensor.contiguous``: no op. ``nn.Sequential`` (nested or not) and other
  container modules are traced through.

Every layer op carries ``loc("<name>")``: the module path of a
``call_module`` node (``"fc1"``, ``"top.0"``, ``"features.1.conv.0.1"``), the
fx node name of a functional call (``"linear"``, ``"linear_1"``). The op that
carries it is the matmul or conv (the grouped conv's ``conv_2d_ngchw_gfchw``),
the batch norm's and the activations' ``linalg.generic``, the pooling op or
the reduction ``linalg.generic`` of a pool or mean (the division after it
carries none), the ``tensor.concat`` of a cat, and the relu, add
and other binary ``linalg.generic``; helper ops carry no location.

These spellings cover torchvision 0.14's ResNets, MobileNetV2/V3,
EfficientNet, SqueezeNet and VGG (``test/Tools/eq-export/torchvision-*.py``
check them against PyTorch in ``eq-run``), its ShuffleNetV2 and
VisionTransformer (``test/Tools/eq-export/shape-reading.py``), and transformer encoders written
as PyTorch computes them: attention's projections, head split (view +
transpose), scores, masks, softmax and context, post- and pre-norm layers,
BERT's embeddings, extended attention mask and pooler, a ViT's patch
embedding and class token, an MLP-Mixer block
(``test/Tools/eq-export/transformer-ops.py``).
EqQuant's analysis (``docs/interface.md`` section 3) quantizes the linears,
convs and CNN ops of its op table and knows the transformer ops (layer norm,
GELU, tanh, softmax, matmul of two activations, embedding) as float ops.

Weights and other constants are ``arith.constant dense<...>`` with every f32
printed exactly (shortest round-tripping decimal, hex bits for inf/nan), or
``dense_resource<name>`` blobs in a ``{-# dialect_resources #-}`` trailer for
tensors with more than ``resource_threshold`` elements (integer and bool
constants, position ids, inline). Weights and activations are float32; ids
and masks int64, int32 or bool. Anything else raises ``ExportError`` naming
the fx node and the op.

API::

    from eq_export import export_module, ExportError
    text = export_module(model.eval(), (torch.rand(5, 5),), func_name="forward",
                         linear_spelling="transposed_b", bias="init",
                         resource_threshold=64)

CLI::

    /usr/bin/python3 tools/eq-export/eq_export.py --module models.py:Net \\
        --input-shape 1x3x8x8 [--seed 0] [--state-dict w.pt] -o net.mlir
"""

import argparse
import contextlib
import copy
import importlib
import importlib.util
import inspect
import io
import math
import operator
import os
import re
import sys

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp

__all__ = ["export_module", "ExportError", "main"]

LINEAR_SPELLINGS = ("transposed_b", "transpose_op")
BIAS_SPELLINGS = ("init", "add")


class ExportError(Exception):
    """The module cannot be exported (unsupported op, dtype, shape, ...)."""


# --------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------

def _fmt_f32(value):
    """An f32 literal that MLIR parses back to exactly the same float."""
    v = np.float32(value)
    f = float(v)
    if not math.isfinite(f):
        return "0x%08X" % int(np.array(v, dtype="<f4").view("<u4"))
    s = str(v)  # numpy: shortest string that round-trips the float32
    # It must also survive a parse to double then a rounding to f32.
    if float(np.float32(float(s))) != f or np.signbit(np.float32(float(s))) != np.signbit(v):
        s = repr(f)  # the exact value of the float32, as a double
    mant, e, exp = s.partition("e")
    if "." not in mant:
        mant += ".0"
    return mant + (("e" + exp) if e else "")


def _dense_body(arr):
    """The body of a ``dense<...>`` attribute for a float32 numpy array."""
    flat = arr.reshape(-1)
    if flat.size > 0 and np.all(flat.view("<u4") == flat.view("<u4")[0]):
        return _fmt_f32(flat[0])  # splat
    if arr.ndim == 0:
        return _fmt_f32(arr.item())

    def rec(a):
        if a.ndim == 1:
            return "[" + ", ".join(_fmt_f32(x) for x in a) + "]"
        return "[" + ", ".join(rec(x) for x in a) + "]"
    return rec(arr)


def _ttype(shape, elt="f32"):
    if len(shape) == 0:
        return "tensor<%s>" % elt
    return "tensor<" + "x".join(str(d) for d in shape) + "x%s>" % elt


# The element types of values: float32 tensors (everything the layers
# compute), integer tensors (token ids, 0/1 masks) and booleans (the results
# of comparisons, which masked_fill and where read).
_ELT_OF_DTYPE = {torch.float32: "f32", torch.int64: "i64", torch.int32: "i32", torch.bool: "i1"}
_DTYPE_NAME = {"f32": "float32", "i64": "int64", "i32": "int32", "i1": "bool"}


def _fmt_const(value, elt):
    """A number as an arith.constant literal of element type `elt`."""
    if elt == "f32":
        return _fmt_f32(float(value))
    if elt == "i1":
        return "true" if value else "false"
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("%r is not an integer" % value)
    return str(int(value))


def _convert(name, src, dst, res):
    """Body lines converting `name` of element type `src` to `dst` into `res`
    (PyTorch's conversions: bool to number 0/1, float to int truncating,
    number to bool by != 0)."""
    if dst == "i1":
        if src == "f32":
            return ["%s_z = arith.constant 0.0 : f32" % res,
                    "%s = arith.cmpf une, %s, %s_z : f32" % (res, name, res)]
        return ["%s_z = arith.constant 0 : %s" % (res, src),
                "%s = arith.cmpi ne, %s, %s_z : %s" % (res, name, res, src)]
    if dst == "f32":
        op = "arith.uitofp" if src == "i1" else "arith.sitofp"
        return ["%s = %s %s : %s to f32" % (res, op, name, src)]
    if src == "f32":
        return ["%s = arith.fptosi %s : f32 to %s" % (res, name, dst)]
    width = {"i1": 1, "i32": 32, "i64": 64}
    if width[src] < width[dst]:
        op = "arith.extui" if src == "i1" else "arith.extsi"
    else:
        op = "arith.trunci"
    return ["%s = %s %s : %s to %s" % (res, op, name, src, dst)]


def _amap(rank, results):
    dims = ", ".join("d%d" % i for i in range(rank))
    return "affine_map<(%s) -> (%s)>" % (dims, ", ".join(results))


def _ident_map(rank):
    return _amap(rank, ["d%d" % i for i in range(rank)])


def _i64_dense(values):
    return "dense<[%s]> : tensor<%dxi64>" % (", ".join(str(int(v)) for v in values), len(values))


def _quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _symbol(name):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$.]*", name):
        return "@" + name
    return "@" + _quote(name)


def _fn_name(fn):
    mod = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__name__", None) or repr(fn)
    if mod.startswith("torch._C._nn") or mod == "torch.nn.functional":
        mod = "torch.nn.functional"
    elif mod.startswith("torch") and fn is getattr(torch, name, None):
        mod = "torch"
    elif mod == "_operator":
        mod = "operator"
    return (mod + "." if mod else "") + name


def _describe(node, gm):
    if node.op == "call_module":
        try:
            mod = gm.get_submodule(node.target)
            return "call_module %s (%s.%s)" % (node.target, type(mod).__module__,
                                               type(mod).__name__)
        except AttributeError:
            return "call_module %s" % node.target
    if node.op == "call_function":
        return "call_function %s" % _fn_name(node.target)
    return "%s %s" % (node.op, node.target)


def _tuple_n(v, n, what):
    if isinstance(v, int):
        return (v,) * n
    v = tuple(int(x) for x in v)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise ValueError("%s has %d entries, expected %d" % (what, len(v), n))
    return v


def _reassociation(src, dst):
    """Contiguous groups of ``src`` dims whose products are the ``dst`` dims
    (a pure collapse of ``src`` into ``dst``), or None."""
    src, dst = list(src), list(dst)
    if len(dst) == 0:
        return [] if all(d == 1 for d in src) else None

    memo = {}

    def solve(i, j):
        # Group src[i:] into dst[j:].
        key = (i, j)
        if key in memo:
            return memo[key]
        res = None
        if j == len(dst) - 1:
            if i < len(src) and int(np.prod(src[i:])) == dst[j]:
                res = [list(range(i, len(src)))]
        else:
            prod = 1
            for k in range(i, len(src) - (len(dst) - j - 1)):
                prod *= src[k]
                if prod == dst[j]:
                    rest = solve(k + 1, j + 1)
                    if rest is not None:
                        res = [list(range(i, k + 1))] + rest
                        break
                if prod > dst[j] and dst[j] != 0:
                    break
        memo[key] = res
        return res
    return solve(0, 0)


def _fmt_reassoc(groups):
    return "[" + ", ".join("[" + ", ".join(str(d) for d in g) + "]" for g in groups) + "]"


# --------------------------------------------------------------------------
# Tracing
# --------------------------------------------------------------------------

def _has_tensor(v):
    if isinstance(v, torch.Tensor):
        return True
    if isinstance(v, (tuple, list)):
        return any(_has_tensor(e) for e in v)
    if isinstance(v, dict):
        return any(_has_tensor(e) for e in v.values())
    return False


class _Pieces:
    """The tuple a chunk, split, tensor_split or unbind of `x` along `dim`
    returns: each piece is `x[offset:offset + size]` along it (`squeeze`:
    the axis dropped, as unbind's). Only indexing it gives a tensor (an
    extract_slice, made when a piece is read)."""

    def __init__(self, x, dim, offsets, sizes, squeeze):
        self.x, self.dim, self.offsets, self.sizes = x, dim, offsets, sizes
        self.squeeze = squeeze


class _Value:
    """An SSA value of the exported function: a static-shaped tensor of
    element type `elt` (f32 but for ids, masks and comparisons)."""

    def __init__(self, name, shape, elt="f32"):
        self.name = name
        self.shape = tuple(int(d) for d in shape)
        self.elt = elt

    @property
    def type(self):
        return _ttype(self.shape, self.elt)


class _Recorder(ShapeProp):
    """ShapeProp that also keeps the concrete results the exporter needs:
    every non-tensor result (sizes, ints) and the tensors of constant nodes."""

    def __init__(self, gm, keep):
        super().__init__(gm)
        self.keep = keep
        self.values = {}

    def run_node(self, n):
        self.current = n
        result = super().run_node(n)
        if n in self.keep or not isinstance(result, torch.Tensor):
            self.values[n] = result
        return result


_RELU_FUNCS = {F.relu, torch.relu, torch.relu_}
_LINEAR_FUNCS = {F.linear}
_CONV_FUNCS = {F.conv1d: 1, F.conv2d: 2, F.conv3d: 3,
               torch.conv1d: 1, torch.conv2d: 2, torch.conv3d: 3}
_BINARY_FUNCS = {
    operator.add: "add", torch.add: "add",
    operator.sub: "sub", torch.sub: "sub", torch.subtract: "sub",
    operator.mul: "mul", torch.mul: "mul", torch.multiply: "mul",
    operator.truediv: "div", torch.div: "div", torch.true_divide: "div",
}
_BINARY_METHODS = {"add": "add", "add_": "add", "sub": "sub", "sub_": "sub",
                   "mul": "mul", "mul_": "mul", "div": "div", "div_": "div"}
_INPLACE_METHODS = {"add_", "sub_", "mul_", "div_", "relu_"}
_ARITH = {"add": "arith.addf", "sub": "arith.subf", "mul": "arith.mulf", "div": "arith.divf"}
_RESHAPE_FUNCS = {torch.flatten, torch.reshape}
_RESHAPE_METHODS = {"view", "reshape", "flatten"}
_IDENTITY_METHODS = {"contiguous"}
# torch function -> the Tensor method of the same meaning (_Exporter.pieces)
_SPLIT_FUNCS = {torch.chunk: "chunk", torch.split: "split", torch.tensor_split: "tensor_split",
                torch.unbind: "unbind"}
_SPLIT_METHODS = {"chunk", "split", "tensor_split", "unbind"}
_CONV_MODULES = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3}
_CONV_OPS = {1: "linalg.conv_1d_ncw_fcw", 2: "linalg.conv_2d_nchw_fchw",
             3: "linalg.conv_3d_ncdhw_fcdhw"}
_DROPOUT_MODULES = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
                    nn.AlphaDropout, nn.FeatureAlphaDropout) if hasattr(nn, "Dropout1d") else (
    nn.Dropout, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)

# function -> (positional argument names, defaults, names of the bounds)
_CLAMP_FUNCS = {
    torch.clamp: (["input", "min", "max"], {"min": None, "max": None}, ("min", "max")),
    torch.clip: (["input", "min", "max"], {"min": None, "max": None}, ("min", "max")),
    F.hardtanh: (["input", "min_val", "max_val", "inplace"],
                 {"min_val": -1.0, "max_val": 1.0, "inplace": False}, ("min_val", "max_val")),
    F.relu6: (["input", "inplace"], {"lo": 0.0, "hi": 6.0, "inplace": False}, ("lo", "hi")),
}
_ACTIVATION_FUNCS = {F.hardswish: "hardswish", F.hardsigmoid: "hardsigmoid", F.silu: "silu",
                     torch.sigmoid: "sigmoid"}
_ACTIVATION_MODULES = {nn.Hardswish: "hardswish", nn.Hardsigmoid: "hardsigmoid", nn.SiLU: "silu",
                       nn.Sigmoid: "sigmoid"}
_TANH_FUNCS = {torch.tanh, F.tanh}
_SOFTMAX_FUNCS = {F.softmax, torch.softmax}
_MATMUL_FUNCS = {operator.matmul, torch.matmul, torch.bmm}
_MATMUL_METHODS = {"matmul", "bmm"}
_TRANSPOSE_METHODS = {"transpose", "permute", "t"}
_COMPARE_FUNCS = {operator.eq: "eq", operator.ne: "ne", operator.lt: "lt", operator.le: "le",
                  operator.gt: "gt", operator.ge: "ge", torch.eq: "eq", torch.ne: "ne",
                  torch.lt: "lt", torch.le: "le", torch.gt: "gt", torch.ge: "ge"}
_COMPARE_METHODS = {"eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge"}
_LOGICAL_FUNCS = {operator.invert: "not", torch.logical_not: "not", torch.bitwise_not: "not",
                  operator.and_: "and", operator.or_: "or", operator.xor: "xor",
                  torch.logical_and: "and", torch.logical_or: "or", torch.logical_xor: "xor"}
_LOGICAL_METHODS = {"logical_not": "not", "bitwise_not": "not", "logical_and": "and",
                    "logical_or": "or", "logical_xor": "xor"}
_CAST_METHODS = {"float", "long", "int", "bool", "to", "type", "type_as"}


# Functions that make a tensor from Python values alone (deterministic).
_FACTORIES = {torch.arange, torch.zeros, torch.ones, torch.full, torch.eye, torch.tensor,
              torch.linspace}


# Functions and methods whose result depends only on their first operand's
# shape and dtype (and on the other, constant, arguments).
_SHAPE_FACTORIES = {torch.zeros_like, torch.ones_like, torch.full_like, "new_zeros", "new_ones",
                    "new_full", "new_tensor"}


def _is_shape_query(n):
    """x.size(...), x.dim(), x.shape, x.ndim, x.dtype: static for static shapes."""
    if n.op == "call_method":
        return n.target in ("size", "dim")
    return n.op == "call_function" and n.target is getattr and len(n.args) > 1 and \
        n.args[1] in ("shape", "ndim", "dtype", "device")


def _is_stochastic_depth(obj):
    """torchvision.ops' StochasticDepth module or stochastic_depth function (not
    imported: torchvision is optional)."""
    return getattr(obj, "__module__", "") == "torchvision.ops.stochastic_depth" and \
        getattr(obj, "__name__", "") in ("StochasticDepth", "stochastic_depth")


_SUPPORTED = ("eq_export handles linear, conv1d/2d/3d (grouped and depthwise conv2d), "
              "batch norm (eval), relu, relu6/hardtanh/clamp, hardswish, hardsigmoid, sigmoid, "
              "silu, tanh, gelu (erf and tanh forms), layer norm, softmax, max/avg/adaptive-avg "
              "pool2d, mean, sum, cat, add/sub/mul/div, matmul/bmm of two tensors, "
              "transpose/permute, slicing, flatten/view/reshape/unsqueeze/squeeze, expand, "
              "embedding, comparisons, masked_fill/where, logical not/and/or, dtype "
              "conversions, identity, dropout and stochastic depth, chunk/split/unbind "
              "(indexed or unpacked)")

# Names used inside regions (block arguments, body values): never given to
# values of the function body, so they cannot clash.
_REGION_NAMES = ({"in", "out", "cst", "res", "zero_c", "lo", "hi", "three", "six", "one", "win",
                  "eps", "half", "beta", "kappa", "rsqrt2", "count"}
                 | {"in_%d" % i for i in range(1, 8)} | {"i%d" % i for i in range(8)}
                 | {"t%d" % i for i in range(8)} | {"cst_%d" % i for i in range(1, 4)}
                 | {"cv%d" % i for i in range(4)} | {"cv%d_z" % i for i in range(4)})


def _in_name(i):
    """The block argument of a linalg.generic's i-th input."""
    return "in" if i == 0 else "in_%d" % i


class _Exporter:
    def __init__(self, gm, func_name, linear_spelling, bias, resource_threshold):
        self.gm = gm
        self.func_name = func_name
        self.linear_spelling = linear_spelling
        self.bias = bias
        self.resource_threshold = resource_threshold
        self.lines = []
        self.used = set(_REGION_NAMES)
        self.env = {}          # fx node -> _Value
        self.pyvals = {}       # fx node -> python value (sizes, ints, constant tensors)
        self.const_nodes = set()
        self.const_cache = {}  # id(tensor) -> _Value
        self.const_keep = []   # keeps cached tensors alive (ids stay unique)
        self.resources = []    # (key, little-endian f32 array), hex-printed when written
        self.resource_keys = set()
        self.zero = None
        self.neg_inf = None
        self.node = None
        self.hints = {}        # id(tensor) -> attribute path, for names

    # ---- naming and emission -------------------------------------------

    def fresh(self, base):
        base = re.sub(r"[^A-Za-z0-9_.]", "_", str(base)) or "v"
        if not re.match(r"[A-Za-z_]", base):
            base = "v" + base
        name, n = base, 1
        while name in self.used:
            name = "%s_%d" % (base, n)
            n += 1
        self.used.add(name)
        return "%" + name

    def emit(self, base, text, loc=None):
        name = self.fresh(base)
        if loc is not None:
            text += " loc(%s)" % _quote(loc)
        self.lines.append("%s = %s" % (name, text))
        return name

    def error(self, msg, node=None):
        node = node if node is not None else self.node
        if node is None:
            return ExportError(msg)
        return ExportError("node '%s' (%s): %s" % (node.name, _describe(node, self.gm), msg))

    # ---- constants -------------------------------------------------------

    def zero_f32(self):
        if self.zero is None:
            self.zero = self.emit("zero", "arith.constant 0.0 : f32")
        return self.zero

    def const(self, tensor, hint):
        """An arith.constant for a torch tensor (cached per tensor object)."""
        key = id(tensor)
        if key in self.const_cache:
            return self.const_cache[key]
        hint = self.hints.get(key, hint)
        if not isinstance(tensor, torch.Tensor):
            raise self.error("expected a constant tensor for '%s', got %r" % (hint, type(tensor).__name__))
        if tensor.dtype in (torch.int64, torch.int32, torch.bool):
            return self.int_const(tensor, hint)
        if tensor.dtype != torch.float32:
            raise self.error("constant '%s' has dtype %s; only float32 is supported "
                             "(convert the model with .float())" % (hint, tensor.dtype))
        arr = np.ascontiguousarray(tensor.detach().cpu().numpy().astype("<f4", copy=False))
        shape = arr.shape
        if self.resource_threshold is not None and arr.size > self.resource_threshold:
            rkey = re.sub(r"[^A-Za-z0-9_.]", "_", hint) or "blob"
            if not re.match(r"[A-Za-z_]", rkey):
                rkey = "_" + rkey
            base, n = rkey, 1
            while rkey in self.resource_keys:
                rkey = "%s_%d" % (base, n)
                n += 1
            self.resource_keys.add(rkey)
            # Printed when the text is written (_Exporter.text_pieces), one blob
            # at a time: the hex of a whole network's weights (twice their
            # bytes) is never held at once.
            self.resources.append((rkey, arr))
            attr = "dense_resource<%s>" % rkey
        else:
            attr = "dense<%s>" % _dense_body(arr)
        name = self.emit(hint.replace(".", "_"), "arith.constant %s : %s" % (attr, _ttype(shape)))
        v = _Value(name, shape)
        self.const_cache[key] = v
        self.const_keep.append(tensor)
        return v

    def int_const(self, tensor, hint):
        """An arith.constant of an integer or boolean tensor (position ids,
        masks), printed inline."""
        elt = _ELT_OF_DTYPE[tensor.dtype]
        arr = tensor.detach().cpu().numpy()
        fmt = (lambda v: "true" if v else "false") if elt == "i1" else (lambda v: str(int(v)))
        flat = arr.reshape(-1)
        if flat.size and np.all(flat == flat[0]):
            body = fmt(flat[0])
        elif arr.ndim == 0:
            body = fmt(arr.item())
        else:
            def rec(a):
                if a.ndim == 1:
                    return "[" + ", ".join(fmt(v) for v in a) + "]"
                return "[" + ", ".join(rec(v) for v in a) + "]"
            body = rec(arr)
        name = self.emit(hint.replace(".", "_"), "arith.constant dense<%s> : %s"
                         % (body, _ttype(arr.shape, elt)))
        v = _Value(name, arr.shape, elt)
        self.const_cache[id(tensor)] = v
        self.const_keep.append(tensor)
        return v

    # ---- operands --------------------------------------------------------

    def is_tensor_node(self, n):
        return isinstance(n, torch.fx.Node) and (n in self.env or (
            n in self.pyvals and isinstance(self.pyvals[n], torch.Tensor)))

    def tensor(self, arg, what="operand", elts=("f32",)):
        """The _Value of a tensor-valued fx argument (materializing constants),
        whose element type must be one of `elts` (None: any)."""
        v = self.any_tensor(arg, what)
        if elts is not None and v.elt not in elts:
            name = arg.name if isinstance(arg, torch.fx.Node) else what
            raise self.error("%s '%s' is a tensor of %s; this op takes %s (convert it with "
                             ".float() or .long())" % (what, name, _DTYPE_NAME[v.elt],
                                                       " or ".join(_DTYPE_NAME[e] for e in elts)))
        return v

    def any_tensor(self, arg, what):
        if isinstance(arg, _Value):
            return arg
        if isinstance(arg, torch.fx.Node):
            if arg in self.env:
                if isinstance(self.env[arg], _Pieces):
                    raise self.error("%s '%s' is the tuple of a %s; only its pieces (indexed or "
                                     "unpacked) are supported" % (what, arg.name, arg.target))
                return self.env[arg]
            if arg in self.pyvals and isinstance(self.pyvals[arg], torch.Tensor):
                hint = arg.target if arg.op == "get_attr" else arg.name
                v = self.const(self.pyvals[arg], str(hint))
                self.env[arg] = v
                return v
            if arg in self.pyvals:
                raise self.error("%s '%s' is not a tensor" % (what, arg.name))
        if isinstance(arg, torch.Tensor):
            return self.const(arg, what)
        raise self.error("%s %r is not a tensor" % (what, arg))

    def weight(self, arg, what):
        """A constant tensor argument (weights, biases)."""
        if isinstance(arg, torch.Tensor):
            return arg
        if isinstance(arg, torch.fx.Node):
            if arg in self.pyvals and isinstance(self.pyvals[arg], torch.Tensor):
                t = self.pyvals[arg]
                if arg.op == "get_attr":
                    self.hints.setdefault(id(t), str(arg.target))
                return t
            raise self.error("the %s ('%s') is not a compile-time constant (it depends on the "
                             "function's inputs); only constant weights are supported"
                             % (what, arg.name))
        raise self.error("the %s is not a tensor: %r" % (what, arg))

    def pyval(self, arg):
        """The concrete Python value of a non-tensor argument."""
        if isinstance(arg, torch.fx.Node):
            if arg in self.pyvals:
                return self.pyvals[arg]
            raise self.error("argument '%s' is a tensor where a constant was expected" % arg.name)
        if isinstance(arg, (list, tuple)):
            return type(arg)(self.pyval(a) for a in arg)
        return arg

    def out_shape(self, node, elts=("f32",)):
        meta = node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            raise self.error("no tensor shape recorded (the node does not produce one tensor)", node)
        elt = _ELT_OF_DTYPE.get(meta.dtype)
        if elt is None or (elts is not None and elt not in elts):
            raise self.error("produces dtype %s; %s supported here" % (
                meta.dtype, "only float32 is" if elts == ("f32",) else
                " and ".join(_DTYPE_NAME[e] for e in (elts or _DTYPE_NAME)) + " are"), node)
        return tuple(int(d) for d in meta.shape)

    def out_elt(self, node):
        """The element type of the node's one tensor result, or None (no
        tensor, or a dtype other than float32, int64, int32 and bool)."""
        return _ELT_OF_DTYPE.get(getattr(node.meta.get("tensor_meta"), "dtype", None))

    def check_inplace(self, node, mutated):
        """An in-place op is exported as a new value: refuse it when the
        mutated tensor is read again after it."""
        if not isinstance(mutated, torch.fx.Node):
            return
        for user in mutated.users:
            if user is node:
                continue
            if self.order[user] > self.order[node]:
                raise self.error("in-place op mutates '%s', which is used again later by "
                                 "'%s'; rewrite it out of place" % (mutated.name, user.name))

    # ---- ops ---------------------------------------------------------------

    def empty(self, base, shape, elt="f32"):
        return self.emit(base + "_empty", "tensor.empty() : %s" % _ttype(shape, elt))

    def zeros(self, base, shape):
        e = self.empty(base, shape)
        z = self.zero_f32()
        return self.emit(base + "_zeros", "linalg.fill ins(%s : f32) outs(%s : %s) -> %s"
                         % (z, e, _ttype(shape), _ttype(shape)))

    def bias_init(self, base, b, shape, axis):
        e = self.empty(base + "_bias", shape)
        dims = [d for d in range(len(shape)) if d != axis]
        return self.emit(base + "_init", "linalg.broadcast ins(%s : %s) outs(%s : %s) dimensions = [%s]"
                         % (b.name, b.type, e, _ttype(shape), ", ".join(map(str, dims))))

    def bias_add(self, base, y, b, axis, result_base):
        rank = len(y.shape)
        e = self.empty(base + "_biased", y.shape)
        maps = [_ident_map(rank), _amap(rank, ["d%d" % axis]), _ident_map(rank)]
        text = self.generic_text(maps, rank, [y, b], e, y.shape,
                                 ["%res = arith.addf %in, %in_1 : f32"], "%res")
        return _Value(self.emit(result_base, text), y.shape)

    def generic_text(self, maps, rank, ins, out, out_shape, body, yielded, iters=None,
                     out_elt="f32"):
        iters = ", ".join('"%s"' % it for it in (iters or ["parallel"] * rank))
        t = "linalg.generic {indexing_maps = [%s], iterator_types = [%s]}" % (", ".join(maps), iters)
        if ins:
            t += " ins(%s : %s)" % (", ".join(v.name for v in ins), ", ".join(v.type for v in ins))
        out_type = _ttype(out_shape, out_elt)
        t += " outs(%s : %s) {\n" % (out, out_type)
        args = ["%%%s: %s" % (_in_name(i), v.elt) for i, v in enumerate(ins)] + \
            ["%%out: %s" % out_elt]
        t += "^bb0(%s):\n" % ", ".join(args)
        for line in body:
            t += "  %s\n" % line
        t += "  linalg.yield %s : %s\n} -> %s" % (yielded, out_elt, out_type)
        return t

    def linear(self, node, name, x, w, b):
        out_shape = self.out_shape(node)
        if w.dim() != 2:
            raise self.error("linear weight must be 2-D, got shape %s" % list(w.shape))
        n_out, k = int(w.shape[0]), int(w.shape[1])
        if len(x.shape) == 0 or x.shape[-1] != k:
            raise self.error("linear input shape %s does not match weight shape %s"
                             % (list(x.shape), list(w.shape)))
        if b is not None and tuple(b.shape) != (n_out,):
            raise self.error("linear bias shape %s, expected [%d]" % (list(b.shape), n_out))
        base = node.name
        hint = name
        wv = self.const(w, hint + ".weight")
        bv = self.const(b, hint + ".bias") if b is not None else None
        # 2-D input of the matmul.
        rank = len(x.shape)
        m = int(np.prod(x.shape[:-1])) if rank > 1 else 1
        if rank == 2:
            x2 = x
        elif rank > 2:
            groups = [list(range(rank - 1)), [rank - 1]]
            x2 = _Value(self.emit(base + "_in", "tensor.collapse_shape %s %s : %s into %s"
                                  % (x.name, _fmt_reassoc(groups), x.type, _ttype((m, k)))), (m, k))
        else:
            x2 = _Value(self.emit(base + "_in", "tensor.expand_shape %s [[0, 1]] output_shape [1, %d] : %s into %s"
                                  % (x.name, k, x.type, _ttype((1, k)))), (1, k))
        mm_shape = (m, n_out)
        if bv is not None and self.bias == "init":
            init = self.bias_init(base, bv, mm_shape, 1)
        else:
            init = self.zeros(base, mm_shape)
        needs_more = (bv is not None and self.bias == "add") or rank != 2
        mm_base = base + "_mm" if needs_more else base
        if self.linear_spelling == "transposed_b":
            maps = "indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, " \
                   "affine_map<(m, n, k) -> (m, n)>] "
            wop = wv
        else:
            e = self.empty(base + "_wt", (k, n_out))
            wop = _Value(self.emit(base + "_wt", "linalg.transpose ins(%s : %s) outs(%s : %s) permutation = [1, 0]"
                                   % (wv.name, wv.type, e, _ttype((k, n_out)))), (k, n_out))
            maps = ""
        y = _Value(self.emit(mm_base, "linalg.matmul %sins(%s, %s : %s, %s) outs(%s : %s) -> %s"
                             % (maps, x2.name, wop.name, x2.type, wop.type, init,
                                _ttype(mm_shape), _ttype(mm_shape)), loc=name), mm_shape)
        if bv is not None and self.bias == "add":
            y = self.bias_add(base, y, bv, 1, base if rank == 2 else base + "_biased")
        if rank > 2:
            groups = [list(range(rank - 1)), [rank - 1]]
            y = _Value(self.emit(base, "tensor.expand_shape %s %s output_shape [%s] : %s into %s"
                                 % (y.name, _fmt_reassoc(groups), ", ".join(map(str, out_shape)),
                                    y.type, _ttype(out_shape))), out_shape)
        elif rank == 1:
            y = _Value(self.emit(base, "tensor.collapse_shape %s [[0, 1]] : %s into %s"
                                 % (y.name, y.type, _ttype(out_shape))), out_shape)
        if y.shape != out_shape:
            raise self.error("internal: linear result shape %s != traced %s" % (y.shape, out_shape))
        return y

    def conv(self, node, name, nd, x, w, b, stride, padding, dilation, groups):
        out_shape = self.out_shape(node)
        if len(x.shape) != nd + 2:
            raise self.error("conv%dd input must have rank %d (batched N x C x ...), got shape %s"
                             % (nd, nd + 2, list(x.shape)))
        if not isinstance(groups, int) or groups < 1:
            raise self.error("groups must be a positive int, got %r" % (groups,))
        if groups != 1 and nd != 2:
            raise self.error("grouped convolution (groups=%d) is only supported for conv2d, "
                             "not conv%dd" % (groups, nd))
        c = x.shape[1]
        if c % groups or w.dim() != nd + 2 or int(w.shape[0]) % groups or \
                int(w.shape[1]) * groups != c:
            raise self.error("conv weight shape %s does not match input shape %s with groups=%d"
                             % (list(w.shape), list(x.shape), groups))
        f = int(w.shape[0])
        ks = [int(d) for d in w.shape[2:]]
        try:
            stride = _tuple_n(stride, nd, "stride")
            dilation = _tuple_n(dilation, nd, "dilation")
            if isinstance(padding, str):
                if padding == "valid":
                    low = high = (0,) * nd
                elif padding == "same":
                    total = [dilation[i] * (ks[i] - 1) for i in range(nd)]
                    low = tuple(t // 2 for t in total)
                    high = tuple(t - t // 2 for t in total)
                else:
                    raise ValueError("padding=%r" % padding)
            else:
                low = high = _tuple_n(padding, nd, "padding")
        except (ValueError, TypeError) as e:
            raise self.error("unsupported conv argument: %s" % e)
        if b is not None and tuple(b.shape) != (f,):
            raise self.error("conv bias shape %s, expected [%d]" % (list(b.shape), f))
        base = node.name
        wv = self.const(w, name + ".weight")
        bv = self.const(b, name + ".bias") if b is not None else None
        x = self.pad_spatial(base, x, low, high, self.zero_f32)
        expect = (x.shape[0], f) + tuple(
            (x.shape[2 + i] - dilation[i] * (ks[i] - 1) - 1) // stride[i] + 1 for i in range(nd))
        if expect != out_shape:
            raise self.error("conv output shape %s does not match the traced shape %s"
                             % (list(expect), list(out_shape)))
        if bv is not None and self.bias == "init":
            init = self.bias_init(base, bv, out_shape, 1)
        else:
            init = self.zeros(base, out_shape)
        add_after = bv is not None and self.bias == "add"
        attrs = "{dilations = %s, strides = %s}" % (_i64_dense(dilation), _i64_dense(stride))
        conv_base = base + "_conv" if add_after else base
        if groups == 1:
            y = _Value(self.emit(conv_base, "%s %s ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
                                 % (_CONV_OPS[nd], attrs, x.name, wv.name, x.type, wv.type, init,
                                    _ttype(out_shape), _ttype(out_shape)), loc=name), out_shape)
        elif groups == c and f == c:
            # Depthwise (channel multiplier 1): W C x 1 x KH x KW collapsed to C x KH x KW.
            wshape = (f,) + tuple(ks)
            wd = _Value(self.emit(base + "_w", "tensor.collapse_shape %s [[0, 1], [2], [3]] : %s into %s"
                                  % (wv.name, wv.type, _ttype(wshape))), wshape)
            y = _Value(self.emit(conv_base, "linalg.depthwise_conv_2d_nchw_chw %s ins(%s, %s : %s, %s) "
                                 "outs(%s : %s) -> %s"
                                 % (attrs, x.name, wd.name, x.type, wd.type, init,
                                    _ttype(out_shape), _ttype(out_shape)), loc=name), out_shape)
        else:
            # Grouped (and depthwise with a channel multiplier > 1): the channel
            # axes split into (groups, channels per group) around
            # linalg.conv_2d_ngchw_gfchw.
            g = groups
            xg_shape = (x.shape[0], g, c // g) + tuple(x.shape[2:])
            wg_shape = (g, f // g, c // g) + tuple(ks)
            yg_shape = (out_shape[0], g, f // g) + tuple(out_shape[2:])
            split = "[[0], [1, 2], [3], [4]]"
            xg = self.emit(base + "_in", "tensor.expand_shape %s %s output_shape [%s] : %s into %s"
                           % (x.name, split, ", ".join(map(str, xg_shape)), x.type, _ttype(xg_shape)))
            wg = self.emit(base + "_w", "tensor.expand_shape %s [[0, 1], [2], [3], [4]] output_shape [%s] "
                           ": %s into %s" % (wv.name, ", ".join(map(str, wg_shape)), wv.type,
                                             _ttype(wg_shape)))
            ig = self.emit(base + "_ginit", "tensor.expand_shape %s %s output_shape [%s] : %s into %s"
                           % (init, split, ", ".join(map(str, yg_shape)), _ttype(out_shape),
                              _ttype(yg_shape)))
            yg = self.emit(base + "_grouped", "linalg.conv_2d_ngchw_gfchw %s ins(%s, %s : %s, %s) "
                           "outs(%s : %s) -> %s"
                           % (attrs, xg, wg, _ttype(xg_shape), _ttype(wg_shape), ig,
                              _ttype(yg_shape), _ttype(yg_shape)), loc=name)
            y = _Value(self.emit(conv_base, "tensor.collapse_shape %s %s : %s into %s"
                                 % (yg, split, _ttype(yg_shape), _ttype(out_shape))), out_shape)
        if add_after:
            y = self.bias_add(base, y, bv, 1, base)
        return y

    def pad_spatial(self, base, x, low, high, fill):
        """x padded on its axes 2, 3, ... by ``low``/``high`` with the f32 value
        ``fill()`` returns (an SSA name, made only when needed), or x itself
        when there is no padding."""
        if not any(low) and not any(high):
            return x
        fill = fill()
        nd = len(low)
        pshape = tuple(x.shape[:2]) + tuple(x.shape[2 + i] + low[i] + high[i] for i in range(nd))
        idx = ", ".join("%%i%d: index" % i for i in range(nd + 2))
        text = ("tensor.pad %s low[%s] high[%s] {\n^bb0(%s):\n  tensor.yield %s : f32\n} : %s to %s"
                % (x.name, ", ".join(map(str, (0, 0) + tuple(low))),
                   ", ".join(map(str, (0, 0) + tuple(high))), idx, fill, x.type, _ttype(pshape)))
        return _Value(self.emit(base + "_pad", text), pshape)

    def filled(self, base, shape, value):
        """tensor.empty filled with the f32 SSA value ``value``."""
        e = self.empty(base, shape)
        return self.emit(base + "_fill", "linalg.fill ins(%s : f32) outs(%s : %s) -> %s"
                         % (value, e, _ttype(shape), _ttype(shape)))

    def neg_inf_f32(self):
        if self.neg_inf is None:
            self.neg_inf = self.emit("neg_inf", "arith.constant 0xFF800000 : f32")
        return self.neg_inf

    def unary(self, node, x, body, yielded):
        """An elementwise linalg.generic over x, named after the node."""
        rank = len(x.shape)
        e = self.empty(node.name, x.shape)
        text = self.generic_text([_ident_map(rank)] * 2, rank, [x], e, x.shape, body, yielded)
        y = _Value(self.emit(node.name, text, loc=self.layer_name(node)), x.shape)
        if y.shape != self.out_shape(node):
            raise self.error("internal: elementwise result shape %s != traced %s"
                             % (list(y.shape), list(self.out_shape(node))))
        return y

    def bound(self, v, what):
        if v is None:
            return None
        v = self.pyval(v) if isinstance(v, torch.fx.Node) else v
        if isinstance(v, torch.Tensor) or isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.error("%s must be a Python number, got %r" % (what, type(v).__name__))
        return float(v)

    def clamp(self, node, x, lo, hi):
        """clamp / hardtanh / relu6: min(max(x, lo), hi) as PyTorch computes it."""
        lo, hi = self.bound(lo, "min"), self.bound(hi, "max")
        if lo is None and hi is None:
            raise self.error("clamp needs at least one of min and max")
        body, cur = [], "%in"
        if lo is not None:
            body += ["%%lo = arith.constant %s : f32" % _fmt_f32(lo),
                     "%t0 = arith.maximumf %in, %lo : f32"]
            cur = "%t0"
        if hi is not None:
            body += ["%%hi = arith.constant %s : f32" % _fmt_f32(hi),
                     "%%t1 = arith.minimumf %s, %%hi : f32" % cur]
            cur = "%t1"
        return self.unary(node, x, body, cur)

    def activation(self, node, kind, x):
        """hardswish, hardsigmoid, sigmoid, silu, with PyTorch's CPU formulas."""
        if kind in ("hardswish", "hardsigmoid"):
            body = ["%three = arith.constant 3.0 : f32",
                    "%lo = arith.constant 0.0 : f32",
                    "%six = arith.constant 6.0 : f32",
                    "%t0 = arith.addf %in, %three : f32",
                    "%t1 = arith.maximumf %t0, %lo : f32",
                    "%t2 = arith.minimumf %t1, %six : f32"]
            if kind == "hardswish":  # x * min(max(x + 3, 0), 6) / 6
                body += ["%t3 = arith.mulf %in, %t2 : f32", "%t4 = arith.divf %t3, %six : f32"]
                return self.unary(node, x, body, "%t4")
            body += ["%t3 = arith.divf %t2, %six : f32"]  # min(max(x + 3, 0), 6) / 6
            return self.unary(node, x, body, "%t3")
        # sigmoid: 1 / (1 + exp(-x)); silu: x / (1 + exp(-x)).
        body = ["%one = arith.constant 1.0 : f32",
                "%t0 = arith.negf %in : f32",
                "%t1 = math.exp %t0 : f32",
                "%t2 = arith.addf %one, %t1 : f32",
                "%%t3 = arith.divf %s, %%t2 : f32" % ("%one" if kind == "sigmoid" else "%in")]
        return self.unary(node, x, body, "%t3")

    def batchnorm(self, node, name, x, mean, var, weight, bias, eps):
        """Inference batch norm as PyTorch's CPU kernel computes it: per-channel
        scale = weight / sqrt(var + eps) and shift = bias - mean * scale (f32),
        then y = x * scale + shift, broadcast along channel axis 1."""
        if len(x.shape) < 2:
            raise self.error("batch norm input must have rank >= 2 (N x C x ...), got shape %s"
                             % list(x.shape))
        c = x.shape[1]
        for t, what in ((mean, "running_mean"), (var, "running_var"), (weight, "weight"),
                        (bias, "bias")):
            if t is not None and tuple(t.shape) != (c,):
                raise self.error("batch norm %s has shape %s, expected [%d]" % (what, list(t.shape), c))
            if t is not None and t.dtype != torch.float32:
                raise self.error("batch norm %s has dtype %s; only float32 is supported" % (what, t.dtype))
        with torch.no_grad():
            invstd = 1.0 / torch.sqrt(var.detach().float() + float(eps))
            scale = invstd * weight.detach() if weight is not None else invstd
            shift = (bias.detach() if bias is not None else torch.zeros(c)) - mean.detach() * scale
        sv = self.const(scale.contiguous(), name + ".scale")
        tv = self.const(shift.contiguous(), name + ".shift")
        rank = len(x.shape)
        e = self.empty(node.name, x.shape)
        maps = [_ident_map(rank), _amap(rank, ["d1"]), _amap(rank, ["d1"]), _ident_map(rank)]
        text = self.generic_text(maps, rank, [x, sv, tv], e, x.shape,
                                 ["%t0 = arith.mulf %in, %in_1 : f32",
                                  "%t1 = arith.addf %t0, %in_2 : f32"], "%t1")
        return _Value(self.emit(node.name, text, loc=name), x.shape)

    def pool_args(self, x, kernel, stride, padding, dilation, what):
        if len(x.shape) != 4:
            raise self.error("%s input must have rank 4 (N x C x H x W), got shape %s"
                             % (what, list(x.shape)))
        try:
            k = _tuple_n(kernel, 2, "kernel_size")
            s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
                else _tuple_n(stride, 2, "stride")
            p = _tuple_n(padding, 2, "padding")
            d = _tuple_n(dilation, 2, "dilation")
        except (ValueError, TypeError) as e:
            raise self.error("unsupported %s argument: %s" % (what, e))
        if min(k + s + d) < 1 or min(p) < 0:
            raise self.error("%s: kernel_size, stride and dilation must be positive, padding "
                             "non-negative" % what)
        return k, s, p, d

    def pool_high(self, x, out_shape, k, s, p, d):
        """Padding at the end of each spatial axis so that the last window (ceil_mode)
        fits."""
        return tuple(max(0, (out_shape[2 + i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
                         - x.shape[2 + i] - p[i]) for i in range(2))

    def max_pool2d(self, node, name, x, kernel, stride, padding, dilation, ceil_mode,
                   return_indices=False):
        if return_indices:
            raise self.error("max_pool2d with return_indices=True is not supported")
        out_shape = self.out_shape(node)
        k, s, p, d = self.pool_args(x, kernel, stride, padding, dilation, "max_pool2d")
        base = node.name
        xp = self.pad_spatial(base, x, p, self.pool_high(x, out_shape, k, s, p, d),
                              self.neg_inf_f32)
        init = self.filled(base, out_shape, self.neg_inf_f32())
        win = self.emit(base + "_window", "tensor.empty() : %s" % _ttype(k))
        attrs = "{dilations = %s, strides = %s}" % (_i64_dense(d), _i64_dense(s))
        return _Value(self.emit(base, "linalg.pooling_nchw_max %s ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
                                % (attrs, xp.name, win, xp.type, _ttype(k), init,
                                   _ttype(out_shape), _ttype(out_shape)), loc=name), out_shape)

    def divide(self, base, y, divisor, result_base):
        """y / divisor, divisor a number or an OH x OW array (axes 2, 3 of y)."""
        rank = len(y.shape)
        e = self.empty(result_base, y.shape)
        divisor = np.asarray(divisor, dtype=np.float32)
        if divisor.ndim == 0 or np.all(divisor == divisor.reshape(-1)[0]):
            text = self.generic_text([_ident_map(rank)] * 2, rank, [y], e, y.shape,
                                     ["%%cst = arith.constant %s : f32" % _fmt_f32(divisor.reshape(-1)[0]),
                                      "%res = arith.divf %in, %cst : f32"], "%res")
        else:
            dv = self.const(torch.from_numpy(divisor.copy()), base + ".divisor")
            text = self.generic_text([_ident_map(rank), _amap(rank, ["d2", "d3"]), _ident_map(rank)],
                                     rank, [y, dv], e, y.shape,
                                     ["%res = arith.divf %in, %in_1 : f32"], "%res")
        return _Value(self.emit(result_base, text), y.shape)

    def avg_pool2d(self, node, name, x, kernel, stride, padding, ceil_mode, count_include_pad,
                   divisor_override):
        out_shape = self.out_shape(node)
        k, s, p, d = self.pool_args(x, kernel, stride, padding, 1, "avg_pool2d")
        base = node.name
        xp = self.pad_spatial(base, x, p, self.pool_high(x, out_shape, k, s, p, d), self.zero_f32)
        init = self.zeros(base + "_sum", out_shape)
        win = self.emit(base + "_window", "tensor.empty() : %s" % _ttype(k))
        attrs = "{dilations = %s, strides = %s}" % (_i64_dense(d), _i64_dense(s))
        total = _Value(self.emit(base + "_sum", "linalg.pooling_nchw_sum %s ins(%s, %s : %s, %s) "
                                 "outs(%s : %s) -> %s"
                                 % (attrs, xp.name, win, xp.type, _ttype(k), init,
                                    _ttype(out_shape), _ttype(out_shape)), loc=name), out_shape)
        # PyTorch's divisor per output position (aten/src/ATen/native/cpu/AvgPoolKernel.cpp).
        if divisor_override:
            divisor = float(divisor_override)
        else:
            sizes = []
            for i in range(2):
                row = []
                n_in = x.shape[2 + i]
                for o in range(out_shape[2 + i]):
                    start = o * s[i] - p[i]
                    end = min(start + k[i], n_in + p[i])
                    size = end - start
                    start, end = max(start, 0), min(end, n_in)
                    row.append(size if count_include_pad else end - start)
                sizes.append(row)
            divisor = np.outer(sizes[0], sizes[1])
        return self.divide(base, total, divisor, base)

    def adaptive_avg_pool2d(self, node, name, x):
        out_shape = self.out_shape(node)
        if len(x.shape) != 4:
            raise self.error("adaptive_avg_pool2d input must have rank 4 (N x C x H x W), got shape %s"
                             % list(x.shape))
        ins, outs = x.shape[2:], out_shape[2:]
        base = node.name
        if all(i % o == 0 for i, o in zip(ins, outs)):
            # Uniform windows: a sum pooling with kernel = stride = in / out.
            k = tuple(i // o for i, o in zip(ins, outs))
            init = self.zeros(base + "_sum", out_shape)
            win = self.emit(base + "_window", "tensor.empty() : %s" % _ttype(k))
            attrs = "{dilations = %s, strides = %s}" % (_i64_dense((1, 1)), _i64_dense(k))
            total = _Value(self.emit(base + "_sum", "linalg.pooling_nchw_sum %s ins(%s, %s : %s, %s) "
                                     "outs(%s : %s) -> %s"
                                     % (attrs, x.name, win, x.type, _ttype(k), init,
                                        _ttype(out_shape), _ttype(out_shape)), loc=name), out_shape)
            return self.divide(base, total, float(k[0] * k[1]), base)
        # General windows (PyTorch's start = floor(o * in / out), end =
        # ceil((o + 1) * in / out)): a reduction over H x W that adds the
        # elements of each output position's window, chosen by two 0/1 masks.
        masks, counts = [], []
        for n_in, n_out in zip(ins, outs):
            m = np.zeros((n_out, n_in), dtype=np.float32)
            for o in range(n_out):
                start = (o * n_in) // n_out
                end = -((-(o + 1) * n_in) // n_out)
                m[o, start:end] = 1.0
            masks.append(self.const(torch.from_numpy(m), "%s.mask_%s" % (name, "hw"[len(masks)])))
            counts.append(m.sum(axis=1))
        init = self.zeros(base + "_sum", out_shape)
        maps = [_amap(6, ["d0", "d1", "d4", "d5"]), _amap(6, ["d2", "d4"]), _amap(6, ["d3", "d5"]),
                _amap(6, ["d0", "d1", "d2", "d3"])]
        text = self.generic_text(maps, 6, [x] + masks, init, out_shape,
                                 ["%lo = arith.constant 0.0 : f32",
                                  "%t0 = arith.mulf %in_1, %in_2 : f32",
                                  "%t1 = arith.cmpf one, %t0, %lo : f32",
                                  "%t2 = arith.addf %out, %in : f32",
                                  "%t3 = arith.select %t1, %t2, %out : f32"], "%t3",
                                 iters=["parallel"] * 4 + ["reduction"] * 2)
        total = _Value(self.emit(base + "_sum", text, loc=name), out_shape)
        return self.divide(base, total, np.outer(counts[0], counts[1]), base)

    def mean(self, node, x, dims, keepdim, divide=True):
        """torch.mean, or torch.sum without `divide`: a reduction generic
        adding over `dims` (all when None or empty), then the division by the
        count, then the kept axes restored with `keepdim`."""
        what = "mean" if divide else "sum"
        out_shape = self.out_shape(node)
        rank = len(x.shape)
        if dims is None or (isinstance(dims, (list, tuple)) and len(dims) == 0):
            dims = list(range(rank))
        dims = [dims] if isinstance(dims, int) else list(dims)
        if any(isinstance(d, bool) or not isinstance(d, int) or not -rank <= d < rank for d in dims):
            raise self.error("%s: bad dim %r for a tensor of rank %d" % (what, dims, rank))
        dims = sorted({d % rank for d in dims})
        kept = [i for i in range(rank) if i not in dims]
        red_shape = tuple(x.shape[i] for i in kept)
        base = node.name
        init = self.zeros(base + "_sum", red_shape)
        iters = ["reduction" if i in dims else "parallel" for i in range(rank)]
        text = self.generic_text([_ident_map(rank), _amap(rank, ["d%d" % i for i in kept])], rank,
                                 [x], init, red_shape, ["%res = arith.addf %in, %out : f32"], "%res",
                                 iters=iters)
        total = _Value(self.emit(base + "_sum", text, loc=self.layer_name(node)), red_shape)
        y = total
        if divide:
            count = int(np.prod([x.shape[i] for i in dims]))
            y = self.divide(base, total, float(count), base + "_mean" if keepdim else base)
        if keepdim:
            if not kept:
                y = _Value(self.emit(base, "tensor.expand_shape %s [] output_shape [%s] : %s into %s"
                                     % (y.name, ", ".join(map(str, out_shape)), y.type,
                                        _ttype(out_shape))), out_shape)
            else:
                # Each kept axis with the reduced axes after it (the first group
                # also takes the leading reduced axes).
                groups, cur = [], []
                for i in range(rank):
                    cur.append(i)
                    if i in kept:
                        nxt = kept.index(i) + 1
                        if nxt == len(kept):
                            cur += list(range(i + 1, rank))
                            groups.append(cur)
                            break
                        groups.append(cur)
                        cur = []
                y = _Value(self.emit(base, "tensor.expand_shape %s %s output_shape [%s] : %s into %s"
                                     % (y.name, _fmt_reassoc(groups), ", ".join(map(str, out_shape)),
                                        y.type, _ttype(out_shape))), out_shape)
        if y.shape != out_shape:
            raise self.error("internal: %s result shape %s != traced %s"
                             % (what, list(y.shape), list(out_shape)))
        return y

    def cat(self, node, items, dim):
        out_shape = self.out_shape(node)
        if not isinstance(items, (list, tuple)) or not items:
            raise self.error("cat expects a non-empty list of tensors")
        vals = [self.tensor(t, "cat operand") for t in items]
        rank = len(out_shape)
        if not isinstance(dim, int) or not -rank <= dim < rank:
            raise self.error("cat: bad dim %r for rank %d" % (dim, rank))
        dim %= rank
        for i, v in enumerate(vals):
            if len(v.shape) != rank or any(v.shape[d] != out_shape[d] for d in range(rank) if d != dim):
                raise self.error("cat operand %d has shape %s, which does not fit the result %s"
                                 % (i, list(v.shape), list(out_shape)))
        if sum(v.shape[dim] for v in vals) != out_shape[dim]:
            raise self.error("internal: cat sizes %s != traced %d"
                             % ([v.shape[dim] for v in vals], out_shape[dim]))
        if len(vals) == 1:
            return vals[0]
        return _Value(self.emit(node.name, "tensor.concat dim(%d) %s : (%s) -> %s"
                                % (dim, ", ".join(v.name for v in vals),
                                   ", ".join(v.type for v in vals), _ttype(out_shape)),
                                loc=self.layer_name(node)), out_shape)

    def relu(self, node, x):
        out_shape = self.out_shape(node)
        rank = len(x.shape)
        e = self.empty(node.name, x.shape)
        text = self.generic_text([_ident_map(rank)] * 2, rank, [x], e, x.shape,
                                 ["%cst = arith.constant 0.0 : f32",
                                  "%res = arith.maximumf %in, %cst : f32"], "%res")
        y = _Value(self.emit(node.name, text, loc=self.layer_name(node)), x.shape)
        assert y.shape == out_shape
        return y

    def binary(self, node, kind, a, b, alpha=1):
        out_elt = self.out_elt(node)
        if out_elt in ("i64", "i32") and kind in ("add", "sub", "mul") and alpha == 1:
            # Integer arithmetic on ids (PyTorch wraps around, as arith does).
            op = {"add": "arith.addi", "sub": "arith.subi", "mul": "arith.muli"}[kind]
            return self.nary(node, [a, b], out_elt, out_elt, lambda n: (
                ["%%res = %s %s, %s : %s" % (op, n[0], n[1], out_elt)], "%res"), "operand")
        out_shape = self.out_shape(node)
        if alpha != 1:
            if kind not in ("add", "sub"):
                raise self.error("alpha is only valid for add/sub")
            if self.is_tensor_node(b) or isinstance(b, torch.Tensor):
                raise self.error("add/sub with alpha != 1 of two tensors is not supported")
            b = b * alpha
        body = lambda n: (["%%res = %s %s, %s : f32" % (_ARITH[kind], n[0], n[1])],  # noqa: E731
                          "%res")
        tensors = [self.tensor(v, "operand", None) for v in (a, b)
                   if self.scalar_operand(v) is None]
        if any(v.elt != "f32" for v in tensors):
            # An id or mask tensor in float arithmetic: converted as PyTorch
            # promotes it.
            return self.nary(node, [a, b], "f32", "f32", body, "operand")
        for v in (a, b):
            if isinstance(self.scalar_operand(v), bool):
                raise self.error("unsupported operand %r" % (self.pyval(v),))
        if kind == "add" and len(tensors) == 2 and \
                tensors[0].shape == tensors[1].shape == out_shape:
            e = self.empty(node.name, out_shape)
            t = _ttype(out_shape)
            return _Value(self.emit(node.name, "linalg.add ins(%s, %s : %s, %s) outs(%s : %s) -> %s"
                                    % (tensors[0].name, tensors[1].name, t, t, e, t, t),
                                    loc=self.layer_name(node)), out_shape)
        return self.nary(node, [a, b], "f32", "f32", body, "operand")

    def reshape(self, node, x):
        out_shape = self.out_shape(node, None)
        if int(np.prod(out_shape)) != int(np.prod(x.shape)):
            raise self.error("reshape of %s to %s changes the element count" % (list(x.shape), list(out_shape)))
        if tuple(out_shape) == x.shape:
            return x
        src, dst = x.shape, out_shape
        if len(dst) < len(src):
            groups = _reassociation(src, dst)
            if groups is not None:
                return _Value(self.emit(node.name, "tensor.collapse_shape %s %s : %s into %s"
                                        % (x.name, _fmt_reassoc(groups), x.type,
                                           _ttype(dst, x.elt))), dst, x.elt)
        elif len(dst) > len(src):
            groups = _reassociation(dst, src)
            if groups is not None:
                return _Value(self.emit(node.name, "tensor.expand_shape %s %s output_shape [%s] : %s into %s"
                                        % (x.name, _fmt_reassoc(groups), ", ".join(map(str, dst)),
                                           x.type, _ttype(dst, x.elt))), dst, x.elt)
        # Neither a pure collapse nor a pure expand: through 1-D.
        n = int(np.prod(src))
        flat = x
        if len(src) != 1:
            flat = _Value(self.emit(node.name + "_flat", "tensor.collapse_shape %s [%s] : %s into %s"
                                    % (x.name, "[" + ", ".join(map(str, range(len(src)))) + "]",
                                       x.type, _ttype((n,), x.elt))), (n,), x.elt)
        if len(dst) == 1:
            return flat
        return _Value(self.emit(node.name, "tensor.expand_shape %s [%s] output_shape [%s] : %s into %s"
                                % (flat.name, "[" + ", ".join(map(str, range(len(dst)))) + "]",
                                   ", ".join(map(str, dst)), flat.type, _ttype(dst, x.elt))),
                      dst, x.elt)

    # ---- transformer ops -------------------------------------------------

    def axis(self, dim, rank, what):
        """A Python dim argument as an axis in [0, rank)."""
        if isinstance(dim, bool) or not isinstance(dim, int) or not -rank <= dim < rank:
            raise self.error("%s: bad dim %r for a tensor of rank %d" % (what, dim, rank))
        return dim % rank

    def reduce(self, base, x, dims, init, body, yielded, extra=(), loc=None):
        """A linalg.generic reducing x over the axes `dims` into a tensor of the
        other axes filled with `init` (an f32 SSA value); `extra` are inputs of
        that reduced shape, read along the kept axes."""
        rank = len(x.shape)
        kept = [i for i in range(rank) if i not in dims]
        shape = tuple(x.shape[i] for i in kept)
        out = self.filled(base + "_init", shape, init)
        kept_map = _amap(rank, ["d%d" % i for i in kept])
        maps = [_ident_map(rank)] + [kept_map] * len(extra) + [kept_map]
        iters = ["reduction" if i in dims else "parallel" for i in range(rank)]
        text = self.generic_text(maps, rank, [x] + list(extra), out, shape, body, yielded,
                                 iters=iters)
        return _Value(self.emit(base, text, loc=loc), shape)

    def elementwise(self, base, ins, maps, shape, body, yielded, loc=None):
        """An elementwise linalg.generic of `shape` reading `ins` through `maps`."""
        rank = len(shape)
        e = self.empty(base, shape)
        text = self.generic_text(list(maps) + [_ident_map(rank)], rank, ins, e, shape, body,
                                 yielded)
        return _Value(self.emit(base, text, loc=loc), shape)

    # ---- ids, masks and conversions ----------------------------------------

    def scalar_operand(self, arg):
        """A Python number (or bool) operand, or None when `arg` is a tensor."""
        if self.is_tensor_node(arg) or isinstance(arg, (torch.Tensor, _Value)):
            return None
        val = self.pyval(arg)
        if not isinstance(val, (bool, int, float)):
            raise self.error("unsupported operand %r (a tensor or a number was expected)" % (val,))
        return val

    def nary(self, node, args, compute, out_elt, make_body, what):
        """An elementwise linalg.generic of the node's shape over tensor and
        number operands `args`: tensors broadcast (a size-1 axis read with map
        result 0), each converted to the element type `compute` (one for all,
        or a list of one per operand) in the body, numbers as constants of
        that type; make_body(operand names) returns (body lines, yielded
        name) producing an `out_elt`."""
        out_shape = self.out_shape(node, (out_elt,))
        rank = len(out_shape)
        tensors, maps, names, body = [], [], [], []
        computes = [compute] * len(args) if isinstance(compute, str) else list(compute)
        for arg, compute in zip(args, computes):
            val = self.scalar_operand(arg)
            if val is not None:
                count = sum(n.startswith("%cst") for n in names)
                cname = "%cst_{}".format(count) if count else "%cst"
                body.append("%s = arith.constant %s : %s" % (cname, _fmt_const(val, compute),
                                                              compute))
                names.append(cname)
                continue
            v = self.tensor(arg, what, None)
            res = []
            for i, d in enumerate(v.shape):
                od = rank - len(v.shape) + i
                if od < 0:
                    raise self.error("cannot broadcast shape %s to %s" % (list(v.shape), list(out_shape)))
                res.append("d%d" % od if d == out_shape[od] else "0" if d == 1 else None)
                if res[-1] is None:
                    raise self.error("cannot broadcast shape %s to %s" % (list(v.shape), list(out_shape)))
            maps.append(_amap(rank, res))
            name = "%" + _in_name(len(tensors))
            if v.elt != compute:
                conv = "%%cv%d" % len(tensors)
                body += _convert(name, v.elt, compute, conv)
                name = conv
            tensors.append(v)
            names.append(name)
        if not tensors:
            raise self.error("no tensor operand")
        lines, yielded = make_body(names)
        maps.append(_ident_map(rank))
        e = self.empty(node.name, out_shape, out_elt)
        text = self.generic_text(maps, rank, tensors, e, out_shape, body + lines, yielded,
                                 out_elt=out_elt)
        return _Value(self.emit(node.name, text, loc=self.layer_name(node)), out_shape, out_elt)

    def promoted(self, args):
        """The element type PyTorch computes a comparison of `args` in (f32 if
        any operand is a float tensor or number, else the widest integer)."""
        elts = set()
        for a in args:
            val = self.scalar_operand(a)
            if val is None:
                elts.add(self.tensor(a, "operand", None).elt)
            elif isinstance(val, float):
                elts.add("f32")
        for e in ("f32", "i64", "i32", "i1"):
            if e in elts:
                return e
        return "i64"

    def compare(self, node, kind, a, b):
        """==, !=, <, <=, >, >= of tensors or numbers: a boolean tensor."""
        compute = self.promoted([a, b])
        if compute == "i1" and kind not in ("eq", "ne"):
            raise self.error("ordering comparison of boolean tensors is not supported")
        if compute == "f32":
            op = "arith.cmpf %s" % {"eq": "oeq", "ne": "une", "lt": "olt", "le": "ole",
                                     "gt": "ogt", "ge": "oge"}[kind]
        else:
            op = "arith.cmpi %s" % {"eq": "eq", "ne": "ne", "lt": "slt", "le": "sle", "gt": "sgt",
                                     "ge": "sge"}[kind]
        return self.nary(node, [a, b], compute, "i1", lambda n: (
            ["%%res = %s, %s, %s : %s" % (op, n[0], n[1], compute)], "%res"), "comparison operand")

    def logical(self, node, kind, args, any_elt):
        """not / and / or / xor of boolean tensors; with `any_elt` (the
        logical_* functions) any tensor converts to bool (x != 0)."""
        for a in args:
            if not any_elt and self.scalar_operand(a) is None and \
                    self.tensor(a, "operand", None).elt != "i1":
                raise self.error("bitwise ~, &, |, ^ of a %s tensor is not supported (only of "
                                 "bool tensors)" % _DTYPE_NAME[self.tensor(a, "operand", None).elt])
        if kind == "not":
            return self.nary(node, args, "i1", "i1", lambda n: (
                ["%t0 = arith.constant true", "%%res = arith.xori %s, %%t0 : i1" % n[0]], "%res"),
                "operand")
        op = {"and": "arith.andi", "or": "arith.ori", "xor": "arith.xori"}[kind]
        return self.nary(node, args, "i1", "i1", lambda n: (
            ["%%res = %s %s, %s : i1" % (op, n[0], n[1])], "%res"), "operand")

    def cast(self, node, x):
        """x.float() / .long() / .int() / .bool() / .to(dtype) / .type_as(y)."""
        out_elt = self.out_elt(node)
        if out_elt is None:
            raise self.error("conversion to %s is not supported (float32, int64, int32 and bool "
                             "are)" % getattr(node.meta.get("tensor_meta"), "dtype", "no tensor"))
        v = self.tensor(x, "input", None)
        if v.elt == out_elt:
            return v
        return self.nary(node, [x], out_elt, out_elt, lambda n: ([], n[0]), "input")

    def masked_fill(self, node, x, mask, value):
        """x.masked_fill(mask, value): value where the (broadcast) mask is true."""
        val = self.scalar_operand(value)
        if val is None:
            vv = self.pyvals.get(value) if isinstance(value, torch.fx.Node) else value
            if isinstance(vv, torch.Tensor) and vv.dim() == 0:
                val = vv.item()
            else:
                raise self.error("masked_fill with a tensor value is not supported (a number or a "
                                 "0-d constant is)")
        return self.where(node, mask, val, x)

    def where(self, node, cond, a, b):
        """torch.where(cond, a, b) with tensors or numbers a, b."""
        if self.scalar_operand(cond) is not None:
            raise self.error("the condition of where/masked_fill must be a tensor")
        if self.tensor(cond, "condition", None).elt != "i1":
            raise self.error("the condition of where/masked_fill must be a bool tensor (compare "
                             "or convert it with .bool())")
        elt = self.out_elt(node) or "f32"  # else out_shape names the dtype
        return self.nary(node, [cond, a, b], ["i1", elt, elt], elt, lambda n: (
            ["%%res = arith.select %s, %s, %s : %s" % (n[0], n[1], n[2], elt)], "%res"),
            "where operand")

    def expand(self, node, x):
        """x.expand(sizes) / expand_as(y) / broadcast_to of a tensor that is
        not constant: an elementwise copy reading size-1 axes at 0."""
        v = self.tensor(x, "input", None)
        return self.nary(node, [x], v.elt, v.elt, lambda n: ([], n[0]), "input")

    def attention_mask(self, node, scores, mask):
        """_attention_mask(scores, mask): PyTorch's attn_mask of (L, S) or
        (N * heads, L, S) on scores of (N, heads, L, S): a bool mask as -inf
        where it is true, a float mask added."""
        s = self.tensor(scores, "scores")
        m = self.tensor(mask, "attn_mask", ("f32", "i1"))
        if len(m.shape) == 3:
            shape = s.shape
            m = _Value(self.emit(node.name + "_mask", "tensor.expand_shape %s [[0, 1], [2], [3]] "
                                 "output_shape [%s] : %s into %s"
                                 % (m.name, ", ".join(map(str, shape)), m.type,
                                    _ttype(shape, m.elt))), shape, m.elt)
        if m.elt == "i1":
            return self.nary(node, [m, float("-inf"), s], ["i1", "f32", "f32"], "f32", lambda n: (
                ["%%res = arith.select %s, %s, %s : f32" % tuple(n)], "%res"), "attn_mask")
        return self.nary(node, [s, m], "f32", "f32", lambda n: (
            ["%%res = arith.addf %s, %s : f32" % tuple(n)], "%res"), "attn_mask")

    def embedding(self, node, name, ids, weight, max_norm=None):
        """nn.Embedding / F.embedding: a linalg.generic over ids' axes and the
        embedding axis whose body reads row `id` of the table
        (tensor.extract). An id outside [0, rows) reads row 0 and yields NaN
        (PyTorch raises IndexError): a bad id cannot read outside the table,
        and the NaN it leaves in the output shows it."""
        if max_norm is not None:
            raise self.error("embedding with max_norm is not supported (it renormalizes the "
                             "table in place)")
        if weight.dim() != 2:
            raise self.error("embedding table must be 2-D, got shape %s" % list(weight.shape))
        idv = self.tensor(ids, "ids", ("i64", "i32"))
        out_shape = self.out_shape(node)
        rows = int(weight.shape[0])
        table = self.const(weight, name + ".weight")
        r = len(idv.shape)
        e = self.empty(node.name, out_shape)
        it = idv.elt
        body = ["%%t0 = arith.constant 0 : %s" % it,
                "%%t1 = arith.constant %d : %s" % (rows, it),
                "%%t2 = arith.cmpi sge, %%in, %%t0 : %s" % it,
                "%%t3 = arith.cmpi slt, %%in, %%t1 : %s" % it,
                "%t4 = arith.andi %t2, %t3 : i1",
                "%%t5 = arith.select %%t4, %%in, %%t0 : %s" % it,
                "%%i0 = arith.index_cast %%t5 : %s to index" % it,
                "%%i1 = linalg.index %d : index" % r,
                "%%t6 = tensor.extract %s[%%i0, %%i1] : %s" % (table.name, table.type),
                "%cst = arith.constant 0x7FC00000 : f32",
                "%res = arith.select %t4, %t6, %cst : f32"]
        maps = [_amap(r + 1, ["d%d" % i for i in range(r)]), _ident_map(r + 1)]
        text = self.generic_text(maps, r + 1, [idv], e, out_shape, body, "%res")
        return _Value(self.emit(node.name, text, loc=name), out_shape)

    def tanh(self, node, x):
        return self.unary(node, x, ["%res = math.tanh %in : f32"], "%res")

    def gelu(self, node, x, approximate):
        """PyTorch's CPU formulas: x * 0.5 * (1 + erf(x / sqrt(2))), or with
        approximate='tanh' 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))."""
        if approximate == "none":
            body = ["%%rsqrt2 = arith.constant %s : f32" % _fmt_f32(np.float32(math.sqrt(0.5))),
                    "%half = arith.constant 0.5 : f32",
                    "%one = arith.constant 1.0 : f32",
                    "%t0 = arith.mulf %in, %rsqrt2 : f32",
                    "%t1 = math.erf %t0 : f32",
                    "%t2 = arith.addf %one, %t1 : f32",
                    "%t3 = arith.mulf %in, %half : f32",
                    "%t4 = arith.mulf %t3, %t2 : f32"]
            return self.unary(node, x, body, "%t4")
        if approximate == "tanh":
            body = ["%%beta = arith.constant %s : f32"
                    % _fmt_f32(np.float32(math.sqrt(2.0) * 2.0 / math.sqrt(math.pi) * 0.5)),
                    "%kappa = arith.constant 0.044715 : f32",
                    "%half = arith.constant 0.5 : f32",
                    "%one = arith.constant 1.0 : f32",
                    "%t0 = arith.mulf %in, %in : f32",
                    "%t1 = arith.mulf %t0, %in : f32",
                    "%t2 = arith.mulf %t1, %kappa : f32",
                    "%t3 = arith.addf %in, %t2 : f32",
                    "%t4 = arith.mulf %t3, %beta : f32",
                    "%t5 = math.tanh %t4 : f32",
                    "%t6 = arith.addf %one, %t5 : f32",
                    "%t7 = arith.mulf %in, %half : f32",
                    "%res = arith.mulf %t7, %t6 : f32"]
            return self.unary(node, x, body, "%res")
        raise self.error("gelu approximate=%r is not supported ('none' or 'tanh')" % (approximate,))

    def layer_norm(self, node, name, x, normalized_shape, weight, bias, eps):
        """Over the last len(normalized_shape) axes: mean, then the mean of the
        squared deviations (as PyTorch's CPU kernel, no running sums), then
        (x - mean) * (1 / sqrt(var + eps)) * weight + bias in one elementwise
        linalg.generic, which carries the layer's name."""
        out_shape = self.out_shape(node)
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        rank, k = len(x.shape), len(ns)
        if k == 0 or k > rank or tuple(x.shape[rank - k:]) != tuple(int(d) for d in ns):
            raise self.error("layer_norm: normalized_shape %s does not end the input shape %s"
                             % (list(ns), list(x.shape)))
        for t, what in ((weight, "weight"), (bias, "bias")):
            if t is not None and tuple(t.shape) != tuple(ns):
                raise self.error("layer_norm %s has shape %s, expected %s"
                                 % (what, list(t.shape), list(ns)))
        dims = list(range(rank - k, rank))
        count = _fmt_f32(np.float32(int(np.prod(ns))))
        base = node.name
        zero = self.zero_f32()
        total = self.reduce(base + "_sum", x, dims, zero,
                            ["%res = arith.addf %in, %out : f32"], "%res")
        kept_map = _amap(rank, ["d%d" % i for i in range(rank - k)])
        mean = self.elementwise(base + "_mean", [total], [_ident_map(len(total.shape))],
                                total.shape, ["%%count = arith.constant %s : f32" % count,
                                              "%res = arith.divf %in, %count : f32"], "%res")
        sq = self.reduce(base + "_sqsum", x, dims, zero,
                         ["%t0 = arith.subf %in, %in_1 : f32",
                          "%t1 = arith.mulf %t0, %t0 : f32",
                          "%res = arith.addf %t1, %out : f32"], "%res", extra=[mean])
        rstd = self.elementwise(base + "_rstd", [sq], [_ident_map(len(sq.shape))], sq.shape,
                                ["%%count = arith.constant %s : f32" % count,
                                 "%%eps = arith.constant %s : f32" % _fmt_f32(np.float32(eps)),
                                 "%one = arith.constant 1.0 : f32",
                                 "%t0 = arith.divf %in, %count : f32",
                                 "%t1 = arith.addf %t0, %eps : f32",
                                 "%t2 = math.sqrt %t1 : f32",
                                 "%res = arith.divf %one, %t2 : f32"], "%res")
        ins, maps = [x, mean, rstd], [_ident_map(rank), kept_map, kept_map]
        body = ["%t0 = arith.subf %in, %in_1 : f32", "%t1 = arith.mulf %t0, %in_2 : f32"]
        cur = "%t1"
        affine_map = _amap(rank, ["d%d" % i for i in dims])
        for t, what, op in ((weight, "weight", "arith.mulf"), (bias, "bias", "arith.addf")):
            if t is None:
                continue
            ins.append(self.const(t, name + "." + what))
            maps.append(affine_map)
            nxt = "%%t%d" % (len(body))
            body.append("%s = %s %s, %%%s : f32" % (nxt, op, cur, _in_name(len(ins) - 1)))
            cur = nxt
        y = self.elementwise(base, ins, maps, x.shape, body, cur, loc=self.layer_name(node))
        if y.shape != out_shape:
            raise self.error("internal: layer_norm result shape %s != traced %s"
                             % (list(y.shape), list(out_shape)))
        return y

    def softmax(self, node, x, dim):
        """exp(x - max) / sum(exp(x - max)) along `dim`, as PyTorch's CPU kernel."""
        rank = len(x.shape)
        if rank == 0:
            raise self.error("softmax of a 0-d tensor is not supported")
        d = self.axis(dim, rank, "softmax")
        base = node.name
        kept_map = _amap(rank, ["d%d" % i for i in range(rank) if i != d])
        mx = self.reduce(base + "_max", x, [d], self.neg_inf_f32(),
                         ["%res = arith.maximumf %in, %out : f32"], "%res")
        ex = self.elementwise(base + "_exp", [x, mx], [_ident_map(rank), kept_map], x.shape,
                              ["%t0 = arith.subf %in, %in_1 : f32",
                               "%res = math.exp %t0 : f32"], "%res")
        total = self.reduce(base + "_sum", ex, [d], self.zero_f32(),
                            ["%res = arith.addf %in, %out : f32"], "%res")
        return self.elementwise(base, [ex, total], [_ident_map(rank), kept_map], x.shape,
                                ["%res = arith.divf %in, %in_1 : f32"], "%res",
                                loc=self.layer_name(node))

    def matmul(self, node, a, b):
        """torch.matmul / bmm of two tensors of rank >= 2 (batch axes
        broadcast): a linalg.generic contracting a's last axis with b's
        second last into a zero-filled result. (A linear layer is F.linear /
        nn.Linear with a constant weight; this is the product of two
        activations, attention's scores and context.)"""
        out_shape = self.out_shape(node)
        if len(a.shape) < 2 or len(b.shape) < 2:
            raise self.error("matmul of a 1-D tensor is not supported (shapes %s, %s)"
                             % (list(a.shape), list(b.shape)))
        if a.shape[-1] != b.shape[-2]:
            raise self.error("matmul shapes %s and %s do not fit" % (list(a.shape), list(b.shape)))
        rank = len(out_shape)
        red = "d%d" % rank
        maps = []
        for v, last in ((a, ["d%d" % (rank - 2), red]), (b, [red, "d%d" % (rank - 1)])):
            res = []
            nb = len(v.shape) - 2
            for i in range(nb):
                od = rank - 2 - nb + i
                if v.shape[i] == out_shape[od]:
                    res.append("d%d" % od)
                elif v.shape[i] == 1:
                    res.append("0")
                else:
                    raise self.error("matmul: cannot broadcast %s to %s"
                                     % (list(v.shape), list(out_shape)))
            maps.append(_amap(rank + 1, res + last))
        maps.append(_amap(rank + 1, ["d%d" % i for i in range(rank)]))
        init = self.zeros(node.name, out_shape)
        iters = ["parallel"] * rank + ["reduction"]
        text = self.generic_text(maps, rank + 1, [a, b], init, out_shape,
                                 ["%t0 = arith.mulf %in, %in_1 : f32",
                                  "%res = arith.addf %out, %t0 : f32"], "%res", iters=iters)
        return _Value(self.emit(node.name, text, loc=self.layer_name(node)), out_shape)

    def permute(self, node, x, perm):
        """linalg.transpose: result axis i is input axis perm[i]."""
        out_shape = self.out_shape(node, None)
        rank = len(x.shape)
        perm = [self.axis(p, rank, "permute") for p in perm]
        if sorted(perm) != list(range(rank)):
            raise self.error("permute: %s is not a permutation of %d axes" % (perm, rank))
        if perm == list(range(rank)):
            return x
        e = self.empty(node.name, out_shape, x.elt)
        return _Value(self.emit(node.name, "linalg.transpose ins(%s : %s) outs(%s : %s) "
                                "permutation = [%s]" % (x.name, x.type, e, _ttype(out_shape, x.elt),
                                                        ", ".join(map(str, perm)))), out_shape,
                      x.elt)

    def transpose_args(self, node, x, target, args):
        """The permutation of transpose(d0, d1), permute(*dims) or t()."""
        rank = len(x.shape)
        if target == "t":
            if rank > 2:
                raise self.error("t() of a tensor of rank %d" % rank)
            return list(range(rank))[::-1]
        if target == "permute":
            dims = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
            return list(dims)
        if len(args) != 2:
            raise self.error("transpose takes two dims, got %r" % (args,))
        d0, d1 = (self.axis(d, rank, "transpose") for d in args)
        perm = list(range(rank))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return perm

    def pieces(self, node, kind):
        """chunk, split, tensor_split or unbind (`kind`) of a tensor: a _Pieces
        whose sizes are those PyTorch gave on the example inputs."""
        names = {"chunk": ["self", "chunks", "dim"], "split": ["self", "split_size", "dim"],
                 "tensor_split": ["self", "sections", "dim"], "unbind": ["self", "dim"]}[kind]
        a = self.args_of(node, names, {"dim": 0})
        x = self.tensor(a.get("self", a.get("input", a.get("tensor"))), "input", None)
        dim = self.axis(self.pyval(a["dim"]), len(x.shape), kind)
        metas = node.meta.get("tensor_meta")
        if not isinstance(metas, (tuple, list)) or not all(hasattr(m, "shape") for m in metas):
            raise self.error("no shapes recorded for the pieces of %s" % kind)
        squeeze = kind == "unbind"
        sizes = [1 if squeeze else int(m.shape[dim]) for m in metas]
        offsets = [sum(sizes[:i]) for i in range(len(sizes))]
        return _Pieces(x, dim, offsets, sizes, squeeze)

    def piece(self, node, pieces, i):
        """Piece `i` of a chunk/split/unbind: getitem's slice (or integer,
        for unbind) along the split axis."""
        whole = node.args[0].name
        if isinstance(i, bool) or not isinstance(i, int):
            raise self.error("the %d pieces of '%s' indexed by %r; an integer index (or "
                             "unpacking) is supported" % (len(pieces.sizes), whole, i))
        if not -len(pieces.sizes) <= i < len(pieces.sizes):
            raise self.error("index %d out of range for the %d pieces of '%s'"
                             % (i, len(pieces.sizes), whole))
        i %= len(pieces.sizes)
        at = pieces.offsets[i]
        sel = at if pieces.squeeze else slice(at, at + pieces.sizes[i])
        return self.getitem(node, pieces.x, (slice(None),) * pieces.dim + (sel,))

    def getitem(self, node, x, index):
        """Basic indexing: slices (positive steps), integers, None (a new axis
        of size 1) and one Ellipsis, as a tensor.extract_slice whose result
        drops the integer-indexed axes, then a tensor.expand_shape for the
        new axes."""
        out_shape = self.out_shape(node, None)
        rank = len(x.shape)
        index = list(index) if isinstance(index, tuple) else [index]
        if sum(i is Ellipsis for i in index) > 1:
            raise self.error("an index with more than one Ellipsis")
        real = sum(i is not None and i is not Ellipsis for i in index)
        if Ellipsis in index:
            at = index.index(Ellipsis)
            index[at:at + 1] = [slice(None)] * max(0, rank - real)
            real = sum(i is not None for i in index)
        if real > rank:
            raise self.error("too many indices (%d) for a tensor of rank %d" % (real, rank))
        index += [slice(None)] * (rank - real)
        offsets, sizes, strides, kept = [], [], [], []
        axis = 0
        for i in index:
            if i is None:
                continue
            n = x.shape[axis]
            if isinstance(i, bool) or not isinstance(i, (int, slice)):
                raise self.error("index %r is not supported (slices, integers, None and one "
                                 "Ellipsis)" % (i,))
            if isinstance(i, int):
                if not -n <= i < n:
                    raise self.error("index %d out of range for axis %d of size %d" % (i, axis, n))
                offsets.append(i % n)
                sizes.append(1)
                strides.append(1)
                axis += 1
                continue
            start, stop, step = i.indices(n)
            if step <= 0:
                raise self.error("slice step %d is not supported (positive steps only)" % step)
            offsets.append(start)
            sizes.append(max(0, (stop - start + step - 1) // step))
            strides.append(step)
            kept.append(sizes[-1])
            axis += 1
        y = x
        if not (all(o == 0 for o in offsets) and tuple(sizes) == x.shape and
                all(s == 1 for s in strides)):
            y = _Value(self.emit(node.name + ("_slice" if None in index else ""),
                                 "tensor.extract_slice %s[%s] [%s] [%s] : %s to %s"
                                 % (x.name, ", ".join(map(str, offsets)),
                                    ", ".join(map(str, sizes)), ", ".join(map(str, strides)),
                                    x.type, _ttype(kept, x.elt))), kept, x.elt)
        if tuple(y.shape) == tuple(out_shape):
            return y
        return self.reshape(node, y)

    # ---- dispatch --------------------------------------------------------

    def maybe_inplace(self, node):
        """Whether the node may mutate an operand (then it is exported even
        when its result is unused, so that check_inplace sees it)."""
        if node.op == "call_method":
            return str(node.target).endswith("_")
        if node.op == "call_module":
            return bool(getattr(self.gm.get_submodule(node.target), "inplace", False))
        if node.op == "call_function":
            name = getattr(node.target, "__name__", "")
            return name.endswith("_") or bool(node.kwargs.get("inplace", False)) or (
                node.target in _RELU_FUNCS and len(node.args) > 1 and node.args[1] is True)
        return False

    def layer_name(self, node):
        return str(node.target) if node.op == "call_module" else node.name

    @staticmethod
    def args_of(node, names, defaults):
        """Positional + keyword arguments of a call as a dict."""
        out = dict(defaults)
        for n, a in zip(names, node.args):
            out[n] = a
        if len(node.args) > len(names):
            raise ExportError("node '%s': too many arguments" % node.name)
        out.update(node.kwargs)
        return out

    def export_node(self, node):
        op, target = node.op, node.target
        if op == "call_module":
            mod = self.gm.get_submodule(target)
            if isinstance(mod, nn.Linear):
                x = self.tensor(node.args[0], "input")
                return self.linear(node, target, x, mod.weight, mod.bias)
            if type(mod) in _CONV_MODULES:
                nd = _CONV_MODULES[type(mod)]
                if mod.padding_mode != "zeros":
                    raise self.error("padding_mode=%r is not supported (only 'zeros')" % mod.padding_mode)
                x = self.tensor(node.args[0], "input")
                return self.conv(node, target, nd, x, mod.weight, mod.bias, mod.stride,
                                 mod.padding, mod.dilation, mod.groups)
            if isinstance(mod, nn.ReLU):
                if mod.inplace:
                    self.check_inplace(node, node.args[0])
                return self.relu(node, self.tensor(node.args[0], "input"))
            if isinstance(mod, nn.Flatten):
                return self.reshape(node, self.tensor(node.args[0], "input", None))
            if isinstance(mod, (nn.Identity,) + _DROPOUT_MODULES):
                return self.tensor(node.args[0], "input")
            if isinstance(mod, nn.modules.batchnorm._BatchNorm):
                if mod.training:
                    raise self.error("%s is in training mode (it would use and update batch "
                                     "statistics); call model.eval() before exporting"
                                     % type(mod).__name__)
                if mod.running_mean is None or mod.running_var is None:
                    raise self.error("%s has no running statistics (track_running_stats=False "
                                     "normalizes with batch statistics)" % type(mod).__name__)
                x = self.tensor(node.args[0], "input")
                return self.batchnorm(node, target, x, mod.running_mean, mod.running_var,
                                      mod.weight, mod.bias, mod.eps)
            if isinstance(mod, nn.Hardtanh):  # also ReLU6
                if mod.inplace:
                    self.check_inplace(node, node.args[0])
                return self.clamp(node, self.tensor(node.args[0], "input"), mod.min_val, mod.max_val)
            if type(mod) in _ACTIVATION_MODULES:
                if getattr(mod, "inplace", False):
                    self.check_inplace(node, node.args[0])
                return self.activation(node, _ACTIVATION_MODULES[type(mod)],
                                       self.tensor(node.args[0], "input"))
            if isinstance(mod, nn.MaxPool2d):
                return self.max_pool2d(node, target, self.tensor(node.args[0], "input"),
                                       mod.kernel_size, mod.stride, mod.padding, mod.dilation,
                                       mod.ceil_mode, mod.return_indices)
            if isinstance(mod, nn.AvgPool2d):
                return self.avg_pool2d(node, target, self.tensor(node.args[0], "input"),
                                       mod.kernel_size, mod.stride, mod.padding, mod.ceil_mode,
                                       mod.count_include_pad, mod.divisor_override)
            if isinstance(mod, nn.AdaptiveAvgPool2d):
                return self.adaptive_avg_pool2d(node, target, self.tensor(node.args[0], "input"))
            if isinstance(mod, nn.LayerNorm):
                x = self.tensor(node.args[0], "input")
                return self.layer_norm(node, target, x, mod.normalized_shape,
                                       mod.weight if mod.elementwise_affine else None,
                                       mod.bias if mod.elementwise_affine else None, mod.eps)
            if isinstance(mod, nn.GELU):
                return self.gelu(node, self.tensor(node.args[0], "input"),
                                 getattr(mod, "approximate", "none"))
            if isinstance(mod, nn.Tanh):
                return self.tanh(node, self.tensor(node.args[0], "input"))
            if isinstance(mod, nn.Softmax):
                if mod.dim is None:
                    raise self.error("nn.Softmax without dim is not supported (give dim)")
                return self.softmax(node, self.tensor(node.args[0], "input"), mod.dim)
            if isinstance(mod, nn.Embedding):
                return self.embedding(node, target, node.args[0], mod.weight, mod.max_norm)
            if _is_stochastic_depth(type(mod)):
                if mod.training and mod.p > 0:
                    raise self.error("StochasticDepth is in training mode; call model.eval() "
                                     "before exporting")
                return self.tensor(node.args[0], "input")
            raise self.error("unsupported module type %s (%s)" % (type(mod).__name__, _SUPPORTED))
        if op == "call_function":
            if target in _LINEAR_FUNCS:
                a = self.args_of(node, ["input", "weight", "bias"], {"bias": None})
                x = self.tensor(a["input"], "input")
                w = self.weight(a["weight"], "weight")
                b = self.weight(a["bias"], "bias") if a["bias"] is not None else None
                return self.linear(node, node.name, x, w, b)
            if target in _CONV_FUNCS:
                a = self.args_of(node, ["input", "weight", "bias", "stride", "padding", "dilation", "groups"],
                                 {"bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1})
                x = self.tensor(a["input"], "input")
                w = self.weight(a["weight"], "weight")
                b = self.weight(a["bias"], "bias") if a["bias"] is not None else None
                return self.conv(node, node.name, _CONV_FUNCS[target], x, w, b,
                                 self.pyval(a["stride"]), self.pyval(a["padding"]),
                                 self.pyval(a["dilation"]), self.pyval(a["groups"]))
            if target in _RELU_FUNCS:
                a = self.args_of(node, ["input", "inplace"], {"inplace": target is torch.relu_})
                if self.pyval(a["inplace"]):
                    self.check_inplace(node, a["input"])
                return self.relu(node, self.tensor(a["input"], "input"))
            if target in _BINARY_FUNCS:
                a = self.args_of(node, ["input", "other"], {"alpha": 1})
                if "rounding_mode" in a and a["rounding_mode"] is not None:
                    raise self.error("rounding_mode is not supported")
                if "out" in a:
                    raise self.error("out= is not supported")
                return self.binary(node, _BINARY_FUNCS[target], a["input"], a["other"],
                                   self.pyval(a["alpha"]))
            if target in _RESHAPE_FUNCS:
                return self.reshape(node, self.tensor(node.args[0], "input", None))
            if target is F.dropout or target is torch.dropout:
                return self.tensor(node.args[0], "input")
            if target in _CLAMP_FUNCS:
                names, defaults, (lo, hi) = _CLAMP_FUNCS[target]
                a = self.args_of(node, names, defaults)
                if self.pyval(a.get("inplace", False)):
                    self.check_inplace(node, a["input"])
                return self.clamp(node, self.tensor(a["input"], "input"), a[lo], a[hi])
            if target in _ACTIVATION_FUNCS:
                a = self.args_of(node, ["input", "inplace"], {"inplace": False})
                if self.pyval(a["inplace"]):
                    self.check_inplace(node, a["input"])
                return self.activation(node, _ACTIVATION_FUNCS[target], self.tensor(a["input"], "input"))
            if target is F.batch_norm:
                a = self.args_of(node, ["input", "running_mean", "running_var", "weight", "bias",
                                        "training", "momentum", "eps"],
                                 {"weight": None, "bias": None, "training": False, "momentum": 0.1,
                                  "eps": 1e-5})
                if self.pyval(a["training"]):
                    raise self.error("batch_norm with training=True (batch statistics) is not "
                                     "supported; export the model in eval mode")
                if a["running_mean"] is None or a["running_var"] is None:
                    raise self.error("batch_norm without running statistics is not supported")
                x = self.tensor(a["input"], "input")
                w, b = a["weight"], a["bias"]
                return self.batchnorm(node, node.name, x, self.weight(a["running_mean"], "running_mean"),
                                      self.weight(a["running_var"], "running_var"),
                                      self.weight(w, "weight") if w is not None else None,
                                      self.weight(b, "bias") if b is not None else None,
                                      self.pyval(a["eps"]))
            if target is F.max_pool2d or target is torch.max_pool2d:
                a = self.args_of(node, ["input", "kernel_size", "stride", "padding", "dilation",
                                        "ceil_mode", "return_indices"],
                                 {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False,
                                  "return_indices": False})
                return self.max_pool2d(node, node.name, self.tensor(a["input"], "input"),
                                       *(self.pyval(a[k]) for k in ("kernel_size", "stride", "padding",
                                                                    "dilation", "ceil_mode",
                                                                    "return_indices")))
            if target is F.avg_pool2d:
                a = self.args_of(node, ["input", "kernel_size", "stride", "padding", "ceil_mode",
                                        "count_include_pad", "divisor_override"],
                                 {"stride": None, "padding": 0, "ceil_mode": False,
                                  "count_include_pad": True, "divisor_override": None})
                return self.avg_pool2d(node, node.name, self.tensor(a["input"], "input"),
                                       *(self.pyval(a[k]) for k in ("kernel_size", "stride", "padding",
                                                                    "ceil_mode", "count_include_pad",
                                                                    "divisor_override")))
            if target is F.adaptive_avg_pool2d:
                return self.adaptive_avg_pool2d(node, node.name, self.tensor(node.args[0], "input"))
            if target in (torch.mean, torch.sum):
                what = "mean" if target is torch.mean else "sum"
                a = self.args_of(node, ["input", "dim", "keepdim"], {"dim": None, "keepdim": False})
                if a.get("dtype") is not None or "out" in a:
                    raise self.error("%s with dtype= or out= is not supported" % what)
                return self.mean(node, self.tensor(a["input"], "input"), self.pyval(a["dim"]),
                                 self.pyval(a["keepdim"]), divide=target is torch.mean)
            if target in (torch.cat, torch.concat):
                a = self.args_of(node, ["tensors", "dim"], {"dim": 0})
                if "out" in a:
                    raise self.error("out= is not supported")
                return self.cat(node, a["tensors"], self.pyval(a["dim"]))
            if target is F.layer_norm:
                a = self.args_of(node, ["input", "normalized_shape", "weight", "bias", "eps"],
                                 {"weight": None, "bias": None, "eps": 1e-5})
                w, b = a["weight"], a["bias"]
                return self.layer_norm(node, node.name, self.tensor(a["input"], "input"),
                                       self.pyval(a["normalized_shape"]),
                                       self.weight(w, "weight") if w is not None else None,
                                       self.weight(b, "bias") if b is not None else None,
                                       self.pyval(a["eps"]))
            if target is F.gelu:
                a = self.args_of(node, ["input", "approximate"], {"approximate": "none"})
                return self.gelu(node, self.tensor(a["input"], "input"),
                                 self.pyval(a["approximate"]))
            if target in _TANH_FUNCS:
                return self.tanh(node, self.tensor(node.args[0], "input"))
            if target in _SOFTMAX_FUNCS:
                a = self.args_of(node, ["input", "dim"], {"dim": None})
                if a.get("dtype") is not None:
                    raise self.error("softmax with dtype= is not supported")
                if a["dim"] is None:
                    raise self.error("softmax without dim is not supported (give dim)")
                return self.softmax(node, self.tensor(a["input"], "input"), self.pyval(a["dim"]))
            if target in _MATMUL_FUNCS:
                a = self.args_of(node, ["input", "other"], {})
                if "out" in a:
                    raise self.error("out= is not supported")
                if "mat2" in a:
                    a["other"] = a["mat2"]
                return self.matmul(node, self.tensor(a["input"], "input"),
                                   self.tensor(a["other"], "other"))
            if target in (torch.transpose, torch.permute, torch.t):
                x = self.tensor(node.args[0], "input", None)
                kind = {torch.transpose: "transpose", torch.permute: "permute", torch.t: "t"}[target]
                rest = [self.pyval(v) for v in node.args[1:]]
                for key in ("dim0", "dim1", "dims"):
                    if key in node.kwargs:
                        rest.append(self.pyval(node.kwargs[key]))
                return self.permute(node, x, self.transpose_args(node, x, kind, rest))
            if target is operator.getitem:
                whole = node.args[0]
                if isinstance(whole, torch.fx.Node) and isinstance(self.env.get(whole), _Pieces):
                    return self.piece(node, self.env[whole], self.pyval(node.args[1]))
                x = self.tensor(node.args[0], "input", None)
                index = self.pyval(node.args[1])
                fix = lambda i: slice(*(self.pyval(v) for v in (i.start, i.stop, i.step))) \
                    if isinstance(i, slice) else i  # noqa: E731
                index = tuple(fix(i) for i in index) if isinstance(index, tuple) else fix(index)
                return self.getitem(node, x, index)
            if target is F.embedding:
                a = self.args_of(node, ["input", "weight", "padding_idx", "max_norm"],
                                 {"max_norm": None})
                return self.embedding(node, node.name, a["input"], self.weight(a["weight"], "weight"),
                                      self.pyval(a["max_norm"]))
            if target in _COMPARE_FUNCS:
                a = self.args_of(node, ["input", "other"], {})
                return self.compare(node, _COMPARE_FUNCS[target], a["input"], a["other"])
            if target in _LOGICAL_FUNCS:
                kind = _LOGICAL_FUNCS[target]
                return self.logical(node, kind, list(node.args[:1 if kind == "not" else 2]),
                                    _fn_name(target).startswith("torch.logical"))
            if target in (torch.masked_fill,):
                a = self.args_of(node, ["input", "mask", "value"], {})
                return self.masked_fill(node, a["input"], a["mask"], a["value"])
            if target is torch.where:
                if len(node.args) + len(node.kwargs) != 3:
                    raise self.error("torch.where(condition) without values is not supported")
                a = self.args_of(node, ["condition", "input", "other"], {})
                return self.where(node, a["condition"], a["input"], a["other"])
            if target in (torch.unsqueeze, torch.squeeze):
                return self.reshape(node, self.tensor(node.args[0], "input", None))
            if target is torch.broadcast_to:
                return self.expand(node, node.args[0])
            if target is _attention_mask:
                return self.attention_mask(node, node.args[0], node.args[1])
            if target in _SPLIT_FUNCS:
                return self.pieces(node, _SPLIT_FUNCS[target])
            if _is_stochastic_depth(target):
                a = self.args_of(node, ["input", "p", "mode", "training"], {"training": True})
                if self.pyval(a["training"]) and self.pyval(a["p"]) > 0:
                    raise self.error("stochastic_depth with training=True is not supported; "
                                     "export the model in eval mode")
                return self.tensor(a["input"], "input")
            raise self.error("unsupported function %s (%s)" % (_fn_name(target), _SUPPORTED))
        if op == "call_method":
            if target in _BINARY_METHODS:
                a = self.args_of(node, ["self", "other"], {"alpha": 1})
                if target in _INPLACE_METHODS:
                    self.check_inplace(node, a["self"])
                return self.binary(node, _BINARY_METHODS[target], a["self"], a["other"],
                                   self.pyval(a["alpha"]))
            if target in ("relu", "relu_"):
                if target == "relu_":
                    self.check_inplace(node, node.args[0])
                return self.relu(node, self.tensor(node.args[0], "input"))
            if target in _RESHAPE_METHODS:
                return self.reshape(node, self.tensor(node.args[0], "input", None))
            if target in _IDENTITY_METHODS:
                return self.tensor(node.args[0], "input", None)
            if target in ("clamp", "clip", "clamp_", "clip_"):
                a = self.args_of(node, ["self", "min", "max"], {"min": None, "max": None})
                if target.endswith("_"):
                    self.check_inplace(node, a["self"])
                return self.clamp(node, self.tensor(a["self"], "input"), a["min"], a["max"])
            if target in ("sigmoid", "sigmoid_"):
                if target.endswith("_"):
                    self.check_inplace(node, node.args[0])
                return self.activation(node, "sigmoid", self.tensor(node.args[0], "input"))
            if target == "tanh":
                return self.tanh(node, self.tensor(node.args[0], "input"))
            if target == "softmax":
                a = self.args_of(node, ["self", "dim"], {"dim": None})
                if a["dim"] is None:
                    raise self.error("softmax without dim is not supported (give dim)")
                return self.softmax(node, self.tensor(a["self"], "input"), self.pyval(a["dim"]))
            if target in _MATMUL_METHODS:
                a = self.args_of(node, ["self", "other"], {})
                other = a.get("other", a.get("mat2"))
                return self.matmul(node, self.tensor(a["self"], "input"),
                                   self.tensor(other, "other"))
            if target in _TRANSPOSE_METHODS:
                x = self.tensor(node.args[0], "input", None)
                rest = [self.pyval(v) for v in node.args[1:]]
                for key in ("dim0", "dim1", "dims"):
                    if key in node.kwargs:
                        rest.append(self.pyval(node.kwargs[key]))
                return self.permute(node, x, self.transpose_args(node, x, target, rest))
            if target in _COMPARE_METHODS:
                a = self.args_of(node, ["self", "other"], {})
                return self.compare(node, _COMPARE_METHODS[target], a["self"], a["other"])
            if target in _LOGICAL_METHODS:
                kind = _LOGICAL_METHODS[target]
                return self.logical(node, kind, list(node.args[:1 if kind == "not" else 2]),
                                    target.startswith("logical"))
            if target in _CAST_METHODS:
                return self.cast(node, node.args[0])
            if target in ("masked_fill", "masked_fill_"):
                a = self.args_of(node, ["self", "mask", "value"], {})
                if target.endswith("_"):
                    self.check_inplace(node, a["self"])
                return self.masked_fill(node, a["self"], a["mask"], a["value"])
            if target in ("unsqueeze", "squeeze"):
                return self.reshape(node, self.tensor(node.args[0], "input", None))
            if target in _SPLIT_METHODS:
                return self.pieces(node, target)
            if target in ("expand", "expand_as"):
                return self.expand(node, node.args[0])
            if target in ("mean", "sum"):
                a = self.args_of(node, ["self", "dim", "keepdim"], {"dim": None, "keepdim": False})
                if a.get("dtype") is not None:
                    raise self.error("%s with dtype= is not supported" % target)
                return self.mean(node, self.tensor(a["self"], "input"), self.pyval(a["dim"]),
                                 self.pyval(a["keepdim"]), divide=target == "mean")
            raise self.error("unsupported method Tensor.%s (%s)" % (target, _SUPPORTED))
        raise self.error("unsupported node kind")

    def run(self, example_inputs):
        """The module's text, in pieces (text_pieces())."""
        graph = self.gm.graph
        nodes = list(graph.nodes)
        self.order = {n: i for i, n in enumerate(nodes)}
        placeholders = [n for n in nodes if n.op == "placeholder"]
        if len(placeholders) != len(example_inputs):
            raise ExportError("forward takes %d inputs (%s) but %d example inputs were given"
                              % (len(placeholders), ", ".join(p.name for p in placeholders),
                                 len(example_inputs)))
        for p, x in zip(placeholders, example_inputs):
            if not isinstance(x, torch.Tensor):
                raise ExportError("example input for '%s' is a %s; only tensors are supported"
                                  % (p.name, type(x).__name__))
            if x.dtype not in _ELT_OF_DTYPE:
                raise ExportError("example input for '%s' has dtype %s; float32 (activations), "
                                  "int64 or int32 (token ids, masks) and bool are supported"
                                  % (p.name, x.dtype))

        # Constant nodes: attributes, the static shapes of tensors, tensors
        # made from nothing (torch.arange(n)) and anything computed only from
        # those (position ids, a class token expanded to the batch).
        for n in nodes:
            ins = n.all_input_nodes
            if n.op == "get_attr" or _is_shape_query(n):
                self.const_nodes.add(n)
            elif n.target in _SHAPE_FACTORIES and \
                    all(i in self.const_nodes for i in n.all_input_nodes[1:]):
                self.const_nodes.add(n)  # zeros_like(x): x's shape is static
            elif n.op in ("call_function", "call_method", "call_module"):
                if all(i in self.const_nodes for i in ins) and (ins or n.target in _FACTORIES):
                    self.const_nodes.add(n)
        rec = _Recorder(self.gm, self.const_nodes)
        rec.current = None
        try:
            # ShapeProp prints the traceback of a failing node; the error says it.
            with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
                rec.propagate(*example_inputs)
        except Exception as e:  # noqa: BLE001 - report any failure of the model
            cause = e.__cause__ or e.__context__ or e
            msg = "running it on the example inputs failed: %s: %s" % (type(cause).__name__, cause)
            if rec.current is not None:
                raise self.error(msg, rec.current) from e
            raise ExportError(msg) from e
        self.pyvals = rec.values

        args = []
        for p, x in zip(placeholders, example_inputs):
            v = _Value(self.fresh(p.name), x.shape, _ELT_OF_DTYPE[x.dtype])
            self.env[p] = v
            args.append(v)

        results = None
        for n in nodes:
            self.node = n
            if n.op == "placeholder":
                continue
            if n.op == "output":
                flat = []

                def walk(a):
                    if isinstance(a, (tuple, list)):
                        for e in a:
                            walk(e)
                    elif isinstance(a, torch.fx.Node):
                        flat.append(a)
                    else:
                        raise self.error("output %r is not a tensor" % (a,))
                walk(n.args[0])
                results = []
                for a in flat:
                    if not self.is_tensor_node(a):
                        raise self.error("output '%s' is not a tensor" % a.name)
                    results.append(self.tensor(a, "output"))
                continue
            if n in self.pyvals and (n in self.const_nodes or not _has_tensor(self.pyvals[n])):
                continue  # a Python value or a constant tensor (materialized on use)
            if not n.users and not self.maybe_inplace(n):
                continue  # dead code

            self.env[n] = self.export_node(n)
        self.node = None
        if not results:
            raise ExportError("the module returns no tensor")

        out = []
        sig = ", ".join("%s: %s" % (v.name, v.type) for v in args)
        rtypes = [v.type for v in results]
        rsig = rtypes[0] if len(rtypes) == 1 else "(" + ", ".join(rtypes) + ")"
        out.append("func.func %s(%s) -> %s {" % (_symbol(self.func_name), sig, rsig))
        for line in self.lines:
            out.append("\n".join("  " + ln for ln in line.split("\n")))
        out.append("  return %s : %s" % (", ".join(v.name for v in results), ", ".join(rtypes)))
        out.append("}")
        self.body = "".join(line + "\n" for line in out)
        return self.text_pieces()

    def text_pieces(self):
        """The module's text as an iterator of strings: the function, then
        each blob of the dialect_resources trailer printed as it is asked
        for (a large model's text is mostly its blobs)."""
        yield self.body
        if not self.resources:
            return
        yield "\n{-#\n  dialect_resources: {\n    builtin: {\n"
        for i, (k, arr) in enumerate(self.resources):
            last = i + 1 == len(self.resources)
            # The blob: its alignment (64, little-endian u32: the JIT reads a
            # weight in place, where the bytecode reader leaves it, only when
            # it is aligned to a cache line), then the raw data; hex straight
            # from the array's memory (no copy of the weight).
            yield '      %s: "0x40000000%s%s' % (k, memoryview(arr).cast("B").hex().upper(),
                                                   '"\n' if last else '",\n')
        yield "    }\n  }\n#-}\n"


# --------------------------------------------------------------------------
# PyTorch's transformer modules, written out
# --------------------------------------------------------------------------
#
# nn.MultiheadAttention, nn.TransformerEncoderLayer and nn.TransformerEncoder
# check their inputs in Python before choosing a fused fast path, which
# symbolic_trace cannot follow. Before tracing they are replaced by modules
# computing the same math (PyTorch 1.13's math path) over the same
# parameters: views of them, nothing copied, the user's module untouched.


def _linear_of(weight, bias):
    """An nn.Linear whose parameters are `weight` and `bias` (views, no copy)."""
    lin = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    lin.weight = nn.Parameter(weight.detach(), requires_grad=False)
    if bias is not None:
        lin.bias = nn.Parameter(bias.detach(), requires_grad=False)
    return lin


def _attention_mask(scores, mask):
    """Scores (N, heads, L, S) with PyTorch's attn_mask applied: (L, S) or (N
    * heads, L, S); a bool mask sets -inf where it is true, a float mask is
    added. A leaf of the trace (torch.fx.wrap): the mask's dtype picks the
    math, which the exporter reads from the traced shapes."""
    if mask.dim() == 3:
        mask = mask.view(scores.shape)
    if mask.dtype == torch.bool:
        return scores.masked_fill(mask, float("-inf"))
    return scores + mask


torch.fx.wrap("_attention_mask")


class _Attention(nn.Module):
    """nn.MultiheadAttention's computation (PyTorch 1.13's math path): q, k,
    v projections (the packed in_proj split into three linears q, k, v),
    heads split by view + transpose, q scaled by 1 / sqrt(head_dim), scores
    q k^T, attn_mask (bool: -inf where true; float: added) and
    key_padding_mask (bool, (N, S): -inf where true), softmax, times v,
    heads merged, out_proj. Inputs are (L, N, E), or (N, L, E) with
    batch_first. The averaged attention weights are not returned."""

    def __init__(self, mha):
        super().__init__()
        if getattr(mha, "bias_k", None) is not None or getattr(mha, "add_zero_attn", False):
            raise ExportError("nn.MultiheadAttention with add_bias_kv or add_zero_attn is not "
                              "supported")
        e = mha.embed_dim
        self.heads, self.batch_first = mha.num_heads, mha.batch_first
        b = mha.in_proj_bias
        if mha._qkv_same_embed_dim:
            w = mha.in_proj_weight
            ws = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            ws = (mha.q_proj_weight, mha.k_proj_weight, mha.v_proj_weight)
        bs = (None,) * 3 if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        self.q, self.k, self.v = (_linear_of(w, bias) for w, bias in zip(ws, bs))
        self.out_proj = mha.out_proj

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True):
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        n, lq, lk = query.size(0), query.size(1), key.size(1)
        q, k, v = self.q(query), self.k(key), self.v(value)
        e = q.size(2)
        hd = e // self.heads
        q = q.view(n, lq, self.heads, hd).transpose(1, 2)
        k = k.view(n, lk, self.heads, hd).transpose(1, 2)
        v = v.view(n, lk, self.heads, hd).transpose(1, 2)
        q = q / math.sqrt(hd)
        scores = torch.matmul(q, k.transpose(-2, -1))
        if attn_mask is not None:
            scores = _attention_mask(scores, attn_mask)
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask.view(n, 1, 1, lk), float("-inf"))
        probs = torch.softmax(scores, -1)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(n, lq, e)
        out = self.out_proj(ctx)
        if not self.batch_first:
            out = out.transpose(0, 1)
        return out, None


class _EncoderLayer(nn.Module):
    """nn.TransformerEncoderLayer: post-norm x = norm1(x + sa(x)), x =
    norm2(x + ff(x)), or pre-norm (norm_first) x = x + sa(norm1(x)), x = x +
    ff(norm2(x)); ff = linear2(activation(linear1(x))), dropout as identity."""

    def __init__(self, layer):
        super().__init__()
        self.self_attn = _Attention(layer.self_attn)
        self.linear1, self.linear2 = layer.linear1, layer.linear2
        self.norm1, self.norm2 = layer.norm1, layer.norm2
        self.norm_first = layer.norm_first
        self.activation = layer.activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x, masks = src, (src_mask, src_key_padding_mask)
        if self.norm_first:
            x = x + self._sa(self.norm1(x), *masks)
            return x + self.linear2(self.activation(self.linear1(self.norm2(x))))
        x = self.norm1(x + self._sa(x, *masks))
        return self.norm2(x + self.linear2(self.activation(self.linear1(x))))

    def _sa(self, x, mask, key_padding_mask):
        return self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask)[0]


class _Encoder(nn.Module):
    """nn.TransformerEncoder: its layers in turn, then its norm if any."""

    def __init__(self, encoder):
        super().__init__()
        self.layers = nn.ModuleList(_written_out(layer) for layer in encoder.layers)
        self.norm = encoder.norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        for layer in self.layers:
            src = layer(src, src_mask=mask, src_key_padding_mask=src_key_padding_mask)
        return self.norm(src) if self.norm is not None else src


_WRITTEN_OUT = {nn.MultiheadAttention: _Attention, nn.TransformerEncoderLayer: _EncoderLayer,
                nn.TransformerEncoder: _Encoder}


# torchvision's Swin Transformer (V1) calls functions that torch.fx.wrap keeps
# out of the trace (shifted_window_attention, _patch_merging_pad,
# _get_relative_position_bias). Before tracing, its window attention and
# patch merging are replaced by modules computing the same math over the
# same parameters; what depends only on parameters and the traced shapes
# (the relative position bias, the shifted windows' mask) is computed in
# PyTorch and exported as constants.


def _roll(x, shifts, dims):
    """torch.roll as slices and a concat per rolled axis."""
    for s, d in zip(shifts, dims):
        n = x.shape[d]
        s %= n
        if s:
            head = [slice(None)] * d + [slice(n - s, n)]
            tail = [slice(None)] * d + [slice(0, n - s)]
            x = torch.cat([x[tuple(head)], x[tuple(tail)]], d)
    return x


def _pad_bottom_right(x, pad_b, pad_r):
    """F.pad(x, (0, 0, 0, pad_r, 0, pad_b)) of an N x H x W x C tensor: zero
    rows and columns concatenated (none when there is nothing to pad)."""
    b, h, w, c = x.shape
    if pad_r:
        x = torch.cat([x, torch.zeros(b, h, pad_r, c)], 2)
    if pad_b:
        x = torch.cat([x, torch.zeros(b, pad_b, w + pad_r, c)], 1)
    return x


class _WindowAttention(nn.Module):
    """torchvision's ShiftedWindowAttention (Swin V1), as its
    shifted_window_attention computes it: the N x H x W x C input padded to
    whole windows, rolled by the shift, split into windows; q, k, v from the
    `qkv` linear, q scaled by head_dim^-0.5, scores q k^T plus the relative
    position bias (a constant) and, for shifted windows, the mask of -100
    between tokens from different regions (a constant); softmax, times v,
    heads merged, the `proj` linear; windows merged, rolled back, unpadded.
    Dropout is the identity (eval)."""

    def __init__(self, m):
        super().__init__()
        self.window_size, self.shift_size = list(m.window_size), list(m.shift_size)
        self.heads = m.num_heads
        self.qkv, self.proj = m.qkv, m.proj
        with torch.no_grad():
            # 1 x heads x T x T, a plain tensor attribute: a constant of the
            # trace.
            self.position_bias = m.get_relative_position_bias().detach().clone()

    def _mask(self, pad_h, pad_w, shift):
        """The shifted windows' mask, (windows, 1, T, T): 0 within a region,
        -100 across regions (the numbers shifted_window_attention uses)."""
        wh, ww = self.window_size
        mask = torch.zeros(pad_h, pad_w)
        count = 0
        for h in ((0, -wh), (-wh, -shift[0]), (-shift[0], None)):
            for w in ((0, -ww), (-ww, -shift[1]), (-shift[1], None)):
                mask[h[0]:h[1], w[0]:w[1]] = count
                count += 1
        mask = mask.view(pad_h // wh, wh, pad_w // ww, ww).permute(0, 2, 1, 3)
        mask = mask.reshape(-1, wh * ww)
        mask = mask.unsqueeze(1) - mask.unsqueeze(2)
        mask = torch.where(mask != 0, torch.tensor(-100.0), torch.tensor(0.0))
        return mask.unsqueeze(1)

    def forward(self, x):
        b, h, w, c = (int(d) for d in x.shape)
        wh, ww = self.window_size
        pad_r, pad_b = (ww - w % ww) % ww, (wh - h % wh) % wh
        x = _pad_bottom_right(x, pad_b, pad_r)
        pad_h, pad_w = h + pad_b, w + pad_r
        shift = list(self.shift_size)
        if wh >= pad_h:
            shift[0] = 0
        if ww >= pad_w:
            shift[1] = 0
        if sum(shift) > 0:
            x = _roll(x, (-shift[0], -shift[1]), (1, 2))
        windows = (pad_h // wh) * (pad_w // ww)
        tokens, hd = wh * ww, c // self.heads
        x = x.view(b, pad_h // wh, wh, pad_w // ww, ww, c).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(b * windows, tokens, c)
        qkv = self.qkv(x).reshape(b * windows, tokens, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * hd ** -0.5
        attn = q.matmul(k.transpose(-2, -1))
        attn = attn + self.position_bias
        if sum(shift) > 0:
            attn = attn.view(b, windows, self.heads, tokens, tokens)
            attn = attn + self._mask(pad_h, pad_w, shift).unsqueeze(0)
            attn = attn.view(b * windows, self.heads, tokens, tokens)
        attn = torch.softmax(attn, -1)
        x = attn.matmul(v).transpose(1, 2).reshape(b * windows, tokens, c)
        x = self.proj(x)
        x = x.view(b, pad_h // wh, pad_w // ww, wh, ww, c).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(b, pad_h, pad_w, c)
        if sum(shift) > 0:
            x = _roll(x, (shift[0], shift[1]), (1, 2))
        if pad_b or pad_r:
            x = x[:, :h, :w, :]
        return x


class _PatchMerging(nn.Module):
    """torchvision's PatchMerging (Swin V1): the N x H x W x C input padded to
    even sizes, its 2 x 2 neighbours concatenated along the channels (as
    _patch_merging_pad), `norm`, then the `reduction` linear."""

    def __init__(self, m):
        super().__init__()
        self.norm, self.reduction = m.norm, m.reduction

    def forward(self, x):
        h, w = int(x.shape[-3]), int(x.shape[-2])
        x = _pad_bottom_right(x, h % 2, w % 2)
        x = torch.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :],
                       x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]], -1)
        return self.reduction(self.norm(x))


# By qualified class name (exact classes: the V2 subclasses are not these),
# so that the exporter needs no torchvision import.
_WRITTEN_OUT_BY_NAME = {
    "torchvision.models.swin_transformer.ShiftedWindowAttention": _WindowAttention,
    "torchvision.models.swin_transformer.PatchMerging": _PatchMerging,
}



def _written_out(module):
    """`module`, or a shallow copy of it (and of its ancestors of the
    replaced modules) with PyTorch's transformer modules written out."""
    if type(module) in _WRITTEN_OUT:
        return _WRITTEN_OUT[type(module)](module)
    by_name = _WRITTEN_OUT_BY_NAME.get(type(module).__module__ + "." + type(module).__qualname__)
    if by_name is not None:
        return by_name(module)
    changed = {}
    for name, child in module._modules.items():
        if child is not None:
            new = _written_out(child)
            if new is not child:
                changed[name] = new
    if not changed:
        return module
    out = copy.copy(module)
    out._modules = dict(module._modules, **changed)
    return out


class _ShapeTracer(torch.fx.Tracer):
    """torch.fx's tracer, with the shapes of the example inputs known.

    Code that reads a traced tensor's ``shape``, ``size()``, ``dim()``,
    ``ndim``, ``numel()``, ``dtype`` or ``device`` gets the concrete value, as
    eager PyTorch would, instead of a proxy: ``n, c, h, w = x.shape``
    (torchvision's ViT), ``b, c, h, w = x.size()`` (ShuffleNet's channel
    shuffle) and checks like ``torch._assert(x.dim() == 3, ...)`` trace, where
    plain ``symbolic_trace`` fails. A proxy of a tuple (``x.chunk(2, 1)``) or
    of a tensor (its rows) can be unpacked: its length is known. The values come from running the traced
    nodes on the example inputs, lazily: only when such a question is asked,
    and only the nodes its answer needs (a model that asks none runs nothing
    here). The graph is specialized to those shapes, as the exported function
    is anyway. Buffers are traced as attributes, as parameters are: a slice of
    a buffer by a traced size (position ids) stays in the graph."""

    _CONCRETE_ATTRS = ("shape", "ndim", "dtype", "device", "is_cuda", "is_sparse",
                       "is_quantized")
    _CONCRETE_METHODS = ("size", "dim", "numel", "nelement", "ndimension", "element_size")

    def __init__(self, example_inputs):
        super().__init__()
        self.proxy_buffer_attributes = True
        self.example_inputs = tuple(example_inputs)
        self.values = {}
        self.placeholders = 0
        self.evaluating = False

    def create_proxy(self, kind, target, args, kwargs, *rest, **kw):
        proxy = super().create_proxy(kind, target, args, kwargs, *rest, **kw)
        if kind == "placeholder" and isinstance(proxy, torch.fx.Proxy):
            i = self.placeholders
            self.placeholders += 1
            if i < len(self.example_inputs):
                self.values[proxy.node] = self.example_inputs[i]
        return proxy

    def proxy(self, node):
        return _ShapedProxy(node, self)

    def concrete(self, node):
        """The value `node` has on the example inputs."""
        if node in self.values:
            return self.values[node]
        # The nodes it needs that have no value yet, found and run without
        # recursion (a deep network's chain of layers would exceed Python's
        # recursion limit), in the graph's order, which is topological.
        need, todo = set(), [node]
        while todo:
            n = todo.pop()
            if n not in self.values and n not in need:
                need.add(n)
                todo.extend(n.all_input_nodes)
        value = lambda a: torch.fx.node.map_arg(a, self.values.__getitem__)  # noqa: E731
        # Modules run as in eager PyTorch, not recorded (call_module and
        # getattr below).
        evaluating, self.evaluating = self.evaluating, True
        try:
            for n in node.graph.nodes:
                if n in need:
                    self.values[n] = self._run(n, value(n.args), value(n.kwargs))
                    if n is node:
                        break
        finally:
            self.evaluating = evaluating
        return self.values[node]

    def _run(self, node, args, kwargs):
        with torch.no_grad():
            if node.op == "get_attr":
                v = self.root
                for part in node.target.split("."):
                    v = getattr(v, part)
            elif node.op == "call_function":
                v = node.target(*args, **kwargs)
            elif node.op == "call_method":
                v = getattr(args[0], node.target)(*args[1:], **kwargs)
            elif node.op == "call_module":
                v = self.root.get_submodule(node.target)(*args, **kwargs)
            else:
                raise ExportError("the shape of '%s' is asked while tracing, but it is not "
                                  "computed from the example inputs" % node.name)
        return v

    def call_module(self, m, forward, args, kwargs):
        if self.evaluating:
            return forward(*args, **kwargs)
        return super().call_module(m, forward, args, kwargs)

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        if self.evaluating:
            return attr_val
        return super().getattr(attr, attr_val, parameter_proxy_cache)


class _ShapedProxy(torch.fx.Proxy):
    """A proxy whose shape questions _ShapeTracer answers concretely."""

    def __getattr__(self, k):
        if k in _ShapeTracer._CONCRETE_ATTRS or k in _ShapeTracer._CONCRETE_METHODS:
            v = self.tracer.concrete(self.node)
            if isinstance(v, torch.Tensor):
                return getattr(v, k)
        return super().__getattr__(k)

    def __iter__(self):
        # A tuple's items, or a tensor's rows (`a, b = x`), as indexing.
        v = self.tracer.concrete(self.node)
        if isinstance(v, (tuple, list)) or (isinstance(v, torch.Tensor) and v.dim() > 0):
            return iter([self[i] for i in range(len(v))])
        return super().__iter__()

    def __len__(self):
        v = self.tracer.concrete(self.node)
        if isinstance(v, (tuple, list, torch.Tensor)):
            return len(v)
        return super().__len__()


def _drop_concrete_placeholders(gm, count):
    """Removes the last `count` placeholders, which symbolic_trace made for
    concrete arguments, with the checks of their values that read them."""
    graph = gm.graph
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    for p in placeholders[len(placeholders) - count:]:
        chain, todo = [], [p]
        while todo:
            n = todo.pop()
            chain.append(n)
            todo.extend(n.users)
        for n in reversed(chain):
            if not n.users:
                graph.erase_node(n)
    gm.recompile()


def export_module(module, example_inputs, *, func_name="forward", linear_spelling="transposed_b",
                  bias="init", resource_threshold=64):
    """Export ``module`` to MLIR text: ``"".join(export_pieces(...))`` (the
    arguments and errors of export_pieces)."""
    return "".join(export_pieces(module, example_inputs, func_name=func_name,
                                 linear_spelling=linear_spelling, bias=bias,
                                 resource_threshold=resource_threshold))


def export_pieces(module, example_inputs, *, func_name="forward", linear_spelling="transposed_b",
                  bias="init", resource_threshold=64):
    """Export ``module`` (an ``nn.Module``, traced with ``torch.fx``'s tracer
    told the example inputs' shapes, or an already traced
    ``torch.fx.GraphModule``) to MLIR text.

    example_inputs: a tensor or a tuple of tensors, one per argument of
        ``forward`` (float32; int64 or int32 ids; bool or integer masks); they
        fix the static shapes (through ShapeProp).
    func_name: name of the exported ``func.func``.
    linear_spelling: ``"transposed_b"`` (``linalg.matmul`` with ``indexing_maps``
        reading W as (n, k)) or ``"transpose_op"`` (``linalg.transpose`` + matmul).
    bias: ``"init"`` (bias broadcast as the matmul/conv init) or ``"add"``
        (zero init, bias added after by an elementwise ``linalg.generic``).
    resource_threshold: constants with more elements than this become
        ``dense_resource`` blobs; ``None`` keeps every constant inline.

    Returns the module text as an iterator of strings, whose blobs are
    printed as it is read (write them out one by one: a network's text is
    about twice its weights' bytes). Raises ``ExportError`` for anything
    unsupported, before the first string.
    """
    if linear_spelling not in LINEAR_SPELLINGS:
        raise ExportError("linear_spelling must be one of %s, got %r" % (LINEAR_SPELLINGS, linear_spelling))
    if bias not in BIAS_SPELLINGS:
        raise ExportError("bias must be one of %s, got %r" % (BIAS_SPELLINGS, bias))
    if resource_threshold is not None and (not isinstance(resource_threshold, int) or resource_threshold < 0):
        raise ExportError("resource_threshold must be a non-negative int or None")
    if not func_name:
        raise ExportError("func_name must not be empty")
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    example_inputs = tuple(example_inputs)
    if isinstance(module, torch.fx.GraphModule):
        gm = module
    else:
        if not isinstance(module, nn.Module):
            raise ExportError("expected an nn.Module, got %s" % type(module).__name__)
        module = _written_out(module)
        # A written-out module at the top: the optional arguments (masks)
        # beyond the example inputs are None.
        concrete = None
        if isinstance(module, tuple(_WRITTEN_OUT.values())):
            params = list(inspect.signature(module.forward).parameters.values())
            concrete = {p.name: p.default for p in params[len(example_inputs):]
                        if p.default is not p.empty}
        try:
            tracer = _ShapeTracer(example_inputs)
            graph = tracer.trace(module, concrete_args=concrete)
            tracer.values.clear()  # the activations the shape questions needed
            gm = torch.fx.GraphModule(tracer.root, graph, type(module).__name__)
        except Exception as e:  # noqa: BLE001
            raise ExportError("tracing with torch.fx failed for %s: %s"
                              % (type(module).__name__, e)) from e
        if concrete:
            _drop_concrete_placeholders(gm, len(concrete))
    return _Exporter(gm, func_name, linear_spelling, bias, resource_threshold).run(example_inputs)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _load_factory(spec):
    path, sep, attr = spec.rpartition(":")
    if not sep or not path or not attr:
        raise ExportError("--module must be FILE.py:NAME or package.module:NAME, got %r" % spec)
    if path.endswith(".py") or os.path.sep in path or os.path.exists(path):
        if not os.path.isfile(path):
            raise ExportError("module file not found: %s" % path)
        path = os.path.abspath(path)
        sys.path.insert(0, os.path.dirname(path))
        modname = "_eq_export_user_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
        loader_spec = importlib.util.spec_from_file_location(modname, path)
        pymod = importlib.util.module_from_spec(loader_spec)
        sys.modules[modname] = pymod
        loader_spec.loader.exec_module(pymod)
    else:
        pymod = importlib.import_module(path)
    obj = pymod
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ExportError("%s has no attribute %r" % (path, attr))
        obj = getattr(obj, part)
    return obj


def _parse_shape(text):
    try:
        dims = tuple(int(d) for d in text.lower().split("x"))
    except ValueError:
        dims = ()
    if not dims or any(d <= 0 for d in dims):
        raise ExportError("bad --input-shape %r (expected e.g. 5x5 or 1x3x8x8)" % text)
    return dims


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="eq_export.py",
        description="Export a float PyTorch nn.Module to MLIR in EqQuant's input spellings.")
    p.add_argument("--module", required=True,
                   help="FILE.py:NAME or package.module:NAME; NAME is an nn.Module class or a "
                        "function returning a module, called without arguments")
    p.add_argument("--input-shape", action="append", default=[], metavar="DxDx...",
                   help="shape of one forward argument (once per argument, in order); default: "
                        "the module's get_example_inputs()")
    p.add_argument("--seed", type=int, default=None,
                   help="torch.manual_seed before constructing the module and the example inputs")
    p.add_argument("--state-dict", default=None, help="load this state dict (torch.save file)")
    p.add_argument("--func-name", default="forward")
    p.add_argument("--linear-spelling", choices=LINEAR_SPELLINGS, default="transposed_b")
    p.add_argument("--bias", choices=BIAS_SPELLINGS, default="init")
    p.add_argument("--resource-threshold", type=int, default=64,
                   help="constants with more elements become dense_resource blobs (-1: never)")
    p.add_argument("--save-input", action="append", default=[], metavar="X.npy",
                   help="write the example input(s) used for tracing as .npy (once per argument)")
    p.add_argument("--save-output", action="append", default=[], metavar="Y.npy",
                   help="write PyTorch's output(s) on the example inputs as .npy (once per result)")
    p.add_argument("--emit-bytecode", action="store_true",
                   help="write MLIR bytecode instead of text (through eq-opt --emit-bytecode): "
                        "about half the bytes for the weights, and each eq-opt stage that "
                        "reads it keeps half the memory")
    p.add_argument("--eq-opt", default=None, metavar="PATH",
                   help="the eq-opt that writes the bytecode (default: eq-opt on PATH, else "
                        "build/bin/eq-opt of this source tree)")
    p.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    args = p.parse_args(argv)
    try:
        try:
            factory = _load_factory(args.module)
        except (ImportError, SyntaxError) as e:
            raise ExportError("cannot import %s: %s" % (args.module, e)) from e
        if args.seed is not None:
            torch.manual_seed(args.seed)
        try:
            model = factory()
        except Exception as e:  # noqa: BLE001
            raise ExportError("constructing %s failed: %s: %s" % (args.module, type(e).__name__, e)) from e
        if not isinstance(model, nn.Module):
            raise ExportError("%s did not produce an nn.Module" % args.module)
        if args.state_dict:
            try:
                sd = torch.load(args.state_dict, map_location="cpu")
                if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
                    sd = sd["state_dict"]
                model.load_state_dict(sd)
                del sd  # copied into the model
            except Exception as e:  # noqa: BLE001
                raise ExportError("loading the state dict %s failed: %s" % (args.state_dict, e)) from e
        model.eval()
        if args.input_shape:
            inputs = tuple(torch.rand(_parse_shape(s)) for s in args.input_shape)
        elif hasattr(model, "get_example_inputs"):
            inputs = tuple(model.get_example_inputs())
        else:
            raise ExportError("give --input-shape (the module has no get_example_inputs())")
        threshold = None if args.resource_threshold < 0 else args.resource_threshold
        pieces = export_pieces(model, inputs, func_name=args.func_name,
                               linear_spelling=args.linear_spelling, bias=args.bias,
                               resource_threshold=threshold)
        if args.save_input:
            if len(args.save_input) != len(inputs):
                raise ExportError("%d --save-input files for %d inputs" % (len(args.save_input), len(inputs)))
            for f, x in zip(args.save_input, inputs):
                np.save(f, x.detach().numpy().astype(np.float32))
        if args.save_output:
            with torch.no_grad():
                outs = model(*inputs)
            outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
            if len(args.save_output) != len(outs):
                raise ExportError("%d --save-output files for %d outputs" % (len(args.save_output), len(outs)))
            for f, y in zip(args.save_output, outs):
                np.save(f, y.detach().numpy().astype(np.float32))
        try:
            _write_output(pieces, args.output, _eq_opt_path(args.eq_opt) if args.emit_bytecode
                          else None)
        except OSError as e:
            raise ExportError("writing %s failed: %s" % (args.output, e)) from e
    except ExportError as e:
        print("eq_export: error: %s" % e, file=sys.stderr)
        return 1
    return 0


def _write_output(pieces, output, eq_opt):
    """Writes the text's pieces one by one to `output` ("-": stdout), or with
    `eq_opt` to a temporary text file that eq-opt turns into bytecode. A file
    is written under a temporary name and renamed when complete: a failure
    leaves no output file."""
    import subprocess
    import tempfile
    stdout = output == "-"
    if stdout and eq_opt is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    final = None if stdout else output + ".tmp%d" % os.getpid()
    text_path = final
    if eq_opt is not None:
        where = None if stdout else os.path.dirname(os.path.abspath(output))
        fd, text_path = tempfile.mkstemp(suffix=".mlir", prefix="eq_export_", dir=where)
        os.close(fd)
    try:
        with open(text_path, "w") as f:
            for piece in pieces:
                f.write(piece)
        if eq_opt is None:
            os.replace(text_path, output)
            return
        try:
            # On standard input: the locations name <stdin>, not the
            # temporary file.
            with open(text_path, "rb") as f:
                r = subprocess.run([eq_opt, "-", "--emit-bytecode", "-o",
                                    "-" if stdout else final], stdin=f,
                                   stdout=None if stdout else subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        except OSError as e:
            raise ExportError("running %s failed: %s" % (eq_opt, e)) from e
        if r.returncode:
            raise ExportError("%s could not read the exported module: %s" % (
                eq_opt, r.stderr.decode(errors="replace").strip()[:2000]))
        if not stdout:
            os.replace(final, output)
    finally:
        for path in {text_path, final} - {None}:
            if os.path.exists(path):
                os.remove(path)


def _eq_opt_path(eq_opt):
    """The eq-opt to write bytecode with: `eq_opt`, or found on PATH or in
    this source tree's build/bin."""
    import shutil
    if eq_opt is None:
        eq_opt = shutil.which("eq-opt")
        if eq_opt is None:
            built = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                 "build", "bin", "eq-opt")
            eq_opt = os.path.normpath(built) if os.path.exists(built) else None
    if eq_opt is None:
        raise ExportError("--emit-bytecode needs eq-opt: not on PATH nor in build/bin "
                          "(give --eq-opt PATH)")
    if not os.path.exists(eq_opt) and shutil.which(eq_opt) is None:
        raise ExportError("--eq-opt %s: no such program" % eq_opt)
    return eq_opt


if __name__ == "__main__":
    sys.exit(main())
