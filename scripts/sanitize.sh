#!/usr/bin/env bash
# Builds EqQuant with AddressSanitizer (and LeakSanitizer) and
# UndefinedBehaviorSanitizer and runs the whole lit suite on that build:
# scripts/sanitize.sh [LIT_ARGS...]. The build goes to build-asan/
# (EQQ_ASAN_BUILD_DIR overrides it), configured as scripts/setup.sh
# configures build/ plus LLVM_USE_SANITIZER; EQQ_ASAN_JOBS sets the build's
# parallelism (default 2). Any report of either sanitizer halts the process
# that made it, which fails its test.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EQQ_ASAN_BUILD_DIR:-$root/build-asan}"

# The linker flags reach Install/find-package.test too, whose consumer
# links EqQuant's sanitized libraries and so needs the runtimes.
"$root/scripts/configure.sh" "$build" \
  -DLLVM_USE_SANITIZER="Address;Undefined" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
llvm=/usr/lib/llvm-22
echo "== building"
cmake --build "$build" -j "${EQQ_ASAN_JOBS:-2}"

# lit passes these to the tests (the tools it runs, and those the Python
# tests run). Stack traces name the source lines. Leaks are reported: none
# needs a suppression, as libMLIR.so's globals stay reachable. The Python
# interpreter itself loads nothing sanitized (the shared objects the int8
# kernel tests load are compiled from LLVM IR without sanitizers), so it
# needs no preloaded runtime.
export ASAN_SYMBOLIZER_PATH="$llvm/bin/llvm-symbolizer"
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
echo "== running the tests"
exec "$llvm/bin/lit" "$build/test" "$@"
