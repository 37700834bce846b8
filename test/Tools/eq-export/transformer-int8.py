# Tests that PyTorch's nn.TransformerEncoder (two post-norm layers with GELU,
# batch first, a final norm), as eq_export writes it out, goes through
# --eqq-prepare, --eqq-calibrate and --eqq-convert: each of its 12 linears
# (the q, k, v split of in_proj and out_proj included) is quantized and runs
# as int8 with an SQNR above 20 dB against the float model in eq-run, while
# layer norm, softmax, GELU and the products of two activations stay float
# (so no other layer appears in the report).
#
# RUN: %python %s %t

import json
import os
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, os.path.join(here, "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from eq_export import export_module  # noqa: E402
from transformer_models import TRANSFORMER_MODELS  # noqa: E402

out = sys.argv[1]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
factory, shapes = TRANSFORMER_MODELS["torch_encoder"]
torch.manual_seed(0)
model = factory().eval()
batches = [torch.randn(*shapes[0]) for _ in range(4)]
with open(os.path.join(out, "m.mlir"), "w") as f:
    f.write(export_module(model, (batches[0],)))
paths = []
for i, x in enumerate(batches):
    paths.append(os.path.join(out, "x%d.npy" % i))
    np.save(paths[-1], x.numpy())

opt = subprocess.run(["eq-opt", os.path.join(out, "m.mlir"), "--eqq-prepare",
                      "--eqq-calibrate=data=" + ",".join(paths[1:]), "--eqq-convert",
                      "-o", os.path.join(out, "q.mlir")], capture_output=True, text=True)
if opt.returncode:
    sys.exit("eq-opt failed:\n" + opt.stderr[-3000:])
run = subprocess.run(["eq-run", "--compare", os.path.join(out, "m.mlir"),
                      os.path.join(out, "q.mlir"), "--input", paths[0], "--json"],
                     capture_output=True, text=True)
if run.returncode:
    sys.exit("eq-run --compare failed:\n" + run.stderr[-3000:])
layers = {entry["name"]: entry["sqnr_db"] for entry in json.loads(run.stdout)["layers"]}
want = ["layers.%d.%s" % (i, n) for i in range(2)
        for n in ("self_attn.q", "self_attn.k", "self_attn.v", "self_attn.out_proj",
                  "linear1", "linear2")]
for name, sqnr in sorted(layers.items()):
    print("%-28s %.2f dB" % (name, sqnr))
if sorted(layers) != sorted(want):
    sys.exit("quantized layers %s, expected %s" % (sorted(layers), sorted(want)))
low = {n: s for n, s in layers.items() if not s > 20.0}
if low:
    sys.exit("SQNR at or below 20 dB: %s" % low)
print("12 of 12 linears int8, SQNR %.1f-%.1f dB" % (min(layers.values()), max(layers.values())))
