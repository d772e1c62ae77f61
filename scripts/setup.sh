#!/usr/bin/env bash
# Installs what loaxa needs to build, test and run on Debian 12.
# Idempotent: installs only the packages that are missing.
set -euo pipefail

packages=(
  cmake g++ make pkg-config ccache dpkg-dev clang-14 libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-tools
  gstreamer1.0-plugins-base-apps gstreamer1.0-plugins-bad
  libsqlite3-dev sqlite3 postgresql-15 libpq-dev libglib2.0-dev libxml2-dev libtomlplusplus-dev libhowardhinnant-date-dev tzdata libebur128-dev
  libsystemd-dev libsodium-dev libssl-dev libxlsxwriter-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  espeak-ng sox systemd python3 python3-dateutil python3-openpyxl python3-jsonschema
  python3-cryptography
  nginx-light openssl curl
  chromium fonts-noto-core
  gstreamer1.0-x libgdk-pixbuf-2.0-dev faketime
  systemd-container mmdebstrap clang-tidy-14 cppcheck lintian
  g++-aarch64-linux-gnu qemu-user-static file
)
# The browser tests run Playwright (npm) on Node.js: Debian's, unless one is there.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
