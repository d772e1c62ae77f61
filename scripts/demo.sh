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
if ! ls /dev/snd/pcm* >/dev/null 2>&1 && [ -z "${PULSE_SERVER:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/pulse/native" ]; then
  args+=(--render-to-files)
  echo "demo: no sound device here: the loudspeaker channel renders to $state/out/loudspeaker.s16le (raw PCM S16LE 48000 Hz mono; listen with: aplay -f S16_LE -r 48000 -c 1 FILE)"
fi
rm -f "$state/out/loudspeaker.s16le"

"$bin/loaxad" "${args[@]}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; rm -f "$run_config"' EXIT
echo "demo: loaxad started (pid $pid); the block \"ban-tin-demo\" airs at $start (Asia/Ho_Chi_Minh)"

# Wait for both items (chime, announcement) of this run to be logged, at most 60 s.
cli="$bin/cli/loaxa"
for _ in $(seq 1 600); do
  done_rows=$("$cli" --url "http://127.0.0.1:$port" airtime --from "$start" --format csv 2>/dev/null |
    grep -c ',completed,\|,failed,' || true)
  [ "${done_rows:-0}" -ge 2 ] && break
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
