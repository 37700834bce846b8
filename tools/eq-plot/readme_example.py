#!/usr/bin/python3
"""Regenerates docs/img/equalization.png, the README's equalization plot.

The model and data are bench/accuracy.py's MLP case (Linear 64 -> 128, relu,
Linear 128 -> 128, relu, Linear 128 -> 10; 4 of the 64 input features scaled
30-100x), built with the same seeds: torch.manual_seed(0), then the data
generator seeded 1234. The script exports it with tools/eq-export, runs

    eq-opt mlp.mlir --eqq-prepare --eqq-calibrate="data=calib0.npy,...,calib3.npy stats-out=stats.json"
        --eqq-convert="recipe=recipe.json" -o mlp.int8.mlir

and then eq_plot.py --stats stats.json --recipe recipe.json --layer fc1 -o OUT:
fc1 is the layer whose input has the outlier channels (without --layer,
eq_plot picks fc3, whose widest spread comes from nearly dead relu channels).

usage: /usr/bin/python3 tools/eq-plot/readme_example.py [-o OUT.png] [--keep DIR]
Needs PyTorch (python3-torch), matplotlib and a built eq-opt (EQQ_BUILD_DIR,
default build/).
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build"))
EQ_OPT = os.path.join(BUILD, "bin", "eq-opt")
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-plot"))

import eq_plot  # noqa: E402


def load_accuracy():
    spec = importlib.util.spec_from_file_location(
        "eqq_bench_accuracy", os.path.join(ROOT, "bench", "accuracy.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "docs", "img", "equalization.png"))
    ap.add_argument("--keep", default=None, help="keep the model, data, stats and recipe here")
    args = ap.parse_args()
    if not os.access(EQ_OPT, os.X_OK):
        sys.exit("%s not found (build first, or set EQQ_BUILD_DIR)" % EQ_OPT)

    acc = load_accuracy()
    import numpy as np
    import torch
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    model, calib, _test, idx, scales = acc.make_case("mlp", gen)

    tmp = args.keep or tempfile.mkdtemp(prefix="eqq-plot-")
    os.makedirs(tmp, exist_ok=True)
    try:
        mlir = os.path.join(tmp, "mlp.mlir")
        with open(mlir, "w") as f:
            f.write(acc.export_module(model, (calib[0],)))
        files = []
        for i, x in enumerate(calib):
            files.append(os.path.join(tmp, "calib%d.npy" % i))
            np.save(files[-1], x.numpy())
        stats, recipe = os.path.join(tmp, "stats.json"), os.path.join(tmp, "recipe.json")
        subprocess.run([EQ_OPT, mlir, "--eqq-prepare",
                        "--eqq-calibrate=data=%s stats-out=%s" % (",".join(files), stats),
                        "--eqq-convert=recipe=" + recipe, "-o", os.path.join(tmp, "mlp.int8.mlir")],
                       check=True)
        print("outlier input channels: %s" % ", ".join(
            "%d (%.0fx)" % (i, scales[i]) for i in idx))
        return eq_plot.main(["--stats", stats, "--recipe", recipe, "--layer", "fc1",
                             "-o", args.output])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
