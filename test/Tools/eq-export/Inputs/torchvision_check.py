"""torchvision_check.py NAME:SIZE ...: exports each torchvision 0.14 model
(random initialization with seed 0, batch norms given random running
statistics, gamma and beta) at input 1 x 3 x SIZE x SIZE, runs it in eq-run
and compares with PyTorch in float (Inputs/eq_run.py: rtol 1e-4, atol
1e-5 * max|expected|). Prints one line per model with the max abs error,
the output's magnitude and the times; exits non-zero on any mismatch."""

import os
import resource
import sys
import time
import traceback
import warnings

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, here)

import torch  # noqa: E402
import torchvision  # noqa: E402

from cnn_models import randomize_batchnorms  # noqa: E402
from eq_export import export_module  # noqa: E402
from eq_run import compare, eq_run  # noqa: E402

warnings.filterwarnings("ignore")
failures = 0
for spec in sys.argv[1:]:
    name, _, size = spec.partition(":")
    size = int(size)
    try:
        torch.manual_seed(0)
        model = randomize_batchnorms(getattr(torchvision.models, name)()).eval()
        x = torch.rand(1, 3, size, size)
        t0 = time.time()
        text = export_module(model, (x,))
        t_export = time.time() - t0
        with torch.no_grad():
            want = model(x).numpy()
        del model
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        got = eq_run(text, [x.numpy()], 1)[0]
        t_run = time.time() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        msg, err, mag = compare(got, want)
    except Exception:  # noqa: BLE001
        print("FAIL %s %dx%d: %s" % (name, size, size, traceback.format_exc()))
        failures += 1
        continue
    print("%s %s %dx%d: max abs error %.3g, max |y| %.3g (relative %.3g); export %.1f s, "
          "%.0f MB of MLIR; eq-run %.1f s (%.1f s CPU)"
          % ("FAIL" if msg else "ok  ", name, size, size, err, mag, err / mag if mag else 0.0,
             t_export, len(text) / 1e6, t_run, cpu))
    if msg:
        print("  %s" % msg)
        failures += 1
    sys.stdout.flush()
sys.exit(1 if failures else 0)
