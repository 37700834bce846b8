# Tests that eq_export prints f32 constants exactly: a weight of 4096 random
# bit patterns (normal, subnormal, +-0, +-inf, NaN payloads) exported inline
# (decimal, hex bits for non-finite values) and as a dense_resource blob
# parses back (upstream mlir-opt, printing elements as hex) to the same bits.
#
# RUN: %python %s | FileCheck %s
# CHECK: inline: 4096 of 4096 values exact
# CHECK: resource: 4096 of 4096 values exact
# CHECK: scalars: ok
# CHECK: pieces: 3 blobs, one in each of 3 of the 6 pieces; joined equal to export_module

import os
import re
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from eq_export import _fmt_f32, export_module, export_pieces  # noqa: E402

rng = np.random.default_rng(0)
bits = rng.integers(0, 2**32, size=4096, dtype=np.uint64).astype(np.uint32)
special = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001,
           0xFFC12345, 0x00000001, 0x807FFFFF, 0x7F7FFFFF, 0x3DCCCCCD, 0x33D6BF95]
bits[:len(special)] = special
weights = bits.view(np.float32).reshape(64, 64)


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(64, 64, bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(torch.from_numpy(weights.copy()))

    def forward(self, x):
        return self.fc(x)


mlir_opt = shutil.which("mlir-opt") or "/usr/lib/llvm-22/bin/mlir-opt"
for label, threshold in [("inline", None), ("resource", 0)]:
    text = export_module(M(), (torch.zeros(1, 64),), resource_threshold=threshold)
    out = subprocess.run([mlir_opt, "-", "--mlir-print-elementsattrs-with-hex-if-larger=1"],
                         input=text, capture_output=True, text=True, check=True).stdout
    if threshold is None:
        m = re.search(r'arith.constant dense<"0x([0-9A-F]+)"> : tensor<64x64xf32>', out)
        data = bytes.fromhex(m.group(1))
    else:
        m = re.search(r'fc.weight: "0x40000000([0-9A-F]+)"', out)
        data = bytes.fromhex(m.group(1))
    got = np.frombuffer(data, dtype="<u4")
    print("%s: %d of %d values exact" % (label, int((got == bits).sum()), bits.size))

# Scalars: decimal strings carry a '.', and survive parse-to-double-then-f32.
for v in [5, 0.1, 1e-5, 1e20, -0.0, 3.4028235e38, 1.401298464324817e-45]:
    s = _fmt_f32(v)
    assert "." in s.split("e")[0], s
    assert np.float32(float(s)).tobytes() == np.float32(v).tobytes(), (v, s)
print("scalars: ok")

# export_pieces: the same text, each blob its own piece (printed when the
# iterator reaches it), so a writer never holds the whole text.


class Three(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Linear(64, 64, bias=False) for _ in range(3))

    def forward(self, x):
        return self.c(self.b(self.a(x)))


torch.manual_seed(0)
three, x = Three(), torch.zeros(1, 64)
pieces = list(export_pieces(three, (x,)))
blobs = sum(p.count('"0x40000000') for p in pieces)
single = sum(p.count('"0x40000000') == 1 for p in pieces)
assert "".join(pieces) == export_module(three, (x,))
print("pieces: %d blobs, one in each of %d of the %d pieces; joined equal to export_module"
      % (blobs, single, len(pieces)))
