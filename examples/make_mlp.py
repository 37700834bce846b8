#!/usr/bin/python3
"""Writes examples/mlp.mlir: a small float MLP (16 -> 32 -> 32 -> 10, relu
between layers) in the input spellings EqQuant recognizes, with layer names
from NameLocs and fixed random weights."""

import os
import numpy as np


def dense(a):
    if a.ndim == 1:
        return "[" + ", ".join("%.6e" % v for v in a) + "]"
    return "[" + ", ".join(dense(r) for r in a) + "]"


def linear(out, name, x, xdim, w, b, batch):
    o, i = w.shape
    out.append(f"  %{name}_w = arith.constant dense<{dense(w)}> : tensor<{o}x{i}xf32>")
    out.append(f"  %{name}_b = arith.constant dense<{dense(b)}> : tensor<{o}xf32>")
    out.append(f"  %{name}_e = tensor.empty() : tensor<{batch}x{o}xf32>")
    out.append(f"  %{name}_init = linalg.broadcast ins(%{name}_b : tensor<{o}xf32>) "
               f"outs(%{name}_e : tensor<{batch}x{o}xf32>) dimensions = [0]")
    out.append(f"  %{name} = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
               f"affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] "
               f"ins(%{x}, %{name}_w : tensor<{batch}x{i}xf32>, tensor<{o}x{i}xf32>) "
               f"outs(%{name}_init : tensor<{batch}x{o}xf32>) -> tensor<{batch}x{o}xf32> loc(\"{name}\")")
    return name


def relu(out, name, x, shape):
    t = f"tensor<{shape}xf32>"
    out.append(f"  %{name}_e = tensor.empty() : {t}")
    out.append(f"  %{name} = linalg.generic {{indexing_maps = [#id, #id], iterator_types = "
               f"[\"parallel\", \"parallel\"]}} ins(%{x} : {t}) outs(%{name}_e : {t}) {{")
    out.append("  ^bb0(%in: f32, %o: f32):")
    out.append("    %zero = arith.constant 0.0 : f32")
    out.append("    %m = arith.maximumf %in, %zero : f32")
    out.append("    linalg.yield %m : f32")
    out.append(f"  }} -> {t}")
    return name


def main():
    rng = np.random.default_rng(0)
    batch, sizes = 8, [16, 32, 32, 10]
    out = ["// A small float MLP, written by examples/make_mlp.py.",
           "#id = affine_map<(d0, d1) -> (d0, d1)>",
           f"func.func @forward(%x: tensor<{batch}x{sizes[0]}xf32>) -> tensor<{batch}x{sizes[-1]}xf32> {{"]
    x = "x"
    for n, (i, o) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = (rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32)
        b = (0.1 * rng.standard_normal(o)).astype(np.float32)
        x = linear(out, f"fc{n + 1}", x, i, w, b, batch)
        if n + 2 < len(sizes):
            x = relu(out, f"relu{n + 1}", x, f"{batch}x{o}")
    out.append(f"  return %{x} : tensor<{batch}x{sizes[-1]}xf32>")
    out.append("}")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp.mlir")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
