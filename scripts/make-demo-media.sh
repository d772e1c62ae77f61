#!/usr/bin/env bash
# Regenerates configs/demo-media/ (committed; this documents how it was made).
# Needs espeak-ng, sox and GStreamer (vorbisenc from gstreamer1.0-plugins-base).
set -euo pipefail
out="$(dirname "$0")/../configs/demo-media"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

text="Kính thưa bà con. Ủy ban nhân dân xã thông báo: từ tháng bảy, người dân có thể nộp hồ sơ \
thủ tục hành chính trực tuyến trên Cổng dịch vụ công quốc gia, không phải đến bộ phận một cửa. \
Mọi thắc mắc xin liên hệ cán bộ văn hóa thông tin xã."
espeak-ng -v vi -s 150 -w "$tmp/ann.wav" "$text"
sox "$tmp/ann.wav" -r 24000 -c 1 "$tmp/ann24.wav"

sox -n -r 48000 -c 1 "$tmp/ding.wav" synth 0.45 sine 880 fade q 0.005 0.45 0.4
sox -n -r 48000 -c 1 "$tmp/dong.wav" synth 0.7 sine 660 fade q 0.005 0.7 0.6
sox "$tmp/ding.wav" "$tmp/dong.wav" "$tmp/chime.wav" vol 0.6

gst-launch-1.0 -q filesrc location="$tmp/chime.wav" ! wavparse ! audioconvert \
  ! taginject 'tags="title=\"Nhạc hiệu loa xã\",artist=loaxa"' \
  ! vorbisenc quality=0.2 ! oggmux ! filesink location="$out/chime.ogg"
gst-launch-1.0 -q filesrc location="$tmp/ann24.wav" ! wavparse ! audioconvert \
  ! taginject 'tags="title=\"Thông báo: nộp hồ sơ trực tuyến trên Cổng dịch vụ công\",artist=\"UBND xã\""' \
  ! vorbisenc quality=0.1 ! oggmux ! filesink location="$out/thong-bao-dich-vu-cong.ogg"
