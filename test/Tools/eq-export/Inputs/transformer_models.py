"""Small transformer-style models for the eq_export tests: name -> (factory,
input shapes). Sizes are small; the spellings are those of real encoders
(BERT, ViT, MLP-Mixer): attention written out as PyTorch computes it."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    """Multi-head self-attention by its math: q, k, v projections, heads
    split by view + transpose, softmax(q k^T / sqrt(d)) v, heads merged,
    output projection."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.size(0), x.size(1), x.size(2)
        hd = d // self.heads
        q = self.q(x).view(b, t, self.heads, hd).transpose(1, 2)
        k = self.k(x).view(b, t, self.heads, hd).transpose(1, 2)
        v = self.v(x).view(b, t, self.heads, hd).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(hd)
        probs = scores.softmax(dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, d)
        return self.out(ctx)


class EncoderLayer(nn.Module):
    """nn.TransformerEncoderLayer's computation (batch first, GELU), post-norm
    (BERT) or pre-norm (ViT)."""

    def __init__(self, d=32, heads=4, ff=64, pre_norm=False, approximate="none"):
        super().__init__()
        self.attn = Attention(d, heads)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d, eps=1e-12)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.act = nn.GELU(approximate=approximate)
        self.pre_norm = pre_norm

    def forward(self, x):
        if self.pre_norm:
            x = x + self.attn(self.norm1(x))
            return x + self.fc2(self.act(self.fc1(self.norm2(x))))
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.fc2(self.act(self.fc1(x))))


class BertLike(nn.Module):
    """Two post-norm layers and a tanh pooler over the first token."""

    def __init__(self, d=32):
        super().__init__()
        self.layers = nn.Sequential(EncoderLayer(d), EncoderLayer(d))
        self.pool = nn.Linear(d, d)

    def forward(self, x):
        h = self.layers(x)
        return h, torch.tanh(self.pool(h[:, 0]))


class MixerBlock(nn.Module):
    """MLP-Mixer: a token MLP on the transposed LayerNorm output, then a
    channel MLP, each with a residual."""

    def __init__(self, tokens=8, d=16, ft=24, fc=32):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.tok1, self.tok2 = nn.Linear(tokens, ft), nn.Linear(ft, tokens)
        self.ch1, self.ch2 = nn.Linear(d, fc), nn.Linear(fc, d)

    def forward(self, x):
        y = self.norm1(x).transpose(1, 2)
        x = x + self.tok2(F.gelu(self.tok1(y))).transpose(1, 2)
        return x + self.ch2(F.gelu(self.ch1(self.norm2(x)), approximate="tanh"))


class Ops(nn.Module):
    """The single ops in their other spellings: F.layer_norm without affine
    and over two axes, torch.softmax on a middle axis, nn.Softmax, F.gelu,
    nn.Tanh, torch.bmm, torch.transpose / permute / t, slicing with steps,
    an Ellipsis and integers."""

    def __init__(self):
        super().__init__()
        self.ln2 = nn.LayerNorm([3, 8])
        self.sm = nn.Softmax(dim=1)
        self.tanh = nn.Tanh()

    def forward(self, x):
        a = F.layer_norm(x, (8,), eps=1e-6)
        b = self.ln2(x)
        c = torch.softmax(x, 1) + self.sm(x)
        d = torch.bmm(x, torch.transpose(x, 1, 2))
        e = torch.permute(x, (2, 0, 1))
        f = self.tanh(x[..., 1:7:2]) + F.gelu(x[:, :, ::3]) + x[:, 1:, 2:5].mean(1, keepdim=True)
        g = x[1].t() @ x[0]
        return a, b, c, d, e, f, g


TRANSFORMER_MODELS = {
    "attention": (lambda: Attention(), [(2, 6, 32)]),
    "encoder_post_norm": (lambda: EncoderLayer(), [(2, 6, 32)]),
    "encoder_pre_norm_tanh_gelu": (lambda: EncoderLayer(pre_norm=True, approximate="tanh"),
                                   [(1, 7, 32)]),
    "bert_like": (lambda: BertLike(), [(2, 5, 32)]),
    "mixer_block": (lambda: MixerBlock(), [(2, 8, 16)]),
    "ops": (lambda: Ops(), [(2, 3, 8)]),
}


def _torch_encoder(num_layers, **kw):
    layer = nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, **kw)
    return nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(32))


class MhaSeparateKV(nn.Module):
    """nn.MultiheadAttention with kdim/vdim (separate projection weights)
    and a query of another length than key and value."""

    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(16, 2, kdim=12, vdim=10, batch_first=True)

    def forward(self, q, k, v):
        return self.mha(q, k, v, need_weights=False)[0]


# PyTorch's own transformer modules (written out by the exporter before
# tracing): post-norm with ReLU and sequence-first inputs, pre-norm with GELU
# and batch-first inputs, a two-layer encoder with a final norm, attention
# with separate key and value widths.
TRANSFORMER_MODELS.update({
    "torch_encoder_layer": (lambda: nn.TransformerEncoderLayer(32, 4, dim_feedforward=64),
                            [(6, 2, 32)]),
    "torch_encoder_layer_pre_norm_gelu": (
        lambda: nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, activation="gelu",
                                           batch_first=True, norm_first=True), [(2, 6, 32)]),
    "torch_encoder": (lambda: _torch_encoder(2, batch_first=True, activation="gelu"),
                      [(2, 5, 32)]),
    "torch_mha_kdim_vdim": (lambda: MhaSeparateKV(), [(2, 3, 16), (2, 5, 12), (2, 5, 10)]),
})
