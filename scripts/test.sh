#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (lit). The lit
# summary closes the output; the exit code is non-zero when a test fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${EQQ_BUILD_DIR:-$root/build}"
# The tests compare against PyTorch, the reference implementation.
EQQ_EXTRA_PACKAGES="python3-torch python3-torchvision python3-matplotlib ${EQQ_EXTRA_PACKAGES:-}" "$root/scripts/setup.sh"
echo "== testing"
exec "/usr/lib/llvm-22/bin/lit" -sv "$build/test" "$build/unittests"
