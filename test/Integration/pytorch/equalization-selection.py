# Tests --eqq-convert="select=true" end to end on small PyTorch models, with
# and without outlier channels, calibrated on 4 batches and evaluated on a
# held-out batch (int8 output SQNR against PyTorch's float output):
#  - on every model the selection is never more than 0.2 dB below the same
#    configuration without equalization;
#  - on the models with outlier input channels it keeps equalization's gain
#    (at least 0.5 dB above no equalization, and within 0.2 dB of equalizing
#    every layer);
#  - on a model where equalizing every layer hurts (fc2's first columns are
#    large but nearly constant, so the range-based scale blows up the
#    weights), it is above equalizing every layer;
#  - the recipe records a scored selection for every equalized layer, and
#    recipe-in re-applies it to the same module.
# Conversion times with and without the selection are printed.
#
# REQUIRES: torch
# RUN: %python %s %t

import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "eq-export"))
from eq_export import export_module  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

NOEQ_CONFIG = {"qconfig": {"global": None, "object_type": {
    "linear": "default", "conv2d": "default", "relu": "default"}}}


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(64, 128), nn.Linear(128, 128), nn.Linear(128, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, stride=2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.fc(torch.flatten(x, 1))


def run(*cmd):
    subprocess.run([str(c) for c in cmd], check=True)


def sqnr(ref, y):
    return 20 * np.log10(np.linalg.norm(ref) / np.linalg.norm(ref - y))


CASES = [  # name, model, input shape, outlier channels
    ("mlp-plain", MLP, (64, 64), 0),
    ("mlp-outliers", MLP, (64, 64), 4),
    ("mlp-hurts", MLP, (64, 64), 0),
    ("conv-plain", ConvNet, (16, 3, 16, 16), 0),
    ("conv-outliers", ConvNet, (16, 3, 16, 16), 1),
]

torch.manual_seed(0)
failures = []
noeq_cfg = os.path.join(out, "noeq.json")
with open(noeq_cfg, "w") as f:
    json.dump(NOEQ_CONFIG, f)
for name, cls, shape, outliers in CASES:
    model = cls().eval()
    gen = torch.Generator().manual_seed(1)
    scale = torch.ones(shape[1])
    if outliers:
        idx = torch.randperm(shape[1], generator=gen)[:outliers]
        scale[idx] = 30 + 70 * torch.rand(outliers, generator=gen)
    if name == "mlp-hurts":
        with torch.no_grad():
            model.fc2.weight[:, :8] = 0.5 + 0.002 * torch.randn(128, 8, generator=gen)
    view = (1, -1) if len(shape) == 2 else (1, -1, 1, 1)
    batches = [torch.randn(shape, generator=gen) * scale.view(view) for _ in range(5)]
    files = []
    for i, b in enumerate(batches):
        files.append(os.path.join(out, "%s.%d.npy" % (name, i)))
        np.save(files[-1], b.numpy())
    calib, test = ",".join(files[:4]), files[4]
    with torch.no_grad():
        ref = model(batches[4]).numpy()
    mlir = os.path.join(out, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(export_module(model, (batches[0],)))

    res, times = {}, {}
    for tag, prep, conv in (("noeq", "--eqq-prepare=config=" + noeq_cfg, ""),
                            ("all", "--eqq-prepare", ""),
                            ("select", "--eqq-prepare", "select=true")):
        prepared = os.path.join(out, "%s.%s.calibrated.mlir" % (name, tag))
        run("eq-opt", mlir, prep, "--eqq-calibrate=data=" + calib, "-o", prepared)
        recipe = os.path.join(out, "%s.%s.recipe.json" % (name, tag))
        q = os.path.join(out, "%s.%s.int8.mlir" % (name, tag))
        start = time.time()
        run("eq-opt", prepared, "--eqq-convert=recipe=%s %s" % (recipe, conv), "-o", q)
        times[tag] = time.time() - start
        y = q + ".y.npy"
        run("eq-run", q, "--input", test, "--output", y)
        res[tag] = sqnr(ref, np.load(y))
        if tag != "select":
            continue
        with open(recipe) as f:
            layers = json.load(f)["layers"]
        unscored = [L["name"] for L in layers if not L.get("selection", {}).get("scored")]
        if unscored:
            failures.append("%s: layers without a scored selection: %s" % (name, unscored))
        kept = [L["name"] for L in layers if L["equalized"]]
        replayed = os.path.join(out, "%s.replayed.mlir" % name)
        run("eq-opt", mlir, "--eqq-prepare", "--eqq-convert=recipe-in=" + recipe, "-o", replayed)
        with open(q) as a, open(replayed) as b:
            if a.read() != b.read():
                failures.append("%s: recipe-in does not reproduce the selection" % name)
    print("%-14s SQNR noeq %.2f dB, every layer equalized %.2f dB, select %.2f dB "
          "(equalized: %s); convert %.2f s, with select %.2f s"
          % (name, res["noeq"], res["all"], res["select"], ",".join(kept) or "none",
             times["all"], times["select"]))
    if res["select"] < res["noeq"] - 0.2:
        failures.append("%s: select %.2f dB is more than 0.2 dB below no equalization %.2f dB"
                        % (name, res["select"], res["noeq"]))
    if outliers and not (res["select"] > res["noeq"] + 0.5 and res["select"] >= res["all"] - 0.2):
        failures.append("%s: select %.2f dB lost equalization's gain (every layer %.2f dB, "
                        "none %.2f dB)" % (name, res["select"], res["all"], res["noeq"]))
    if name == "mlp-hurts" and not res["all"] < res["select"]:
        failures.append("%s: select %.2f dB is not above equalizing every layer %.2f dB"
                        % (name, res["select"], res["all"]))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("PASS")
