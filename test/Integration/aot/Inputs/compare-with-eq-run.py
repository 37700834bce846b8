"""Runs eq-run (the JIT) on MODULE for the images in TEST_X.npy, one batch at a
time, and compares its logits with AOT_LOGITS.npy bit for bit. Prints the
accuracy against TEST_Y.npy as the AOT program does, then the comparison;
exits 1 on any difference.

usage: compare-with-eq-run.py MODULE TEST_X.npy TEST_Y.npy AOT_LOGITS.npy WORKDIR
"""

import os
import subprocess
import sys

import numpy as np

BATCH = 256  # the batch of the digits MLP's @forward

module, x_path, y_path, aot_path, work = sys.argv[1:]
x, y, aot = np.load(x_path), np.load(y_path), np.load(aot_path)
if len(x) % BATCH:
    sys.exit("%s: %d images are not whole batches of %d" % (x_path, len(x), BATCH))

jit = []
for i in range(0, len(x), BATCH):
    xi = os.path.join(work, "jit-in%d.npy" % (i // BATCH))
    yi = os.path.join(work, "jit-out%d.npy" % (i // BATCH))
    np.save(xi, x[i:i + BATCH])
    subprocess.run(["eq-run", module, "--input", xi, "--output", yi], check=True)
    jit.append(np.load(yi))
jit = np.concatenate(jit)

correct = int((jit.argmax(axis=1) == y).sum())
print("eq-run accuracy: %d/%d (%.2f%%)" % (correct, len(y), 100.0 * correct / len(y)))
if aot.dtype != jit.dtype or aot.shape != jit.shape:
    sys.exit("AOT logits are %s %s; eq-run's are %s %s" % (aot.dtype, aot.shape, jit.dtype, jit.shape))
differ = aot.view(np.uint32) != jit.view(np.uint32)
if differ.any():
    i, j = np.argwhere(differ)[0]
    sys.exit("AOT and eq-run logits differ in %d of %d values; first at [%d, %d]: %r vs %r"
             % (differ.sum(), differ.size, i, j, aot[i, j], jit[i, j]))
print("logits: %dx%d, bit-identical to eq-run" % jit.shape)
