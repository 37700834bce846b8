#!/usr/bin/python3
"""Float forward speed of EqQuant's JIT (eq-run) against PyTorch 1.13 mkldnn.

Measured in the same run (the machines are shared and noisy: compare ratios):

- Linear 128x1024 -> 1024 with bias (the target): the module exported with
  tools/eq-export, timed by ``eq-run --benchmark N`` (median, compile excluded)
  against ``torch.utils.mkldnn.to_mkldnn(module)`` on an mkldnn input tensor,
  ``torch.set_num_threads(1)``, median of N timed calls after warm-up (kernel
  only). Both sides are measured in alternating rounds; the reported time is
  the median of the round medians. Target: EqQuant speed >= 0.5x PyTorch's,
  i.e. time_eqq <= 2 x time_torch.
- Conv2d 1x64x56x56 -> 64, 3x3, pad 1: the same, for information only.

Also checked: eq-run's outputs against PyTorch's, and that eq-run runs on one
thread (its peak thread count and CPU time / wall time during a long
benchmark).

usage: bench/float_speed.py [--runs N] [--rounds R] [--no-conv]
Exits 0 whether or not the target is met (the last line says PASS or FAIL);
non-zero only when something crashed.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build"))
EQ_RUN = os.path.join(BUILD, "bin", "eq-run")
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-export"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.utils.mkldnn  # noqa: E402
from eq_export import export_module  # noqa: E402

def run_eq(args):
    """Runs eq-run; returns (completed process)."""
    return subprocess.run([EQ_RUN] + args, capture_output=True, text=True)


def eq_benchmark(mlir, x_npy, runs):
    p = run_eq([mlir, "--input", x_npy, "--benchmark", str(runs)])
    if p.returncode != 0:
        raise RuntimeError("eq-run failed:\n" + p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def eq_threads(mlir, x_npy, runs):
    """Runs eq-run --benchmark and samples /proc/PID/task every 2 ms; returns
    ({thread name: CPU seconds, last sample}, CPU time / wall time of the whole
    process from wait4's rusage, startup and compile included)."""
    start = time.perf_counter()
    p = subprocess.Popen([EQ_RUN, mlir, "--input", x_npy, "--benchmark",
                          str(runs)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    seen = {}
    done = threading.Event()
    tick = os.sysconf("SC_CLK_TCK")

    def sample():
        path = f"/proc/{p.pid}/task"
        while not done.is_set():
            try:
                for tid in os.listdir(path):
                    with open(f"{path}/{tid}/stat") as f:
                        stat = f.read()
                    name = stat[stat.index("(") + 1:stat.rindex(")")]
                    fields = stat[stat.rindex(")") + 2:].split()
                    seen[tid] = (name, (int(fields[11]) + int(fields[12])) / tick)
            except (OSError, ValueError):
                pass
            time.sleep(0.002)

    t = threading.Thread(target=sample)
    t.start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    t.join()
    p.stdout.close()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("eq-run failed")
    threads = {name: cpu for name, cpu in seen.values()}
    return threads, (ru.ru_utime + ru.ru_stime) / wall


def torch_benchmark(module, x, runs, warmup=10):
    """Median and min ms of `runs` calls of the mkldnn module on an mkldnn
    input, and CPU time / wall time over the timed calls."""
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            module(x)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(runs):
            t = time.perf_counter()
            module(x)
            times.append(time.perf_counter() - t)
        cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    return statistics.median(times) * 1e3, min(times) * 1e3, cpu


def compare(name, tmp, module, x, flop, runs, rounds, target):
    """Exports, checks and times one model; returns (eqq_ms, torch_ms)."""
    mlir = os.path.join(tmp, name + ".mlir")
    x_npy = os.path.join(tmp, name + "_x.npy")
    y_npy = os.path.join(tmp, name + "_y.npy")
    t = time.perf_counter()
    with open(mlir, "w") as f:
        f.write(export_module(module, (x,)))
    export_s = time.perf_counter() - t
    np.save(x_npy, x.numpy())

    p = run_eq([mlir, "--input", x_npy, "--output", y_npy])
    if p.returncode != 0:
        raise RuntimeError("eq-run failed:\n" + p.stderr)
    with torch.no_grad():
        ref = module(x).numpy()
    err = float(np.abs(np.load(y_npy) - ref).max())
    print(f"  exported in {export_s:.2f} s ({os.path.getsize(mlir) / 1e6:.1f} MB "
          f"of MLIR); eq-run output vs PyTorch: max |diff| = {err:.3g} "
          f"(max |y| = {float(np.abs(ref).max()):.3g})")

    mk = torch.utils.mkldnn.to_mkldnn(module)
    xm = x.to_mkldnn()
    eq_meds, eq_mins, th_meds, th_mins, th_cpu = [], [], [], [], []
    compile_ms = []
    for r in range(rounds):
        med, mn, cpu = torch_benchmark(mk, xm, runs)
        th_meds.append(med)
        th_mins.append(mn)
        th_cpu.append(cpu)
        res = eq_benchmark(mlir, x_npy, runs)
        eq_meds.append(res["median_ms"])
        eq_mins.append(res["min_ms"])
        compile_ms.append(res["compile_ms"])
        print(f"  round {r + 1}: eqq median {res['median_ms']:.3f} ms, "
              f"torch median {med:.3f} ms")
    eq_ms = statistics.median(eq_meds)
    th_ms = statistics.median(th_meds)
    threads, eq_cpu = eq_threads(mlir, x_npy, runs * 3)
    thread_text = ", ".join(f"{n} {c:.2f} s" for n, c in sorted(
        threads.items(), key=lambda kv: -kv[1]))
    gf = lambda ms: flop / (ms * 1e-3) / 1e9  # noqa: E731
    print(f"  PyTorch mkldnn ({type(mk).__name__}, {torch.get_num_threads()} "
          f"thread): median {th_ms:.3f} ms, min {min(th_mins):.3f} ms, "
          f"{gf(th_ms):.1f} GFLOP/s; CPU/wall {statistics.median(th_cpu):.2f}")
    print(f"  EqQuant eq-run: median {eq_ms:.3f} ms, min {min(eq_mins):.3f} ms, "
          f"{gf(eq_ms):.1f} GFLOP/s; compile {statistics.median(compile_ms):.0f} "
          f"ms (excluded)")
    print(f"  eq-run threads (CPU time, {runs * 3}-run benchmark): {thread_text}; "
          f"process CPU/wall {eq_cpu:.2f}")
    others = sum(c for n, c in threads.items() if n != "eq-run")
    print(f"  => eq-run computes on {'one thread' if others < 0.02 * threads.get('eq-run', 1) else 'SEVERAL threads'}"
          f" (CPU of the other threads: {others:.2f} s)")
    ratio = th_ms / eq_ms
    print(f"  RATIO {name}: EqQuant speed / PyTorch speed = {ratio:.2f}x "
          f"(time_eqq / time_torch = {eq_ms / th_ms:.2f})"
          + (f"; target >= {target}x" if target else "; no target"))
    return ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100,
                    help="timed calls per round for the linear (default 100)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-conv", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(1)
    cfg = torch.__config__.show()
    mkldnn_v = next((l.strip(" -") for l in cfg.splitlines() if "MKL-DNN" in l),
                    "MKL-DNN ?")
    cap = next((l.strip(" -") for l in cfg.splitlines()
                if "CPU capability" in l), "?")
    print(f"PyTorch {torch.__version__}: {mkldnn_v}; {cap}; "
          f"torch.get_num_threads() = {torch.get_num_threads()}; "
          f"mkldnn available: {torch.backends.mkldnn.is_available()}")
    print("env: " + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in
                             ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                              "OMP_NUM_THREADS", "MKL_NUM_THREADS")))
    print(f"host: {os.cpu_count()} CPUs; eq-run: {EQ_RUN}")

    tmp = tempfile.mkdtemp(prefix="eqq-float-speed-")
    try:
        torch.manual_seed(0)
        lin = torch.nn.Linear(1024, 1024).eval()
        x = torch.rand(128, 1024)
        flop = 2 * 128 * 1024 * 1024
        print(f"\nLinear 128x1024 -> 1024 with bias ({flop / 1e6:.1f} MFLOP "
              f"per forward, bias adds not counted), {args.rounds} rounds x "
              f"{args.runs} runs")
        ratio = compare("linear", tmp, lin, x, flop, args.runs, args.rounds,
                        0.5)

        if not args.no_conv:
            conv = torch.nn.Conv2d(64, 64, 3, padding=1).eval()
            xc = torch.rand(1, 64, 56, 56)
            cflop = 2 * 64 * 64 * 9 * 56 * 56
            runs = max(5, args.runs // 10)
            print(f"\nConv2d 1x64x56x56 -> 64, 3x3, pad 1, bias "
                  f"({cflop / 1e6:.1f} MFLOP), information only, "
                  f"{args.rounds} rounds x {runs} runs")
            compare("conv", tmp, conv, xc, cflop, runs, args.rounds, None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ok = ratio >= 0.5
    print(f"\n{'PASS' if ok else 'FAIL'}: float Linear 128x1024->1024: EqQuant "
          f"speed {ratio:.2f}x PyTorch mkldnn (target >= 0.50x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
