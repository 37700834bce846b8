#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ and runs each for SECONDS (default
# 600): scripts/fuzz.sh [SECONDS] [TARGET...], TARGET among npy, config,
# recipe, pipeline (default: all, one after the other).
#
# The build (clang-22, ASan + UBSan + coverage) goes to build-fuzz/
# (EQQ_FUZZ_BUILD_DIR overrides it). Each target starts from its seeds in
# fuzz/corpus/<target>/ and from the inputs earlier runs kept in
# <build>/corpus/<target>/, where new inputs go; the seeds are not changed.
# An input that crashes, leaks, hangs (more than EQQ_FUZZ_TIMEOUT seconds,
# default 60) or runs out of memory is copied to <build>/findings/<target>/
# and the script exits non-zero once every target has run. Logs:
# <build>/logs/<target>.log. EQQ_FUZZ_JOBS sets the build's parallelism
# (default 2); run the script under `nice` on a shared machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EQQ_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-600}"
[[ $# -gt 0 ]] && shift
all_targets=(npy config recipe pipeline)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " == *" $t "* ]]; then
    echo "fuzz.sh: unknown target '$t'; expected one of: ${all_targets[*]}" >&2
    exit 2
  fi
done
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
  echo "fuzz.sh: SECONDS must be a number, got '$seconds'" >&2
  exit 2
fi

"$root/scripts/configure.sh" "$build" -DEQQ_ENABLE_FUZZERS=ON
llvm=/usr/lib/llvm-22
echo "== building"
cmake --build "$build" -j "${EQQ_FUZZ_JOBS:-2}" \
  --target "${targets[@]/#/eqq-fuzz-}"

# Stack traces name the source lines; UB halts like a crash.
export ASAN_SYMBOLIZER_PATH="$llvm/bin/llvm-symbolizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

found=()
summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  findings="$build/findings/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  echo "== fuzzing $t for $seconds s (log: $log)"
  before=$(ls "$findings")
  status=0
  # Fork mode: a crash, leak, timeout or OOM is saved and fuzzing goes on.
  "$build/bin/eqq-fuzz-$t" "$corpus" "$root/fuzz/corpus/$t" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout="${EQQ_FUZZ_TIMEOUT:-60}" \
    -artifact_prefix="$findings/" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' "$log" | tail -1)
  new=$(comm -13 <(echo "$before") <(ls "$findings") | sed '/^$/d')
  if [[ -n $new || $status -ne 0 ]]; then
    found+=("$t")
    summary+=("$t: FOUND (exit $status, ${execs:-?} executions in $seconds s): $(echo $new); see $log")
  else
    summary+=("$t: ok, ${execs:-?} executions in $seconds s")
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
((${#found[@]} == 0))
