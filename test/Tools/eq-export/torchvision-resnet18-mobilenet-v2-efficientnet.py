# Tests that torchvision 0.14's resnet18, mobilenet_v2 and efficientnet_b0
# (random init, random batch-norm statistics) export and run in eq-run equal
# to PyTorch in float (rtol 1e-4, atol 1e-5 * max|y|): basic blocks;
# inverted residuals with depthwise convs, relu6 and F.adaptive_avg_pool2d;
# silu, squeeze-and-excitation with sigmoid, stochastic depth (eval). Input
# 32 x 32 (see torchvision-resnet50.py).
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_check.py resnet18:32 mobilenet_v2:32 efficientnet_b0:32 > %t.txt
# RUN: FileCheck %s < %t.txt
# CHECK: ok   resnet18 32x32: max abs error
# CHECK: ok   mobilenet_v2 32x32: max abs error
# CHECK: ok   efficientnet_b0 32x32: max abs error
