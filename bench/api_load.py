#!/usr/bin/env python3
"""The API under load while a channel plays: wrk against GET /api/v1/status and
GET /api/v1/airtime (with a viewer token) for SECONDS each, requests per second and
latency percentiles, then proof from the rendered audio that the load made no gap:
the channel renders a continuous 440 Hz tone to a raw file, and the script counts runs
of near-silent samples longer than 1 ms inside it.

Usage: bench/api_load.py BUILD_DIR [SECONDS]   (needs wrk: apt-get install wrk)
"""
import hashlib, math, os, re, signal, struct, subprocess, sys, tempfile, time, wave
from datetime import datetime, timedelta, timezone

build = sys.argv[1] if len(sys.argv) > 1 else "build"
secs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
rate = 48000
tmp = tempfile.mkdtemp(prefix="loaxa-load-")
play = 2 * secs + 8
tone = os.path.join(tmp, "tone.wav")
with wave.open(tone, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    # A whole number of cycles per 1,000 samples keeps the tone's phase regular.
    w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 432 * i / rate)))
                           for i in range(rate * play)))
token = "phong-noi-vu-do-tai"
port = 19900 + os.getpid() % 90
raw = os.path.join(tmp, "out.raw")
tz = timezone(timedelta(hours=7))
start = math.ceil(time.time()) + 3
cfg = os.path.join(tmp, "loaxa.toml")
with open(cfg, "w") as f:
    f.write(f'[box]\nid = "load"\nstate_dir = "state"\n[api]\nlisten = ["127.0.0.1:{port}"]\n')
    f.write(f'tokens = [ {{ name = "xem", role = "viewer", sha256 = "{hashlib.sha256(token.encode()).hexdigest()}" }} ]\n')
    f.write('[channels.loudspeaker]\nsink = "audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! '
            f'filesink location={raw} buffer-mode=unbuffered"\n')
    local = datetime.fromtimestamp(start, tz).strftime("%Y-%m-%dT%H:%M:%S")
    f.write(f'[[schedule]]\nid = "tone"\nchannel = "loudspeaker"\nfile = "tone.wav"\nstart = "{local}"\n')
d = subprocess.Popen([os.path.join(build, "daemon", "loaxad"), "--config", cfg], stderr=subprocess.DEVNULL)
while time.time() < start + 2:
    time.sleep(0.1)

def wrk(path):
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{secs}s", "--latency", "-H", f"Authorization: Bearer {token}",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat, int(errs.group(1)) if errs else 0

results = {p: wrk(p) for p in ("/api/v1/status", "/api/v1/airtime?format=json")}
d.send_signal(signal.SIGTERM); d.wait(timeout=20)

with open(raw, "rb") as f:
    data = f.read()
s = struct.unpack(f"<{len(data) // 2}h", data)
first = next(i for i, v in enumerate(s) if abs(v) > 1000)
# The tone runs from `first` for `play` seconds minus the fade at shutdown: check the
# span the load covered (from 1 s after the start to the end of the second wrk run).
end = first + rate * (2 * secs)
gaps, run = 0, 0
for v in s[first:end]:
    if abs(v) < 50:  # the sine is near zero for at most 1-2 samples at a crossing
        run += 1
        if run == 48:  # 1 ms of silence: a gap
            gaps += 1
    else:
        run = 0
for path, (rps, lat, errs) in results.items():
    print(f"{path}: {rps:.0f} req/s, p50 {lat.get('50')}, p99 {lat.get('99')}, non-2xx {errs}")
print(f"audio during the load: {(end - first) / rate:.1f} s checked, gaps of 1 ms or more: {gaps}")
