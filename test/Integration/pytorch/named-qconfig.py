# Tests the named configurations (interface.md section 4) against PyTorch 1.13:
# for each backend name ("onednn", "x86", "fbgemm", "qnnpack") and each of a
# linear-relu-linear and a conv-relu-conv model, EqQuant prepared with
# {"qconfig": NAME} and calibrated with --eqq-calibrate against prepare_fx with
# get_default_qconfig_mapping(NAME), both fed the same three batches:
#   (a) the observers: the same number of each kind, and for every activation
#       and weight observer (matched by role as in observer-statistics.py)
#       min/max, scale and zero point exactly. This checks the observer
#       classes, dtypes, qschemes, reduce_range and quantization ranges the
#       name stands for, since each of them changes the qparams.
#   (b) on the onednn backend (PyTorch's onednn engine) and the qnnpack backend
#       (its qnnpack engine): the int8 outputs of convert_fx and of
#       --eqq-convert on a fourth input agree within one quantum of the
#       output's quantization on at most a handful of elements (handful(), as
#       in convert-int8.py). Debian's PyTorch is built without FBGEMM, which
#       the fbgemm and x86 engines need, so their int8 models cannot run here:
#       for "fbgemm" and "x86" only (a) is checked.
#   (c) "equalization": "default" with "qconfig": "onednn" against prepare_fx
#       with the same mapping and default_equalization_qconfig on every
#       layer: (a), and the input and weight equalization observers' min/max
#       exactly. Not the int8 outputs: PyTorch folds the second layer's scale
#       into the first and quantizes the first's output with the range of the
#       unscaled output (semantics.md, defect 1), so its equalized int8 model
#       is no reference (convert-int8.py, case (b)).
#
# PyTorch 1.13's HistogramObserver histograms a range truncated to integers
# (histogram_ref.py); EqQuant does not. So PyTorch's mapping is checked to hold
# HistogramObserver activations and then used with ReferenceHistogramObserver,
# the same class without the defect, and the same arguments. Weights,
# biases and batches have few significant bits, so that both sides' float
# layers compute the same bits (see observer-statistics.py).
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
import torch.nn as nn  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.fx._equalize import default_equalization_qconfig  # noqa: E402
from torch.ao.quantization.observer import HistogramObserver  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

from convert_ref import torch_output_quantum, within_one_quantum  # noqa: E402
from histogram_ref import reference_mapping  # noqa: E402
from torch_ref import (  # noqa: E402
    Results, compare_observers, count_our_observers, count_torch_observers, dyadic,
    dyadic_uniform, eq_opt, eq_run, exact_float_model, export_module, load_stats,
    map_float_tensors, observer_roles, torch_observer_roles)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

BACKENDS = ["onednn", "x86", "fbgemm", "qnnpack"]
# The engine each backend's int8 model runs on here; None: not in this build.
ENGINES = {"onednn": "onednn", "qnnpack": "qnnpack", "x86": None, "fbgemm": None}
for engine in ENGINES.values():
    assert engine is None or engine in torch.backends.quantized.supported_engines, engine
assert "fbgemm" not in torch.backends.quantized.supported_engines, \
    "this PyTorch has FBGEMM: compare the x86 and fbgemm int8 outputs too"


class LinearReluLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


class ConvReluConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(6, 4, 3, padding=1)

    def forward(self, x):
        return self.conv2(self.relu(self.conv1(x)))


MODELS = {"linear-relu-linear": (LinearReluLinear, (6, 8)),
          "conv-relu-conv": (ConvReluConv, (2, 3, 8, 8))}
# Three calibration batches with ranges that grow and shift (the histogram is
# rebinned), and a fourth input for the int8 outputs.
RANGES = [(-0.5, 1.0), (-1.25, 0.75), (-0.25, 2.0)]
TEST_RANGE = (-1.0, 1.5)


def check_mapping(results, backend, mapping):
    """The PyTorch side of what the name stands for, as EqQuant implements
    it: HistogramObserver activations; reduce_range on fbgemm and x86."""
    act = mapping.global_qconfig.activation.p
    results.ok(act.func is HistogramObserver, "%s: activation observer" % backend,
               "PyTorch's mapping has %s" % act.func.__name__)
    results.ok(act.keywords.get("reduce_range") == (backend in ("fbgemm", "x86")),
               "%s: reduce_range" % backend, "PyTorch's mapping has %s" % act.keywords)


results = Results()
gen = torch.Generator().manual_seed(13)
cases = [(backend, model_name, False) for backend in BACKENDS for model_name in MODELS]
cases += [("onednn", model_name, True) for model_name in MODELS]
for backend in BACKENDS:
    check_mapping(results, backend, get_default_qconfig_mapping(backend))

for i, (backend, model_name, equalize) in enumerate(cases):
    factory, shape = MODELS[model_name]
    torch.manual_seed(100 + i)
    model = map_float_tensors(factory().eval(), dyadic)
    batches = [dyadic_uniform(shape, lo, hi, 2.0 ** -5, gen) for lo, hi in RANGES]
    x = dyadic_uniform(shape, *TEST_RANGE, 2.0 ** -5, gen)
    name = "%s %s%s" % (backend, model_name, " equalized" if equalize else "")
    if not results.ok(exact_float_model(model, batches + [x]), "%s: setup" % name,
                      "float32 forward is not exact; use fewer significant bits"):
        continue
    base = os.path.join(out, name.replace(" ", "_"))
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (batches[0],)))
    files = []
    for k, t in enumerate(batches + [x]):
        files.append("%s.%d.npy" % (base, k))
        np.save(files[-1], t.numpy())
    config = {"qconfig": backend}
    if equalize:
        config["equalization"] = "default"
    with open(base + ".json", "w") as f:
        json.dump(config, f)

    # The int8 comparison needs the backend's engine, and no equalization:
    # PyTorch folds fc2's (conv2's) scale into fc1 (conv1) and quantizes the
    # folded layer's output with the range of the unscaled output
    # (semantics.md, defect 1), so its equalized int8 model is no reference.
    int8 = ENGINES[backend] is not None and not equalize

    # Ours: prepare with the named config, calibrate, convert, run on x.
    try:
        eq_opt(base + ".mlir", "--eqq-prepare=config=%s.json" % base,
               "--eqq-calibrate=data=%s stats-out=%s.stats.json" % (",".join(files[:3]), base),
               "--mlir-print-debuginfo", "-o", base + ".calibrated.mlir")
        # Locations inline, for observer_roles (this form drops the weights'
        # resource blobs, so convert reads the file above).
        with open(base + ".prepared.mlir", "w") as f:
            f.write(eq_opt(base + ".calibrated.mlir", "--mlir-print-debuginfo",
                           "--mlir-print-local-scope"))
        with open(base + ".prepared.mlir") as f:
            ours = observer_roles(f.read(), load_stats(base + ".stats.json"))
        if int8:
            eq_opt(base + ".calibrated.mlir", "--eqq-convert", "-o", base + ".int8.mlir")
            eq_run(base + ".int8.mlir", "--input", files[3], "--output", base + ".y.npy")
            ours_y = np.load(base + ".y.npy")
    except Exception as e:  # eq-opt / eq-run failed or the output is not as expected
        results.error(name, e)
        continue

    # PyTorch: get_default_qconfig_mapping(backend), prepare_fx, calibrate.
    if ENGINES[backend]:
        torch.backends.quantized.engine = ENGINES[backend]
    mapping = reference_mapping(get_default_qconfig_mapping(backend))
    eq_config = {}
    if equalize:
        # The relu has an entry too, as in the seed's config: PyTorch fuses
        # linear/conv + relu only when both have the same equalization qconfig.
        eq_config = {"object_type": [(op, default_equalization_qconfig)
                                     for op in (nn.Linear, nn.Conv2d, nn.ReLU)]}
    prepared = prepare_fx(copy.deepcopy(model), mapping, example_inputs=(batches[0],),
                          _equalization_config=eq_config)
    with torch.no_grad():
        for t in batches:
            prepared(t)
    probe = copy.deepcopy(prepared)
    roles = torch_observer_roles(probe)
    compare_observers(results, name, ours, roles, count_our_observers(ours),
                      count_torch_observers(probe, roles))
    summary = ("qparams only (PyTorch's equalized int8 model is no reference)" if equalize
               else "qparams only (no %s engine in this PyTorch)" % backend)
    if int8:
        quantized = convert_fx(prepared)
        with torch.no_grad():
            ref_y = quantized(x).numpy()
        summary = within_one_quantum(results, "%s: int8 output" % name, ours_y, ref_y,
                                     torch_output_quantum(quantized)[0])
    print("%-40s %2d observers; %s" % (name, len(ours), summary))
results.finish()
