# Tests the int8 outputs of torchvision 0.14's vgg11_bn (conv + batch norm +
# relu, max pooling, adaptive average pooling to 7 x 7, the linear
# classifier) against PyTorch 1.13's onednn convert_fx, as
# torchvision-int8-resnet-squeezenet.py does.
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_int8.py %t vgg11_bn:32 | FileCheck %s
# CHECK: ok   vgg11_bn 32x32 minmax:
# CHECK: ok   vgg11_bn 32x32 onednn:
