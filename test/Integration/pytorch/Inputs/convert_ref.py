"""Helpers of the convert-*.py tests (--eqq-convert against PyTorch 1.13's
_convert_equalization_ref / convert_fx), on top of torch_ref.py.

- Configuration files (write_config: the seed's qconfig, an optional
  "equalization" section) and PyTorch's selective _equalization_config.
- CHAINS: larger random chains (MLP and conv, with and without relu and
  bias, odd sizes), and chain_inputs() to make their data; DEFECT_MODELS:
  models on which PyTorch 1.13's equalization changes the function.
- Reading a converted module: the weight and bias constants of each layer
  (dense or dense_resource), read from the IR text (ParsedModule).
- Feeding PyTorch's statistics to EqQuant: the calibrated observers of a
  prepared module by role (prepared_observers) and a statistics file for
  --eqq-calibrate="stats-in=..." holding PyTorch's observers' min/max
  (write_torch_stats), so that convert is compared on identical inputs;
  act_stats_only for the same model prepared without equalization.
- PyTorch's side: the weights and biases of a GraphModule by layer name
  (torch_layer_params), the equalization scale and fold decision of each
  layer (torch_equalization), the quantum of a converted model's output
  (torch_output_quantum).
"""

import json
import operator
import re

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

from torch.ao.quantization.observer import ObserverBase
from torch.ao.quantization.fx._equalize import (
    _InputEqualizationObserver, _WeightEqualizationObserver, calculate_equalization_scale,
    node_supports_equalization)

from torch_ref import _LAYER_FUNCTIONS, _LAYER_MODULES, observer_keys

# The seed's specific_qconfig_dict in EqQuant's configuration format: a
# configuration file needs it beside its "equalization" section.
SEED_QCONFIG = {"global": None,
                "object_type": {"linear": "default", "conv2d": "default", "relu": "default"}}


def write_config(path, equalization=None, qconfig=None):
    """A configuration file: the seed's qconfig (or `qconfig`) and, when
    given, an "equalization" section (without it nothing is equalized)."""
    config = {"qconfig": qconfig or SEED_QCONFIG}
    if equalization is not None:
        config["equalization"] = equalization
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def torch_equalization_config(module_names):
    """PyTorch's _equalization_config equalizing only `module_names`."""
    from torch.ao.quantization.fx._equalize import default_equalization_qconfig
    return {"": None, "module_name": [(n, default_equalization_qconfig) for n in module_names]}


# --------------------------------------------------------------------------
# Random chains
# --------------------------------------------------------------------------


class _Chain(nn.Module):
    """Layers <prefix>0, <prefix>1, ... applied in turn, with nothing, an
    nn.ReLU module relu<i> ("module") or F.relu ("functional") between them
    (not after the last)."""

    prefix = None

    def __init__(self, layers, relu):
        super().__init__()
        self.n = len(layers)
        self.relu = relu
        for i, layer in enumerate(layers):
            setattr(self, "%s%d" % (self.prefix, i), layer)
            if relu == "module" and i + 1 < self.n:
                setattr(self, "relu%d" % i, nn.ReLU())

    def forward(self, x):
        for i in range(self.n):
            x = getattr(self, "%s%d" % (self.prefix, i))(x)
            if i + 1 < self.n:
                if self.relu == "module":
                    x = getattr(self, "relu%d" % i)(x)
                elif self.relu == "functional":
                    x = F.relu(x)
        return x


class MLPChain(_Chain):
    """Linear layers fc0, fc1, ... of the given sizes; between them (not after
    the last) nothing, nn.ReLU modules relu0, ... ("module") or F.relu
    ("functional")."""

    prefix = "fc"

    def __init__(self, sizes, relu=None, bias=True):
        super().__init__([nn.Linear(sizes[i], sizes[i + 1], bias=bias)
                          for i in range(len(sizes) - 1)], relu)


class ConvChain(_Chain):
    """Conv layers conv0, conv1, ... (nn.Conv1d/2d/3d by `nd`): channels[i] ->
    channels[i + 1] with kernels[i], strides, paddings, dilations; relus
    between them as in MLPChain."""

    prefix = "conv"

    def __init__(self, channels, kernels, strides=None, paddings=None, dilations=None,
                 relu=None, bias=True, nd=2):
        n = len(channels) - 1
        conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[nd]
        super().__init__([conv(channels[i], channels[i + 1], kernels[i],
                               stride=(strides or [1] * n)[i], padding=(paddings or [0] * n)[i],
                               dilation=(dilations or [1] * n)[i], bias=bias)
                          for i in range(n)], relu)



def spread_weights(model, generator):
    """Multiplies the input columns of every layer's weight by factors
    2^U(-2, 2), so that the columns' ranges differ and equalization has
    something to do (default initializations give nearly equal ranges)."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                c = mod.weight.shape[1]
                f = 2.0 ** (torch.rand(c, generator=generator) * 4 - 2)
                mod.weight.mul_(f.reshape([1, c] + [1] * (mod.weight.dim() - 2)))
    return model


# name: (factory, input shape). Sizes 7, 13, 33; batches and spatial sizes odd.
CHAINS = {
    "MLP[7,13,33,7]+relu+bias": (lambda: MLPChain([7, 13, 33, 7], "module", True), (11, 7)),
    "MLP[13,33,7,13]": (lambda: MLPChain([13, 33, 7, 13], None, False), (9, 13)),
    "MLP[33,7,13]+F.relu": (lambda: MLPChain([33, 7, 13], "functional", False), (5, 33)),
    "MLP[7,33,13,33,7]+bias": (lambda: MLPChain([7, 33, 13, 33, 7], None, True), (13, 7)),
    "Conv[3,7,13,5]+relu+bias": (
        lambda: ConvChain([3, 7, 13, 5], [3, 3, 1], strides=[1, 2, 1], paddings=[0, 1, 0],
                          relu="module", bias=True), (2, 3, 17, 17)),
    "Conv[3,13,7]": (
        lambda: ConvChain([3, 13, 7], [3, 1], dilations=[2, 1], bias=False), (1, 3, 13, 13)),
    "Conv[5,33,7]+F.relu": (
        lambda: ConvChain([5, 33, 7], [1, 3], paddings=[1, 0], relu="functional", bias=False),
        (3, 5, 11, 9)),
    "Conv[3,7,13,7]+bias": (
        lambda: ConvChain([3, 7, 13, 7], [3, 3, 3], paddings=[1, 0, 1], bias=True),
        (1, 3, 15, 13)),
}


def chain_inputs(shape, count, generator):
    """`count` batches: uniform values in [-0.5, 1.5) times a factor per
    channel (axis 1) of 2^U(-2, 2), the same factors for every batch."""
    c = shape[1]
    f = (2.0 ** (torch.rand(c, generator=generator) * 4 - 2)).reshape(
        [1, c] + [1] * (len(shape) - 2))
    return [(torch.rand(shape, generator=generator) * 2 - 0.5) * f for _ in range(count)]


# --------------------------------------------------------------------------
# Reading EqQuant's IR
# --------------------------------------------------------------------------

_DEF_RE = re.compile(r'^\s*(%[\w.$\-]+) = ([\w.]+)\b(.*)$')
_INS_RE = re.compile(r'\bins\(([^:)]*)')
_OUTS_RE = re.compile(r'\bouts\(([^:)]*)')
_LOC_RE = re.compile(r'\bloc\("([^"]*)"\)\s*$')
_CONST_RE = re.compile(r'^\s*(dense(?:_resource)?)<(.*)>\s*:\s*tensor<([^>]*)>')
_RESOURCE_RE = re.compile(r'^\s*"?([^":\s]+)"?\s*:\s*"0x([0-9A-Fa-f]*)"')
_NUMBER_RE = re.compile(r'0x[0-9A-Fa-f]+|[-+]?(?:inf|nan|\d+\.?\d*(?:[eE][-+]?\d+)?)')


def _operands(regex, rest):
    m = regex.search(rest)
    return [v.strip() for v in m.group(1).split(",")] if m else []


def _shape(type_body):
    return tuple(int(d) for d in type_body.split("x")[:-1])


def _number(tok):
    if tok.lower().startswith("0x"):
        return np.array([int(tok, 16)], dtype="<u4").view("<f4")[0]
    return np.float32(float(tok))


_LOC_ALIAS_RE = re.compile(r'^(#loc\d*) = (loc\(.*\))\s*$', re.M)


def resolve_locs(text):
    """`text` (printed with --mlir-print-debuginfo) with every location alias
    `loc(#locN)` replaced by its definition, e.g. `loc("fc1")`. (Printing
    with --mlir-print-local-scope instead would drop the dialect_resources
    section: dense_resource weights would lose their data when read back.)"""
    aliases = dict(_LOC_ALIAS_RE.findall(text))
    return re.sub(r'loc\((#loc\d*)\)', lambda m: aliases.get(m.group(1), m.group(0)), text)


class ParsedModule:
    """The top-level SSA definitions of a printed module (printed with
    --mlir-print-debuginfo, so that layers carry their NameLoc), its resource
    blobs, and its layers by name.

    Values defined in nested regions (linalg.generic bodies) are numbered
    after every value of the enclosing block by MLIR's printer, so the names
    of the function body are unique; only the first definition of a name is
    kept."""

    def __init__(self, text):
        self.defs = {}     # name -> (op, rest of the line)
        self.users = {}    # name -> [names of the ops reading it through ins()]
        self.layers = {}   # layer name -> ssa name of its matmul/conv
        self.resources = {}
        in_resources = False
        for line in resolve_locs(text).splitlines():
            if line.startswith("{-#"):
                in_resources = True
                continue
            if in_resources:
                m = _RESOURCE_RE.match(line)
                if m:
                    self.resources[m.group(1)] = m.group(2)
                continue
            m = _DEF_RE.match(line)
            if not m or m.group(1) in self.defs:
                continue
            name, op, rest = m.groups()
            self.defs[name] = (op, rest)
            for operand in _operands(_INS_RE, rest):
                self.users.setdefault(operand, []).append(name)
            if op == "linalg.matmul" or op.startswith("linalg.conv_"):
                loc = _LOC_RE.search(rest)
                if loc:
                    self.layers[loc.group(1)] = name

    def constant(self, name):
        """The value of an arith.constant as a float32 array, or None."""
        op, rest = self.defs.get(name, (None, ""))
        if op != "arith.constant":
            return None
        m = _CONST_RE.match(rest)
        if not m:
            return None
        kind, body, ttype = m.groups()
        shape = _shape(ttype)
        if kind == "dense_resource":
            blob = bytes.fromhex(self.resources[body.strip()])
            return np.frombuffer(blob[4:], dtype="<f4").reshape(shape).copy()
        body = body.strip()
        if body.startswith('"0x'):
            return np.frombuffer(bytes.fromhex(body[3:-1]), dtype="<f4").reshape(shape).copy()
        values = np.array([_number(t) for t in _NUMBER_RE.findall(body)], dtype=np.float32)
        if values.size == 1 and int(np.prod(shape)) != 1:
            return np.full(shape, values[0], dtype=np.float32)  # splat
        return values.reshape(shape)

    def _through(self, name, ops):
        """Follows `name` back through ops in `ops` (their first ins operand)."""
        while name in self.defs and self.defs[name][0] in ops:
            name = _operands(_INS_RE, self.defs[name][1])[0]
        return name

    def _bias_constant(self, name):
        """A 1-D constant, directly or through a linalg.broadcast."""
        name = self._through(name, ("linalg.broadcast",))
        c = self.constant(name)
        return c if c is not None and c.ndim == 1 else None

    def layer_params(self, layer):
        """(weight, bias or None) of the named layer as float32 arrays."""
        op_name = self.layers[layer]
        op, rest = self.defs[op_name]
        ins = _operands(_INS_RE, rest)
        w = self.constant(self._through(ins[1], ("linalg.transpose",)))
        if w is None:
            raise ValueError("layer %s: weight %s is not a constant" % (layer, ins[1]))
        # Bias: the broadcast init, or added after by the first user.
        outs = _operands(_OUTS_RE, rest)
        bias = self._bias_constant(outs[0]) if outs else None
        if bias is None:
            for user in self.users.get(op_name, []):
                if self.defs[user][0] not in ("linalg.generic", "linalg.add"):
                    continue
                for operand in _operands(_INS_RE, self.defs[user][1]):
                    if operand != op_name:
                        bias = self._bias_constant(operand)
                break
        return w, bias


# --------------------------------------------------------------------------
# PyTorch's statistics into EqQuant
# --------------------------------------------------------------------------

# The kind and tensor type of an act_observer or input_eq_observer line.
_KIND_TYPE_RE = re.compile(r'= eqq\.\w+ %\S+ (\w+).* : (tensor<[^>]*>) loc\(')


def prepared_observers(prepared_text):
    """The calibrated observers (act_observer, input_eq_observer) of a
    prepared module printed with --mlir-print-debuginfo, in program order (the order of a statistics
    file), each a dict op, kind, type, key; keys as torch_ref.observer_roles
    gives them: ("act_in", L) / ("act_out", L) / ("input_eq", L)."""
    result = []
    for op, key, line in observer_keys(resolve_locs(prepared_text)):
        if op not in ("eqq.act_observer", "eqq.input_eq_observer"):
            continue
        kind, ttype = _KIND_TYPE_RE.search(line).groups()
        if op == "eqq.input_eq_observer":
            kind = "input_equalization"
        result.append({"op": op, "kind": kind, "type": ttype, "key": key})
    return result


def _json_numbers(t):
    out = []
    for v in t.detach().reshape(-1).numpy().astype(np.float32).tolist():
        out.append("nan" if v != v else "inf" if v == float("inf") else
                   "-inf" if v == float("-inf") else v)
    return out


def write_torch_stats(path, observers, torch_roles, function="forward"):
    """A statistics file for --eqq-calibrate="stats-in=PATH" holding, for
    each of EqQuant's calibrated observers, the min/max of the PyTorch
    observer with the same role (float32 values, exact through JSON)."""
    entries = []
    for i, o in enumerate(observers):
        if o["key"] not in torch_roles:
            raise KeyError("PyTorch has no observer %s %s" % o["key"])
        kind, obs = torch_roles[o["key"]]
        if kind == "input_eq":
            lo, hi = obs.get_input_minmax()
        else:
            lo, hi = obs.min_val, obs.max_val
        entries.append({"index": i, "op": o["op"], "kind": o["kind"], "type": o["type"],
                        "min_val": _json_numbers(lo), "max_val": _json_numbers(hi)})
    with open(path, "w") as f:
        json.dump({"format": "eqquant-stats/1", "function": function, "batches": 1,
                   "observers": entries}, f)


# --------------------------------------------------------------------------
# PyTorch's side
# --------------------------------------------------------------------------

def _modules(gm):
    return dict(gm.named_modules(remove_duplicate=False))


def _attr_through_observers(gm, modules, node):
    """The tensor of a get_attr node, looked up through observer nodes."""
    while isinstance(node, torch.fx.Node) and node.op == "call_module" and isinstance(
            modules.get(node.target), (ObserverBase, _WeightEqualizationObserver)):
        node = node.args[0]
    if node is None:
        return None
    if not (isinstance(node, torch.fx.Node) and node.op == "get_attr"):
        raise ValueError("not a get_attr: %r" % (node,))
    value = gm
    for part in node.target.split("."):
        value = getattr(value, part)
    return value


def torch_layer_nodes(gm):
    """(node, layer name) of every linear/conv layer of a GraphModule, named
    as eq_export names them (module path or fx node name)."""
    modules = _modules(gm)
    result = []
    for node in gm.graph.nodes:
        if node.op == "call_module" and isinstance(modules.get(node.target), _LAYER_MODULES):
            result.append((node, node.target))
        elif node.op == "call_function" and node.target in _LAYER_FUNCTIONS:
            result.append((node, node.name))
    return result


def torch_layer_params(gm):
    """{layer name: (weight, bias or None)} of a float GraphModule (after
    prepare_fx or _convert_equalization_ref), as float32 numpy arrays."""
    modules = _modules(gm)
    result = {}
    for node, name in torch_layer_nodes(gm):
        if node.op == "call_module":
            mod = modules[node.target]
            layer = mod[0] if isinstance(mod, nn.Sequential) else mod
            w, b = layer.weight, layer.bias
        else:
            w = _attr_through_observers(gm, modules, node.args[1])
            b = node.args[2] if len(node.args) > 2 else node.kwargs.get("bias")
            b = _attr_through_observers(gm, modules, b) if isinstance(b, torch.fx.Node) else b
        result[name] = (w.detach().numpy().astype(np.float32),
                        None if b is None else b.detach().numpy().astype(np.float32))
    return result


def torch_equalization(prepared, roles):
    """For each layer PyTorch equalizes (a prepared, calibrated GraphModule
    and its torch_observer_roles): {name: dict(scale=calculate_equalization_scale
    of its observers, scaled_min/scaled_max = the input equalization
    observer's calculate_scaled_minmax (the range of the scaled input),
    folded = whether convert_eq_obs drops the multiply (the previous node
    supports equalization or its name contains "relu"))}."""
    modules = _modules(prepared)
    result = {}
    for node in prepared.graph.nodes:
        if not (node.op == "call_module"
                and isinstance(modules.get(node.target), _InputEqualizationObserver)):
            continue
        layer = next(u for u in node.users if node_supports_equalization(u, modules))
        name = layer.target if layer.op == "call_module" else layer.name
        kind, inp = roles[("input_eq", name)]
        kind, wobs = roles[("weight_eq", name)]
        scale = calculate_equalization_scale(inp, wobs)
        inp.set_equalization_scale(scale)
        lo, hi = inp.calculate_scaled_minmax()
        prev = node.args[0].args[0]
        folded = node_supports_equalization(prev, modules) or "relu" in prev.name
        result[name] = {"scale": scale.detach().reshape(-1).numpy().astype(np.float32),
                        "scaled_min": np.float32(lo), "scaled_max": np.float32(hi),
                        "folded": bool(folded)}
    return result


def torch_output_quantum(quantized):
    """The quantum of each output of a convert_fx'ed GraphModule: the scale
    of the quantized tensor its dequantize reads (through ops that share
    their input's qparams), summed over the quantized operands of float
    adds/subs in between (0 for float values)."""
    modules = _modules(quantized)

    def scale_of(node):
        if node.op == "call_module" and hasattr(modules[node.target], "scale"):
            return float(modules[node.target].scale)
        for a in node.args:
            if (isinstance(a, torch.fx.Node) and a.op == "get_attr" and "scale" in a.target
                    and "equalization_scale" not in a.target):
                return float(getattr(quantized, a.target))
        # An op that shares its input's qparams (flatten, pooling, relu):
        # the scale of its input.
        if node.args and isinstance(node.args[0], torch.fx.Node):
            return scale_of(node.args[0])
        raise ValueError("no scale on %s" % node.format_node())

    def quantum(node):
        if not isinstance(node, torch.fx.Node):
            return 0.0
        if node.op == "call_method" and node.target == "dequantize":
            return scale_of(node.args[0])
        if node.op == "call_function" and node.target in (torch.add, torch.sub,
                                                          torch.Tensor.add, torch.Tensor.sub):
            return sum(quantum(a) for a in node.args)
        if node.op == "call_function" and node.target in (operator.add, operator.sub):
            return sum(quantum(a) for a in node.args)
        return 0.0

    out = next(n for n in quantized.graph.nodes if n.op == "output").args[0]
    if isinstance(out, (tuple, list)):
        return [quantum(o) for o in out]
    return [quantum(out)]


# --------------------------------------------------------------------------
# Models on which PyTorch 1.13's equalization changes the function
# (semantics.md, "Known defects of the reference")
# --------------------------------------------------------------------------

class ReluLinearModel(nn.Module):
    """Defect 2: x -> relu -> linear. PyTorch drops fc1's input multiply
    because the previous node's name contains "relu", and nothing folds it."""

    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(5, 7)
        self.fc2 = nn.Linear(7, 5)

    def forward(self, x):
        return self.fc2(self.fc1(self.relu(x)))


class SharedOutputModel(nn.Module):
    """Defect 4: fc1's output feeds fc2 and a float add. PyTorch folds fc2's
    scale into fc1's rows, so the add sees scaled values."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 7)
        self.fc2 = nn.Linear(7, 7)

    def forward(self, x):
        y = self.fc1(x)
        return self.fc2(y) + y


class TorchReluModel(nn.Module):
    """Defect 5: fc1 -> torch.relu -> fc2. PyTorch looks for nn.ReLU/F.relu
    only, so fc1 does not take fc2's scale, while the name "relu" drops fc2's
    input multiply."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 7)
        self.fc2 = nn.Linear(7, 5)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Linear3DModel(nn.Module):
    """Defect 6: linear layers on a 3-D input (features last). PyTorch
    observes axis 1 (3 entries) against 5 weight columns and fails."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 7)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(7, 5)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def _two_layer():
    from torch.testing._internal.common_quantization import TwoLayerLinearModel
    return TwoLayerLinearModel()


# name: (factory, input shape, the layers to equalize (None: the seed's
# default_equalization_qconfig_dict / EqQuant's built-in default), the
# "equalization" section of EqQuant's config, what goes wrong in PyTorch)
DEFECT_MODELS = {
    "ReluLinearModel": (ReluLinearModel, (5, 5), None, None,
                        "defect 2: x -> relu -> linear loses the input scaling"),
    "TwoLayerLinearModel[fc2]": (
        _two_layer, (5, 5), ["fc2"], {"module_name": {"fc2": "default"}},
        "defect 3: fc2 equalized, fc1 not: the scale goes nowhere"),
    "SharedOutputModel": (SharedOutputModel, (5, 5), None, None,
                          "defect 4: the residual add sees fc1's rows scaled"),
    "TorchReluModel": (TorchReluModel, (5, 5), None, None,
                       "defect 5: torch.relu between the layers"),
    "Linear3DModel": (Linear3DModel, (2, 3, 5), None, None,
                      "defect 6: axis 1 of a 3-D linear input"),
}


def act_stats_only(stats_path, out_path):
    """The statistics file of a module prepared with equalization reduced to
    its activation observers: what the same model prepared without
    equalization needs for --eqq-calibrate="stats-in=..." (its activation
    observers see the same values, in the same program order; the input
    equalization observers are gone)."""
    with open(stats_path) as f:
        stats = json.load(f)
    acts = [o for o in stats["observers"] if o["op"] == "eqq.act_observer"]
    for i, o in enumerate(acts):
        o["index"] = i
    stats["observers"] = acts
    stats.pop("weights", None)
    with open(out_path, "w") as f:
        json.dump(stats, f)
    return out_path


def handful(n):
    """How many elements of an n-element output may differ by one quantum."""
    return max(2, n // 100)


def within_one_quantum(results, what, ours_y, ref_y, quantum):
    """Checks that `ours_y` is within one quantum of PyTorch's `ref_y` and
    differs by more than half a quantum on at most handful() elements
    (recorded in `results`, a torch_ref.Results); returns a short summary."""
    if not results.ok(ours_y.shape == ref_y.shape, what, "shape %s vs PyTorch %s"
                      % (ours_y.shape, ref_y.shape)):
        return "shape"
    diff = np.abs(ours_y.astype(np.float64) - ref_y)
    worst = float(diff.max()) / quantum
    differing = int((diff > quantum / 2).sum())
    results.ok(worst <= 1.0 + 1e-4 and differing <= handful(diff.size), what,
               "%d of %d elements differ (at most %d may), the largest by %.3g quanta "
               "(quantum %g); first at flat index %d: ours %r, PyTorch %r"
               % (differing, diff.size, handful(diff.size), worst, quantum,
                  int(np.argmax(diff)), float(ours_y.reshape(-1)[np.argmax(diff)]),
                  float(ref_y.reshape(-1)[np.argmax(diff)])))
    return "%d/%d differ, max %.2g q" % (differing, diff.size, worst)


def save_batches(base, batches):
    """Writes each tensor of `batches` to BASE.<i>.npy; returns the paths."""
    files = []
    for k, t in enumerate(batches):
        files.append("%s.%d.npy" % (base, k))
        np.save(files[-1], t.numpy())
    return files


def torch_int8(model, mapping, batches, x):
    """PyTorch's int8 output on `x` of `model` prepared with `mapping`
    (prepare_fx), calibrated on `batches` and converted (convert_fx), and the
    output's quantum (torch_output_quantum)."""
    import copy
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    prepared = prepare_fx(copy.deepcopy(model), mapping, example_inputs=(batches[0],))
    with torch.no_grad():
        for t in batches:
            prepared(t)
        quantized = convert_fx(prepared)
        return quantized(x).numpy(), torch_output_quantum(quantized)[0]


def onednn_block_vs_pytorch(results, name, model, batches, x, base, layer_names):
    """Runs `model` (exported from its float weights) through EqQuant's
    prepare, calibrate (on `batches`) and convert with {"qconfig": "onednn"},
    and PyTorch's prepare_fx / convert_fx with the onednn mapping (the
    reference histogram observer), and checks in `results`: the SQNR report
    names `layer_names`; every observer has PyTorch's statistics and qparams;
    the int8 outputs on `x` are within one quantum. Files go to BASE.*.
    Returns (observers, summary, int8 module text), or None when a tool
    failed (recorded as an error)."""
    import copy
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    from histogram_ref import reference_mapping
    from torch_ref import (compare_observers, count_our_observers, count_torch_observers,
                           eq_opt, eq_run, export_module, load_stats, observer_roles,
                           torch_observer_roles)
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (batches[0],)))
    files = save_batches(base, list(batches) + [x])
    with open(base + ".json", "w") as f:
        json.dump({"qconfig": "onednn"}, f)
    try:
        eq_opt(base + ".mlir", "--eqq-prepare=config=%s.json" % base,
               "--eqq-calibrate=data=%s stats-out=%s.stats.json"
               % (",".join(files[:-1]), base),
               "--mlir-print-debuginfo", "-o", base + ".calibrated.mlir")
        with open(base + ".prepared.mlir", "w") as f:
            f.write(eq_opt(base + ".calibrated.mlir", "--mlir-print-debuginfo",
                           "--mlir-print-local-scope"))
        with open(base + ".prepared.mlir") as f:
            ours = observer_roles(f.read(), load_stats(base + ".stats.json"))
        eq_opt(base + ".calibrated.mlir", "--eqq-convert", "-o", base + ".int8.mlir")
        eq_run(base + ".int8.mlir", "--input", files[-1], "--output", base + ".y.npy")
        ours_y = np.load(base + ".y.npy")
        report = json.loads(eq_run("--compare", base + ".mlir", base + ".int8.mlir",
                                   "--input", files[-1], "--json"))
    except Exception as e:  # a tool failed
        results.error(name, e)
        return None
    results.ok([l["name"] for l in report["layers"]] == list(layer_names),
               "%s: the SQNR report names the layers %s" % (name, list(layer_names)),
               str(report))
    mapping = reference_mapping(get_default_qconfig_mapping("onednn"))
    prepared = prepare_fx(copy.deepcopy(model), mapping, example_inputs=(batches[0],))
    with torch.no_grad():
        for t in batches:
            prepared(t)
    probe = copy.deepcopy(prepared)
    roles = torch_observer_roles(probe)
    compare_observers(results, name, ours, roles, count_our_observers(ours),
                      count_torch_observers(probe, roles))
    quantized = convert_fx(prepared)
    with torch.no_grad():
        ref_y = quantized(x).numpy()
    quantum = torch_output_quantum(quantized)[0]
    summary = within_one_quantum(results, "%s: int8 output" % name, ours_y, ref_y, quantum)
    diff = np.abs(ours_y.astype(np.float64) - ref_y)
    summary += "; equal on %.4f of elements, within half a quantum on %.4f" % (
        float((diff == 0).mean()), float((diff <= quantum / 2).mean()))
    with open(base + ".int8.mlir") as f:
        return ours, summary, f.read()
