#!/usr/bin/env bash
# An ARM package's binaries (arm64 or armhf), run under qemu-user on this amd64 machine
# (no binfmt needed: qemu-aarch64-static or qemu-arm-static is called directly, the
# sysroot of that architecture as its /):
#  1. the .deb is of that architecture and holds its programs, and lintian is clean;
#  2. `loaxad --check` accepts the config the package ships;
#  3. the unit tests pass (planner, RRULE, config, airtime chain, manifests, ...);
#  4. a scheduled play of 1 s renders exactly its 48,000 samples at its level through
#     that architecture's GStreamer, its row completes and `loaxa verify-log` passes the chain.
# Usage: tests/cross_test.sh ARCH BUILD_ARCH (made by `make deb-ARCH`)
set -euo pipefail
arch=$1
case "$arch" in
  arm64) triplet=aarch64-linux-gnu qemu_bin=qemu-aarch64-static machine="ARM aarch64" ;;
  armhf) triplet=arm-linux-gnueabihf qemu_bin=qemu-arm-static machine="ARM, EABI5" ;;
  *) echo "cross_test: no cross build to '$arch' (arm64 or armhf)" >&2; exit 2 ;;
esac
build=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
sysroot=$(sed -n 's/^CMAKE_SYSROOT:[A-Z]*=//p' "$build/CMakeCache.txt")
work=$(mktemp -d "/tmp/loaxa-$arch-XXXXXX")
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "cross_test $arch: FAIL: $*" >&2
  [ -f "$work/loaxad.log" ] && tail -30 "$work/loaxad.log" >&2
  exit 1
}
[ -d "$sysroot" ] || fail "no sysroot in $build/CMakeCache.txt"
# GStreamer scans its plugins in the process (it cannot spawn the ARM scanner
# without binfmt) into a registry of the test's own, from the plugin folder named by
# its path on this machine: qemu-arm 7.2 does not look `statx` paths up in the sysroot
# (armhf's glibc stats with statx; arm64's with fstatat, which it does), so the scan
# of /usr/lib/arm-linux-gnueabihf/gstreamer-1.0 found every plugin missing.
qemu=("$qemu_bin" -L "$sysroot"
  -E LD_LIBRARY_PATH=/lib/$triplet:/usr/lib/$triplet
  -E GST_PLUGIN_SYSTEM_PATH="$sysroot/usr/lib/$triplet/gstreamer-1.0"
  -E GST_REGISTRY_FORK=no -E GST_REGISTRY="$work/registry.$arch.bin")
emulated() { "${qemu[@]}" "$@"; }

# 1. The package.
deb=$(ls "$build"/loaxa_*_"$arch".deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no loaxa_*_$arch.deb in $build (make deb-$arch)"
[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture is not $arch"
dpkg-deb -x "$deb" "$work/pkg"
for p in loaxad loaxa loaxa-hub; do
  file -b "$work/pkg/usr/bin/$p" | grep -q "$machine" || fail "$p is $(file -b "$work/pkg/usr/bin/$p")"
done
lint=$(lintian --fail-on error,warning "$deb" 2>/dev/null) || fail "lintian:
$lint"
echo "cross_test $arch: $(basename "$deb") is $arch and lintian-clean"
bin="$work/pkg/usr/bin"

# 2. The shipped config.
emulated "$bin/loaxad" --version | grep -q "loaxad" || fail "loaxad --version"
emulated "$bin/loaxad" --config "$work/pkg/etc/loaxa/loaxa.toml" --check >"$work/check.log" 2>&1 ||
  fail "the shipped config does not pass --check: $(cat "$work/check.log")"
echo "cross_test $arch: loaxad --check accepts the shipped config"

# 3. The unit tests.
start=$(date +%s)
(cd "$build" && emulated ./tests/loaxa_unit_tests --gtest_brief=1 >"$work/unit.log" 2>&1) ||
  { tail -40 "$work/unit.log" >&2; fail "unit tests"; }
echo "cross_test $arch: unit tests: $(grep -E '^\[  PASSED  \]' "$work/unit.log") in $(($(date +%s) - start)) s"

# 4. A scheduled play, rendered to a file.
python3 - "$work/tone.wav" <<'PY'
import struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
    w.writeframes(struct.pack("<h", 8000) * 48000)
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
config() {
  cat <<TOML
[box]
id = "$arch-test"
name = "Xã Thử nghiệm $arch"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "$work/state"

[channels.loudspeaker]
sink = "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink location=$work/out.raw buffer-mode=unbuffered"
volume = 1.0
max_gain = 0.0

[api]
listen = ["127.0.0.1:$port"]
$1
TOML
}
config "" >"$work/loaxa.toml"
cp "$work/tone.wav" "$work/thong-bao.wav"
# qemu itself is the daemon's process (signals reach the emulated loaxad through it).
"${qemu[@]}" "$bin/loaxad" --config "$work/loaxa.toml" >"$work/loaxad.log" 2>&1 &
daemon=$!
wait_for() {  # SECONDS PATTERN: the daemon's log says PATTERN
  local until=$(($(date +%s) + $1))
  until grep -q "$2" "$work/loaxad.log"; do
    kill -0 "$daemon" 2>/dev/null || fail "loaxad exited while waiting for '$2'"
    [ "$(date +%s)" -lt "$until" ] || fail "no '$2' in $1 s"
    sleep 0.2
  done
}
wait_for 120 "loaxad: box "
# Scheduled by a reload once the emulated daemon is up: 8 s ahead.
at=$(TZ=Asia/Ho_Chi_Minh date -d "@$(($(date +%s) + 8))" +%Y-%m-%dT%H:%M:%S)
config "[[schedule]]
id = \"thong-bao-$arch\"
channel = \"loudspeaker\"
file = \"thong-bao.wav\"
start = \"$at\"" >"$work/loaxa.toml"
kill -HUP "$daemon"
wait_for 60 "ended (completed)"
kill -TERM "$daemon"
wait "$daemon" || fail "loaxad exited $? after SIGTERM"
daemon=
python3 - "$work/out.raw" "$arch" <<'PY' || fail "the rendered samples"
import array, sys
s = array.array("h"); s.frombytes(open(sys.argv[1], "rb").read())
on = [i for i, v in enumerate(s) if abs(v) > 100]
assert on, "no sound in the output"
run = on[-1] - on[0] + 1
assert len(on) == 48000 and run == 48000, f"{len(on)} sounding samples over {run}, want 48000"
assert all(abs(s[i] - 8000) <= 2 for i in on), "level is not the file's 8000"
print(f"cross_test {sys.argv[2]}: the play rendered 48000 samples at 8000 ({len(s)} in all)")
PY
emulated "$bin/loaxa" verify-log "$work/state/loaxa.db" >"$work/verify.log" 2>&1 ||
  fail "verify-log: $(cat "$work/verify.log")"
echo "cross_test $arch: the play's row completed and the chain verifies"
