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
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from common.evaluation import (NOEQ_CONFIG, StepError, add_bin_dir_argument, find_tools,  # noqa: E402
                               load_test_data, print_notes, print_table, pytorch_logits, run_variants,
                               score)
# Also read by bench/accuracy.py, which runs PyTorch's side as the demo does.
from common.evaluation import CALIB, batch_of  # noqa: E402,F401

MODELS = ("mlp", "cnn")


def pytorch_rows(calib, test_x):
    """({model: {"float": logits, "int8": ..., "int8+eq": ... or an error
    string}}, version, engine): PyTorch's float and int8 logits (without and
    with equalization), or None when PyTorch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "eq-export"))
    from models import load_model

    # The seed test's dicts (test_equalize_fx.py): specific_qconfig_dict and
    # default_equalization_qconfig_dict.
    from seed_qconfigs import DEFAULT_EQUALIZATION_QCONFIG_DICT as eqconfig
    from seed_qconfigs import SPECIFIC_QCONFIG_DICT as qconfig
    engines = torch.backends.quantized.supported_engines
    engine = next(e for e in ("onednn", "fbgemm", "qnnpack") if e in engines)
    models = {name: load_model(name, os.path.join(HERE, name + "_weights.npz")) for name in MODELS}
    res = pytorch_logits(models, calib, test_x, engine,
                         (("int8", qconfig, None), ("int8+eq", qconfig, eqconfig)))
    return res, torch.__version__, engine


def main():
    ap = argparse.ArgumentParser(description="Top-1 accuracy and SQNR of the digits example's int8 models.")
    add_bin_dir_argument(ap)
    args = ap.parse_args()
    try:
        bins = find_tools(args.bin_dir)
        t0 = time.time()
        test_x, test_y, calib, batch = load_test_data(HERE, MODELS[0])
    except StepError as e:
        sys.exit("evaluate.py: %s" % e)

    variants = (("float", False, None), ("int8", True, NOEQ_CONFIG), ("int8+eq", True, None))
    logits, failures, torch_res = run_variants(bins, HERE, MODELS, variants, test_x, batch,
                                               meanwhile=lambda: pytorch_rows(calib, test_x))
    errors = ["%s, EqQuant %s: %s" % f for f in failures]

    rows = []  # (model, method, score row)
    for name in MODELS:
        ref = logits[name, "float"]
        rows.append((name, "float (eq-run)", score(ref, None, test_y)))
        rows.append((name, "EqQuant int8", score(logits[name, "int8"], ref, test_y)))
        rows.append((name, "EqQuant int8 + equalization", score(logits[name, "int8+eq"], ref, test_y)))
        if torch_res:
            t = torch_res[0][name]
            for key, method in (("int8", "PyTorch int8"), ("int8+eq", "PyTorch int8 + equalization")):
                rows.append((name, method, score(t[key], ref, test_y)))
                if isinstance(t[key], str):
                    errors.append("%s, %s: %s" % (name, method, t[key]))

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
    # Failed rows without their reasons: the errors follow the table.
    print_table(rows, (5, 29, 11, 15), "(reference)", reasons=False)
    dev = None
    if torch_res:
        dev = max(float(np.abs(torch_res[0][n]["float"] - logits[n, "float"]).max())
                  for n in MODELS if logits[n, "float"] is not None)
    print_notes("the test split", dev, errors)
    print("(%.1f s)" % (time.time() - t0))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
