"""check_run.py MODULE.mlir --input X.npy ... --expect Y.npy ...: runs the
exported module with upstream MLIR tools (mlir_run.py) on the inputs and
checks the results against the expected arrays (rtol 1e-5, atol 1e-6)."""

import argparse
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

from mlir_run import run  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("module")
p.add_argument("--input", action="append", default=[])
p.add_argument("--expect", action="append", default=[])
p.add_argument("--entry", default="forward")
args = p.parse_args()
xs = [np.load(f) for f in args.input]
ys = [np.load(f) for f in args.expect]
with open(args.module) as f:
    text = f.read()
got = run(text, xs, [y.shape for y in ys], entry=args.entry)
ok = True
for i, (g, y) in enumerate(zip(got, ys)):
    if g.dtype != np.float32 or not np.allclose(g, y, rtol=1e-5, atol=1e-6):
        print("result %d differs: max abs error %g" % (i, np.abs(g - y).max()))
        ok = False
print("match" if ok else "mismatch")
sys.exit(0 if ok else 1)
