#!/usr/bin/env bash
# A sysroot for the cross build to ARCH (arm64 or armhf): Debian 12's development packages of
# every library loaxa links, and the GStreamer plugins its test plays through,
# unpacked (not installed: nothing in it runs at build time) by mmdebstrap into
# /var/cache/loaxa-test, kept as ccache keeps objects and rebuilt once a week or when
# the package list changes. Absolute symlinks in it are made relative, so that the
# linker and qemu-user, which see it as /, follow them inside it.
# Usage: scripts/cross_sysroot.sh [ARCH]  (arm64 unless told; prints the sysroot's path)
set -euo pipefail
arch=${1:-arm64}
case "$arch" in arm64 | armhf) ;; *) echo "cross_sysroot: no cross build to '$arch' (arm64 or armhf)" >&2; exit 2 ;; esac
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
  sources=("deb http://deb.debian.org/debian bookworm main"
    "deb http://deb.debian.org/debian bookworm-updates main")
  security="deb http://deb.debian.org/debian-security bookworm-security main"
  # The sysroot only builds and runs the tests: a board takes its libraries, security
  # updates included, from its own archive. So when the mirror's security index is
  # broken (seen for armhf: "File has unexpected size"), build without it and say so.
  unpack() {  # SOURCES...
    mmdebstrap --quiet --variant=extract --architectures="$arch" --skip=check/qemu \
      --include="$include" bookworm "$root" "$@" >&2
  }
  if ! unpack "${sources[@]}" "$security"; then
    echo "cross_sysroot: the $arch sysroot could not be made with bookworm-security;" \
      "made from bookworm and bookworm-updates only" >&2
    rm -rf "$root"
    unpack "${sources[@]}"
  fi
  # Absolute symlinks (libz.so -> /lib/...) point outside the tree from the host.
  find "$root" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
  done
  touch "$root/.complete"
fi
echo "$root"
