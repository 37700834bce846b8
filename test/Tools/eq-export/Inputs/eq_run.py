"""Runs an exported module in eq-run (the JIT, from PATH) and compares its
results with PyTorch's: rtol 1e-4 and atol 1e-5 * max|expected| (an absolute
tolerance relative to the output's magnitude, for elements near zero after
cancellation in deep networks)."""

import os
import shutil
import subprocess
import tempfile

import numpy as np

RTOL = 1e-4
ATOL_REL = 1e-5


def eq_run(text, inputs, n_outputs, extra_args=()):
    """Writes the module and inputs to a temporary directory, runs eq-run,
    returns the results as arrays."""
    tmp = tempfile.mkdtemp(prefix="eq-export-")
    try:
        mod = os.path.join(tmp, "m.mlir")
        with open(mod, "w") as f:
            f.write(text)
        cmd = [shutil.which("eq-run") or "eq-run", mod]
        for i, x in enumerate(inputs):
            path = os.path.join(tmp, "x%d.npy" % i)
            np.save(path, np.ascontiguousarray(x, dtype=np.float32))
            cmd += ["--input", path]
        outs = [os.path.join(tmp, "y%d.npy" % i) for i in range(n_outputs)]
        for path in outs:
            cmd += ["--output", path]
        p = subprocess.run(cmd + list(extra_args), capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError("eq-run failed (%d):\n%s" % (p.returncode, p.stderr[:4000]))
        return [np.load(path) for path in outs]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compare(got, want):
    """None when got matches want, else a message; also the max abs error and
    the max |want|."""
    want = np.asarray(want, dtype=np.float32)
    err = float(np.abs(got.astype(np.float64) - want).max()) if want.size else 0.0
    mag = float(np.abs(want).max()) if want.size else 0.0
    if got.shape != want.shape or got.dtype != np.float32:
        return "shape/dtype %s %s, expected %s float32" % (got.shape, got.dtype, want.shape), err, mag
    if not np.allclose(got, want, rtol=RTOL, atol=ATOL_REL * mag):
        return "max abs error %g (max |expected| %g)" % (err, mag), err, mag
    return None, err, mag
