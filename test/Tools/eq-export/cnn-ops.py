# Tests that the CNN ops eq_export handles (batch norm in eval mode, max, avg
# and adaptive avg pooling, mean, grouped and depthwise convs, relu6 /
# hardtanh / clamp, hardswish, hardsigmoid, sigmoid, silu, squeeze-and-
# excitation's broadcasting mul, cat, nested Sequentials) compute what PyTorch
# computes: each small model (Inputs/cnn_models.py) is exported in two
# spellings and run in eq-run on inputs spread over [-4, 4], and its results
# are compared with PyTorch's (rtol 1e-4, atol 1e-5 * max|expected|, see
# Inputs/eq_run.py).
#
# RUN: %python %s

import os
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, os.path.join(here, "Inputs"))

import torch  # noqa: E402

from cnn_models import CNN_MODELS  # noqa: E402
from eq_export import export_module  # noqa: E402
from eq_run import compare, eq_run  # noqa: E402

VARIANTS = [dict(bias="init", resource_threshold=64), dict(bias="add", resource_threshold=None)]

jobs = []
for name, (factory, shapes) in CNN_MODELS.items():
    for opts in VARIANTS:
        torch.manual_seed(0)
        m = factory().eval()
        xs = [torch.rand(s) * 8 - 4 for s in shapes]
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
print("%d of %d exported CNN models match PyTorch in eq-run" % (len(jobs) - len(failures), len(jobs)))
sys.exit(1 if failures else 0)
