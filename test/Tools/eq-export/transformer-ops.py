# Tests that the transformer ops eq_export handles (layer norm over one and
# two axes, with and without affine, GELU's erf and tanh forms, tanh, softmax
# along the last and a middle axis, matmul / bmm / @ of two tensors with
# broadcast batch axes, transpose / permute / t, slicing with steps, an
# Ellipsis and integers) compute what PyTorch computes: attention written
# out, post- and pre-norm encoder layers, a two-layer BERT-style encoder with
# a pooler, an MLP-Mixer block, the single ops, and PyTorch's own
# nn.TransformerEncoderLayer (post-norm ReLU sequence-first, pre-norm GELU
# batch-first), nn.TransformerEncoder and nn.MultiheadAttention with kdim /
# vdim, which the exporter writes out (Inputs/transformer_models.py), are
# exported in two spellings and run in eq-run on inputs spread over
# [-4, 4], and their results are compared with PyTorch's (rtol 1e-4, atol
# 1e-5 * max|expected|, see Inputs/eq_run.py).
#
# RUN: %python %s

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, os.path.join(here, "Inputs"))

from transformer_models import TRANSFORMER_MODELS  # noqa: E402
from eq_run import check_models  # noqa: E402

VARIANTS = [dict(bias="init", resource_threshold=64),
            dict(bias="add", linear_spelling="transpose_op", resource_threshold=None)]

sys.exit(check_models(TRANSFORMER_MODELS, VARIANTS, "transformer"))
