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
from eq_export import export_module  # noqa: E402
from models import MODELS, save_weights  # noqa: E402

BATCH = 256
TEST_BATCHES = 2
CALIB_BATCHES = 2
EPOCHS = 60
SEED = 0


def load_splits():
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("train.py needs scikit-learn (Debian: apt-get install -y python3-sklearn)")
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    perm = np.random.RandomState(SEED).permutation(len(y))
    n_test, n_calib = TEST_BATCHES * BATCH, CALIB_BATCHES * BATCH
    test, calib, train = perm[:n_test], perm[n_test:n_test + n_calib], perm[n_test + n_calib:]
    return (x[train], y[train]), (x[calib], y[calib]), (x[test], y[test])


def train(name, x, y):
    torch.manual_seed(SEED)
    model = MODELS[name]()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(yt), generator=gen)
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    return model.eval()


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def main():
    ap = argparse.ArgumentParser(description="Train the digits models and write the example's files.")
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
    print("digits: %d train, %d calibration (%d x %d), %d test images"
          % (len(ytr), len(xc), CALIB_BATCHES, BATCH, len(yte)))
    for name in MODELS:
        t = time.time()
        model = train(name, xtr, ytr)
        print("%s: float top-1 train %.2f%%, test %.2f%% (%.1f s)"
              % (name, 100 * accuracy(model, xtr, ytr), 100 * accuracy(model, xte, yte), time.time() - t))
        save_weights(model, out(name + "_weights.npz"))
        text = export_module(model, (torch.from_numpy(xte[:BATCH]),))
        with open(out(name + ".mlir"), "w") as f:
            f.write("// %s for scikit-learn's digits: input (%d, 1, 8, 8), pixels in [0, 1]; "
                    "10 logits.\n// Written by examples/digits/train.py (tools/eq-export).\n"
                    % (type(model).__name__, BATCH))
            f.write(text)
    total = 0
    for path in written:
        size = os.path.getsize(path)
        total += size
        print("  %-18s %8d bytes" % (os.path.relpath(path, args.out), size))
    print("  %-18s %8d bytes  (%.1f s)" % ("total", total, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
