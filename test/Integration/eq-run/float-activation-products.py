# RUN: %python %s %t
#
# Tests the kernels --eqq-matmul-kernels gives products of two activations
# (torch.matmul of two tensors: attention's scores and context) against
# PyTorch's matmul in float64: every product must get a kernel, and each
# output must lie within 1e-5 of the sum of |a| * |b| that bounds its
# rounding error, on one and two threads, with the AVX2 tiles (6 rows x 16
# columns) and the AVX-512 ones (8 x 32; isa=vnni picks them, and a module
# without int8 layers runs on any x86 CPU). The shapes cover the remainders (rows not a multiple of the
# tile's, columns not a multiple of 16 and of the panel, a reduction of 1),
# a plain 2-D product, broadcast batch axes on either side, and MiniLM's
# attention at its real size.

import os
import subprocess
import sys

import numpy as np
import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from mlir_text import t  # noqa: E402


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
    return p.stdout


def amap(loops, results):
    return "affine_map<(%s) -> (%s)>" % (", ".join("d%d" % i for i in range(loops)),
                                         ", ".join(results))


# name: (A's shape, B's shape); batch axes broadcast where one side has 1.
CASES = {
    "plain": ((13, 7), (7, 37)),
    "k1": ((5, 1), (1, 16)),
    "narrow": ((3, 9), (9, 5)),
    "broadcast_b": ((2, 3, 11, 8), (1, 3, 8, 40)),
    "broadcast_a": ((1, 4, 7, 5), (3, 4, 5, 19)),
    "minilm_scores": ((1, 12, 128, 32), (1, 12, 32, 128)),
    "minilm_context": ((1, 12, 128, 128), (1, 12, 128, 32)),
}

for name, (ashape, bshape) in CASES.items():
    batch = [max(x, y) for x, y in zip(ashape[:-2], bshape[:-2])]
    m, k, n = ashape[-2], ashape[-1], bshape[-1]
    cshape = batch + [m, n]
    loops = len(cshape) + 1
    nb = len(batch)

    def operand(shape, last):
        return amap(loops, ["d%d" % i if shape[i] == batch[i] else "0" for i in range(nb)] + last)
    maps = [operand(ashape, ["d%d" % nb, "d%d" % (loops - 1)]),
            operand(bshape, ["d%d" % (loops - 1), "d%d" % (nb + 1)]),
            amap(loops, ["d%d" % i for i in range(loops - 1)])]
    iters = ", ".join(['"parallel"'] * (loops - 1) + ['"reduction"'])
    module = f"""func.func @forward(%a: {t(*ashape)}, %b: {t(*bshape)}) -> {t(*cshape)} {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : {t(*cshape)}
  %init = linalg.fill ins(%zero : f32) outs(%e : {t(*cshape)}) -> {t(*cshape)}
  %c = linalg.generic {{indexing_maps = [{", ".join(maps)}], iterator_types = [{iters}]}}
      ins(%a, %b : {t(*ashape)}, {t(*bshape)}) outs(%init : {t(*cshape)}) {{
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }} -> {t(*cshape)}
  return %c : {t(*cshape)}
}}
"""
    base = os.path.join(out, name)
    with open(base + ".mlir", "w") as fh:
        fh.write(module)
    a = rng.standard_normal(ashape).astype(np.float32)
    b = rng.standard_normal(bshape).astype(np.float32)
    np.save(base + ".a.npy", a)
    np.save(base + ".b.npy", b)

    # The product got a kernel.
    ir = run("eq-opt", base + ".mlir",
             "--one-shot-bufferize=bufferize-function-boundaries "
             "function-boundary-type-conversion=identity-layout-map",
             "--eqq-matmul-kernels")
    assert "linalg.generic" not in ir and "vector.fma" in ir, name + ": no kernel"

    ta, tb = torch.from_numpy(a).double(), torch.from_numpy(b).double()
    ref = torch.matmul(ta, tb).numpy()
    bound = torch.matmul(ta.abs(), tb.abs()).numpy()
    # Two threads with every parallel loop kept parallel.
    run("eq-opt", base + ".mlir", "--eqq-lower-to-llvm=threads=2 min-parallel-work=0",
        "-o", base + ".t2.mlir")
    if nb:
        with open(base + ".t2.mlir") as fh:
            assert "omp.parallel" in fh.read(), name + ": no parallel loop"
    for label, module, extra in (("1 thread", base + ".mlir", ["--num-threads", "1"]),
                                 ("2 threads", base + ".t2.mlir", ["--num-threads", "2"]),
                                 ("6x16 tiles", base + ".mlir", ["--isa", "avx2"]),
                                 ("8x32 tiles", base + ".mlir", ["--isa", "vnni"])):
        c_file = "%s.c.npy" % base
        run("eq-run", module, "--input", base + ".a.npy", "--input", base + ".b.npy",
            "--output", c_file, *extra)
        c = np.load(c_file)
        assert c.shape == ref.shape, (name, c.shape, ref.shape)
        err = float((np.abs(c - ref) / bound).max())
        print(name, label, "max error / bound %.3g" % err)
        assert err < 1e-5, (name, label, err)
print("OK")
