"""torchvision_int8.py OUT NAME:SIZE[:VARIANT] ...: for each torchvision 0.14 model
(random initialization with seed 0, batch norms with random running
statistics, gamma and beta), quantizes it with PyTorch 1.13's
prepare_fx/convert_fx on the onednn engine and with EqQuant
(--eqq-fold-batchnorm, --eqq-prepare, --eqq-calibrate, --eqq-convert) on
the same two calibration batches of smooth random images, runs both int8
models on a third batch and compares the outputs in units of PyTorch's
output quantum, twice:

- "minmax": get_default_qconfig_mapping("onednn") with MinMaxObserver
  activations, and the same configuration spelled out for EqQuant. The
  ranges are then the data's extremes, which the float calibration forwards
  compute nearly alike, so the int8 programs are compared most closely
  (resnet18, squeezenet1_1, the MobileNets and EfficientNet: at most 1 of
  2000 output elements differs; vgg11_bn: 19%, by at most 2 quanta: its
  activation ranges differ from PyTorch's by up to 3.7e-6 relative, from
  float calibration forwards that accumulate in other orders, and with
  PyTorch's ranges put into EqQuant's recipe every element is equal).
- "onednn": the named configuration itself (histogram activations). The
  histogram observer's range search moves by a whole bin (1/2048 of the
  range) when a count near a bin edge moves, and the float calibration
  forwards (PyTorch's convolutions and EqQuant's, other accumulation
  orders and fused multiply-adds) differ in the last bits: a few scales
  end a bin apart, and the values quantized with them round to the
  neighbouring integer where they sit near a tie. Such a flip in an early
  layer moves later layers' values by a quantum, and so on down the
  network: with only the roundings of EqQuant's float convolutions changed
  (one fused multiply-add per step instead of a multiply and an add; the
  activation ranges then differ by 1e-7 relative, no zero point moves),
  resnet18 went from 3.5% of its outputs differing by 1 quantum to 33% by
  up to 3. This variant therefore allows MAX_QUANTA_HISTOGRAM.

Both variants check that EqQuant's SQNR against float is within
MAX_SQNR_DB of PyTorch's, and that no element differs by more than
MAX_QUANTA, or, on a model whose int8 output PyTorch's own implementations
do not agree on, by no more than they disagree: PyTorch's reference model
(convert_to_reference_fx: dequantize, float op, quantize) is run too, and
where it differs from onednn's kernels by more than MAX_QUANTA, EqQuant
passes when it differs from onednn on no more elements and by no more
quanta than the reference model does. resnet50 is such a model: its 53
layers carry a rounding flipped near a tie in an early layer on to the
output, and the reference model differs from onednn on about 70% of the
output elements by up to 5 quanta at 32 x 32 with min/max observers (with
PyTorch's own activation ranges put into EqQuant's recipe, EqQuant differs
as much: the ranges are not the cause). Prints the fraction of elements
that differ, and the reference model's. A VARIANT after the size runs only
that variant.

The min/max variant is also converted with PyTorch's activation ranges in
place of EqQuant's (its recipe with each range replaced by the nearest of
PyTorch's observers, applied with recipe-in), and the elements that still
differ are printed: where none do, the int8 programs agree and only
calibration's last bits differ.

PyTorch 1.13's HistogramObserver histograms a range truncated to integers
(histogram_ref.py); ReferenceHistogramObserver, the same observer without
that defect, stands in for it, as in named-qconfig.py. Prints one line per
model and variant; exits non-zero when a pipeline fails or a check fails.

The MLIR files (about 1 GB each for vgg11_bn) are removed once they are
used, unless EQQ_KEEP_FILES is set in the environment."""

import json
import os
import sys
import time
import warnings

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "..", "..", "Tools", "eq-export", "Inputs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402

from cnn_models import randomize_batchnorms  # noqa: E402
from convert_ref import save_batches, torch_int8  # noqa: E402
from histogram_ref import map_histogram_activations, reference_mapping  # noqa: E402
from torch_ref import eq_opt, eq_run, export_module  # noqa: E402

warnings.filterwarnings("ignore")
torch.backends.quantized.engine = "onednn"
# Two quanta, and what scales an ulp apart add on a value of up to 255
# quanta.
MAX_QUANTA = 2.0 + 1e-2
MAX_QUANTA_HISTOGRAM = 4.0 + 1e-2
MAX_SQNR_DB = 0.5
# The object types EqQuant's op table quantizes (silu stays float).
OBJECT_TYPES = ["linear", "conv1d", "conv2d", "conv3d", "relu", "add", "mul", "max_pool",
                "avg_pool", "clamp", "hardswish", "hardsigmoid", "sigmoid", "cat"]


def smooth_images(n, size, generator):
    """`n` random images with spatial structure: noise at 1/8 of the size,
    upsampled bilinearly, in [-2, 2] (like normalized photographs)."""
    low = torch.rand(n, 3, max(1, size // 8), max(1, size // 8), generator=generator)
    x = F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)
    return (x * 4 - 2).contiguous()


def sqnr(y, ref):
    noise = np.sum((y.astype(np.float64) - ref) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / noise)


def torch_reference_int8(model, mapping, batches, x):
    """The output on `x` of PyTorch's reference quantized model of `model`
    (convert_to_reference_fx after the same prepare and calibration as
    torch_int8): every quantized op as dequantize, float op, quantize."""
    import copy
    from torch.ao.quantization.quantize_fx import convert_to_reference_fx, prepare_fx
    prepared = prepare_fx(copy.deepcopy(model), mapping, example_inputs=(batches[0],))
    with torch.no_grad():
        for t in batches:
            prepared(t)
        return convert_to_reference_fx(prepared)(x).numpy()


def torch_activation_ranges(model, mapping, batches):
    """(min, max) of every MinMaxObserver of `model` prepared with `mapping`
    and calibrated on `batches` (the activation observers of the min/max
    variant)."""
    import copy
    from torch.ao.quantization.observer import MinMaxObserver
    from torch.ao.quantization.quantize_fx import prepare_fx
    prepared = prepare_fx(copy.deepcopy(model), mapping, example_inputs=(batches[0],))
    with torch.no_grad():
        for t in batches:
            prepared(t)
    return [(float(m.min_val), float(m.max_val)) for m in prepared.modules()
            if type(m) is MinMaxObserver]


def minmax_mapping(mapping):
    """`mapping` with MinMaxObserver activations of the same arguments."""
    from torch.ao.quantization.observer import MinMaxObserver
    return map_histogram_activations(mapping, lambda keywords: MinMaxObserver.with_args(
        **{k: v for k, v in keywords.items() if k != "bins"}))


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
minmax_spec = {"activation": {"observer": "minmax", "dtype": "quint8", "qscheme": "per_tensor_affine"},
        "weight": {"observer": "per_channel_minmax", "dtype": "qint8",
                   "qscheme": "per_channel_symmetric"}}
VARIANTS = {
    "minmax": ({"qconfig": {"global": minmax_spec, "object_type": dict(
        [(k, minmax_spec) for k in OBJECT_TYPES] + [("silu", None)])}},
        minmax_mapping(get_default_qconfig_mapping("onednn"))),
    "onednn": ({"qconfig": "onednn"}, reference_mapping(get_default_qconfig_mapping("onednn"))),
}
for variant, (config, _) in VARIANTS.items():
    with open(os.path.join(out, variant + ".json"), "w") as f:
        json.dump(config, f)


def remove(*paths):
    """Removes the large intermediate files, keeping the test's disk use
    to one model's at a time."""
    if os.environ.get("EQQ_KEEP_FILES"):
        return
    for path in paths:
        if os.path.exists(path):
            os.remove(path)


failures = 0
for spec in sys.argv[2:]:
    name, _, rest = spec.partition(":")
    size, _, only = rest.partition(":")
    size = int(size)
    gen = torch.Generator().manual_seed(1)
    batches = [smooth_images(2, size, gen) for _ in range(2)]
    x = smooth_images(2, size, gen)
    base = os.path.join(out, name)
    torch.manual_seed(0)
    model = randomize_batchnorms(getattr(torchvision.models, name)()).eval()
    with torch.no_grad():
        float_y = model(x).numpy()
    with open(base + ".mlir", "w") as f:
        f.write(export_module(model, (batches[0],)))
    files = save_batches(base, batches + [x])
    for variant, (_, mapping) in VARIANTS.items():
        if only and variant != only:
            continue
        t0 = time.time()
        what = "%s %dx%d %s" % (name, size, size, variant)
        try:
            prepared = "%s.%s.prepared.mlir" % (base, variant)
            recipe = "%s.%s.recipe.json" % (base, variant)
            eq_opt(base + ".mlir", "--eqq-fold-batchnorm",
                   "--eqq-prepare=config=%s" % os.path.join(out, variant + ".json"), "-o", prepared)
            eq_opt(prepared, "--eqq-calibrate=data=%s" % ",".join(files[:2]),
                   "--eqq-convert=recipe=" + recipe, "-o", "%s.%s.int8.mlir" % (base, variant))
            eq_run("%s.%s.int8.mlir" % (base, variant), "--input", files[2],
                   "--output", base + ".y.npy")
            ours = np.load(base + ".y.npy")
            ref, quantum = torch_int8(model, mapping, batches, x)
            reference = torch_reference_int8(model, mapping, batches, x)
        except Exception as e:  # noqa: BLE001
            print("FAIL %s: %s" % (what, e))
            failures += 1
            continue
        diff = np.abs(ours.astype(np.float64) - ref) / quantum
        differing = int((diff > 0.5).sum())
        rdiff = np.abs(reference.astype(np.float64) - ref) / quantum
        rdiffering = int((rdiff > 0.5).sum())
        ours_db, ref_db = sqnr(ours, float_y), sqnr(ref, float_y)
        max_quanta = MAX_QUANTA if variant == "minmax" else MAX_QUANTA_HISTOGRAM
        close = diff.max() <= max_quanta or (
            rdiff.max() > max_quanta and diff.max() <= rdiff.max() + 1e-2 and
            differing <= rdiffering)
        ok = close and abs(ours_db - ref_db) <= MAX_SQNR_DB
        failures += not ok
        print("%s %s: %d of %d output elements (%.1f%%) differ from PyTorch's, largest by %.3g "
              "quanta (PyTorch's reference model: %.1f%%, by up to %.3g); SQNR vs float: "
              "EqQuant %.2f dB, PyTorch %.2f dB (%.0f s)"
              % ("ok  " if ok else "FAIL", what, differing, diff.size, 100.0 * differing / diff.size,
                 diff.max(), 100.0 * rdiffering / diff.size, rdiff.max(), ours_db, ref_db,
                 time.time() - t0))
        if variant == "minmax":
            # The same int8 program with PyTorch's activation ranges
            # (recipe-in): what differs then is not calibration.
            try:
                with open(recipe) as f:
                    r = json.load(f)
                theirs = torch_activation_ranges(model, mapping, batches)
                for a in r["activations"]:
                    a["min"], a["max"] = min(theirs, key=lambda t: abs(t[0] - a["min"]) +
                                             abs(t[1] - a["max"]))
                with open(base + ".torch-ranges.json", "w") as f:
                    json.dump(r, f)
                eq_opt(prepared, "--eqq-convert=recipe-in=%s.torch-ranges.json" % base,
                       "-o", base + ".torch-ranges.int8.mlir")
                eq_run(base + ".torch-ranges.int8.mlir", "--input", files[2],
                       "--output", base + ".yt.npy")
                tdiff = np.abs(np.load(base + ".yt.npy").astype(np.float64) - ref) / quantum
                print("     %s with PyTorch's activation ranges: %d of %d output elements differ, "
                      "largest by %.3g quanta" % (what, int((tdiff > 0.5).sum()), tdiff.size,
                                                  tdiff.max()))
            except Exception as e:  # noqa: BLE001
                print("FAIL %s with PyTorch's activation ranges: %s" % (what, e))
                failures += 1
        remove(prepared, "%s.%s.int8.mlir" % (base, variant), base + ".torch-ranges.int8.mlir")
        sys.stdout.flush()
    remove(base + ".mlir")
sys.exit(1 if failures else 0)
