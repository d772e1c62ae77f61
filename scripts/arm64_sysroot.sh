#!/usr/bin/env bash
# An arm64 sysroot for the cross build: Debian 12's arm64 development packages of
# every library loaxa links, and the GStreamer plugins its test plays through,
# unpacked (not installed: nothing in it runs at build time) by mmdebstrap into
# /var/cache/loaxa-test, kept as ccache keeps objects and rebuilt once a week or when
# the package list changes. Absolute symlinks in it are made relative, so that the
# linker and qemu-user, which see it as /, follow them inside it.
# Usage: scripts/arm64_sysroot.sh  (prints the sysroot's path)
set -euo pipefail
arch=arm64
packages=(
  libc6-dev libstdc++-12-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libsqlite3-dev libpq-dev libglib2.0-dev libxml2-dev libtomlplusplus-dev
  libhowardhinnant-date-dev libebur128-dev libsystemd-dev libsodium-dev libssl-dev
  libxlsxwriter-dev zlib1g-dev libgdk-pixbuf-2.0-dev libgtest-dev libgmock-dev
)
include=$(IFS=,; echo "${packages[*]}")
cache_dir=/var/cache/loaxa-test
root="$cache_dir/sysroot-$arch-$(date +%G-%V)-$(printf '%s' "$include" | sha256sum | cut -c1-12)"
if [ ! -f "$root/.complete" ]; then
  mkdir -p "$cache_dir"
  find "$cache_dir" -maxdepth 1 -name "sysroot-$arch-*" -mtime +14 -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$root"
  mmdebstrap --quiet --variant=extract --architectures="$arch" --skip=check/qemu \
    --include="$include" bookworm "$root" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >&2
  # Absolute symlinks (libz.so -> /lib/...) point outside the tree from the host.
  find "$root" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
  done
  touch "$root/.complete"
fi
echo "$root"
