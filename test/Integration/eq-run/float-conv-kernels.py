# RUN: %python %s %t
#
# Tests the f32 conv kernels of --eqq-float-conv-kernels against PyTorch's
# conv2d in float64: every conv must get a kernel, and each output must lie
# within 1e-5 of the sum of |x| * |w| (plus |bias|) that bounds its rounding
# error, on one and two threads. The shapes cover the kernels' remainders
# (output channels not a multiple of the tile's rows, pixels not a multiple
# of its vectors, rows shorter than a vector, one output pixel), the 1x1
# stride-1 conv that reads its input in place, im2col with padding, strides
# along the height and the width (gathers), dilation, batches, the 7x7
# stride-2 stem, and a ResNet layer at its real size; grouped convs
# (linalg.conv_2d_ngchw_gfchw between reshapes, as eq-export writes them:
# ResNeXt's 4 channels a group at its real size, 3 channels and 6 outputs
# a group with strides, a channel multiplier, a 1x1 in place).

import os
import subprocess
import sys

import numpy as np
import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from mlir_text import hexdense, t  # noqa: E402



def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))
    return p.stdout


# name: (N, C, H, W, F, (KH, KW), (SH, SW), (PH, PW), (DH, DW)[, groups])
CASES = {
    "pad3x3": (1, 5, 13, 19, 7, (3, 3), (1, 1), (1, 1), (1, 1)),
    "stem": (1, 3, 45, 45, 8, (7, 7), (2, 2), (3, 3), (1, 1)),
    "direct1x1": (1, 9, 10, 10, 6, (1, 1), (1, 1), (0, 0), (1, 1)),
    "strided1x1": (2, 9, 11, 10, 6, (1, 1), (2, 2), (0, 0), (1, 1)),
    "dilated": (2, 4, 17, 21, 5, (3, 3), (2, 1), (2, 2), (2, 2)),
    "width3": (1, 3, 12, 40, 9, (3, 3), (1, 3), (1, 1), (1, 1)),
    "onepixel": (1, 3, 3, 3, 2, (3, 3), (3, 3), (0, 0), (1, 1)),
    "resnet": (1, 64, 56, 56, 64, (3, 3), (1, 1), (1, 1), (1, 1)),
    "grouped_resnext": (1, 128, 56, 56, 128, (3, 3), (1, 1), (1, 1), (1, 1), 32),
    "grouped_strided": (2, 12, 13, 15, 24, (3, 3), (2, 2), (1, 1), (1, 1), 4),
    "grouped_multiplier": (1, 5, 9, 21, 10, (3, 3), (1, 1), (1, 1), (1, 1), 5),
    "grouped_direct1x1": (1, 48, 5, 7, 24, (1, 1), (1, 1), (0, 0), (1, 1), 3),
}

for name, (n, c, h, w, f, (kh, kw), (sh, sw), (ph, pw), (dh, dw), *rest) in CASES.items():
    g = rest[0] if rest else 1
    weight = rng.standard_normal((f, c // g, kh, kw)).astype(np.float32)
    bias = rng.standard_normal(f).astype(np.float32)
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    hp, wp = h + 2 * ph, w + 2 * pw
    conv = (f"linalg.conv_2d_nchw_fchw {{dilations = dense<[{dh}, {dw}]> : tensor<2xi64>, "
            f"strides = dense<[{sh}, {sw}]> : tensor<2xi64>}} ins(%pad, %w : {t(n, c, hp, wp)}, "
            f"{t(f, c, kh, kw)}) outs(%init : {t(n, f, oh, ow)}) -> {t(n, f, oh, ow)}")
    if g > 1:
        cg, fg, split = c // g, f // g, "[[0], [1, 2], [3], [4]]"
        conv = (f"tensor.expand_shape %pad {split} output_shape [{n}, {g}, {cg}, {hp}, {wp}] : "
                f"{t(n, c, hp, wp)} into {t(n, g, cg, hp, wp)}\n"
                f"  %wg = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [{g}, {fg}, "
                f"{cg}, {kh}, {kw}] : {t(f, cg, kh, kw)} into {t(g, fg, cg, kh, kw)}\n"
                f"  %ig = tensor.expand_shape %init {split} output_shape [{n}, {g}, {fg}, {oh}, "
                f"{ow}] : {t(n, f, oh, ow)} into {t(n, g, fg, oh, ow)}\n"
                f"  %yg = linalg.conv_2d_ngchw_gfchw {{dilations = dense<[{dh}, {dw}]> : "
                f"tensor<2xi64>, strides = dense<[{sh}, {sw}]> : tensor<2xi64>}} ins(%xg, %wg : "
                f"{t(n, g, cg, hp, wp)}, {t(g, fg, cg, kh, kw)}) outs(%ig : {t(n, g, fg, oh, ow)}) "
                f"-> {t(n, g, fg, oh, ow)}\n"
                f"  %y = tensor.collapse_shape %yg {split} : {t(n, g, fg, oh, ow)} into "
                f"{t(n, f, oh, ow)}")
    module = f"""func.func @forward(%x: {t(n, c, h, w)}) -> {t(n, f, oh, ow)} {{
  %w = arith.constant {hexdense(weight)} : {t(f, c // g, kh, kw)}
  %b = arith.constant {hexdense(bias)} : {t(f)}
  %zero = arith.constant 0.0 : f32
  %pad = tensor.pad %x low[0, 0, {ph}, {pw}] high[0, 0, {ph}, {pw}] {{
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  }} : {t(n, c, h, w)} to {t(n, c, hp, wp)}
  %e = tensor.empty() : {t(n, f, oh, ow)}
  %init = linalg.broadcast ins(%b : {t(f)}) outs(%e : {t(n, f, oh, ow)}) dimensions = [0, 2, 3]
  %{"xg" if g > 1 else "y"} = {conv}
  return %y : {t(n, f, oh, ow)}
}}
"""
    base = os.path.join(out, name)
    with open(base + ".mlir", "w") as fh:
        fh.write(module)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    np.save(base + ".x.npy", x)

    # The conv got a kernel.
    ir = run("eq-opt", base + ".mlir",
             "--one-shot-bufferize=bufferize-function-boundaries "
             "function-boundary-type-conversion=identity-layout-map",
             "--eqq-float-conv-kernels")
    assert "linalg.conv_2d_n" not in ir, name + ": no kernel"
    assert ("vector.gather" in ir) == (sw > 1), name + ": gathers"
    # Only the kernel frees a buffer here: its im2col copy.
    assert ("memref.dealloc" in ir) != name.endswith("direct1x1"), name + ": im2col"

    args = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x).double(),
                                     torch.from_numpy(weight).double(),
                                     torch.from_numpy(bias).double(), groups=g, **args).numpy()
    bound = torch.nn.functional.conv2d(torch.from_numpy(np.abs(x)).double(),
                                       torch.from_numpy(np.abs(weight)).double(),
                                       torch.from_numpy(np.abs(bias)).double(),
                                       groups=g, **args).numpy()
    # Two threads with every parallel loop kept parallel (by default convs
    # this small run on one thread).
    run("eq-opt", base + ".mlir", "--eqq-lower-to-llvm=threads=2 min-parallel-work=0",
        "-o", base + ".t2.mlir")
    if name != "direct1x1":  # one panel, one block: no loop left to share
        with open(base + ".t2.mlir") as fh:
            assert "omp.parallel" in fh.read(), name + ": no parallel loop"
    for threads, module in ((1, base + ".mlir"), (2, base + ".t2.mlir")):
        y_file = "%s.y%d.npy" % (base, threads)
        run("eq-run", module, "--input", base + ".x.npy", "--output", y_file,
            "--num-threads", str(threads))
        y = np.load(y_file)
        assert y.shape == ref.shape, (name, y.shape, ref.shape)
        err = float((np.abs(y - ref) / bound).max())
        print(name, "threads", threads, "max error / bound %.3g" % err)
        assert err < 1e-5, (name, threads, err)
print("OK")
