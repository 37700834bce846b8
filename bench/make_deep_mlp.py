#!/usr/bin/python3
"""Writes a deep float MLP (default: 50 layers, 512 wide, relu between, batch
32) with weights and biases as dense_resource blobs, the way front ends emit
large constants.

usage: make_deep_mlp.py OUT.mlir [--layers N] [--width W] [--batch B]
"""

import argparse

import numpy as np


def blob(a):
    # dense_resource blobs: a 4-byte alignment header, then raw little-endian data.
    return "0x04000000" + np.ascontiguousarray(a, dtype="<f4").tobytes().hex().upper()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=50)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    n, w, b = args.layers, args.width, args.batch
    rng = np.random.default_rng(0)
    t = f"tensor<{b}x{w}xf32>"
    lines = ["#id = affine_map<(d0, d1) -> (d0, d1)>",
             "#row = affine_map<(d0, d1) -> (d1)>",
             f"func.func @forward(%x0: {t}) -> {t} {{",
             "  %zero = arith.constant 0.0 : f32",
             f"  %e = tensor.empty() : {t}",
             f"  %z = linalg.fill ins(%zero : f32) outs(%e : {t}) -> {t}"]
    resources = []
    x = "x0"
    for i in range(n):
        resources.append(f"      w{i}: \"{blob(rng.standard_normal((w, w)) / np.sqrt(w))}\"")
        resources.append(f"      b{i}: \"{blob(0.1 * rng.standard_normal(w))}\"")
        lines += [
            f"  %w{i} = arith.constant dense_resource<w{i}> : tensor<{w}x{w}xf32>",
            f"  %b{i} = arith.constant dense_resource<b{i}> : tensor<{w}xf32>",
            f"  %m{i} = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
            f"affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] "
            f"ins(%{x}, %w{i} : {t}, tensor<{w}x{w}xf32>) outs(%z : {t}) -> {t} loc(\"layers.{i}\")",
            f"  %y{i} = linalg.generic {{indexing_maps = [#id, #row, #id], iterator_types = "
            f"[\"parallel\", \"parallel\"]}} ins(%m{i}, %b{i} : {t}, tensor<{w}xf32>) outs(%e : {t}) {{",
            "  ^bb0(%a: f32, %c: f32, %o: f32):",
            "    %s = arith.addf %a, %c : f32",
            "    linalg.yield %s : f32",
            f"  }} -> {t}",
        ]
        x = f"y{i}"
        if i + 1 < n:
            lines += [
                f"  %r{i} = linalg.generic {{indexing_maps = [#id, #id], iterator_types = "
                f"[\"parallel\", \"parallel\"]}} ins(%{x} : {t}) outs(%e : {t}) {{",
                "  ^bb0(%a: f32, %o: f32):",
                "    %m = arith.maximumf %a, %zero : f32",
                "    linalg.yield %m : f32",
                f"  }} -> {t}",
            ]
            x = f"r{i}"
    lines.append(f"  return %{x} : {t}")
    lines.append("}")
    lines.append("{-#\n  dialect_resources: {\n    builtin: {")
    lines.append(",\n".join(resources))
    lines.append("    }\n  }\n#-}")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
