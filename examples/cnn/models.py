"""The two CNN example models (PyTorch), shared by train.py and evaluate.py.

Both take a batch of 16x16 grey-level images, shape (N, 1, 16, 16), pixel
values in [0, 1] (scikit-learn's 8x8 digits upscaled, see train.py), and
return 10 logits per image.
"""

import torch
import torch.nn as nn
from common.weights import load_weights  # examples/ is on sys.path: train.py and evaluate.py put it


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block: conv3x3 + BN + relu, conv3x3 + BN,
    plus the input (through a 1x1 stride-2 conv + BN when downsampling),
    relu."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + identity)


class SmallResNet(nn.Module):
    """conv3x3 (1 -> 16) + BN + relu, max pool 2 (16x16 -> 8x8), basic block
    16 -> 16, downsampling basic block 16 -> 32 (stride 2: 8x8 -> 4x4, 1x1
    stride-2 downsample conv), global average pool, Linear 32 -> 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(2)
        self.layer1 = BasicBlock(16, 16)
        self.layer2 = BasicBlock(16, 32, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expand conv + BN + ReLU6, 3x3 depthwise conv
    + BN + ReLU6, 1x1 project conv + BN; plus the input when the shapes
    match (stride 1, same channels)."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.conv = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride, padding=1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.use_res else y


class SmallMobileNetV2(nn.Module):
    """conv3x3 (1 -> 16) + BN + ReLU6, inverted residual blocks (expansion 4)
    16 -> 16 (residual), 16 -> 24 stride 2, 24 -> 24 (residual), 24 -> 32
    stride 2, 1x1 conv 32 -> 64 + BN + ReLU6, global average pool,
    Linear 64 -> 10."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU6())
        self.blocks = nn.Sequential(InvertedResidual(16, 16, 1, 4), InvertedResidual(16, 24, 2, 4),
                                    InvertedResidual(24, 24, 1, 4), InvertedResidual(24, 32, 2, 4))
        self.head = nn.Sequential(nn.Conv2d(32, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU6())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


MODELS = {"resnet": SmallResNet, "mobilenet": SmallMobileNetV2}


def load_model(name, path):
    """A float model in eval mode with the weights train.py saved."""
    return load_weights(MODELS[name](), path)
