"""Training an example's models and writing its files, shared by
digits/train.py and cnn/train.py.

Data: scikit-learn's digits (1797 8x8 images, 10 classes; shipped with
scikit-learn, no download). Every step is seeded (and train.py runs PyTorch
on one thread), so that a run writes the same files byte for byte.

Needs PyTorch and scikit-learn.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .evaluation import CALIB
from .weights import save_weights

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-export"))

from eq_export import export_module  # noqa: E402

# Batches (of an example's batch size) of test images, and of calibration
# images: one file each of those evaluate.py reads.
TEST_BATCHES = 2
CALIB_BATCHES = len(CALIB)


def digits_splits(batch, size=8, seed=0):
    """The digits with pixels scaled to [0, 1], shape (N, 1, size, size)
    (upscaled bilinearly from 8x8 when size is larger), split by a fixed
    permutation into (images, labels) pairs: (train, calib, test). test and
    calib hold TEST_BATCHES and CALIB_BATCHES batches of `batch` images,
    train the rest."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("train.py needs scikit-learn (Debian: apt-get install -y python3-sklearn)")
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    if size != 8:
        x = F.interpolate(torch.from_numpy(x), size=(size, size), mode="bilinear", align_corners=False)
        x = x.clamp(0.0, 1.0).numpy()
    y = digits.target.astype(np.int64)
    perm = np.random.RandomState(seed).permutation(len(y))
    n_test, n_calib = TEST_BATCHES * batch, CALIB_BATCHES * batch
    test, calib, train = perm[:n_test], perm[n_test:n_test + n_calib], perm[n_test + n_calib:]
    return (x[train], y[train]), (x[calib], y[calib]), (x[test], y[test])


def train(make_model, x, y, epochs, minibatch, seed=0, augment=None, cosine_lr=False):
    """make_model() trained with Adam (lr 3e-3) on the cross entropy, for
    `epochs` passes over (x, y) in shuffled minibatches; returned in eval
    mode. The model is made after seeding PyTorch, so its initial weights
    are the same every run. augment(images, generator), when given, changes
    each minibatch (drawing from the generator that shuffles); cosine_lr:
    the learning rate follows a cosine down to 0 over the epochs."""
    torch.manual_seed(seed)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs) if cosine_lr else None
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(yt), generator=gen)
        for i in range(0, len(order), minibatch):
            idx = order[i:i + minibatch]
            xb = xt[idx] if augment is None else augment(xt[idx], gen)
            opt.zero_grad()
            loss = loss_fn(model(xb), yt[idx])
            loss.backward()
            opt.step()
        if sched is not None:
            sched.step()
    return model.eval()


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def setup(description, default_out):
    """Parses train.py's command line (--out DIR, default: `default_out`, the
    example's directory) and runs PyTorch on one thread (reproducible
    results). Returns the Outputs into DIR."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", default=default_out, help="output directory (default: this script's)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    return Outputs(args.out)


class Outputs:
    """The files train.py writes into one directory, listed with their sizes
    at the end."""

    def __init__(self, out_dir):
        os.makedirs(out_dir, exist_ok=True)
        self.dir = out_dir
        self.written = []

    def path(self, name):
        path = os.path.join(self.dir, name)
        self.written.append(path)
        return path

    def save_data(self, test, calib, batch):
        """test_x.npy, test_y.npy from the (images, labels) pair `test`, and
        the `calib` images in CALIB_BATCHES files of `batch` each (CALIB)."""
        np.save(self.path("test_x.npy"), test[0])
        np.save(self.path("test_y.npy"), test[1])
        for i, name in enumerate(CALIB):
            np.save(self.path(name), calib[i * batch:(i + 1) * batch])

    def save_model(self, name, model, example, header):
        """name_weights.npz (the state dict, for PyTorch's own int8 in
        evaluate.py) and name.mlir: `header` (comment lines), then the float
        MLIR from tools/eq-export for the input batch `example`."""
        save_weights(model, self.path(name + "_weights.npz"))
        text = export_module(model, (torch.from_numpy(example),))
        with open(self.path(name + ".mlir"), "w") as f:
            f.write(header)
            f.write(text)

    def print_sizes(self, width, t0):
        """Each written file's size, then the total and the time since t0."""
        total = 0
        for path in self.written:
            size = os.path.getsize(path)
            total += size
            print("  %-*s %8d bytes" % (width, os.path.relpath(path, self.dir), size))
        print("  %-*s %8d bytes  (%.1f s)" % (width, "total", total, time.time() - t0))
