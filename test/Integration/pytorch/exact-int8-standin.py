# Tests the tests' stand-in for PyTorch's int8 conv and linear kernels
# (Inputs/exact_int8.py), which the other tests use on CPUs without VNNI:
#
# (a) where no pair of products can saturate (activations at most 128, so
#     128 x 127 x 2 fits in int16), the stand-in equals PyTorch's onednn
#     kernels bit for bit: convs with stride, padding, dilation, groups,
#     bias, fused relu, per-channel and per-tensor weights, a non-zero input
#     zero point; linears likewise; conv outputs channels-last as the
#     engine's;
# (b) on activations up to 255 the engine equals the exact arithmetic on a
#     CPU with VNNI and, without VNNI, an emulation of vpmaddubsw's int16
#     saturation of adjacent input channels' products (the reason for the
#     stand-in), which then differs from the exact sums somewhere.
#
# REQUIRES: torch
# RUN: %python %s

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import exact_int8  # noqa: E402

torch.backends.quantized.engine = "onednn"
torch.manual_seed(0)
failures = 0


def check(what, ok):
    global failures
    failures += not ok
    print("%s %s" % ("ok  " if ok else "FAIL", what))


def quant_weight(w, per_channel):
    if per_channel:
        scales = w.abs().flatten(1).amax(1) / 127
        return torch.quantize_per_channel(w, scales, torch.zeros(w.shape[0], dtype=torch.long),
                                          0, torch.qint8)
    return torch.quantize_per_tensor(w, float(w.abs().max() / 127), 0, torch.qint8)


def conv_module(c, f, k, per_channel, relu, **kw):
    cls = torch.nn.intrinsic.quantized.ConvReLU2d if relu else torch.nn.quantized.Conv2d
    m = cls(c, f, k, **kw)
    w = torch.randn(f, c // kw.get("groups", 1), k, k)
    m.set_weight_bias(quant_weight(w, per_channel), torch.randn(f))
    m.scale, m.zero_point = 0.02, 9
    return m


def linear_module(k, n, per_channel, relu):
    cls = torch.nn.intrinsic.quantized.LinearReLU if relu else torch.nn.quantized.Linear
    m = cls(k, n)
    m.set_weight_bias(quant_weight(torch.randn(n, k), per_channel), torch.randn(n))
    m.scale, m.zero_point = 0.05, 100
    return m


def stand_in(m, x):
    if isinstance(m, torch.nn.quantized.Conv2d):
        return exact_int8.exact_conv2d(x, m._packed_params, m.scale, m.zero_point,
                                       relu=isinstance(m, torch.nn.intrinsic.quantized.ConvReLU2d))
    return exact_int8.exact_linear(x, m._packed_params._packed_params, m.scale, m.zero_point,
                                   relu=isinstance(m, torch.nn.intrinsic.quantized.LinearReLU))


def equal(a, b):
    return a.dtype == b.dtype and a.q_scale() == b.q_scale() and \
        a.q_zero_point() == b.q_zero_point() and torch.equal(a.int_repr(), b.int_repr())


# (a) No saturation possible: bit for bit.
small = lambda shape: torch.quantize_per_tensor(torch.rand(shape), 1 / 100, 28, torch.quint8)  # noqa: E731
convs = {
    "conv 3x3 pad 1": dict(c=16, f=8, k=3, padding=1),
    "conv 3x3 stride 2 dilation 2 relu": dict(c=16, f=12, k=3, stride=2, padding=2, dilation=2,
                                              relu=True),
    "conv depthwise 3x3": dict(c=8, f=8, k=3, padding=1, groups=8),
    "conv grouped 1x1 relu": dict(c=12, f=6, k=1, groups=3, relu=True),
}
for name, spec in convs.items():
    for per_channel in (True, False):
        kw = dict(spec)
        m = conv_module(kw.pop("c"), kw.pop("f"), kw.pop("k"), per_channel, kw.pop("relu", False),
                        **kw)
        x = small((2, m.in_channels, 9, 11))
        ref, ours = m(x), stand_in(m, x)
        check("%s (%s weights) equals the engine" % (name, "per-channel" if per_channel else
                                                        "per-tensor"), equal(ref, ours))
        check("%s output is channels-last as the engine's" % name,
              ours.is_contiguous(memory_format=torch.channels_last) ==
              ref.is_contiguous(memory_format=torch.channels_last))
for relu in (False, True):
    for per_channel in (True, False):
        m = linear_module(40, 7, per_channel, relu)
        x = small((5, 40))
        check("linear%s (%s weights) equals the engine" % (" relu" if relu else "",
                                                           "per-channel" if per_channel else
                                                           "per-tensor"),
              equal(m(x), stand_in(m, x)))

# (b) Activations up to 255 and large weights: pairs of products that do not
# fit in int16.
m = conv_module(64, 8, 3, True, False)
xf = torch.rand(1, 64, 6, 6) * 2
x = torch.quantize_per_tensor(xf, 2 / 255, 0, torch.quint8)
engine, exact = m(x).int_repr(), stand_in(m, x).int_repr()
w = m.weight()
xi = x.int_repr().double()
wi = w.int_repr().double()
cols = F.unfold(xi, 3).view(64, 9, -1)  # input channel, tap, output pixel
acc = torch.zeros(8, cols.shape[2], dtype=torch.float64)
for c in range(0, 64, 2):
    for t in range(9):
        pair = wi[:, c, t // 3, t % 3].view(8, 1) * cols[c, t].view(1, -1) + \
            wi[:, c + 1, t // 3, t % 3].view(8, 1) * cols[c + 1, t].view(1, -1)
        acc += pair.clamp(-32768, 32767)
multiplier = torch.tensor(x.q_scale(), dtype=torch.float32) * w.q_per_channel_scales().float()
y = acc.float() * multiplier.view(8, 1) + m.bias().float().view(8, 1)
inv = torch.tensor(1.0, dtype=torch.float32) / torch.tensor(m.scale, dtype=torch.float32)
saturated = (torch.round(y * inv) + m.zero_point).clamp(0, 255).to(torch.uint8).view(1, 8, 4, 4)
check("the saturating emulation differs from the exact sums on this data",
      not torch.equal(saturated, exact))
if exact_int8.host_has_vnni():
    check("this CPU has VNNI: the engine computes the exact sums", torch.equal(engine, exact))
else:
    check("this CPU has no VNNI: the engine saturates pairs of products to int16",
          torch.equal(engine, saturated))
sys.exit(1 if failures else 0)
