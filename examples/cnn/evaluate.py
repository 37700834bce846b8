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
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from common.evaluation import (NOEQ_CONFIG, StepError, add_bin_dir_argument, find_tools,  # noqa: E402
                               load_test_data, print_notes, print_table, pytorch_logits, run_variants,
                               score)

MODELS = ("resnet", "mobilenet")
# (key, label, quantize, config: None = the built-in default)
VARIANTS = (("float", "float (eq-run)", False, None),
            ("default", "EqQuant default_qconfig", True, NOEQ_CONFIG),
            ("default+eq", "EqQuant default_qconfig + eq", True, None),
            ("onednn", "EqQuant onednn", True, {"qconfig": "onednn"}),
            ("onednn+eq", "EqQuant onednn + eq", True, {"qconfig": "onednn", "equalization": "default"}))
TORCH_VARIANTS = (("torch-onednn", "PyTorch onednn", False),
                  ("torch-onednn+eq", "PyTorch onednn + eq", True))


def pytorch_rows(calib, test_x):
    """({model: {"float": logits, "torch-onednn": ..., "torch-onednn+eq": ...
    or an error string}}, version), or None when PyTorch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    import torch.nn as nn
    from torch.ao.quantization import QConfigMapping, get_default_qconfig_mapping
    from torch.ao.quantization.fx._equalize import default_equalization_qconfig
    sys.path.insert(0, HERE)
    from models import load_model

    variants = []
    for key, _, equalize in TORCH_VARIANTS:
        eq = None
        if equalize:
            # nn.ReLU too: PyTorch fuses conv + relu only when both have
            # the same equalization qconfig.
            eq = QConfigMapping()
            for op in (nn.Linear, nn.Conv2d, nn.ReLU):
                eq.set_object_type(op, default_equalization_qconfig)
        variants.append((key, get_default_qconfig_mapping("onednn"), eq))
    models = {name: load_model(name, os.path.join(HERE, name + "_weights.npz")) for name in MODELS}
    return pytorch_logits(models, calib, test_x, "onednn", variants), torch.__version__


def evaluate(bin_dir, batches=None, pytorch=True):
    """Runs every variant. Returns a dict: {"images": n, "batch": b,
    "calib": n_calib, "torch": version or None, "float_dev": max |eq-run
    float - PyTorch float| or None (per model: "float_devs", and "float_mag"
    max |PyTorch float|), "rows": {model: {key: {"top1": %,
    "sqnr": dB or None} or {"error": text}}}, "errors": [EqQuant
    failures]}."""
    bins = find_tools(bin_dir)
    test_x, test_y, calib, batch = load_test_data(HERE, MODELS[0])
    if batches is not None:
        test_x, test_y = test_x[:batches * batch], test_y[:batches * batch]

    labels = dict((v[0], v[1]) for v in VARIANTS)
    logits, failures, torch_res = run_variants(
        bins, HERE, MODELS, [(key, quantize, cfg) for key, _, quantize, cfg in VARIANTS], test_x, batch,
        passes=("--eqq-fold-batchnorm",), meanwhile=lambda: pytorch_rows(calib, test_x) if pytorch else None)
    errors = ["%s, %s: %s" % (name, labels[key], e) for name, key, e in failures]

    result = {"images": len(test_y), "batch": batch, "calib": len(calib), "errors": errors,
              "torch": torch_res[1] if torch_res else None, "float_dev": None, "float_devs": {},
              "float_mag": {}, "rows": {}}
    for name in MODELS:
        ref = logits[name, "float"]
        rows = {key: score(logits[name, key], None if key == "float" else ref, test_y)
                for key, *_ in VARIANTS}
        if torch_res:
            t = torch_res[0][name]
            for key, _, _ in TORCH_VARIANTS:
                rows[key] = score(t[key], ref, test_y)
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
    print_table([(name, label, rows[key]) for name, rows in res["rows"].items()
                 for key, label in labels if key in rows], (9, 28, 9, 9), "(ref.)")
    print_notes("the test images", res["float_dev"], res["errors"])


def main():
    ap = argparse.ArgumentParser(description="Top-1 accuracy and SQNR of the CNN example's int8 models.")
    add_bin_dir_argument(ap)
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
