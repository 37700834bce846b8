"""Spelling numpy data and types as MLIR text, for the tests that write
modules."""

import numpy as np


def hexdense(a):
    """`a` as an f32 dense attribute in hex (exact, compact)."""
    return 'dense<"0x%s">' % np.ascontiguousarray(a, dtype="<f4").tobytes().hex().upper()


def t(*shape):
    """The f32 tensor type of `shape`."""
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"
