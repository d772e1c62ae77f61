#!/usr/bin/env bash
# The library Depends of loaxa's three programs in BUILD, as dpkg-shlibdeps computes
# them for the package (used for the cross-built arm64 package, whose sysroot
# dpkg-shlibdeps cannot read). Usage: scripts/shlibs_depends.sh BUILD
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian" && touch "$work/debian/control"
cd "$work"
dpkg-shlibdeps -O -e "$build/daemon/loaxad" -e "$build/cli/loaxa" -e "$build/hub/loaxa-hub" \
  2>/dev/null | sed -n 's/^shlibs:Depends=//p'
