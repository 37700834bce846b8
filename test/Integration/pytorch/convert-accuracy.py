# Tests the accuracy of EqQuant's equalized int8 models where PyTorch 1.13's
# are stale: when a scale is folded into the previous layer, PyTorch keeps that
# layer's unscaled output range and clips (semantics.md, defect 1), so its
# equalized int8 model is less accurate than its non-equalized one; EqQuant
# quantizes from the range of the values actually quantized.
#
# Over 30 seeds (torch.manual_seed(seed), the model's default initialization,
# x = torch.rand of a small shape: linear 5x5, conv 1x3x8x8) of
# TwoLayerLinearModel, LinearReluLinearModel and ConvReluConvModel, each
# calibrated on x and run on x, with and without equalization (EqQuant's
# built-in default config vs a config without "equalization"; PyTorch with the
# seed's default_equalization_qconfig_dict vs without): the error of a run is
# max |int8(x) - float(x)|, and
#     median over seeds of EqQuant's equalized error
#         <= 1.1 x median of its non-equalized error
# for each model, and EqQuant's equalized median is no worse than PyTorch's
# (within 2%). PyTorch's medians and their ratio are printed (about 4x for
# TwoLayerLinearModel, semantics.md).
#
# ConvReluConvModel: PyTorch's range there is hardly stale (its relu output
# keeps min 0), yet equalization costs it about 1.2x: fc2's scale, folded into
# fc1's rows, spreads the rows' magnitudes, and fc1's weight is quantized per
# tensor, so the smaller rows lose precision. EqQuant carries such a fold in
# fc1's requantize multiplier instead (--eqq-convert carry-folds, the
# default), so its int8 weights are fc1's own. For that model the ratio is
# also checked with per-channel weight quantization (qconfig weight
# per_channel_minmax / per_channel_symmetric), where the fold is in the
# weight scales either way.
#
# Both implementations quantize from the same statistics: PyTorch's
# observers' min/max are applied to EqQuant's prepared modules with
# --eqq-calibrate="stats-in=..." (convert_ref.write_torch_stats; that
# calibration gives the same statistics is tested in observer-statistics.py).
# A run here is dominated by compiling the model, and this saves the compile
# of each calibration run.
#
# REQUIRES: torch
# RUN: %python %s %t

import copy
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

from torch_ref import (  # noqa: E402
    DEFAULT_EQUALIZATION_QCONFIG_DICT, SEED_MODELS, SPECIFIC_QCONFIG_DICT, Results, eq_opt,
    eq_run, export_module, torch_observer_roles)
from convert_ref import (  # noqa: E402
    SEED_QCONFIG, act_stats_only, prepared_observers, write_config, write_torch_stats)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
start_all = time.time()
assert torch.backends.quantized.engine == "onednn", torch.backends.quantized.engine

SEEDS = range(30)
MODELS = {"TwoLayerLinearModel": (5, 5), "LinearReluLinearModel": (5, 5),
          "ConvReluConvModel": (1, 3, 8, 8)}
PER_CHANNEL_ONLY = {"ConvReluConvModel"}  # also per-channel weights: see the header
RATIO = 1.1
NOT_WORSE_THAN_PYTORCH = 1.02

configs = {"eq": None, "no-eq": write_config(os.path.join(out, "no-eq.json"))}
per_channel = dict(SEED_QCONFIG, object_type=dict(SEED_QCONFIG["object_type"], conv2d={
    "activation": {"observer": "minmax", "dtype": "quint8", "qscheme": "per_tensor_affine",
                   "quant_min": 0, "quant_max": 127},
    "weight": {"observer": "per_channel_minmax", "dtype": "qint8",
               "qscheme": "per_channel_symmetric"}}))
configs["eq per-channel"] = write_config(os.path.join(out, "eq-pc.json"), {
    "object_type": {"linear": "default", "conv2d": "default"}}, qconfig=per_channel)
configs["no-eq per-channel"] = write_config(os.path.join(out, "no-eq-pc.json"),
                                            qconfig=per_channel)


def prepare(base):
    eq_opt(base + ".mlir", "--eqq-prepare", "--mlir-print-debuginfo", "-o", base + ".prepared.mlir")


def ours(base, tags):
    """int8 outputs on x for each configuration in `tags`; the equalized ones
    from PyTorch's statistics (base.stats.json), the others from their
    activation part."""
    act_stats = act_stats_only(base + ".stats.json", base + ".act-stats.json")
    y = {}
    for tag in tags:
        config = "" if configs[tag] is None else "=config=" + configs[tag]
        stats = base + ".stats.json" if tag.startswith("eq") else act_stats
        int8 = "%s.%s.int8.mlir" % (base, tag.replace(" ", "-"))
        eq_opt(base + ".mlir", "--eqq-prepare" + config, "--eqq-calibrate=stats-in=" + stats,
               "--eqq-convert", "-o", int8)
        eq_run(int8, "--input", base + ".x.npy", "--output", int8 + ".y.npy")
        y[tag] = np.load(int8 + ".y.npy")
    return y


pool = ThreadPoolExecutor(2)
runs = []  # [model name, seed, model, x, base, job]
for name, shape in MODELS.items():
    for seed in SEEDS:
        torch.manual_seed(seed)
        model = SEED_MODELS[name][0]().eval()
        x = torch.rand(shape)
        base = os.path.join(out, "%s.%d" % (name, seed))
        with open(base + ".mlir", "w") as f:
            f.write(export_module(model, (x,)))
        np.save(base + ".x.npy", x.numpy())
        runs.append([name, seed, model, x, base, pool.submit(prepare, base)])

errors = {name: {} for name in MODELS}
results = Results()
torch_seconds = 0.0
for run in runs:
    name, seed, model, x, base, job = run
    start = time.time()
    with torch.no_grad():
        ref = model(x).numpy()
    for tag, eq_config in (("eq", DEFAULT_EQUALIZATION_QCONFIG_DICT), ("no-eq", {})):
        prepared = prepare_fx(copy.deepcopy(model), SPECIFIC_QCONFIG_DICT, example_inputs=(x,),
                              _equalization_config=eq_config)
        with torch.no_grad():
            prepared(x)
        if tag == "eq":
            roles = torch_observer_roles(copy.deepcopy(prepared))
        with torch.no_grad():
            y = convert_fx(prepared)(x).numpy()
        errors[name].setdefault("PyTorch " + tag, []).append(float(np.abs(y - ref).max()))
    torch_seconds += time.time() - start
    try:
        job.result()
        with open(base + ".prepared.mlir") as f:
            write_torch_stats(base + ".stats.json", prepared_observers(f.read()), roles)
    except Exception as e:  # eq-opt failed or a PyTorch observer is missing
        results.error("%s seed %d" % (name, seed), e)
        run[5] = None
        continue
    tags = ["eq", "no-eq"] + (["eq per-channel", "no-eq per-channel"]
                              if name in PER_CHANNEL_ONLY else [])
    run.append(ref)
    run[5] = pool.submit(ours, base, tags)

for name, seed, model, x, base, job, *rest in runs:
    if job is None:
        continue
    try:
        y = job.result()
    except Exception as e:  # eq-opt or eq-run failed
        results.error("%s seed %d" % (name, seed), e)
        continue
    for tag, value in y.items():
        errors[name].setdefault(tag, []).append(float(np.abs(value - rest[0]).max()))

print("median over %d seeds of max |int8 - float|:" % len(SEEDS))
print("%-22s %-20s %9s %9s %7s" % ("model", "", "equalized", "not", "ratio"))


def medians(e, eq, no_eq):
    a = float(np.median(e[eq])) if e.get(eq) else float("nan")
    b = float(np.median(e[no_eq])) if e.get(no_eq) else float("nan")
    return a, b, a / b


for name, e in errors.items():
    complete = all(len(e.get(t, [])) == len(SEEDS) for t in ("eq", "no-eq"))
    rows = [("EqQuant", "eq", "no-eq"), ("PyTorch", "PyTorch eq", "PyTorch no-eq")]
    if name in PER_CHANNEL_ONLY:
        rows.insert(1, ("EqQuant per-channel", "eq per-channel", "no-eq per-channel"))
    for label, eq, no_eq in rows:
        a, b, r = medians(e, eq, no_eq)
        print("%-22s %-20s %9.5f %9.5f %6.2fx" % (name if label == "EqQuant" else "", label,
                                                  a, b, r))
    checks = [("eq", "no-eq", "")]
    if name in PER_CHANNEL_ONLY:
        checks.append(("eq per-channel", "no-eq per-channel", ", per-channel weights"))
    for eq, no_eq, what in checks:
        a, b, r = medians(e, eq, no_eq)
        results.ok(complete and r <= RATIO,
                   "%s: EqQuant's equalized error over its non-equalized error%s"
                   % (name, what), "median %.5f vs %.5f: %.2fx > %.1fx" % (a, b, r, RATIO))
    ours_eq, torch_eq = float(np.median(e["eq"])), float(np.median(e["PyTorch eq"]))
    results.ok(complete and ours_eq <= NOT_WORSE_THAN_PYTORCH * torch_eq,
               "%s: EqQuant's equalized error vs PyTorch's" % name,
               "median %.5f vs PyTorch %.5f" % (ours_eq, torch_eq))
print("%d models x 30 seeds; PyTorch %.1f s, total %.1f s"
      % (len(MODELS), torch_seconds, time.time() - start_all))
results.finish()
