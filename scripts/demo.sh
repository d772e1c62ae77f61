#!/usr/bin/env bash
# The README's first command ends here: runs loaxad on configs/demo.toml with the
# demo block starting 3 s after launch, waits for it to air, prints the airtime log.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/$build/daemon"
state="$root/build/demo-state"
run_config="$root/configs/.demo-run.toml"   # beside demo.toml so relative paths hold
port=8080

start=$(TZ=Asia/Ho_Chi_Minh date -d '+3 sec' +%Y-%m-%dT%H:%M:%S)
# The demo airs whatever the hour: its quiet hours (21:30-05:00, an example in demo.toml)
# would otherwise block an evening run.
sed -e "s|^start = \"[^\"]*\".*# demo:.*|start = \"$start\"|" \
    -e "s|^quiet_hours = |# demo run at any hour: quiet_hours = |" \
    "$root/configs/demo.toml" > "$run_config"
"$bin/loaxad" --config "$run_config" --check >/dev/null

args=(--config "$run_config")
no_sound=0; no_screen=0
if ! ls /dev/snd/pcm* >/dev/null 2>&1 && [ -z "${PULSE_SERVER:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/pulse/native" ]; then
  no_sound=1
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then no_screen=1; fi
if [ $no_sound = 1 ] || [ $no_screen = 1 ]; then
  args+=(--render-to-files)
  echo "demo: no sound device or screen here: the loudspeaker channel renders to $state/out/loudspeaker.s16le (raw PCM S16LE 48000 Hz mono; listen with: aplay -f S16_LE -r 48000 -c 1 FILE)"
  echo "demo: and the kiosk screen to $state/out/kiosk.rgb (raw RGB 640x360 at 10 fps; snapshots follow as PNG)"
fi
rm -f "$state/out/loudspeaker.s16le" "$state/out/kiosk.rgb" "$state"/out/kiosk-*.png

"$bin/loaxad" "${args[@]}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; rm -f "$run_config"' EXIT
echo "demo: loaxad started (pid $pid); the blocks \"ban-tin-demo\" (loudspeaker) and \"man-hinh-demo\" (kiosk) air at $start (Asia/Ho_Chi_Minh)"

# Wait for the five items (chime, announcement; three slides) of this run to be logged,
# at most 60 s.
cli="$root/$build/cli/loaxa"
for _ in $(seq 1 600); do
  done_rows=$("$cli" --url "http://127.0.0.1:$port" airtime --from "$start" --format csv 2>/dev/null |
    grep -c ',completed,\|,failed,' || true)
  [ "${done_rows:-0}" -ge 5 ] && break
  kill -0 $pid 2>/dev/null || { echo "demo: loaxad exited early" >&2; exit 1; }
  sleep 0.1
done

echo
echo "== loaxa status =="
"$cli" --url "http://127.0.0.1:$port" status
echo
echo "== loaxa airtime (this run) =="
"$cli" --url "http://127.0.0.1:$port" airtime --from "$start"
kill -TERM $pid
wait $pid || true
trap - EXIT
rm -f "$run_config"
if [ -f "$state/out/loudspeaker.s16le" ]; then
  bytes=$(stat -c %s "$state/out/loudspeaker.s16le")
  echo
  echo "demo: rendered $(awk "BEGIN{printf \"%.2f\", $bytes/96000}") s of audio to $state/out/loudspeaker.s16le"
fi
if [ -f "$state/out/kiosk.rgb" ]; then
  bytes=$(stat -c %s "$state/out/kiosk.rgb")
  # One snapshot every two seconds of what the screen showed.
  gst-launch-1.0 -q filesrc location="$state/out/kiosk.rgb" ! \
    rawvideoparse width=640 height=360 format=rgb framerate=10/1 ! videorate ! \
    video/x-raw,framerate=1/2 ! videoconvert ! pngenc ! \
    multifilesink location="$state/out/kiosk-%02d.png" >/dev/null 2>&1 || true
  echo "demo: the kiosk screen rendered $((bytes / 691200)) frames ($(awk "BEGIN{printf \"%.1f\", $bytes/6912000}") s) to $state/out/kiosk.rgb; snapshots: $state/out/kiosk-*.png"
fi
