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


# Models with integer and bool inputs and masks. An input is a shape (a
# float32 tensor spread over [-4, 4]) or a function making the tensor.

def _ids(n, l, vocab, pad_from=None):
    """Token ids in [1, vocab), the second sequence padded (id 0) from
    `pad_from` on."""
    def make():
        ids = torch.randint(1, vocab, (n, l))
        if pad_from is not None:
            ids[-1, pad_from:] = 0
        return ids
    return make


class BertEmbeddingsEncoder(nn.Module):
    """BERT as Hugging Face writes it: word, position (a buffer sliced by the
    traced length) and token type (zeros_like the ids) embeddings, LayerNorm,
    an extended attention mask (1 - mask) * finfo.min added to the scores,
    post-norm layers, a tanh pooler over the first token."""

    def __init__(self, vocab=50, d=32, heads=4, layers=2, max_len=16):
        super().__init__()
        self.word = nn.Embedding(vocab, d, padding_idx=0)
        self.position = nn.Embedding(max_len, d)
        self.token_type = nn.Embedding(2, d)
        self.register_buffer("position_ids", torch.arange(max_len).expand(1, -1))
        self.norm = nn.LayerNorm(d, eps=1e-12)
        self.heads = heads
        self.layers = nn.ModuleList(
            nn.ModuleDict(dict(q=nn.Linear(d, d), k=nn.Linear(d, d), v=nn.Linear(d, d),
                               o=nn.Linear(d, d), norm1=nn.LayerNorm(d, eps=1e-12),
                               fc1=nn.Linear(d, 2 * d), fc2=nn.Linear(2 * d, d),
                               norm2=nn.LayerNorm(d, eps=1e-12))) for _ in range(layers))
        self.pool = nn.Linear(d, d)

    def forward(self, ids, mask):
        n, l = ids.size(0), ids.size(1)
        x = self.word(ids) + self.position(self.position_ids[:, :l]) + \
            self.token_type(torch.zeros_like(ids))
        x = self.norm(x)
        ext = (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        hd = x.size(-1) // self.heads
        for lay in self.layers:
            q = lay["q"](x).view(n, l, self.heads, hd).transpose(1, 2)
            k = lay["k"](x).view(n, l, self.heads, hd).transpose(1, 2)
            v = lay["v"](x).view(n, l, self.heads, hd).transpose(1, 2)
            probs = (q @ k.transpose(-1, -2) / math.sqrt(hd) + ext).softmax(-1)
            ctx = (probs @ v).transpose(1, 2).reshape(n, l, -1)
            x = lay["norm1"](x + lay["o"](ctx))
            x = lay["norm2"](x + lay["fc2"](F.gelu(lay["fc1"](x))))
        return x, torch.tanh(self.pool(x[:, 0]))


class MaskOps(nn.Module):
    """The mask and id ops in their spellings: comparisons of ids with a
    number and of two tensors, ~ and logical_and / logical_or, masked_fill
    with -inf and with a number, torch.where with a tensor and a number,
    unsqueeze / None indexing, expand, F.embedding, .float() / .long() /
    .bool() / .to() / .type_as(), integer arithmetic."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.table = nn.Parameter(torch.randn(20, 8))

    def forward(self, ids):
        pad = ids == 0
        keep = ~pad & (ids < 15)
        x = self.emb(ids) + F.embedding(ids, self.table)
        s = (x @ x.transpose(1, 2)).masked_fill(pad.unsqueeze(1), float("-inf"))
        w = torch.where(keep[..., None], x, 0.5).masked_fill(ids[:, :, None] > 17, 2.0)
        both = torch.logical_or(ids.eq(3), pad).float() + torch.logical_and(ids, keep).to(torch.float32)
        twice = (ids * 2 + 1 - ids).float() * ids.bool().type_as(x)
        wide = pad[:, None, :].expand(2, 3, 5).float()
        return s.softmax(-1) @ w, both, twice, wide, (ids.long() >= ids.int()).float()


class ViTLike(nn.Module):
    """ViT: a strided conv patch embedding flattened and transposed, a class
    token expanded to the batch and concatenated, a position embedding added,
    nn.TransformerEncoder (pre-norm, GELU), LayerNorm and a head on the class
    token."""

    def __init__(self, image=16, patch=4, d=32, heads=4, layers=2, classes=10):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, patch)
        self.cls = nn.Parameter(torch.randn(1, 1, d))
        self.pos = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 2 * d, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls.expand(x.size(0), -1, -1), x), dim=1) + self.pos
        return self.head(self.norm(self.encoder(x)[:, 0]))


class MaskedTorchEncoder(nn.Module):
    """nn.TransformerEncoder with an attention mask (float, additive with
    -inf; bool; or one per batch and head) and a bool key padding mask."""

    def __init__(self, batch_first=True):
        super().__init__()
        layer = nn.TransformerEncoderLayer(32, 4, 64, batch_first=batch_first)
        self.encoder = nn.TransformerEncoder(layer, 2)

    def forward(self, x, key_padding_mask, mask):
        return self.encoder(x, mask=mask, src_key_padding_mask=key_padding_mask)


def _padding_mask():
    return torch.tensor([[False] * 5, [False] * 3 + [True] * 2])


TRANSFORMER_MODELS.update({
    "bert_embeddings_encoder": (lambda: BertEmbeddingsEncoder(),
                                [_ids(2, 12, 50, pad_from=8),
                                 lambda: torch.tensor([[1] * 12, [1] * 8 + [0] * 4])]),
    "mask_ops": (lambda: MaskOps(), [lambda: torch.tensor([[3, 4, 0, 18, 16], [0, 1, 2, 0, 19]])]),
    "vit_like": (lambda: ViTLike(), [(2, 3, 16, 16)]),
    "torch_encoder_float_causal_mask": (
        lambda: MaskedTorchEncoder(), [(2, 5, 32), _padding_mask,
                                       lambda: torch.triu(torch.full((5, 5), float("-inf")), 1)]),
    "torch_encoder_bool_mask": (
        lambda: MaskedTorchEncoder(), [(2, 5, 32), _padding_mask,
                                       lambda: torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)]),
    "torch_encoder_per_head_mask": (
        lambda: MaskedTorchEncoder(batch_first=False),
        [(5, 2, 32), _padding_mask, lambda: torch.randn(8, 5, 5)]),
})
