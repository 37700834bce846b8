"""Models eq_export refuses, each with a clear error naming the fx node."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupedConv(nn.Module):
    """Grouped convolutions are exported for conv2d only."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 4, 3, groups=2)

    def forward(self, x):
        return self.conv(x)


class ConvBatchNorm(nn.Module):
    """Left in training mode by the test: batch statistics."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return self.bn(self.conv(x))


class BatchStatsNorm(nn.Module):
    """In eval mode but without running statistics."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(3, track_running_stats=False)

    def forward(self, x):
        return self.bn(x)


class FunctionalTrainingNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.zeros(3))
        self.register_buffer("var", torch.ones(3))

    def forward(self, x):
        return F.batch_norm(x, self.mean, self.var, training=True)


class Exp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 5)

    def forward(self, x):
        return torch.exp(self.fc(x))


class Mish(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.act = nn.Mish()

    def forward(self, x):
        return self.act(self.conv(x))


class MaxPoolIndices(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)

    def forward(self, x):
        return self.pool(x)[0]


class MaxPool1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool1d(2)

    def forward(self, x):
        return self.pool(x)


class TensorClamp(nn.Module):
    """clamp with tensor bounds."""

    def forward(self, x):
        return torch.clamp(x, min=torch.zeros(5))


class Flipped(nn.Module):
    def forward(self, x):
        return x.flip(0)


class SoftmaxNoDim(nn.Module):
    """nn.Softmax() picks an axis by the input's rank (deprecated)."""

    def __init__(self):
        super().__init__()
        self.sm = nn.Softmax()

    def forward(self, x):
        return self.sm(x)


class MatmulVector(nn.Module):
    def forward(self, x):
        return torch.matmul(x, x[0])


class EmbeddingMaxNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4, max_norm=1.0)

    def forward(self, ids):
        return self.emb(ids)


class BitwiseInt(nn.Module):
    def forward(self, ids):
        return (ids & 3).float()


class WhereOneArg(nn.Module):
    def forward(self, x):
        return torch.where(x > 0.5)[0].float()


class MaskedFillTensor(nn.Module):
    def forward(self, x):
        return x.masked_fill(x > 0.5, x[0, 0])


class IdsIntoCat(nn.Module):
    """Integer ids concatenated with floats (PyTorch promotes them)."""

    def forward(self, ids):
        return torch.cat([ids.float(), ids], 1)


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


class MaskedEncoderLayer(nn.Module):
    """A float key padding mask (PyTorch 1.13's attention documents bool
    only)."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(8, 2, 16)

    def forward(self, x, key_padding_mask):
        return self.layer(x, src_key_padding_mask=key_padding_mask)


class ChunkSliced(nn.Module):
    """The tuple of a chunk sliced (only its pieces are exported)."""

    def forward(self, x):
        return x.chunk(2, 1)[1:][0]


class DataDependentBranch(nn.Module):
    """A branch on values, not shapes: shapes are known while tracing,
    values are not."""

    def forward(self, x):
        if x.size(0) == 2 and x.sum() > 0:
            return x
        return -x
