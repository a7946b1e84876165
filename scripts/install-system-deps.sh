#!/usr/bin/env bash
# Installs the Debian packages tilerun's tests need: Mesa's lavapipe (software Vulkan) from
# bookworm-backports, Chromium (headless-browser runs, driven by puppeteer-core: puppeteer cannot
# download its own browser here) and redis-server (the distributed runs' queue, BullMQ). Stock bookworm Mesa 22 is rejected by Dawn (it lacks
# shaderUniform*ArrayDynamicIndexing); Mesa 25 from backports gives a full WebGPU adapter.
# Idempotent; needs root (or sudo). Safe to run on a machine that already has everything.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "install-system-deps: needs root to run apt-get (or sudo)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

have_lavapipe() {
  ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || return 1
  local version
  version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)
  dpkg --compare-versions "$version" ge 24 # Mesa older than 24 is rejected by Dawn
}

# Packages from the release's own suite: chromium for --runtime browser, redis-server for --redis,
# openssl for the test certificates of Redis over TLS.
STOCK_PACKAGES=(chromium redis-server openssl)
missing_stock=()
for package in "${STOCK_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing_stock+=("$package")
done
if [ ${#missing_stock[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing_stock[@]}"
  echo "install-system-deps: installed ${missing_stock[*]}"
else
  echo "install-system-deps: ${STOCK_PACKAGES[*]} already installed"
fi

if have_lavapipe; then
  echo "install-system-deps: Mesa lavapipe already installed ($(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
  exit 0
fi

if [ "$codename" = "bookworm" ]; then
  # Reuse the mirror this machine already uses for its main suite.
  uris=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uris" ] || uris=$(awk '/^deb / && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uris" ] || uris="http://deb.debian.org/debian"
  if [ ! -f /etc/apt/sources.list.d/tilerun-backports.sources ]; then
    cat >/etc/apt/sources.list.d/tilerun-backports.sources <<SRC
Types: deb
URIs: $uris
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1
else
  # Newer Debian releases ship a Mesa that Dawn accepts.
  apt-get update -q
  apt-get install -y -q --no-install-recommends mesa-vulkan-drivers libvulkan1
fi
echo "install-system-deps: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
