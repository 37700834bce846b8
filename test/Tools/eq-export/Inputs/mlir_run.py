"""Runs an exported module without EqQuant (and without PyTorch): appends a @main that calls the
entry on constant inputs and prints each result's f32 bits (exact) with
printMemrefI32, lowers with upstream mlir-opt passes and runs mlir-runner."""

import os
import re
import shutil
import subprocess

import numpy as np


def _ttype(shape):
    return "tensor<" + "".join("%dx" % d for d in shape) + "f32>"

PIPELINE = [
    "--one-shot-bufferize=bufferize-function-boundaries",
    "--convert-linalg-to-loops", "--expand-strided-metadata", "--lower-affine",
    "--convert-scf-to-cf", "--finalize-memref-to-llvm", "--convert-arith-to-llvm",
    "--convert-func-to-llvm", "--convert-cf-to-llvm", "--reconcile-unrealized-casts",
]


def tool(name):
    path = shutil.which(name) or os.path.join("/usr/lib/llvm-22/bin", name)
    if not os.path.exists(path):
        raise RuntimeError("%s not found" % name)
    return path


def runner_libs():
    libdir = os.path.join(os.path.dirname(os.path.realpath(tool("mlir-runner"))), "..", "lib")
    return ",".join(os.path.join(libdir, lib) for lib in
                    ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))


def wrap(text, inputs, out_shapes, entry="forward"):
    """The exported module plus a @main printing the results' bits."""
    lines = ["func.func @main() {"]
    in_names = []
    for i, x in enumerate(inputs):
        x = np.asarray(x, dtype=np.float32)
        # The hex form of a dense attribute: the raw little-endian data, exact.
        hexdata = np.ascontiguousarray(x, dtype="<f4").tobytes().hex().upper()
        lines.append('  %%x%d = arith.constant dense<"0x%s"> : %s' % (i, hexdata, _ttype(x.shape)))
        in_names.append(("%%x%d" % i, _ttype(x.shape)))
    rtypes = [_ttype(s) for s in out_shapes]
    res = ", ".join("%%y%d" % i for i in range(len(out_shapes)))
    rsig = rtypes[0] if len(rtypes) == 1 else "(" + ", ".join(rtypes) + ")"
    lines.append("  %s = func.call @%s(%s) : (%s) -> %s" % (
        res, entry, ", ".join(n for n, _ in in_names), ", ".join(t for _, t in in_names), rsig))
    for i, s in enumerate(out_shapes):
        r = len(s)
        ft, it = _ttype(s), _ttype(s).replace("xf32>", "xi32>").replace("<f32>", "<i32>")
        mt = it.replace("tensor<", "memref<")
        ident = "affine_map<(%s) -> (%s)>" % ((", ".join("d%d" % d for d in range(r)),) * 2)
        iters = ", ".join(['"parallel"'] * r)
        lines += [
            "  %%e%d = tensor.empty() : %s" % (i, it),
            "  %%b%d = linalg.generic {indexing_maps = [%s, %s], iterator_types = [%s]} "
            "ins(%%y%d : %s) outs(%%e%d : %s) {" % (i, ident, ident, iters, i, ft, i, it),
            "  ^bb0(%in: f32, %out: i32):",
            "    %c = arith.bitcast %in : f32 to i32",
            "    linalg.yield %c : i32",
            "  } -> %s" % it,
            "  %%m%d = bufferization.to_buffer %%b%d : %s to %s" % (i, i, it, mt),
            "  %%u%d = memref.cast %%m%d : %s to memref<*xi32>" % (i, i, mt),
            "  func.call @printMemrefI32(%%u%d) : (memref<*xi32>) -> ()" % i,
        ]
    lines += ["  return", "}",
              "func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}"]
    head, sep, tail = text.partition("\n{-#")
    return head + "\n" + "\n".join(lines) + "\n" + sep + tail


def run(text, inputs, out_shapes, entry="forward"):
    """Lowers and runs; returns the results as float32 arrays."""
    mod = wrap(text, inputs, out_shapes, entry)
    p = subprocess.run([tool("mlir-opt"), "-"] + PIPELINE, input=mod, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("mlir-opt failed:\n" + p.stderr[:4000])
    q = subprocess.run([tool("mlir-runner"), "-e", "main", "-entry-point-result=void",
                        "-shared-libs=" + runner_libs()], input=p.stdout, capture_output=True, text=True)
    if q.returncode:
        raise RuntimeError("mlir-runner failed:\n" + q.stderr[:4000])
    chunks = q.stdout.split("Unranked Memref")[1:]
    if len(chunks) != len(out_shapes):
        raise RuntimeError("expected %d printed results:\n%s" % (len(out_shapes), q.stdout[:2000]))
    outs = []
    for chunk, shape in zip(chunks, out_shapes):
        data = chunk.split("data =", 1)[1]
        bits = np.array([int(t) for t in re.findall(r"-?\d+", data)], dtype=np.int64)
        outs.append(bits.astype(np.int32).view(np.float32).reshape(shape))
    return outs
