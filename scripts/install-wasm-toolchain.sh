#!/usr/bin/env bash
# Installs what `npm run build` needs to compile the WebAssembly SIMD kernels (kernels/wasm/c):
# Debian's clang and lld (wasm-ld). Idempotent; needs root (or sudo).
set -euo pipefail

if command -v clang >/dev/null 2>&1 && command -v wasm-ld >/dev/null 2>&1; then
  echo "install-wasm-toolchain: $(clang --version | head -1) and wasm-ld already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "install-wasm-toolchain: needs root to run apt-get (or sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends clang lld
echo "install-wasm-toolchain: installed $(clang --version | head -1)"
