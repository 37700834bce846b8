#!/usr/bin/env bash
# Configures an EqQuant build directory unless it is configured already:
# scripts/configure.sh BUILD_DIR [CMAKE_ARGS...]. Every build of the project
# uses these settings (clang-22, Ninja, lld, Release, Debian's MLIR 22);
# setup.sh, fuzz.sh and sanitize.sh add their own CMake arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$1"
shift
llvm=/usr/lib/llvm-22
if [[ ! -f "$build/build.ninja" ]]; then
  echo "== configuring in $build"
  CC="$llvm/bin/clang" CXX="$llvm/bin/clang++" cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" \
    -DLLVM_ENABLE_LLD=ON \
    "$@"
fi
