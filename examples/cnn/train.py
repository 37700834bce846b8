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

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-export"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from eq_export import export_module  # noqa: E402
from models import MODELS, save_weights  # noqa: E402

SIZE = 16
BATCH = 128
TEST_BATCHES = 2
CALIB_BATCHES = 2
EPOCHS = 20
SEED = 0


def load_splits():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("train.py needs scikit-learn (Debian: apt-get install -y python3-sklearn)")
    digits = load_digits()
    x = torch.from_numpy((digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8))
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    x = x.clamp(0.0, 1.0).numpy()
    y = digits.target.astype(np.int64)
    perm = np.random.RandomState(SEED).permutation(len(y))
    n_test, n_calib = TEST_BATCHES * BATCH, CALIB_BATCHES * BATCH
    test, calib, train = perm[:n_test], perm[n_test:n_test + n_calib], perm[n_test + n_calib:]
    return (x[train], y[train]), (x[calib], y[calib]), (x[test], y[test])


def shift(x, gen):
    """Each image moved by up to one pixel in each direction (zero fill)."""
    dy, dx = torch.randint(-1, 2, (2,), generator=gen).tolist()
    x = F.pad(x, (1, 1, 1, 1))
    return x[:, :, 1 + dy:1 + dy + SIZE, 1 + dx:1 + dx + SIZE]


def train(name, x, y):
    torch.manual_seed(SEED)
    model = MODELS[name]()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(yt), generator=gen)
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(shift(xt[idx], gen)), yt[idx])
            loss.backward()
            opt.step()
        sched.step()
    return model.eval()


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def main():
    ap = argparse.ArgumentParser(description="Train the CNN example models and write the example's files.")
    ap.add_argument("--out", default=HERE, help="output directory (default: this script's)")
    args = ap.parse_args()
    torch.set_num_threads(1)  # reproducible results
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    (xtr, ytr), (xc, _), (xte, yte) = load_splits()
    written = []

    def out(name):
        path = os.path.join(args.out, name)
        written.append(path)
        return path

    np.save(out("test_x.npy"), xte)
    np.save(out("test_y.npy"), yte)
    for i in range(CALIB_BATCHES):
        np.save(out("calib%d.npy" % i), xc[i * BATCH:(i + 1) * BATCH])
    print("digits %dx%d: %d train, %d calibration (%d x %d), %d test images"
          % (SIZE, SIZE, len(ytr), len(xc), CALIB_BATCHES, BATCH, len(yte)))
    for name in MODELS:
        t, cpu = time.time(), time.process_time()
        model = train(name, xtr, ytr)
        print("%s: float top-1 train %.2f%%, test %.2f%% (training %.1f s, %.1f s CPU)"
              % (name, 100 * accuracy(model, xtr, ytr), 100 * accuracy(model, xte, yte),
                 time.time() - t, time.process_time() - cpu))
        save_weights(model, out(name + "_weights.npz"))
        text = export_module(model, (torch.from_numpy(xte[:BATCH]),))
        with open(out(name + ".mlir"), "w") as f:
            f.write("// %s for scikit-learn's digits upscaled to %dx%d: input (%d, 1, %d, %d), "
                    "pixels in [0, 1]; 10 logits.\n// Written by examples/cnn/train.py "
                    "(tools/eq-export).\n" % (type(model).__name__, SIZE, SIZE, BATCH, SIZE, SIZE))
            f.write(text)
    total = 0
    for path in written:
        size = os.path.getsize(path)
        total += size
        print("  %-22s %8d bytes" % (os.path.relpath(path, args.out), size))
    print("  %-22s %8d bytes  (%.1f s)" % ("total", total, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
