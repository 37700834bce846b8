# Tests calibration beyond min/max against PyTorch: moving_average_minmax and
# histogram activation observers configured through a config file (several
# averaging constants, dtypes, qschemes, quantization ranges, bin counts), fed
# five batches of different ranges (the range grows at either end, stays,
# shrinks), compared with PyTorch's MovingAverageMinMaxObserver and
# HistogramObserver fed the same values, for every activation observer of
# TwoLayerLinearModel (5x5) and ConvReluConvModel (8x3x16x16; one output is
# observed after a relu):
#   moving average: min/max, scale and zero point exactly;
#   histogram: min/max, the histogram, and the scale and zero point of the
#   range search (_non_linear_param_search) exactly (a tolerance on the scale
#   turned out not to be needed), against a reference without PyTorch 1.13's
#   defect (below).
# A third model's input batches hold values next to the histogram's bin edges,
# where the order of torch.histc's float32 arithmetic decides the bin.
#
# PyTorch 1.13's HistogramObserver.forward calls torch.histc with
# min=int(min_val), max=int(max_val): it histograms the range truncated to
# integers (values outside are dropped; fixed in later PyTorch), while the
# observer's range is the float one. EqQuant histograms the float range. The
# reference here, ReferenceHistogramObserver, is HistogramObserver with
# forward copied unchanged except for those int() casts. How the original
# deviates from the reference is printed ("PyTorch 1.13 defect: ...").
#
# Weights and batches of the first two models have few significant bits, so
# that their float layers are exact (see observer-statistics.py): the
# observers behind a layer see the same bits in PyTorch and EqQuant.
# Observers are matched by role as there.
#
# REQUIRES: torch
# RUN: %python %s %t

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.fx  # noqa: E402
from torch.ao.quantization.observer import (  # noqa: E402
    HistogramObserver, MovingAverageMinMaxObserver)

from histogram_ref import ReferenceHistogramObserver  # noqa: E402
from torch_ref import (SEED_MODELS, Results, ToolError, dyadic, dyadic_uniform,  # noqa: E402
                       eq_opt, exact_float_model, export_module, load_stats,
                       map_float_tensors, observer_roles, torch_qparams)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


DTYPES = {"qint8": torch.qint8, "quint8": torch.quint8}

# (name, EqQuant activation spec, PyTorch observer class, its arguments)
CONFIGS = [
    ("moving average c=0.25 quint8 affine",
     {"observer": "moving_average_minmax", "averaging_constant": 0.25,
      "dtype": "quint8", "qscheme": "per_tensor_affine"},
     MovingAverageMinMaxObserver, dict(averaging_constant=0.25)),
    ("moving average c=0.01 qint8 symmetric [-100, 100]",
     {"observer": "moving_average_minmax", "dtype": "qint8",
      "qscheme": "per_tensor_symmetric", "quant_min": -100, "quant_max": 100},
     MovingAverageMinMaxObserver, dict(quant_min=-100, quant_max=100)),
    ("histogram quint8 affine",
     {"observer": "histogram", "dtype": "quint8", "qscheme": "per_tensor_affine"},
     ReferenceHistogramObserver, {}),
    ("histogram quint8 affine [0, 127]",
     {"observer": "histogram", "dtype": "quint8", "qscheme": "per_tensor_affine",
      "quant_min": 0, "quant_max": 127},
     ReferenceHistogramObserver, dict(quant_min=0, quant_max=127)),
    ("histogram 256 bins qint8 symmetric",
     {"observer": "histogram", "bins": 256, "dtype": "qint8",
      "qscheme": "per_tensor_symmetric"},
     ReferenceHistogramObserver, dict(bins=256)),
    # Not a power of two: (v - lo) * bins / (hi - lo) and (v - lo) / (hi - lo) * bins
    # then round differently (for 2^k bins both are the exact quotient rounded once).
    ("histogram 1000 bins quint8 symmetric",
     {"observer": "histogram", "bins": 1000, "dtype": "quint8",
      "qscheme": "per_tensor_symmetric"},
     ReferenceHistogramObserver, dict(bins=1000)),
]
RANGES = [(-1.3, 2.7), (-3.6, 1.2), (-0.5, 4.9), (0.2, 0.9), (-2.0, 6.3)]


class EdgeModel(torch.nn.Module):
    """For torch.histc's bin edges: only its input observer is compared."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(5, 3)

    def forward(self, x):
        return self.fc(x)


def edge_values(lo, hi, bins):
    """float32 values in [lo, hi] that torch.histc, which computes
    (v - lo) / (hi - lo) * bins, puts in another bin than
    (v - lo) * bins / (hi - lo) does: values within a few ulps of bin edges
    (none when bins is a power of two)."""
    lo, hi = np.float32(lo), np.float32(hi)
    edges = (lo + (np.arange(1, bins, dtype=np.float64) / bins) * (float(hi) - float(lo)))
    v = edges.astype(np.float32)
    candidates = [v]
    for _ in range(4):
        candidates.append(np.nextafter(candidates[-1], np.float32(np.inf)))
        candidates.insert(0, np.nextafter(candidates[0], np.float32(-np.inf)))
    v = np.concatenate(candidates)
    v = v[(v > lo) & (v < hi)]
    mul_first = np.floor((v - lo) * np.float32(bins) / (hi - lo))
    div_first = np.floor((v - lo) / (hi - lo) * np.float32(bins))
    return v[mul_first != div_first]


def edge_batches(shape, gen):
    """Batches of float32 values (not dyadic) whose first one holds values at
    the edges of 1000 bins over its own range."""
    batches = [torch.rand(shape, generator=gen) * (hi - lo) + lo for lo, hi in RANGES[:3]]
    flat = batches[0].reshape(-1)
    lo, hi = float(flat.min()), float(flat.max())
    edges = edge_values(lo, hi, 1000)[:16]
    keep = {int(flat.argmin()), int(flat.argmax())}
    slots = [i for i in range(flat.numel()) if i not in keep][:len(edges)]
    flat[slots] = torch.from_numpy(edges)
    return batches, len(edges)


# (model, input shape, exact): exact models have dyadic weights and batches
# and every activation observer is compared; the edge model only its input's.
MODELS = [("TwoLayerLinearModel", SEED_MODELS["TwoLayerLinearModel"][0], (5, 5), True),
          ("ConvReluConvModel", SEED_MODELS["ConvReluConvModel"][0], (8, 3, 16, 16), True),
          ("EdgeModel", EdgeModel, (64, 5), False)]


def layer_values(model, x):
    """{("act_in", L): L's input, ("act_out", L): L's output (after the relu
    that follows it)} for the layers (modules with a weight) of a run on x."""
    gm = torch.fx.symbolic_trace(model)
    modules = dict(gm.named_modules())
    values, env = {}, {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, node):
            env[node] = super().run_node(node)
            return env[node]

    with torch.no_grad():
        Recorder(gm).run(x)
    for node in gm.graph.nodes:
        if node.op == "call_module" and hasattr(modules[node.target], "weight"):
            values[("act_in", node.target)] = env[node.args[0]]
            users = list(node.users)
            relu = (len(users) == 1 and users[0].op == "call_module"
                    and isinstance(modules[users[0].target], torch.nn.ReLU))
            values[("act_out", node.target)] = env[users[0] if relu else node]
    return values


results = Results()
gen = torch.Generator().manual_seed(3)
for model_name, factory, shape, exact in MODELS:
    torch.manual_seed(0)
    model = factory().eval()
    if exact:
        model = map_float_tensors(model, dyadic)
        batches = [dyadic_uniform(shape, lo, hi, 2.0 ** -7, gen) for lo, hi in RANGES]
        if not results.ok(exact_float_model(model, batches), "%s: setup" % model_name,
                          "float32 forward is not exact; use fewer significant bits"):
            continue
    else:
        batches, edges = edge_batches(shape, gen)
        results.ok(edges >= 8, "%s: setup" % model_name, "found %d edge values" % edges)
    base = os.path.join(out, model_name)
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (batches[0],)))
    files = []
    for k, b in enumerate(batches):
        files.append("%s.batch%d.npy" % (base, k))
        np.save(files[-1], b.numpy())
    values = [layer_values(model, b) for b in batches]

    for i, (config_name, act_spec, observer_class, kwargs) in enumerate(CONFIGS):
        what = "%s, %s" % (model_name, config_name)
        entry = {"activation": act_spec,
                 "weight": {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}}
        config = {"qconfig": {"object_type": {"linear": entry, "conv2d": entry, "relu": entry}}}
        cbase = "%s.config%d" % (base, i)
        with open(cbase + ".json", "w") as f:
            json.dump(config, f, indent=1)
        try:
            eq_opt(base + ".mlir", "--eqq-prepare=config=%s.json" % cbase,
                   "--eqq-calibrate=data=%s stats-out=%s.stats.json" % (",".join(files), cbase),
                   "--mlir-print-debuginfo", "--mlir-print-local-scope",
                   "-o", cbase + ".prepared.mlir")
            with open(cbase + ".prepared.mlir") as f:
                ours = observer_roles(f.read(), load_stats(cbase + ".stats.json"))
        except (ToolError, ValueError) as e:
            results.error(what, e)
            continue
        acts = [e for e in ours if e["key"][0] in ("act_in", "act_out")]
        distinct = {id(t) for t in values[0].values()}  # L1's output is L2's input
        results.ok(len(acts) == len(distinct) and all(e["key"] in values[0] for e in acts),
                   what + ": activation observers",
                   "ours %s, PyTorch's values %s" % ([e["key"] for e in acts], sorted(values[0])))
        if not exact:  # the output of a float layer is not exactly PyTorch's
            acts = [e for e in acts if e["key"][0] == "act_in"]
        for entry in acts:
            key = entry["key"]
            label = "%s: %s %s" % (what, key[0], key[1])
            dtype = DTYPES[act_spec["dtype"]]
            qscheme = getattr(torch, act_spec["qscheme"])
            ref = observer_class(dtype=dtype, qscheme=qscheme, **kwargs)
            original = (HistogramObserver(dtype=dtype, qscheme=qscheme, **kwargs)
                        if observer_class is ReferenceHistogramObserver else None)
            for v in values:
                ref(v[key])
                if original is not None:
                    original(v[key])
            results.exact(label + " min_val", entry["min"], ref.min_val.reshape(-1).numpy())
            results.exact(label + " max_val", entry["max"], ref.max_val.reshape(-1).numpy())
            scale, zp = torch_qparams(ref)
            if original is None:
                results.exact(label + " scale", entry["scale"], scale)
                results.exact(label + " zero_point", entry["zero_point"], zp)
                continue
            results.exact(label + " histogram", entry["histogram"], ref.histogram.numpy())
            results.exact(label + " scale", entry["scale"], scale)
            results.exact(label + " zero_point", entry["zero_point"], zp)
            # PyTorch 1.13 itself (informational).
            lost = float(ref.histogram.sum() - original.histogram.sum())
            oscale, ozp = torch_qparams(original)
            if not np.array_equal(original.histogram.numpy(), ref.histogram.numpy()):
                print("PyTorch 1.13 defect: %s: its histogram differs from the reference "
                      "(%g of %g counts lost to the integer range); scale %r vs %r, "
                      "zero point %r vs %r" % (label, lost, float(ref.histogram.sum()),
                                               float(oscale[0]), float(scale[0]),
                                               float(ozp[0]), float(zp[0])))
results.finish()
