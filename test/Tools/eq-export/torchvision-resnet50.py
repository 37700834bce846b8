# Tests that torchvision 0.14's resnet50 (random init, random batch-norm
# statistics) exports and runs in eq-run equal to PyTorch in float (rtol
# 1e-4, atol 1e-5 * max|y|): bottleneck blocks, batch norm, max pool, global
# average pool. Input 32 x 32, the smallest that keeps every stage at least
# 1 x 1 (the time is the JIT's compile time, which does not shrink with the
# input). The seven models are split over three tests of about the same CPU
# time so that lit runs them in parallel; this one alone is the longest.
#
# REQUIRES: torchvision
# RUN: %python %S/Inputs/torchvision_check.py resnet50:32 > %t.txt
# RUN: FileCheck %s < %t.txt
# CHECK: ok   resnet50 32x32: max abs error
