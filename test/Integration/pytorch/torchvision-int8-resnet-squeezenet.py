# Tests that the int8 outputs of torchvision 0.14's resnet18 and
# squeezenet1_1 (random init, random batch-norm statistics, small inputs so
# that CI runs them quickly) quantized with {"qconfig": "onednn"} equal
# PyTorch 1.13's prepare_fx/convert_fx on the onednn engine, with the same
# calibration batches, within one quantum on at most 5% of the output
# elements: conv + batch norm (folded) + relu, max pooling with padding,
# residual add + relu, the downsampling blocks, global average pooling,
# fire modules (cat), the classifier's conv + relu + pooling + flatten.
# Where elements differ, it is by one quantum: the calibration forward runs
# in float in both, with other accumulation orders, and a histogram
# observer's range search can end a unit in the seventh digit apart (two of
# resnet18's activation scales), which flips the rounding of a few values.
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_int8.py %t resnet18:32 squeezenet1_1:64 | FileCheck %s
# CHECK: ok   resnet18 32x32:
# CHECK: ok   squeezenet1_1 64x64:
