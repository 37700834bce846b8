"""torchvision_int8.py OUT NAME:SIZE ...: for each torchvision 0.14 model
(random initialization with seed 0, batch norms with random running
statistics, gamma and beta), quantizes it with PyTorch 1.13's
prepare_fx/convert_fx on the onednn engine with
get_default_qconfig_mapping("onednn") and with EqQuant
(--eqq-fold-batchnorm, --eqq-prepare with {"qconfig": "onednn"},
--eqq-calibrate, --eqq-convert) on the same two calibration batches of
smooth random images, runs both int8 models on a third batch and compares
the outputs in units of PyTorch's output quantum. Prints one line per model:
how many elements differ by more than half a quantum, the largest difference
in quanta, and the SQNR of each int8 output against float. Exits non-zero
when a pipeline fails or more than MAX_DIFFERING (a fraction) of a model's
output elements differ, or any differs by more than MAX_QUANTA.

PyTorch 1.13's HistogramObserver histograms a range truncated to integers
(histogram_ref.py); ReferenceHistogramObserver, the same observer without
that defect, stands in for it, as in named-qconfig.py."""

import json
import os
import sys
import time
import warnings

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "..", "..", "Tools", "eq-export", "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402

from cnn_models import randomize_batchnorms  # noqa: E402
from convert_ref import save_batches, torch_int8  # noqa: E402
from histogram_ref import reference_mapping  # noqa: E402
from torch_ref import eq_opt, eq_run, export_module  # noqa: E402

warnings.filterwarnings("ignore")
torch.backends.quantized.engine = "onednn"
MAX_DIFFERING = 0.05
MAX_QUANTA = 1.0 + 1e-4


def smooth_images(n, size, generator):
    """`n` random images with spatial structure: noise at 1/8 of the size,
    upsampled bilinearly, in [-2, 2] (like normalized photographs)."""
    low = torch.rand(n, 3, max(1, size // 8), max(1, size // 8), generator=generator)
    x = F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)
    return (x * 4 - 2).contiguous()


def sqnr(y, ref):
    noise = np.sum((y.astype(np.float64) - ref) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / noise)


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
config = os.path.join(out, "onednn.json")
with open(config, "w") as f:
    json.dump({"qconfig": "onednn"}, f)
failures = 0
for spec in sys.argv[2:]:
    name, _, size = spec.partition(":")
    size = int(size)
    gen = torch.Generator().manual_seed(1)
    batches = [smooth_images(2, size, gen) for _ in range(2)]
    x = smooth_images(2, size, gen)
    base = os.path.join(out, name)
    t0 = time.time()
    try:
        torch.manual_seed(0)
        model = randomize_batchnorms(getattr(torchvision.models, name)()).eval()
        with torch.no_grad():
            float_y = model(x).numpy()
        with open(base + ".mlir", "w") as f:
            f.write(export_module(model, (batches[0],)))
        files = save_batches(base, batches + [x])
        eq_opt(base + ".mlir", "--eqq-fold-batchnorm", "--eqq-prepare=config=%s" % config,
               "--eqq-calibrate=data=%s" % ",".join(files[:2]), "--eqq-convert",
               "-o", base + ".int8.mlir")
        eq_run(base + ".int8.mlir", "--input", files[2], "--output", base + ".y.npy")
        ours = np.load(base + ".y.npy")
        ref, quantum = torch_int8(model, reference_mapping(get_default_qconfig_mapping("onednn")),
                                  batches, x)
    except Exception as e:  # noqa: BLE001
        print("FAIL %s %dx%d: %s" % (name, size, size, e))
        failures += 1
        continue
    diff = np.abs(ours.astype(np.float64) - ref) / quantum
    differing = int((diff > 0.5).sum())
    ok = differing <= MAX_DIFFERING * diff.size and diff.max() <= MAX_QUANTA
    failures += not ok
    print("%s %s %dx%d: %d of %d output elements differ from PyTorch's by one quantum, "
          "largest %.3g quanta; SQNR vs float: EqQuant %.2f dB, PyTorch %.2f dB (%.0f s)"
          % ("ok  " if ok else "FAIL", name, size, size, differing, diff.size, diff.max(),
             sqnr(ours, float_y), sqnr(ref, float_y), time.time() - t0))
    sys.stdout.flush()
sys.exit(1 if failures else 0)
