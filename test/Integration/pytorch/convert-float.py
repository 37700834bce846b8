# Tests that the equalized float model (--eqq-convert="quantize=false")
# computes what the original model computes - the seed's
# test_input_weight_equalization_convert, which compares PyTorch's
# _convert_equalization_ref output with the float output:
#   - its 20 common_quantization models at its sizes (linear 5x5, conv
#     16x3x224x224), plus the two branching models (1x5) and the selective
#     model (its hard-coded 5x5 input);
#   - the random chains of convert_ref.CHAINS (MLP and conv, sizes 7, 13, 33);
#   - models on which PyTorch 1.13's equalization changes the function
#     (convert_ref.DEFECT_MODELS, semantics.md defects 2-6: x -> relu ->
#     linear, previous layer not equalized, a folded output shared with a
#     residual add, torch.relu between layers, linear on a 3-D input). Ours must
#     equal the float model there too; how far PyTorch's equalized model
#     (_convert_equalization_ref) is from it is printed ("PyTorch: ...") and
#     not checked.
# Each model is calibrated on its input x, equalized, run with eq-run on x,
# and compared with the PyTorch module's output on x with the tolerance of the
# seed's assertEqual for float32 (rtol 1.3e-6, atol 1e-5). Every model listed
# must have at least one equalized layer. Prints each model's eq-opt + eq-run
# time.
#
# REQUIRES: torch
# RUN: %python %s %t

import copy
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.ao.quantization.fx._equalize import _convert_equalization_ref  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

from torch_ref import (  # noqa: E402
    DEFAULT_EQUALIZATION_QCONFIG_DICT, EXPORT_VARIANTS, SEED_MODELS, SPECIFIC_QCONFIG_DICT,
    seed_input,
    Results, eq_opt, eq_run, export_module)
from convert_ref import (  # noqa: E402
    CHAINS, DEFECT_MODELS, chain_inputs, spread_weights, torch_equalization_config,
    write_config)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
start_all = time.time()

RTOL, ATOL = 1.3e-6, 1e-5  # torch.testing's defaults for float32

# (name, model, x, PyTorch equalization config, our config file, defect or None)
cases = []
for i, (name, (factory, shape, _)) in enumerate(SEED_MODELS.items()):
    torch.manual_seed(i)
    model = factory().eval()
    x = seed_input(name, shape)
    cases.append((name, model, x, DEFAULT_EQUALIZATION_QCONFIG_DICT, None, None))
gen = torch.Generator().manual_seed(2)
for i, (name, (factory, shape)) in enumerate(CHAINS.items()):
    torch.manual_seed(200 + i)
    model = spread_weights(factory().eval(), gen)
    cases.append((name, model, chain_inputs(shape, 1, gen)[0],
                  DEFAULT_EQUALIZATION_QCONFIG_DICT, None, None))
for i, (name, (factory, shape, layers, equalization, defect)) in enumerate(DEFECT_MODELS.items()):
    torch.manual_seed(300 + i)
    model = spread_weights(factory().eval(), gen)
    x = torch.rand(shape) * 2 - 1
    config = None
    if layers is not None:
        config = write_config(os.path.join(out, name + ".config.json"), equalization)
    cases.append((name, model, x, DEFAULT_EQUALIZATION_QCONFIG_DICT if layers is None
                  else torch_equalization_config(layers), config, defect))


def ours(base, config):
    """Prepare, calibrate on x, equalize, run on x; returns the seconds."""
    start = time.time()
    prepare = "--eqq-prepare" + ("=config=%s" % config if config else "")
    eq_opt(base + ".mlir", prepare, "--eqq-calibrate=data=%s" % (base + ".x.npy"),
           "--eqq-convert=quantize=false recipe=%s" % (base + ".recipe.json"),
           "-o", base + ".eq.mlir")
    eq_run(base + ".eq.mlir", "--input", base + ".x.npy", "--output", base + ".y.npy")
    return time.time() - start


def file_name(name):
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


results = Results()
pool = ThreadPoolExecutor(2)
jobs = []
for i, (name, model, x, eq_config, config, defect) in enumerate(cases):
    base = os.path.join(out, file_name(name))
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (x,), **EXPORT_VARIANTS[i % len(EXPORT_VARIANTS)]))
    np.save(base + ".x.npy", x.numpy())
    jobs.append((name, model, x, eq_config, defect, base, pool.submit(ours, base, config)))

for name, model, x, eq_config, defect, base, job in jobs:
    what = "%s %s" % (name, "x".join(map(str, x.shape)))
    with torch.no_grad():
        ref = model(x).numpy()
    # PyTorch's equalized model, for information, where it changes the function.
    torch_note = ""
    try:
        if not defect:
            raise StopIteration
        prepared = prepare_fx(copy.deepcopy(model), SPECIFIC_QCONFIG_DICT, example_inputs=(x,),
                              _equalization_config=eq_config)
        with torch.no_grad():
            prepared(x)
            torch_eq = _convert_equalization_ref(prepared)(x).numpy()
        torch_note = "max |diff| %.3g" % float(np.abs(torch_eq - ref).max())
    except StopIteration:
        pass
    except Exception as e:  # PyTorch fails on some defect models
        torch_note = "fails: %s" % str(e).splitlines()[0][:80]
    try:
        seconds = job.result()
        got = np.load(base + ".y.npy")
        with open(base + ".recipe.json") as f:
            layers = json.load(f)["layers"]
    except Exception as e:  # eq-opt or eq-run failed
        results.error(what, e)
        continue
    finally:
        for suffix in (".x.npy", ".y.npy"):  # up to 10-20 MB each
            if os.path.exists(base + suffix):
                os.remove(base + suffix)
    equalized = ["%s %s" % (layer["name"], layer["scale_applied"])
                 for layer in layers if layer["equalized"]]
    if name != "TestBranchingWithoutEqualizationModel":  # the seed expects none there
        results.ok(len(equalized) > 0, what + ": equalized layers", "none")
    if results.ok(got.dtype == np.float32 and got.shape == ref.shape, what,
                  "result %s %s, PyTorch %s" % (got.dtype, got.shape, ref.shape)):
        results.close(what + ": equalized float vs float", got, ref, rtol=RTOL, atol=ATOL)
    print("%-40s %5.2f s  max |diff| %.3g  (%s)%s" % (
        name, seconds, float(np.abs(got - ref).max()) if got.shape == ref.shape else float("nan"),
        ", ".join(equalized),
        "\n    PyTorch (%s): %s" % (defect, torch_note) if defect else ""))
print("%.1f s" % (time.time() - start_all))
results.finish()
