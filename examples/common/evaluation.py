"""Evaluating an example's models, shared by digits/evaluate.py and
cnn/evaluate.py.

An example's directory holds its exported float models (<model>.mlir, all
with the same batch size), test_x.npy / test_y.npy and the calibration
batches CALIB (see its train.py). Each EqQuant variant of a model is
eq-opt [passes] --eqq-prepare[=config=...] --eqq-calibrate --eqq-convert
(or no eq-opt at all for the float model), then eq-run on every test batch;
the logits are scored by top-1 accuracy and SQNR against the float model's.
PyTorch's own int8 logits come from the same trained weights.

Needs only NumPy (PyTorch for pytorch_logits).
"""

import concurrent.futures
import json
import math
import os
import shutil
import subprocess
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALIB = ("calib0.npy", "calib1.npy")
# default_qconfig on linear, conv and relu without an "equalization" key:
# the built-in default's quantization, nothing equalized.
NOEQ_CONFIG = {"qconfig": {"global": None, "object_type": {
    "linear": "default", "conv2d": "default", "relu": "default"}}}


class StepError(Exception):
    pass


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        err = next((ln for ln in lines if "error" in ln), lines[0] if lines else "")
        raise StepError("%s exited with %d: %s" % (os.path.basename(cmd[0]), p.returncode, err.strip()))
    return p.stdout


def sqnr(ref, x):
    ref = np.asarray(ref, dtype=np.float64)
    err = np.linalg.norm(ref - np.asarray(x, dtype=np.float64))
    return math.inf if err == 0 else 20 * math.log10(np.linalg.norm(ref) / err)


def batch_of(mlir):
    """The batch size of the exported model's @forward argument."""
    with open(mlir) as f:
        for line in f:
            if line.startswith("func.func @forward("):
                return int(line.split("tensor<", 1)[1].split("x", 1)[0])
    raise StepError("%s: no func.func @forward" % mlir)


def add_bin_dir_argument(ap):
    """The optional first argument of evaluate.py: the directory of eq-opt and eq-run."""
    ap.add_argument("bin_dir", nargs="?", default=os.path.join(
        os.environ.get("EQQ_BUILD_DIR", os.path.join(ROOT, "build")), "bin"),
        help="directory of eq-opt and eq-run (default: $EQQ_BUILD_DIR/bin, else build/bin)")


def find_tools(bin_dir):
    """{"eq-opt": path, "eq-run": path}; StepError when one is not there."""
    bins = {b: os.path.join(bin_dir, b) for b in ("eq-opt", "eq-run")}
    for b in bins.values():
        if not os.access(b, os.X_OK):
            raise StepError("%s not found (give the directory of eq-opt and eq-run)" % b)
    return bins


def load_test_data(example, model):
    """(test images, test labels, calibration batches, batch size) of the
    example in directory `example`; the batch size is that of its exported
    `model`, which the test images must fill whole batches of."""
    test_x = np.load(os.path.join(example, "test_x.npy"))
    test_y = np.load(os.path.join(example, "test_y.npy"))
    calib = [np.load(os.path.join(example, c)) for c in CALIB]
    batch = batch_of(os.path.join(example, model + ".mlir"))
    if len(test_x) % batch:
        raise StepError("%d test images are not a whole number of batches of %d" % (len(test_x), batch))
    return test_x, test_y, calib, batch


def eqquant(bins, example, name, quantize, config, passes, batch_files, tmp, tag):
    """When `quantize`: eq-opt `passes` + prepare (with `config`; None: the
    built-in default) + calibrate + convert of the example's model `name`.
    Then eq-run on the test batches; returns the concatenated logits."""
    mlir = os.path.join(example, name + ".mlir")
    if quantize:
        prepare = "--eqq-prepare"
        if config is not None:
            path = os.path.join(tmp, tag + ".config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            prepare = "--eqq-prepare=config=" + path
        int8 = os.path.join(tmp, tag + ".mlir")
        data = ",".join(os.path.join(example, c) for c in CALIB)
        run([bins["eq-opt"], mlir] + list(passes) + [prepare, "--eqq-calibrate=data=" + data,
                                                     "--eqq-convert", "-o", int8])
        mlir = int8
    outs = []
    for i, x in enumerate(batch_files):
        y = os.path.join(tmp, "%s.y%d.npy" % (tag, i))
        run([bins["eq-run"], mlir, "--input", x, "--output", y])
        outs.append(np.load(y))
    return np.concatenate(outs)


def run_variants(bins, example, models, variants, test_x, batch, passes=(), meanwhile=None):
    """eqquant of every model and (key, quantize, config) of `variants` on
    test_x in batches of `batch`, in parallel on the CPU's cores, while
    `meanwhile()` (PyTorch's side: it keeps one core) runs on this thread.
    Returns ({(model, key): logits, None where a step failed}, [(model, key,
    StepError) of the failures], what meanwhile returned or None)."""
    tmp = tempfile.mkdtemp(prefix="eqq-%s-" % os.path.basename(example))
    logits, failures, side = {}, [], None
    try:
        batch_files = []
        for i in range(0, len(test_x), batch):
            path = os.path.join(tmp, "test%d.npy" % (i // batch))
            np.save(path, test_x[i:i + batch])
            batch_files.append(path)
        jobs = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for name in models:
                for key, quantize, cfg in variants:
                    tag = name + "." + key.replace("+", "-")
                    jobs[name, key] = pool.submit(eqquant, bins, example, name, quantize, cfg, passes,
                                                  batch_files, tmp, tag)
            if meanwhile is not None:
                side = meanwhile()
            for k, fut in jobs.items():
                try:
                    logits[k] = fut.result()
                except StepError as e:
                    logits[k] = None
                    failures.append((k[0], k[1], e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return logits, failures, side


def pytorch_logits(float_models, calib, test_x, engine, variants):
    """PyTorch's logits on test_x, on the quantized `engine`: {model:
    {"float": logits, key: int8 logits or the error as a text}} for every
    model of {name: float model in eval mode} and (key, qconfig mapping,
    _equalization_config or None) of `variants`: prepare_fx, calibration on
    the `calib` batches, convert_fx."""
    import copy
    import warnings

    import torch
    warnings.filterwarnings("ignore")
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = engine
    torch.set_num_threads(1)
    calib_t = [torch.from_numpy(c) for c in calib]
    x = torch.from_numpy(test_x)
    res = {}
    for name, model in float_models.items():
        with torch.no_grad():
            res[name] = {"float": model(x).numpy()}
        for key, qconfig, eq in variants:
            try:
                m = prepare_fx(copy.deepcopy(model), qconfig, example_inputs=(calib_t[0],),
                               _equalization_config=eq)
                with torch.no_grad():
                    for c in calib_t:
                        m(c)
                    res[name][key] = convert_fx(m)(x).numpy()
            except Exception as e:  # noqa: BLE001  (PyTorch's FX may reject a graph)
                res[name][key] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    return res


def score(y, ref, labels):
    """A result row: {"top1": %, "sqnr": dB against the float logits `ref`
    (None: y is the reference)}, or {"error": text} when y is None (a failed
    EqQuant step: "failed") or a failure's text."""
    if y is None:
        return {"error": "failed"}
    if isinstance(y, str):
        return {"error": y}
    r = {"top1": 100.0 * float((y.argmax(1) == labels).mean()), "sqnr": None}
    if ref is not None:
        r["sqnr"] = sqnr(ref, y)
    return r


def print_table(rows, widths, reference, reasons=True):
    """One line per (model, method, score row) of `rows`, a blank line between
    models. widths: of the model, method, top-1 and SQNR columns; `reference`
    stands in the float row's SQNR column; reasons: a failed row ends with its
    error text (False: the caller prints the reasons after the table)."""
    text = "%%-%ds  %%-%ds  %%%ds  %%%ds" % widths
    number = "%%-%ds  %%-%ds  %%%d.2f  %%%ds" % widths
    hdr = text % ("model", "method", "top-1 (%)", "SQNR (dB)")
    print(hdr)
    print("-" * len(hdr))
    last = None
    for name, method, r in rows:
        if last is not None and name != last:
            print()
        last = name
        if "error" in r:
            line = text % (name, method, "failed", "failed")
            print("%s  (%s)" % (line, r["error"]) if reasons else line)
            continue
        snr = reference if r["sqnr"] is None else "%.2f" % r["sqnr"]
        print(number % (name, method, r["top1"], snr))


def print_notes(images, float_dev, errors):
    """The lines after the table: what SQNR is (measured on `images`), how far
    PyTorch's float logits are from eq-run's (float_dev None: not compared),
    the failures."""
    print()
    print("SQNR: 20 log10(||float logits|| / ||float logits - int8 logits||) on %s; "
          "higher is closer to float." % images)
    if float_dev is not None:
        print("PyTorch's float logits match eq-run's to %.1e (max abs difference)." % float_dev)
    for e in errors:
        print("error: " + e)
