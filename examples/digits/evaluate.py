#!/usr/bin/python3
"""Evaluates EqQuant's int8 models of the bundled digits example (and, when
PyTorch is installed, PyTorch's) on the test split.

For each model (mlp.mlir, cnn.mlir; see train.py) it runs

  float                   eq-run on the exported float model
  EqQuant int8            eq-opt --eqq-prepare="config=<no equalization>"
                          --eqq-calibrate="data=calib0.npy,calib1.npy" --eqq-convert
  EqQuant int8 + eq       the same with the built-in default configuration
                          (linear and conv equalized, then quantized)
  PyTorch int8            prepare_fx / calibrate / convert_fx from the same
  PyTorch int8 + eq       trained weights, without and with _equalization_config
                          (only when PyTorch is importable)

All int8 variants use PyTorch 1.13's default_qconfig for linear, conv and relu
and are calibrated on the same two batches. Printed per row: top-1 accuracy
on the test split and the SQNR of the logits against the float model's:
20 log10(||float|| / ||float - int8||), in dB (higher is closer to float).

usage: examples/digits/evaluate.py [BIN_DIR]
  BIN_DIR holds eq-opt and eq-run (default: $EQQ_BUILD_DIR/bin, else build/bin).
Needs only NumPy; exits non-zero when an EqQuant step fails.
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
MODELS = ("mlp", "cnn")
CALIB = ("calib0.npy", "calib1.npy")
# The same quantization as the default configuration, without an
# "equalization" key: nothing is equalized.
NOEQ_CONFIG = {"qconfig": {"global": None, "object_type": {
    "linear": "default", "conv2d": "default", "relu": "default"}}}


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


def eq_run(eq_run_bin, mlir, batch_files, tmp, tag):
    """Runs the model on every test batch; returns the concatenated logits."""
    outs = []
    for i, x in enumerate(batch_files):
        y = os.path.join(tmp, "%s.y%d.npy" % (tag, i))
        run([eq_run_bin, mlir, "--input", x, "--output", y])
        outs.append(np.load(y))
    return np.concatenate(outs)


def eqquant(bins, name, quantize, config, batch_files, tmp, tag):
    """When `quantize`: eq-opt prepare (with `config`; None: the built-in
    default) + calibrate + convert. Then eq-run on the test batches."""
    mlir = os.path.join(HERE, name + ".mlir")
    prepare = "--eqq-prepare"
    if config is not None:
        path = os.path.join(tmp, tag + ".config.json")
        with open(path, "w") as f:
            json.dump(config, f)
        prepare = "--eqq-prepare=config=" + path
    if quantize:
        int8 = os.path.join(tmp, tag + ".mlir")
        data = ",".join(os.path.join(HERE, c) for c in CALIB)
        run([bins["eq-opt"], mlir, prepare, "--eqq-calibrate=data=" + data, "--eqq-convert", "-o", int8])
        mlir = int8
    return eq_run(bins["eq-run"], mlir, batch_files, tmp, tag)


def pytorch_rows(calib, test_x):
    """PyTorch's float and int8 logits (without and with equalization), or
    None when PyTorch is not importable."""
    try:
        import warnings
        import torch
    except ImportError:
        return None
    warnings.filterwarnings("ignore")
    import copy
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "eq-export"))
    from models import load_model

    # The seed test's dicts (test_equalize_fx.py): specific_qconfig_dict and
    # default_equalization_qconfig_dict.
    from seed_qconfigs import DEFAULT_EQUALIZATION_QCONFIG_DICT as eqconfig
    from seed_qconfigs import SPECIFIC_QCONFIG_DICT as qconfig
    engines = torch.backends.quantized.supported_engines
    torch.backends.quantized.engine = next(e for e in ("onednn", "fbgemm", "qnnpack") if e in engines)
    torch.set_num_threads(1)
    calib_t = [torch.from_numpy(c) for c in calib]
    x = torch.from_numpy(test_x)
    res = {}
    for name in MODELS:
        model = load_model(name, os.path.join(HERE, name + "_weights.npz"))
        with torch.no_grad():
            res[name] = {"float": model(x).numpy()}
            for key, eq in (("int8", None), ("int8+eq", eqconfig)):
                m = prepare_fx(copy.deepcopy(model), qconfig, example_inputs=(calib_t[0],),
                               _equalization_config=eq)
                for c in calib_t:
                    m(c)
                res[name][key] = convert_fx(m)(x).numpy()
    return res, torch.__version__, torch.backends.quantized.engine


def main():
    ap = argparse.ArgumentParser(description="Top-1 accuracy and SQNR of the digits example's int8 models.")
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(
        os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build")), "bin"),
        help="directory of eq-opt and eq-run (default: $EQQ_BUILD_DIR/bin, else build/bin)")
    args = ap.parse_args()
    bins = {b: os.path.join(args.bin_dir, b) for b in ("eq-opt", "eq-run")}
    for b in bins.values():
        if not os.access(b, os.X_OK):
            sys.exit("evaluate.py: %s not found (give the directory of eq-opt and eq-run)" % b)
    t0 = time.time()
    test_x = np.load(os.path.join(HERE, "test_x.npy"))
    test_y = np.load(os.path.join(HERE, "test_y.npy"))
    calib = [np.load(os.path.join(HERE, c)) for c in CALIB]
    batch = batch_of(os.path.join(HERE, MODELS[0] + ".mlir"))
    if len(test_x) % batch:
        sys.exit("evaluate.py: %d test images are not a whole number of batches of %d" % (len(test_x), batch))

    tmp = tempfile.mkdtemp(prefix="eqq-digits-")
    errors = []
    try:
        batch_files = []
        for i in range(0, len(test_x), batch):
            path = os.path.join(tmp, "test%d.npy" % (i // batch))
            np.save(path, test_x[i:i + batch])
            batch_files.append(path)
        variants = (("float", False, None), ("int8", True, NOEQ_CONFIG), ("int8+eq", True, None))
        jobs = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for name in MODELS:
                for key, quantize, cfg in variants:
                    tag = name + "." + key.replace("+", "-")
                    jobs[name, key] = pool.submit(eqquant, bins, name, quantize, cfg, batch_files, tmp, tag)
            torch_res = pytorch_rows(calib, test_x)
            logits = {}
            for k, fut in jobs.items():
                try:
                    logits[k] = fut.result()
                except StepError as e:
                    logits[k] = None
                    errors.append("%s, EqQuant %s: %s" % (k[0], k[1], e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []  # (model, method, logits, reference)
    for name in MODELS:
        ref = logits[name, "float"]
        rows.append((name, "float (eq-run)", ref, None))
        rows.append((name, "EqQuant int8", logits[name, "int8"], ref))
        rows.append((name, "EqQuant int8 + equalization", logits[name, "int8+eq"], ref))
        if torch_res:
            t = torch_res[0][name]
            rows.append((name, "PyTorch int8", t["int8"], ref))
            rows.append((name, "PyTorch int8 + equalization", t["int8+eq"], ref))

    print("EqQuant on scikit-learn's digits: %d test images (%d batches of %d), "
          "calibrated on %d batches of %d" % (len(test_y), len(test_x) // batch, batch, len(calib), batch))
    print("int8: default_qconfig (activations quint8 per-tensor affine, weights qint8 per-tensor "
          "symmetric); equalization: default_equalization_qconfig")
    if torch_res:
        print("PyTorch %s (convert_fx, %s engine) from the same trained weights"
              % (torch_res[1], torch_res[2]))
    else:
        print("PyTorch is not installed: its rows are left out")
    print()
    hdr = "%-5s  %-29s  %11s  %15s" % ("model", "method", "top-1 (%)", "SQNR (dB)")
    print(hdr)
    print("-" * len(hdr))
    last = None
    for name, method, y, ref in rows:
        if last is not None and name != last:
            print()
        last = name
        if y is None:
            print("%-5s  %-29s  %11s  %15s" % (name, method, "failed", "failed"))
            continue
        acc = 100.0 * float((y.argmax(1) == test_y).mean())
        snr = "(reference)" if ref is None else "%.2f" % sqnr(ref, y)
        print("%-5s  %-29s  %11.2f  %15s" % (name, method, acc, snr))
    print()
    print("SQNR: 20 log10(||float logits|| / ||float logits - int8 logits||) on the test split; "
          "higher is closer to float.")
    if torch_res:
        dev = max(float(np.abs(torch_res[0][n]["float"] - logits[n, "float"]).max())
                  for n in MODELS if logits[n, "float"] is not None)
        print("PyTorch's float logits match eq-run's to %.1e (max abs difference)." % dev)
    for e in errors:
        print("error: " + e)
    print("(%.1f s)" % (time.time() - t0))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
