# Tests the CNN example end to end (examples/cnn/evaluate.py, as
# scripts/demo.sh runs it) on its first test batch
# (128 images): the trained small ResNet and MobileNetV2-style net go through
# eq-opt --eqq-fold-batchnorm --eqq-prepare --eqq-calibrate --eqq-convert and
# eq-run with each configuration (default_qconfig without and with
# equalization, "onednn" without and with equalization). Each int8 model's
# top-1 must stay within 3 points of the float model's, and the SQNR of its
# logits against the float logits above a floor: the value measured when
# the test was written (ops EqQuant did not quantize then stayed float)
# minus a margin of 6 dB, so that quantizing more ops may cost a little
# but a broken fold, equalization or int8 layer fails. When PyTorch is
# installed, eq-run's float logits must also equal PyTorch's (1e-4 of their
# largest magnitude); PyTorch's int8 rows are not checked (its FX
# equalization rejects the depthwise convs).
#
# RUN: %python %s %eqq_obj/bin %eqq_src/examples/cnn

import sys

bin_dir, example = sys.argv[1], sys.argv[2]
sys.path.insert(0, example)
import evaluate  # noqa: E402

# SQNR (dB) measured on the first test batch when the test was written, minus
# 6 dB: resnet 29.29, 29.43, 33.54, 32.54; mobilenet 26.94, 26.98, 31.18, 30.42.
FLOORS = {("resnet", "default"): 23.0, ("resnet", "default+eq"): 23.0,
          ("resnet", "onednn"): 27.5, ("resnet", "onednn+eq"): 26.5,
          ("mobilenet", "default"): 21.0, ("mobilenet", "default+eq"): 21.0,
          ("mobilenet", "onednn"): 25.0, ("mobilenet", "onednn+eq"): 24.0}
MAX_TOP1_DROP = 3.0

try:
    import torch  # noqa: F401
    has_torch = True
except ImportError:
    has_torch = False
res = evaluate.evaluate(bin_dir, batches=1, pytorch=has_torch)
failures = []
for e in res["errors"]:
    failures.append("EqQuant step failed: " + e)
for name, rows in res["rows"].items():
    ref = rows["float"]
    if "error" in ref:
        failures.append("%s float: %s" % (name, ref["error"]))
        continue
    print("%s float: top-1 %.2f%%" % (name, ref["top1"]))
    if has_torch:
        magnitude = res["float_mag"][name]
        dev = res["float_devs"][name]
        print("%s float: max |eq-run - PyTorch| %.2g (largest logit %.3g)" % (name, dev, magnitude))
        if not dev <= 1e-4 * magnitude:
            failures.append("%s float: eq-run's logits differ from PyTorch's by %.3g" % (name, dev))
    if ref["top1"] < 95.0:
        failures.append("%s float top-1 %.2f%% < 95%% (the trained model is not what it was)"
                        % (name, ref["top1"]))
    for key, label, quantize, _ in evaluate.VARIANTS:
        if not quantize:
            continue
        r = rows[key]
        if "error" in r:
            failures.append("%s %s: %s" % (name, label, r["error"]))
            continue
        floor = FLOORS[name, key]
        print("%s %s: top-1 %.2f%%, SQNR %.2f dB (floor %.1f)" % (name, label, r["top1"], r["sqnr"], floor))
        if r["top1"] < ref["top1"] - MAX_TOP1_DROP:
            failures.append("%s %s: top-1 %.2f%% more than %.0f points below float %.2f%%"
                            % (name, label, r["top1"], MAX_TOP1_DROP, ref["top1"]))
        if not r["sqnr"] >= floor:
            failures.append("%s %s: SQNR %.2f dB below the floor %.1f dB" % (name, label, r["sqnr"], floor))
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
