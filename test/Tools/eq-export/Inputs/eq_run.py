"""Runs an exported module in eq-run (the JIT, from PATH) and compares its
results with PyTorch's: rtol 1e-4 and atol 1e-5 * max|expected| (an absolute
tolerance relative to the output's magnitude, for elements near zero after
cancellation in deep networks)."""

import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from concurrent.futures import ThreadPoolExecutor

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
            x = np.asarray(x)
            # Ids and masks keep their integer or bool type; numbers are float32.
            np.save(path, np.ascontiguousarray(
                x if x.dtype.kind in "biu" else x.astype(np.float32)))
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


def check_models(models, variants, kind):
    """Exports each model of `models` (name -> (factory, inputs)) with each
    dict of export_module options in `variants`, runs it in eq-run on inputs
    made after torch.manual_seed(0) (an input is a shape, for float32 values
    spread over [-4, 4], or a function making the tensor), compares every
    result with PyTorch's, prints one line per run and a summary naming
    `kind`, and returns the exit status (1 if any run differs)."""
    import torch

    from eq_export import export_module

    jobs = []
    for name, (factory, shapes) in models.items():
        for opts in variants:
            torch.manual_seed(0)
            m = factory().eval()
            xs = [s() if callable(s) else torch.rand(s) * 8 - 4 for s in shapes]
            text = export_module(m, tuple(xs), **opts)
            with torch.no_grad():
                ys = m(*xs)
            ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
            jobs.append((name, opts, text, [x.numpy() for x in xs], [y.numpy() for y in ys]))

    def check(job):
        name, opts, text, xs, ys = job
        try:
            got = eq_run(text, xs, len(ys))
        except Exception:  # noqa: BLE001
            return "%s %s: %s" % (name, opts, traceback.format_exc()), 0.0
        worst = 0.0
        for i, (g, y) in enumerate(zip(got, ys)):
            msg, err, mag = compare(g, y)
            worst = max(worst, err)
            if msg:
                return "%s %s: result %d: %s" % (name, opts, i, msg), worst
        return None, worst

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = list(pool.map(check, jobs))
    for (name, opts, *_), (r, err) in zip(jobs, results):
        print("%s %s %s (max abs error %.3g)" % ("FAIL" if r else "ok  ", name, opts, err))
    failures = [r for r, _ in results if r]
    for f in failures:
        print(f, file=sys.stderr)
    print("%d of %d exported %s models match PyTorch in eq-run"
          % (len(jobs) - len(failures), len(jobs), kind))
    return 1 if failures else 0
