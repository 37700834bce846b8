#!/usr/bin/env bash
# Times --eqq-prepare on a 50-layer, 512-wide MLP with dense_resource weights:
# prints eq-opt's --mlir-timing report (parsing, the pass, output) and the
# ratio of the pass time to the parse time, measured in the same run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EQQ_BUILD_DIR:-$root/build}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$root/bench/make_deep_mlp.py" "$tmp/mlp50.mlir" --layers 50 --width 512
echo "model: 50 x linear 512->512 (+relu), $(du -h "$tmp/mlp50.mlir" | cut -f1) of MLIR"
"$build/bin/eq-opt" "$tmp/mlp50.mlir" --eqq-prepare --mlir-timing \
  -o "$tmp/out.mlirbc" --emit-bytecode 2>"$tmp/timing.txt"
cat "$tmp/timing.txt"
/usr/bin/python3 - "$tmp/timing.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def wall(name):
    m = re.search(r"^\s*([0-9.]+)\s+\(\s*[0-9.]+%\)\s+" + re.escape(name) + r"\s*$", text, re.M)
    return float(m.group(1)) if m else None
parse, prep = wall("Parser"), wall("PreparePass")
print(f"parse {parse*1000:.1f} ms, --eqq-prepare {prep*1000:.1f} ms, "
      f"prepare/parse = {prep/parse:.2f}")
PY
