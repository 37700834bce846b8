#!/usr/bin/env bash
# Installs what is missing (Debian packages), configures and builds EqQuant.
# Safe to run again: it installs nothing twice and rebuilds incrementally.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/apt.sh
source "$root/scripts/apt.sh"
build="${EQQ_BUILD_DIR:-$root/build}"

packages=(cmake ninja-build clang-22 lld-22 llvm-22-dev llvm-22-tools
          libmlir-22-dev mlir-22-tools libomp-22-dev libgtest-dev python3 python3-numpy)
packages+=(${EQQ_EXTRA_PACKAGES:-})

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
fi

"$root/scripts/configure.sh" "$build"
echo "== building"
cmake --build "$build"
