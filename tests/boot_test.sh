#!/usr/bin/env bash
# The package on a clean Debian 12 with systemd as PID 1: a bookworm tree from Debian's
# archive (mmdebstrap, kept a week in /var/cache/loaxa-test), `apt-get install ./loaxa_*.deb` inside it (dpkg -i plus the
# dependencies), then the tree booted with systemd-nspawn. Checks that the sandboxed
# service starts and says it is ready, runs as the loaxa user, rates 2.0 or lower in
# `systemd-analyze security` on the running system, answers /healthz and /readyz,
# plays a scheduled block into its state directory with the amplifier commands run,
# is restarted by the watchdog when its loop hangs, takes the relay drop-in example,
# and stops cleanly.
# Exits 77 (skipped) when this machine cannot build or boot such a tree (no archive,
# no systemd-nspawn, no cgroups); any failure of loaxa itself exits 1.
# Usage: tests/boot_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /var/tmp/loaxa-boot-XXXXXX)
tree="$work/tree"
nspawn_pid=
cleanup() {
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "boot_test: FAIL: $*" >&2
  if [ -n "${init:-}" ]; then
    in_box journalctl -u loaxad --no-pager -o short-monotonic 2>/dev/null | tail -40 >&2 || true
  fi
  exit 1
}
skip() {
  echo "boot_test: SKIP: $*" >&2
  exit 77
}
# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5  # polling interval, not a wait for an outcome
  done
}

command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (systemd-container)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn)"

(cd "$build" && cpack -G DEB -B "$work/out" >/dev/null) || fail "cpack"
deb=$(ls "$work"/out/loaxa_*.deb)

# The same suites as this machine, with the package's dependencies already in the tree
# (its Depends, alternatives to their first). The tree is built once a week per set of
# dependencies and kept in /var/cache/loaxa-test as a tarball, as ccache keeps objects:
# mmdebstrap and the downloads were three quarters of this test's four minutes. The
# package itself is installed fresh every run, from the .deb just built.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | sed '/^$/d' | sort -u |
  paste -sd, -)
include="systemd,systemd-sysv,dbus,curl,python3,$deps"
cache_dir=/var/cache/loaxa-test
cache="$cache_dir/bookworm-$(date +%G-%V)-$(printf '%s' "$include" | sha256sum | cut -c1-12).tar"
if [ ! -f "$cache" ]; then
  mkdir -p "$cache_dir"
  find "$cache_dir" -name 'bookworm-*.tar' -mtime +14 -delete 2>/dev/null || true
  mmdebstrap --quiet --variant=apt --format=tar --include="$include" bookworm "$cache.part" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" \
    >"$work/mmdebstrap.log" 2>&1 || {
    tail -5 "$work/mmdebstrap.log" >&2
    rm -f "$cache.part"
    skip "could not build a bookworm tree from the archive"
  }
  mv "$cache.part" "$cache"
  echo "boot_test: built the bookworm tree into $cache"
fi
mkdir -p "$tree"
tar -C "$tree" -xf "$cache" || fail "could not unpack $cache"
cp "$deb" "$tree/tmp/"
cp /etc/resolv.conf "$tree/etc/resolv.conf"
{ chroot "$tree" apt-get update -qq &&
  chroot "$tree" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    "/tmp/$(basename "$deb")"; } >"$work/install.log" 2>&1 || {
  tail -20 "$work/install.log" >&2
  fail "apt-get install ./$(basename "$deb") in a clean bookworm tree"
}
echo "boot_test: installed $(basename "$deb") and its dependencies in a clean bookworm tree"

# A config whose loudspeaker renders into the state directory (the only place the sandbox
# lets it write), with a one-second tone a little after boot and amplifier commands.
python3 - "$tree/etc/loaxa/thu-am.wav" <<'EOF'
import math, struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 48000)))
                           for i in range(48000)))
EOF
at=$(TZ=Asia/Ho_Chi_Minh date -d "@$(($(date +%s) + 30))" +%Y-%m-%dT%H:%M:%S)
cat >"$tree/etc/loaxa/loaxa.toml" <<EOF
[box]
id = "boot-test"
name = "Xã Thử nghiệm"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "/var/lib/loaxa"

[channels.loudspeaker]
sink = "audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink location=/var/lib/loaxa/out.raw"
on_air_command = ["/usr/bin/touch", "/var/lib/loaxa/amp-on"]
off_air_command = ["/usr/bin/touch", "/var/lib/loaxa/amp-off"]
amp_lead = "1s"
amp_hold = "2s"

[api]
listen = ["127.0.0.1:8080"]

[[schedule]]
id = "kiem-tra-khoi-dong"
channel = "loudspeaker"
file = "thu-am.wav"
start = "$at"
EOF
mkdir -p "$tree/etc/systemd/system/loaxad.service.d"
cp "$src/systemd/examples/relay.conf" "$tree/etc/systemd/system/loaxad.service.d/relay.conf"

systemd-nspawn --quiet --register=no --keep-unit -D "$tree" -b --machine loaxa-boot \
  >"$work/console.log" 2>&1 &
nspawn_pid=$!
# The tree's systemd is the child of systemd-nspawn; commands run in its namespaces.
wait_for 30 pgrep -P "$nspawn_pid" -x systemd || {
  tail -5 "$work/console.log" >&2
  skip "systemd-nspawn could not boot the tree here"
}
init=$(pgrep -P "$nspawn_pid" -x systemd)
in_box() { nsenter -t "$init" -a "$@"; }
wait_for 60 in_box systemctl is-system-running --quiet --wait ||
  in_box systemctl is-active --quiet multi-user.target ||
  skip "the booted tree did not reach multi-user.target: $(in_box systemctl --failed --no-legend 2>&1 | head -3)"

# Started (Type=notify: READY=1 sent) and running sandboxed as loaxa.
[ "$(in_box systemctl is-active loaxad)" = active ] || fail "loaxad.service is not active"
main=$(in_box systemctl show -p MainPID --value loaxad)
[ "$(in_box ps -o user= -p "$main" | tr -d ' ')" = loaxa ] || fail "loaxad does not run as loaxa"
score=$(in_box systemd-analyze security loaxad --no-pager |
  sed -n 's/.*Overall exposure level for loaxad.service: \([0-9.]*\).*/\1/p')
echo "boot_test: systemd-analyze security on the running system: $score"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.6) }' || fail "exposure $score is above 1.6 (docs/security.md)"
in_box systemctl show -p DeviceAllow --value loaxad | grep -q "char-ttyUSB rw" ||
  fail "the relay drop-in was not applied"
[ "$(in_box curl -fsS http://127.0.0.1:8080/healthz)" = ok ] || fail "/healthz"
wait_for 20 in_box curl -fsS http://127.0.0.1:8080/readyz || fail "/readyz"

# The block plays into the state directory; the amplifier goes on before it and off after.
journal_has() { in_box journalctl -u loaxad --no-pager -o cat | grep -q "$1"; }
wait_for 90 journal_has "ended (completed)" ||
  fail "the scheduled block did not complete"
[ -f "$tree/var/lib/loaxa/amp-on" ] || fail "on_air_command did not run in the sandbox"
wait_for 20 test -f "$tree/var/lib/loaxa/amp-off" || fail "off_air_command did not run"
python3 - "$tree/var/lib/loaxa/out.raw" <<'EOF' || fail "the block's tone is not in the output"
import struct, sys
data = open(sys.argv[1], "rb").read()
s = struct.unpack(f"<{len(data) // 2}h", data[: len(data) // 2 * 2])
loud = sum(1 for v in s if abs(v) > 1000)
print(f"boot_test: {loud / 48000:.2f} s of tone rendered in the sandbox")
sys.exit(0 if 0.9 * 48000 <= loud <= 1.1 * 48000 else 1)
EOF

# A hung event loop: the watchdog (WatchdogSec) kills and restarts the service.
in_box kill -STOP "$main"
wait_for 60 bash -c "[ \"\$(nsenter -t $init -a systemctl show -p MainPID --value loaxad)\" != $main ] &&
  [ \"\$(nsenter -t $init -a systemctl is-active loaxad)\" = active ]" ||
  fail "the watchdog did not restart a hung loaxad"
journal_has "Watchdog timeout" ||
  fail "the restart was not the watchdog's"
echo "boot_test: a stopped event loop was restarted by the watchdog"

# A clean stop.
in_box systemctl stop loaxad
in_box journalctl -u loaxad --no-pager -o cat | tail -5 | grep -q "loaxad: stopped" ||
  fail "loaxad did not stop cleanly"
[ "$(in_box systemctl show -p Result --value loaxad)" = success ] || fail "stop result"
echo "boot_test: ok"
