"""Helpers of the tests that compare EqQuant with PyTorch 1.13 (the reference).

- The seed models (test/Tools/eq-export/Inputs/seed_models.py) and the
  exporter (tools/eq-export) are imported from where they live.
- The seed's qconfig dicts (specific_qconfig_dict,
  default_equalization_qconfig_dict).
- Running eq-opt and eq-run (found on PATH, as lit sets it).
- Dyadic weights and data (few significant bits) and a check that a model's
  float layers are then exact, so that observers behind a layer see the same
  bits in PyTorch and EqQuant (exact_float_model).
- Matching EqQuant's observers to PyTorch's by role (see observer_roles and
  torch_observer_roles).
- Results: counts checks, prints what differed, ends with "N passed, M failed".
- On CPUs without VNNI, PyTorch's int8 convs and linears are replaced by exact
  emulations (exact_int8.py), since onednn's saturate there.
"""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tools", "eq-export"))
sys.path.insert(0, os.path.join(SRC, "test", "Tools", "eq-export", "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# seed_models puts the expecttest stub on sys.path before importing
# torch.testing._internal.common_quantization.
from seed_models import SEED_MODELS  # noqa: E402,F401
from eq_export import export_module  # noqa: E402,F401

import torch.nn.intrinsic as nni  # noqa: E402
from torch.ao.quantization.observer import ObserverBase  # noqa: E402
from torch.ao.quantization.fx._equalize import (  # noqa: E402
    _InputEqualizationObserver, _WeightEqualizationObserver, update_obs_for_equalization)

# PyTorch's observers warn about deprecated arguments and uncalibrated use.
warnings.filterwarnings("ignore", category=UserWarning)
# Without VNNI, PyTorch's onednn int8 convs and linears saturate pairs of
# products to int16; the reference arithmetic is exact (exact_int8.py).
import exact_int8  # noqa: E402
if exact_int8.install():
    print("note: this CPU has no VNNI: PyTorch's int8 convs and linears run as "
          "exact integer emulations (exact_int8.py)", file=sys.stderr)
# One thread: lit runs tests side by side, and spinning worker threads would
# only compete with them (and with eq-opt/eq-run).
torch.set_num_threads(1)

# The seed test's configuration (test_equalize_fx.py).
from seed_qconfigs import DEFAULT_EQUALIZATION_QCONFIG_DICT, SPECIFIC_QCONFIG_DICT  # noqa: E402,F401

# test_selective_equalization's hard-coded input.
SELECTIVE_X = torch.tensor([[0.0642, 0.7824, 0.4255, 0.7106, 0.5957],
                            [0.8373, 0.8851, 0.8229, 0.0212, 0.8987],
                            [0.9077, 0.7538, 0.4530, 0.5772, 0.1376],
                            [0.0690, 0.9002, 0.7998, 0.2768, 0.8985],
                            [0.0282, 0.5068, 0.6725, 0.1829, 0.5480]])


# --------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------

# The four export spellings (linear form x bias placement), rotated over the
# models of a test so that every spelling meets every kind of model.
EXPORT_VARIANTS = [
    dict(linear_spelling="transposed_b", bias="init"),
    dict(linear_spelling="transpose_op", bias="add"),
    dict(linear_spelling="transposed_b", bias="add"),
    dict(linear_spelling="transpose_op", bias="init"),
]


def seed_input(name, shape):
    """The seed tests' input for model `name`: the selective test's hard-coded
    input, torch.randn for the branching model (as the seed test), torch.rand
    of `shape` otherwise."""
    if name == "SelectiveModel":
        return SELECTIVE_X.clone()
    if name == "TestBranchingWithEqualizationModel":
        return torch.randn(shape)
    return torch.rand(shape)


def tool(name):
    path = shutil.which(name)
    if not path:
        sys.exit("%s not found on PATH (run the test through lit)" % name)
    return path


class ToolError(Exception):
    pass


def run_tool(name, *args):
    """Runs eq-opt / eq-run; returns stdout, raises ToolError with stderr."""
    p = subprocess.run([tool(name)] + [str(a) for a in args], capture_output=True, text=True)
    if p.returncode:
        raise ToolError("%s %s failed (%d):\n%s" % (
            name, " ".join(str(a) for a in args), p.returncode, p.stderr[-3000:]))
    return p.stdout


def eq_opt(*args):
    return run_tool("eq-opt", *args)


def eq_run(*args):
    return run_tool("eq-run", *args)


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

def map_float_tensors(module, fn):
    """Replaces every float tensor of `module` (parameters, buffers and the
    plain tensor attributes of the functional seed models) by fn(tensor)."""
    for mod in module.modules():
        for key, value in list(vars(mod).items()):
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                setattr(mod, key, fn(value))
        for key, p in list(mod._parameters.items()):
            if p is not None:
                mod._parameters[key] = nn.Parameter(fn(p.detach()), requires_grad=False)
        for key, b in list(mod._buffers.items()):
            if b is not None and b.is_floating_point():
                mod._buffers[key] = fn(b)
    return module


def dyadic(t, bits=4):
    """`t` rounded to multiples of 2^(e - bits), e the exponent of its
    largest magnitude: at most 2^(bits+1) levels, few significant bits."""
    mx = float(t.abs().max()) if t.numel() else 0.0
    if mx == 0.0:
        return t
    q = 2.0 ** (math.floor(math.log2(mx)) - bits)
    return torch.round(t / q) * q


def dyadic_uniform(shape, lo, hi, step, generator=None):
    """Uniform values in [lo, hi] on a grid of `step` (a power of two)."""
    u = torch.rand(shape, generator=generator) * (hi - lo) + lo
    return torch.round(u / step) * step


def granularity(t):
    """The largest power of two of which every element of float32 `t` is a
    multiple (inf for an all-zero tensor)."""
    bits = t.detach().reshape(-1).numpy().view(np.int32) & 0x7FFFFFFF
    bits = bits[bits != 0]
    if bits.size == 0:
        return math.inf
    exponent = bits >> 23
    # value = mantissa * 2^(exponent - 150) (subnormals: exponent field 0 -> 1)
    mantissa = (bits & 0x7FFFFF) | np.where(exponent > 0, 0x800000, 0)
    low = mantissa & -mantissa  # its lowest set bit
    lowest = np.frexp(low.astype(np.float32))[1] - 1 + np.maximum(exponent, 1) - 150
    return 2.0 ** int(lowest.min())


def exact_float_model(module, inputs):
    """True when every product and partial sum of every layer of `module`
    (the submodules with a float `weight`: nn.Linear/ConvNd and the seed's
    functional layers) is exact in float32 on `inputs`, whatever the order of
    summation. A layer's terms x*w and b are multiples of
    g = min(g(x) g(w), g(b)) (g: the largest power of two dividing all
    elements), and every partial sum of output o is at most
    max|x| * sum|w[o]| + |b[o]|; all are exact when that is <= 2^24 g. PyTorch
    and EqQuant then compute the same bits, and the ranges their observers
    record can be compared exactly."""
    failures = []

    def hook(mod, args, out):
        x, w = args[0], mod.weight.detach()
        g = granularity(x) * granularity(w)
        bound = float(x.abs().max()) * float(w.abs().reshape(w.shape[0], -1).sum(1).max())
        bias = getattr(mod, "bias", None)
        if isinstance(bias, torch.Tensor):
            g = min(g, granularity(bias))
            bound += float(bias.abs().max())
        if not bound * 1.001 <= 2.0 ** 24 * g:
            failures.append(mod)

    handles = [mod.register_forward_hook(hook) for mod in module.modules()
               if isinstance(getattr(mod, "weight", None), torch.Tensor)]
    try:
        with torch.no_grad():
            for x in inputs:
                module(x)
    finally:
        for h in handles:
            h.remove()
    return not failures


# --------------------------------------------------------------------------
# Statistics files and prepared IR
# --------------------------------------------------------------------------

def f32(values):
    """A JSON number list (with "inf", "-inf", "nan") as float32."""
    out = []
    for v in values:
        if isinstance(v, str):
            v = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}[v]
        out.append(v)
    return np.array(out, dtype=np.float64).astype(np.float32)


def load_stats(path):
    with open(path) as f:
        return json.load(f)


_OBSERVER_RE = re.compile(
    r'^\s*%\S+ = (eqq\.(?:act_observer|input_eq_observer|weight_eq_observer|weight_observer))\b'
    r'.*\bloc\("([^"]*)"\)\s*$')
_LAYER_RE = re.compile(r'^\s*%\S+ = linalg\.(?:matmul|conv_\w+|depthwise_conv_\w+)\b.*\bloc\("([^"]*)"\)\s*$')
_ROLE = {"eqq.input_eq_observer": "input_eq", "eqq.weight_eq_observer": "weight_eq",
         "eqq.weight_observer": "weight"}


def observer_keys(prepared_text):
    """Each observer of a prepared module printed with its locations inline,
    in program order: (op, key, line), the key as observer_roles gives it."""
    seen_layers = set()
    for line in prepared_text.splitlines():
        m = _LAYER_RE.match(line)
        if m:
            seen_layers.add(m.group(1))
            continue
        m = _OBSERVER_RE.match(line)
        if not m:
            continue
        op, layer = m.groups()
        if op == "eqq.act_observer":
            role = "act_out" if layer in seen_layers else "act_in"
        else:
            role = _ROLE[op]
        yield op, (role, layer), line


def observer_roles(prepared_text, stats):
    """EqQuant's observers with their role, from a prepared module printed
    with --mlir-print-debuginfo --mlir-print-local-scope and its stats file.

    --eqq-prepare gives every observer the location of the layer it was
    inserted for (its NameLoc, the PyTorch module path or fx node name). So:
      input_eq_observer / weight_eq_observer / weight_observer of L:
        ("input_eq", L), ("weight_eq", L), ("weight", L);
      act_observer of L before L's matmul/conv: L's input, ("act_in", L);
      act_observer of L after it: L's output (after a fused relu), ("act_out", L).
    An observer shared by two layers (L1's output read by L2, or one input
    read by two layers) was inserted for the first of them and has only that
    key here. The stats file lists the act/input_eq observers in program
    order ("observers") and the weight observers in program order
    ("weights"), so they are zipped with the IR's.

    Returns a list of dicts: key, op, min, max, scale, zero_point (None when
    the file has none)."""
    calibrated, weights = [], []
    for op, key, _ in observer_keys(prepared_text):
        entry = {"key": key, "op": op}
        (weights if key[0] in ("weight_eq", "weight") else calibrated).append(entry)
    result = []
    for ours, listed in ((calibrated, stats["observers"]), (weights, stats["weights"])):
        if len(ours) != len(listed):
            raise ValueError("the IR has %d observers, the stats file %d" % (len(ours), len(listed)))
        for entry, s in zip(ours, listed):
            if s["op"] != entry["op"]:
                raise ValueError("stats file lists %s where the IR has %s" % (s["op"], entry["op"]))
            entry["min"] = f32(s["min_val"]) if "min_val" in s else None
            entry["max"] = f32(s["max_val"]) if "max_val" in s else None
            entry["scale"] = f32(s["scale"]) if "scale" in s else None
            entry["zero_point"] = f32(s["zero_point"]) if "zero_point" in s else None
            entry["histogram"] = f32(s["histogram"]) if "histogram" in s else None
            result.append(entry)
    return result


# --------------------------------------------------------------------------
# PyTorch's observers by role
# --------------------------------------------------------------------------

_LAYER_MODULES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nni.LinearReLU,
                  nni.ConvReLU1d, nni.ConvReLU2d, nni.ConvReLU3d)
_LAYER_FUNCTIONS = (F.linear, F.conv1d, F.conv2d, F.conv3d)
_RELU_FUNCTIONS = (F.relu, torch.relu)


def torch_observer_roles(prepared):
    """PyTorch's observers of a prepare_fx'ed (and calibrated) GraphModule,
    keyed like observer_roles: for each layer node L (nn.Linear/ConvNd, their
    fused *ReLU forms, F.linear/F.convNd; named by module path, or by fx node
    name for functional calls, as eq_export names them):
      ("act_in", L): the activation observer nearest L on its input chain,
        walking back through observers (PyTorch puts it in front of the input
        equalization observer, x -> act_obs -> input_eq_obs -> L);
      ("input_eq", L): the _InputEqualizationObserver on that chain;
      ("act_out", L): the activation observer reading L's output, or the
        output of the relu that follows L;
      ("weight_eq", L): the _WeightEqualizationObserver PyTorch's convert uses
        (update_obs_for_equalization: created and fed the weight for modules,
        the graph's node for functional layers);
      ("weight", L): the weight observer: the graph's node for functional
        layers (PyTorch puts it before the weight equalization observer, the
        reverse of EqQuant's order), and for modules the one convert_fx
        builds, qconfig.weight() fed the weight.
    A shared observer has several keys. Returns {key: (kind, observer)} with
    kind "act", "input_eq", "weight_eq" or "weight"."""
    modules = dict(prepared.named_modules(remove_duplicate=False))

    def module_of(node):
        return modules.get(node.target) if node.op == "call_module" else None

    def is_observer(node):
        return isinstance(module_of(node), (ObserverBase, _InputEqualizationObserver,
                                            _WeightEqualizationObserver))

    def is_relu(node):
        return ((node.op == "call_function" and node.target in _RELU_FUNCTIONS)
                or (node.op == "call_method" and node.target == "relu")
                or isinstance(module_of(node), nn.ReLU))

    layers = []
    for node in prepared.graph.nodes:
        if isinstance(module_of(node), _LAYER_MODULES):
            layers.append((node, node.target))
        elif node.op == "call_function" and node.target in _LAYER_FUNCTIONS:
            layers.append((node, node.name))

    roles = {}
    weight_eq = update_obs_for_equalization(prepared, modules)
    for node, name in layers:
        arg = node.args[0]
        while is_observer(arg):
            obs = module_of(arg)
            if isinstance(obs, _InputEqualizationObserver):
                roles.setdefault(("input_eq", name), ("input_eq", obs))
            elif isinstance(obs, ObserverBase):
                roles.setdefault(("act_in", name), ("act", obs))
            arg = arg.args[0]
        out = node
        users = list(out.users)
        if len(users) == 1 and is_relu(users[0]):
            out = users[0]
        for user in out.users:
            if isinstance(module_of(user), ObserverBase):
                roles[("act_out", name)] = ("act", module_of(user))
        if node.name in weight_eq:
            roles[("weight_eq", name)] = ("weight_eq", weight_eq[node.name])
        if node.op == "call_function":
            arg = node.args[1]
            while is_observer(arg):
                obs = module_of(arg)
                if isinstance(obs, ObserverBase):
                    roles.setdefault(("weight", name), ("weight", obs))
                arg = arg.args[0]
        else:
            qconfig = prepared._qconfig_map.get(node.name)
            if qconfig is not None:
                mod = module_of(node)
                layer = mod[0] if isinstance(mod, nn.Sequential) else mod
                obs = qconfig.weight()
                obs(layer.weight.detach())
                roles[("weight", name)] = ("weight", obs)
    # Activation observers that belong to no layer (a quantized add, ...)
    # have no key and are caught by the count check of compare_observers.
    return roles


def torch_stats(kind, obs):
    """min, max (float32 arrays) of a PyTorch observer of the given kind."""
    if kind == "input_eq":
        lo, hi = obs.get_input_minmax()
    elif kind == "weight_eq":
        lo, hi = obs.get_weight_col_minmax()
    else:
        lo, hi = obs.min_val, obs.max_val
    return (lo.detach().reshape(-1).numpy().astype(np.float32),
            hi.detach().reshape(-1).numpy().astype(np.float32))


def torch_qparams(obs):
    scale, zp = obs.calculate_qparams()
    return (scale.detach().reshape(-1).numpy().astype(np.float32),
            zp.detach().reshape(-1).numpy().astype(np.float32))


def count_torch_observers(prepared, roles):
    """Distinct observers per kind: every activation observer module of the
    graph (not weight observers of functional layers) and the keyed ones."""
    modules = dict(prepared.named_modules(remove_duplicate=False))
    weight_ids = {id(obs) for kind, obs in roles.values() if kind == "weight"}
    counts = {}
    for node in prepared.graph.nodes:
        obs = modules.get(node.target) if node.op == "call_module" else None
        if isinstance(obs, _InputEqualizationObserver):
            counts["input_eq"] = counts.get("input_eq", 0) + 1
        elif isinstance(obs, ObserverBase) and id(obs) not in weight_ids:
            counts["act"] = counts.get("act", 0) + 1
    for kind in ("weight_eq", "weight"):
        counts[kind] = len({id(obs) for k, obs in roles.values() if k == kind})
    return {k: v for k, v in counts.items() if v}


def count_our_observers(ours):
    kinds = {"act_in": "act", "act_out": "act", "input_eq": "input_eq",
             "weight_eq": "weight_eq", "weight": "weight"}
    counts = {}
    for entry in ours:
        kind = kinds[entry["key"][0]]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

def same_values(a, b):
    """Exact equality of float32 arrays (value equality: -0 == 0; NaN == NaN)."""
    a = np.asarray(a, dtype=np.float32).reshape(-1)
    b = np.asarray(b, dtype=np.float32).reshape(-1)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def fmt(a, limit=8):
    a = np.asarray(a).reshape(-1)
    s = ", ".join(repr(float(v)) for v in a[:limit])
    return "[" + s + (", ... (%d values)" % a.size if a.size > limit else "") + "]"


class Results:
    """Counts checks; prints every failure with what differed."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, cond, what, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s%s" % (what, (": " + detail) if detail else ""))
        return cond

    def exact(self, what, ours, ref):
        if same_values(ours, ref):
            return self.ok(True, what)
        a = np.asarray(ours, dtype=np.float32).reshape(-1)
        b = np.asarray(ref, dtype=np.float32).reshape(-1)
        detail = "ours %s, PyTorch %s" % (fmt(a), fmt(b))
        if a.shape == b.shape:
            bad = np.nonzero(~((a == b) | (np.isnan(a) & np.isnan(b))))[0]
            i = int(bad[0])
            detail += "; %d of %d differ, first at %d: %r vs %r" % (
                bad.size, a.size, i, float(a[i]), float(b[i]))
        return self.ok(False, what, detail)

    def close(self, what, ours, ref, rtol, atol=0.0):
        a = np.asarray(ours, dtype=np.float64)
        b = np.asarray(ref, dtype=np.float64)
        if a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol):
            return self.ok(True, what)
        if a.shape != b.shape:
            return self.ok(False, what, "shape %s vs %s" % (a.shape, b.shape))
        err = np.abs(a - b)
        i = int(np.argmax(err - rtol * np.abs(b)))
        return self.ok(False, what, "max abs error %g; at flat index %d ours %r, PyTorch %r "
                       "(rtol %g, atol %g)" % (err.max(), i, a.reshape(-1)[i], b.reshape(-1)[i],
                                              rtol, atol))

    def error(self, what, exc):
        self.failed += 1
        print("FAIL %s: %s" % (what, exc))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def compare_observers(results, model, ours, torch_roles, counts_ours, counts_torch,
                      qparams=True):
    """Each of our observers against PyTorch's with the same key: min/max
    exactly, and the scale/zero point of activation and weight observers
    exactly; distinct PyTorch observers must be distinct, and the number of
    observers of each kind equal."""
    results.ok(counts_ours == counts_torch, "%s: observers per kind" % model,
               "ours %s, PyTorch %s" % (counts_ours, counts_torch))
    matched = {}
    for entry in ours:
        key = entry["key"]
        what = "%s: %s %s" % (model, key[0], key[1])
        if key not in torch_roles:
            results.ok(False, what, "PyTorch has no such observer (its keys: %s)"
                       % sorted(torch_roles))
            continue
        kind, obs = torch_roles[key]
        if id(obs) in matched:
            results.ok(False, what, "matches the same PyTorch observer as %s" % (matched[id(obs)],))
            continue
        matched[id(obs)] = key
        lo, hi = torch_stats(kind, obs)
        results.exact(what + " min_val", entry["min"], lo)
        results.exact(what + " max_val", entry["max"], hi)
        if qparams and kind in ("act", "weight"):
            scale, zp = torch_qparams(obs)
            results.exact(what + " scale", entry["scale"], scale)
            results.exact(what + " zero_point", entry["zero_point"], zp)
