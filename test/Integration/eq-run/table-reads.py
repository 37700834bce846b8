# RUN: %python %s %t
#
# Tests every entry of a 256-entry table read in an int8 kernel's epilogue
# (the form --eqq-lookup-tables writes), on every path this CPU runs: a
# 16 x 16 product whose accumulators are 3 + i + 16 j, all 256 residues of
# a byte, indexes a table of random unsigned bytes and one of random signed
# bytes. The outputs must equal the table read in NumPy: with isa=none
# (scalar loads), avx2 (32 lanes of two rows, sixteen vpshufb of the table's
# 16-byte slices, a blend on the index's top bit), portable (a gather), and
# vnni and vbmi (a gather; two vpermi2b) where the CPU has them. Each
# lowering is checked for its table read.

import os
import subprocess
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
flags = open("/proc/cpuinfo").read().split()
has_vnni = "avx512_vnni" in flags and "avx512bw" in flags and "avx512vl" in flags
# isa: whether this CPU runs it, and a string its lowering must hold.
ISAS = {"none": (True, "llvm.load"), "portable": (True, "masked.gather"),
        "avx2": ("avx2" in flags, "llvm.x86.avx2.pshuf.b"),
        "vnni": (has_vnni, "masked.gather"),
        "vbmi": (has_vnni and "avx512vbmi" in flags, "vpermi2var")}


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
    return p.stdout


def dense(a):
    return "dense<[" + ", ".join(
        ("[" + ", ".join(str(int(v)) for v in row) + "]") if a.ndim == 2 else str(int(row))
        for row in a) + "]>"


def module(table):
    # acc[i][j] = 3 + x[i][0] * 1 + x[i][1] * j with x[i] = (i, 16, 0, ...).
    w = np.zeros((16, 8), np.int64)
    w[:, 0] = 1
    w[:, 1] = np.arange(16)
    return """
func.func @forward(%%x: tensor<16x8xi8>) -> tensor<16x16xi8> {
  %%w = arith.constant %s : tensor<16x8xi8>
  %%t = arith.constant %s : tensor<256xi32>
  %%s = arith.constant dense<3> : tensor<16xi32>
  %%e0 = tensor.empty() : tensor<16x16xi32>
  %%start = linalg.broadcast ins(%%s : tensor<16xi32>) outs(%%e0 : tensor<16x16xi32>) dimensions = [0]
  %%acc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%%x, %%w : tensor<16x8xi8>, tensor<16x8xi8>) outs(%%start : tensor<16x16xi32>) {
  ^bb0(%%in: i8, %%in_8: i8, %%out: i32):
    %%2 = arith.extui %%in : i8 to i32
    %%3 = arith.extsi %%in_8 : i8 to i32
    %%4 = arith.muli %%2, %%3 : i32
    %%5 = arith.addi %%out, %%4 : i32
    linalg.yield %%5 : i32
  } -> tensor<16x16xi32>
  %%e = tensor.empty() : tensor<16x16xi8>
  %%y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%%acc : tensor<16x16xi32>) outs(%%e : tensor<16x16xi8>) {
  ^bb0(%%in: i32, %%out: i8):
    %%b = arith.trunci %%in : i32 to i8
    %%i32 = arith.extui %%b : i8 to i32
    %%i = arith.index_cast %%i32 : i32 to index
    %%v = tensor.extract %%t[%%i] : tensor<256xi32>
    %%r = arith.trunci %%v : i32 to i8
    linalg.yield %%r : i8
  } -> tensor<16x16xi8>
  return %%y : tensor<16x16xi8>
}
""" % (dense(w), dense(table))


x = np.zeros((16, 8), np.int8)
x[:, 0] = np.arange(16)
x[:, 1] = 16
x_file = os.path.join(out, "x.npy")
np.save(x_file, x)
index = (3 + np.arange(16)[:, None] + 16 * np.arange(16)[None, :]) % 256
assert len(np.unique(index)) == 256
failures, checks = [], 0
for kind, table in (("unsigned", rng.integers(0, 256, 256)),
                    ("signed", rng.integers(-128, 128, 256))):
    src = os.path.join(out, kind + ".mlir")
    with open(src, "w") as fh:
        fh.write(module(table))
    expected = table[index].astype(np.int64).astype(np.uint8).view(np.int8)
    for isa, (runnable, read) in ISAS.items():
        text = run("eq-opt", src, "--eqq-lower-to-llvm=isa=%s threads=1" % isa)
        if read not in text:
            failures.append("%s %s: no %s in the lowering" % (kind, isa, read))
        if not runnable:
            continue
        y_file = os.path.join(out, "%s.%s.npy" % (kind, isa))
        run("eq-run", src, "--isa=" + isa, "--num-threads", "1", "--input", x_file,
            "--output", y_file)
        y = np.load(y_file)
        checks += 1
        if not np.array_equal(y, expected):
            bad = np.argwhere(y != expected)
            failures.append("%s %s: %d of 256 entries differ, first at index %d" % (
                kind, isa, len(bad), index[tuple(bad[0])]))

print("%d runs checked" % checks)
if failures:
    sys.exit("FAILED:\n" + "\n".join(failures))
print("PASSED")
