#!/usr/bin/python3
"""Calibration cost per batch against the float forward of the same batch.

For each model (exported from PyTorch with tools/eq-export):

  (a) Linear 128x1024 -> 1024 with bias, batch 128;
  (b) MLP: 4 x Linear 512 -> 512, relu between, batch 64;
  (c) conv net: 8x3x32x32 -> Conv2d(3, 16, 3) + relu + Conv2d(16, 16, 3)
      (no padding: a padded conv does not run in eq-run/eq-opt's JIT, see the
      note printed by bench/float_speed.py),

the per-batch calibration time is

    (T(K+1 batches) - T(1 batch)) / K

where T(n) is the wall time of ``eq-opt M.mlir --eqq-prepare
--eqq-calibrate="data=b0.npy,...,b{n-1}.npy" -o /dev/null`` (median of R runs,
the two batch counts interleaved); the subtraction removes process startup,
parsing, --eqq-prepare, the compile of the instrumented clone and printing.
Every batch is a distinct .npy file, so reading it (and the finiteness check)
is part of the per-batch cost, as it is in real calibration. The float forward
is the median of ``eq-run M.mlir --input b0.npy --benchmark N`` on the float
model (compile excluded). Target: per-batch calibration <= 1.5x the float
forward. For reference, the time to np.load one batch in Python is printed
too, and T(1)'s fixed part is broken down with --mlir-timing.

usage: bench/calibration_cost.py [--batches K] [--repeats R]
Exits 0 whether or not the target is met (the last line says PASS or FAIL);
non-zero only when something crashed.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build"))
EQ_OPT = os.path.join(BUILD, "bin", "eq-opt")
EQ_RUN = os.path.join(BUILD, "bin", "eq-run")
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-export"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from eq_export import export_module  # noqa: E402

TARGET = 1.5


class MLP(nn.Module):
    def __init__(self, width=512, layers=4):
        super().__init__()
        self.fc = nn.ModuleList(nn.Linear(width, width) for _ in range(layers))

    def forward(self, x):
        for i, fc in enumerate(self.fc):
            x = fc(x)
            if i + 1 < len(self.fc):
                x = torch.relu(x)
        return x


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(16, 16, 3)

    def forward(self, x):
        return self.conv2(self.relu(self.conv1(x)))


def models():
    torch.manual_seed(0)
    return [
        ("linear", "Linear 128x1024 -> 1024 (bias), batch 128",
         nn.Linear(1024, 1024), (128, 1024)),
        ("mlp", "MLP 4 x Linear 512 -> 512 + relu, batch 64", MLP(), (64, 512)),
        ("convnet", "conv3x3 3->16 + relu + conv3x3 16->16 on 8x3x32x32",
         ConvNet(), (8, 3, 32, 32)),
    ]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(" ".join(cmd[:3]) + " ... failed:\n" + p.stderr)
    return p


def time_calibrate(mlir, batches):
    cmd = [EQ_OPT, mlir, "--eqq-prepare",
           "--eqq-calibrate=data=" + ",".join(batches), "-o", os.devnull]
    t = time.perf_counter()
    run(cmd)
    return time.perf_counter() - t


def fixed_breakdown(mlir, batch):
    """eq-opt --mlir-timing of a 1-batch calibration: {pass name: seconds}."""
    p = run([EQ_OPT, mlir, "--eqq-prepare", "--eqq-calibrate=data=" + batch,
             "-o", os.devnull, "--mlir-timing"])
    out = {}
    for m in re.finditer(r"^\s*([0-9.]+)\s+\(\s*[0-9.]+%\)\s+(\S.*?)\s*$",
                         p.stderr, re.M):
        out.setdefault(m.group(2), float(m.group(1)))
    return out


def measure(key, title, module, shape, tmp, k, repeats, runs):
    module.eval()
    mlir = os.path.join(tmp, key + ".mlir")
    x = torch.rand(*shape)
    with open(mlir, "w") as f:
        f.write(export_module(module, (x,)))
    batch_path = lambda i: os.path.join(tmp, f"{key}_b{i}.npy")  # noqa: E731
    rng = np.random.default_rng(1)
    np.save(batch_path(0), rng.random(shape, dtype=np.float32))
    fwd = json.loads(run([EQ_RUN, mlir, "--input", batch_path(0), "--benchmark",
                          str(runs)]).stdout.strip().splitlines()[-1])
    if not k:
        # Enough batches for ~300 ms of forward work: far above the noise.
        k = min(200, max(20, round(300 / fwd["median_ms"])))
    batches = [batch_path(0)]
    for i in range(1, k + 1):
        np.save(batch_path(i), rng.random(shape, dtype=np.float32))
        batches.append(batch_path(i))
    nbytes = os.path.getsize(batches[0])
    print(f"\n({key}) {title}: {os.path.getsize(mlir) / 1e6:.1f} MB of MLIR, "
          f"batch {'x'.join(map(str, shape))} f32 ({nbytes / 1e3:.0f} kB .npy), "
          f"K = {k}, {repeats} repeats")

    # Warm the page cache and the binaries once.
    time_calibrate(mlir, batches[:1])
    t1, tk = [], []
    for _ in range(repeats):
        t1.append(time_calibrate(mlir, batches[:1]))
        tk.append(time_calibrate(mlir, batches))
    fwd2 = json.loads(run([EQ_RUN, mlir, "--input", batches[0], "--benchmark",
                           str(runs)]).stdout.strip().splitlines()[-1])
    fwd_ms = statistics.median([fwd["median_ms"], fwd2["median_ms"]])
    m1, mk = statistics.median(t1), statistics.median(tk)
    per_batch_ms = (mk - m1) / k * 1e3
    # Robust noise: the median absolute deviation of each set of runs.
    mad = lambda v: statistics.median(abs(t - statistics.median(v)) for t in v)  # noqa: E731
    spread_ms = (mad(t1) ** 2 + mad(tk) ** 2) ** 0.5
    loads = []
    for path in batches[: min(20, len(batches))]:
        t = time.perf_counter()
        np.load(path)
        loads.append(time.perf_counter() - t)
    load_ms = statistics.median(loads) * 1e3
    arr = np.load(batches[0])
    t = time.perf_counter()
    for _ in range(20):
        np.isfinite(arr).all()
    finite_ms = (time.perf_counter() - t) / 20 * 1e3
    ratio = per_batch_ms / fwd_ms

    print(f"  T(1 batch)      median {m1 * 1e3:8.1f} ms  runs: "
          + " ".join(f"{v * 1e3:.0f}" for v in t1))
    print(f"  T({k + 1} batches)  median {mk * 1e3:8.1f} ms  runs: "
          + " ".join(f"{v * 1e3:.0f}" for v in tk))
    print(f"  difference {(mk - m1) * 1e3:.1f} ms (run-to-run MAD ~"
          f"{spread_ms * 1e3:.1f} ms, i.e. +-{spread_ms / k * 1e3:.3f} ms "
          f"per batch)")
    print(f"  float forward (eq-run --benchmark {runs}, compile excluded): "
          f"{fwd_ms:.3f} ms (two runs: {fwd['median_ms']:.3f}, "
          f"{fwd2['median_ms']:.3f}; compile {fwd['compile_ms']:.0f} ms)")
    print(f"  reading a batch, for reference: np.load {load_ms:.3f} ms, "
          f"np.isfinite check {finite_ms:.3f} ms (Python, not eq-opt's reader)")
    timing = fixed_breakdown(mlir, batches[0])
    parts = [(n, timing.get(n)) for n in ("Parser", "PreparePass",
                                          "CalibratePass", "Output")]
    print("  fixed cost, 1-batch run (--mlir-timing): " + ", ".join(
        f"{n} {v * 1e3:.0f} ms" for n, v in parts if v is not None)
        + f" (CalibratePass = clone + compile + 1 batch)")
    print(f"  per-batch calibration {per_batch_ms:.3f} ms vs float forward "
          f"{fwd_ms:.3f} ms: RATIO {key} = {ratio:.2f}x (target <= {TARGET}x)"
          f" {'ok' if ratio <= TARGET else 'MISSED'}")
    return ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=int, default=0,
                    help="K: extra batches of the long run (default: per "
                    "model, ~300 ms of forward work, 20..200)")
    ap.add_argument("--repeats", type=int, default=7,
                    help="runs of each eq-opt timing (default 7)")
    ap.add_argument("--runs", type=int, default=100,
                    help="eq-run --benchmark N (default 100)")
    args = ap.parse_args()
    print(f"eq-opt: {EQ_OPT}; host: {os.cpu_count()} CPUs; env: "
          + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in
                      ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                       "OMP_NUM_THREADS")))
    print("PyTorch is used only to build and export the models; everything "
          "timed is eq-opt / eq-run (single-threaded JIT code).")
    tmp = tempfile.mkdtemp(prefix="eqq-calib-cost-")
    results = []
    try:
        for key, title, module, shape in models():
            results.append((key, measure(key, title, module, shape, tmp,
                                         args.batches, args.repeats,
                                         args.runs)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    ok = all(r <= TARGET for _, r in results)
    print(f"{'PASS' if ok else 'FAIL'}: per-batch calibration / float forward: "
          + ", ".join(f"{k} {r:.2f}x" for k, r in results)
          + f" (target <= {TARGET}x each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
