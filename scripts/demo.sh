#!/usr/bin/env bash
# Installs what is missing, builds, and runs EqQuant on the bundled example:
# prepares examples/mlp.mlir for equalization and int8 quantization and shows
# the result.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EQQ_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"

out="$build/examples"
mkdir -p "$out"
echo
echo "== eq-opt examples/mlp.mlir --eqq-prepare -o $out/mlp.prepared.mlir"
"$build/bin/eq-opt" "$root/examples/mlp.mlir" --eqq-prepare -o "$out/mlp.prepared.mlir"
echo
echo "== the prepared module (constants elided; full text in $out/mlp.prepared.mlir)"
"$build/bin/eq-opt" "$out/mlp.prepared.mlir" --mlir-elide-elementsattrs-if-larger=4
