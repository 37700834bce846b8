#!/usr/bin/python3
"""Accuracy of EqQuant's int8 models against PyTorch 1.13's: SQNR on models
with outlier channels (and one without), top-1 on the digits example.

Models, exported from PyTorch with tools/eq-export:

  mlp:    Linear 64 -> 128, relu, Linear 128 -> 128, relu, Linear 128 -> 10
          (batch 64); 4 of the 64 input features are scaled 30-100x;
  conv:   3x16x16 input, Conv2d(3, 16, 3) + relu, Conv2d(16, 16, 3) + relu,
          flatten, Linear(16*12*12, 10) (batch 32); 1 of the 3 input
          channels is scaled 60x;
  qkv:    q, k, v: three Linear 64 -> 64 on one input (a shared input; 4 of
          its 64 features scaled 30-100x), relu'd and summed, then
          Linear 64 -> 10 (batch 64);
  block:  a shared input and a residual add (batch 64):
            h = fc_in(x)                       Linear 64 -> 64; 4 of its 64
                                               output rows (weights and
                                               bias) scaled 30-100x: h has
                                               outlier channels
            a = relu(q(h)) + relu(k(h)) + relu(v(h))   q, k, v share h
            r = h + fc_o(a)                    the residual add
            y = fc_out(relu(r))                Linear 64 -> 10
          x is plain randn; the other layers keep their initial weights,
          so the q/k/v branch reads h's outlier channels at full weight;
  block-bal:  the same block (new weights and data) with the weight
          columns that read h's outlier channels (q, k, v and fc_out)
          divided by the channels' scales: the same function as the block
          without outliers, whose int8 SQNR without equalization is printed
          as a reference;
  plain:  the mlp's architecture on plain randn inputs: no outlier channels.

Each is calibrated on the same calibration set (4 batches) and evaluated on a
held-out batch drawn from the same distribution. For each variant the SQNR of
the int8 model's output against the float model's output is printed:

  SQNR = 20 log10(||float|| / ||float - int8||)     (PyTorch's compute_sqnr)

  EqQuant noeq     eq-opt --eqq-prepare="config=<no equalization key>"
                   --eqq-calibrate --eqq-convert
  EqQuant default  eq-opt --eqq-prepare (built-in default: linear and conv
                   equalized with default_equalization_qconfig) ...
  select           the default with --eqq-convert="select=true": each layer
                   keeps its equalization only where it scores better than
                   none on the rows --eqq-calibrate sampled
  alpha=, scale-mode=, data-free=
                   --eqq-convert migration options (mlp, conv)
  shared-inputs    --eqq-prepare="shared-inputs=true" (qkv, block, block-bal)
  residual-adds    --eqq-prepare="residual-adds=true" (block, block-bal);
                   also with --eqq-convert="carry-folds=false"
  auto-alpha       --eqq-convert="auto-alpha=true data=<the calibration
                   batches>": per layer the alpha of the default grid, or no
                   equalization, whose int8 layer output is closest to float
  all              every applicable option of the model together
  torch noeq       prepare_fx(specific_qconfig_dict), calibrate, convert_fx;
                   onednn engine
  torch eq         the same with
                   _equalization_config=default_equalization_qconfig_dict

The float reference is PyTorch's float output; for EqQuant the float module
run by eq-run is also compared with it (it must agree to ~1e-6).

Digits: the bundled example's trained MLP and CNN (examples/digits/, the
files scripts/demo.sh evaluates: its calibration batches, test split and
weights), top-1 accuracy on the 512-image test split for float, EqQuant
noeq, default and auto-alpha, and PyTorch noeq and eq (evaluate.py's
PyTorch code). Shared inputs and residual adds do not occur in them.

Targets, one PASS/FAIL line each:
  (a) each option improves on EqQuant default on the model it targets:
      shared-inputs on qkv; residual-adds, alone and with shared-inputs, on
      both blocks (alone, shared-inputs cannot help there: the shared input
      also feeds the float add); auto-alpha on plain and block, whose
      layers differ (with and without outlier channels). auto-alpha's
      difference to default on every model, the digits logits included, is
      printed as information;
  (b) the best EqQuant variant beats PyTorch eq on every model, and its
      digits top-1 is at least PyTorch eq's;
  and, for mlp and conv, EqQuant default beats both EqQuant noeq and
  PyTorch eq; (c) select is never more than 0.2 dB below noeq, and on mlp
  and conv within 0.2 dB of default (equalization's gain kept). The
  pipeline's time (one eq-opt command) with and without select is printed.

With --layers, per-layer details from EqQuant's recipe files are printed too
(equalization scales and alphas, input ranges and qparams after
equalization).

usage: bench/accuracy.py [--layers] [--keep DIR]
Exits 0 whether or not the targets are met; non-zero only when something
crashed.
"""

import argparse
import copy
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build"))
EQ_OPT = os.path.join(BUILD, "bin", "eq-opt")
EQ_RUN = os.path.join(BUILD, "bin", "eq-run")
DIGITS = os.path.join(ROOT, "examples", "digits")
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-export"))
sys.path.insert(0, DIGITS)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from eq_export import export_module  # noqa: E402
from seed_qconfigs import DEFAULT_EQUALIZATION_QCONFIG_DICT, SPECIFIC_QCONFIG_DICT  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

warnings.filterwarnings("ignore")


# EqQuant: the same quantization, no "equalization" key (equalizes nothing).
NOEQ_CONFIG = {"qconfig": {"global": None, "object_type": {
    "linear": "default", "conv2d": "default", "relu": "default"}}}

CALIB_BATCHES = 4


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(128, 128)
        self.relu2 = nn.ReLU()
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc3(self.relu2(self.fc2(self.relu1(self.fc1(x)))))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(16, 16, 3)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(16 * 12 * 12, 10)

    def forward(self, x):
        x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(torch.flatten(x, 1))


class SharedInputBlock(nn.Module):
    """q/k/v-style: three linears read one input (the branch rule skips
    them), their relu'd outputs summed, then an output linear."""

    def __init__(self):
        super().__init__()
        self.q = nn.Linear(64, 64)
        self.k = nn.Linear(64, 64)
        self.v = nn.Linear(64, 64)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        return self.out(torch.relu(self.q(x)) + torch.relu(self.k(x)) + torch.relu(self.v(x)))


class ResidualBlock(nn.Module):
    """A shared input and a residual add: h feeds q, k, v and the add in
    front of fc_out, whose operands are two linears' outputs (fc_in, fc_o)."""

    def __init__(self):
        super().__init__()
        self.fc_in = nn.Linear(64, 64)
        self.q = nn.Linear(64, 64)
        self.k = nn.Linear(64, 64)
        self.v = nn.Linear(64, 64)
        self.fc_o = nn.Linear(64, 64)
        self.fc_out = nn.Linear(64, 10)

    def forward(self, x):
        h = self.fc_in(x)
        a = torch.relu(self.q(h)) + torch.relu(self.k(h)) + torch.relu(self.v(h))
        r = h + self.fc_o(a)
        return self.fc_out(torch.relu(r))


def channel_scales(n, outliers, gen):
    """Per-channel scale: 1 for most, 30-100 for the `outliers` channels."""
    s = torch.ones(n)
    idx = torch.randperm(n, generator=gen)[:outliers]
    s[idx] = 30.0 + 70.0 * torch.rand(outliers, generator=gen)
    return s, sorted(idx.tolist())


def make_case(name, gen):
    """(model, calibration batches, test batch, outlier channels, scales).
    The outliers are input channels, except for the blocks (fc_in's
    outputs, h)."""
    model, shape, axis_len, outliers = {
        "mlp": (MLP, (64, 64), 64, 4),
        "conv": (ConvNet, (32, 3, 16, 16), 3, 1),
        "qkv": (SharedInputBlock, (64, 64), 64, 4),
        "block": (ResidualBlock, (64, 64), 64, 4),
        "block-bal": (ResidualBlock, (64, 64), 64, 4),
        "plain": (MLP, (64, 64), 64, 0),
    }[name]
    model = model().eval()
    scales, idx = channel_scales(axis_len, outliers, gen)
    view = (1, -1) if len(shape) == 2 else (1, -1, 1, 1)
    inputs = scales
    if name.startswith("block"):
        inputs = torch.ones(axis_len)
        with torch.no_grad():
            model.fc_in.weight.mul_(scales.view(-1, 1))
            model.fc_in.bias.mul_(scales)
            if name == "block-bal":
                for m in (model.q, model.k, model.v, model.fc_out):
                    m.weight.div_(scales.view(1, -1))

    def batch():
        return torch.randn(shape, generator=gen) * inputs.view(view)
    calib = [batch() for _ in range(CALIB_BATCHES)]
    test = batch()
    return model, calib, test, idx, scales


def without_outliers(block, scales):
    """block-bal's function without its outlier channels: fc_in's rows and
    the readers' columns scaled back."""
    block = copy.deepcopy(block)
    with torch.no_grad():
        block.fc_in.weight.div_(scales.view(-1, 1))
        block.fc_in.bias.div_(scales)
        for m in (block.q, block.k, block.v, block.fc_out):
            m.weight.mul_(scales.view(1, -1))
    return block


# Variants: (label, EqQuant configuration (None: built-in default),
# --eqq-prepare options, --eqq-convert options); {calib} stands for the
# calibration batches.
NOEQ = ("noeq", NOEQ_CONFIG, "", "")
DEFAULT = ("default", None, "", "")
AUTO = ("auto-alpha", None, "", "auto-alpha=true data={calib}")
SELECT = ("select", None, "", "select=true")
SHARED = ("shared-inputs", None, "shared-inputs=true", "")
RESIDUAL = ("residual-adds", None, "residual-adds=true", "")
SHARED_RESIDUAL = ("shared-inputs + residual-adds", None, "shared-inputs=true residual-adds=true", "")
# --eqq-convert options compared with the default (range, alpha 0.5).
MIGRATION = ["alpha=0.25", "alpha=0.75", "scale-mode=absmax", "scale-mode=absmax alpha=0.75",
             "data-free=true"]

BLOCK_VARIANTS = [NOEQ, DEFAULT, SELECT, SHARED, RESIDUAL, SHARED_RESIDUAL, AUTO,
                  ("all", None, SHARED_RESIDUAL[2], AUTO[3]),
                  ("residual-adds, carry-folds=false", None, RESIDUAL[2], "carry-folds=false")]
CASES = [
    ("mlp", [NOEQ, DEFAULT, SELECT, AUTO] + [(m, None, "", m) for m in MIGRATION]),
    ("conv", [NOEQ, DEFAULT, SELECT, AUTO] + [(m, None, "", m) for m in MIGRATION]),
    ("qkv", [NOEQ, DEFAULT, SELECT, SHARED, AUTO, ("all", None, SHARED[2], AUTO[3])]),
    ("block", BLOCK_VARIANTS),
    ("block-bal", BLOCK_VARIANTS),
    ("plain", [NOEQ, DEFAULT, SELECT, AUTO]),
]
# The option each model is there to measure (target (a)). shared-inputs
# alone cannot fold the blocks' shared input h into fc_in, since h also feeds
# the float add; with residual-adds the add takes the scale and q/k/v share
# it. auto-alpha targets models whose layers differ: plain (no outliers) and
# block (fc_in reads plain randn, the layers after it read outliers); it is
# reported on every model.
TARGETS = [("shared-inputs", "qkv"),
           ("residual-adds", "block"), ("residual-adds", "block-bal"),
           ("shared-inputs + residual-adds", "block"), ("shared-inputs + residual-adds", "block-bal"),
           ("auto-alpha", "plain"), ("auto-alpha", "block")]


def sqnr(ref, x):
    ref = np.asarray(ref, dtype=np.float64)
    err = np.linalg.norm(ref - np.asarray(x, dtype=np.float64))
    if err == 0:
        return math.inf
    return 20 * math.log10(np.linalg.norm(ref) / err)


class ToolError(Exception):
    pass


def run(cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode:
        raise ToolError("%s failed (%d):\n%s" % (os.path.basename(str(cmd[0])), p.returncode,
                                                 p.stderr.strip()[-2000:]))
    return p.stdout


def eqquant(tmp, tag, mlir, calib_files, test_files, config, prepare_options="",
            convert_options=""):
    """Prepare (with `config`, None = built-in default, and
    `prepare_options`), calibrate, convert (with `convert_options`, e.g.
    "alpha=0.75"), run on each test batch. Returns (outputs concatenated,
    recipe)."""
    prep = "--eqq-prepare"
    if config is not None:
        cfg = os.path.join(tmp, tag + ".config.json")
        with open(cfg, "w") as f:
            json.dump(config, f)
        prep = '--eqq-prepare=config=%s' % cfg
    if prepare_options:
        prep += ("=" if prep == "--eqq-prepare" else " ") + prepare_options
    recipe = os.path.join(tmp, tag + ".recipe.json")
    out_mlir = os.path.join(tmp, tag + ".int8.mlir")
    convert = "recipe=" + recipe
    if convert_options:
        convert += " " + convert_options.format(calib=",".join(calib_files))
    start = time.time()
    run([EQ_OPT, mlir, prep, "--eqq-calibrate=data=" + ",".join(calib_files),
         "--eqq-convert=" + convert, "-o", out_mlir])
    PIPELINE_SECONDS[tag] = time.time() - start
    ys = []
    for i, x in enumerate(test_files):
        y = os.path.join(tmp, "%s.y%d.npy" % (tag, i))
        run([EQ_RUN, out_mlir, "--input", x, "--output", y])
        ys.append(np.load(y))
    with open(recipe) as f:
        return np.concatenate(ys), json.load(f)


# Seconds of each eq-opt pipeline command, by tag.
PIPELINE_SECONDS = {}


def pytorch_int8(model, calib, test, equalize):
    m = prepare_fx(copy.deepcopy(model), SPECIFIC_QCONFIG_DICT, example_inputs=(calib[0],),
                   _equalization_config=DEFAULT_EQUALIZATION_QCONFIG_DICT if equalize else None)
    with torch.no_grad():
        for x in calib:
            m(x)
        q = convert_fx(m)
        return q(test).numpy()


def print_layers(name, recipes):
    print("\n  per-layer details (%s, EqQuant recipes; input range after equalization):" % name)
    for tag, recipe in recipes.items():
        print("   %s" % tag)
        for L in recipe["layers"]:
            inp, out = L.get("input", {}), L.get("output", {})
            line = "     %-6s eq=%-5s" % (L["name"], L.get("equalized"))
            if L.get("equalized"):
                s = np.array(L["equalization_scale"], dtype=float)
                line += " scale[min %.3g max %.3g] %-18s" % (s.min(), s.max(), L.get("scale_applied"))
            if L.get("auto_alpha"):
                line += " alpha %s (%s)" % (
                    "none" if L.get("alpha") is None else "%.1f" % L["alpha"],
                    " ".join("%s:%.1f" % ("none" if c["alpha"] is None else "%.1f" % c["alpha"],
                                          c["sqnr_db"]) for c in L["auto_alpha"]))
            line += " in[%.3g, %.3g] in_scale %.3g  out_scale %.3g" % (
                float(inp.get("min", "nan")), float(inp.get("max", "nan")),
                float(inp.get("scale", "nan")), float(out.get("scale", "nan")))
            w = L.get("weight", {})
            ws = np.array(w.get("scale", [float("nan")]), dtype=float)
            line += "  w_scale[%.3g..%.3g]" % (ws.min(), ws.max())
            print(line)


def output_floor(ref, recipe):
    """SQNR of the float output quantized with the last layer's output qparams
    (quint8 values clamped to [0, 255]): no int8 model with these output
    qparams can do better."""
    out = recipe["layers"][-1].get("output", {})
    s, zp = float(out["scale"]), float(out.get("zero_point", 0))
    lo, hi = (0, 255) if out.get("dtype", "quint8") == "quint8" else (-128, 127)
    q = np.clip(np.round(ref / s) + zp, lo, hi)
    return sqnr(ref, (q - zp) * s)


def auto_choices(recipe):
    """(layers auto-alpha scored, of them left unequalized, chosen alphas)."""
    scored = [L for L in recipe["layers"] if L.get("auto_alpha")]
    left = [L["name"] for L in scored if L.get("alpha") is None]
    return len(scored), left, {L["name"]: L.get("alpha") for L in scored}


def save_batches(tmp, prefix, batches):
    files = []
    for i, x in enumerate(batches):
        files.append(os.path.join(tmp, "%s%d.npy" % (prefix, i)))
        np.save(files[-1], x)
    return files


def run_case(tmp, name, variants, gen, notes):
    """Every variant of one model on its held-out batch. Returns a dict:
    idx, scales, float_dev, sqnr {label: dB or None}, floor {label: dB},
    recipes {label: recipe}, torch-noeq, torch-eq, and unscaled-noeq (the
    model without outliers, not equalized) for block-bal."""
    model, calib, test, idx, scales = make_case(name, gen)
    mlir = os.path.join(tmp, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(export_module(model, (calib[0],)))
    calib_files = save_batches(tmp, name + ".calib", [x.numpy() for x in calib])
    test_file = save_batches(tmp, name + ".test", [test.numpy()])
    with torch.no_grad():
        ref = model(test).numpy()
    yf = os.path.join(tmp, name + ".float.y.npy")
    run([EQ_RUN, mlir, "--input", test_file[0], "--output", yf])
    case = {"idx": idx, "scales": scales[idx].tolist(), "sqnr": {}, "floor": {}, "recipes": {},
            "float_dev": float(np.abs(np.load(yf) - ref).max() / np.abs(ref).max())}
    for label, config, popts, copts in variants:
        tag = "%s.%s" % (name, "".join(c if c.isalnum() or c in ".-" else "_" for c in label))
        try:
            y, recipe = eqquant(tmp, tag, mlir, calib_files, test_file, config, popts, copts)
            case["sqnr"][label] = sqnr(ref, y)
            case["floor"][label] = output_floor(ref, recipe)
            case["recipes"][label] = recipe
        except ToolError as e:
            case["sqnr"][label] = None
            notes.append("%s %s: %s" % (name, label, e))
    for key, eq in (("torch-noeq", False), ("torch-eq", True)):
        try:
            case[key] = sqnr(ref, pytorch_int8(model, calib, test, eq))
        except Exception as e:  # PyTorch's FX equalization rejects some graphs
            case[key] = None
            notes.append("%s %s: %s: %s" % (name, key, type(e).__name__, e))
    if name == "block-bal":
        umlir = os.path.join(tmp, name + ".unscaled.mlir")
        with open(umlir, "w") as f:
            f.write(export_module(without_outliers(model, scales), (calib[0],)))
        try:
            y, _ = eqquant(tmp, name + ".unscaled.noeq", umlir, calib_files, test_file, NOEQ_CONFIG)
            case["unscaled-noeq"] = sqnr(ref, y)
        except ToolError as e:
            case["unscaled-noeq"] = None
            notes.append("%s without outliers, noeq: %s" % (name, e))
    return case


def run_digits(tmp, notes):
    """Top-1 (%) and logit SQNR (dB) of the digits models: ({model: {label:
    (top-1, SQNR) or None}}, PyTorch version, engine, test images,
    calibration batches, batch size)."""
    import evaluate  # examples/digits/evaluate.py: PyTorch's side, as the demo runs it
    test_x = np.load(os.path.join(DIGITS, "test_x.npy"))
    test_y = np.load(os.path.join(DIGITS, "test_y.npy"))
    calib_files = [os.path.join(DIGITS, c) for c in evaluate.CALIB]
    calib = [np.load(c) for c in calib_files]
    batch = evaluate.batch_of(os.path.join(DIGITS, "mlp.mlir"))
    test_files = save_batches(tmp, "digits.test", [test_x[i:i + batch]
                                                   for i in range(0, len(test_x), batch)])
    torch_res, version, engine = evaluate.pytorch_rows(calib, test_x)

    def top1(y):
        return 100.0 * float((y.argmax(1) == test_y).mean())
    res = {}
    for name in evaluate.MODELS:
        ref = torch_res[name]["float"]
        rows = {"float": (top1(ref), None),
                "torch noeq": (top1(torch_res[name]["int8"]), sqnr(ref, torch_res[name]["int8"])),
                "torch eq": (top1(torch_res[name]["int8+eq"]), sqnr(ref, torch_res[name]["int8+eq"]))}
        for label, config, popts, copts in (NOEQ, DEFAULT, AUTO):
            try:
                y, _ = eqquant(tmp, "digits.%s.%s" % (name, label), os.path.join(DIGITS, name + ".mlir"),
                               calib_files, test_files, config, popts, copts)
                rows[label] = (top1(y), sqnr(ref, y))
            except ToolError as e:
                rows[label] = None
                notes.append("digits %s %s: %s" % (name, label, e))
        res[name] = rows
    return res, version, engine, len(test_y), len(calib), batch


def fmt(v, width=10):
    return "%*s" % (width, "error" if v is None else "%.2f" % v)


def db(v):
    return "error" if v is None else "%.2f dB" % v


def best_eqquant(res):
    """(label, SQNR) of the best variant that ran, or (None, None)."""
    ok = {k: v for k, v in res.items() if v is not None}
    if not ok:
        return None, None
    k = max(ok, key=ok.get)
    return k, ok[k]


def print_sqnr(cases):
    print("\nSQNR (dB) of the int8 output vs the float output on a held-out batch "
          "(calibration: %d batches; higher is better)" % CALIB_BATCHES)
    hdr = "%-9s  %-34s  %12s  %10s  %10s  %10s  %10s  %10s  %10s" % (
        "model", "outlier channels (scale)", "float eq-run", "EqQ noeq", "EqQ eq", "EqQ select",
        "EqQ auto", "torch noeq", "torch eq")
    print(hdr)
    print("-" * len(hdr))
    for name, _ in CASES:
        c = cases[name]
        outl = ",".join("%d(%.0fx)" % (i, s) for i, s in zip(c["idx"], c["scales"])) or "none"
        print("%-9s  %-34s  %12.1e  %s  %s  %s  %s  %s  %s" % (
            name, outl, c["float_dev"], fmt(c["sqnr"]["noeq"]), fmt(c["sqnr"]["default"]),
            fmt(c["sqnr"]["select"]), fmt(c["sqnr"]["auto-alpha"]), fmt(c["torch-noeq"]),
            fmt(c["torch-eq"])))
        print("%-9s  %-34s  %12s  %s  %s  %s  %s" % (
            "", "  output-quantization floor", "", fmt(c["floor"].get("noeq")),
            fmt(c["floor"].get("default")), fmt(c["floor"].get("select")),
            fmt(c["floor"].get("auto-alpha"))))
    print("(float eq-run: max |eq-run float - torch float| / max |torch float|;")
    print(" output-quantization floor: SQNR of the float output itself quantized with the int8 model's")
    print(" output qparams (default_qconfig: quint8 [0, 127]); no int8 model with them can do better;")
    print(" blocks: the outlier channels are fc_in's outputs h, their input x is plain randn)")

    print("\nEqQuant equalized with other migration strengths (--eqq-convert options; default: "
          "scale-mode=range alpha=0.5):")
    cols = ["default"] + MIGRATION + ["auto-alpha"]
    print(("%-9s  %s" % ("model", "  ".join("%-28s" % m for m in cols))).rstrip())
    for name in ("mlp", "conv"):
        print(("%-9s  %s" % (name, "  ".join("%-28s" % fmt(cases[name]["sqnr"].get(k)).strip()
                                             for k in cols))).rstrip())

    names = ("qkv", "block", "block-bal")
    print("\nShared inputs and residual adds (--eqq-prepare options), SQNR (dB):")
    print("%-40s  %s" % ("variant", "  ".join("%9s" % n for n in names)))
    for label, _, _, _ in BLOCK_VARIANTS:
        print("%-40s  %s" % ("EqQuant " + label, "  ".join(
            "%9s" % ("n/a" if label not in cases[n]["sqnr"] else fmt(cases[n]["sqnr"][label]).strip())
            for n in names)))
    for key in ("torch-noeq", "torch-eq"):
        print("%-40s  %s" % ("PyTorch " + key[6:], "  ".join(fmt(cases[n][key], 9) for n in names)))
    print("%-40s  %9s  %9s  %s" % ("without outliers, EqQuant noeq", "", "",
                                   fmt(cases["block-bal"].get("unscaled-noeq"), 9)))
    print("(all: every option of the column's model together; qkv has no residual add;")
    print(" without outliers: block-bal's block before its outlier channels were made, same function)")

    print("\nselect's choices per model (from the recipe) and the pipeline's time "
          "(prepare, calibrate, convert: one eq-opt command):")
    for name, _ in CASES:
        recipe = cases[name]["recipes"].get("select")
        if recipe is None:
            continue
        scored = [L for L in recipe["layers"] if L.get("selection")]
        left = [L["name"] for L in scored if not L["equalized"]]
        t = lambda label: PIPELINE_SECONDS.get("%s.%s" % (name, label))
        print("  %-9s %d of %d layers left unequalized%s; %.2f s with select, %.2f s default"
              % (name, len(left), len(scored), (" (" + ", ".join(left) + ")") if left else "",
                 t("select") or math.nan, t("default") or math.nan))

    print("\nauto-alpha's choices per model (from the recipe; none = left unequalized):")
    for name, _ in CASES:
        recipe = cases[name]["recipes"].get("auto-alpha")
        if recipe is None:
            continue
        n, left, alphas = auto_choices(recipe)
        print("  %-9s %d of %d scored layers left unequalized; %s" % (
            name, len(left), n, ", ".join("%s %s" % (k, "none" if a is None else "%.1f" % a)
                                         for k, a in alphas.items())))


DIGITS_LABELS = [("float", "float"), ("noeq", "EqQuant noeq"), ("default", "EqQuant default"),
                 ("auto-alpha", "EqQuant auto-alpha"), ("torch noeq", "PyTorch noeq"),
                 ("torch eq", "PyTorch eq")]


def print_digits(res, version, engine, n_test, n_calib, batch):
    print("\nDigits (examples/digits/): top-1 (%%) on the %d-image test split, calibrated on %d "
          "batches of %d;\nSQNR (dB) of the logits vs PyTorch's float logits (PyTorch %s, %s)"
          % (n_test, n_calib, batch, version, engine))
    hdr = "%-5s  %-20s  %9s  %9s" % ("model", "method", "top-1 (%)", "SQNR (dB)")
    print(hdr)
    print("-" * len(hdr))
    for name, rows in res.items():
        for key, label in DIGITS_LABELS:
            r = rows.get(key)
            if r is None:
                print("%-5s  %-20s  %9s  %9s" % (name, label, "error", "error"))
            else:
                print("%-5s  %-20s  %9.2f  %9s" % (name, label, r[0],
                                                   "" if r[1] is None else "%.2f" % r[1]))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def print_targets(cases, digits):
    print("\nTargets:")
    for name in ("mlp", "conv"):
        r, c = cases[name]["sqnr"], cases[name]
        ok = (None not in (r["default"], r["noeq"], c["torch-eq"])
              and r["default"] > r["noeq"] and r["default"] > c["torch-eq"])
        print("%s %s: EqQuant equalized %s vs EqQuant non-equalized %s and PyTorch equalized %s"
              % (verdict(ok), name, db(r["default"]), db(r["noeq"]), db(c["torch-eq"])))
    # (a) each option on the model it targets.
    for option, name in TARGETS:
        r = cases[name]["sqnr"]
        ok = None not in (r[option], r["default"]) and r[option] > r["default"]
        print("%s (a) %s on %s: %s vs EqQuant default %s" % (
            verdict(ok), option, name, db(r[option]), db(r["default"])))
    # auto-alpha on every model (information): the SQNR models, then the
    # digits logits.
    sqnrs = [(name, cases[name]["sqnr"]) for name, _ in CASES]
    sqnrs += [("digits " + name, {k: rows[k] and rows[k][1] for k in ("noeq", "default", "auto-alpha")})
              for name, rows in digits.items()]
    for name, r in sqnrs:
        vs = "error"
        if None not in (r["auto-alpha"], r["default"], r["noeq"]):
            vs = "%+.2f dB vs default" % (r["auto-alpha"] - r["default"])
        print("info auto-alpha on %s: %s vs EqQuant default %s, noeq %s (%s)" % (
            name, db(r["auto-alpha"]), db(r["default"]), db(r["noeq"]), vs))
    # (c) select: never more than 0.2 dB below noeq; equalization's gain kept.
    for name, _ in CASES:
        r = cases[name]["sqnr"]
        ok = (None not in (r["select"], r["noeq"], r["default"])
              and r["select"] >= r["noeq"] - 0.2
              and (name not in ("mlp", "conv") or r["select"] >= r["default"] - 0.2))
        print("%s (c) select on %s: %s vs EqQuant noeq %s, default %s" % (
            verdict(ok), name, db(r["select"]), db(r["noeq"]), db(r["default"])))
    # (b) the best EqQuant variant against PyTorch's equalization.
    for name, _ in CASES:
        c = cases[name]
        label, best = best_eqquant(c["sqnr"])
        ok = best is not None and (c["torch-eq"] is None or best > c["torch-eq"])
        print("%s (b) best EqQuant on %s: %s (%s) vs PyTorch eq %s" % (
            verdict(ok), name, db(best), label, db(c["torch-eq"])))
    for name, rows in digits.items():
        label, best = best_eqquant({k: rows[k] and rows[k][0] for k in ("noeq", "default", "auto-alpha")})
        ok = best is not None and best >= rows["torch eq"][0]
        print("%s (b) best EqQuant top-1 on digits %s: %s (%s) vs PyTorch eq %.2f%%" % (
            verdict(ok), name, "error" if best is None else "%.2f%%" % best, label, rows["torch eq"][0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layers", action="store_true", help="print per-layer details")
    ap.add_argument("--keep", default=None, help="keep the intermediate files in this directory")
    args = ap.parse_args()
    for tool in (EQ_OPT, EQ_RUN):
        if not os.access(tool, os.X_OK):
            sys.exit("%s not found (build first, or set EQQ_BUILD_DIR)" % tool)

    torch.backends.quantized.engine = "onednn"
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    t0 = time.time()
    tmp = args.keep or tempfile.mkdtemp(prefix="eqq-accuracy-")
    os.makedirs(tmp, exist_ok=True)
    cases, notes = {}, []
    try:
        # In this order: the generators' state makes each model and its data.
        for name, variants in CASES:
            cases[name] = run_case(tmp, name, variants, gen, notes)
        digits = run_digits(tmp, notes)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.layers:
        for name, _ in CASES:
            print_layers(name, cases[name]["recipes"])
    print_sqnr(cases)
    print_digits(*digits)
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n.replace("\n", "\n    "))
    print_targets(cases, digits[0])
    print("(%.1f s)" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
