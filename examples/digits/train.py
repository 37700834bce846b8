#!/usr/bin/python3
"""Trains the two digits models and writes the bundled example's files.

Data: scikit-learn's digits (1797 8x8 images, 10 classes; shipped with
scikit-learn, no download: `apt-get install python3-sklearn` on Debian).
Pixels are scaled to [0, 1]; images have shape (1, 8, 8). A fixed permutation
(seed 0) splits them into

  test   512 images (2 batches of BATCH)  -> test_x.npy (f32, 512x1x8x8),
                                            test_y.npy (int64 labels)
  calib  512 images (2 batches of BATCH)  -> calib0.npy, calib1.npy (f32, BATCHx1x8x8)
  train  the remaining 773 images

The models (models.py) are trained with Adam on the train split (fixed seeds,
one thread: a few seconds on a CPU), then written as

  mlp.mlir, cnn.mlir               float MLIR from tools/eq-export, batch BATCH
                                   (weights as dense_resource blobs)
  mlp_weights.npz, cnn_weights.npz the state dicts (for PyTorch's own int8
                                   in evaluate.py; plain arrays, no pickle)

Every exported model takes (BATCH, 1, 8, 8): the calibration files can be given
to --eqq-calibrate as they are. evaluate.py measures accuracy and SQNR.

usage: /usr/bin/python3 examples/digits/train.py [--out DIR]   (needs PyTorch, scikit-learn)
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from common.training import CALIB_BATCHES, accuracy, digits_splits, setup, train  # noqa: E402
from models import MODELS  # noqa: E402

BATCH = 256
EPOCHS = 60
SEED = 0


def main():
    t0 = time.time()
    out = setup("Train the digits models and write the example's files.", HERE)
    (xtr, ytr), (xc, _), (xte, yte) = digits_splits(BATCH, seed=SEED)
    out.save_data((xte, yte), xc, BATCH)
    print("digits: %d train, %d calibration (%d x %d), %d test images"
          % (len(ytr), len(xc), CALIB_BATCHES, BATCH, len(yte)))
    for name in MODELS:
        t = time.time()
        model = train(MODELS[name], xtr, ytr, EPOCHS, 32, SEED)
        print("%s: float top-1 train %.2f%%, test %.2f%% (%.1f s)"
              % (name, 100 * accuracy(model, xtr, ytr), 100 * accuracy(model, xte, yte), time.time() - t))
        out.save_model(name, model, xte[:BATCH],
                       "// %s for scikit-learn's digits: input (%d, 1, 8, 8), pixels in [0, 1]; "
                       "10 logits.\n// Written by examples/digits/train.py (tools/eq-export).\n"
                       % (type(model).__name__, BATCH))
    out.print_sizes(18, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
