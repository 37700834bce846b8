#!/usr/bin/python3
"""Trains the two CNN example models and writes the example's files.

Data: scikit-learn's digits (1797 8x8 images, 10 classes; shipped with
scikit-learn, no download: `apt-get install python3-sklearn` on Debian),
pixels scaled to [0, 1] and upscaled bilinearly to 16x16 (room for a max
pool and two stride-2 stages); images have shape (1, 16, 16). A fixed
permutation (seed 0) splits them into

  test   256 images (2 batches of BATCH)  -> test_x.npy (f32, 256x1x16x16),
                                            test_y.npy (int64 labels)
  calib  256 images (2 batches of BATCH)  -> calib0.npy, calib1.npy (f32, BATCHx1x16x16)
  train  the remaining 1285 images

The models (models.py: a small ResNet and a MobileNetV2-style net, with batch
norms, max pool, depthwise convs, ReLU6, residual adds and global average
pools) are trained with Adam on the train split (fixed seeds, one thread,
random shifts of up to one pixel as augmentation; well under two minutes
each on a CPU), then written as

  resnet.mlir, mobilenet.mlir      float MLIR from tools/eq-export, batch BATCH
                                   (weights as dense_resource blobs; batch
                                   norms as per-channel affines, which
                                   --eqq-fold-batchnorm folds)
  resnet_weights.npz, mobilenet_weights.npz
                                   the state dicts (for PyTorch's own int8 in
                                   evaluate.py; plain arrays, no pickle)

Every exported model takes (BATCH, 1, 16, 16): the calibration files can be
given to --eqq-calibrate as they are. evaluate.py measures accuracy and SQNR.

usage: /usr/bin/python3 examples/cnn/train.py [--out DIR]   (needs PyTorch, scikit-learn)
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from common.training import CALIB_BATCHES, accuracy, digits_splits, setup, train  # noqa: E402
from models import MODELS  # noqa: E402

SIZE = 16
BATCH = 128
EPOCHS = 20
SEED = 0


def shift(x, gen):
    """Each image moved by up to one pixel in each direction (zero fill)."""
    dy, dx = torch.randint(-1, 2, (2,), generator=gen).tolist()
    x = F.pad(x, (1, 1, 1, 1))
    return x[:, :, 1 + dy:1 + dy + SIZE, 1 + dx:1 + dx + SIZE]


def main():
    t0 = time.time()
    out = setup("Train the CNN example models and write the example's files.", HERE)
    (xtr, ytr), (xc, _), (xte, yte) = digits_splits(BATCH, SIZE, SEED)
    out.save_data((xte, yte), xc, BATCH)
    print("digits %dx%d: %d train, %d calibration (%d x %d), %d test images"
          % (SIZE, SIZE, len(ytr), len(xc), CALIB_BATCHES, BATCH, len(yte)))
    for name in MODELS:
        t, cpu = time.time(), time.process_time()
        model = train(MODELS[name], xtr, ytr, EPOCHS, 64, SEED, augment=shift, cosine_lr=True)
        print("%s: float top-1 train %.2f%%, test %.2f%% (training %.1f s, %.1f s CPU)"
              % (name, 100 * accuracy(model, xtr, ytr), 100 * accuracy(model, xte, yte),
                 time.time() - t, time.process_time() - cpu))
        out.save_model(name, model, xte[:BATCH],
                       "// %s for scikit-learn's digits upscaled to %dx%d: input (%d, 1, %d, %d), "
                       "pixels in [0, 1]; 10 logits.\n// Written by examples/cnn/train.py "
                       "(tools/eq-export).\n" % (type(model).__name__, SIZE, SIZE, BATCH, SIZE, SIZE))
    out.print_sizes(22, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
