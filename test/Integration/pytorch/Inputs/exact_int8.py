"""PyTorch's int8 conv and linear kernels with exact integer products, for
CPUs on which the onednn engine does not compute them exactly.

The reference arithmetic (docs/semantics of the project, "Int8 arithmetic")
is acc = sum((xq - x_zp) * (wq - w_zp)) in integers, y = acc * (x_scale *
w_scale) + bias, q = clamp(round(y / out_scale) + out_zp), a fused relu
max(q, out_zp). PyTorch 1.13's onednn engine computes exactly that on CPUs
with AVX-512 VNNI or AVX-VNNI (vpdpbusd). Without VNNI, oneDNN multiplies
u8 x s8 pairs with vpmaddubsw, which saturates each sum of two adjacent
input channels' products to int16: 255 * 127 * 2 = 64770 does not fit, and
an output that meets such a pair moves by up to tens of quanta. Measured on
an AVX2-only AMD EPYC: a 64 -> 8 3x3 conv with PyTorch's onednn matched an
emulation of that saturation on every element, and differed from the exact
products on the elements where a pair saturated.

install() replaces torch.ops.quantized.{conv2d, conv2d_relu, linear,
linear_relu} with exact emulations when the CPU lacks VNNI: convert_fx's
modules and graphs look these ops up by name when they run, so every
converted model then computes its convs and linears as the reference
arithmetic says. On a VNNI CPU nothing changes: the tests compare against
the engine itself. Everything else (quantize, add, pooling, hardswish,
sigmoid, ...) stays PyTorch's own kernels.
"""

import torch
import torch.nn.functional as F

_installed = False


def host_has_vnni():
    """Whether this CPU has AVX-512 VNNI or AVX-VNNI (Linux's cpuinfo
    flags; True when they cannot be read, keeping the engine)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return "avx512_vnni" in flags or "avx_vnni" in flags
    except OSError:
        pass
    return True


def _weight_terms(w, dims):
    """The integer weights minus their zero points, and the per-output
    scales (float32) shaped to broadcast over `dims` dimensions after the
    channel."""
    wi = w.int_repr().double()
    if w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
        assert w.q_per_channel_axis() == 0, w.q_per_channel_axis()
        shape = (-1,) + (1,) * (wi.dim() - 1)
        wi = wi - w.q_per_channel_zero_points().double().view(shape)
        ws = w.q_per_channel_scales().float()
    else:
        wi = wi - w.q_zero_point()
        ws = torch.full((wi.shape[0],), w.q_scale(), dtype=torch.float32)
    return wi, ws.view((-1,) + (1,) * dims)


def _requantize(acc, x, ws, bias, scale, zero_point, relu, dims):
    """The requantize of the exact sums `acc`, in float32 steps as the
    engine (and EqQuant) take them: y = float(acc) * (x_scale * w_scale) +
    bias, q = clamp(round_half_even(y * (1 / out_scale)) + zp)."""
    f32 = torch.float32
    multiplier = torch.tensor(x.q_scale(), dtype=f32) * ws
    y = acc.to(f32) * multiplier
    if bias is not None:
        y = y + bias.to(f32).view((-1,) + (1,) * dims)
    inv = torch.tensor(1.0, dtype=f32) / torch.tensor(scale, dtype=f32)
    q = torch.round(y * inv) + int(zero_point)
    storage = torch.uint8 if x.dtype == torch.quint8 else torch.int8
    info = torch.iinfo(storage)
    lo = max(info.min, int(zero_point)) if relu else info.min
    q = q.clamp(lo, info.max)
    return torch._make_per_tensor_quantized_tensor(q.to(storage), float(scale),
                                                   int(zero_point))


def exact_conv2d(x, packed, scale, zero_point, relu=False):
    w, bias = packed.unpack()
    wi, ws = _weight_terms(w, 2)
    xi = x.int_repr().double() - x.q_zero_point()
    # The padding holds the input's zero point: 0 once it is subtracted.
    acc = F.conv2d(xi, wi, None, packed.stride(), packed.padding(), packed.dilation(),
                   packed.groups())
    # The engine's convs return channels-last tensors, and the ops after
    # them take other paths on those (an average pool's rounding differs).
    return _requantize(acc, x, ws, bias, scale, zero_point, relu, 2).contiguous(
        memory_format=torch.channels_last)


def exact_linear(x, packed, scale, zero_point, relu=False):
    w, bias = torch.ops.quantized.linear_unpack(packed)
    wi, ws = _weight_terms(w, 0)
    xi = x.int_repr().double() - x.q_zero_point()
    acc = xi @ wi.t()
    return _requantize(acc, x, ws, bias, scale, zero_point, relu, 0)


def install():
    """Installs the exact kernels when this CPU lacks VNNI; returns whether
    they are in use."""
    global _installed
    if _installed or host_has_vnni():
        return _installed
    ns = torch.ops.quantized
    ns.conv2d = lambda x, p, s, z: exact_conv2d(x, p, s, z)
    ns.conv2d_relu = lambda x, p, s, z: exact_conv2d(x, p, s, z, relu=True)
    ns.linear = lambda x, p, s, z: exact_linear(x, p, s, z)
    ns.linear_relu = lambda x, p, s, z: exact_linear(x, p, s, z, relu=True)
    _installed = True
    return True
