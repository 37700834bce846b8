"""PyTorch 1.13 qconfig dicts of the seed test (test_equalize_fx.py), the
PyTorch side of EqQuant's built-in default configuration: linear, conv and
relu quantized with default_qconfig, and equalized with
default_equalization_qconfig. For prepare_fx(qconfig_dict,
_equalization_config=...)."""

import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import default_qconfig
from torch.ao.quantization.fx._equalize import default_equalization_qconfig

_OPS = [nn.Linear, F.linear, nn.ReLU, F.relu, nn.Conv2d, F.conv2d]

# specific_qconfig_dict
SPECIFIC_QCONFIG_DICT = {"": None, "object_type": [(op, default_qconfig) for op in _OPS]}
# default_equalization_qconfig_dict
DEFAULT_EQUALIZATION_QCONFIG_DICT = {
    "": None, "object_type": [(op, default_equalization_qconfig) for op in _OPS]}
