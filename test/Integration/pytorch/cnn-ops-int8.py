# Tests the int8 programs of the CNN ops around the layers against PyTorch
# 1.13's prepare_fx/convert_fx on the onednn engine, with
# {"qconfig": "onednn"} (get_default_qconfig_mapping("onednn")) and the same
# three calibration batches: max and average pooling (padding, ceil_mode,
# count_include_pad), adaptive average pooling (global and not), mean,
# flatten, relu6, hardtanh, clamp, hardswish, hardsigmoid, sigmoid, SiLU,
# squeeze-and-excitation's broadcasting mul, cat. Each op must be quantized as
# PyTorch's backend configuration says (its own observer, its input's, fixed
# qparams, or float): a wrong choice moves the output by many quanta.
#
# Checked: the int8 output on a fourth input is within one quantum of
# PyTorch's, and differs by more than half a quantum on at most
# handful() elements. Elements may differ where a value lands on a rounding
# tie in one implementation and not in the other (PyTorch's int8 kernels
# compute averages, hardswish and sigmoid in their own arithmetic), and where
# PyTorch observes the inputs of a cat with one shared histogram observer
# batch by batch, while EqQuant merges the inputs' histograms once.
#
# PyTorch 1.13's HistogramObserver histograms a range truncated to integers
# (histogram_ref.py); ReferenceHistogramObserver (the same observer without
# the defect) stands in for it, as in named-qconfig.py.
#
# REQUIRES: torch
# RUN: %python %s %t

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402

from convert_ref import save_batches, torch_int8, within_one_quantum  # noqa: E402
from histogram_ref import reference_mapping  # noqa: E402
from torch_ref import Results, eq_opt, eq_run, export_module  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.backends.quantized.engine = "onednn"


class Pools(nn.Module):
    """Max pooling with padding, average pooling with ceil_mode and without
    count_include_pad, non-global adaptive pooling, flatten."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.pool1 = nn.MaxPool2d(3, 2, 1)
        self.conv2 = nn.Conv2d(8, 8, 1)
        self.pool2 = nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)
        self.conv3 = nn.Conv2d(8, 6, 1)
        self.pool3 = nn.AdaptiveAvgPool2d((2, 3))
        self.fc = nn.Linear(36, 64)

    def forward(self, x):
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(self.conv2(x))
        x = self.pool3(self.conv3(x))
        return self.fc(torch.flatten(x, 1))


class Hardswish(nn.Module):
    """MobileNetV3's blocks: hardswish, squeeze-and-excitation (global
    average pool, relu, hardsigmoid, broadcasting mul), relu6, mean."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.act1 = nn.Hardswish()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(8, 4, 1)
        self.fc2 = nn.Conv2d(4, 8, 1)
        self.gate = nn.Hardsigmoid()
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.act2 = nn.ReLU6()
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = self.act1(self.conv1(x))
        s = self.gate(self.fc2(F.relu(self.fc1(self.pool(x)))))
        x = self.act2(self.conv2(x * s))
        return self.fc(x.mean((2, 3)))


class Silu(nn.Module):
    """EfficientNet's: SiLU (float in PyTorch), sigmoid gate, hardtanh and
    clamp."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.act1 = nn.SiLU()
        self.conv2 = nn.Conv2d(8, 8, 1)
        self.conv3 = nn.Conv2d(8, 8, 3, padding=1)
        self.conv4 = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        x = self.act1(self.conv1(x))
        g = torch.sigmoid(self.conv2(x))
        y = F.hardtanh(self.conv3(x * g), -1.5, 2.0)
        return self.conv4(torch.clamp(y, min=-0.5))


class Fire(nn.Module):
    """SqueezeNet's fire module: two relu'd convs concatenated."""

    def __init__(self):
        super().__init__()
        self.squeeze = nn.Conv2d(3, 4, 1)
        self.expand1 = nn.Conv2d(4, 6, 1)
        self.expand3 = nn.Conv2d(4, 6, 3, padding=1)
        self.conv = nn.Conv2d(12, 5, 1)

    def forward(self, x):
        x = F.relu(self.squeeze(x))
        x = torch.cat([F.relu(self.expand1(x)), F.relu(self.expand3(x))], 1)
        return self.conv(x)


MODELS = {"pools": Pools, "hardswish": Hardswish, "silu": Silu, "fire": Fire}
SHAPE = (4, 3, 12, 12)


results = Results()
gen = torch.Generator().manual_seed(7)
config = os.path.join(out, "onednn.json")
with open(config, "w") as f:
    json.dump({"qconfig": "onednn"}, f)
for i, (name, factory) in enumerate(MODELS.items()):
    torch.manual_seed(200 + i)
    model = factory().eval()
    batches = [torch.rand(SHAPE, generator=gen) * 4 - 1 for _ in range(3)]
    x = torch.rand(SHAPE, generator=gen) * 4 - 1
    base = os.path.join(out, name)
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (batches[0],)))
    files = save_batches(base, batches + [x])
    try:
        eq_opt(base + ".mlir", "--eqq-prepare=config=%s" % config,
               "--eqq-calibrate=data=%s" % ",".join(files[:3]), "--eqq-convert",
               "-o", base + ".int8.mlir")
        eq_run(base + ".int8.mlir", "--input", files[3], "--output", base + ".y.npy")
        ours_y = np.load(base + ".y.npy")
    except Exception as e:  # eq-opt / eq-run failed
        results.error(name, e)
        continue
    ref_y, quantum = torch_int8(model, reference_mapping(get_default_qconfig_mapping("onednn")),
                                batches, x)
    summary = within_one_quantum(results, "%s: int8 output" % name, ours_y, ref_y, quantum)
    print("%-10s %s" % (name, summary))
results.finish()
