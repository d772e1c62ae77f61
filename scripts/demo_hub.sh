#!/usr/bin/env bash
# The hub half of `make demo`: a throw-away PostgreSQL cluster under build/, loaxa-hub,
# and two boxes of two districts (two loaxad with their own ids, keys and databases)
# that air a block a few seconds from now, push their signed airtime and report their
# status. Each box also holds a year of earlier airtime (made by loaxa-airtime-fill
# through the box's own store, with the real hash chain), so the quarterly report has
# something to count. Ends with the hub's fleet table and a report by commune, checked
# against the boxes' own `loaxa report`; then the province issues a storm warning for
# Đồng Xoài on the hub (signed with the province key, long-polled by the boxes) and the
# demo prints every targeted box's receipt.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
b="$root/$build"
demo="$b/demo-hub"
hub_port=8090
token=demo-so-noi-vu-token
rm -rf "$demo"
mkdir -p "$demo"

bash "$root/scripts/pg_cluster.sh" stop "$demo/pg" 2>/dev/null || true
db_url=$(bash "$root/scripts/pg_cluster.sh" start "$demo/pg" 55433)
cleanup() {
  for p in ${pids:-}; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash "$root/scripts/pg_cluster.sh" stop "$demo/pg" || true
}
trap cleanup EXIT
echo "demo-hub: PostgreSQL 15 cluster in $demo/pg (Unix socket only, no TCP)"

# The province's signed tree, served by the hub: its key, its library (the sounds an
# emergency may use), published once with `loaxa publish`.
"$b/cli/loaxa" keygen --out "$demo/province" >/dev/null
mkdir -p "$demo/src"
cp "$root/configs/demo-media/thong-bao-dich-vu-cong.ogg" "$demo/src/"
cat > "$demo/src/province.toml" <<TOML
[publisher]
id = "so-noi-vu-binh-phuoc"
name = "Sở Nội vụ tỉnh Bình Phước"

[[media]]
file = "thong-bao-dich-vu-cong.ogg"
id = "thong-bao-dich-vu-cong"
title = "Thông báo dịch vụ công trực tuyến"
topic = "results"
TOML
"$b/cli/loaxa" publish "$demo/src" --out "$demo/www" --key "$demo/province.key" >/dev/null

cat > "$demo/hub.toml" <<TOML
[hub]
id = "so-noi-vu-binh-phuoc"
name = "Sở Nội vụ tỉnh Bình Phước"
timezone = "Asia/Ho_Chi_Minh"
[database]
url = "$db_url"
[api]
listen = ["127.0.0.1:$hub_port"]
tokens = [ { name = "so-noi-vu", role = "admin", sha256 = "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" } ]
[alerts]
status_interval = "2s"
[publish]
dir = "www"
key = "province.key"
TOML
hub() { "$b/hub/loaxa-hub" --config "$demo/hub.toml" "$@"; }

start=$(TZ=Asia/Ho_Chi_Minh date -d '+6 sec' +%Y-%m-%dT%H:%M:%S)
make_box() {  # ID DISTRICT COMMUNE PORT SEED DISTRICT_ID
  local id=$1 dir="$demo/$1"
  mkdir -p "$dir/state"
  "$b/tools/loaxa-airtime-fill" "$dir/state/loaxa.db" 1500 --from 2022-01-01 --years 1 \
    --seed "$5" --box "$id" >/dev/null
  "$b/cli/loaxa" keygen --out "$dir/box" >/dev/null
  cat > "$dir/loaxa.toml" <<TOML
[box]
id = "$id"
name = "Đài truyền thanh xã $3"
district = "$6"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "state"
key = "box.key"
[channels.loudspeaker]
sink = "audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink location=$dir/loudspeaker.s16le"
chime = "$root/configs/demo-media/chime.ogg"
[airtime.push]
url = "http://127.0.0.1:$hub_port/api/v1/ingest/airtime"
interval = "2s"
status_interval = "2s"
[sync]
url = "http://127.0.0.1:$hub_port/manifest.json"
wait = true
public_keys = ["$(cat "$demo/province.pub")"]
[api]
listen = ["127.0.0.1:$4"]
[[schedule]]
id = "ban-tin-sang"
channel = "loudspeaker"
file = "$root/configs/demo-media/thong-bao-dich-vu-cong.ogg"
start = "$start"
TOML
  "$b/daemon/loaxad" --config "$dir/loaxa.toml" --check >/dev/null
  hub box add "$id" --district "$2" --commune "$3" --name "Đài truyền thanh xã $3" \
    --key "$("$b/cli/loaxa" keygen --show-public "$dir/box.key")" >/dev/null
}
make_box bp-dong-xoai-tan-phu "Đồng Xoài" "Tân Phú" 8181 1 dong-xoai
make_box bp-bu-dang-duc-lieu "Bù Đăng" "Đức Liễu" 8182 2 bu-dang

"$b/hub/loaxa-hub" --config "$demo/hub.toml" 2>"$demo/hub.log" &
pids="$!"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hub_port/healthz" >/dev/null && break; sleep 0.1; done
echo "demo-hub: loaxa-hub on http://127.0.0.1:$hub_port/ (web UI; token $token), log in $demo/hub.log"
for id in bp-dong-xoai-tan-phu bp-bu-dang-duc-lieu; do
  "$b/daemon/loaxad" --config "$demo/$id/loaxa.toml" 2>"$demo/$id/loaxad.log" &
  pids="$pids $!"
done
echo "demo-hub: two boxes air \"ban-tin-sang\" at $start (Asia/Ho_Chi_Minh); their loudspeakers render to $demo/*/loudspeaker.s16le (raw PCM S16LE 48000 Hz mono)"

api() { curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$hub_port/api/v1$1"; }
# Wait (at most 90 s) until each box's block has aired and reached the hub with its history.
for _ in $(seq 1 900); do
  rows=$(api /boxes | python3 -c 'import json,sys; print(min(b["chain_rows"] for b in json.load(sys.stdin)))')
  [ "$rows" -ge 1502 ] && break
  sleep 0.1
done

echo
echo "== loaxa-hub: the fleet =="
api /boxes | python3 "$root/scripts/demo_hub_print.py" fleet
quarter=$(TZ=Asia/Ho_Chi_Minh date +%Y)-Q$(( ($(TZ=Asia/Ho_Chi_Minh date +%-m) - 1) / 3 + 1 ))
for period in "$quarter" 2022-Q3; do
  echo
  echo "== loaxa-hub: báo cáo $period theo xã / report by commune =="
  api "/reports/airtime?period=$period&by=commune" | python3 "$root/scripts/demo_hub_print.py" report
done
# The totals are the boxes' own: each box's `loaxa report` over the same period.
own=0
for id in bp-dong-xoai-tan-phu bp-bu-dang-duc-lieu; do
  n=$("$b/cli/loaxa" report --period 2022-Q3 --format json --db "$demo/$id/state/loaxa.db" |
      python3 -c 'import json,sys; print(sum(l["plays"] for l in json.load(sys.stdin)))')
  own=$((own + n))
done
hubn=$(api "/reports/airtime?period=2022-Q3&by=commune" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["plays"])')
echo
echo "demo-hub: 2022-Q3 plays — hub $hubn, the two boxes' own reports $own: $([ "$hubn" = "$own" ] && echo "equal" || echo "DIFFERENT")"
[ "$hubn" = "$own" ]

# An emergency for Đồng Xoài, issued on the hub: only that district's box is sent it.
echo
echo "== loaxa-hub: tin khẩn cấp cho huyện Đồng Xoài / an emergency for one district =="
issued=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"id": "bao-so-4", "text": "Cơn bão số 4 đang tiến vào đất liền, đề nghị bà con chằng chống nhà cửa", "media": "thong-bao-dich-vu-cong", "targets": {"districts": ["dong-xoai"]}, "valid_minutes": 30}' \
  "http://127.0.0.1:$hub_port/api/v1/emergencies")
echo "demo-hub: issued $issued"
for _ in $(seq 1 200); do
  state=$(api /emergencies/bao-so-4/receipts | python3 -c 'import json,sys; print(json.load(sys.stdin)["boxes"][0]["state"])')
  [ "$state" = airing ] || [ "$state" = aired ] && break
  sleep 0.1
done
api /emergencies/bao-so-4/receipts | python3 "$root/scripts/demo_hub_print.py" receipts
[ "$state" = airing ] || [ "$state" = aired ]
