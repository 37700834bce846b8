"""Models whose forward reads the shapes of traced tensors or splits them
into pieces (test/Tools/eq-export/shape-reading.py)."""

import torch
import torch.nn as nn
import torchvision
from torchvision.models.vision_transformer import VisionTransformer


class UnpackShape(nn.Module):
    """n, c, h, w = x.shape; arithmetic on the sizes; a check of dim() in
    torch._assert and in an if; a reshape and an expand by the sizes."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.tok = nn.Parameter(torch.randn(1, 1, 8))

    def forward(self, x):
        n, c, h, w = x.shape
        torch._assert(x.dim() == 4, "expected NCHW")
        y = self.conv(x)
        b, ch, hh, ww = y.size()
        if y.ndim == 4 and hh * ww > 1:
            y = y.reshape(b, ch, hh * ww).permute(0, 2, 1)
        return torch.cat([self.tok.expand(n, -1, -1), y], dim=1) * (h // 2)


class ChannelShuffle(nn.Module):
    """ShuffleNet's block: chunk unpacked, a branch, cat, then the channel
    shuffle by the sizes read with x.size()."""

    def __init__(self, c=8):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(c // 2, c // 2, 1), nn.ReLU())

    def forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        out = torch.cat((x1, self.branch(x2)), dim=1)
        b, c, h, w = out.size()
        out = out.view(b, 2, c // 2, h, w)
        return torch.transpose(out, 1, 2).contiguous().view(b, -1, h, w)


class Pieces(nn.Module):
    """torch.split with sections, Tensor.split by size (last piece smaller),
    torch.chunk with fewer pieces than asked, unbind, indexed and unpacked,
    a piece from the end, a tensor unpacked into its rows; sums of pieces
    (over one axis kept, all axes, two axes)."""

    def forward(self, x):
        a, b, c = torch.split(x, [1, 3, 2], dim=2)
        parts = x.split(4, -1)
        p, q, r = torch.chunk(x, 4, dim=1)  # 5 rows: pieces of 2, 2, 1
        rows = x.unbind(0)
        first, second = x
        return (a * 2, b + c.mean(2, keepdim=True), parts[-1], parts[0], p - q[:, :, :1], r,
                rows[1] - rows[0], first * second, b.sum(2, keepdim=True) - torch.sum(c),
                torch.sum(x, dim=(1, 3)))


class DeepChain(nn.Module):
    """x.view(x.size(0), -1) after a chain of 400 layers: the size is
    computed without recursion (Python's limit is 1000 frames)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(*[nn.Hardtanh(-4.0 + i / 100, 4.0) for i in range(400)])
        self.fc = nn.Linear(12, 5)

    def forward(self, x):
        x = self.body(x)
        return self.fc(x.view(x.size(0), -1))


SHAPE_MODELS = {
    "deep_chain": (lambda: DeepChain(), [(2, 3, 4)]),
    "unpack_shape": (lambda: UnpackShape(), [(2, 3, 6, 6)]),
    "channel_shuffle": (lambda: ChannelShuffle(), [(1, 8, 5, 5)]),
    "pieces": (lambda: Pieces(), [(2, 5, 6, 6)]),
    # torchvision's own classes at small sizes: the ShuffleNetV2 of
    # shufflenet_v2_x1_0 with fewer blocks and channels, and the
    # VisionTransformer of vit_b_16 (which unpacks x.shape and checks the
    # image size) with 2 layers of width 32 on 32 x 32 images; its head is
    # zero-initialized, so it gets random weights.
    "torchvision_shufflenet_v2": (
        lambda: torchvision.models.shufflenetv2.ShuffleNetV2([2, 2, 1], [8, 16, 32, 64, 128],
                                                             num_classes=10),
        [(1, 3, 32, 32)]),
    "torchvision_vit": (lambda: _vit(), [(1, 3, 32, 32)]),
}


def _vit():
    m = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32,
                          mlp_dim=64, num_classes=10)
    nn.init.normal_(m.heads.head.weight, std=0.5)
    return m
