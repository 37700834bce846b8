"""Small models for the CNN ops of eq_export's tests (batch norm, pooling,
grouped and depthwise convs, clamps and smooth activations, squeeze-and-
excitation, cat, mean). CNN_MODELS maps a name to (factory, list of input
shapes). Batch norms get non-trivial statistics, gamma and beta (PyTorch's
initialization makes them an identity, which would hide mistakes)."""

import torch
import torch.nn as nn
import torch.nn.functional as F


def randomize_batchnorms(model, seed=1):
    """Running statistics, gamma and beta drawn at random (in place)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.rand(c, generator=g) - 0.5)
                m.running_var.copy_(torch.rand(c, generator=g) * 1.5 + 0.5)
                if m.weight is not None:
                    m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                    m.bias.copy_(torch.rand(c, generator=g) - 0.5)
    return model


class ConvBnRelu(nn.Module):
    """conv -> BatchNorm2d -> relu; a BatchNorm2d without affine parameters."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.bn2 = nn.BatchNorm2d(4, affine=False, eps=1e-3)
        randomize_batchnorms(self)

    def forward(self, x):
        return self.bn2(self.relu(self.bn(self.conv(x))))


class BatchNorm1dModel(nn.Module):
    """BatchNorm1d on N x C (after a linear) and on N x C x L (after a conv1d),
    and the functional batch_norm."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 3)
        self.bn_ncl = nn.BatchNorm1d(4)
        self.fc = nn.Linear(4 * 6, 5)
        self.bn_nc = nn.BatchNorm1d(5)
        self.register_buffer("mean", torch.tensor([0.1, -0.2, 0.3, 0.0, 0.5]))
        self.register_buffer("var", torch.tensor([0.5, 1.0, 2.0, 0.25, 1.5]))
        self.gamma = nn.Parameter(torch.tensor([1.5, 0.5, -1.0, 2.0, 1.0]))
        self.beta = nn.Parameter(torch.tensor([0.0, 0.25, -0.5, 1.0, 0.1]))
        randomize_batchnorms(self)

    def forward(self, x):
        y = self.bn_ncl(self.conv(x))
        y = self.bn_nc(self.fc(torch.flatten(y, 1)))
        return F.batch_norm(y, self.mean, self.var, self.gamma, self.beta, eps=1e-4)


class MaxPools(nn.Module):
    """max pooling: padding (with -inf), ceil_mode, dilation, rectangular
    kernels and strides, the functional form."""

    def __init__(self):
        super().__init__()
        self.p1 = nn.MaxPool2d(3, 2, padding=1)
        self.p2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.p3 = nn.MaxPool2d(2, dilation=2, padding=1)

    def forward(self, x):
        y = x - 3.0  # all negative: padding with 0 would show
        return (self.p1(y), self.p2(y), self.p3(y),
                F.max_pool2d(y, (2, 3), stride=(1, 2), padding=(1, 1), ceil_mode=True))


class AvgPools(nn.Module):
    """average pooling: padding with and without count_include_pad, ceil_mode
    (a last window that overhangs the padding), divisor_override."""

    def __init__(self):
        super().__init__()
        self.p1 = nn.AvgPool2d(3, 2, padding=1)
        self.p2 = nn.AvgPool2d(3, 2, padding=1, count_include_pad=False)
        self.p3 = nn.AvgPool2d(2, 2, ceil_mode=True)
        self.p4 = nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)
        self.p5 = nn.AvgPool2d((2, 3), divisor_override=4)

    def forward(self, x):
        return (self.p1(x), self.p2(x), self.p3(x), self.p4(x), self.p5(x),
                F.avg_pool2d(x, 2, stride=1, padding=1, ceil_mode=True))


class AdaptivePools(nn.Module):
    """adaptive average pooling: global, divisible, general windows (overlapping,
    and more outputs than inputs), None keeping an axis, the functional form."""

    def __init__(self):
        super().__init__()
        self.g = nn.AdaptiveAvgPool2d(1)
        self.div = nn.AdaptiveAvgPool2d((2, 7))
        self.gen = nn.AdaptiveAvgPool2d((3, 5))
        self.up = nn.AdaptiveAvgPool2d((9, 9))
        self.keep = nn.AdaptiveAvgPool2d((None, 2))

    def forward(self, x):
        return (self.g(x), self.div(x), self.gen(x), self.up(x), self.keep(x),
                F.adaptive_avg_pool2d(x, (1, 1)))


class Means(nn.Module):
    """mean over the spatial axes (keepdim or not), over one axis, over all."""

    def forward(self, x):
        return (x.mean((2, 3)), torch.mean(x, [-1, -2], keepdim=True), x.mean(1),
                torch.mean(x), x.mean(dim=(0, 2), keepdim=True))


class GroupedConvs(nn.Module):
    """depthwise (multiplier 1, stride and padding), depthwise with multiplier
    2, grouped with dilation and no bias, functional grouped conv."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4)
        self.dw2 = nn.Conv2d(4, 8, 3, padding=1, groups=4)
        self.grouped = nn.Conv2d(8, 6, 3, dilation=2, groups=2, bias=False)
        self.w = nn.Parameter(torch.randn(4, 3, 1, 1))
        self.b = nn.Parameter(torch.randn(4))

    def forward(self, x):
        a = self.dw(x)
        b = self.grouped(torch.relu(self.dw2(x)))
        c = F.conv2d(b, self.w, self.b, groups=2)
        return a, c


class Clamps(nn.Module):
    """ReLU6, Hardtanh, clamp and clip (both bounds, one bound), relu6."""

    def __init__(self):
        super().__init__()
        self.relu6 = nn.ReLU6()
        self.hardtanh = nn.Hardtanh(-0.5, 2.0)

    def forward(self, x):
        return (self.relu6(x), self.hardtanh(x), torch.clamp(x, -1.0, 1.5), x.clamp(min=0.5),
                torch.clip(x, max=-0.25), F.relu6(x), F.hardtanh(x, inplace=False))


class Activations(nn.Module):
    """Hardswish, Hardsigmoid, Sigmoid, SiLU as modules, functions and methods."""

    def __init__(self):
        super().__init__()
        self.hswish = nn.Hardswish()
        self.hsigmoid = nn.Hardsigmoid()
        self.sigmoid = nn.Sigmoid()
        self.silu = nn.SiLU(inplace=True)

    def forward(self, x):
        return (self.hswish(x), self.hsigmoid(x), self.sigmoid(x), F.hardswish(x),
                F.hardsigmoid(x), torch.sigmoid(x), x.sigmoid(), F.silu(x), self.silu(x * 1.0))


class SqueezeExcite(nn.Module):
    """A MobileNetV3 block: conv-bn-hardswish, squeeze-and-excitation (global
    pool, two 1x1 convs, hardsigmoid, broadcasting mul), nested Sequentials."""

    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8),
                          nn.Hardswish()),
            nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8),
                          nn.ReLU6(inplace=True)))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(8, 4, 1)
        self.fc2 = nn.Conv2d(4, 8, 1)
        self.scale = nn.Hardsigmoid()
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(8, 3))
        randomize_batchnorms(self)

    def forward(self, x):
        x = self.block(x)
        s = self.scale(self.fc2(F.relu(self.fc1(self.pool(x)))))
        x = x * s
        return self.head(F.adaptive_avg_pool2d(x, 1))


class Fire(nn.Module):
    """SqueezeNet's fire module (cat along channels), cat along the last axis
    and of three tensors."""

    def __init__(self):
        super().__init__()
        self.squeeze = nn.Conv2d(3, 2, 1)
        self.e1 = nn.Conv2d(2, 4, 1)
        self.e3 = nn.Conv2d(2, 4, 3, padding=1)

    def forward(self, x):
        s = F.relu(self.squeeze(x))
        y = torch.cat([F.relu(self.e1(s)), F.relu(self.e3(s))], 1)
        return y, torch.cat((s, s, s), dim=-1)


CNN_MODELS = {
    "ConvBnRelu": (ConvBnRelu, [(2, 3, 6, 5)]),
    "BatchNorm1dModel": (BatchNorm1dModel, [(2, 3, 8)]),
    "MaxPools": (MaxPools, [(2, 2, 9, 8)]),
    "AvgPools": (AvgPools, [(1, 3, 9, 8)]),
    "AdaptivePools": (AdaptivePools, [(2, 2, 6, 7)]),
    "Means": (Means, [(2, 3, 4, 5)]),
    "GroupedConvs": (GroupedConvs, [(1, 4, 9, 9)]),
    "Clamps": (Clamps, [(2, 3, 4, 4)]),
    "Activations": (Activations, [(2, 3, 4, 4)]),
    "SqueezeExcite": (SqueezeExcite, [(2, 3, 6, 6)]),
    "Fire": (Fire, [(1, 3, 5, 5)]),
}
