# Tests that a relu which is not fused into a layer shares its input's
# observer, as in PyTorch 1.13's backend configuration (relu is
# OUTPUT_SHARE_OBSERVER_WITH_INPUT): for x -> relu -> layer, the layer's input
# is quantized with the range of x, negative part included, and the relu runs
# on the quantized values. Without equalization, on models with a relu in
# front of a linear or conv, EqQuant's qparams of the layer input equal
# PyTorch's prepare_fx / convert_fx ones (default_qconfig), and the int8
# outputs agree within half a quantum but on at most a handful of elements.
# (Behind a float op, PyTorch 1.13 observes neither the relu nor the layer
# after it, which then stays float: a defect not copied; see
# test/Transforms/eqq-prepare-relu.mlir.)
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
from torch.ao.quantization import QConfigMapping, default_qconfig
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "eq-export"))
from eq_export import export_module  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class ReluLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()
        self.fc = nn.Linear(16, 8)

    def forward(self, x):
        return self.fc(self.relu(x))


class ReluConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(self.relu(x))


def run(*cmd):
    subprocess.run([str(c) for c in cmd], check=True)


config = {"qconfig": {"object_type": {"linear": "default", "conv2d": "default",
                                      "relu": "default"}}}
config_path = os.path.join(out, "config.json")
with open(config_path, "w") as f:
    json.dump(config, f)
mapping = (QConfigMapping().set_object_type(nn.Linear, default_qconfig)
           .set_object_type(nn.Conv2d, default_qconfig)
           .set_object_type(nn.ReLU, default_qconfig))

torch.manual_seed(0)
torch.backends.quantized.engine = "onednn"
failures = []
for name, model, shape, layers in (("relu_linear", ReluLinear(), (32, 16), ["fc"]),
                                   ("relu_conv", ReluConv(), (2, 3, 8, 8), ["conv"])):
    model.eval()
    x = torch.randn(shape) * 2
    xfile = os.path.join(out, name + ".x.npy")
    np.save(xfile, x.numpy())

    prepared = prepare_fx(model, mapping, example_inputs=(x,))
    prepared(x)
    converted = convert_fx(prepared)
    with torch.no_grad():
        ref = converted(x).numpy()
    # The input qparams PyTorch gives each layer: those of the quantized
    # tensor its quantized module reads.
    torch_inputs = {}
    for layer in layers:
        def hook(mod, args, layer=layer):
            torch_inputs[layer] = (float(args[0].q_scale()), int(args[0].q_zero_point()))
        getattr(converted, layer).register_forward_pre_hook(hook)
    converted(x)

    mlir = os.path.join(out, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(export_module(model, (x,)))
    q = os.path.join(out, name + ".q.mlir")
    recipe = os.path.join(out, name + ".recipe.json")
    run("eq-opt", mlir, "--eqq-prepare=config=" + config_path, "--eqq-calibrate=data=" + xfile,
        "--eqq-convert=recipe=" + recipe, "-o", q)
    y = os.path.join(out, name + ".y.npy")
    run("eq-run", q, "--input", xfile, "--output", y)
    with open(recipe) as f:
        ours = {L["name"]: (L["input"]["scale"], L["input"]["zero_point"])
                for L in json.load(f)["layers"]}
    for layer in layers:
        t_scale, t_zp = torch_inputs[layer]
        o_scale, o_zp = ours[layer]
        print("%s %s input: EqQuant scale %.9g zp %d, PyTorch scale %.9g zp %d"
              % (name, layer, o_scale, o_zp, t_scale, t_zp))
        if np.float32(o_scale) != np.float32(t_scale) or o_zp != t_zp:
            failures.append("%s %s: input qparams differ from PyTorch's" % (name, layer))
    ys = np.load(y)
    # The quantum of the output: the scale of the last layer's output.
    quantum = float(getattr(converted, layers[-1]).scale)
    differing = int((np.abs(ys - ref) > quantum / 2 + 1e-6).sum())
    print("%s: %d of %d outputs differ from PyTorch's by more than half a quantum"
          % (name, differing, ref.size))
    if differing > max(2, ref.size // 100):
        failures.append("%s: %d outputs differ" % (name, differing))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("PASS")
