#!/usr/bin/env bash
# Configures an EqQuant build directory unless it is configured already:
# scripts/configure.sh BUILD_DIR [CMAKE_ARGS...]. Every build of the project
# uses these settings (clang-22, Ninja, lld, Release, Debian's MLIR 22);
# setup.sh, fuzz.sh and sanitize.sh add their own CMake arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/apt.sh
source "$root/scripts/apt.sh"
build="$1"
shift
llvm=/usr/lib/llvm-22
# A sanitized or fuzzing build (fuzz.sh, sanitize.sh) links clang-22's
# sanitizer runtimes and libFuzzer, which Debian packages apart.
if [[ " $* " == *"EQQ_ENABLE_FUZZERS=ON"* || " $* " == *"LLVM_USE_SANITIZER"* ]] &&
   ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed"; then
  apt_install libclang-rt-22-dev
fi
if [[ ! -f "$build/build.ninja" ]]; then
  echo "== configuring in $build"
  CC="$llvm/bin/clang" CXX="$llvm/bin/clang++" cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" \
    -DLLVM_ENABLE_LLD=ON \
    "$@"
fi
