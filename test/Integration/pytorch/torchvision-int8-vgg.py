# Tests the int8 outputs of torchvision 0.14's vgg11_bn (conv + batch norm +
# relu, max pooling, adaptive average pooling to 7 x 7, the linear
# classifier) against PyTorch 1.13's onednn convert_fx, as
# torchvision-int8-resnet-squeezenet.py does.
#
# With min/max observers 19% of the output elements differ, by up to 2
# quanta: the activation ranges differ from PyTorch's by up to 3.7e-6
# relative (float calibration forwards that accumulate in other orders),
# and over 11 layers of values up to 255 quanta that flips roundings near
# ties. With PyTorch's ranges put into EqQuant's recipe (recipe-in), every
# output element equals PyTorch's.
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_int8.py %t vgg11_bn:32 | FileCheck %s
# CHECK: ok   vgg11_bn 32x32 minmax:
# CHECK-NEXT: vgg11_bn 32x32 minmax with PyTorch's activation ranges: 0 of 2000 output elements differ
# CHECK: ok   vgg11_bn 32x32 onednn:
