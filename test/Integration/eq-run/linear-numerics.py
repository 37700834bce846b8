# RUN: %python %s %t
#
# Tests that eq-run computes linear layers (both weight spellings, bias in the
# init or added after, relu, awkward M/N/K remainders for the vector kernels)
# like a float64 NumPy reference, for the float module, the prepared module
# (observers are the identity) and the module lowered ahead of time with
# --eqq-lower-to-llvm.

import os
import subprocess
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def dense(a):
    return "dense<" + np.array2string(
        a, separator=", ", threshold=1 << 30, floatmode="unique",
        max_line_width=1 << 30).replace("\n", "") + ">"


def model(m, k, n, w, b, spelling, bias, relu):
    t = lambda *s: "tensor<" + "x".join(map(str, s)) + "xf32>"
    lines = ["#id = affine_map<(d0, d1) -> (d0, d1)>",
             "#row = affine_map<(d0, d1) -> (d1)>",
             f"func.func @forward(%x: {t(m, k)}) -> {t(m, n)} {{",
             f"  %w = arith.constant {dense(w)} : {t(n, k)}",
             f"  %b = arith.constant {dense(b)} : {t(n)}",
             "  %zero = arith.constant 0.0 : f32",
             f"  %e = tensor.empty() : {t(m, n)}"]
    if bias == "init":
        lines.append(f"  %init = linalg.broadcast ins(%b : {t(n)}) outs(%e : {t(m, n)}) dimensions = [0]")
    else:
        lines.append(f"  %init = linalg.fill ins(%zero : f32) outs(%e : {t(m, n)}) -> {t(m, n)}")
    if spelling == "transposed_b":
        lines.append(
            f"  %mm = linalg.matmul indexing_maps = [affine_map<(a, c, d) -> (a, d)>, "
            f"affine_map<(a, c, d) -> (c, d)>, affine_map<(a, c, d) -> (a, c)>] "
            f"ins(%x, %w : {t(m, k)}, {t(n, k)}) outs(%init : {t(m, n)}) -> {t(m, n)}")
    else:
        lines.append(f"  %et = tensor.empty() : {t(k, n)}")
        lines.append(f"  %wt = linalg.transpose ins(%w : {t(n, k)}) outs(%et : {t(k, n)}) permutation = [1, 0]")
        lines.append(f"  %mm = linalg.matmul ins(%x, %wt : {t(m, k)}, {t(k, n)}) outs(%init : {t(m, n)}) -> {t(m, n)}")
    y = "mm"
    if bias == "add":
        lines += [f"  %y = linalg.generic {{indexing_maps = [#id, #row, #id], iterator_types = [\"parallel\", \"parallel\"]}} "
                  f"ins(%mm, %b : {t(m, n)}, {t(n)}) outs(%e : {t(m, n)}) {{",
                  "  ^bb0(%a: f32, %c: f32, %o: f32):",
                  "    %s = arith.addf %a, %c : f32",
                  "    linalg.yield %s : f32",
                  f"  }} -> {t(m, n)}"]
        y = "y"
    if relu:
        lines += [f"  %r = linalg.generic {{indexing_maps = [#id, #id], iterator_types = [\"parallel\", \"parallel\"]}} "
                  f"ins(%{y} : {t(m, n)}) outs(%e : {t(m, n)}) {{",
                  "  ^bb0(%a: f32, %o: f32):",
                  "    %v = arith.maximumf %a, %zero : f32",
                  "    linalg.yield %v : f32",
                  f"  }} -> {t(m, n)}"]
        y = "r"
    lines += [f"  return %{y} : {t(m, n)}", "}"]
    return "\n".join(lines) + "\n"


def run(*args):
    subprocess.run(args, check=True)


rng = np.random.default_rng(0)
cases = [(1, 1, 1), (5, 5, 5), (7, 13, 37), (9, 33, 65), (17, 3, 16), (8, 64, 32), (3, 100, 47)]
failures = 0
for i, (m, k, n) in enumerate(cases):
    spelling = ["transposed_b", "transpose_op"][i % 2]
    bias = ["init", "add"][(i // 2) % 2]
    relu = i % 3 == 0
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    ref = x.astype(np.float64) @ w.astype(np.float64).T + b
    if relu:
        ref = np.maximum(ref, 0)
    base = os.path.join(out, f"m{i}")
    with open(base + ".mlir", "w") as f:
        f.write(model(m, k, n, w, b, spelling, bias, relu))
    np.save(base + ".x.npy", x)
    run("eq-opt", base + ".mlir", "--eqq-prepare", "-o", base + ".prepared.mlir")
    run("eq-opt", base + ".mlir", "--eqq-lower-to-llvm", "-o", base + ".llvm.mlir")
    for stage in ["", ".prepared", ".llvm"]:
        run("eq-run", base + stage + ".mlir", "--input", base + ".x.npy",
            "--output", base + stage + ".y.npy")
        y = np.load(base + stage + ".y.npy")
        assert y.dtype == np.float32 and y.shape == (m, n), (y.dtype, y.shape)
        if not np.allclose(y, ref, rtol=1e-5, atol=1e-5):
            failures += 1
            print(f"FAIL {m}x{k}x{n} {spelling} bias={bias} relu={relu} {stage or 'float'}: "
                  f"max abs err {np.abs(y - ref).max()}")
print(f"{len(cases) * 3 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
