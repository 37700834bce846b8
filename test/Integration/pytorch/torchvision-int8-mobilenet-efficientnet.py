# Tests the int8 outputs of torchvision 0.14's mobilenet_v2,
# mobilenet_v3_small and efficientnet_b0 against PyTorch 1.13's onednn
# convert_fx, as torchvision-int8-resnet-squeezenet.py does: depthwise
# convs, relu6, hardswish, squeeze-and-excitation (adaptive average pooling,
# hardsigmoid or sigmoid, broadcasting mul), SiLU (float in both), inverted
# residual adds.
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_int8.py %t mobilenet_v2:32 mobilenet_v3_small:32 efficientnet_b0:32 | FileCheck %s
# CHECK: ok   mobilenet_v2 32x32 minmax:
# CHECK: ok   mobilenet_v2 32x32 onednn:
# CHECK: ok   mobilenet_v3_small 32x32 minmax:
# CHECK: ok   mobilenet_v3_small 32x32 onednn:
# CHECK: ok   efficientnet_b0 32x32 minmax:
# CHECK: ok   efficientnet_b0 32x32 onednn:
