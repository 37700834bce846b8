# Tests that exported modules compute what PyTorch computes: each model is
# exported, lowered with upstream passes only (no EqQuant), run with
# mlir-runner on the same input and compared with the module's output
# (rtol 1e-5, atol 1e-6), for every seed model (small conv input) and the
# extra models (padding, stride, dilation, conv1d/3d, rank-3 linear, flatten,
# view, broadcasting adds, several inputs/outputs), in all spellings.
#
# RUN: %python %s

import os
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, os.path.join(here, "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from eq_export import export_module  # noqa: E402
from extra_models import EXTRA_MODELS  # noqa: E402
from mlir_run import run  # noqa: E402
from seed_models import SEED_MODELS  # noqa: E402

VARIANTS = [
    dict(linear_spelling="transposed_b", bias="init", resource_threshold=64),
    dict(linear_spelling="transpose_op", bias="add", resource_threshold=64),
    dict(linear_spelling="transposed_b", bias="add", resource_threshold=0),
    dict(linear_spelling="transpose_op", bias="init", resource_threshold=None),
]

cases = []
for i, (name, (factory, _, small)) in enumerate(SEED_MODELS.items()):
    cases.append((name, factory, [small], VARIANTS[i % len(VARIANTS)]))
for i, (name, (factory, shapes)) in enumerate(EXTRA_MODELS.items()):
    cases.append((name, factory, shapes, VARIANTS[0]))
    cases.append((name, factory, shapes, VARIANTS[1 + i % 3]))

# Export in this thread (PyTorch), lower and run in parallel.
jobs = []
for name, factory, shapes, opts in cases:
    torch.manual_seed(0)
    m = factory().eval()
    xs = [torch.rand(s) * 2 - 0.5 for s in shapes]
    text = export_module(m, tuple(xs), **opts)
    with torch.no_grad():
        ys = m(*xs)
    ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
    ys = [y.numpy() for y in ys]
    jobs.append((name, opts, text, [x.numpy() for x in xs], ys))


def check(job):
    name, opts, text, xs, ys = job
    try:
        got = run(text, xs, [y.shape for y in ys])
    except Exception:  # noqa: BLE001
        return "%s %s: %s" % (name, opts, traceback.format_exc())
    for i, (g, y) in enumerate(zip(got, ys)):
        if not np.allclose(g, y, rtol=1e-5, atol=1e-6):
            return "%s %s: result %d differs (max abs err %g)" % (name, opts, i, np.abs(g - y).max())
    return None


with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
    results = list(pool.map(check, jobs))
failures = [r for r in results if r]
for (name, opts, *_), r in zip(jobs, results):
    print("%s %s %s" % ("FAIL" if r else "ok  ", name, opts))
for f in failures:
    print(f, file=sys.stderr)
print("%d of %d exported models match PyTorch" % (len(jobs) - len(failures), len(jobs)))
sys.exit(1 if failures else 0)
