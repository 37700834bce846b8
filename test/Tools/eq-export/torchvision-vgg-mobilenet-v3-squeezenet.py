# Tests that torchvision 0.14's vgg11_bn, mobilenet_v3_small and
# squeezenet1_1 (random init, random batch-norm statistics) export and run in
# eq-run equal to PyTorch in float (rtol 1e-4, atol 1e-5 * max|y|): batch
# norm, max pools, a 1 x 1 -> 7 x 7 adaptive average pool (PyTorch's general
# windows) and 123 M classifier weights as dense_resource blobs; depthwise
# convs, hardswish, squeeze-and-excitation with hardsigmoid; fire modules
# (cat), ceil_mode max pools. Input 32 x 32 (see torchvision-resnet50.py).
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_check.py vgg11_bn:32 mobilenet_v3_small:32 squeezenet1_1:32 > %t.txt
# RUN: FileCheck %s < %t.txt
# CHECK: ok   vgg11_bn 32x32: max abs error
# CHECK: ok   mobilenet_v3_small 32x32: max abs error
# CHECK: ok   squeezenet1_1 32x32: max abs error
