#!/usr/bin/env bash
# Makes the Python environment of bench/cnn_speed.py's ONNX Runtime baseline:
# scripts/setup-ort.sh [VENV], VENV defaulting to $EQQ_ORT_VENV, else the
# repository's .venv-ort (git ignores it; cnn_speed.py uses it by itself).
# A venv of Debian's /usr/bin/python3 with --system-site-packages, holding the
# pinned onnxruntime and onnx (quantize_static needs onnx): numpy stays
# Debian's (the pins are the newest that run on numpy 1.24; pip is told to
# keep the system numpy and fails rather than install another), and nothing
# outside the venv changes. Safe to run again: it installs nothing twice.
# Prints the EQQ_ORT_PYTHON=... to give cnn_speed.py.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/apt.sh
source "$root/scripts/apt.sh"
venv="${1:-${EQQ_ORT_VENV:-$root/.venv-ort}}"
base=/usr/bin/python3

# onnx >= 1.19 and onnxruntime's quantization tools need ml_dtypes, whose
# newest releases need numpy 2: 0.5.4 is the last for numpy 1.x. protobuf,
# flatbuffers and typing_extensions (Debian's 4.4 is older than onnx needs)
# are pinned too, for the same environment every time.
pins=(onnxruntime==1.32.0 onnx==1.23.2 ml_dtypes==0.5.4 protobuf==7.36.2
      flatbuffers==25.12.19 typing_extensions==4.16.0)

missing=()
"$base" -c "import numpy" 2>/dev/null || missing+=(python3-numpy)
"$base" -c "import ensurepip" 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
fi
numpy="$("$base" -c 'import numpy; print(numpy.__version__)')"

if [[ ! -x "$venv/bin/python" || ! -x "$venv/bin/pip" ]]; then
  echo "== creating $venv (--system-site-packages, $base)"
  "$base" -m venv --system-site-packages "$venv"
fi
py="$venv/bin/python"

# Every pin installed already (pip would not reach the index then either, but
# this says so without running it).
have() {
  "$py" - "$@" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
EOF
}
if have "${pins[@]}"; then
  echo "== $venv has ${pins[*]}"
else
  echo "== installing into $venv: ${pins[*]} (numpy stays $numpy)"
  "$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}" "numpy==$numpy"
fi

# The helper of cnn_speed.py imports these; numpy must be Debian's.
"$py" - <<'EOF'
import numpy
import onnxruntime
from onnxruntime.quantization import quantize_static  # noqa: F401  (needs onnx)
from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: F401

if not numpy.__file__.startswith("/usr/lib/python3/"):
    raise SystemExit("numpy %s comes from %s, not Debian's" % (numpy.__version__, numpy.__file__))
print("== onnxruntime %s, numpy %s (%s)" % (onnxruntime.__version__, numpy.__version__,
                                          numpy.__file__))
EOF

echo "EQQ_ORT_PYTHON=$py"
