# Tests that --eqq-prepare + --eqq-calibrate record exactly the statistics
# PyTorch's prepare_fx observers record, for every seed model (the 20
# common_quantization models, the two branching models, the selective model)
# at the seed's input sizes, with the seed's specific_qconfig_dict and
# default_equalization_qconfig_dict (EqQuant's built-in default config), over
# three calibration batches: every activation observer (MinMaxObserver), input
# equalization observer (_InputEqualizationObserver.input_obs), weight
# equalization observer and weight observer, min_val and max_val bit for bit,
# and the scale and zero point of activation and weight observers.
#
# Observers are matched by role, not by position (see torch_ref.py,
# observer_roles and torch_observer_roles): ("act_in", L) is the activation
# observer on layer L's input, ("act_out", L) the one on its output (after a
# fused relu), ("input_eq", L), ("weight_eq", L), ("weight", L) L's
# equalization and weight observers; layers are named by module path or fx
# node name on both sides. Both put an input's activation observer before
# its equalization observer (x -> act -> input_eq -> L), but PyTorch orders
# the weight observers of a functional layer weight_obs -> weight_eq_obs
# where EqQuant has weight_eq -> weight, PyTorch's weight (and weight
# equalization) observers of nn.Linear/nn.Conv2d exist only at convert time
# (built here as convert builds them), and a shared observer (L1's output
# that L2 reads, or one input read by two layers) has the keys of both layers
# in PyTorch and the key of the layer it was inserted for in EqQuant. So each
# of ours is looked up by its key, no two of ours may match the same one of
# PyTorch's, and the number of observers of each kind must be equal.
#
# Exact comparison needs both sides to observe the same bits, but PyTorch's
# and EqQuant's matmuls and convs sum in different orders. So weights, biases
# and batches are rounded to a few significant bits (dyadic values): every
# product and partial sum of these models is then exact in float32 whatever
# the order (exact_float_model checks a bound on each layer first).
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
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402

from torch_ref import (  # noqa: E402
    DEFAULT_EQUALIZATION_QCONFIG_DICT, SEED_MODELS, SPECIFIC_QCONFIG_DICT, Results,
    compare_observers, count_our_observers, count_torch_observers, dyadic, dyadic_uniform,
    eq_opt, exact_float_model, export_module, load_stats, map_float_tensors, observer_roles,
    torch_observer_roles)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# Three batches per input shape, shared by the models of that shape, with
# different ranges so that the running min and max move.
RANGES = [(0.0, 1.0), (-0.5, 0.75), (-0.25, 1.5)]
gen = torch.Generator().manual_seed(7)
batches = {}
for _, shape, _ in SEED_MODELS.values():
    if shape in batches:
        continue
    tensors = [dyadic_uniform(shape, lo, hi, 2.0 ** -5, gen) for lo, hi in RANGES]
    files = []
    for k, t in enumerate(tensors):
        files.append(os.path.join(out, "batch_%s_%d.npy" % ("x".join(map(str, shape)), k)))
        np.save(files[-1], t.numpy())
    batches[shape] = (tensors, files)


def calibrate(base, files):
    """Ours: prepare (default config = the seed's), calibrate, stats-out."""
    eq_opt(base + ".mlir", "--eqq-prepare",
           "--eqq-calibrate=data=%s stats-out=%s" % (",".join(files), base + ".stats.json"),
           "--mlir-print-debuginfo", "--mlir-print-local-scope", "-o", base + ".prepared.mlir")


results = Results()
pool = ThreadPoolExecutor(2)
jobs = []
for i, (name, (factory, shape, _)) in enumerate(SEED_MODELS.items()):
    torch.manual_seed(i)
    model = map_float_tensors(factory().eval(), dyadic)
    tensors, files = batches[shape]
    if not results.ok(exact_float_model(model, tensors), "%s: setup" % name,
                      "float32 forward is not exact; use fewer significant bits"):
        continue
    base = os.path.join(out, name)
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (tensors[0],)))
    jobs.append((name, model, tensors, base, pool.submit(calibrate, base, files)))

for name, model, tensors, base, job in jobs:
    start = time.time()
    prepared = prepare_fx(copy.deepcopy(model), SPECIFIC_QCONFIG_DICT,
                          example_inputs=(tensors[0],),
                          _equalization_config=DEFAULT_EQUALIZATION_QCONFIG_DICT)
    with torch.no_grad():
        for t in tensors:
            prepared(t)
    roles = torch_observer_roles(prepared)
    torch_seconds = time.time() - start
    try:
        job.result()
        with open(base + ".prepared.mlir") as f:
            ours = observer_roles(f.read(), load_stats(base + ".stats.json"))
    except Exception as e:  # eq-opt failed or its output is not as expected
        results.error(name, e)
        continue
    print("%-40s %d observers (PyTorch %.2f s)" % (name, len(ours), torch_seconds))
    compare_observers(results, name, ours, roles, count_our_observers(ours),
                      count_torch_observers(prepared, roles))
results.finish()
