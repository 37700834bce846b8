# Tests EqQuant's observers against PyTorch's for every combination the seed's
# lost property test (test_input_weight_eq_observer, @given) samples:
# input dtype {qint8, quint8} x input qscheme {per_tensor_affine,
# per_tensor_symmetric} x weight dtype {qint8, quint8} x weight qscheme
# {per_channel_affine, per_channel_symmetric, per_channel_affine_float_qparams}
# on inputs of rank 2 to 5 (a linear, conv1d, conv2d, conv3d): each of the 24
# combinations once, at a rank chosen so that every rank meets every value of
# every factor (EQQ_ALL_RANKS=1: all 24 x 4). Each case is a layer with an
# input of its own, in modules of 6 layers, with a module_name entry in the
# config: the activation and weight specs in the qconfig, the input and
# weight specs in the equalization section, with the dtype/qscheme of the
# PyTorch QConfig / EqualizationQConfig built for it:
#   QConfig(activation=MinMaxObserver(input dtype, input qscheme),
#           weight=PerChannelMinMaxObserver(weight dtype, weight qscheme))
#   EqualizationQConfig(input_activation=_InputEqualizationObserver(input dtype, input qscheme),
#                       weight=_WeightEqualizationObserver(weight dtype, weight qscheme))
# Random sizes as in the seed (channels 1-9, other sizes 2-9), values with two
# decimals as in the seed (but of both signs), two calibration batches.
# Compared exactly with the observers PyTorch's configs build, fed the same
# data: the input equalization observer's per-channel min/max, the input
# activation observer's min/max, scale and zero point, the weight
# equalization observer's per-column min/max, the weight observer's
# per-channel min/max, scales and zero points. The layer's output observer
# sees a float linear/conv that sums in another order than PyTorch's: its
# range is compared with rtol 1e-5.
#
# PyTorch accepts all 24 combinations (checked here: constructing and running
# its observers). The neighbouring ones it rejects (a per-channel input
# qscheme, a per-tensor qscheme on a per-channel observer class and the
# reverse, reduce_range with symmetric quint8) must be rejected by EqQuant's
# config reader too, with an error naming the key and its line, and no output.
#
# REQUIRES: torch
# RUN: %python %s %t

import itertools
import json
import os
import random
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.ao.quantization import QConfig  # noqa: E402
from torch.ao.quantization.observer import (  # noqa: E402
    HistogramObserver, MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver)
from torch.ao.quantization.fx._equalize import (  # noqa: E402
    EqualizationQConfig, _InputEqualizationObserver, _WeightEqualizationObserver)

from torch_ref import (Results, ToolError, eq_opt, export_module, load_stats,  # noqa: E402
                       observer_roles, torch_qparams, torch_stats)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

DTYPES = {"qint8": torch.qint8, "quint8": torch.quint8}
QSCHEMES = {name: getattr(torch, name) for name in (
    "per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
    "per_channel_symmetric", "per_channel_affine_float_qparams")}
COMBINATIONS = list(itertools.product(
    ("qint8", "quint8"), ("per_tensor_affine", "per_tensor_symmetric"),
    ("qint8", "quint8"),
    ("per_channel_affine", "per_channel_symmetric", "per_channel_affine_float_qparams")))
RANKS = (2, 3, 4, 5)
BATCHES = 2
GROUP = 6  # layers per module

rng = random.Random(0)
torch.manual_seed(0)


def values(shape):
    """The seed's (rand * 10).round(2), shifted so that some are negative."""
    shift = rng.choice((0.0, 2.5, 5.0, 10.0))
    return torch.round((torch.rand(shape) * 10 - shift) * 100) / 100


def make_layer(rank):
    """A layer for inputs of `rank` with random sizes, and its input shape."""
    channels = rng.randint(1, 9)
    size = lambda: rng.randint(2, 9)  # noqa: E731
    if rank == 2:
        layer = nn.Linear(channels, size())
        return layer, (size(), channels)
    spatial = [rng.randint(2, 6 if rank == 5 else 9) for _ in range(rank - 2)]
    kernel = [rng.randint(1, s) for s in spatial]
    conv = {3: nn.Conv1d, 4: nn.Conv2d, 5: nn.Conv3d}[rank]
    layer = conv(channels, size(), kernel)
    return layer, (rng.randint(2, 4), channels, *spatial)


def set_forward(cls, n):
    args = ", ".join("x%d" % j for j in range(n))
    namespace = {}
    exec("def forward(self, %s):\n    return (%s,)\n" % (
        args, ", ".join("self.layers[%d](x%d)" % (j, j) for j in range(n))), namespace)
    cls.forward = namespace["forward"]


# Every combination once, at a rank chosen so that each rank meets every value
# of every factor (6 combinations per rank); EQQ_ALL_RANKS=1 runs all 24 x 4.
# (The JIT compiles each small layer in about 0.2 s: all 96 take ~20 s.)
ALL_RANKS = os.environ.get("EQQ_ALL_RANKS") == "1"
cases, layers, shapes = [], [], []
for combination in COMBINATIONS:
    idt, isch, wdt, wsch = combination
    index = (("qint8", "quint8").index(idt) + 2 * isch.endswith("symmetric")
             + ("qint8", "quint8").index(wdt)
             + ("per_channel_affine", "per_channel_symmetric",
                "per_channel_affine_float_qparams").index(wsch))
    for rank in RANKS if ALL_RANKS else (RANKS[index % 4],):
        layer, shape = make_layer(rank)
        with torch.no_grad():
            layer.weight.copy_(values(layer.weight.shape))
            layer.bias.copy_(values(layer.bias.shape))
        cases.append((combination, rank))
        layers.append(layer.eval())
        shapes.append(shape)
batches = [[values(s) for s in shapes] for _ in range(BATCHES)]

results = Results()


def spec(dtype, qscheme, observer=None, **extra):
    s = {"dtype": dtype, "qscheme": qscheme}
    if observer:
        s["observer"] = observer
    s.update(extra)
    return s


def calibrate(group, first, count):
    """EqQuant on cases [first, first + count): one module whose layer i is
    layers.i (case first + i) with a module_name entry of its own. (Modules
    of a few layers each: the JIT's compile time grows faster than linearly
    with the size of the function.)"""
    class Layers(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(layers[first:first + count])
    set_forward(Layers, count)
    config = {"qconfig": {"module_name": {}}, "equalization": {"module_name": {}}}
    for i in range(count):
        (idt, isch, wdt, wsch), rank = cases[first + i]
        name = "layers.%d" % i
        config["qconfig"]["module_name"][name] = {
            "activation": spec(idt, isch, "minmax"),
            "weight": spec(wdt, wsch, "per_channel_minmax")}
        config["equalization"]["module_name"][name] = {
            "input": spec(idt, isch), "weight": spec(wdt, wsch)}
    base = os.path.join(out, "group%d" % group)
    with open(base + ".json", "w") as f:
        json.dump(config, f, indent=1)
    with open(base + ".mlir", "w") as f:
        f.write(export_module(Layers().eval(), tuple(batches[0][first:first + count])))
    data = []
    for k, batch in enumerate(batches):
        d = "%s.batch%d" % (base, k)
        os.makedirs(d, exist_ok=True)
        for i in range(count):
            np.save(os.path.join(d, "arg%d.npy" % i), batch[first + i].numpy())
        data.append(d)
    return base, data


def run_group(base, data):
    eq_opt(base + ".mlir", "--eqq-prepare=config=%s.json" % base,
           "--eqq-calibrate=data=%s stats-out=%s.stats.json" % (",".join(data), base),
           "--mlir-print-debuginfo", "--mlir-print-local-scope", "-o", base + ".prepared.mlir")
    with open(base + ".prepared.mlir") as f:
        return observer_roles(f.read(), load_stats(base + ".stats.json"))


ours = {}
pool = ThreadPoolExecutor(2)
jobs = []
for group, first in enumerate(range(0, len(cases), GROUP)):
    count = min(GROUP, len(cases) - first)
    jobs.append((first, pool.submit(run_group, *calibrate(group, first, count))))
for first, job in jobs:
    try:
        for entry in job.result():
            role, layer = entry["key"]
            ours[(role, first + int(layer.split(".")[1]))] = entry
    except (ToolError, ValueError) as e:
        results.error("calibrating cases %d-%d" % (first, first + GROUP - 1), e)

# PyTorch: the observers its qconfigs build, fed the same data.
for j, ((idt, isch, wdt, wsch), rank) in enumerate(cases):
    what = "rank %d, input %s %s, weight %s %s" % (rank, idt, isch, wdt, wsch)
    qconfig = QConfig(
        activation=MinMaxObserver.with_args(dtype=DTYPES[idt], qscheme=QSCHEMES[isch]),
        weight=PerChannelMinMaxObserver.with_args(dtype=DTYPES[wdt], qscheme=QSCHEMES[wsch]))
    eqconfig = EqualizationQConfig(
        input_activation=_InputEqualizationObserver.with_args(
            dtype=DTYPES[idt], qscheme=QSCHEMES[isch]),
        weight=_WeightEqualizationObserver.with_args(dtype=DTYPES[wdt], qscheme=QSCHEMES[wsch]))
    try:
        act, input_eq = qconfig.activation(), eqconfig.input_activation()
        weight, weight_eq = qconfig.weight(), eqconfig.weight()
        act_out = qconfig.activation()
        layer = layers[j]
        with torch.no_grad():
            for batch in batches:
                act(batch[j])
                input_eq(batch[j])
                act_out(layer(batch[j]))
            weight(layer.weight)
            weight_eq(layer.weight)
        expected = {
            ("act_in", j): ("act", act), ("input_eq", j): ("input_eq", input_eq),
            ("weight", j): ("weight", weight), ("weight_eq", j): ("weight_eq", weight_eq)}
        for _, obs in expected.values():
            if hasattr(obs, "calculate_qparams"):
                obs.calculate_qparams()
    except Exception as e:  # PyTorch rejects a combination the seed samples
        results.error(what + ": PyTorch rejects it, EqQuant %s it" % (
            "accepts" if ("act_in", j) in ours else "rejects"), e)
        continue
    for key, (kind, obs) in expected.items():
        entry = ours.get(key)
        if not results.ok(entry is not None, "%s: %s" % (what, key[0]), "no such observer"):
            continue
        lo, hi = torch_stats(kind, obs)
        results.exact("%s: %s min_val" % (what, key[0]), entry["min"], lo)
        results.exact("%s: %s max_val" % (what, key[0]), entry["max"], hi)
        if kind in ("act", "weight"):
            scale, zp = torch_qparams(obs)
            results.exact("%s: %s scale" % (what, key[0]), entry["scale"], scale)
            results.exact("%s: %s zero_point" % (what, key[0]), entry["zero_point"], zp)
    entry = ours.get(("act_out", j))
    if results.ok(entry is not None, what + ": act_out", "no such observer"):
        lo, hi = torch_stats("act", act_out)
        results.close(what + ": act_out min/max", np.concatenate([entry["min"], entry["max"]]),
                      np.concatenate([lo, hi]), rtol=1e-5, atol=1e-5)

# Combinations PyTorch rejects: EqQuant's config reader rejects them too.
REJECTED = [
    # (what, PyTorch constructor, config section, entry key, spec, key the error names)
    ("equalization input per_channel_affine",
     lambda: _InputEqualizationObserver(dtype=torch.quint8, qscheme=torch.per_channel_affine),
     "equalization", "input", spec("quint8", "per_channel_affine"), "qscheme"),
    ("equalization input per_channel_symmetric",
     lambda: _InputEqualizationObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric),
     "equalization", "input", spec("qint8", "per_channel_symmetric"), "qscheme"),
    ("minmax activation per_channel_symmetric",
     lambda: MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_channel_symmetric),
     "qconfig", "activation", spec("quint8", "per_channel_symmetric", "minmax"), "observer"),
    ("per_channel_minmax weight per_tensor_affine",
     lambda: PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_affine),
     "qconfig", "weight", spec("qint8", "per_tensor_affine", "per_channel_minmax"), "observer"),
    ("minmax weight per_channel_affine",
     lambda: MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_affine),
     "qconfig", "weight", spec("qint8", "per_channel_affine", "minmax"), "observer"),
    ("moving_average_minmax per_channel_affine",
     lambda: MovingAverageMinMaxObserver(dtype=torch.quint8, qscheme=torch.per_channel_affine),
     "qconfig", "weight", spec("quint8", "per_channel_affine", "moving_average_minmax"),
     "observer"),
    ("histogram per_channel_symmetric",
     lambda: HistogramObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric),
     "qconfig", "weight", spec("qint8", "per_channel_symmetric", "histogram"), "observer"),
    ("reduce_range quint8 per_tensor_symmetric",
     lambda: MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_symmetric,
                            reduce_range=True),
     "qconfig", "activation", spec("quint8", "per_tensor_symmetric", reduce_range=True),
     "reduce_range"),
    ("reduce_range quint8 per_channel_symmetric",
     lambda: PerChannelMinMaxObserver(dtype=torch.quint8, qscheme=torch.per_channel_symmetric,
                                      reduce_range=True),
     "qconfig", "weight", spec("quint8", "per_channel_symmetric", reduce_range=True),
     "reduce_range"),
]
single = os.path.join(out, "single.mlir")
with open(single, "w") as f:
    f.write(export_module(nn.Linear(4, 3).eval(), (torch.rand(2, 4),)))
for i, (what, build, section, role, bad, key) in enumerate(REJECTED):
    try:
        build()
        results.ok(False, what, "PyTorch accepts it; this case expects a rejection")
        continue
    except Exception:  # TypeError, NotImplementedError
        pass
    good = {"qconfig": {"activation": spec("quint8", "per_tensor_affine"),
                        "weight": spec("qint8", "per_tensor_symmetric")},
            "equalization": {"input": spec("quint8", "per_tensor_symmetric"),
                             "weight": spec("qint8", "per_channel_symmetric")}}
    good[section][role] = bad
    cfg = {"qconfig": {"object_type": {"linear": good["qconfig"]}},
           "equalization": {"object_type": {"linear": good["equalization"]}}}
    path = os.path.join(out, "rejected%d.json" % i)
    text = json.dumps(cfg, indent=1)
    with open(path, "w") as f:
        f.write(text)
    # The line of the key the error must name: json.dumps puts one per line.
    lines = text.splitlines()
    at = next(n for n, l in enumerate(lines) if l.strip().startswith('"%s":' % section))
    at = next(n for n in range(at, len(lines)) if lines[n].strip().startswith('"%s":' % role))
    at = next(n for n in range(at, len(lines)) if lines[n].strip().startswith('"%s":' % key))
    line = at + 1
    output = os.path.join(out, "rejected%d.mlir" % i)
    try:
        eq_opt(single, "--eqq-prepare=config=" + path, "-o", output)
        results.ok(False, what, "EqQuant accepts it; PyTorch rejects it")
    except ToolError as e:
        message = str(e)
        results.ok("line %d" % line in message and ".%s'" % key in message, what,
                   "the error does not name '%s' at line %d:\n%s" % (key, line, message))
        results.ok(not os.path.exists(output), what + ": no output file")
results.finish()
