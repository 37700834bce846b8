# Tests selective equalization end to end against PyTorch 1.13: the seed's
# test_selective_equalization. Its model (two 5x5 linears with an add of 5
# between them, torch.manual_seed(1)) on its hard-coded input, quantized with
# the seed's specific_qconfig_dict, exported in each of the four spellings:
#   1. without equalization (prepare, calibrate on x, convert), `eq-run
#      --compare FLOAT INT8 --json` reports bot.0 40.57 dB and top.0 30.80 dB
#      (semantics.md, "Numeric suite"), within 0.05 dB, in program order, and
#      within 0.05 dB of PyTorch's numbers for the same models
#      (get_layer_sqnr_dict: torch.ao.ns._numeric_suite_fx loggers and
#      compute_sqnr, as the seed test computes them);
#   2. `--eqq-prepare="equalize-top-k=1 sqnr=FILE"` with that report equalizes
#      top.0 only, the layer PyTorch's get_equalization_qconfig_dict(..., 1)
#      picks;
#   3. calibrated and converted, its int8 outputs equal those of PyTorch's
#      selectively equalized convert_fx model within 1 quantum of the output's
#      quantization on a handful of elements (convert-int8.py's bound; top.0's
#      scale is a multiply there, so PyTorch's ranges are not stale);
#   4. with quantize=false the selectively equalized module computes the
#      float model (rtol 1.3e-6, atol 1e-5: float rounding).
# The order of the converted program's ops is checked on eq-opt's output by
# test/Integration/eq-run/selective-equalization.mlir.
#
# REQUIRES: torch
# RUN: %python %s %t

import copy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.ao.quantization.fx._equalize import (  # noqa: E402
    get_equalization_qconfig_dict, get_layer_sqnr_dict)
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

from torch_ref import (  # noqa: E402
    EXPORT_VARIANTS, SEED_MODELS, SELECTIVE_X, SPECIFIC_QCONFIG_DICT, Results, eq_opt,
    eq_run, export_module)
from convert_ref import resolve_locs, torch_output_quantum, write_config  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
assert torch.backends.quantized.engine == "onednn", torch.backends.quantized.engine
results = Results()

SEED_SQNR = {"bot.0": 40.57, "top.0": 30.80}
TOLERANCE_DB = 0.05

torch.manual_seed(1)
model = SEED_MODELS["SelectiveModel"][0]().eval()
x = SELECTIVE_X.clone()
with torch.no_grad():
    y_float = model(x).numpy()

# PyTorch, as the seed test: SQNR per layer without equalization, the layers
# to equalize, and the selectively equalized int8 model.
prepared = prepare_fx(copy.deepcopy(model), SPECIFIC_QCONFIG_DICT, example_inputs=(x,))
with torch.no_grad():
    prepared(x)
quantized = convert_fx(copy.deepcopy(prepared))
torch_sqnr = {name: float(v) for name, v in
              get_layer_sqnr_dict(copy.deepcopy(prepared), quantized, x).items()}
torch_selected = [name for name, _ in get_equalization_qconfig_dict(torch_sqnr, 1)["module_name"]]
prepared_eq = prepare_fx(copy.deepcopy(model), SPECIFIC_QCONFIG_DICT, example_inputs=(x,),
                         _equalization_config=get_equalization_qconfig_dict(torch_sqnr, 1))
with torch.no_grad():
    prepared_eq(x)
equalized = convert_fx(prepared_eq)
with torch.no_grad():
    y_torch_eq = equalized(x).numpy()
quantum = torch_output_quantum(equalized)[0]
print("PyTorch: SQNR %s, equalizes %s" % (
    {k: round(v, 4) for k, v in torch_sqnr.items()}, torch_selected))
results.ok(torch_selected == ["top.0"], "PyTorch's selection", str(torch_selected))

config = write_config(os.path.join(out, "seed-qconfig.json"))
np.save(os.path.join(out, "x.npy"), x.numpy())
xs = os.path.join(out, "x.npy")

for variant in EXPORT_VARIANTS:
    tag = "%s-%s" % (variant["linear_spelling"], variant["bias"])
    base = os.path.join(out, tag)
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (x,), **variant))
    try:
        # 1. The numeric suite on the model quantized without equalization.
        eq_opt(base + ".mlir", "--eqq-prepare=config=" + config,
               "--eqq-calibrate=data=" + xs, "--eqq-convert", "-o", base + ".int8.mlir")
        report = eq_run("--compare", base + ".mlir", base + ".int8.mlir", "--input", xs,
                        "--json")
        with open(base + ".sqnr.json", "w") as f:
            f.write(report)
        ours = [(entry["name"], entry["sqnr_db"]) for entry in json.loads(report)["layers"]]
        results.ok([name for name, _ in ours] == ["bot.0", "top.0"],
                   "%s: layers in program order" % tag, str(ours))
        for name, sqnr in ours:
            results.ok(abs(sqnr - SEED_SQNR.get(name, float("nan"))) <= TOLERANCE_DB,
                       "%s: %s SQNR %.4f dB vs the seed's %.2f" % (
                           tag, name, sqnr, SEED_SQNR.get(name, float("nan"))))
            results.ok(abs(sqnr - torch_sqnr.get(name, float("nan"))) <= TOLERANCE_DB,
                       "%s: %s SQNR %.4f dB vs PyTorch's %.4f" % (
                           tag, name, sqnr, torch_sqnr.get(name, float("nan"))))
        print("%s: %s" % (tag, ", ".join("%s %.4f dB" % e for e in ours)))

        # 2. Equalize the top 1: the input-equalization observers carry the
        # location of the layer they were inserted for.
        eq_opt(base + ".mlir",
               "--eqq-prepare=config=%s equalize-top-k=1 sqnr=%s" % (config, base + ".sqnr.json"),
               "--mlir-print-debuginfo", "-o", base + ".prepared.mlir")
        with open(base + ".prepared.mlir") as f:
            text = resolve_locs(f.read())
        selected = [line.rsplit('loc("', 1)[1].split('"')[0] for line in text.splitlines()
                    if "eqq.input_eq_observer" in line and 'loc("' in line]
        results.ok(selected == torch_selected, "%s: equalized layers" % tag,
                   "ours %s, PyTorch %s" % (selected, torch_selected))

        # 3. The selectively equalized int8 model against PyTorch's.
        eq_opt(base + ".prepared.mlir", "--eqq-calibrate=data=" + xs, "--eqq-convert",
               "-o", base + ".eq.int8.mlir")
        eq_run(base + ".eq.int8.mlir", "--input", xs, "--output", base + ".eq.y.npy")
        y = np.load(base + ".eq.y.npy")
        diff = np.abs(y.astype(np.float64) - y_torch_eq)
        differing = int((diff > quantum / 2).sum())
        results.ok(float(diff.max()) <= quantum * (1 + 1e-4) and differing <= 2,
                   "%s: int8 with top.0 equalized vs PyTorch" % tag,
                   "%d of %d elements differ by more than half a quantum, the largest "
                   "by %.3g quanta (quantum %g)" % (differing, diff.size,
                                                    float(diff.max()) / quantum, quantum))

        # 4. The selective equalization keeps the float function.
        eq_opt(base + ".prepared.mlir", "--eqq-calibrate=data=" + xs,
               "--eqq-convert=quantize=false", "-o", base + ".eq.float.mlir")
        eq_run(base + ".eq.float.mlir", "--input", xs, "--output", base + ".eq.float.npy")
        results.close("%s: quantize=false vs the float model" % tag,
                      np.load(base + ".eq.float.npy"), y_float, rtol=1.3e-6, atol=1e-5)
    except Exception as e:  # eq-opt or eq-run failed
        results.error(tag, e)

results.finish()
