"""Models eq_export refuses, each with a clear error naming the fx node."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, groups=2)

    def forward(self, x):
        return self.conv(x)


class ConvBatchNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return self.bn(self.conv(x))


class Sigmoid(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 5)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))


class Transposed(nn.Module):
    def forward(self, x):
        return x.t()


class WeightInput(nn.Module):
    """The weight is an argument of forward, not a constant."""

    def forward(self, x, w):
        return F.linear(x, w)


class InplaceReluReused(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 5)

    def forward(self, x):
        y = self.fc(x)
        F.relu(y, inplace=True)
        return y + 1


class ReflectPadConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        return self.conv(x)


class ControlFlow(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


class DoubleWeights(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 5).double()

    def forward(self, x):
        return self.fc(x.double()).float()
