"""Exports models of seed_models.py, extra_models.py, cnn_models.py and transformer_models.py
with eq_export's API,
in one process:

  export_models.py OUTDIR [--small] [--linear-spelling S] [--bias B]
                   [--resource-threshold N] NAME...

writes OUTDIR/NAME.mlir for each NAME (a key of SEED_MODELS, EXTRA_MODELS, CNN_MODELS or
TRANSFORMER_MODELS;
NAME:DxDx... gives a single-input model another input shape; an input
given as a function, ids or a mask, is made by it),
after torch.manual_seed(0). --small uses the seed models' small conv input
1x3x8x8; --resource-threshold -1 keeps every constant inline."""

import argparse
import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, here)

from cnn_models import CNN_MODELS  # noqa: E402
from eq_export import export_module  # noqa: E402
from extra_models import EXTRA_MODELS  # noqa: E402
from seed_models import SEED_MODELS  # noqa: E402
from transformer_models import TRANSFORMER_MODELS  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("outdir")
p.add_argument("names", nargs="+")
p.add_argument("--small", action="store_true")
p.add_argument("--linear-spelling", default="transposed_b")
p.add_argument("--bias", default="init")
p.add_argument("--resource-threshold", type=int, default=64)
args = p.parse_args()
os.makedirs(args.outdir, exist_ok=True)
for spec in args.names:
    name, _, shape_text = spec.partition(":")
    if name in SEED_MODELS:
        factory, shape, small = SEED_MODELS[name]
        shapes = [small if args.small else shape]
    elif name in EXTRA_MODELS:
        factory, shapes = EXTRA_MODELS[name]
    elif name in TRANSFORMER_MODELS:
        factory, shapes = TRANSFORMER_MODELS[name]
    else:
        factory, shapes = CNN_MODELS[name]
    if shape_text:
        shapes = [tuple(int(d) for d in shape_text.split("x"))]
    torch.manual_seed(0)
    m = factory().eval()
    xs = tuple(s() if callable(s) else torch.rand(s) for s in shapes)
    text = export_module(m, xs, linear_spelling=args.linear_spelling, bias=args.bias,
                         resource_threshold=None if args.resource_threshold < 0 else args.resource_threshold)
    with open(os.path.join(args.outdir, name + ".mlir"), "w") as f:
        f.write(text)
