#!/usr/bin/env bash
# Compiles the digits int8 MLP ahead of time and runs it from C (main.c):
#
#   eq-opt mlp.mlir --eqq-prepare --eqq-calibrate=... --eqq-convert  -> mlp.int8.mlir
#   eq-opt mlp.int8.mlir --eqq-lower-to-llvm | mlir-translate --mlir-to-llvmir
#                                                                    -> mlp.ll
#   clang -c mlp.ll                -> mlp.o, exporting _mlir_ciface_forward
#   clang main.c mlp.o -lm -fopenmp -> digits-aot, run on the test split
#
# The int8 kernels run on every core through the OpenMP runtime (libomp,
# Debian's libomp-22-dev): the program links it with -fopenmp. Lowering with
# --eqq-lower-to-llvm="threads=1" gives an object that needs only the C
# library and libm.
#
# usage: examples/aot/build.sh [BUILD_DIR [OUT_DIR]]
#   BUILD_DIR  the EqQuant build holding bin/eq-opt
#              (default: $EQQ_BUILD_DIR, else build/ in the repository)
#   OUT_DIR    where every file goes (default: $EQQ_AOT_OUT, else
#              BUILD_DIR/examples/aot)
# Environment:
#   EQQ_LLVM_BIN     LLVM 22's bin directory, for mlir-translate and clang
#                    (default /usr/lib/llvm-22/bin)
#   EQQ_AOT_CC       the C compiler; it compiles LLVM IR, so clang
#                    (default $EQQ_LLVM_BIN/clang)
#   EQQ_AOT_CFLAGS   flags for the model and the program (default
#                    -O3 -march=native: compiled for this CPU, as eq-run's JIT
#                    compiles; the program runs on this machine and on others
#                    with the same instruction set)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-${EQQ_BUILD_DIR:-$root/build}}"
out="${2:-${EQQ_AOT_OUT:-$build/examples/aot}}"
llvm_bin="${EQQ_LLVM_BIN:-/usr/lib/llvm-22/bin}"
cc="${EQQ_AOT_CC:-$llvm_bin/clang}"
read -r -a cflags <<<"${EQQ_AOT_CFLAGS:--O3 -march=native}"

eq_opt="$build/bin/eq-opt"
translate="$llvm_bin/mlir-translate"
[[ -x "$eq_opt" ]] || { echo "build.sh: $eq_opt not found (give the EqQuant build directory)" >&2; exit 1; }
[[ -x "$translate" ]] || { echo "build.sh: $translate not found (set EQQ_LLVM_BIN to LLVM 22's bin directory)" >&2; exit 1; }
command -v "$cc" >/dev/null || { echo "build.sh: C compiler $cc not found (set EQQ_AOT_CC)" >&2; exit 1; }

digits="$root/examples/digits"
mkdir -p "$out"

# Prints a command, then runs it.
step() { echo "+ $*"; "$@"; }

# The int8 module: observers, calibration on the bundled batches, int8.
step "$eq_opt" "$digits/mlp.mlir" --eqq-prepare \
  --eqq-calibrate="data=$digits/calib0.npy,$digits/calib1.npy" \
  --eqq-convert -o "$out/mlp.int8.mlir"

# LLVM IR, then an object. The IR carries no target triple; clang uses the
# host's (-Wno-override-module silences its note about that).
echo "+ $eq_opt $out/mlp.int8.mlir --eqq-lower-to-llvm | $translate --mlir-to-llvmir -o $out/mlp.ll"
"$eq_opt" "$out/mlp.int8.mlir" --eqq-lower-to-llvm |
  "$translate" --mlir-to-llvmir -o "$out/mlp.ll"
step "$cc" "${cflags[@]}" -Wno-override-module -c "$out/mlp.ll" -o "$out/mlp.o"

# The C program, linked with the model object, which needs the C library,
# libm and the OpenMP runtime (found at run time through the rpath).
step "$cc" "${cflags[@]}" -std=c11 -Wall -Wextra -pedantic \
  "$here/main.c" "$out/mlp.o" -lm -fopenmp \
  -Wl,-rpath,"$(cd "$llvm_bin/../lib" && pwd)" -o "$out/digits-aot"

echo
step "$out/digits-aot" "$digits/test_x.npy" "$digits/test_y.npy"
