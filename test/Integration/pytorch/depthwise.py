# Tests depthwise Conv2d (groups == in channels == out channels) against
# PyTorch 1.13, on depthwise-separable blocks: conv 1x1 + relu -> depthwise
# 3x3 (padding 1, stride 1 or 2) + relu -> conv 1x1.
#   (a) Without equalization, {"qconfig": "onednn"} against prepare_fx /
#       convert_fx with get_default_qconfig_mapping("onednn") on the onednn
#       engine, fed the same three calibration batches: every activation and
#       weight observer (per-channel weights along axis 0, the depthwise
#       weight C x 1 x 3 x 3 included) has PyTorch's min/max and qparams
#       exactly, and the int8 outputs on a fourth input agree within one
#       quantum on all but a handful of elements (the fraction is printed).
#   (b) With "equalization": "default" on a block whose input and expanded
#       channels have outliers: the equalized float model (quantize=false)
#       computes the original function; the depthwise layer's scale folds
#       into the expand conv and the project conv's scale into the depthwise
#       layer (the recipe says so); the int8 output's SQNR against the float
#       output is not below the SQNR without equalization by more than
#       0.5 dB, with data and data-free (data-free=true), every layer
#       equalized (select=false), which both keep the function too; with
#       the named equalization's own selection (each scale kept only where
#       it scores better than none), not below by more than 0.2 dB.
# PyTorch's HistogramObserver is replaced by ReferenceHistogramObserver
# (histogram_ref.py, as in named-qconfig.py); weights and inputs have few
# significant bits so that both sides' float layers compute the same bits.
#
# REQUIRES: torch
# RUN: %python %s %t

import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from convert_ref import onednn_block_vs_pytorch, save_batches  # noqa: E402
from torch_ref import (  # noqa: E402
    Results, dyadic, dyadic_uniform, eq_opt, eq_run, exact_float_model, export_module,
    map_float_tensors)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.backends.quantized.engine = "onednn"


class SeparableBlock(nn.Module):
    def __init__(self, cin, c, cout, stride):
        super().__init__()
        self.expand = nn.Conv2d(cin, c, 1)
        self.relu1 = nn.ReLU()
        self.dw = nn.Conv2d(c, c, 3, stride=stride, padding=1, groups=c)
        self.relu2 = nn.ReLU()
        self.project = nn.Conv2d(c, cout, 1)

    def forward(self, x):
        return self.project(self.relu2(self.dw(self.relu1(self.expand(x)))))


def sqnr(ref, y):
    ref = ref.astype(np.float64)
    return 20 * math.log10(np.linalg.norm(ref) / np.linalg.norm(ref - y))


results = Results()
gen = torch.Generator().manual_seed(7)
RANGES = [(-0.5, 1.0), (-1.25, 0.75), (-0.25, 2.0)]
SHAPE = (2, 8, 14, 14)

# (a) against PyTorch, no equalization.
for i, stride in enumerate([1, 2]):
    name = "separable stride %d" % stride
    torch.manual_seed(30 + i)
    model = map_float_tensors(SeparableBlock(8, 24, 8, stride).eval(),
                              lambda t: dyadic(t, bits=3))
    batches = [dyadic_uniform(SHAPE, lo, hi, 2.0 ** -5, gen) for lo, hi in RANGES]
    x = dyadic_uniform(SHAPE, -1.0, 1.5, 2.0 ** -5, gen)
    if not results.ok(exact_float_model(model, batches + [x]), "%s: setup" % name,
                      "float32 forward is not exact; use fewer significant bits"):
        continue
    got = onednn_block_vs_pytorch(results, name, model, batches, x,
                                  os.path.join(out, "onednn_stride%d" % stride),
                                  ["expand", "dw", "project"])
    if got is not None:
        print("%-22s %2d observers; %s" % (name, len(got[0]), got[1]))

# (b) equalization through the block, on outlier channels.
for i, stride in enumerate([1, 2]):
    name = "outliers stride %d" % stride
    torch.manual_seed(50 + i)
    model = SeparableBlock(8, 24, 8, stride).eval()
    with torch.no_grad():
        # Outlier input channels (x2 scaled below) and expanded channels.
        model.expand.weight[3] *= 12.0
        model.expand.weight[17] *= 8.0
    xscale = torch.ones(1, 8, 1, 1)
    xscale[0, 1] = 10.0
    xscale[0, 6] = 6.0
    batches = [torch.randn(SHAPE, generator=gen) * xscale for _ in range(3)]
    x = torch.randn(SHAPE, generator=gen) * xscale
    base = os.path.join(out, "outliers_stride%d" % stride)
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (batches[0],)))
    files = save_batches(base, batches + [x])
    sq = {}
    try:
        eq_run(base + ".mlir", "--input", files[3], "--output", base + ".float.npy")
        ref = np.load(base + ".float.npy")
        # select=false: every layer equalized, to check where the scales go;
        # "selected" is the named equalization as it is (each scale kept only
        # where it scores better than none).
        named_eq = {"qconfig": "onednn", "equalization": "default"}
        for variant, cfg, opts in [("none", {"qconfig": "onednn"}, ""),
                                   ("default", named_eq, "select=false"),
                                   ("data-free", named_eq, "data-free=true select=false"),
                                   ("selected", named_eq, "")]:
            vbase = "%s.%s" % (base, variant)
            with open(vbase + ".json", "w") as f:
                json.dump(cfg, f)
            eq_opt(base + ".mlir", "--eqq-prepare=config=%s.json" % vbase,
                   "--eqq-calibrate=data=%s" % ",".join(files[:3]), "-o", vbase + ".cal.mlir")
            eq_opt(vbase + ".cal.mlir", "--eqq-convert=%s recipe=%s.recipe.json" % (opts, vbase),
                   "-o", vbase + ".int8.mlir")
            eq_run(vbase + ".int8.mlir", "--input", files[3], "--output", vbase + ".y.npy")
            sq[variant] = sqnr(ref, np.load(vbase + ".y.npy"))
            if variant in ("none", "selected"):
                continue
            eq_opt(vbase + ".cal.mlir", "--eqq-convert=quantize=false %s" % opts,
                   "-o", vbase + ".eqf.mlir")
            eq_run(vbase + ".eqf.mlir", "--input", files[3], "--output", vbase + ".eqf.npy")
            results.close("%s %s: equalized float model equals the float model" % (name, variant),
                          np.load(vbase + ".eqf.npy"), ref, rtol=1e-4,
                          atol=1e-5 * float(np.abs(ref).max()))
            with open(vbase + ".recipe.json") as f:
                applied = {l["name"]: l.get("scale_applied")
                           for l in json.load(f)["layers"]}
            results.ok(applied.get("dw") == "folded_into:expand" and
                       applied.get("project") == "folded_into:dw",
                       "%s %s: scales fold through the depthwise layer" % (name, variant),
                       str(applied))
    except Exception as e:
        results.error(name, e)
        continue
    results.ok(sq["default"] >= sq["none"] - 0.5,
               "%s: equalized int8 SQNR not worse than without" % name,
               "%.2f dB with equalization, %.2f dB without" % (sq["default"], sq["none"]))
    results.ok(sq["data-free"] >= sq["none"] - 0.5,
               "%s: data-free equalized int8 SQNR not worse than without" % name,
               "%.2f dB data-free, %.2f dB without" % (sq["data-free"], sq["none"]))
    results.ok(sq["selected"] >= sq["none"] - 0.2,
               "%s: selected equalization int8 SQNR not below without by more than 0.2 dB" % name,
               "%.2f dB selected, %.2f dB without" % (sq["selected"], sq["none"]))
    print("%-22s int8 SQNR vs float: %.2f dB without equalization, %.2f dB with, "
          "%.2f dB data-free, %.2f dB selected" % (name, sq["none"], sq["default"],
                                                   sq["data-free"], sq["selected"]))
results.finish()
