#!/usr/bin/python3
"""Int8 speed of EqQuant's converted programs (eq-run) against PyTorch 1.13 onednn.

Measured in one run (the machines are shared and noisy: compare the ratios,
not the absolute times). One thread on both sides (eq-run --num-threads 1,
torch.set_num_threads(1)):

  (a) Linear 128x1024 -> 1024 with bias      kernel vs kernel,     target >= 1.1x
  (b) Conv2d 1x64x56x56 -> 64, 3x3, pad 1    kernel vs kernel,     target >= 1.0x
  (c) Linear 1x4096 -> 4096 with bias        kernel vs kernel,     target >= 2.0x
  (d) the seed's ConvModel conv (3 -> 5, 3x3, no pad, no bias) on 16x3x224x224:
                                             end to end (float in, float out),
                                             target >= 2.0x; kernels for information
  (e) Conv2d 1x64x56x56 -> 128, 3x3, stride 2, pad 1 (a ResNet downsampling
      conv)                                  kernel vs kernel,     target >= 1.0x
  (f) Conv2d 1x3x224x224 -> 64, 7x7, stride 2, pad 3 (a ResNet stem)
                                             kernel vs kernel,     target >= 1.0x
  (g) depthwise Conv2d 1x144x56x56, 3x3, pad 1 (a MobileNetV2 block's)
                                             kernel vs kernel,     target >= 1.0x
  (h) Conv2d 1x256x14x14 -> 256, 3x3, pad 1 (ResNet's layer3; rows of 14
      columns: lanes along output channels)  kernel vs kernel,     target >= 1.0x
  (i) Conv2d 1x512x7x7 -> 512, 3x3, pad 1 (ResNet's layer4)
                                             kernel vs kernel,     target >= 1.0x
  and for every shape: EqQuant int8 model (float in/out) >= 3x EqQuant's own
  float model, both through eq-run.

Ratios are speeds, ours / theirs = time_torch / time_eqq.

How each side is built (inputs torch.randn, seed 0; the calibration batch is
the benchmark input itself, on both sides, so both get the same qparams):

- PyTorch: torch.backends.quantized.engine = "onednn", prepare_fx / convert_fx
  with default_qconfig (activations quint8 [0, 127], weights qint8 per tensor
  symmetric). Kernel: the converted quantized module (torch.ao.nn.quantized
  Linear / Conv2d) called on an already-quantized input. End to end: the
  converted GraphModule (quantize_per_tensor, kernel, dequantize).
- EqQuant: the float module exported with tools/eq-export, then
  ``eq-opt --eqq-prepare=config=(quantize linear and conv2d with "default", no
  equalization key: nothing equalized, the same arithmetic as PyTorch's)
  --eqq-calibrate=data=x.npy --eqq-convert``. End to end: that converted
  module. Kernel: a module cut out of the converted text, keeping the integer
  ops exactly as convert printed them: its entry takes the quantized input's
  storage (the value of the input's ``quant.scast`` to i8 becomes the
  argument) and returns the requantized output's storage (the operand of the
  output ``quant.scast``), i.e. the i8 weight constant, the linalg.broadcast
  of the i32 start value, the u8 x s8 -> i32 accumulating linalg.generic (and
  the zero-point tensor.pad of a padded conv) and the requantize generic.
  Its signless i8 tensors are int8 .npy files holding the u8 storage bytes.
  Timed with ``eq-run M.mlir --input x.npy --benchmark N`` (median of N
  calls after a warm-up call; compile excluded). The float model: the
  exported float module through ``eq-run --benchmark``.
- Repetition: R rounds, alternating the measurements inside each round; N per
  measurement is chosen from a first timing so that each measurement takes
  about --budget seconds; the reported time is the median of the round
  medians.
- VNNI peak probe: a function whose scf.for loop carries 16 independent
  vector<16xi32> accumulators through ``llvm.call_intrinsic
  "llvm.x86.avx512.vpdpbusd.512"`` (u8 x s8, vector<64xi8> operands),
  lowered with ``eq-opt --eqq-lower-to-llvm=threads=1`` and timed with
  eq-run --benchmark (one thread): peak GOP/s = 2 * 64 * 16 * iterations /
  time. Its result is checked against NumPy. Skipped, with a message, when
  /proc/cpuinfo has no avx512_vnni.
- GOP/s counts 2 ops per multiply-accumulate of the layer (bias, zero points
  and requantization not counted), for both sides.

Correctness checks (cheap, on the benchmark input): EqQuant's quantized input
equals PyTorch's; the kernel module's output, dequantized, equals the full
converted module's output (the cut-out module computes what convert emitted);
the int8 outputs equal PyTorch onednn's int8 outputs (count of differing
elements, largest difference in quanta); the dequantized output is within a
few output quanta of the float model's.

Threads (the second section, thread counts other than 1 in --threads; default
1,2): for (a) and (b), the same kernel module timed with ``eq-run
--num-threads N`` and ``--num-threads 1`` in the same run (--thread-rounds
rounds, default 7, the two alternating inside each round and their order
swapped every round; the reported time is the median of the round medians),
target for N = 2: speedup >= 1.7x. The N-thread output is checked bit for bit
against the 1-thread output. PyTorch onednn's quantized layer with
torch.set_num_threads(N) vs 1, timed the same way, is printed for reference
only (no target); torch.set_num_threads(1) is restored afterwards. eq-run
--num-threads sets the threads of EqQuant's int8 kernels (OpenMP parallel
loops; 1 = plain loops, 0 = every core, which is eq-run's default, so every
single-thread EqQuant measurement passes --num-threads 1 explicitly).

Busy machine: on a shared 2-core machine another process on the second core
shows up directly in a 2-thread time. The script prints the load average and,
per section and per thread-section shape, the share of the CPUs that other
processes used meanwhile (/proc/stat busy time minus this process's and its
children's CPU time); above 10% the verdicts are marked "measured on a busy
machine".

usage: bench/int8_speed.py [--rounds R] [--thread-rounds R'] [--budget SECONDS]
                           [--only a,b,c,d,e,f,g] [--threads 1,2] [--no-probe]
                           [--keep]
--threads 1 runs only the single-thread section; --threads 2 only the thread
section (which still times 1 thread as its baseline).
Exits 0 whether or not the targets are met (the last lines say PASS or FAIL);
non-zero when something crashed or a tool failed.
"""

import argparse
import errno
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
EQ_RUN = os.path.join(BUILD, "bin", "eq-run")
EQ_OPT = os.path.join(BUILD, "bin", "eq-opt")
sys.path.insert(0, os.path.join(ROOT, "tools", "eq-export"))
sys.dont_write_bytecode = True  # nothing written into the source tree

import numpy as np  # noqa: E402
import torch  # noqa: E402
from cnn_models import cpu_info  # noqa: E402
from eq_export import export_module  # noqa: E402

# Thread counts run by default: 1 is the single-thread section (EqQuant and
# PyTorch, one thread each); every other count N is the thread section, N
# threads vs 1 thread on the THREAD_SHAPES, with a target for N = 2.
THREADS = [1, 2]
THREAD_SHAPES = ("a", "b")
THREAD_TARGETS = {2: 1.7}


def eq_run_thread_args(threads):
    """eq-run arguments for `threads` threads of the int8 kernels."""
    return ["--num-threads", str(int(threads))]


class ToolError(Exception):
    pass


def run_tool(cmd, retries=4):
    """Runs a build/bin tool. A missing binary or "text file busy" (the build
    directory being relinked) is retried after 30 s; a non-zero exit is a
    ToolError carrying the command and its stderr."""
    for attempt in range(retries + 1):
        try:
            p = subprocess.run([str(c) for c in cmd], capture_output=True,
                               text=True)
            break
        except OSError as e:
            if attempt == retries or e.errno not in (errno.ENOENT,
                                                     errno.ETXTBSY):
                raise ToolError(f"cannot run {cmd[0]}: {e}")
            print(f"  ({os.path.basename(str(cmd[0]))}: {e.strerror}; "
                  f"build directory busy? retrying in 30 s)", flush=True)
            time.sleep(30)
    if p.returncode != 0:
        short = " ".join(os.path.basename(str(c)) if i == 0 else str(c)
                         for i, c in enumerate(cmd))
        raise ToolError(f"{short}\nexited with {p.returncode}; stderr:\n"
                        + p.stderr.strip()[-4000:])
    return p


def eq_benchmark(mlir, inputs, runs, threads=1):
    args = [EQ_RUN, mlir]
    for x in inputs:
        args += ["--input", x]
    p = run_tool(args + ["--benchmark", str(runs)]
                 + eq_run_thread_args(threads))
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ToolError(f"eq-run --benchmark printed no JSON line:\n{p.stdout}")


def eq_output(mlir, inputs, output, threads=1):
    """Runs once, writes the single result to `output`; returns ms of that
    call (eq-run --benchmark 1: one warm-up call, one timed)."""
    args = [EQ_RUN, mlir]
    for x in inputs:
        args += ["--input", x]
    p = run_tool(args + ["--output", output, "--benchmark", "1"]
                 + eq_run_thread_args(threads))
    return json.loads(p.stdout.strip().splitlines()[-1])["median_ms"]


def torch_time(fn, runs, warmup=3):
    """Median ms of `runs` calls of fn() after warm-up."""
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            fn()
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def runs_for(ms, budget_s, lo, hi):
    return int(max(lo, min(hi, budget_s * 1e3 / max(ms, 1e-3))))


# ---------------------------------------------------------------------------
# Cutting the kernel out of a converted module (text level; the integer ops
# are copied verbatim).

SSA = r"%[A-Za-z0-9_$.\-]+"
_BLOCKARG_RE = re.compile(r"(" + SSA + r"):(?!\d)")
_QTYPE_RE = re.compile(r"!quant\.uniform<([ui])(\d+):f32,\s*([-+0-9.eE]+)(?::(-?\d+))?>")


def _indent(line):
    return len(line) - len(line.lstrip(" "))


class Stmt:
    def __init__(self, lines):
        self.lines = lines
        self.text = "\n".join(lines)
        first = lines[0].strip()
        m = re.match(r"((?:" + SSA + r"(?::\d+)?\s*,\s*)*" + SSA +
                     r"(?::\d+)?)\s*=\s*(\S+)", first)
        if m:
            self.results = [r.split(":")[0].strip()
                            for r in m.group(1).split(",")]
            self.op = m.group(2).split("(")[0]
        else:
            self.results = []
            self.op = first.split()[0].split("(")[0]
        inner = set()
        for line in lines[1:]:
            s = line.strip()
            mm = re.match(r"((?:" + SSA + r"(?::\d+)?\s*,\s*)*" + SSA +
                          r"(?::\d+)?)\s*=", s)
            if mm:
                inner.update(r.split(":")[0].strip()
                             for r in mm.group(1).split(","))
            if s.startswith("^"):
                inner.update(_BLOCKARG_RE.findall(s))
        self.uses = [u for u in dict.fromkeys(re.findall(SSA, self.text))
                     if u not in inner and u not in self.results]


def parse_entry(text, entry="forward"):
    """Splits a printed module into (prefix lines, header line, [Stmt],
    suffix lines) around func.func @entry."""
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines)
                  if re.match(r"\s*func\.func (public )?@" + re.escape(entry)
                              + r"\(", l)), None)
    if start is None:
        raise ToolError(f"no func.func @{entry} in the converted module")
    if not lines[start].rstrip().endswith("{"):
        raise ToolError("unexpected function header: " + lines[start])
    fn_indent = _indent(lines[start])
    body_indent = _indent(lines[start + 1])
    stmts, cur, i = [], None, start + 1
    while i < len(lines):
        l = lines[i]
        ind = _indent(l)
        if l.strip() and ind <= fn_indent:
            break  # the function's closing brace
        if ind == body_indent and not l.strip().startswith(("}", "^")):
            if cur:
                stmts.append(Stmt(cur))
            cur = [l]
        else:
            cur.append(l)
        i += 1
    if cur:
        stmts.append(Stmt(cur))
    return lines[:start], lines[start], stmts, lines[i + 1:]


def quant_type(type_text):
    """(storage 'u8'/'i8', scale, zero point) of the first !quant.uniform."""
    m = _QTYPE_RE.search(type_text)
    if not m:
        raise ToolError("no !quant.uniform type in: " + type_text)
    return (("u" if m.group(1) == "u" else "i") + m.group(2),
            float(m.group(3)), int(m.group(4) or 0))


def _slice(stmts, target, stop):
    """Indices of the statements `target` depends on, not looking through
    the values in `stop`; and the free values (not defined by a statement)."""
    by_result = {r: i for i, s in enumerate(stmts) for r in s.results}
    need, free, work = set(), set(), [target]
    seen = set()
    while work:
        v = work.pop()
        if v in seen or v in stop:
            continue
        seen.add(v)
        if v not in by_result:
            free.add(v)
            continue
        i = by_result[v]
        if i not in need:
            need.add(i)
            work.extend(stmts[i].uses)
    return sorted(need), free


def cut_kernel(text, entry="forward"):
    """From a converted one-layer module, returns (kernel module text,
    input-quantization module text, info). See the module docstring."""
    prefix, header, stmts, suffix = parse_entry(text, entry)
    args = re.findall(r"(" + SSA + r"):", header.split(")")[0])
    ret = stmts[-1]
    if ret.op not in ("return", "func.return") or len(ret.uses) != 1:
        raise ToolError("expected a one-result return, got: " + ret.text)
    by_result = {r: s for s in stmts for r in s.results}
    deq = by_result.get(ret.uses[0])
    if deq is None or deq.op != "eqq.dequantize":
        raise ToolError("the returned value is not an eqq.dequantize: "
                        + (deq.text if deq else ret.uses[0]))
    out_scast = by_result.get(deq.uses[0])
    if out_scast is None or out_scast.op != "quant.scast":
        raise ToolError("the dequantized value is not a quant.scast: "
                        + (out_scast.text if out_scast else deq.uses[0]))
    m = re.search(r":\s*(tensor<[^>]*>)\s+to\s+(tensor<.*>)\s*$",
                  out_scast.lines[0])
    if not m or "quant" in m.group(1):
        raise ToolError("unexpected output quant.scast: " + out_scast.text)
    out_type, out_q = m.group(1), quant_type(m.group(2))
    out_value = out_scast.uses[0]

    # The quant.scast ops from a quantized type to storage that the output
    # depends on: exactly one, the layer input's.
    need, free = _slice(stmts, out_value, stop=set())
    in_scasts = [stmts[i] for i in need if stmts[i].op == "quant.scast"]
    if len(in_scasts) != 1:
        raise ToolError(f"expected one input quant.scast, found "
                        f"{len(in_scasts)}")
    in_scast = in_scasts[0]
    m = re.search(r":\s*(tensor<.*>)\s+to\s+(tensor<[^>]*>)\s*$",
                  in_scast.lines[0])
    if not m or "quant" in m.group(2):
        raise ToolError("unexpected input quant.scast: " + in_scast.text)
    in_type, in_q = m.group(2), quant_type(m.group(1))
    in_value = in_scast.results[0]

    k_need, k_free = _slice(stmts, out_value, stop={in_value})
    if k_free:
        raise ToolError("the integer program reads values other than the "
                        "quantized input: " + ", ".join(sorted(k_free)))
    f_need, _ = _slice(stmts, in_value, stop=set())

    def module(sig, body_idx, result, rtype):
        ind = " " * _indent(stmts[0].lines[0])
        fn_ind = " " * _indent(header)
        body = [l for i in body_idx for l in stmts[i].lines]
        return "\n".join(prefix + [fn_ind + f"func.func @{entry}({sig}) -> "
                                   f"{rtype} {{"] + body +
                         [ind + f"return {result} : {rtype}", fn_ind + "}"]
                         + suffix) + "\n"

    kernel = module(f"{in_value}: {in_type}", k_need, out_value, out_type)
    arg_sig = header[header.index("(") + 1:header.index(")")]
    front = module(arg_sig, f_need, in_value, in_type)
    ops = [stmts[i].op for i in k_need]
    info = {"in_type": in_type, "out_type": out_type, "in_q": in_q,
            "out_q": out_q, "ops": ops, "args": args,
            "generics": sum(op == "linalg.generic" for op in ops)}
    bad = [op for op in ops if op.split(".")[0] in ("eqq", "quant")]
    if bad:
        raise ToolError("the cut-out kernel still has " + ", ".join(bad))
    return kernel, front, info


def op_summary(ops):
    counts = {}
    for op in ops:
        counts[op] = counts.get(op, 0) + 1
    return ", ".join(f"{op}" + (f" x{n}" if n > 1 else "")
                     for op, n in counts.items())


# ---------------------------------------------------------------------------
# The VNNI peak probe.

PROBE_ACC = 16
PROBE_B = 8  # distinct weight vectors (16 accumulators + 8 + 1 zmm registers)


def probe_mlir(iters):
    accs = [f"%x{i}" for i in range(PROBE_ACC)]
    vt = "vector<16xi32>"
    lines = [
        "llvm.func @vnni_loop(%a: vector<64xi8>, "
        + ", ".join(f"%b{j}: vector<64xi8>" for j in range(PROBE_B))
        + f") -> !llvm.array<{PROBE_ACC} x {vt}> {{",
        "  %c0 = arith.constant 0 : index",
        "  %c1 = arith.constant 1 : index",
        f"  %n = arith.constant {iters} : index",
        f"  %zero = arith.constant dense<0> : {vt}",
        f"  %r:{PROBE_ACC} = scf.for %i = %c0 to %n step %c1 iter_args("
        + ", ".join(f"{a} = %zero" for a in accs) + ") -> ("
        + ", ".join([vt] * PROBE_ACC) + ") {",
    ]
    for i, a in enumerate(accs):
        lines.append(f"    %y{i} = llvm.call_intrinsic "
                     f"\"llvm.x86.avx512.vpdpbusd.512\"({a}, %a, %b{i % PROBE_B})"
                     f" : ({vt}, vector<64xi8>, vector<64xi8>) -> {vt}")
    lines.append("    scf.yield " + ", ".join(f"%y{i}" for i in range(PROBE_ACC))
                 + " : " + ", ".join([vt] * PROBE_ACC))
    lines.append("  }")
    lines.append(f"  %s0 = llvm.mlir.undef : !llvm.array<{PROBE_ACC} x {vt}>")
    for i in range(PROBE_ACC):
        lines.append(f"  %s{i + 1} = llvm.insertvalue %r#{i}, %s{i}[{i}] : "
                     f"!llvm.array<{PROBE_ACC} x {vt}>")
    lines.append(f"  llvm.return %s{PROBE_ACC} : !llvm.array<{PROBE_ACC} x {vt}>")
    lines.append("}")
    # The entry: tensors in and out (eq-run's interface); the loop is in an
    # llvm.func because --eqq-lower-to-llvm's buffer-deallocation pipeline
    # rejects llvm.call_intrinsic inside a func.func ("ops with unknown
    # memory side effects are not supported").
    lines += [
        f"func.func @forward(%a: tensor<64xi8>, %b: tensor<{PROBE_B}x64xi8>) "
        f"-> tensor<{PROBE_ACC}x16xi32> {{",
        "  %c0 = arith.constant 0 : index",
        "  %z8 = arith.constant 0 : i8",
        "  %va = vector.transfer_read %a[%c0], %z8 {in_bounds = [true]} : "
        "tensor<64xi8>, vector<64xi8>",
    ]
    for j in range(PROBE_B):
        lines.append(f"  %cb{j} = arith.constant {j} : index")
        lines.append(f"  %vb{j} = vector.transfer_read %b[%cb{j}, %c0], %z8 "
                     f"{{in_bounds = [true]}} : tensor<{PROBE_B}x64xi8>, "
                     f"vector<64xi8>")
    lines.append("  %r = llvm.call @vnni_loop(%va, "
                 + ", ".join(f"%vb{j}" for j in range(PROBE_B)) + ") : ("
                 + ", ".join(["vector<64xi8>"] * (PROBE_B + 1))
                 + f") -> !llvm.array<{PROBE_ACC} x {vt}>")
    lines.append(f"  %t0 = tensor.empty() : tensor<{PROBE_ACC}x16xi32>")
    for i in range(PROBE_ACC):
        lines.append(f"  %e{i} = llvm.extractvalue %r[{i}] : "
                     f"!llvm.array<{PROBE_ACC} x {vt}>")
        lines.append(f"  %ci{i} = arith.constant {i} : index")
        lines.append(f"  %t{i + 1} = vector.transfer_write %e{i}, %t{i}[%ci{i}, "
                     f"%c0] {{in_bounds = [true]}} : {vt}, "
                     f"tensor<{PROBE_ACC}x16xi32>")
    lines.append(f"  return %t{PROBE_ACC} : tensor<{PROBE_ACC}x16xi32>")
    lines.append("}")
    return "\n".join(lines) + "\n"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


class CpuShare:
    """CPU time taken by other processes (and the hypervisor's steal) while
    this one ran, as a share of all CPUs: /proc/stat's busy time minus this
    process's and its waited-for children's CPU time (os.times)."""

    @staticmethod
    def _busy():
        try:
            with open("/proc/stat") as f:
                v = [int(t) for t in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        # user nice system idle iowait irq softirq steal
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf(
            "SC_CLK_TCK")

    @staticmethod
    def _self():
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __init__(self):
        self.busy, self.own, self.wall = (self._busy(), self._self(),
                                          time.perf_counter())

    def others(self):
        """Share (0..1) of the CPUs used by others since construction."""
        busy = self._busy()
        if busy is None or self.busy is None:
            return None
        wall = time.perf_counter() - self.wall
        other = (busy - self.busy) - (self._self() - self.own)
        return max(0.0, other) / (wall * (os.cpu_count() or 1))


def others_text(share):
    if share is None:
        return "CPU time of other processes: unknown (no /proc/stat)"
    return (f"other processes used {100 * share:.0f}% of the "
            f"{os.cpu_count()} CPUs meanwhile"
            + (" (BUSY MACHINE: the numbers are disturbed)"
               if share > BUSY_SHARE else ""))


BUSY_SHARE = 0.10


def has_vnni():
    return "avx512_vnni" in cpu_info()[1]


def vnni_probe(tmp, rounds):
    """Returns peak GOP/s of vpdpbusd through eq-opt + eq-run, or None."""
    print("\nVNNI peak probe")
    if not has_vnni():
        print("  skipped: /proc/cpuinfo lists no avx512_vnni on this machine; "
              "no peak, no fraction-of-peak column")
        return None
    iters = 400_000
    src = os.path.join(tmp, "probe.mlir")
    low = os.path.join(tmp, "probe.llvm.mlir")
    with open(src, "w") as f:
        f.write(probe_mlir(iters))
    run_tool([EQ_OPT, src, "--eqq-lower-to-llvm=threads=1", "-o", low])
    if "vpdpbusd" not in open(low).read():
        raise ToolError("the lowered probe has no vpdpbusd call")
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, 64).astype(np.uint8)
    b = rng.integers(-128, 128, (PROBE_B, 64)).astype(np.int8)
    a_npy, b_npy, o_npy = (os.path.join(tmp, n) for n in
                           ("probe_a.npy", "probe_b.npy", "probe_o.npy"))
    np.save(a_npy, a.view(np.int8))
    np.save(b_npy, b)
    eq_output(low, [a_npy, b_npy], o_npy)
    got = np.load(o_npy)
    per = (a.astype(np.int64)[None, :] * b.astype(np.int64)).reshape(
        PROBE_B, 16, 4).sum(-1)
    want = np.stack([per[i % PROBE_B] for i in range(PROBE_ACC)]) * iters
    want = ((want + 2**31) % 2**32 - 2**31).astype(np.int32)
    exact = np.array_equal(got, want)
    meds = [eq_benchmark(low, [a_npy, b_npy], 30)["median_ms"]
            for _ in range(rounds)]
    ms = statistics.median(meds)
    ops = 2 * 64 * PROBE_ACC * iters
    peak = ops / (ms * 1e-3) / 1e9
    print(f"  {PROBE_ACC} accumulators x {iters} iterations of "
          f"llvm.x86.avx512.vpdpbusd.512: median {ms:.3f} ms "
          f"(rounds: {', '.join(f'{m:.3f}' for m in meds)}) -> "
          f"{peak:.0f} GOP/s; result vs NumPy: "
          f"{'bit-exact' if exact else 'WRONG'}")
    if not exact:
        raise ToolError("the VNNI probe computed a wrong result")
    return peak


# ---------------------------------------------------------------------------
# One shape.

class Wrap(torch.nn.Module):
    """A one-layer model; the layer is named `layer` on both sides."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x)


NOEQ_CONFIG = {"qconfig": {"global": None,
                           "object_type": {"linear": "default",
                                           "conv2d": "default"}}}


def torch_int8(model, x):
    """PyTorch onednn int8: (converted GraphModule, quantized layer,
    quantized input)."""
    from torch.ao.quantization import QConfigMapping, default_qconfig
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    prepared = prepare_fx(model, QConfigMapping().set_global(default_qconfig),
                          (x,))
    with torch.no_grad():
        prepared(x)
    gm = convert_fx(prepared)
    scale = float(gm.layer_input_scale_0)
    zp = int(gm.layer_input_zero_point_0)
    xq = torch.quantize_per_tensor(x, scale, zp, torch.quint8)
    return gm, gm.layer, xq


def prepare_shape(spec, tmp):
    """Exports, converts and cuts out the kernel of one shape; builds the
    PyTorch side; runs the correctness checks. Returns what the timing
    sections need."""
    key, name = spec["key"], spec["name"]
    print(f"\n({key}) {name}: {spec['ops'] / 1e6:.1f} MOP per forward "
          f"(2 x MACs); compared: {spec['compare']}")
    torch.manual_seed(0)
    model = Wrap(spec["make"]()).eval()
    x = torch.randn(*spec["shape"])
    with torch.no_grad():
        ref = model(x).numpy()
    gm, qlayer, xq = torch_int8(model, x)
    with torch.no_grad():
        tq = qlayer(xq)

    d = os.path.join(tmp, key)
    os.makedirs(d)
    f_mlir, q_mlir, k_mlir, fr_mlir = (os.path.join(d, n) for n in (
        "float.mlir", "int8.mlir", "kernel.mlir", "front.mlir"))
    x_npy, cfg = os.path.join(d, "x.npy"), os.path.join(d, "noeq.json")
    t0 = time.perf_counter()
    with open(f_mlir, "w") as f:
        f.write(export_module(model, (x,)))
    np.save(x_npy, x.numpy())
    with open(cfg, "w") as f:
        json.dump(NOEQ_CONFIG, f)
    t1 = time.perf_counter()
    run_tool([EQ_OPT, f_mlir, "--eqq-prepare=config=" + cfg,
              "--eqq-calibrate=data=" + x_npy, "--eqq-convert", "-o", q_mlir])
    t2 = time.perf_counter()
    with open(q_mlir) as f:
        kernel, front, info = cut_kernel(f.read())
    with open(k_mlir, "w") as f:
        f.write(kernel)
    with open(fr_mlir, "w") as f:
        f.write(front)
    print(f"  export {t1 - t0:.1f} s, eq-opt prepare+calibrate+convert "
          f"{t2 - t1:.1f} s; kernel module: {info['in_type']} -> "
          f"{info['out_type']}: {op_summary(info['ops'])}")
    if info["generics"] != 2:
        print(f"  NOTE: expected 2 linalg.generic (accumulate, requantize) in "
              f"the integer program, found {info['generics']}")

    # Correctness.
    xq_npy, yq_npy, y_npy = (os.path.join(d, n) for n in
                             ("xq.npy", "yq.npy", "y.npy"))
    eq_output(fr_mlir, [x_npy], xq_npy)
    xq_eq = np.load(xq_npy).view(np.uint8)
    xq_t = xq.int_repr().numpy()
    in_diff = int((xq_eq != xq_t).sum())
    k_ms = eq_output(k_mlir, [xq_npy], yq_npy)
    e_ms = eq_output(q_mlir, [x_npy], y_npy)
    _, o_scale, o_zp = info["out_q"]
    yq = np.load(yq_npy).view(np.uint8 if info["out_q"][0] == "u8" else np.int8)
    deq = (yq.astype(np.float32) - np.float32(o_zp)) * np.float32(o_scale)
    y_full = np.load(y_npy)
    self_diff = float(np.abs(deq - y_full).max())
    tq_int = tq.int_repr().numpy()
    qd = np.abs(yq.astype(np.int32) - tq_int.astype(np.int32))
    err_q = np.abs(deq - ref) / o_scale
    check = {
        "input_mismatch": in_diff,
        "kernel_vs_converted": self_diff,
        "vs_torch_count": int((qd != 0).sum()),
        "vs_torch_max": int(qd.max()),
        "vs_float_max_q": float(err_q.max()),
        "vs_float_mean_q": float(err_q.mean()),
        "scale_torch": (float(tq.q_scale()), int(tq.q_zero_point())),
        "scale_eqq": (o_scale, o_zp),
    }
    ok = (self_diff == 0.0 and check["vs_float_mean_q"] < 1.0
          and check["vs_float_max_q"] <= 8.0)
    print(f"  check: quantized input vs PyTorch's: {in_diff} of {xq_t.size} "
          f"differ; kernel module (dequantized) vs converted module: max "
          f"|diff| {self_diff:.3g}; int8 output vs PyTorch onednn's: "
          f"{check['vs_torch_count']} of {qd.size} differ (max "
          f"{check['vs_torch_max']} quanta; output qparams eqq "
          f"{o_scale:.6g}/{o_zp}, torch {check['scale_torch'][0]:.6g}/"
          f"{check['scale_torch'][1]}); vs float: max "
          f"{check['vs_float_max_q']:.2f}, mean {check['vs_float_mean_q']:.3f}"
          f" output quanta => {'OK' if ok else 'SUSPECT'}")
    return {"spec": spec, "check": check, "ok": ok, "gm": gm,
            "qlayer": qlayer, "x": x, "xq": xq, "dir": d, "f_mlir": f_mlir,
            "q_mlir": q_mlir, "k_mlir": k_mlir, "x_npy": x_npy,
            "xq_npy": xq_npy, "yq_npy": yq_npy, "k_ms": k_ms, "e_ms": e_ms}


def time_single(prep, args):
    """The single-thread section for one shape: EqQuant (--num-threads 1)
    and PyTorch (torch.set_num_threads(1)), interleaved rounds."""
    spec, gm, qlayer, x, xq = (prep[k] for k in
                               ("spec", "gm", "qlayer", "x", "xq"))
    f_mlir, q_mlir, k_mlir, x_npy, xq_npy = (prep[k] for k in (
        "f_mlir", "q_mlir", "k_mlir", "x_npy", "xq_npy"))
    k_ms, e_ms = prep["k_ms"], prep["e_ms"]
    assert torch.get_num_threads() == 1
    print("  timing, 1 thread (eq-run --num-threads 1, "
          "torch.set_num_threads(1))")
    # Timing: pick N per measurement from first timings.
    tk_ms = torch_time(lambda: qlayer(xq), 3)
    te_ms = torch_time(lambda: gm(x), 3)
    f_ms = eq_benchmark(f_mlir, [x_npy], 1)["median_ms"]
    b = args.budget
    n = {"tk": runs_for(tk_ms, b, 5, 1000), "te": runs_for(te_ms, b, 5, 1000),
         "ek": runs_for(k_ms, b, 3, 1000), "ee": runs_for(e_ms, b, 3, 1000),
         "ef": runs_for(f_ms, b, 3, 1000)}
    print(f"  runs per round: torch kernel {n['tk']}, torch e2e {n['te']}, "
          f"eqq kernel {n['ek']}, eqq int8 e2e {n['ee']}, eqq float "
          f"{n['ef']}; {args.rounds} rounds")
    meds = {k: [] for k in ("tk", "te", "ek", "ee", "ef")}
    compile_ms = {"ek": [], "ee": [], "ef": []}
    for r in range(args.rounds):
        meds["tk"].append(torch_time(lambda: qlayer(xq), n["tk"]))
        res = eq_benchmark(k_mlir, [xq_npy], n["ek"])
        meds["ek"].append(res["median_ms"])
        compile_ms["ek"].append(res["compile_ms"])
        meds["te"].append(torch_time(lambda: gm(x), n["te"]))
        res = eq_benchmark(q_mlir, [x_npy], n["ee"])
        meds["ee"].append(res["median_ms"])
        compile_ms["ee"].append(res["compile_ms"])
        res = eq_benchmark(f_mlir, [x_npy], n["ef"])
        meds["ef"].append(res["median_ms"])
        compile_ms["ef"].append(res["compile_ms"])
        print(f"  round {r + 1}: torch kernel {meds['tk'][-1]:.3f} ms, eqq "
              f"kernel {meds['ek'][-1]:.3f} ms, torch e2e "
              f"{meds['te'][-1]:.3f} ms, eqq int8 e2e {meds['ee'][-1]:.3f} ms,"
              f" eqq float {meds['ef'][-1]:.3f} ms")
    t = {k: statistics.median(v) for k, v in meds.items()}
    print(f"  eq-run compile (excluded): kernel "
          f"{statistics.median(compile_ms['ek']):.0f} ms, int8 "
          f"{statistics.median(compile_ms['ee']):.0f} ms, float "
          f"{statistics.median(compile_ms['ef']):.0f} ms")
    if t["ee"] > 1.5 * t["ek"] + 1.0:
        print(f"  NOTE: the int8 model end to end takes {t['ee'] / t['ek']:.1f}x"
              f" its kernel's time ({t['ee']:.3f} vs {t['ek']:.3f} ms), more "
              f"than quantizing the input and dequantizing the output should "
              f"cost: look at how the full module is lowered (e.g. the input "
              f"quantize fused into the accumulating generic and recomputed "
              f"per output)")
    return {"spec": spec, "t": t, "check": prep["check"], "ok": prep["ok"]}


def time_threads(prep, nthreads, args):
    """The thread section for one shape: the kernel module with eq-run
    --num-threads N vs --num-threads 1, and PyTorch's quantized layer with
    torch.set_num_threads(N) vs 1 (reference only), interleaved rounds with
    the order swapped every round."""
    spec, qlayer, xq = prep["spec"], prep["qlayer"], prep["xq"]
    k_mlir, xq_npy = prep["k_mlir"], prep["xq_npy"]
    key = spec["key"]
    print(f"\n({key}) {spec['name']}: kernel, {nthreads} threads vs 1")
    # Correctness: the parallel loops compute the same bytes.
    yn_npy = os.path.join(prep["dir"], f"yq_t{nthreads}.npy")
    kn_ms = eq_output(k_mlir, [xq_npy], yn_npy, threads=nthreads)
    same = np.array_equal(np.load(yn_npy), np.load(prep["yq_npy"]))
    print(f"  check: {nthreads}-thread kernel output vs 1-thread: "
          f"{'bit-exact' if same else 'DIFFERENT'}")
    if not same:
        raise ToolError(f"the {nthreads}-thread kernel output differs from "
                        f"the 1-thread output")
    b = args.budget
    share = CpuShare()
    try:
        torch.set_num_threads(nthreads)
        tn_ms = torch_time(lambda: qlayer(xq), 3)
        torch.set_num_threads(1)
        t1_ms = torch_time(lambda: qlayer(xq), 3)
        n = {"e1": runs_for(prep["k_ms"], b, 3, 1000),
             "en": runs_for(kn_ms, b, 3, 1000),
             "t1": runs_for(t1_ms, b, 5, 1000),
             "tn": runs_for(tn_ms, b, 5, 1000)}
        print(f"  runs per round: eqq 1 thread {n['e1']}, eqq {nthreads} "
              f"threads {n['en']}, torch 1 thread {n['t1']}, torch "
              f"{nthreads} threads {n['tn']}; {args.thread_rounds} rounds")
        meds = {k: [] for k in ("e1", "en", "t1", "tn")}

        def eqq(which):
            th = 1 if which == "e1" else nthreads
            meds[which].append(eq_benchmark(k_mlir, [xq_npy], n[which],
                                            threads=th)["median_ms"])

        def tor(which):
            torch.set_num_threads(1 if which == "t1" else nthreads)
            try:
                meds[which].append(torch_time(lambda: qlayer(xq), n[which]))
            finally:
                torch.set_num_threads(1)

        for r in range(args.thread_rounds):
            order = ("1", "n") if r % 2 == 0 else ("n", "1")
            for o in order:
                eqq("e" + o)
            for o in order:
                tor("t" + o)
            print(f"  round {r + 1}: eqq {meds['e1'][-1]:.3f} ms (1 thread) "
                  f"vs {meds['en'][-1]:.3f} ms ({nthreads}) = "
                  f"{meds['e1'][-1] / meds['en'][-1]:.2f}x; torch "
                  f"{meds['t1'][-1]:.3f} ms vs {meds['tn'][-1]:.3f} ms = "
                  f"{meds['t1'][-1] / meds['tn'][-1]:.2f}x")
    finally:
        torch.set_num_threads(1)
    t = {k: statistics.median(v) for k, v in meds.items()}
    others = share.others()
    print(f"  {others_text(others)}")
    return {"spec": spec, "n": nthreads, "t": t, "others": others}


SHAPES = [
    {"key": "a", "name": "Linear 128x1024 -> 1024",
     "make": lambda: torch.nn.Linear(1024, 1024), "shape": (128, 1024),
     "ops": 2 * 128 * 1024 * 1024, "compare": "kernel", "target": 1.1},
    {"key": "b", "name": "Conv2d 1x64x56x56 -> 64, 3x3, pad 1",
     "make": lambda: torch.nn.Conv2d(64, 64, 3, padding=1),
     "shape": (1, 64, 56, 56), "ops": 2 * 64 * 64 * 9 * 56 * 56,
     "compare": "kernel", "target": 1.0},
    {"key": "c", "name": "Linear 1x4096 -> 4096",
     "make": lambda: torch.nn.Linear(4096, 4096), "shape": (1, 4096),
     "ops": 2 * 4096 * 4096, "compare": "kernel", "target": 2.0},
    {"key": "d", "name": "seed ConvModel conv 3 -> 5, 3x3, no pad, no bias, "
     "16x3x224x224",
     "make": lambda: torch.nn.Conv2d(3, 5, 3, bias=False),
     "shape": (16, 3, 224, 224), "ops": 2 * 16 * 5 * 3 * 9 * 222 * 222,
     "compare": "end to end", "target": 2.0},
    {"key": "e", "name": "Conv2d 1x64x56x56 -> 128, 3x3, stride 2, pad 1",
     "make": lambda: torch.nn.Conv2d(64, 128, 3, stride=2, padding=1),
     "shape": (1, 64, 56, 56), "ops": 2 * 128 * 64 * 9 * 28 * 28,
     "compare": "kernel", "target": 1.0},
    {"key": "f", "name": "Conv2d 1x3x224x224 -> 64, 7x7, stride 2, pad 3 (stem)",
     "make": lambda: torch.nn.Conv2d(3, 64, 7, stride=2, padding=3),
     "shape": (1, 3, 224, 224), "ops": 2 * 64 * 3 * 49 * 112 * 112,
     "compare": "kernel", "target": 1.0},
    {"key": "g", "name": "depthwise Conv2d 1x144x56x56, 3x3, pad 1",
     "make": lambda: torch.nn.Conv2d(144, 144, 3, padding=1, groups=144),
     "shape": (1, 144, 56, 56), "ops": 2 * 144 * 9 * 56 * 56,
     "compare": "kernel", "target": 1.0},
    {"key": "h", "name": "Conv2d 1x256x14x14 -> 256, 3x3, pad 1 (ResNet layer3)",
     "make": lambda: torch.nn.Conv2d(256, 256, 3, padding=1),
     "shape": (1, 256, 14, 14), "ops": 2 * 256 * 256 * 9 * 14 * 14,
     "compare": "kernel", "target": 1.0},
    {"key": "i", "name": "Conv2d 1x512x7x7 -> 512, 3x3, pad 1 (ResNet layer4)",
     "make": lambda: torch.nn.Conv2d(512, 512, 3, padding=1),
     "shape": (1, 512, 7, 7), "ops": 2 * 512 * 512 * 9 * 7 * 7,
     "compare": "kernel", "target": 1.0},
]
FLOAT_TARGET = 3.0


def _print_table(hdr, rows, title=None):
    if title:
        print(title)
    widths = [max([len(h)] + [len(r[i]) for r in rows])
              for i, h in enumerate(hdr)]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths))  # noqa
    print(fmt(hdr).rstrip())
    print(fmt(["-" * w for w in widths]))
    for r in rows:
        print(fmt(r).rstrip())


def report(results, errors, peak, tresults=(), terrors=None, others=None):
    gops = lambda spec, ms: spec["ops"] / (ms * 1e-3) / 1e9  # noqa: E731
    pk = lambda g: f"{100 * g / peak:.1f}%" if peak else "n/a"  # noqa: E731
    hdr = ("shape", "compared", "torch ms", "eqq ms", "torch GOP/s",
           "eqq GOP/s", "torch %pk", "eqq %pk", "ratio", "target", "result")
    rows = []
    verdicts = []
    for key in [s["key"] for s in SHAPES]:
        if key in errors:
            rows.append((f"({key})", "-", "-", "-", "-", "-", "-", "-", "-",
                         "-", "ERROR"))
            verdicts.append((key, None))
            continue
        if key not in results:
            continue
        res = results[key]
        spec, t = res["spec"], res["t"]
        lines = [("kernel", t["tk"], t["ek"])]
        lines.append(("end to end", t["te"], t["ee"]))
        for what, th, eq in lines:
            target = spec["target"] if what == spec["compare"] else None
            ratio = th / eq
            verdict = (("PASS" if ratio >= target else "FAIL")
                       if target else "info")
            if target:
                verdicts.append((f"({key}) {spec['name']}: {what}", ratio,
                                 target))
            rows.append((f"({key})", what, f"{th:.3f}", f"{eq:.3f}",
                         f"{gops(spec, th):.1f}", f"{gops(spec, eq):.1f}",
                         pk(gops(spec, th)), pk(gops(spec, eq)),
                         f"{ratio:.3f}x", f">= {target}x" if target else "-",
                         verdict))
    hdr2 = ("shape", "float ms", "int8 ms", "int8 kernel ms", "speedup",
            "target", "result")
    rows2 = []
    for key in [s["key"] for s in SHAPES]:
        if key not in results:
            continue
        t = results[key]["t"]
        sp = t["ef"] / t["ee"]
        rows2.append((f"({key})", f"{t['ef']:.3f}", f"{t['ee']:.3f}",
                      f"{t['ek']:.3f}", f"{sp:.3f}x", f">= {FLOAT_TARGET}x",
                      "PASS" if sp >= FLOAT_TARGET else "FAIL"))
        verdicts.append((f"({key}) int8 model vs EqQuant float", sp,
                         FLOAT_TARGET))
    if rows:
        print("\nSummary (1 thread; ms = median of round medians; speed "
              "ratio = torch_ms / eqq_ms; % = of the VNNI probe's "
              + (f"{peak:.0f} GOP/s" if peak else "peak (not measured)")
              + ")")
        _print_table(hdr, rows)
    if rows2:
        _print_table(hdr2, rows2, title="\nEqQuant int8 model (float in/out) "
                     "vs EqQuant float model, both eq-run (1 thread):")

    terrors = terrors or {}
    if tresults or terrors:
        print(f"\nThreads: EqQuant int8 kernel, eq-run --num-threads N vs "
              f"--num-threads 1 (speedup = time_1 / time_N); PyTorch onednn "
              f"quantized layer, torch.set_num_threads(N) vs 1, for reference "
              f"only. This machine has {os.cpu_count()} cores and is shared "
              f"with other work: noisy, one run; others' CPU = share of the "
              f"{os.cpu_count()} CPUs used by other processes during that "
              f"shape's rounds (a second thread competes with them).")
        hdr3 = ("shape", "N", "eqq 1t ms", "eqq Nt ms", "eqq Nt GOP/s",
                "speedup", "target", "result", "torch 1t ms", "torch Nt ms",
                "torch speedup", "others' CPU")
        rows3 = []
        for tr in tresults:
            spec, t, nt = tr["spec"], tr["t"], tr["n"]
            sp = t["e1"] / t["en"]
            target = THREAD_TARGETS.get(nt)
            rows3.append((f"({spec['key']})", str(nt), f"{t['e1']:.3f}",
                          f"{t['en']:.3f}", f"{gops(spec, t['en']):.1f}",
                          f"{sp:.3f}x",
                          f">= {target}x" if target else "-",
                          ("PASS" if sp >= target else "FAIL") if target
                          else "info", f"{t['t1']:.3f}", f"{t['tn']:.3f}",
                          f"{t['t1'] / t['tn']:.3f}x",
                          "?" if tr["others"] is None
                          else f"{100 * tr['others']:.0f}%"))
            if target:
                verdicts.append((f"({spec['key']}) {spec['name']}: kernel, "
                                 f"{nt} threads vs 1", sp, target, "thread"))
        for what in terrors:
            rows3.append((f"({what})", "-", "-", "-", "-", "-", "-", "ERROR",
                          "-", "-", "-", "-"))
            verdicts.append((what, None))
        _print_table(hdr3, rows3)

    print()
    busy = set()
    for what, share in (others or {}).items():
        print(f"During the {what} section {others_text(share)}")
        if share is not None and share > BUSY_SHARE:
            busy.add(what)
    for key in [s["key"] for s in SHAPES]:
        if key in results and not results[key]["ok"]:
            print(f"WARNING: ({key}) correctness check SUSPECT (see above)")
    for v in verdicts:
        if v[1] is None:
            print(f"ERROR: ({v[0]}) not measured (tool failure above)")
        else:
            section = v[3] if len(v) > 3 else "single-thread"
            print(f"{'PASS' if v[1] >= v[2] else 'FAIL'}: {v[0]}: "
                  f"{v[1]:.3f}x (target >= {v[2]}x)"
                  + (" [measured on a busy machine]" if section in busy
                     else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--budget", type=float, default=0.5,
                    help="seconds per measurement per round (default 0.5)")
    ap.add_argument("--only", default=",".join(s["key"] for s in SHAPES),
                    help="shapes to run, e.g. a,c (default all)")
    ap.add_argument("--threads", default=",".join(map(str, THREADS)),
                    help="thread counts to run (default 1,2): 1 is the "
                    "single-thread section vs PyTorch, N > 1 the thread "
                    "section (N threads vs 1 on "
                    + ", ".join(f"({k})" for k in THREAD_SHAPES) + ")")
    ap.add_argument("--thread-rounds", type=int, default=7,
                    help="rounds of the thread section (default 7)")
    ap.add_argument("--no-probe", action="store_true")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory and print its path")
    args = ap.parse_args()
    try:
        threads = list(dict.fromkeys(int(t) for t in args.threads.split(",")
                                     if t))
    except ValueError:
        ap.error(f"--threads takes positive integers, e.g. 1,2: "
                 f"{args.threads!r}")
    if not threads or min(threads) < 1:
        ap.error(f"--threads takes positive integers, e.g. 1,2: "
                 f"{args.threads!r}")
    only = set(args.only.split(","))
    multi = [n for n in threads if n != 1]

    torch.set_num_threads(1)
    cfg = torch.__config__.show()
    onednn = next((l.strip(" -") for l in cfg.splitlines() if "MKL-DNN" in l),
                  "MKL-DNN ?")
    print(f"PyTorch {torch.__version__} ({onednn}); quantized engines "
          f"{torch.backends.quantized.supported_engines}, using onednn; "
          f"torch.get_num_threads() = {torch.get_num_threads()}")
    print(f"host: {os.cpu_count()} CPUs, avx512_vnni: "
          f"{'yes' if has_vnni() else 'no'}; eq-opt/eq-run: {BUILD}/bin; "
          f"load average {loadavg()}")
    print(f"thread counts: {', '.join(map(str, threads))} (1: EqQuant "
          f"--num-threads 1 vs PyTorch set_num_threads(1), shapes "
          f"{','.join(sorted(only))}"
          + (f"; {', '.join(map(str, multi))}: EqQuant kernel N threads vs "
             f"1 on {','.join(k for k in THREAD_SHAPES if k in only)}, "
             f"PyTorch for reference" if multi else "")
          + "). The machine is shared with other work and noisy: compare "
          "ratios measured in the same run, not absolute times.")
    for n in multi:
        if n > (os.cpu_count() or 1):
            print(f"NOTE: {n} threads on {os.cpu_count()} CPUs: threads "
                  f"share cores")

    start = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="eqq-int8-speed-")
    results, errors = {}, {}
    tresults, terrors = [], {}
    preps = {}
    peak = None
    single = CpuShare()
    try:
        if 1 in threads and not args.no_probe:
            try:
                peak = vnni_probe(tmp, args.rounds)
            except ToolError as e:
                print(f"  VNNI probe FAILED: {e}")
        for spec in SHAPES:
            key = spec["key"]
            if key not in only:
                continue
            if 1 not in threads and key not in THREAD_SHAPES:
                continue
            try:
                preps[key] = prepare_shape(spec, tmp)
                if 1 in threads:
                    results[key] = time_single(preps[key], args)
            except ToolError as e:
                errors[key] = str(e)
                print(f"  ERROR: {e}")
        others = {"single-thread": single.others()}
        if multi:
            tshare = CpuShare()
            print(f"\nThreads: load average before {loadavg()}")
            for n in multi:
                for key in THREAD_SHAPES:
                    if key not in only:
                        continue
                    if key not in preps:
                        terrors[f"{key}, {n} threads"] = "not built"
                        continue
                    try:
                        tresults.append(time_threads(preps[key], n, args))
                    except ToolError as e:
                        terrors[f"{key}, {n} threads"] = str(e)
                        print(f"  ERROR: {e}")
            others["thread"] = tshare.others()
            print(f"Threads: load average after {loadavg()}; "
                  f"{others_text(others['thread'])}")
        assert torch.get_num_threads() == 1
        report(results, errors, peak, tresults, terrors,
               others if 1 in threads else
               {k: v for k, v in others.items() if k != "single-thread"})
    finally:
        if args.keep:
            print(f"work directory kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"total {time.perf_counter() - start:.0f} s")
    return 1 if errors or terrors else 0


if __name__ == "__main__":
    sys.exit(main())
