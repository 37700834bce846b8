# Tests the command-line form of the interface (interface.md, section 2),
#     eq-opt m.mlir --eqq-prepare --eqq-calibrate="data=c.npy" --eqq-convert
# run through the shell exactly so (the converted module on stdout), on conv1d
# and conv3d models exported by eq_export (one conv + relu, and a chain of
# two convs with a relu between), and the result run by eq-run:
#   - the single-layer models (their scale is a multiply, so PyTorch's
#     qparams are not stale) against PyTorch 1.13's convert_fx (onednn, Conv1d
#     / Conv3d and ReLU quantized with default_qconfig and equalized with
#     default_equalization_qconfig): within 1 quantum on a handful of elements;
#   - the chains (fc2's scale folded into fc1, where PyTorch's range is stale):
#     the int8 error against the float model no larger than twice PyTorch's
#     error without equalization, plus one quantum;
#   - every model: the same command with --eqq-convert="quantize=false
#     recipe=r.json" gives the float model's output (rtol 1.3e-6, atol 1e-5),
#     and the recipe's equalization scales equal calculate_equalization_scale
#     on PyTorch's observers (rtol 1e-6).
# And that converting a module whose dense_resource weight lost its data (a
# module printed with --mlir-print-local-scope has no dialect_resources
# section) is an error naming the layer, not a crash.
#
# REQUIRES: torch
# RUN: %python %s %t

import copy
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.ao.quantization import default_qconfig  # noqa: E402
from torch.ao.quantization.fx._equalize import default_equalization_qconfig  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

from torch_ref import Results, export_module, tool, torch_observer_roles  # noqa: E402
from convert_ref import (  # noqa: E402
    ConvChain, spread_weights, torch_equalization, torch_output_quantum)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
start_all = time.time()
assert torch.backends.quantized.engine == "onednn", torch.backends.quantized.engine
results = Results()

MODELS = {
    # name: (factory, input shape)
    "conv1d": (lambda: ConvChain([3, 7], [3], relu="module", nd=1), (2, 3, 17)),
    "conv1d-chain": (lambda: ConvChain([3, 7, 13], [3, 1], paddings=[1, 0], relu="module",
                                       nd=1), (2, 3, 17)),
    "conv3d": (lambda: ConvChain([3, 5], [3], relu="module", nd=3), (1, 3, 5, 7, 6)),
    "conv3d-chain": (lambda: ConvChain([3, 5, 7], [3, 1], paddings=[1, 0], relu="module",
                                       nd=3), (1, 3, 5, 7, 6)),
}


def shell(command, cwd):
    """Runs `command` through /bin/sh in `cwd` with eq-opt/eq-run on PATH."""
    env = dict(os.environ, PATH=os.path.dirname(tool("eq-opt")) + os.pathsep + os.environ["PATH"])
    return subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True)


def torch_run(model, x, nd, equalize):
    conv = {1: nn.Conv1d, 3: nn.Conv3d}[nd]
    qconfig = {"": None, "object_type": [(conv, default_qconfig), (nn.ReLU, default_qconfig)]}
    eq = {"": None, "object_type": [(conv, default_equalization_qconfig),
                                    (nn.ReLU, default_equalization_qconfig)]}
    prepared = prepare_fx(copy.deepcopy(model), qconfig, example_inputs=(x,),
                          _equalization_config=eq if equalize else {})
    with torch.no_grad():
        prepared(x)
    scales = None
    if equalize:
        probe = copy.deepcopy(prepared)
        scales = torch_equalization(probe, torch_observer_roles(probe))
    quantized = convert_fx(prepared)
    with torch.no_grad():
        return quantized(x).numpy(), torch_output_quantum(quantized)[0], scales


gen = torch.Generator().manual_seed(5)
for i, (name, (factory, shape)) in enumerate(MODELS.items()):
    torch.manual_seed(500 + i)
    model = spread_weights(factory().eval(), gen)
    x = torch.rand(shape)
    nd = len(shape) - 2
    work = os.path.join(out, name)
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "m.mlir"), "w") as f:
        f.write(export_module(model, (x,)))
    np.save(os.path.join(work, "c.npy"), x.numpy())
    with torch.no_grad():
        ref = model(x).numpy()

    # The one-liner, then eq-run on its output.
    p = shell('eq-opt m.mlir --eqq-prepare --eqq-calibrate="data=c.npy" --eqq-convert', work)
    if not results.ok(p.returncode == 0 and "func.func @forward" in p.stdout,
                      "%s: the one-liner" % name, "exit %d: %s" % (p.returncode, p.stderr[-2000:])):
        continue
    with open(os.path.join(work, "q.mlir"), "w") as f:
        f.write(p.stdout)
    r = shell("eq-run q.mlir --input c.npy --output y.npy", work)
    if not results.ok(r.returncode == 0, "%s: eq-run of the converted module" % name,
                      "exit %d: %s" % (r.returncode, r.stderr[-2000:])):
        continue
    got = np.load(os.path.join(work, "y.npy"))
    results.ok(got.shape == ref.shape and got.dtype == np.float32, "%s: result" % name,
               "%s %s, expected %s" % (got.dtype, got.shape, ref.shape))
    results.ok("eqq.quantize" in p.stdout and "eqq.eq_scale" in p.stdout,
               "%s: converted module quantizes and scales its input" % name)

    torch_eq, quantum, torch_scales = torch_run(model, x, nd, equalize=True)
    if not name.endswith("-chain"):
        diff = np.abs(got.astype(np.float64) - torch_eq)
        differing = int((diff > quantum / 2).sum())
        results.ok(float(diff.max()) <= quantum * (1 + 1e-4)
                   and differing <= max(2, diff.size // 100), "%s: int8 vs PyTorch" % name,
                   "%d of %d elements differ, the largest by %.3g quanta"
                   % (differing, diff.size, float(diff.max()) / quantum))
        summary = "%d/%d elements differ from PyTorch by a quantum" % (differing, diff.size)
    else:
        torch_no_eq, no_eq_quantum, _ = torch_run(model, x, nd, equalize=False)
        ours_err = float(np.abs(got - ref).max())
        torch_err = float(np.abs(torch_no_eq - ref).max())
        results.ok(ours_err <= 2 * torch_err + quantum, "%s: int8 error" % name,
                   "max |int8 - float| %g; PyTorch without equalization %g, quantum %g"
                   % (ours_err, torch_err, quantum))
        summary = "error %.4f (PyTorch equalized %.4f, not equalized %.4f)" % (
            ours_err, float(np.abs(torch_eq - ref).max()), torch_err)

    # The equalized float model and the recipe.
    p = shell('eq-opt m.mlir --eqq-prepare --eqq-calibrate="data=c.npy" '
              '--eqq-convert="quantize=false recipe=r.json" -o f.mlir && '
              'eq-run f.mlir --input c.npy --output f.npy', work)
    if results.ok(p.returncode == 0, "%s: quantize=false" % name, p.stderr[-2000:]):
        results.close("%s: equalized float vs float" % name, np.load(os.path.join(work, "f.npy")),
                      ref, rtol=1.3e-6, atol=1e-5)
        with open(os.path.join(work, "r.json")) as f:
            recipe = {layer["name"]: layer for layer in json.load(f)["layers"]}
        equalized = sorted(n for n, layer in recipe.items() if layer["equalized"])
        results.ok(equalized == sorted(torch_scales), "%s: equalized layers" % name,
                   "ours %s, PyTorch %s" % (equalized, sorted(torch_scales)))
        for layer, e in torch_scales.items():
            if layer in recipe and recipe[layer]["equalized"]:
                results.close("%s: %s equalization scale" % (name, layer),
                              recipe[layer]["equalization_scale"], e["scale"], rtol=1e-6)
    print("%-14s %s" % (name, summary))

# A dense_resource weight without its blob: an error naming the layer.
work = os.path.join(out, "conv3d")
p = shell('eq-opt m.mlir --eqq-prepare --eqq-calibrate="data=c.npy" --mlir-print-debuginfo '
          '--mlir-print-local-scope -o local.mlir && eq-opt local.mlir --eqq-convert', work)
results.ok(p.returncode == 1 and "layer 'conv0': the data of its weight constant is not "
           "available" in p.stderr, "convert of a weight without data",
           "exit %d: %s" % (p.returncode, p.stderr[-2000:]))
print("%.1f s" % (time.time() - start_all))
results.finish()
