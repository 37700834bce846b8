#!/usr/bin/python3
"""Evaluates EqQuant's int8 models of the CNN example (and, when PyTorch is
installed, PyTorch's) on the test split.

For each model (resnet.mlir, mobilenet.mlir; see train.py) it runs

  float                        eq-run on the exported float model
  EqQuant default_qconfig      eq-opt --eqq-fold-batchnorm
                                 --eqq-prepare="config=<default_qconfig on
                                 linear, conv2d and relu, no equalization>"
                                 --eqq-calibrate="data=calib0.npy,calib1.npy"
                                 --eqq-convert
  EqQuant default_qconfig + eq the same with no config: the built-in default
                               (default_qconfig, every linear and conv
                               equalized with default_equalization_qconfig)
  EqQuant onednn               config {"qconfig": "onednn"}: PyTorch's
                               get_default_qconfig_mapping("onednn")
  EqQuant onednn + eq          config {"qconfig": "onednn", "equalization": "default"}
  PyTorch onednn               prepare_fx(get_default_qconfig_mapping("onednn")),
                               calibrate, convert_fx, onednn engine, from the
                               same trained weights (only when PyTorch is
                               importable)
  PyTorch onednn + eq          the same with _equalization_config =
                               default_equalization_qconfig on every
                               nn.Linear, nn.Conv2d and nn.ReLU

All int8 variants are calibrated on the same two batches. Printed per row:
top-1 accuracy on the test split and the SQNR of the logits against the
float model's: 20 log10(||float|| / ||float - int8||), in dB (higher is
closer to float). Ops EqQuant does not quantize (today: pools, depthwise
convs, relu6) stay float in its int8 models.

usage: examples/cnn/evaluate.py [BIN_DIR] [--batches N] [--no-pytorch] [--json OUT]
  BIN_DIR holds eq-opt and eq-run (default: $EQQ_BUILD_DIR/bin, else build/bin).
  --batches N evaluates only the first N test batches (of 128 images).
Needs only NumPy (PyTorch for its rows); exits non-zero when an EqQuant step fails.
"""

import argparse
import concurrent.futures
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = ("resnet", "mobilenet")
CALIB = ("calib0.npy", "calib1.npy")
# default_qconfig on linear, conv and relu without an "equalization" key:
# the built-in default's quantization, nothing equalized.
DEFAULT_NOEQ = {"qconfig": {"global": None, "object_type": {
    "linear": "default", "conv2d": "default", "relu": "default"}}}
# (key, label, quantize, config: None = the built-in default)
VARIANTS = (("float", "float (eq-run)", False, None),
            ("default", "EqQuant default_qconfig", True, DEFAULT_NOEQ),
            ("default+eq", "EqQuant default_qconfig + eq", True, None),
            ("onednn", "EqQuant onednn", True, {"qconfig": "onednn"}),
            ("onednn+eq", "EqQuant onednn + eq", True, {"qconfig": "onednn", "equalization": "default"}))
TORCH_VARIANTS = (("torch-onednn", "PyTorch onednn", False),
                  ("torch-onednn+eq", "PyTorch onednn + eq", True))


class StepError(Exception):
    pass


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        err = next((ln for ln in lines if "error" in ln), lines[0] if lines else "")
        raise StepError("%s exited with %d: %s" % (os.path.basename(cmd[0]), p.returncode, err.strip()))
    return p.stdout


def sqnr(ref, x):
    ref = np.asarray(ref, dtype=np.float64)
    err = np.linalg.norm(ref - np.asarray(x, dtype=np.float64))
    return math.inf if err == 0 else 20 * math.log10(np.linalg.norm(ref) / err)


def batch_of(mlir):
    """The batch size of the exported model's @forward argument."""
    with open(mlir) as f:
        for line in f:
            if line.startswith("func.func @forward("):
                return int(line.split("tensor<", 1)[1].split("x", 1)[0])
    raise StepError("%s: no func.func @forward" % mlir)


def eqquant(bins, name, quantize, config, batch_files, tmp, tag):
    """When `quantize`: eq-opt fold-batchnorm + prepare (with `config`; None:
    the built-in default) + calibrate + convert. Then eq-run on the test
    batches; returns the concatenated logits."""
    mlir = os.path.join(HERE, name + ".mlir")
    if quantize:
        prepare = "--eqq-prepare"
        if config is not None:
            path = os.path.join(tmp, tag + ".config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            prepare = "--eqq-prepare=config=" + path
        int8 = os.path.join(tmp, tag + ".mlir")
        data = ",".join(os.path.join(HERE, c) for c in CALIB)
        run([bins["eq-opt"], mlir, "--eqq-fold-batchnorm", prepare, "--eqq-calibrate=data=" + data,
             "--eqq-convert", "-o", int8])
        mlir = int8
    outs = []
    for i, x in enumerate(batch_files):
        y = os.path.join(tmp, "%s.y%d.npy" % (tag, i))
        run([bins["eq-run"], mlir, "--input", x, "--output", y])
        outs.append(np.load(y))
    return np.concatenate(outs)


def pytorch_logits(calib, test_x):
    """({model: {"float": logits, "torch-onednn": ..., "torch-onednn+eq": ...
    or an error string}}, version), or None when PyTorch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    import copy
    import warnings
    import torch.nn as nn
    from torch.ao.quantization import QConfigMapping, get_default_qconfig_mapping
    from torch.ao.quantization.fx._equalize import default_equalization_qconfig
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    sys.path.insert(0, HERE)
    from models import load_model

    warnings.filterwarnings("ignore")
    torch.backends.quantized.engine = "onednn"
    torch.set_num_threads(1)
    calib_t = [torch.from_numpy(c) for c in calib]
    x = torch.from_numpy(test_x)
    res = {}
    for name in MODELS:
        model = load_model(name, os.path.join(HERE, name + "_weights.npz"))
        with torch.no_grad():
            res[name] = {"float": model(x).numpy()}
        for key, _, equalize in TORCH_VARIANTS:
            eq = None
            if equalize:
                # nn.ReLU too: PyTorch fuses conv + relu only when both have
                # the same equalization qconfig.
                eq = QConfigMapping()
                for op in (nn.Linear, nn.Conv2d, nn.ReLU):
                    eq.set_object_type(op, default_equalization_qconfig)
            try:
                m = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping("onednn"),
                               example_inputs=(calib_t[0],), _equalization_config=eq)
                with torch.no_grad():
                    for c in calib_t:
                        m(c)
                    res[name][key] = convert_fx(m)(x).numpy()
            except Exception as e:  # noqa: BLE001  (PyTorch's FX may reject a graph)
                res[name][key] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    return res, torch.__version__


def evaluate(bin_dir, batches=None, pytorch=True):
    """Runs every variant. Returns a dict: {"images": n, "batch": b,
    "calib": n_calib, "torch": version or None, "float_dev": max |eq-run
    float - PyTorch float| or None (per model: "float_devs", and "float_mag"
    max |PyTorch float|), "rows": {model: {key: {"top1": %,
    "sqnr": dB or None} or {"error": text}}}, "errors": [EqQuant
    failures]}."""
    bins = {b: os.path.join(bin_dir, b) for b in ("eq-opt", "eq-run")}
    for b in bins.values():
        if not os.access(b, os.X_OK):
            raise StepError("%s not found (give the directory of eq-opt and eq-run)" % b)
    test_x = np.load(os.path.join(HERE, "test_x.npy"))
    test_y = np.load(os.path.join(HERE, "test_y.npy"))
    calib = [np.load(os.path.join(HERE, c)) for c in CALIB]
    batch = batch_of(os.path.join(HERE, MODELS[0] + ".mlir"))
    if len(test_x) % batch:
        raise StepError("%d test images are not a whole number of batches of %d" % (len(test_x), batch))
    if batches is not None:
        test_x, test_y = test_x[:batches * batch], test_y[:batches * batch]

    tmp = tempfile.mkdtemp(prefix="eqq-cnn-")
    errors, logits = [], {}
    try:
        batch_files = []
        for i in range(0, len(test_x), batch):
            path = os.path.join(tmp, "test%d.npy" % (i // batch))
            np.save(path, test_x[i:i + batch])
            batch_files.append(path)
        jobs = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for name in MODELS:
                for key, _, quantize, cfg in VARIANTS:
                    tag = name + "." + key.replace("+", "-")
                    jobs[name, key] = pool.submit(eqquant, bins, name, quantize, cfg, batch_files, tmp, tag)
            torch_res = pytorch_logits(calib, test_x) if pytorch else None
            for k, fut in jobs.items():
                try:
                    logits[k] = fut.result()
                except StepError as e:
                    logits[k] = None
                    errors.append("%s, %s: %s" % (k[0], dict((v[0], v[1]) for v in VARIANTS)[k[1]], e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def row(y, ref):
        if y is None:
            return {"error": "failed"}
        if isinstance(y, str):
            return {"error": y}
        r = {"top1": 100.0 * float((y.argmax(1) == test_y).mean()), "sqnr": None}
        if ref is not None:
            r["sqnr"] = sqnr(ref, y)
        return r

    result = {"images": len(test_y), "batch": batch, "calib": len(calib), "errors": errors,
              "torch": torch_res[1] if torch_res else None, "float_dev": None, "float_devs": {},
              "float_mag": {}, "rows": {}}
    for name in MODELS:
        ref = logits[name, "float"]
        rows = {key: row(logits[name, key], None if key == "float" else ref) for key, *_ in VARIANTS}
        if torch_res:
            t = torch_res[0][name]
            for key, _, _ in TORCH_VARIANTS:
                rows[key] = row(t[key], ref)
            if ref is not None:
                dev = float(np.abs(t["float"] - ref).max())
                result["float_devs"][name] = dev
                result["float_mag"][name] = float(np.abs(t["float"]).max())
                result["float_dev"] = max(result["float_dev"] or 0.0, dev)
        result["rows"][name] = rows
    return result


def print_result(res):
    print("EqQuant on scikit-learn's digits upscaled to 16x16: %d test images (%d batches of %d), "
          "calibrated on %d batches of %d" % (res["images"], res["images"] // res["batch"], res["batch"],
                                              res["calib"], res["batch"]))
    print("batch norms folded (--eqq-fold-batchnorm); default_qconfig: PyTorch 1.13's, activations "
          "quint8 [0, 127], weights per tensor;\nonednn: get_default_qconfig_mapping(\"onednn\"); "
          "eq: default_equalization_qconfig on every linear and conv")
    if res["torch"]:
        print("PyTorch %s (prepare_fx / convert_fx, onednn engine) from the same trained weights"
              % res["torch"])
    else:
        print("PyTorch rows left out (not installed, or --no-pytorch)")
    print()
    labels = [(k, lab) for k, lab, *_ in VARIANTS] + [(k, lab) for k, lab, _ in TORCH_VARIANTS]
    hdr = "%-9s  %-28s  %9s  %9s" % ("model", "method", "top-1 (%)", "SQNR (dB)")
    print(hdr)
    print("-" * len(hdr))
    for i, (name, rows) in enumerate(res["rows"].items()):
        if i:
            print()
        for key, label in labels:
            r = rows.get(key)
            if r is None:
                continue
            if "error" in r:
                print("%-9s  %-28s  %9s  %9s  (%s)" % (name, label, "failed", "failed", r["error"]))
                continue
            snr = "(ref.)" if r["sqnr"] is None else "%.2f" % r["sqnr"]
            print("%-9s  %-28s  %9.2f  %9s" % (name, label, r["top1"], snr))
    print()
    print("SQNR: 20 log10(||float logits|| / ||float logits - int8 logits||) on the test images; "
          "higher is closer to float.")
    if res["float_dev"] is not None:
        print("PyTorch's float logits match eq-run's to %.1e (max abs difference)." % res["float_dev"])
    for e in res["errors"]:
        print("error: " + e)


def main():
    ap = argparse.ArgumentParser(description="Top-1 accuracy and SQNR of the CNN example's int8 models.")
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(
        os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build")), "bin"),
        help="directory of eq-opt and eq-run (default: $EQQ_BUILD_DIR/bin, else build/bin)")
    ap.add_argument("--batches", type=int, default=None, help="evaluate only the first N test batches")
    ap.add_argument("--no-pytorch", action="store_true", help="leave out PyTorch's rows")
    ap.add_argument("--json", default=None, help="also write the results (without logits) to this file")
    args = ap.parse_args()
    if args.batches is not None and args.batches < 1:
        ap.error("--batches must be at least 1")
    t0 = time.time()
    try:
        res = evaluate(args.bin_dir, args.batches, not args.no_pytorch)
    except StepError as e:
        sys.exit("evaluate.py: %s" % e)
    print_result(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    print("(%.1f s)" % (time.time() - t0))
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
