# Tests --eqq-prepare residual-adds end to end on residual blocks with a skip
# connection (h = L0(x) feeds both L1 and the add; y = L3(relu(h + L2(relu(L1(h)))))),
# one of linears and one of padded 3x3 convs, where L0's output has outlier
# channels:
#  - the equalized float model (quantize=false) computes PyTorch's float
#    function (relative error < 1e-5): L3's scale is folded into L0 and L2,
#    and L1 divides its columns by it;
#  - the recipe says so (L3 "folded_into:L0,L2", L1 "folded_into:L0");
#  - the int8 model is more accurate than with the default handling (a
#    multiply after the add, the add's operands quantized with their outliers),
#    by at least 1 dB of output SQNR on a held-out batch.
#
# REQUIRES: torch
# RUN: %python %s %t

import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "eq-export"))
from eq_export import export_module  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class Block(nn.Module):
    def __init__(self, conv):
        super().__init__()
        if conv:
            self.l0, self.l1, self.l2 = (nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1),
                                         nn.Conv2d(16, 8, 3, padding=1))
            self.l3 = nn.Conv2d(8, 4, 3, padding=1)
        else:
            self.l0, self.l1, self.l2, self.l3 = (nn.Linear(32, 32), nn.Linear(32, 64),
                                                  nn.Linear(64, 32), nn.Linear(32, 10))

    def forward(self, x):
        h = self.l0(x)
        return self.l3(torch.relu(h + self.l2(torch.relu(self.l1(h)))))


def run(*cmd):
    subprocess.run([str(c) for c in cmd], check=True)


def sqnr(ref, y):
    return 20 * np.log10(np.linalg.norm(ref) / np.linalg.norm(ref - y))


torch.manual_seed(0)
failures = []
for name, conv, shape in (("linear", False, (64, 32)), ("conv", True, (4, 3, 12, 12))):
    model = Block(conv).eval()
    with torch.no_grad():
        for i in (1, 5):  # outlier channels of h
            model.l0.weight[i] *= 40
            model.l0.bias[i] *= 40
    gen = torch.Generator().manual_seed(1)
    batches = [torch.randn(shape, generator=gen) for _ in range(4)]
    files = []
    for i, b in enumerate(batches):
        files.append(os.path.join(out, "%s.%d.npy" % (name, i)))
        np.save(files[-1], b.numpy())
    calib, test = ",".join(files[:3]), files[3]
    with torch.no_grad():
        ref = model(batches[3]).numpy()
    mlir = os.path.join(out, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(export_module(model, (batches[0],)))

    res = {}
    for tag, prep in (("default", ""), ("residual", "residual-adds=true")):
        recipe = os.path.join(out, "%s.%s.json" % (name, tag))
        for quantize in ("true", "false"):
            q = os.path.join(out, "%s.%s.%s.mlir" % (name, tag, quantize))
            run("eq-opt", mlir, "--eqq-prepare=" + prep, "--eqq-calibrate=data=" + calib,
                "--eqq-convert=quantize=%s recipe=%s" % (quantize, recipe), "-o", q)
            y = q + ".y.npy"
            run("eq-run", q, "--input", test, "--output", y)
            if quantize == "true":
                res[tag] = sqnr(ref, np.load(y))
            else:
                err = np.abs(np.load(y) - ref).max() / np.abs(ref).max()
                print("%s %s: equalized float model, max relative error %.2e" % (name, tag, err))
                if err > 1e-5:
                    failures.append("%s %s: the equalized float model differs (%.2e)"
                                    % (name, tag, err))
        with open(recipe) as f:
            applied = {L["name"]: L["scale_applied"] for L in json.load(f)["layers"]}
        if tag == "residual" and (applied.get("l3") != "folded_into:l0,l2"
                                  or applied.get("l1") != "folded_into:l0"):
            failures.append("%s: recipe %s" % (name, applied))
    print("%s: int8 SQNR default %.2f dB, residual-adds %.2f dB" % (name, res["default"],
                                                                   res["residual"]))
    if not res["residual"] > res["default"] + 1.0:
        failures.append("%s: residual-adds %.2f dB is not 1 dB above the default %.2f dB"
                        % (name, res["residual"], res["default"]))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("PASS")
