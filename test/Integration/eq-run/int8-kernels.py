# RUN: %python %s %t
#
# Tests that the int8 micro-kernels of --eqq-int8-kernels compute exactly what
# the generic loops compute (isa=none, lookup-tables=false), on every path (vnni, avx2, portable;
# one thread; vnni on two threads in eq-run's JIT; the default lowering, every
# core, in an object compiled ahead of time with clang -fopenmp and called
# through its C interface),
# for linear and conv layers with awkward remainders in every dimension
# (rows, columns, K, channels, output width), with and without relu and bias,
# with u8 activations (the default config), with s8 activations and
# per-channel weights, and with 7-bit weights (which AVX2 multiplies as
# bytes with vpmaddubsw); conv with padding, stride and dilation along the height
# and the width (strides 2, 3 and 4, the 7x7 stride-2 stem); depthwise conv
# (3x3 and 5x5, strides 1 to 4, dilation, a 1-pixel input; with isa=vbmi
# as byte permutes and dot products); grouped conv (channels per group a
# multiple of 4 or not, a channel multiplier, stride 2); conv kernels
# with lanes along output columns and along output channels (each forced,
# and as picked per layer); conv kernels on AMX tiles (64 input channels or
# more, a partial last block of 64 padded;
# isa=amx, one and two threads, and `host` on a CPU with AMX, also ahead of
# time, where the object's constructor asks for the tile registers); max
# pooling of
# the stored integers (u8 and s8; strides, ceil mode, dilation, a 1-pixel
# input; read by a conv or returned as float); global average pools (sums
# of the stored integers); SiLU and sigmoid between
# layers, which become 256-entry tables read in the epilogue (conv,
# depthwise, linear; gathered, with isa=avx2 read by vpshufb byte shuffles,
# and with isa=vbmi read by vpermi2b byte
# permutes). Each path the
# machine cannot run is still compiled to x86 assembly and checked for its
# instruction (vpdpbusd, vpmaddwd, vpermi2b).

import ctypes
import json
import os
import re
import subprocess
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from mlir_text import hexdense, t  # noqa: E402



# Activation bodies as eq-export writes them.
ACTIVATIONS = {
    True: ["    %c0 = arith.constant 0.0 : f32",
           "    %r = arith.maximumf %in, %c0 : f32"],
    "silu": ["    %one = arith.constant 1.0 : f32",
             "    %t0 = arith.negf %in : f32",
             "    %t1 = math.exp %t0 : f32",
             "    %t2 = arith.addf %one, %t1 : f32",
             "    %r = arith.divf %in, %t2 : f32"],
    "relu6": ["    %c0 = arith.constant 0.0 : f32",
              "    %c6 = arith.constant 6.0 : f32",
              "    %t0 = arith.maximumf %in, %c0 : f32",
              "    %r = arith.minimumf %t0, %c6 : f32"],
    "sigmoid": ["    %one = arith.constant 1.0 : f32",
                "    %t0 = arith.negf %in : f32",
                "    %t1 = math.exp %t0 : f32",
                "    %t2 = arith.addf %one, %t1 : f32",
                "    %r = arith.divf %one, %t2 : f32"],
}


def relu_lines(name, src, shape, act=True):
    rank = len(shape)
    dims = ", ".join("d%d" % i for i in range(rank))
    m = "affine_map<(%s) -> (%s)>" % (dims, dims)
    iters = ", ".join(['"parallel"'] * rank)
    return [f"  %{name}_e = tensor.empty() : {t(*shape)}",
            f"  %{name} = linalg.generic {{indexing_maps = [{m}, {m}], iterator_types = "
            f"[{iters}]}} ins(%{src} : {t(*shape)}) "
            f"outs(%{name}_e : {t(*shape)}) {{",
            "  ^bb0(%in: f32, %o: f32):"] + ACTIVATIONS[act] + [
            "    linalg.yield %r : f32",
            f"  }} -> {t(*shape)}"]


def linear_model(m, k, n, bias, relu):
    w = rng.standard_normal((n, k)).astype(np.float32) / np.sqrt(k)
    b = rng.standard_normal(n).astype(np.float32)
    lines = [f"func.func @forward(%x: {t(m, k)}) -> {t(m, n)} {{",
             f"  %w = arith.constant {hexdense(w)} : {t(n, k)}",
             f"  %e = tensor.empty() : {t(m, n)}"]
    if bias:
        lines += [f"  %b = arith.constant {hexdense(b)} : {t(n)}",
                  f"  %init = linalg.broadcast ins(%b : {t(n)}) outs(%e : {t(m, n)}) dimensions = [0]"]
    else:
        lines += ["  %zero = arith.constant 0.0 : f32",
                  f"  %init = linalg.fill ins(%zero : f32) outs(%e : {t(m, n)}) -> {t(m, n)}"]
    lines.append("  %y = linalg.matmul indexing_maps = [affine_map<(a, c, d) -> (a, d)>, "
                 "affine_map<(a, c, d) -> (c, d)>, affine_map<(a, c, d) -> (a, c)>] "
                 f"ins(%x, %w : {t(m, k)}, {t(n, k)}) outs(%init : {t(m, n)}) -> {t(m, n)} "
                 'loc("fc")')
    result = "y"
    if relu:
        lines += relu_lines("r", "y", (m, n), relu)
        result = "r"
    lines += [f"  return %{result} : {t(m, n)}", "}"]
    return "\n".join(lines) + "\n", (m, k)


def mlp_model(m, sizes, act=True):
    """Linear layers sizes[0] -> sizes[1] -> ... with relu between them:
    several parallel loops in a row, each reading the previous one's rows."""
    lines = [f"func.func @forward(%x: {t(m, sizes[0])}) -> {t(m, sizes[-1])} {{"]
    src = "x"
    for i, (k, n) in enumerate(zip(sizes, sizes[1:])):
        w = rng.standard_normal((n, k)).astype(np.float32) / np.sqrt(k)
        b = rng.standard_normal(n).astype(np.float32)
        lines += [f"  %w{i} = arith.constant {hexdense(w)} : {t(n, k)}",
                  f"  %b{i} = arith.constant {hexdense(b)} : {t(n)}",
                  f"  %e{i} = tensor.empty() : {t(m, n)}",
                  f"  %i{i} = linalg.broadcast ins(%b{i} : {t(n)}) outs(%e{i} : {t(m, n)}) "
                  "dimensions = [0]",
                  f"  %y{i} = linalg.matmul indexing_maps = [affine_map<(a, c, d) -> (a, d)>, "
                  "affine_map<(a, c, d) -> (c, d)>, affine_map<(a, c, d) -> (a, c)>] "
                  f"ins(%{src}, %w{i} : {t(m, k)}, {t(n, k)}) outs(%i{i} : {t(m, n)}) -> "
                  f'{t(m, n)} loc("fc{i}")']
        src = "y%d" % i
        if i + 2 < len(sizes):
            lines += relu_lines("r%d" % i, src, (m, n), act)
            src = "r%d" % i
    lines += [f"  return %{src} : {t(m, sizes[-1])}", "}"]
    return "\n".join(lines) + "\n", (m, sizes[0])


def pad_and_init_lines(lines, shape, pad, out_shape):
    """Appends to `lines` the zero padding of %x (N x C x H x W) by `pad`
    on each side (none for 0) and %init, the bias %b broadcast to
    `out_shape`; returns the name of the conv's input (x or p)."""
    n, c, h, w_ = shape
    src = "x"
    if pad:
        hp, wp = h + 2 * pad, w_ + 2 * pad
        lines += [f"  %p = tensor.pad %x low[0, 0, {pad}, {pad}] high[0, 0, {pad}, {pad}] {{",
                  "  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):",
                  "    tensor.yield %zero : f32",
                  f"  }} : {t(n, c, h, w_)} to {t(n, c, hp, wp)}"]
        src = "p"
    f = out_shape[1]
    lines += [f"  %e = tensor.empty() : {t(*out_shape)}",
              f"  %init = linalg.broadcast ins(%b : {t(f)}) outs(%e : {t(*out_shape)}) "
              "dimensions = [0, 2, 3]"]
    return src


def conv_model(n, c, h, w_, f, kh, kw, pad, stride, dilation, relu, depthwise=False):
    """A conv2d layer (f output channels), or with `depthwise` a depthwise
    conv2d (f == c; the weight C x KH x KW)."""
    wshape = (c, kh, kw) if depthwise else (f, c, kh, kw)
    wt = rng.standard_normal(wshape).astype(np.float32) / np.sqrt((1 if depthwise else c) * kh * kw)
    b = rng.standard_normal(f).astype(np.float32)
    hp, wp = h + 2 * pad, w_ + 2 * pad
    oh = (hp - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wp - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    lines = [f"func.func @forward(%x: {t(n, c, h, w_)}) -> {t(n, f, oh, ow)} {{",
             f"  %w = arith.constant {hexdense(wt)} : {t(*wshape)}",
             f"  %b = arith.constant {hexdense(b)} : {t(f)}",
             "  %zero = arith.constant 0.0 : f32"]
    src = pad_and_init_lines(lines, (n, c, h, w_), pad, (n, f, oh, ow))
    lines += [f"  %y = linalg.{'depthwise_conv_2d_nchw_chw' if depthwise else 'conv_2d_nchw_fchw'} "
              f"{{dilations = dense<[{dilation[0]}, {dilation[1]}]> "
              f": tensor<2xi64>, strides = dense<[{stride[0]}, {stride[1]}]> : tensor<2xi64>}} "
              f"ins(%{src}, %w : {t(n, c, hp, wp)}, {t(*wshape)}) "
              f"outs(%init : {t(n, f, oh, ow)}) -> {t(n, f, oh, ow)} loc(\"conv\")"]
    result = "y"
    if relu:
        lines += relu_lines("r", "y", (n, f, oh, ow), relu)
        result = "r"
    lines += [f"  return %{result} : {t(n, f, oh, ow)}", "}"]
    return "\n".join(lines) + "\n", (n, c, h, w_)


def grouped_model(n, c, h, w_, f, groups, k, pad, stride, relu):
    """A grouped conv2d as eq-export writes nn.Conv2d(c, f, k, groups=groups):
    linalg.conv_2d_ngchw_gfchw between tensor.expand_shape / collapse_shape,
    reading PyTorch's f x c/groups x k x k weight."""
    g, cg, fg = groups, c // groups, f // groups
    wt = rng.standard_normal((f, cg, k, k)).astype(np.float32) / np.sqrt(cg * k * k)
    b = rng.standard_normal(f).astype(np.float32)
    hp, wp = h + 2 * pad, w_ + 2 * pad
    oh, ow = (hp - k) // stride + 1, (wp - k) // stride + 1
    split = "[[0], [1, 2], [3], [4]]"
    lines = [f"func.func @forward(%x: {t(n, c, h, w_)}) -> {t(n, f, oh, ow)} {{",
             f"  %w = arith.constant {hexdense(wt)} : {t(f, cg, k, k)}",
             f"  %b = arith.constant {hexdense(b)} : {t(f)}",
             "  %zero = arith.constant 0.0 : f32"]
    src = pad_and_init_lines(lines, (n, c, h, w_), pad, (n, f, oh, ow))
    lines += [f"  %xg = tensor.expand_shape %{src} {split} output_shape [{n}, {g}, {cg}, {hp}, "
              f"{wp}] : {t(n, c, hp, wp)} into {t(n, g, cg, hp, wp)}",
              f"  %wg = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [{g}, {fg}, "
              f"{cg}, {k}, {k}] : {t(f, cg, k, k)} into {t(g, fg, cg, k, k)}",
              f"  %ig = tensor.expand_shape %init {split} output_shape [{n}, {g}, {fg}, {oh}, "
              f"{ow}] : {t(n, f, oh, ow)} into {t(n, g, fg, oh, ow)}",
              f"  %yg = linalg.conv_2d_ngchw_gfchw {{dilations = dense<1> : tensor<2xi64>, "
              f"strides = dense<{stride}> : tensor<2xi64>}} "
              f"ins(%xg, %wg : {t(n, g, cg, hp, wp)}, {t(g, fg, cg, k, k)}) "
              f"outs(%ig : {t(n, g, fg, oh, ow)}) -> {t(n, g, fg, oh, ow)} loc(\"conv\")",
              f"  %y = tensor.collapse_shape %yg {split} : {t(n, g, fg, oh, ow)} into "
              f"{t(n, f, oh, ow)}"]
    result = "y"
    if relu:
        lines += relu_lines("r", "y", (n, f, oh, ow), relu)
        result = "r"
    lines += [f"  return %{result} : {t(n, f, oh, ow)}", "}"]
    return "\n".join(lines) + "\n", (n, c, h, w_)


def act_model(n, c, h, w_, act, depthwise):
    """A 3x3 conv (pad 1, c -> c) or depthwise conv, the activation `act`,
    and a 1x1 conv reading it: the activation's output is quantized, so a
    dequantize, activation, requantize chain follows the first layer."""
    w1 = rng.standard_normal((c, 3, 3) if depthwise else (c, c, 3, 3)).astype(np.float32)
    w1 /= np.sqrt(9 if depthwise else 9 * c)
    w2 = rng.standard_normal((c, c, 1, 1)).astype(np.float32) / np.sqrt(c)
    b = rng.standard_normal(c).astype(np.float32)
    shape, pshape = (n, c, h, w_), (n, c, h + 2, w_ + 2)
    kind = "depthwise_conv_2d_nchw_chw" if depthwise else "conv_2d_nchw_fchw"
    w1shape = w1.shape
    lines = [f"func.func @forward(%x: {t(*shape)}) -> {t(*shape)} {{",
             "  %zero = arith.constant 0.0 : f32",
             f"  %w1 = arith.constant {hexdense(w1)} : {t(*w1shape)}",
             f"  %b1 = arith.constant {hexdense(b)} : {t(c)}",
             f"  %w2 = arith.constant {hexdense(w2)} : {t(c, c, 1, 1)}",
             f"  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {{",
             "  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):",
             "    tensor.yield %zero : f32",
             f"  }} : {t(*shape)} to {t(*pshape)}",
             f"  %e1 = tensor.empty() : {t(*shape)}",
             f"  %i1 = linalg.broadcast ins(%b1 : {t(c)}) outs(%e1 : {t(*shape)}) "
             "dimensions = [0, 2, 3]",
             f"  %c1 = linalg.{kind} {{dilations = dense<1> : tensor<2xi64>, "
             f"strides = dense<1> : tensor<2xi64>}} ins(%p, %w1 : {t(*pshape)}, "
             f"{t(*w1shape)}) outs(%i1 : {t(*shape)}) -> {t(*shape)} loc(\"c1\")"]
    lines += relu_lines("a", "c1", shape, act)
    lines += [f"  %e2 = tensor.empty() : {t(*shape)}",
              f"  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : {t(*shape)}) -> {t(*shape)}",
              f"  %c2 = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, "
              f"strides = dense<1> : tensor<2xi64>}} ins(%a, %w2 : {t(*shape)}, "
              f"{t(c, c, 1, 1)}) outs(%i2 : {t(*shape)}) -> {t(*shape)} loc(\"c2\")",
              f"  return %c2 : {t(*shape)}", "}"]
    return "\n".join(lines) + "\n", shape


def pool_lines(name, src, shape, k, pad, stride, dilation, ceil):
    """nn.MaxPool2d as eq-export writes it: -inf padding (ceil_mode: extra
    padding at the bottom and right), linalg.pooling_nchw_max into a
    -inf-filled init."""
    n, c, h, w_ = shape
    lo = pad
    out = []
    for size, s_, d_ in ((h, stride[0], dilation[0]), (w_, stride[1], dilation[1])):
        span = size + 2 * pad - d_ * (k - 1) - 1
        o = (span + (s_ - 1 if ceil else 0)) // s_ + 1
        if ceil and (o - 1) * s_ >= size + pad:
            o -= 1
        out.append(o)
    oh, ow = out
    hi = [max(pad, (o - 1) * s_ + d_ * (k - 1) + 1 - size - pad)
          for o, s_, d_, size in ((oh, stride[0], dilation[0], h), (ow, stride[1], dilation[1], w_))]
    hp, wp = h + lo + hi[0], w_ + lo + hi[1]
    lines = ["  %ninf = arith.constant 0xFF800000 : f32",
             f"  %{name}_p = tensor.pad %{src} low[0, 0, {lo}, {lo}] high[0, 0, {hi[0]}, {hi[1]}] {{",
             "  ^bb0(%j0: index, %j1: index, %j2: index, %j3: index):",
             "    tensor.yield %ninf : f32",
             f"  }} : {t(n, c, h, w_)} to {t(n, c, hp, wp)}",
             f"  %{name}_e = tensor.empty() : {t(n, c, oh, ow)}",
             f"  %{name}_f = linalg.fill ins(%ninf : f32) outs(%{name}_e : {t(n, c, oh, ow)}) "
             f"-> {t(n, c, oh, ow)}",
             f"  %{name}_w = tensor.empty() : tensor<{k}x{k}xf32>",
             f"  %{name} = linalg.pooling_nchw_max {{dilations = dense<[{dilation[0]}, {dilation[1]}]> "
             f": tensor<2xi64>, strides = dense<[{stride[0]}, {stride[1]}]> : tensor<2xi64>}} "
             f"ins(%{name}_p, %{name}_w : {t(n, c, hp, wp)}, tensor<{k}x{k}xf32>) "
             f"outs(%{name}_f : {t(n, c, oh, ow)}) -> {t(n, c, oh, ow)} loc(\"pool\")"]
    return lines, (n, c, oh, ow)


def gap_lines(name, src, shape):
    """nn.AdaptiveAvgPool2d(1) as eq-export writes it: a sum pool over the
    whole plane, then a division by its size."""
    n, c, h, w_ = shape
    one = t(n, c, 1, 1)
    idmap = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>"
    return [f"  %{name}_e = tensor.empty() : {one}",
            f"  %{name}_z = linalg.fill ins(%zero : f32) outs(%{name}_e : {one}) -> {one}",
            f"  %{name}_w = tensor.empty() : tensor<{h}x{w_}xf32>",
            f"  %{name}_s = linalg.pooling_nchw_sum {{dilations = dense<1> : tensor<2xi64>, "
            f"strides = dense<[{h}, {w_}]> : tensor<2xi64>}} ins(%{src}, %{name}_w : "
            f"{t(*shape)}, tensor<{h}x{w_}xf32>) outs(%{name}_z : {one}) -> {one}",
            f"  %{name}_d = tensor.empty() : {one}",
            f"  %{name} = linalg.generic {{indexing_maps = [{idmap}, {idmap}], iterator_types = "
            '["parallel", "parallel", "parallel", "parallel"]} '
            f"ins(%{name}_s : {one}) outs(%{name}_d : {one}) {{",
            "  ^bb0(%in: f32, %o: f32):",
            f"    %size = arith.constant {float(h * w_)} : f32",
            "    %avg = arith.divf %in, %size : f32",
            "    linalg.yield %avg : f32",
            f"  }} -> {one} loc(\"{name}\")"], (n, c, 1, 1)


def pool_model(n, c, h, w_, k, pad, stride, dilation=(1, 1), ceil=False, then_conv=True,
               average=False):
    """A 1x1 conv (c -> c, relu), a max pool, and with `then_conv` another
    1x1 conv reading the pool (the pool's output quantized), else the pool's
    output returned (read as float)."""
    wt = [rng.standard_normal((c, c, 1, 1)).astype(np.float32) / np.sqrt(c) for _ in range(2)]
    lines = ["  %zero = arith.constant 0.0 : f32"]

    def conv(name, weight, src, shape):
        return [f"  %{name}_w = arith.constant {hexdense(weight)} : {t(c, c, 1, 1)}",
                f"  %{name}_e = tensor.empty() : {t(*shape)}",
                f"  %{name}_i = linalg.fill ins(%zero : f32) outs(%{name}_e : {t(*shape)}) "
                f"-> {t(*shape)}",
                f"  %{name} = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, "
                f"strides = dense<1> : tensor<2xi64>}} ins(%{src}, %{name}_w : {t(*shape)}, "
                f"{t(c, c, 1, 1)}) outs(%{name}_i : {t(*shape)}) -> {t(*shape)} "
                f"loc(\"{name}\")"]
    lines += conv("c1", wt[0], "x", (n, c, h, w_))
    lines += relu_lines("r", "c1", (n, c, h, w_))
    if average:
        plines, pshape = gap_lines("mp", "r", (n, c, h, w_))
    else:
        plines, pshape = pool_lines("mp", "r", (n, c, h, w_), k, pad, stride, dilation, ceil)
    lines += plines
    result = "mp"
    if then_conv:
        lines += conv("c2", wt[1], "mp", pshape)
        result = "c2"
    lines = ([f"func.func @forward(%x: {t(n, c, h, w_)}) -> {t(*pshape)} {{"] + lines
             + [f"  return %{result} : {t(*pshape)}", "}"])
    return "\n".join(lines) + "\n", (n, c, h, w_)


def block_model(n, c, h, w_, downsample):
    """A residual block: a 3x3 conv (pad 1, relu), a 1x1 conv, the add of
    its output and the block's shortcut, a relu and a 1x1 conv reading it.
    The shortcut is the first conv's output, or with `downsample` a 1x1
    conv of the input computed after the second conv: the add's other
    operand is then written after the first layer and before the second,
    whose kernel computes the add (--eqq-int8-kernels)."""
    shape, pshape = (n, c, h, w_), (n, c, h + 2, w_ + 2)
    lines = [f"func.func @forward(%x: {t(*shape)}) -> {t(*shape)} {{",
             "  %zero = arith.constant 0.0 : f32",
             f"  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {{",
             "  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):",
             "    tensor.yield %zero : f32",
             f"  }} : {t(*shape)} to {t(*pshape)}"]

    def conv(name, src, srcshape, k):
        wt = rng.standard_normal((c, c, k, k)).astype(np.float32) / np.sqrt(c * k * k)
        b = rng.standard_normal(c).astype(np.float32) * 0.5
        return [f"  %{name}_w = arith.constant {hexdense(wt)} : {t(c, c, k, k)}",
                f"  %{name}_b = arith.constant {hexdense(b)} : {t(c)}",
                f"  %{name}_e = tensor.empty() : {t(*shape)}",
                f"  %{name}_i = linalg.broadcast ins(%{name}_b : {t(c)}) outs(%{name}_e : "
                f"{t(*shape)}) dimensions = [0, 2, 3]",
                f"  %{name} = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, "
                f"strides = dense<1> : tensor<2xi64>}} ins(%{src}, %{name}_w : {t(*srcshape)}, "
                f"{t(c, c, k, k)}) outs(%{name}_i : {t(*shape)}) -> {t(*shape)} "
                f"loc(\"{name}\")"]
    lines += conv("c1", "p", pshape, 3)
    lines += relu_lines("r1", "c1", shape)
    lines += conv("c2", "r1", shape, 1)
    shortcut = "r1"
    if downsample:
        lines += conv("ds", "x", shape, 1)
        shortcut = "ds"
    lines += [f"  %s_e = tensor.empty() : {t(*shape)}",
              f"  %s = linalg.add ins(%c2, %{shortcut} : {t(*shape)}, {t(*shape)}) "
              f"outs(%s_e : {t(*shape)}) -> {t(*shape)}"]
    lines += relu_lines("r2", "s", shape)
    lines += conv("c3", "r2", shape, 1)
    lines += [f"  return %c3 : {t(*shape)}", "}"]
    return "\n".join(lines) + "\n", shape


MODELS = {
    "lin_1x5x5": linear_model(1, 5, 5, True, False),
    "lin_7x13x33_relu": linear_model(7, 13, 33, True, True),
    "lin_5x1000x17_nobias": linear_model(5, 1000, 17, False, False),
    "lin_130x67x70_relu": linear_model(130, 67, 70, True, True),
    "lin_3x64x128": linear_model(3, 64, 128, True, False),
    # Rows split between threads, a last column vector of one lane (a store
    # past it would reach the next row, which another thread writes).
    "mlp_11x7_13_33_7": mlp_model(11, [7, 13, 33, 7]),
    "mlp_64x40_100_70_10": mlp_model(64, [40, 100, 70, 10]),
    "conv_seed_3to5": conv_model(2, 3, 12, 12, 5, 3, 3, 0, (1, 1), (1, 1), False),
    "conv_pad_relu_odd": conv_model(1, 5, 9, 37, 7, 3, 3, 1, (1, 1), (1, 1), True),
    "conv_1x1_wide": conv_model(1, 9, 3, 50, 6, 1, 1, 0, (1, 1), (1, 1), False),
    "conv_stride2_rows": conv_model(1, 4, 11, 21, 9, 3, 3, 1, (2, 1), (1, 1), True),
    "conv_dilated": conv_model(1, 6, 10, 19, 4, 3, 3, 2, (1, 1), (2, 2), False),
    "conv_stride2_both": conv_model(1, 3, 10, 10, 5, 3, 3, 1, (2, 2), (1, 1), False),
    # Width strides: columns split by phase. A 7x7 stride-2 stem (3 input
    # channels, padding 3: odd phases), a 1x1 stride-2 downsample wider than
    # 64 pixels (4 packed vectors and a tail), stride 2 with dilation 2 (every
    # tap in one phase), stride 3 (16 pixels do not split in 3: packed one by
    # one) and stride 4.
    "conv_stem_7x7_s2": conv_model(1, 3, 15, 45, 8, 7, 7, 3, (2, 2), (1, 1), True),
    "conv_1x1_s2_wide": conv_model(2, 9, 4, 70, 6, 1, 1, 0, (2, 2), (1, 1), False),
    "conv_s2_dilated": conv_model(1, 4, 9, 41, 5, 3, 3, 2, (2, 2), (2, 2), True),
    "conv_s3_width": conv_model(1, 5, 5, 40, 4, 3, 3, 1, (1, 3), (1, 1), False),
    "conv_s4_width": conv_model(1, 6, 4, 67, 3, 2, 5, 1, (1, 4), (1, 1), True),
    # Rows shorter than 16 columns (lanes along output channels by
    # default): blocks of 3 channel vectors and the vectors left, a last
    # vector partly real, blocks of 7 columns and the columns left.
    "conv_7x7_f70": conv_model(1, 20, 7, 7, 70, 3, 3, 1, (1, 1), (1, 1), True),
    "conv_14_s2_f37": conv_model(2, 13, 27, 27, 37, 3, 3, 1, (2, 2), (1, 1), False),
    "conv_1x1_f48_w9": conv_model(1, 32, 7, 9, 48, 1, 1, 0, (1, 1), (1, 1), True),
    # 25 taps or more: the kernel loops over the filter rows (the taps of
    # a row unrolled), with channel lanes here and width lanes in the stem.
    "conv_5x5_f20_w9": conv_model(1, 6, 9, 9, 20, 5, 5, 2, (1, 1), (1, 1), True),
    # AMX tiles (64 input channels or more, rows of 12 columns or more): a last channel tile of 4 real rows and column tiles of 16, 16
    # and 5; stride 2 with 15 columns and 2 images; a 1x1 conv over 3 blocks
    # of 64 channels (one pass of the tiles through memory); dilation 2.
    "conv_amx_64to20": conv_model(1, 64, 5, 37, 20, 3, 3, 1, (1, 1), (1, 1), True),
    "conv_amx_128_s2": conv_model(2, 128, 9, 29, 48, 3, 3, 1, (2, 2), (1, 1), False),
    "conv_amx_1x1_192": conv_model(1, 192, 4, 70, 33, 1, 1, 0, (1, 1), (1, 1), True),
    "conv_amx_dilated": conv_model(1, 64, 9, 24, 16, 3, 3, 2, (1, 1), (2, 2), False),
    # Input channels not a multiple of 64, padded to one: 160 (two blocks
    # and a half), 240 in a 1x1 conv (three blocks and three quarters).
    "conv_amx_160": conv_model(1, 160, 6, 30, 24, 3, 3, 1, (1, 1), (1, 1), True),
    "conv_amx_240_1x1": conv_model(1, 240, 3, 33, 50, 1, 1, 0, (1, 1), (1, 1), False),
    # Depthwise: 3x3 pad 1 (MobileNet's stride 1 and 2), 5x5 pad 2 stride 2
    # (EfficientNet's), dilation 2, stride 3, rows of 1 to 70 pixels.
    "dw_3x3_s1": conv_model(2, 7, 9, 37, 7, 3, 3, 1, (1, 1), (1, 1), True, True),
    "dw_3x3_s2": conv_model(1, 5, 12, 70, 5, 3, 3, 1, (2, 2), (1, 1), False, True),
    "dw_5x5_s2": conv_model(1, 4, 11, 35, 4, 5, 5, 2, (2, 2), (1, 1), True, True),
    "dw_dilated_s3": conv_model(1, 3, 9, 41, 3, 3, 3, 2, (1, 3), (2, 2), False, True),
    "dw_1_pixel": conv_model(1, 6, 1, 1, 6, 3, 3, 1, (1, 1), (1, 1), True, True),
    # 16 columns at stride 4 with 5 taps span 65 bytes, past one 64-byte
    # window: the generic depthwise kernel even with isa=vbmi.
    "dw_5x5_s4_wide": conv_model(1, 3, 7, 70, 3, 5, 5, 2, (1, 4), (1, 1), False, True),
    # Grouped convs (G groups of C' input and F' output channels): ResNeXt's
    # 3x3 with 4 channels a group; 3 channels a group (a padded quad) and
    # F' = 6 (blocks of 3 output channels on AVX2's 7-column rows, which
    # divide F'), stride 2 with 2 images; a depthwise conv with channel
    # multiplier 2 (C' = 1); 16 channels a group on rows of 70 and 5.
    "conv_g4_resnext": grouped_model(1, 16, 9, 37, 16, 4, 3, 1, 1, True),
    "conv_g4_c3_f6_s2": grouped_model(2, 12, 11, 13, 24, 4, 3, 1, 2, False),
    "conv_g5_multiplier2": grouped_model(1, 5, 8, 21, 10, 5, 3, 1, 1, True),
    "conv_g2_c16_wide": grouped_model(1, 32, 3, 70, 32, 2, 3, 1, 1, False),
    "conv_g3_c16_w5_1x1": grouped_model(1, 48, 5, 5, 24, 3, 1, 0, 1, True),
    # Max pool on the stored integers: ResNet's 3x3 stride 2 pad 1 (read by
    # a conv, so quantized), 2x2 stride 2 (VGG's) returned as float, ceil
    # mode with an odd size, dilation, stride 3, a 1-pixel input.
    "pool_3x3_s2": pool_model(2, 5, 13, 37, 3, 1, (2, 2)),
    "pool_2x2_s2_float_out": pool_model(1, 4, 10, 70, 2, 0, (2, 2), then_conv=False),
    "pool_3x3_s2_ceil": pool_model(1, 3, 11, 35, 3, 0, (2, 2), ceil=True),
    "pool_dilated_s3": pool_model(1, 6, 12, 41, 3, 2, (1, 3), dilation=(2, 2)),
    "pool_1_pixel": pool_model(1, 3, 1, 1, 3, 1, (1, 1)),
    # Global average pools on the stored integers (--eqq-convert's i32 sum
    # of the integers less the zero point): 3 vectors and 15 masked lanes
    # a channel; one masked vector of 3 lanes.
    "gap_7x9": pool_model(2, 6, 7, 9, 0, 0, (1, 1), average=True),
    "gap_1x3": pool_model(1, 5, 1, 3, 0, 0, (1, 1), average=True),
    # A dequantize, SiLU or sigmoid, requantize chain between layers: a
    # 256-entry table (--eqq-lookup-tables) read in the first layer's
    # epilogue, against the chain computed (the loops run without tables).
    "act_conv_silu": act_model(1, 12, 9, 37, "silu", False),
    "act_dw_sigmoid": act_model(2, 21, 8, 19, "sigmoid", True),
    "act_mlp_silu": mlp_model(9, [40, 70, 10], "silu"),
    # Residual blocks: rows of 20 columns (lanes along them: the add is
    # computed in the epilogue of the shortcut's conv or, with a downsample
    # conv written after it, of the downsample), rows of 9 (lanes along
    # output channels, and on VBMI each tile's bytes transposed and stored
    # a channel row at a time: tiles of 7 columns and of 2).
    "block_w20": block_model(1, 24, 5, 20, False),
    "block_w20_downsample": block_model(2, 20, 4, 20, True),
    "block_w9": block_model(1, 40, 6, 9, False),
    "block_w9_downsample": block_model(1, 36, 5, 9, True),
    # A relu6 between layers shares the conv output's scale: the
    # requantize after it is an integer clamp of the first layer's bytes
    # (--eqq-lookup-tables), against the chain computed.
    "act_conv_relu6": act_model(1, 20, 7, 33, "relu6", False),
    "act_dw_relu6": act_model(2, 24, 9, 21, "relu6", True),
}

SIGNED = {"qconfig": {"global": None, "object_type": {
    kind: {"activation": {"observer": "minmax", "dtype": "qint8",
                          "qscheme": "per_tensor_affine"},
           "weight": {"observer": "per_channel_minmax", "dtype": "qint8",
                      "qscheme": "per_channel_symmetric"}}
    for kind in ("linear", "conv2d", "relu", "max_pool", "avg_pool", "silu", "sigmoid",
                 "clamp")}}}
signed_config = os.path.join(out, "signed.json")
with open(signed_config, "w") as fh:
    json.dump(SIGNED, fh)
# 7-bit per-channel weights (quant range [-64, 63], as ONNX Runtime's
# reduce_range), which the AVX2 kernels multiply as bytes with vpmaddubsw (no
# pair of products can saturate); run on the linear and conv models, on the
# AVX2 paths. A linear reads u8 activations, everything else s8 (offset by
# 128 into vpmaddubsw's unsigned operand).
W7 = {"qconfig": {"global": None, "object_type": {
    kind: {"activation": {"observer": "minmax",
                          "dtype": "quint8" if kind == "linear" else "qint8",
                          "qscheme": "per_tensor_affine"},
           "weight": {"observer": "per_channel_minmax", "dtype": "qint8",
                      "qscheme": "per_channel_symmetric", "quant_min": -64, "quant_max": 63}}
    for kind in ("linear", "conv2d", "relu", "max_pool", "avg_pool", "silu", "sigmoid",
                 "clamp")}}}
w7_config = os.path.join(out, "w7.json")
with open(w7_config, "w") as fh:
    json.dump(W7, fh)
CONFIGS = {"u8": "", "s8": "=config=" + signed_config, "w7": "=config=" + w7_config}
W7_MODELS = ("lin", "mlp", "conv_", "block", "act_conv", "act_mlp")
W7_ISAS = ("none", "avx2", "avx2-ch")
# Lowering options per run: isa, threads (the two-thread runs keep every
# parallel loop parallel: by default layers this small run on one thread).
ISAS = {"none": "isa=none threads=1 lookup-tables=false", "vnni": "isa=vnni threads=1",
        "vnni-t2": "isa=vnni threads=2 min-parallel-work=0", "host": "", "avx2": "isa=avx2 threads=1",
        "portable": "isa=portable threads=1"}
# A conv's kernel also with its lanes forced along output channels and along
# output columns (the default picks per layer), on two paths.
CONV_ISAS = {"vnni-ch": "isa=vnni threads=1 conv-lanes=channels",
             "avx2-ch": "isa=avx2 threads=1 conv-lanes=channels",
             "portable-ch": "isa=portable threads=2 min-parallel-work=0 conv-lanes=channels",
             "vnni-w": "isa=vnni threads=1 conv-lanes=width"}
# Convs with AMX tiles, on one and two threads (and as `host` picks them on
# a CPU with AMX).
AMX_ISAS = {"amx": "isa=amx threads=1", "amx-t2": "isa=amx threads=2 min-parallel-work=0"}
# Activation tables read with byte permutes, depthwise convs as byte
# permutes and dot products (AVX-512 VBMI).
VBMI_ISAS = {"vbmi": "isa=vbmi threads=1"}
# The default lowering also runs ahead of time.
AHEAD_OF_TIME = {"host"}
LLVM_LIB = os.path.normpath(os.path.join(os.path.dirname(
    subprocess.run(["which", "mlir-translate"], capture_output=True, text=True).stdout.strip()),
    "..", "lib"))


def descriptor(a):
    """A ranked memref descriptor over the C-contiguous float32 array `a`."""
    rank = a.ndim
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
              ("strides", ctypes.c_int64 * rank)]
    desc = type("Desc%d" % rank, (ctypes.Structure,), {"_fields_": fields})()
    desc.allocated = desc.aligned = a.ctypes.data
    desc.offset = 0
    for i in range(rank):
        desc.sizes[i] = a.shape[i]
        desc.strides[i] = a.strides[i] // a.itemsize
    return desc


def run_ahead_of_time(lowered, x, out_shape):
    """Compiles a lowered module to a shared object with clang -fopenmp and
    calls its C interface: forward(x) -> out."""
    ll = run("mlir-translate", "--mlir-to-llvmir", lowered)
    so = lowered + ".so"
    p = subprocess.run(["clang", "-O2", "-march=native", "-shared", "-fPIC", "-fopenmp",
                        "-Wno-override-module", "-Wl,-rpath," + LLVM_LIB, "-x", "ir", "-",
                        "-o", so], input=ll, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("clang failed:\n" + p.stderr)
    lib = ctypes.CDLL(so)
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.zeros(out_shape, dtype=np.float32)
    dx, dy = descriptor(x), descriptor(y)
    lib._mlir_ciface_forward(ctypes.byref(dx), ctypes.byref(dy))
    return y
flags = open("/proc/cpuinfo").read().split()
has_vnni = "avx512_vnni" in flags and "avx512bw" in flags and "avx512vl" in flags
RUNNABLE = {"none": True, "portable": True, "host": True, "avx2": "avx2" in flags,
            "vnni": has_vnni, "vnni-t2": has_vnni}
RUNNABLE.update({"vnni-ch": has_vnni, "vnni-w": has_vnni, "avx2-ch": RUNNABLE["avx2"],
                 "portable-ch": True})
has_amx = has_vnni and "amx_int8" in flags and "amx_tile" in flags
RUNNABLE.update({"amx": has_amx, "amx-t2": has_amx})
RUNNABLE["vbmi"] = has_vnni and "avx512vbmi" in flags
INSTRUCTION = {"vnni": ("+avx512f,+avx512bw,+avx512vl,+avx512vnni", "vpdpbusd"),
               "avx2": ("+avx2", "vpmaddwd"),
               "vbmi": ("+avx512f,+avx512bw,+avx512vl,+avx512vnni,+avx512vbmi", "vperm[it]2b"),
               "amx": ("+avx512f,+avx512bw,+avx512vl,+avx512vnni,+amx-tile,+amx-int8",
                       "tdpbsud")}

failures = []


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), p.stderr))
    return p.stdout


checked_asm = set()
for name, (text, shape) in MODELS.items():
    base = os.path.join(out, name)
    with open(base + ".mlir", "w") as fh:
        fh.write(text)
    np.save(base + ".calib.npy", rng.standard_normal(shape).astype(np.float32))
    np.save(base + ".x.npy", rng.standard_normal(shape).astype(np.float32) * 1.2)
    for tag, config in CONFIGS.items():
        if tag == "w7" and (not name.startswith(W7_MODELS) or name.startswith("conv_amx")):
            continue
        int8 = "%s.%s.int8.mlir" % (base, tag)
        try:
            run("eq-opt", base + ".mlir", "--eqq-prepare" + config,
                "--eqq-calibrate=data=" + base + ".calib.npy", "--eqq-convert", "-o", int8)
        except RuntimeError as e:
            failures.append("%s %s: %s" % (name, tag, e))
            continue
        outputs = {}
        isas = dict(ISAS, **(CONV_ISAS if name.startswith(("conv", "block")) else {}),
                    **(AMX_ISAS if name.startswith("conv_amx") else {}),
                    **(VBMI_ISAS if name.startswith(("act", "dw", "block")) else {}))
        if tag == "w7":
            isas = {k: v for k, v in isas.items() if k in W7_ISAS}
        for isa in isas:
            lowered = "%s.%s.%s.ll.mlir" % (base, tag, isa)
            try:
                run("eq-opt", int8, "--eqq-lower-to-llvm=" + isas[isa], "-o", lowered)
                # Every layer here has a kernel (the loops would pass the
                # comparison trivially): each kernel packs its start values.
                text = open(lowered).read()
                if isa != "none" and "__eqq_packed_start" not in text:
                    failures.append("%s %s %s: no kernel" % (name, tag, isa))
                # AVX2 multiplies bytes (vpmaddubsw) where the weights have
                # 7 bits, 16-bit words where they have 8.
                if isa.startswith("avx2") and ("pmadd.ub.sw" in text) != (tag == "w7"):
                    failures.append("%s %s %s: byte products %s" % (
                        name, tag, isa, "missing" if tag == "w7" else "unexpected"))
                # The AMX runs multiply tiles.
                if isa.startswith("amx") and "tdpbsud" not in text:
                    failures.append("%s %s %s: no tile product" % (name, tag, isa))
                # A global average pool's sum adds the lanes at the end.
                # (With the default config the next conv's equalization
                # scale requantizes the pool's output: it stays float.)
                if (isa != "none" and name.startswith("gap") and tag == "s8"
                        and "vector.reduce.add" not in text):
                    failures.append("%s %s %s: no sum kernel" % (name, tag, isa))
                # A pool's kernel takes the max of 16 bytes at once.
                # The activation's chain is a table gathered in the kernel's
                # epilogue. (With the default config, the second layer's
                # equalization scale makes the requantize per channel: that
                # chain reads a second value and stays computed.)
                # A relu6's requantize is an integer clamp instead.
                # Tables are read with byte permutes on `vbmi`, and by `host`
                # on a CPU with AVX-512 VBMI; with byte shuffles on `avx2`,
                # and by `host` on a CPU with AVX2 but not AVX-512 VNNI.
                permutes = isa == "vbmi" or (isa == "host" and RUNNABLE["vbmi"])
                shuffles = isa.startswith("avx2") or (
                    isa == "host" and RUNNABLE["avx2"] and not has_vnni)
                if (isa != "none" and name.startswith("act") and tag == "s8"):
                    if name.endswith("relu6"):
                        if "intr.smin" not in text or "masked.gather" in text:
                            failures.append("%s %s %s: no integer clamp" % (name, tag, isa))
                    elif permutes and ("vpermi2var" not in text or "masked.gather" in text):
                        failures.append("%s %s %s: no byte permute" % (name, tag, isa))
                    elif shuffles and "pshuf.b" not in text:
                        failures.append("%s %s %s: no byte shuffle" % (name, tag, isa))
                    elif not permutes and not shuffles and "masked.gather" not in text:
                        failures.append("%s %s %s: no table read" % (name, tag, isa))
                # Depthwise convs whose 16 columns' taps fit a 64-byte
                # window are byte permutes and dot products on VBMI.
                if isa != "none" and name.startswith("dw"):
                    expected = permutes and "wide" not in name
                    if expected != ("permvar" in text):
                        failures.append("%s %s %s: byte-permute depthwise kernel %s" % (
                            name, tag, isa, "missing" if expected else "unexpected"))
                # Convs with lanes along output channels transpose their
                # byte tiles with vpermi2b on VBMI.
                if isa != "none" and name.startswith("block_w9"):
                    expected = permutes
                    if expected != ("vpermi2var" in text):
                        failures.append("%s %s %s: transposed byte tiles %s" % (
                            name, tag, isa, "missing" if expected else "unexpected"))
                if (isa != "none" and name.startswith("pool")
                        and not re.search(r"intr\.[us]max\(.*vector<16xi8>", text)):
                    failures.append("%s %s %s: no max pool kernel" % (name, tag, isa))
                # (Only a table has byte permutes to find.)
                has_table = name.startswith("act") and tag == "s8" and not name.endswith("relu6")
                if (isa in INSTRUCTION and (isa != "vbmi" or has_table)
                        and (isa, name.startswith("conv")) not in checked_asm):
                    ll = run("mlir-translate", "--mlir-to-llvmir", lowered)
                    attrs, mnemonic = INSTRUCTION[isa]
                    asm = subprocess.run(["llc", "-O2", "-mattr=" + attrs, "-o", "-"],
                                         input=ll, capture_output=True, text=True)
                    if asm.returncode or not re.search(mnemonic, asm.stdout):
                        failures.append("%s %s %s: no %s in the assembly %s" % (
                            name, tag, isa, mnemonic, asm.stderr[:300]))
                    checked_asm.add((isa, name.startswith("conv")))
                if RUNNABLE[isa] and isa in AHEAD_OF_TIME:
                    ref_shape = outputs["none"].shape
                    outputs[isa] = run_ahead_of_time(lowered, np.load(base + ".x.npy"),
                                                     ref_shape)
                elif RUNNABLE[isa]:
                    y = lowered + ".y.npy"
                    run("eq-run", lowered, "--input", base + ".x.npy", "--output", y)
                    outputs[isa] = np.load(y)
            except RuntimeError as e:
                failures.append("%s %s %s: %s" % (name, tag, isa, e))
        ref = outputs.get("none")
        for isa, y in outputs.items():
            if ref is not None and not np.array_equal(y, ref):
                bad = int(np.sum(y != ref))
                failures.append("%s %s %s: %d of %d outputs differ from the loops (max %g)"
                                % (name, tag, isa, bad, y.size, float(np.abs(y - ref).max())))
        print("%-22s %s: %s" % (name, tag, ", ".join(
            "%s %s" % (i, "equal" if i in outputs and ref is not None
                       and np.array_equal(outputs[i], ref) else "-") for i in isas)))

print("assembly checked:", sorted(checked_asm))
if len(checked_asm) != 6:
    failures.append("assembly checks incomplete: %s" % sorted(checked_asm))
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
