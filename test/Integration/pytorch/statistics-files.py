# Tests --eqq-calibrate's statistics files on seed models (TwoLayerLinearModel,
# FunctionalLinearAddModel, ConvReluAddModel at 2x3x16x16) with three batches
# A, B, C:
# - merging: stats-out of one run over {A, B, C} equals stats-out of
#   stats-in=a.json,bc.json (shards {A} and {B, C}, in either order) for the
#   min/max observers of the default config: every observer's min_val/max_val,
#   scale and zero point exactly, the batch count, the weights; and the
#   merged module equals the one-run module;
# - stats-in then data: stats-in=a.json data=B,C gives the one-run module;
# - applying: stats-in=abc.json alone gives the one-run module, its
#   observers' min_val/max_val (and histogram) equal to the file's, for
#   min/max, moving-average and histogram observers;
# - the merged statistics equal PyTorch's prepare_fx observers calibrated on
#   A, B, C (matched by role, weights and batches dyadic so that the float
#   layers are exact; see observer-statistics.py).
#
# REQUIRES: torch
# RUN: %python %s %t

import copy
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

from torch_ref import (  # noqa: E402
    DEFAULT_EQUALIZATION_QCONFIG_DICT, SEED_MODELS, SPECIFIC_QCONFIG_DICT, Results, ToolError,
    compare_observers, count_our_observers, count_torch_observers, dyadic, dyadic_uniform,
    eq_opt, exact_float_model, export_module, f32, load_stats, map_float_tensors,
    observer_roles, same_values, torch_observer_roles)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

MODELS = [("TwoLayerLinearModel", (5, 5)), ("FunctionalLinearAddModel", (5, 5)),
          ("ConvReluAddModel", (2, 3, 16, 16))]
RANGES = [(0.0, 1.0), (-0.75, 0.5), (-0.25, 2.0)]
# Configs for "applying" beyond the default (minmax everywhere).
OTHER = {"moving_average": {"observer": "moving_average_minmax", "averaging_constant": 0.3,
                            "dtype": "quint8", "qscheme": "per_tensor_affine"},
         "histogram": {"observer": "histogram", "bins": 512, "dtype": "quint8",
                       "qscheme": "per_tensor_affine"}}

_STATS_ATTR = re.compile(r"\b(min_val|max_val|histogram) = array<f32: ([^>]*)>")


def ir_statistics(path):
    """The statistics attributes of the observers of a printed module, in
    order: [(op line's observer kind, {attr: float32 array})]."""
    result = []
    with open(path) as f:
        for line in f:
            m = re.search(r"= (eqq\.\w+_observer)\b", line)
            if not m:
                continue
            attrs = {}
            for name, body in _STATS_ATTR.findall(line):
                # Decimal, or the bits in hex for non-finite values.
                attrs[name] = np.array(
                    [np.array(int(v, 16), dtype=np.uint32).view(np.float32)
                     if v.startswith("0x") else np.float32(v)
                     for v in (v.strip() for v in body.split(","))], dtype=np.float32)
            result.append((m.group(1), attrs))
    return result


def calibrate(model_file, output, config=None, **options):
    prepare = "--eqq-prepare" + ("=config=" + config if config else "")
    opts = " ".join("%s=%s" % (k.replace("_", "-"), ",".join(v)) for k, v in options.items())
    eq_opt(model_file, prepare, "--eqq-calibrate=" + opts, "-o", output)


def read(path):
    with open(path) as f:
        return f.read()


def compare_stats_files(what, ours, ref):
    """Two stats files: header, every observer's statistics and qparams."""
    a, b = load_stats(ours), load_stats(ref)
    results.ok(a["batches"] == b["batches"], what + ": batches",
               "%s vs %s" % (a["batches"], b["batches"]))
    for section in ("observers", "weights"):
        if not results.ok(len(a[section]) == len(b[section]), "%s: %s" % (what, section),
                          "%d vs %d" % (len(a[section]), len(b[section]))):
            continue
        for i, (x, y) in enumerate(zip(a[section], b[section])):
            results.ok(x.keys() == y.keys() and x.get("op") == y.get("op"),
                       "%s: %s %d: keys" % (what, section, i), "%s vs %s" % (x, y))
            for key in ("min_val", "max_val", "scale", "zero_point", "histogram"):
                if key in x and key in y:
                    results.exact("%s: %s %d %s" % (what, section, i, key),
                                  f32(x[key]), f32(y[key]))


def compare_modules(what, ours, ref):
    """Two calibrated modules: the same text, and so the same statistics."""
    sa, sb = ir_statistics(ours), ir_statistics(ref)
    same = len(sa) == len(sb) and all(
        ka == kb and a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
        for (ka, a), (kb, b) in zip(sa, sb))
    results.ok(same, what + ": observer statistics in the IR",
               "\n  ours: %s\n  one run: %s" % (sa, sb))
    results.ok(read(ours) == read(ref), what + ": module text")


def compare_file_and_module(what, stats, module):
    """The IR's observers hold the file's statistics (act/input_eq then
    weights, each in program order)."""
    s = load_stats(stats)
    entries = s["observers"] + s["weights"]
    ir = ir_statistics(module)
    calibrated = [a for k, a in ir if k in ("eqq.act_observer", "eqq.input_eq_observer")]
    weights = [a for k, a in ir if k in ("eqq.weight_observer", "eqq.weight_eq_observer")]
    if not results.ok(len(calibrated) + len(weights) == len(entries), what + ": observers",
                      "%d in the IR, %d in the file" % (len(ir), len(entries))):
        return
    for i, (e, attrs) in enumerate(zip(entries, calibrated + weights)):
        for key in ("min_val", "max_val", "histogram"):
            if key in e:
                results.exact("%s: observer %d %s" % (what, i, key), attrs.get(key, []),
                              f32(e[key]))


results = Results()
gen = torch.Generator().manual_seed(11)
for i, (name, shape) in enumerate(MODELS):
    torch.manual_seed(i)
    model = map_float_tensors(SEED_MODELS[name][0]().eval(), dyadic)
    batches = [dyadic_uniform(shape, lo, hi, 2.0 ** -5, gen) for lo, hi in RANGES]
    if not results.ok(exact_float_model(model, batches), "%s: setup" % name,
                      "float32 forward is not exact; use fewer significant bits"):
        continue
    b = os.path.join(out, name)
    with open(b + ".mlir", "w") as f:
        f.write(export_module(model, (batches[0],)))
    for k, t in enumerate(batches):
        np.save("%s.%s.npy" % (b, "ABC"[k]), t.numpy())
    A, B, C = ["%s.%s.npy" % (b, c) for c in "ABC"]
    try:
        calibrate(b + ".mlir", b + ".abc.mlir", data=[A, B, C], stats_out=[b + ".abc.json"])
        calibrate(b + ".mlir", b + ".a.mlir", data=[A], stats_out=[b + ".a.json"])
        calibrate(b + ".mlir", b + ".bc.mlir", data=[B, C], stats_out=[b + ".bc.json"])
        calibrate(b + ".mlir", b + ".m.mlir", stats_in=[b + ".a.json", b + ".bc.json"],
                  stats_out=[b + ".m.json"])
        calibrate(b + ".mlir", b + ".m2.mlir", stats_in=[b + ".bc.json", b + ".a.json"],
                  stats_out=[b + ".m2.json"])
        calibrate(b + ".mlir", b + ".ad.mlir", stats_in=[b + ".a.json"], data=[B, C])
        calibrate(b + ".mlir", b + ".s.mlir", stats_in=[b + ".abc.json"])
    except ToolError as e:
        results.error(name, e)
        continue
    compare_stats_files(name + ": merge a + bc", b + ".m.json", b + ".abc.json")
    compare_stats_files(name + ": merge bc + a", b + ".m2.json", b + ".abc.json")
    compare_modules(name + ": merge a + bc", b + ".m.mlir", b + ".abc.mlir")
    compare_modules(name + ": merge bc + a", b + ".m2.mlir", b + ".abc.mlir")
    compare_modules(name + ": stats-in a, data B, C", b + ".ad.mlir", b + ".abc.mlir")
    compare_modules(name + ": stats-in abc", b + ".s.mlir", b + ".abc.mlir")
    compare_file_and_module(name + ": abc.json in the module", b + ".abc.json", b + ".s.mlir")

    # The merged statistics are PyTorch's over A, B, C.
    prepared = prepare_fx(copy.deepcopy(model), SPECIFIC_QCONFIG_DICT,
                          example_inputs=(batches[0],),
                          _equalization_config=DEFAULT_EQUALIZATION_QCONFIG_DICT)
    with torch.no_grad():
        for t in batches:
            prepared(t)
    roles = torch_observer_roles(prepared)
    try:
        eq_opt(b + ".mlir", "--eqq-prepare", "--eqq-calibrate=stats-in=%s,%s" % (
            b + ".a.json", b + ".bc.json"), "--mlir-print-debuginfo", "--mlir-print-local-scope",
            "-o", b + ".m.debug.mlir")
        ours = observer_roles(read(b + ".m.debug.mlir"), load_stats(b + ".m.json"))
    except (ToolError, ValueError) as e:
        results.error(name + ": merged vs PyTorch", e)
        continue
    compare_observers(results, name + ": merged vs PyTorch", ours, roles,
                      count_our_observers(ours), count_torch_observers(prepared, roles))

    # Applying moving-average and histogram statistics.
    for kind, act in OTHER.items():
        entry = {"activation": act, "weight": {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}}
        config = {"qconfig": {"object_type": {t: entry for t in ("linear", "conv2d", "relu")}},
                  "equalization": {"object_type": {"linear": "default", "conv2d": "default"}}}
        cfg = "%s.%s.json" % (b, kind)
        with open(cfg, "w") as f:
            json.dump(config, f)
        try:
            calibrate(b + ".mlir", "%s.%s.abc.mlir" % (b, kind), config=cfg, data=[A, B, C],
                      stats_out=["%s.%s.abc.json" % (b, kind)])
            calibrate(b + ".mlir", "%s.%s.s.mlir" % (b, kind), config=cfg,
                      stats_in=["%s.%s.abc.json" % (b, kind)])
        except ToolError as e:
            results.error("%s, %s" % (name, kind), e)
            continue
        compare_modules("%s, %s: stats-in abc" % (name, kind), "%s.%s.s.mlir" % (b, kind),
                        "%s.%s.abc.mlir" % (b, kind))
        compare_file_and_module("%s, %s: abc.json in the module" % (name, kind),
                                "%s.%s.abc.json" % (b, kind), "%s.%s.s.mlir" % (b, kind))
results.finish()
