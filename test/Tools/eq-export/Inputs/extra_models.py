"""Models beyond the seed's, for eq_export's tests. EXTRA_MODELS maps a name
to (factory, list of input shapes)."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class PaddedConvModel(nn.Module):
    """Convs with padding, stride and dilation; relu; a bias-free conv."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, stride=2)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 6, (3, 2), padding=(2, 1), dilation=(2, 1), bias=False)

    def forward(self, x):
        return self.conv2(self.relu(self.conv1(x)))


class SmallCNN(nn.Module):
    """conv -> relu -> flatten -> linear -> relu -> linear, as in small CNNs."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True))
        self.fc1 = nn.Linear(4 * 8 * 8, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class ViewCNN(nn.Module):
    """x.view(x.size(0), -1) and functional conv with 'same' padding."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(2, 3, 3, 3) * 0.3)
        self.b = nn.Parameter(torch.randn(2))
        self.fc = nn.Linear(2 * 8 * 8, 3)

    def forward(self, x):
        x = F.conv2d(x, self.w, self.b, padding="same")
        x = x.relu()
        x = x.view(x.size(0), -1)
        return self.fc(x)


class SamePadConv(nn.Module):
    """padding='same' with even kernels: PyTorch pads one more at the end."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 2, (2, 3), padding="same")
        self.conv2 = nn.Conv2d(2, 2, 4, padding="same", dilation=(1, 2))

    def forward(self, x):
        return self.conv2(F.relu(self.conv1(x)))


class Conv1dModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 4, 3, padding=2, stride=2)
        self.conv2 = nn.Conv1d(4, 2, 2, dilation=2)

    def forward(self, x):
        return self.conv2(torch.relu(self.conv1(x)))


class Conv3dModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(2, 3, (2, 3, 3), padding=(0, 1, 1), stride=(1, 2, 1))

    def forward(self, x):
        return F.relu(self.conv(x))


class Linear3dModel(nn.Module):
    """A linear on a rank-3 input (features last) and one without bias."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 7)
        self.fc2 = nn.Linear(7, 4, bias=False)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class AddModel(nn.Module):
    """Tensor + tensor (same shape and broadcast), scalar on either side,
    sub/mul, two inputs and two outputs."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 5)
        self.fc2 = nn.Linear(5, 5)
        self.register_buffer("offset", torch.randn(5))

    def forward(self, x, y):
        a = self.fc1(x) + self.fc2(y)
        b = 2.5 + a
        c = torch.add(b, self.offset)
        d = c * 0.5 - x
        e = d.add(1)
        return e, torch.relu(a) + 5


class ReshapeModel(nn.Module):
    """reshape that is neither a collapse nor an expand, unsqueeze-like view."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = x.reshape(3, 2, 4)     # 2x3x4 -> 3x2x4: through 1-D
        x = x.reshape(3, 8)        # collapse
        y = self.fc(x.view(4, 6))  # neither
        return y.view(2, 2, 4)     # expand


EXTRA_MODELS = {
    "PaddedConvModel": (PaddedConvModel, [(2, 3, 9, 8)]),
    "SmallCNN": (SmallCNN, [(2, 3, 8, 8)]),
    "ViewCNN": (ViewCNN, [(1, 3, 8, 8)]),
    "SamePadConv": (SamePadConv, [(1, 3, 6, 9)]),
    "Conv1dModel": (Conv1dModel, [(2, 3, 11)]),
    "Conv3dModel": (Conv3dModel, [(1, 2, 3, 5, 4)]),
    "Linear3dModel": (Linear3dModel, [(2, 3, 5)]),
    "AddModel": (AddModel, [(3, 5), (3, 5)]),
    "ReshapeModel": (ReshapeModel, [(2, 3, 4)]),
}


def small_cnn():
    """A factory function (eq_export's CLI accepts one in place of a class)."""
    return SmallCNN()


class SumModel(nn.Module):
    """Sums over channels (kept) and over space between convs: float ops
    between quantized layers."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        y = torch.relu(self.c1(x))
        y = self.c2(y * y.sum(1, keepdim=True))
        return self.fc(torch.sum(y, (2, 3)))
