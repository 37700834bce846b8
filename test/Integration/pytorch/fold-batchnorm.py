# Tests that --eqq-fold-batchnorm folds eval-mode batch norms as PyTorch's
# fuse_conv_bn_eval / fuse_linear_bn_eval do: Conv2d + BatchNorm2d (+ ReLU),
# with and without conv bias (grouped Conv2d too), and Linear + BatchNorm1d (+ ReLU), with and
# without linear bias, each with non-trivial running_mean, running_var, gamma
# and beta (a freshly made batch norm is the identity and would hide folding
# bugs). Each model is exported with eq_export (the four linear/bias spellings
# in turn; weights above 64 elements as dense_resource), folded, and:
#  - the folded module has no batch norm left (no arith.mulf);
#  - eq-run's output of the folded module equals PyTorch's float output of the
#    model with its batch norm (rtol 1e-5, atol 1e-5 * max |output|: folding
#    moves the per-channel scale from after the dot product into each
#    product, which changes the rounding of every sum by a few ulps of the
#    largest partial sum, so outputs near zero need an absolute tolerance);
#  - the folded weight and bias equal PyTorch's fused ones to within float
#    rounding: PyTorch folds from the running statistics with rsqrt, the pass
#    from the exporter's scale = gamma / sqrt(var + eps) and shift = beta -
#    mean * scale, so weights may differ by a few ulps (rtol 4 * 2^-23) and
#    biases by a few ulps of the largest term of b * scale + beta - mean *
#    scale. The largest differences found are printed;
#  - --eqq-prepare recognizes the folded layer with its bias: one
#    eqq.weight_observer.
#
# REQUIRES: torch
# RUN: %python %s %t

import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval  # noqa: E402

from torch_ref import EXPORT_VARIANTS, Results, eq_opt, eq_run, export_module  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
EPS32 = float(np.finfo(np.float32).eps)


def randomize(bn, g):
    """Running statistics, gamma and beta far from the identity."""
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.rand(c, generator=g) * 4 - 2)
        bn.running_var.copy_(torch.rand(c, generator=g) * 3 + 0.1)
        bn.weight.copy_(torch.rand(c, generator=g) * 2 - 1)
        bn.bias.copy_(torch.rand(c, generator=g) * 2 - 1)


class LayerBN(nn.Module):
    def __init__(self, layer, bn, relu):
        super().__init__()
        self.layer = layer
        self.bn = bn
        self.relu = nn.ReLU() if relu else nn.Identity()

    def forward(self, x):
        return self.relu(self.bn(self.layer(x)))


MODELS = {
    "conv_bias_bn_relu": (lambda: (nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)), True,
                          (2, 3, 8, 8)),
    "conv_nobias_bn": (lambda: (nn.Conv2d(4, 6, 3, stride=2, bias=False), nn.BatchNorm2d(6)),
                       False, (2, 4, 9, 9)),
    # Grouped convs (linalg.conv_2d_ngchw_gfchw between reshapes): the
    # batch norm scales PyTorch's (G F') x C' x KH x KW weight's rows; a
    # bias-free one gets its bias as the 4-D init.
    "grouped_nobias_bn_relu": (lambda: (nn.Conv2d(8, 12, 3, padding=1, groups=4, bias=False),
                                        nn.BatchNorm2d(12)), True, (2, 8, 7, 7)),
    "grouped_bias_bn": (lambda: (nn.Conv2d(6, 6, 3, stride=2, groups=3), nn.BatchNorm2d(6)),
                        False, (1, 6, 9, 9)),
    "linear_bias_bn": (lambda: (nn.Linear(16, 10), nn.BatchNorm1d(10)), False, (5, 16)),
    "linear_nobias_bn_relu": (lambda: (nn.Linear(12, 7, bias=False), nn.BatchNorm1d(7)), True,
                              (5, 12)),
}


# --------------------------------------------------------------------------
# Reading the folded layer's constants back from eq-opt's output
# --------------------------------------------------------------------------

_CONST_RE = re.compile(r"^\s*(%[\w.]+) = arith\.constant (dense(?:_resource)?<(.*)>) : "
                       r"tensor<([0-9x]+)xf32>", re.M)


def resources(text):
    return {m.group(1): m.group(2) for m in re.finditer(r'^\s*([\w.]+): "0x([0-9A-Fa-f]+)"', text, re.M)}


def constants(text):
    """SSA name -> np.float32 array of every f32 tensor constant."""
    blobs = resources(text)
    result = {}
    for m in _CONST_RE.finditer(text):
        name, attr, body, shape = m.groups()
        shape = tuple(int(d) for d in shape.split("x"))
        if attr.startswith("dense_resource"):
            raw = bytes.fromhex(blobs[body])[4:]  # after the 4-byte alignment
            values = np.frombuffer(raw, dtype="<f4")
        elif body.startswith('"0x'):
            values = np.frombuffer(bytes.fromhex(body[3:-1]), dtype="<f4")
        else:
            values = np.array([float(v) for v in
                               re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan",
                                          body)], dtype=np.float32)
        result[name] = np.broadcast_to(values, shape) if values.size == 1 else values.reshape(shape)
    return result


def folded_weight_and_bias(text):
    consts = constants(text)
    layer = re.search(r"linalg\.(?:conv_2d_nchw_fchw|conv_2d_ngchw_gfchw|matmul)\b.*? "
                      r"ins\(%[\w.]+, (%[\w.]+) :.*?outs\((%[\w.]+) :", text)
    weight, init = layer.group(1), layer.group(2)

    def unexpanded(v):  # a grouped conv reads 4-D values through expand_shape
        m = re.search(r"^\s*%s = tensor\.expand_shape (%%[\w.]+) " % re.escape(v), text, re.M)
        return m.group(1) if m else v
    weight, init = unexpanded(weight), unexpanded(init)
    transpose = re.search(r"^\s*%s = linalg\.transpose ins\((%%[\w.]+) :" % re.escape(weight),
                          text, re.M)
    if transpose:
        weight = transpose.group(1)
    bcast = re.search(r"^\s*%s = linalg\.broadcast ins\((%%[\w.]+) :" % re.escape(init), text, re.M)
    if bcast:
        bias = bcast.group(1)
    else:  # bias added after: the generic reading the layer's result and a 1-D constant
        add = re.search(r"linalg\.generic .*? ins\(%[\w.]+, (%[\w.]+) : tensor<[0-9x]+xf32>, "
                        r"tensor<\d+xf32>\)", text)
        bias = add.group(1)
    return consts[weight], consts[bias]


results = Results()
worst = {"output": 0.0, "weight": 0.0, "bias": 0.0}
for i, (name, (factory, relu, shape)) in enumerate(MODELS.items()):
    torch.manual_seed(100 + i)
    g = torch.Generator().manual_seed(200 + i)
    layer, bn = factory()
    randomize(bn, g)
    model = LayerBN(layer, bn, relu).eval()
    x = torch.randn(shape, generator=g)
    variant = EXPORT_VARIANTS[i % len(EXPORT_VARIANTS)]
    base = os.path.join(out, name)
    what = "%s (%s, bias %s)" % (name, variant["linear_spelling"], variant["bias"])
    try:
        with open(base + ".mlir", "w") as f:
            f.write(export_module(model, (x,), **variant))
        eq_opt(base + ".mlir", "--eqq-fold-batchnorm", "-o", base + ".folded.mlir")
        np.save(base + ".x.npy", x.numpy())
        eq_run(base + ".folded.mlir", "--input", base + ".x.npy", "--output", base + ".y.npy")
        prepared = eq_opt(base + ".folded.mlir", "--eqq-prepare")
    except Exception as e:  # export, eq-opt or eq-run failed
        results.error(what, e)
        continue
    with open(base + ".folded.mlir") as f:
        folded = f.read()
    results.ok("arith.mulf" not in folded, what + ": batch norm folded",
               "an arith.mulf is left in %s" % (base + ".folded.mlir"))

    with torch.no_grad():
        ref = model(x).numpy()
    got = np.load(base + ".y.npy")
    atol = 1e-5 * float(np.abs(ref).max())
    if results.close(what + ": eq-run output vs PyTorch", got, ref, rtol=1e-5, atol=atol):
        worst["output"] = max(worst["output"],
                              float(np.max(np.abs(got - ref) / (np.abs(ref) + atol))))

    fuse = fuse_conv_bn_eval if isinstance(layer, nn.Conv2d) else fuse_linear_bn_eval
    fused = fuse(layer, bn)
    ref_w = fused.weight.detach().numpy()
    ref_b = fused.bias.detach().numpy()
    try:
        w, b = folded_weight_and_bias(folded)
    except (AttributeError, KeyError, ValueError) as e:
        results.error(what + ": reading the folded constants", e)
        continue
    if results.close(what + ": folded weight vs fuse_*_bn_eval", w, ref_w, rtol=4 * EPS32):
        worst["weight"] = max(worst["weight"],
                              float(np.max(np.abs(w - ref_w) / np.abs(ref_w))) / EPS32)
    # The size of the terms of b * scale + beta - mean * scale.
    with torch.no_grad():
        scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).numpy()
        lb = layer.bias.numpy() if layer.bias is not None else np.zeros_like(scale)
        terms = (np.abs(lb * scale) + np.abs(bn.bias.numpy()) +
                 np.abs(bn.running_mean.numpy() * scale))
    err = np.abs(b.astype(np.float64) - ref_b) / terms
    results.ok(bool(np.all(err <= 4 * EPS32)), what + ": folded bias vs fuse_*_bn_eval",
               "ours %s, PyTorch %s, error %s ulps of the largest term"
               % (b, ref_b, err / EPS32))
    worst["bias"] = max(worst["bias"], float(err.max()) / EPS32)

    n = len(re.findall(r"eqq\.weight_observer\b", prepared))
    results.ok(n == 1, what + ": --eqq-prepare finds the folded layer",
               "%d eqq.weight_observer ops, expected 1" % n)
    for suffix in (".x.npy", ".y.npy"):
        os.remove(base + suffix)

print("largest differences: output %.3g (relative, against |ref| + atol), weight %.2f ulps, "
      "bias %.2f ulps of the largest term" % (worst["output"], worst["weight"], worst["bias"]))
results.finish()
