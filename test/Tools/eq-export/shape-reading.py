# Tests that models reading the shapes of traced tensors export and compute
# what PyTorch computes: `n, c, h, w = x.shape`, `x.size()` unpacked,
# `x.dim()` / `ndim` in a torch._assert and an if (plain symbolic_trace fails
# on each), a size read after a chain of 400 layers, and chunk / split /
# unbind pieces indexed and unpacked;
# torchvision's ShuffleNetV2 (channel shuffle) and VisionTransformer (the
# vit_b_16 class) at small sizes (Inputs/shape_models.py). Two spellings,
# eq-run vs PyTorch (rtol 1e-4, atol 1e-5 * max|expected|, see
# Inputs/eq_run.py).
#
# REQUIRES: torchvision
# RUN: %python %s

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, os.path.join(here, "Inputs"))

from shape_models import SHAPE_MODELS  # noqa: E402
from eq_run import check_models  # noqa: E402

VARIANTS = [dict(bias="init", resource_threshold=64),
            dict(bias="add", linear_spelling="transpose_op", resource_threshold=None)]

sys.exit(check_models(SHAPE_MODELS, VARIANTS, "shape-reading"))
