#!/usr/bin/env bash
# Installs what is missing, builds, and runs EqQuant on the bundled examples:
# a small MLP and CNN trained on scikit-learn's digits (examples/digits/), and
# a small ResNet and MobileNetV2-style net on the digits upscaled to 16x16
# (examples/cnn/), equalized and quantized to int8, with accuracy and SQNR
# against float (and against PyTorch's int8 when PyTorch is installed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EQQ_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"

digits="$root/examples/digits"
out="$build/examples/digits"
mkdir -p "$out"
echo
echo "== the one-line pipeline on the digits MLP:"
echo "   eq-opt mlp.mlir --eqq-prepare --eqq-calibrate=\"data=calib0.npy,calib1.npy\" \\"
echo "          --eqq-convert=\"recipe=mlp.recipe.json\" -o mlp.int8.mlir"
"$build/bin/eq-opt" "$digits/mlp.mlir" --eqq-prepare \
  --eqq-calibrate="data=$digits/calib0.npy,$digits/calib1.npy" \
  --eqq-convert="recipe=$out/mlp.recipe.json" -o "$out/mlp.int8.mlir"
/usr/bin/python3 - "$out/mlp.recipe.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("\n   layer  equalized  scale applied        input range -> int8 scale/zp      weight scale")
for l in r["layers"]:
    i, w = l["input"], l["weight"]
    print(f"   {l['name']:<6} {str(l['equalized']):<10} {l['scale_applied']:<20} "
          f"[{i['min']:8.3f}, {i['max']:7.3f}] -> {i['scale']:.5f}/{i['zero_point']:<4} "
          f"{w['scale'][0]:.5f}")
PY
echo "   (int8 module: $out/mlp.int8.mlir, recipe: $out/mlp.recipe.json)"
echo
echo "== top-1 accuracy and SQNR on the digits test split"
/usr/bin/python3 "$digits/evaluate.py" "$build/bin"
echo
echo "== CNNs (batch norm, max pool, depthwise convs, relu6, residual adds): top-1 accuracy and SQNR"
echo "   per model and configuration C.json (e.g. {\"qconfig\": \"onednn\", \"equalization\": \"default\"}):"
echo "   eq-opt resnet.mlir --eqq-fold-batchnorm --eqq-prepare=\"config=C.json\" \\"
echo "          --eqq-calibrate=\"data=calib0.npy,calib1.npy\" --eqq-convert -o resnet.int8.mlir"
/usr/bin/python3 "$root/examples/cnn/evaluate.py" "$build/bin"
