# Tests that the CNN ops eq_export handles (batch norm in eval mode, max, avg
# and adaptive avg pooling, mean, grouped and depthwise convs, relu6 /
# hardtanh / clamp, hardswish, hardsigmoid, sigmoid, silu, squeeze-and-
# excitation's broadcasting mul, cat, nested Sequentials) compute what PyTorch
# computes: each small model (Inputs/cnn_models.py) is exported in two
# spellings and run in eq-run on inputs spread over [-4, 4], and its results
# are compared with PyTorch's (rtol 1e-4, atol 1e-5 * max|expected|, see
# Inputs/eq_run.py).
#
# RUN: %python %s

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, os.path.join(here, "Inputs"))

from cnn_models import CNN_MODELS  # noqa: E402
from eq_run import check_models  # noqa: E402

VARIANTS = [dict(bias="init", resource_threshold=64), dict(bias="add", resource_threshold=None)]

sys.exit(check_models(CNN_MODELS, VARIANTS, "CNN"))
