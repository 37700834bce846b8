# Tests the int8 products of two activations (`"matmul"` in the
# configuration: attention's scores and context) against PyTorch 1.13, whose
# FX quantization makes torch.matmul quantized::matmul with the same
# observers ("default" = default_qconfig):
#  - EqQuant's stored integers equal an exact emulation of its program on
#    PyTorch's qparams and quantized inputs: sum_k (a - za)(b - zb) in
#    integers, times float(sa * sb), rounded half to even at 1 / so, plus zo;
#  - PyTorch rounds the float sum of the dequantized products instead: its
#    integers are EqQuant's or one step away, on few elements;
#  - the generic loops (isa=none), the kernels (avx2, portable, and vnni's
#    larger tiles) and two threads give the same bytes, and the kernels
#    replace the loops.
# The reductions (300, 600) cross the kernel's exact f32 chunks of 256; the
# shapes cover a transposed operand, broadcast batch axes and remainders.
#
# REQUIRES: torch
# RUN: %python %s %t

import os
import re
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.ao.quantization import QConfigMapping, default_qconfig
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "eq-export"))
from eq_export import export_module  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class Plain(nn.Module):
    def forward(self, a, b):
        return torch.matmul(a, b)


class Scores(nn.Module):
    def forward(self, q, k):
        return torch.matmul(q, k.transpose(-1, -2))


CASES = {
    "plain": (Plain, [(13, 300), (300, 37)]),
    "scores": (Scores, [(2, 3, 7, 40), (2, 3, 9, 40)]),
    "broadcast": (Plain, [(2, 3, 5, 600), (3, 600, 20)]),
}


def run(*cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAILED: %s\n%s" % (" ".join(map(str, cmd)), p.stderr))
    return p.stdout


cfg = os.path.join(out, "cfg.json")
with open(cfg, "w") as f:
    f.write('{"qconfig": {"object_type": {"matmul": "default"}}}')
gen = torch.Generator().manual_seed(0)
for name, (cls, shapes) in CASES.items():
    model = cls().eval()
    calib = [tuple(torch.randn(s, generator=gen) * (i + 1) for i, s in enumerate(shapes))
             for _ in range(2)]
    test = tuple(torch.randn(s, generator=gen) for s in shapes)
    base = os.path.join(out, name)
    files = {}
    for tag, batch in (("c0", calib[0]), ("c1", calib[1]), ("t", test)):
        # A batch of two arguments is a directory of arg0.npy, arg1.npy.
        os.makedirs("%s.%s" % (base, tag), exist_ok=True)
        files[tag] = []
        for i, x in enumerate(batch):
            files[tag].append("%s.%s/arg%d.npy" % (base, tag, i))
            np.save(files[tag][-1], x.numpy())
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, test))
    data = "%s.c0,%s.c1" % (base, base)
    q = base + ".q.mlir"
    run("eq-opt", base + ".mlir", "--eqq-prepare=config=" + cfg,
        "--eqq-calibrate=data=" + data, "--eqq-convert", "-o", q)

    # PyTorch: torch.matmul observed like EqQuant's matmul.
    mapping = QConfigMapping().set_object_type(torch.matmul, default_qconfig)
    fx = prepare_fx(model, mapping, example_inputs=test)
    with torch.no_grad():
        for batch in calib:
            fx(*batch)
    fx = convert_fx(fx)
    qnodes = [m for m in fx.graph.nodes if m.target == torch.quantize_per_tensor]
    assert len(qnodes) == len(shapes), fx.graph
    qparams = [(float(getattr(fx, n.args[1].target)), int(getattr(fx, n.args[2].target)))
               for n in qnodes]
    mm = [n for n in fx.graph.nodes if n.target == torch.ops.quantized.matmul]
    assert len(mm) == 1, fx.graph
    so, zo = float(getattr(fx, mm[0].args[2].target)), int(getattr(fx, mm[0].args[3].target))
    with torch.no_grad():
        ref_q = fx(*test)
    ints_pt = np.rint(ref_q.numpy() / so).astype(np.int64) + zo

    # The exact emulation on PyTorch's quantized inputs.
    qa, qb = [torch.quantize_per_tensor(x, s, z, torch.quint8).int_repr().numpy().astype(np.int64) - z
              for x, (s, z) in zip(test, qparams)]
    if cls is Scores:
        qb = np.swapaxes(qb, -1, -2)
    acc = np.matmul(qa, qb)
    mult = np.float32(np.float32(qparams[0][0]) * np.float32(qparams[1][0]))
    y = acc.astype(np.float32) * mult
    emul = np.clip(np.rint(y * np.float32(1.0 / np.float32(so))) + zo, 0, 255).astype(np.int64)

    # EqQuant on every path.
    ir = subprocess.run(["eq-opt", q, "--eqq-lower-to-llvm=isa=avx2",
                         "--mlir-print-ir-after=eqq-matmul-kernels", "-o", os.devnull],
                        capture_output=True, text=True).stderr
    assert "vector.fma" in ir and not re.search(r"arith.muli .*: i32", ir), name + ": no kernel"
    outs = {}
    for label, extra in (("none", ["--isa", "none"]), ("avx2", ["--isa", "avx2"]),
                         ("portable", ["--isa", "portable"]),
                         # AVX-512's 8 x 32 tiles; no int8 layer here needs
                         # AVX-512 to run.
                         ("vnni", ["--isa", "vnni"]),
                         ("2 threads", ["--num-threads", "2"])):
        o = "%s.out.%s.npy" % (base, label.replace(" ", ""))
        run("eq-run", q, *sum((["--input", f] for f in files["t"]), []), "--output", o, *extra)
        outs[label] = open(o, "rb").read()
    assert len(set(outs.values())) == 1, name + ": the paths differ"
    y_eqq = np.load("%s.out.none.npy" % base)
    ints = np.rint(y_eqq / np.float32(so)).astype(np.int64) + zo
    assert np.array_equal(ints, emul), (name, np.abs(ints - emul).max())
    diff = np.abs(ints - ints_pt)
    print("%s: %d elements, equal to the exact emulation; PyTorch differs on %d (max %d)"
          % (name, ints.size, int((diff > 0).sum()), int(diff.max())))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01, name
print("OK")
