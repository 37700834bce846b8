"""The two digits models (PyTorch), shared by train.py and evaluate.py.

Both take a batch of 8x8 grey-level images, shape (N, 1, 8, 8), pixel values
in [0, 1], and return 10 logits per image.
"""

import torch
import torch.nn as nn
from common.weights import load_weights  # examples/ is on sys.path: train.py and evaluate.py put it


class MLP(nn.Module):
    """flatten, Linear 64 -> 64, relu, Linear 64 -> 32, relu, Linear 32 -> 10."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(64, 32)
        self.relu2 = nn.ReLU()
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(self.relu2(self.fc2(self.relu1(self.fc1(x)))))


class CNN(nn.Module):
    """Conv 3x3 pad 1 (1 -> 8), relu, Conv 3x3 pad 1 (8 -> 16), relu, flatten,
    Linear 1024 -> 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(torch.flatten(x, 1))


MODELS = {"mlp": MLP, "cnn": CNN}


def load_model(name, path):
    """A float model in eval mode with the weights train.py saved."""
    return load_weights(MODELS[name](), path)
