"""The models of the seed test (PyTorch's test_equalize_fx.py): the 20
common_quantization models of test_input_weight_equalization_convert, the two
branching models of test_input_weight_equalization_branching and the model of
test_selective_equalization, with the seed's input shapes.

SEED_MODELS maps a name to (factory, input shape, small input shape)."""

import os
import sys

import torch
import torch.nn as nn

try:
    import expecttest  # noqa: F401
except ImportError:
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "stub"))

# common_utils parses sys.argv when imported; keep the caller's arguments away.
_argv = sys.argv
sys.argv = [_argv[0]]
try:
    import torch.testing._internal.common_quantization as cq
finally:
    sys.argv = _argv

from torch.testing._internal.common_quantization import (  # noqa: E402,F401
    SingleLayerLinearModel, TwoLayerLinearModel, LinearAddModel,
    SingleLayerFunctionalLinearModel, TwoLayerFunctionalLinearModel, FunctionalLinearAddModel,
    ConvModel, TwoLayerConvModel, SingleLayerFunctionalConvModel, TwoLayerFunctionalConvModel,
    LinearReluModel, LinearReluLinearModel, LinearReluAddModel,
    FunctionalLinearReluModel, FunctionalLinearReluLinearModel,
    ConvReluModel, ConvReluConvModel, ConvReluAddModel,
    FunctionalConvReluModel, FunctionalConvReluConvModel)


class TestBranchingWithoutEqualizationModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(5, 5)
        self.linear2 = nn.Linear(5, 5)

    def forward(self, x):
        y = self.linear1(x)
        z = self.linear2(x)
        return torch.add(y, z)


class TestBranchingWithEqualizationModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(5, 5)

    def forward(self, x):
        y = self.linear1(x)
        z = torch.add(x, 5)
        return torch.add(y, z)


class SelectiveModel(nn.Module):
    """test_selective_equalization's M."""

    def __init__(self):
        super().__init__()
        self.bot = nn.Sequential(nn.Linear(5, 5))
        self.top = nn.Sequential(nn.Linear(5, 5))

    def forward(self, x):
        x = self.bot(x)
        x = torch.add(x, 5)
        x = self.top(x)
        return x


LINEAR = (5, 5)
CONV = (16, 3, 224, 224)
CONV_SMALL = (1, 3, 8, 8)

SEED_MODELS = {}
for _name in ["SingleLayerLinearModel", "LinearAddModel", "TwoLayerLinearModel",
              "SingleLayerFunctionalLinearModel", "FunctionalLinearAddModel",
              "TwoLayerFunctionalLinearModel", "LinearReluModel", "LinearReluLinearModel",
              "LinearReluAddModel", "FunctionalLinearReluModel", "FunctionalLinearReluLinearModel"]:
    SEED_MODELS[_name] = (getattr(cq, _name), LINEAR, LINEAR)
for _name in ["ConvModel", "TwoLayerConvModel", "SingleLayerFunctionalConvModel",
              "TwoLayerFunctionalConvModel", "ConvReluModel", "ConvReluConvModel",
              "ConvReluAddModel", "FunctionalConvReluModel", "FunctionalConvReluConvModel"]:
    SEED_MODELS[_name] = (getattr(cq, _name), CONV, CONV_SMALL)
SEED_MODELS["TestBranchingWithoutEqualizationModel"] = (TestBranchingWithoutEqualizationModel, (1, 5), (1, 5))
SEED_MODELS["TestBranchingWithEqualizationModel"] = (TestBranchingWithEqualizationModel, (1, 5), (1, 5))
SEED_MODELS["SelectiveModel"] = (SelectiveModel, LINEAR, LINEAR)
