"""The torchvision CNNs, images and EqQuant stage runner shared by
bench/cnn_accuracy.py and bench/cnn_speed.py.

Models: torchvision 0.14's classifiers with random initialization (seed
MODEL_SEED; no weights can be downloaded). PyTorch's initialization leaves
every batch norm an identity, which would hide folding mistakes, so each batch
norm gets non-trivial statistics and affine parameters: its running mean and
variance are measured on a separate batch of images (so activations keep a
sane scale through deep nets), then perturbed (mean + 0.2 * std * N(0, 1),
variance * U(0.5, 2)), gamma ~ U(0.5, 1.5), beta ~ U(-0.5, 0.5). Eval mode.

Images: smooth random images (low-pass filtered noise: Gaussian noise at 1/8
of the resolution, bicubically upsampled, plus a little fine noise), drawn
from one torch.Generator seeded with DATA_SEED in a fixed order: the batch
norm statistics batch, the calibration batches, the test batches (see
model_and_data).

Stages: each EqQuant tool is a separate process (EXPORTER's CLI, eq-opt per
pass, eq-run), timed (wall clock) with its peak resident memory (that
process's maximum resident set size, measured by GNU time; see run_stage);
run_stage and Pipeline.
"""

import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPORTER = os.path.join(ROOT, "tools", "eq-export", "eq_export.py")
DEFAULT_BUILD_DIR = os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build"))

MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0",
          "squeezenet1_1", "vgg11_bn"]
# Selectable with --models, not run by default: networks of grouped convs,
# the other torchvision CNNs a user brings, and the Swin Transformer (whose
# window attention PyTorch's FX quantization leaves float: its linears are
# inside a function torch.fx keeps out of traces).
EXTRA_MODELS = ["resnext50_32x4d", "regnet_x_400mf", "regnet_y_400mf", "mnasnet1_0",
                "mobilenet_v3_large", "efficientnet_b1", "densenet121", "googlenet",
                "wide_resnet50_2", "swin_t"]
CONFIG_NOEQ = {"qconfig": "onednn"}
CONFIG_EQ = {"qconfig": "onednn", "equalization": "default"}
MODEL_SEED = 0
DATA_SEED = 2024


def cpu_info():
    """The CPU's model name and flags, from Linux's cpuinfo ("?" and no
    flags where it cannot be read)."""
    name, flags = "?", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and name == "?":
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return name, flags


def smooth_images(n, size, gen):
    """Low-pass filtered noise, roughly ImageNet-normalized scale."""
    low = max(2, size // 8)
    x = torch.randn(n, 3, low, low, generator=gen)
    x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False)
    return (x + 0.1 * torch.randn(n, 3, size, size, generator=gen)).contiguous()


def make_model(name, stats_batch, seed):
    """torchvision's model (random init), batch norms with measured-then-
    perturbed running statistics and random gamma/beta, eval mode."""
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)()
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    model.train()
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: the batch's statistics
    with torch.no_grad():
        model(stats_batch)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            std = m.running_var.sqrt()
            m.running_mean.add_(0.2 * std * torch.randn(c, generator=g))
            m.running_var.mul_(0.5 + 1.5 * torch.rand(c, generator=g))
            if m.weight is not None:
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(torch.rand(c, generator=g) - 0.5)
    return model.eval()


def model_and_data(name, batch, size, calib_batches, test_batches):
    """(model, calibration batches, test batches, generator): the images drawn
    in the order the module docstring gives, each (batch, 3, size, size); the
    generator is returned so that a caller can draw more batches after them."""
    gen = torch.Generator().manual_seed(DATA_SEED)
    stats_batch = smooth_images(batch, size, gen)
    calib = [smooth_images(batch, size, gen) for _ in range(calib_batches)]
    tests = [smooth_images(batch, size, gen) for _ in range(test_batches)]
    return make_model(name, stats_batch, seed=MODEL_SEED), calib, tests, gen


def sqnr(ref, x):
    """20 log10(||ref|| / ||ref - x||) in dB (PyTorch's compute_sqnr)."""
    ref = np.asarray(ref, dtype=np.float64)
    err = np.linalg.norm(ref - np.asarray(x, dtype=np.float64))
    return math.inf if err == 0 else 20 * math.log10(np.linalg.norm(ref) / err)


class StageError(Exception):
    pass


def stage_files(log_dir, tag):
    """The (stdout, stderr) files run_stage writes for `tag`."""
    return os.path.join(log_dir, tag + ".out"), os.path.join(log_dir, tag + ".err")


def _gnu_time():
    """GNU time's path if it runs with -f %M -o FILE, else None."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    try:
        p = subprocess.run([path, "-f", "%M", "-o", os.devnull, "true"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    except OSError:
        return None
    return path if p.returncode == 0 else None


GNU_TIME = _gnu_time()


def run_stage(cmd, log_dir, tag, info=None):
    """Runs one tool; returns (seconds, peak RSS in MB). stdout/stderr go to
    files (no pipe buffers to fill; stage_files names them); an error raises
    StageError with the end of stderr. A dict `info` receives "cpu": the
    tool's CPU time (user + system, seconds).

    The peak RSS comes from GNU time (/usr/bin/time -f %M) around the tool
    where it is installed: the ru_maxrss that wait4 returns for a direct
    child also counts the memory of this Python process, which the child
    had before its exec (Linux keeps the larger of the two), so on its own
    it would report at least PyTorch's footprint for every tool. Without
    GNU time the wait4 value is returned (an upper bound)."""
    out_path, err_path = stage_files(log_dir, tag)
    rss_path = os.path.join(log_dir, tag + ".rss")
    wrap = [GNU_TIME, "-f", "%M", "-o", rss_path] if GNU_TIME else []
    t0 = time.time()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        p = subprocess.Popen(wrap + [str(c) for c in cmd], stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    dt = time.time() - t0
    if p.returncode:
        with open(err_path) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        tail = "\n".join(lines[-6:])
        raise StageError("%s exited with %d:\n%s" % (tag, p.returncode, tail))
    if info is not None:
        info["cpu"] = usage.ru_utime + usage.ru_stime
    kb = usage.ru_maxrss
    if GNU_TIME:
        try:
            with open(rss_path) as f:
                kb = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return dt, kb / 1024.0


def selected_models(ap, args):
    """The models of --models (comma-separated), each one of MODELS or
    EXTRA_MODELS, or an argparse error."""
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODELS + EXTRA_MODELS:
            ap.error("unknown model %r (choose from %s)" % (m, ", ".join(MODELS + EXTRA_MODELS)))
    return models


def tool_paths(build_dir):
    """{"eq-opt": path, "eq-run": path} under build_dir/bin; exits with a
    message when one is missing."""
    bins = {b: os.path.join(build_dir, "bin", b) for b in ("eq-opt", "eq-run")}
    for b in bins.values():
        if not os.access(b, os.X_OK):
            sys.exit("%s not found (build first, or give --build-dir / set EQQ_BUILD_DIR)" % b)
    return bins


def config_file(tmp, tag, config):
    path = os.path.join(tmp, tag + ".config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


class Pipeline:
    """EqQuant's stages on one model, recording times and peak memory."""

    def __init__(self, bins, tmp, name):
        self.bins, self.tmp, self.name = bins, tmp, name
        self.times = {}  # (stage, variant or "") -> (s, MB)

    def path(self, suffix):
        return os.path.join(self.tmp, "%s.%s" % (self.name, suffix))

    def stage(self, stage, variant, cmd):
        tag = "%s.%s%s" % (self.name, stage, "." + variant if variant else "")
        self.times[stage, variant] = run_stage(cmd, self.tmp, tag)

    def eq_opt(self, stage, variant, src, args, dst):
        self.stage(stage, variant, [self.bins["eq-opt"], src] + args + ["-o", dst])
        return dst

    def export(self, module_name, model, shape, dst, bytecode=False):
        """Saves model's state dict and runs EXPORTER's CLI on
        torchvision.models:module_name at `shape` (stage "export"); with
        `bytecode`, the module is written as MLIR bytecode."""
        sd = self.path("state.pt")
        torch.save(model.state_dict(), sd)
        extra = ["--emit-bytecode", "--eq-opt", self.bins["eq-opt"]] if bytecode else []
        self.stage("export", "", [sys.executable, "-B", EXPORTER, "--module",
                                  "torchvision.models:" + module_name, "--state-dict", sd,
                                  "--input-shape", "x".join(map(str, shape))] + extra
                   + ["-o", dst])
        return dst
