# Tests that torchvision 0.14's swin_t (random init) exports and runs in
# eq-run equal to PyTorch in float (rtol 1e-4, atol 1e-5 * max|y|): its
# shifted window attention and patch merging, which torchvision keeps out of
# torch.fx traces, are written out (relative position bias and the shifted
# windows' mask as constants, torch.roll as slices and a concat). At 112 x
# 112 the stages are 28 x 28 and 14 x 14 (windows of 7, shifted by 3), 7 x 7
# (one window: no shift) and 4 x 4 (padded to one 7 x 7 window; the patch
# merging before it pads 7 x 7 to 8 x 8).
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_check.py swin_t:112 > %t.txt
# RUN: FileCheck %s < %t.txt
# CHECK: ok   swin_t 112x112: max abs error
