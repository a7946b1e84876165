#!/usr/bin/env bash
# One-time setup on a fresh Debian machine: the Debian packages WebGPU needs (Mesa's software
# Vulkan driver, so WGSL kernels run even without a GPU) and clang + lld (the WebAssembly SIMD
# kernels of the CPU pool), then the npm packages, then the build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
bash scripts/install-wasm-toolchain.sh
if [ -f package-lock.json ]; then npm ci; else npm install; fi
