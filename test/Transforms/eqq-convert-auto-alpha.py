# REQUIRES: torch
# RUN: %python %s %t
#
# Tests --eqq-convert auto-alpha: for each equalized layer of a linear chain,
# of a strided, padded conv chain and of a 1x1 conv -> depthwise 3x3 conv
# chain (the depthwise layer's scale divides its weight rows, one per
# channel), the recipe lists the SQNR of every
# candidate (no equalization, then alpha-grid ascending), and each value is
# what a NumPy model of the layer gives: the input scaled by the candidate's
# scale and quantized (default_qconfig: quint8 [0, 127] from the scaled
# range), times the weight divided by the scale and quantized (per-tensor
# symmetric qint8), against the float layer, on every row / output position of
# the data. The chosen alpha is the best candidate (no equalization on ties;
# with select-margin given, the best alpha must beat no equalization by it),
# layers whose inputs have an outlier channel are equalized, and the
# equalized float model (quantize=false) still computes the original function.

import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "eq-export"))
from eq_export import export_module  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
GRID = [0.25, 0.5, 0.75]


def run(*cmd):
    subprocess.run([str(c) for c in cmd], check=True)


def fake_quant_act(v, lo, hi):
    """MinMaxObserver(quint8, reduce_range): quant range [0, 127]."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = max(np.float32((hi - lo) / 127.0), np.finfo(np.float32).eps)
    zp = int(np.clip(0 - np.round(lo / scale), 0, 127))
    q = np.clip(np.round(v / scale) + zp, 0, 255)
    return (q - zp) * scale


def fake_quant_weight(w):
    """default_weight_observer: per-tensor symmetric qint8."""
    scale = max(np.float32(max(-w.min(), w.max(), 0.0) / 127.5), np.finfo(np.float32).eps)
    return np.clip(np.round(w / scale), -128, 127) * scale


def scale_for(alpha, xr, wr):
    s = (np.sqrt(wr / xr) if alpha == 0.5
         else wr ** (1 - alpha) / xr ** alpha).astype(np.float32)
    s[(s == 0) | ~np.isfinite(s)] = 1
    return s


def layer_sqnr(x, w, b, alpha, forward, depthwise=False):
    """x: the layer's input (channel axis 1 or last), w: W[out, in, ...];
    a depthwise conv's input channel c meets weight row c (W[c, 1, kh, kw])."""
    axis = x.ndim - 1 if w.ndim == 2 else 1
    other = tuple(d for d in range(x.ndim) if d != axis)
    xmin, xmax = x.min(axis=other), x.max(axis=other)
    waxis = 0 if depthwise else 1
    wother = tuple(d for d in range(w.ndim) if d != waxis)
    wr = w.max(axis=wother) - w.min(axis=wother)
    s = np.ones(w.shape[waxis], np.float32) if alpha is None else scale_for(alpha, xmax - xmin, wr)
    shape = [1] * x.ndim
    shape[axis] = -1
    lo, hi = float((xmin * s).min()), float((xmax * s).max())
    xq = fake_quant_act(x * s.reshape(shape), lo, hi)
    wshape = [1] * w.ndim
    wshape[waxis] = -1
    wq = fake_quant_weight(w / s.reshape(wshape))
    ref = forward(x.astype(np.float64), w.astype(np.float64))
    got = forward(xq.astype(np.float64), wq.astype(np.float64))
    bshape = [1] * ref.ndim
    bshape[1 if w.ndim > 2 else -1] = -1
    signal = ((ref + b.reshape(bshape)) ** 2).sum()
    return 10 * np.log10(signal / ((got - ref) ** 2).sum())


def linear(x, w):
    return x @ w.T


def conv(x, w):
    return torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                      stride=2, padding=1).numpy()


def conv1x1(x, w):
    return torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()


def depthwise(x, w):
    return torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                      stride=2, padding=1, groups=w.shape[0]).numpy()


class Linears(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Convs(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(6, 4, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv2(torch.relu(self.conv1(x)))


class Depthwise(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 1)
        self.conv2 = nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=6)

    def forward(self, x):
        return self.conv2(torch.relu(self.conv1(x)))


torch.manual_seed(0)
failures = []
for name, model, shape, fwd in (("linear", Linears(), (64, 8), linear),
                                ("conv", Convs(), (2, 3, 9, 9), conv),
                                ("depthwise", Depthwise(), (2, 3, 9, 9), depthwise)):
    model.eval()
    if name == "conv":
        conv_model = model
    x = torch.randn(shape)
    x[:, 1] *= 50.0  # an outlier input channel
    data = os.path.join(out, name + ".npy")
    np.save(data, x.numpy())
    mlir = os.path.join(out, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(export_module(model, (x,)))
    recipe = os.path.join(out, name + ".recipe.json")
    grid = ",".join(map(str, GRID))
    run("eq-opt", mlir, "--eqq-prepare", "--eqq-calibrate=data=" + data,
        "--eqq-convert=auto-alpha=true alpha-grid=%s data=%s recipe=%s" % (grid, data, recipe),
        "-o", os.path.join(out, name + ".int8.mlir"))
    with open(recipe) as f:
        layers = {L["name"]: L for L in json.load(f)["layers"]}

    # Each layer's float input, weight and bias, from the model.
    inputs = {}
    with torch.no_grad():
        first, second = list(model.children())
        inputs[first] = x.numpy()
        inputs[second] = torch.relu(first(x)).numpy()
    for mod, lname in ((first, "fc1" if name == "linear" else "conv1"),
                       (second, "fc2" if name == "linear" else "conv2")):
        L = layers[lname]
        tried = L.get("auto_alpha")
        if [c["alpha"] for c in tried] != [None] + GRID:
            failures.append("%s: candidates %s" % (lname, [c["alpha"] for c in tried]))
            continue
        w = mod.weight.detach().numpy()
        b = mod.bias.detach().numpy()
        first_fwd = conv1x1 if name == "depthwise" else fwd
        for c in tried:
            want = layer_sqnr(inputs[mod], w, b, c["alpha"],
                              fwd if mod is second else first_fwd,
                              depthwise=name == "depthwise" and mod is second)
            print("%-6s alpha %-5s recipe %.3f dB  numpy %.3f dB" % (lname, c["alpha"], c["sqnr_db"], want))
            if abs(want - c["sqnr_db"]) > 0.05:
                failures.append("%s alpha %s: recipe %.3f dB, numpy %.3f dB"
                                % (lname, c["alpha"], c["sqnr_db"], want))
        best = max(tried, key=lambda c: c["sqnr_db"])  # first of equals: none
        chosen = L.get("alpha") if L["equalized"] else None
        if chosen != best["alpha"]:
            failures.append("%s: chose %s, best is %s" % (lname, chosen, best["alpha"]))
    # The outlier channel is the first layer's input: equalizing it helps.
    if not layers["fc1" if name == "linear" else "conv1"]["equalized"]:
        failures.append("%s: the layer reading the outlier channel is not equalized" % name)

    # The equalized float model computes the original function.
    fmlir = os.path.join(out, name + ".eq.mlir")
    run("eq-opt", mlir, "--eqq-prepare", "--eqq-calibrate=data=" + data,
        "--eqq-convert=quantize=false auto-alpha=true data=" + data, "-o", fmlir)
    y = os.path.join(out, name + ".y.npy")
    run("eq-run", fmlir, "--input", data, "--output", y)
    with torch.no_grad():
        ref = model(x).numpy()
    err = np.abs(np.load(y) - ref).max() / np.abs(ref).max()
    print("%s: equalized float model, max relative error %.2e" % (name, err))
    if err > 1e-5:
        failures.append("%s: the equalized float model differs (%.2e)" % (name, err))

# A model exported for one image, calibrated and scored on the conv chain's
# two images stacked in one file (two batches of one): the same ranges and
# the same rows, so the same candidates' SQNRs as the two-image model's.
conv_data = os.path.join(out, "conv.npy")
one_mlir = os.path.join(out, "conv.one.mlir")
with open(one_mlir, "w") as f:
    f.write(export_module(conv_model, (torch.from_numpy(np.load(conv_data)[:1]),)))
recipe = os.path.join(out, "conv.one.recipe.json")
run("eq-opt", one_mlir, "--eqq-prepare", "--eqq-calibrate=stacked=true data=" + conv_data,
    "--eqq-convert=auto-alpha=true stacked=true alpha-grid=%s data=%s recipe=%s"
    % (",".join(map(str, GRID)), conv_data, recipe),
    "-o", "/dev/null")
for path in (recipe, os.path.join(out, "conv.recipe.json")):
    with open(path) as f:
        got = [(L["name"], [(c["alpha"], round(c["sqnr_db"], 3)) for c in L["auto_alpha"]])
               for L in json.load(f)["layers"]]
    if path == recipe:
        one = got
    else:
        print("stacked batches of one image:", one)
        if one != got:
            failures.append("two stacked batches of one image score %s, one batch of two %s" % (one, got))

# With select-margin given, auto-alpha weighs its best alpha against no
# equalization with it: 6 dB keeps fc1's scale (about 8.5 dB above none) and
# drops fc2's (about 4.2 dB).
recipe = os.path.join(out, "linear.margin.json")
run("eq-opt", os.path.join(out, "linear.mlir"), "--eqq-prepare",
    "--eqq-calibrate=data=" + os.path.join(out, "linear.npy"),
    "--eqq-convert=auto-alpha=true select-margin=6 alpha-grid=%s data=%s recipe=%s"
    % (",".join(map(str, GRID)), os.path.join(out, "linear.npy"), recipe), "-o", "/dev/null")
with open(recipe) as f:
    layers = {L["name"]: L for L in json.load(f)["layers"]}
got = [(n, layers[n]["equalized"]) for n in ("fc1", "fc2")]
print("select-margin=6:", got)
if got != [("fc1", True), ("fc2", False)]:
    failures.append("select-margin=6: equalized %s, expected fc1 only" % got)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("PASS")
