#!/usr/bin/python3
"""Accuracy of EqQuant's int8 models against PyTorch 1.13's, on inputs with
outlier channels.

Two models, exported from PyTorch with tools/eq-export:

  mlp:  Linear 64 -> 128, relu, Linear 128 -> 128, relu, Linear 128 -> 10
        (batch 64); 4 of the 64 input features are scaled 30-100x;
  conv: 3x16x16 input, Conv2d(3, 16, 3) + relu, Conv2d(16, 16, 3) + relu,
        flatten, Linear(16*12*12, 10) (batch 32); 1 of the 3 input channels
        is scaled 60x.

Each is calibrated on the same calibration set (4 batches) and evaluated on a
held-out batch drawn from the same distribution. For each variant the SQNR of
the int8 model's output against the float model's output is printed:

  SQNR = 20 log10(||float|| / ||float - int8||)     (PyTorch's compute_sqnr)

  eqquant-noeq  eq-opt --eqq-prepare="config=<no equalization key>"
                --eqq-calibrate --eqq-convert
  eqquant-eq    eq-opt --eqq-prepare (built-in default: linear and conv
                equalized with default_equalization_qconfig) ...
  torch-eq      prepare_fx(specific_qconfig_dict,
                _equalization_config=default_equalization_qconfig_dict),
                calibrate, convert_fx; onednn engine
  torch-noeq    the same without _equalization_config

The float reference is PyTorch's float output; for EqQuant rows the float
module run by eq-run is also compared with it (it must agree to ~1e-6).
The target (PASS/FAIL line per model): EqQuant equalized SQNR beats both
EqQuant non-equalized and PyTorch equalized.

With --layers, per-layer details from EqQuant's recipe files are printed too
(equalization scales, input ranges and qparams after equalization).

usage: bench/accuracy.py [--layers] [--keep DIR]
Exits 0 whether or not the target is met; non-zero only when something
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
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-export"))

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


def channel_scales(n, outliers, gen):
    """Per-channel scale: 1 for most, 30-100 for the `outliers` channels."""
    s = torch.ones(n)
    idx = torch.randperm(n, generator=gen)[:outliers]
    s[idx] = 30.0 + 70.0 * torch.rand(outliers, generator=gen)
    return s, sorted(idx.tolist())


def make_case(name, gen):
    if name == "mlp":
        model, shape, axis_len, outliers = MLP(), (64, 64), 64, 4
    elif name == "qkv":
        model, shape, axis_len, outliers = SharedInputBlock(), (64, 64), 64, 4
    else:
        model, shape, axis_len, outliers = ConvNet(), (32, 3, 16, 16), 3, 1
    scales, idx = channel_scales(axis_len, outliers, gen)
    view = (1, -1) if len(shape) == 2 else (1, -1, 1, 1)

    def batch():
        return torch.randn(shape, generator=gen) * scales.view(view)
    calib = [batch() for _ in range(CALIB_BATCHES)]
    test = batch()
    return model.eval(), calib, test, idx, scales


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


def eqquant(tmp, tag, mlir, calib_files, test_file, config, convert_options="",
            prepare_options=""):
    """Prepare (with `config`, None = built-in default), calibrate, convert
    (with `convert_options`, e.g. "alpha=0.75"), run on the test batch.
    Returns (output, recipe)."""
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
    run([EQ_OPT, mlir, prep, "--eqq-calibrate=data=" + ",".join(calib_files),
         "--eqq-convert=recipe=" + recipe + (" " + convert_options if convert_options else ""),
         "-o", out_mlir])
    y = os.path.join(tmp, tag + ".y.npy")
    run([EQ_RUN, out_mlir, "--input", test_file, "--output", y])
    with open(recipe) as f:
        return np.load(y), json.load(f)


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


def fmt(v):
    return "%10s" % ("error" if v is None else "%.2f" % v)


# --eqq-convert options compared with the default (range, alpha 0.5).
MIGRATION = ["alpha=0.25", "alpha=0.75", "scale-mode=absmax", "scale-mode=absmax alpha=0.75",
             "data-free=true"]


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
    rows, notes = [], []
    try:
        for name in ("mlp", "conv"):
            model, calib, test, idx, scales = make_case(name, gen)
            mlir = os.path.join(tmp, name + ".mlir")
            with open(mlir, "w") as f:
                f.write(export_module(model, (calib[0],)))
            calib_files = []
            for i, x in enumerate(calib):
                p = os.path.join(tmp, "%s.calib%d.npy" % (name, i))
                np.save(p, x.numpy())
                calib_files.append(p)
            test_file = os.path.join(tmp, name + ".test.npy")
            np.save(test_file, test.numpy())
            with torch.no_grad():
                ref = model(test).numpy()

            yf = os.path.join(tmp, name + ".float.y.npy")
            run([EQ_RUN, mlir, "--input", test_file, "--output", yf])
            float_dev = float(np.abs(np.load(yf) - ref).max() / np.abs(ref).max())

            res, recipes = {}, {}
            for tag, config in (("eqquant-noeq", NOEQ_CONFIG), ("eqquant-eq", None)):
                try:
                    y, recipes[tag] = eqquant(tmp, "%s.%s" % (name, tag), mlir, calib_files,
                                              test_file, config)
                    res[tag] = sqnr(ref, y)
                    res[tag + "-floor"] = output_floor(ref, recipes[tag])
                except ToolError as e:
                    res[tag] = res[tag + "-floor"] = None
                    notes.append("%s %s: %s" % (name, tag, e))
            if res["eqquant-eq"] is None:
                # Diagnostic: the default equalization minus the last linear
                # (the layer behind the flatten).
                last = [m for m, mod in model.named_modules() if isinstance(mod, nn.Linear)][-1]
                cfg = dict(NOEQ_CONFIG, equalization={
                    "object_type": {"linear": "default", "conv2d": "default"},
                    "module_name": {last: None}})
                tag = "eqquant-eq-without-" + last
                try:
                    y, recipes[tag] = eqquant(tmp, "%s.%s" % (name, tag), mlir, calib_files,
                                              test_file, cfg)
                    notes.append("%s: with '%s' not equalized (equalization module_name {\"%s\": null}), "
                                 "EqQuant equalized gives %.2f dB" % (name, last, last, sqnr(ref, y)))
                except ToolError as e:
                    notes.append("%s %s: %s" % (name, tag, e))
            # Migration strength (--eqq-convert alpha=, scale-mode=).
            for opts in MIGRATION:
                tag = "eqquant-" + opts.replace(" ", "-").replace("=", "")
                try:
                    y, _ = eqquant(tmp, "%s.%s" % (name, tag), mlir, calib_files, test_file,
                                   None, opts)
                    res[opts] = sqnr(ref, y)
                except ToolError as e:
                    res[opts] = None
                    notes.append("%s %s: %s" % (name, opts, e))
            res["torch-noeq"] = sqnr(ref, pytorch_int8(model, calib, test, False))
            res["torch-eq"] = sqnr(ref, pytorch_int8(model, calib, test, True))
            ok = (res["eqquant-eq"] is not None and res["eqquant-noeq"] is not None
                  and res["eqquant-eq"] > res["eqquant-noeq"] and res["eqquant-eq"] > res["torch-eq"])
            rows.append((name, idx, scales[idx].tolist(), float_dev, res, ok))
            if args.layers or not ok:
                print_layers(name, recipes)
        # A shared input (q/k/v): PyTorch's branch rule leaves the three
        # layers unequalized; --eqq-prepare shared-inputs gives them one scale.
        model, calib, test, idx, scales = make_case("qkv", gen)
        mlir = os.path.join(tmp, "qkv.mlir")
        with open(mlir, "w") as f:
            f.write(export_module(model, (calib[0],)))
        calib_files = []
        for i, x in enumerate(calib):
            calib_files.append(os.path.join(tmp, "qkv.calib%d.npy" % i))
            np.save(calib_files[-1], x.numpy())
        test_file = os.path.join(tmp, "qkv.test.npy")
        np.save(test_file, test.numpy())
        with torch.no_grad():
            ref = model(test).numpy()
        shared = {}
        for tag, config, popts in (("noeq", NOEQ_CONFIG, ""), ("default", None, ""),
                                   ("shared-inputs", None, "shared-inputs=true")):
            y, _ = eqquant(tmp, "qkv." + tag, mlir, calib_files, test_file, config,
                           prepare_options=popts)
            shared[tag] = sqnr(ref, y)
        shared["torch-eq"] = sqnr(ref, pytorch_int8(model, calib, test, True))
        shared["outliers"] = idx
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print("\nSQNR (dB) of the int8 output vs the float output on a held-out batch "
          "(calibration: %d batches; higher is better)" % CALIB_BATCHES)
    hdr = "%-5s  %-34s  %12s  %10s  %10s  %10s  %10s" % (
        "model", "outlier input channels (scale)", "float eq-run", "EqQ noeq", "EqQ eq", "torch noeq",
        "torch eq")
    print(hdr)
    print("-" * len(hdr))
    for name, idx, sc, dev, res, ok in rows:
        outl = ",".join("%d(%.0fx)" % (i, s) for i, s in zip(idx, sc))
        print("%-5s  %-34s  %12.1e  %s  %s  %s  %s" % (
            name, outl, dev, fmt(res["eqquant-noeq"]), fmt(res["eqquant-eq"]),
            fmt(res["torch-noeq"]), fmt(res["torch-eq"])))
        print("%-5s  %-34s  %12s  %s  %s" % (
            "", "  output-quantization floor", "", fmt(res["eqquant-noeq-floor"]),
            fmt(res["eqquant-eq-floor"])))
    print("\nEqQuant equalized with other migration strengths (--eqq-convert options; default: "
          "scale-mode=range alpha=0.5):")
    print("%-5s  %s" % ("model", "  ".join("%-28s" % m for m in ["default"] + MIGRATION)))
    for name, idx, sc, dev, res, ok in rows:
        print("%-5s  %s" % (name, "  ".join("%-28s" % fmt(res.get(k)).strip()
                                            for k in ["eqquant-eq"] + MIGRATION)))
    print("\nShared input (q, k, v linears on one input with outlier channels %s, summed, "
          "then a linear):" % shared["outliers"])
    print("  EqQuant non-equalized %.2f dB, default %.2f dB (branch rule: q/k/v skipped), "
          "shared-inputs %.2f dB; PyTorch equalized %.2f dB"
          % (shared["noeq"], shared["default"], shared["shared-inputs"], shared["torch-eq"]))
    print("(float eq-run: max |eq-run float - torch float| / max |torch float|;")
    print(" output-quantization floor: SQNR of the float output itself quantized with the int8 model's")
    print(" output qparams (default_qconfig: quint8 [0, 127]); no int8 model with them can do better)")
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n.replace("\n", "\n    "))
    print()
    for name, idx, sc, dev, res, ok in rows:
        def db(v):
            return "error" if v is None else "%.2f dB" % v
        print("%s %s: EqQuant equalized %s vs EqQuant non-equalized %s and PyTorch equalized %s"
              % ("PASS" if ok else "FAIL", name, db(res["eqquant-eq"]), db(res["eqquant-noeq"]),
                 db(res["torch-eq"])))
    print("(%.1f s)" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
