# Tests that eq-run computes the seed models as PyTorch does: every model of
# the seed test (the 20 common_quantization models of
# test_input_weight_equalization_convert, the two branching models, the
# selective-equalization model) at the seed's input sizes (linear 5x5, conv
# 16x3x224x224, branching 1x5, the selective test's hard-coded 5x5 input),
# exported with eq_export (the four linear/bias spellings in turn), run float
# with eq-run and compared with the PyTorch module's output (rtol 1e-5, atol
# 1e-6 for values near 0). Prints each model's eq-run time.
#
# REQUIRES: torch
# RUN: %python %s %t

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from torch_ref import (  # noqa: E402
    EXPORT_VARIANTS, SEED_MODELS, Results, eq_run, export_module, seed_input)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


results = Results()
for i, (name, (factory, shape, _)) in enumerate(SEED_MODELS.items()):
    torch.manual_seed(i)
    model = factory().eval()
    x = seed_input(name, shape)
    variant = EXPORT_VARIANTS[i % len(EXPORT_VARIANTS)]
    base = os.path.join(out, name)
    try:
        with open(base + ".mlir", "w") as f:
            f.write(export_module(model, (x,), **variant))
        with torch.no_grad():
            ref = model(x).numpy()
        np.save(base + ".x.npy", x.numpy())
        start = time.time()
        eq_run(base + ".mlir", "--input", base + ".x.npy", "--output", base + ".y.npy")
        seconds = time.time() - start
    except Exception as e:  # export, eq-run or PyTorch failed
        results.error(name, e)
        continue
    got = np.load(base + ".y.npy")
    what = "%s %s (%s, bias %s)" % (name, "x".join(map(str, shape)),
                                    variant["linear_spelling"], variant["bias"])
    print("%-40s eq-run %.2f s" % (name, seconds))
    if results.ok(got.dtype == np.float32 and got.shape == ref.shape, what,
                  "result %s %s, PyTorch %s" % (got.dtype, got.shape, ref.shape)):
        results.close(what, got, ref, rtol=1e-5, atol=1e-6)
    for suffix in (".x.npy", ".y.npy"):  # 10-20 MB each for the conv models
        os.remove(base + suffix)
results.finish()
