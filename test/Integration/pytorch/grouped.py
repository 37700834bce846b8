# Tests grouped Conv2d (1 < groups < in channels, and depthwise with a channel
# multiplier) against PyTorch 1.13, on ResNeXt-style blocks: conv 1x1 + relu
# -> grouped 3x3 (padding 1, stride 1 or 2) + relu -> conv 1x1.
#   (a) {"qconfig": "onednn"} against prepare_fx / convert_fx with
#       get_default_qconfig_mapping("onednn") on the onednn engine, fed the
#       same three calibration batches: every activation and weight observer
#       (the grouped weight's per-channel ranges along axis 0 of PyTorch's
#       (G F') x C' x 3 x 3 included) has PyTorch's min/max and qparams
#       exactly, and the int8 outputs on a fourth input agree within one
#       quantum on all but a handful of elements (the fraction is printed);
#       the int8 module's grouped layer is an integer generic, not float.
#   (b) With the built-in default configuration (which equalizes convs):
#       the grouped layer is quantized, not equalized, with a warning naming
#       it; the 1x1 conv after it is equalized, its scale folded into the
#       grouped layer's rows and bias (a producer like any conv); the
#       equalized float model still computes the float function.
# PyTorch's HistogramObserver is replaced by ReferenceHistogramObserver
# (histogram_ref.py); weights and inputs have few significant bits so that
# both sides' float layers compute the same bits.
#
# REQUIRES: torch
# RUN: %python %s %t

import json
import os
import subprocess
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


class GroupedBlock(nn.Module):
    def __init__(self, cin, c, cmid, cout, groups, stride):
        super().__init__()
        self.reduce = nn.Conv2d(cin, c, 1)
        self.relu1 = nn.ReLU()
        self.grouped = nn.Conv2d(c, cmid, 3, stride=stride, padding=1, groups=groups)
        self.relu2 = nn.ReLU()
        self.expand = nn.Conv2d(cmid, cout, 1)

    def forward(self, x):
        return self.expand(self.relu2(self.grouped(self.relu1(self.reduce(x)))))


results = Results()
gen = torch.Generator().manual_seed(11)
RANGES = [(-0.5, 1.0), (-1.25, 0.75), (-0.25, 2.0)]
SHAPE = (2, 8, 14, 14)
# (c, cmid, groups, stride): ResNeXt's 4 channels a group; 3 channels and 6
# outputs a group at stride 2; a depthwise conv with channel multiplier 2.
BLOCKS = {"groups 4": (16, 16, 4, 1), "groups 4 c'3 f'6 stride 2": (12, 24, 4, 2),
          "multiplier 2": (12, 24, 12, 1)}

# (a) against PyTorch.
for i, (name, (c, cmid, groups, stride)) in enumerate(BLOCKS.items()):
    torch.manual_seed(40 + i)
    model = map_float_tensors(GroupedBlock(8, c, cmid, 8, groups, stride).eval(),
                              lambda t: dyadic(t, bits=3))
    batches = [dyadic_uniform(SHAPE, lo, hi, 2.0 ** -5, gen) for lo, hi in RANGES]
    x = dyadic_uniform(SHAPE, -1.0, 1.5, 2.0 ** -5, gen)
    if not results.ok(exact_float_model(model, batches + [x]), "%s: setup" % name,
                      "float32 forward is not exact; use fewer significant bits"):
        continue
    got = onednn_block_vs_pytorch(results, name, model, batches, x,
                                  os.path.join(out, "onednn%d" % i),
                                  ["reduce", "grouped", "expand"])
    if got is None:
        continue
    ours, summary, int8_text = got
    results.ok("conv_2d_ngchw_gfchw" not in int8_text and "floordiv" in int8_text,
               "%s: the grouped layer is an integer generic" % name,
               "the int8 module keeps the float grouped conv")
    print("%-26s %2d observers; %s" % (name, len(ours), summary))

# (b) the default configuration equalizes convs, but not the grouped one.
torch.manual_seed(60)
model = GroupedBlock(8, 16, 16, 8, 4, 1).eval()
batches = [torch.randn(SHAPE, generator=gen) for _ in range(3)]
x = torch.randn(SHAPE, generator=gen)
base = os.path.join(out, "default")
with open(base + ".mlir", "w") as f:
    f.write(export_module(model, (batches[0],)))
files = save_batches(base, batches + [x])
try:
    p = subprocess.run(["eq-opt", base + ".mlir", "--eqq-prepare",
                        "--eqq-calibrate=data=%s" % ",".join(files[:3]), "-o", base + ".cal.mlir"],
                       capture_output=True, text=True)
    results.ok(p.returncode == 0, "default config: prepare and calibrate", p.stderr)
    results.ok("layer 'grouped' is not equalized: grouped convs (4 groups) are quantized"
               in p.stderr, "default config: the grouped layer's warning", p.stderr)
    eq_opt(base + ".cal.mlir", "--eqq-convert=select=false recipe=%s.recipe.json" % base,
           "-o", base + ".int8.mlir")
    eq_opt(base + ".cal.mlir", "--eqq-convert=quantize=false select=false",
           "-o", base + ".eqf.mlir")
    eq_run(base + ".mlir", "--input", files[3], "--output", base + ".float.npy")
    eq_run(base + ".eqf.mlir", "--input", files[3], "--output", base + ".eqf.npy")
    eq_run(base + ".int8.mlir", "--input", files[3], "--output", base + ".y.npy")
    with open(base + ".recipe.json") as f:
        recipe = {l["name"]: l for l in json.load(f)["layers"]}
    with open(base + ".int8.mlir") as f:
        int8_text = f.read()
except Exception as e:
    results.error("default config", e)
else:
    ref = np.load(base + ".float.npy")
    with torch.no_grad():
        results.close("default config: the float module equals PyTorch", ref,
                      model(x).numpy(), rtol=1e-4, atol=1e-5)
    results.close("default config: equalized float equals float", np.load(base + ".eqf.npy"),
                  ref, rtol=1e-4, atol=1e-5 * float(np.abs(ref).max()))
    applied = {n: (l["equalized"], l.get("scale_applied")) for n, l in recipe.items()}
    results.ok(applied.get("grouped") == (False, "none") and
               applied.get("expand") == (True, "folded_into:grouped"),
               "default config: the grouped layer is not equalized, and takes the next "
               "layer's scale in its rows", str(applied))
    results.ok("conv_2d_ngchw_gfchw" not in int8_text,
               "default config: the grouped layer is quantized", "it stayed float")
    y = np.load(base + ".y.npy")
    sq = 20 * np.log10(np.linalg.norm(ref) / np.linalg.norm(ref - y))
    results.ok(sq > 25, "default config: int8 SQNR", "%.2f dB" % sq)
    print("default config: int8 SQNR vs float %.2f dB; recipe %s" % (sq, applied))
results.finish()
