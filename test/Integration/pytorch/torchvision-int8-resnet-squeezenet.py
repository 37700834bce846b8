# Tests the int8 outputs of torchvision 0.14's resnet18 and squeezenet1_1
# (random init, random batch-norm statistics, small inputs so that CI runs
# them quickly) against PyTorch 1.13's prepare_fx/convert_fx on the onednn
# engine, with the same calibration batches (Inputs/torchvision_int8.py),
# with min/max activation observers and with {"qconfig": "onednn"}
# (histogram observers): within two quanta (four with histogram observers)
# and the same SQNR against float to 0.5 dB, the fraction of output
# elements that differ printed (a histogram's range search can end a bin
# apart when the float calibration forwards differ in the last bits). Conv + batch norm
# (folded) + relu, max pooling with padding, residual add + relu, the
# downsampling blocks, global average pooling, fire modules (cat), the
# classifier's conv + relu + pooling + flatten.
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_int8.py %t resnet18:32 squeezenet1_1:64 | FileCheck %s
# CHECK: ok   resnet18 32x32 minmax:
# CHECK: ok   resnet18 32x32 onednn:
# CHECK: ok   squeezenet1_1 64x64 minmax:
# CHECK: ok   squeezenet1_1 64x64 onednn:
