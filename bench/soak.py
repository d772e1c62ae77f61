#!/usr/bin/env python3
"""Soak: N short plays through the real loaxad, watching its memory and descriptors.

One block plays a 0.1 s tone N times back to back (a playlist of N items), rendered to
a raw file. Every 5 s the script samples loaxad's RSS (/proc/PID/status) and open file
descriptors (/proc/PID/fd). At the end it checks that N rows were logged `completed`
and prints the first and last samples after warm-up: growth is the figure.

Usage: bench/soak.py BUILD_DIR [N]
"""
import math, os, signal, sqlite3, struct, subprocess, sys, tempfile, time, wave
from datetime import datetime, timedelta, timezone

build = sys.argv[1] if len(sys.argv) > 1 else "build"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
rate = 48000
tz = timezone(timedelta(hours=7))
tmp = tempfile.mkdtemp(prefix="loaxa-soak-")
tone = os.path.join(tmp, "t.wav")
with wave.open(tone, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                           for i in range(rate // 10)))
start = math.ceil(time.time()) + 4
port = 19000 + os.getpid() % 1000
cfg = os.path.join(tmp, "loaxa.toml")
with open(cfg, "w") as f:
    f.write(f'[box]\nid = "soak"\nstate_dir = "state"\n[api]\nlisten = ["127.0.0.1:{port}"]\n')
    f.write('[channels.loudspeaker]\nsink = "audioconvert ! audio/x-raw,format=S16LE ! '
            f'filesink location={os.path.join(tmp, "out.raw")}"\n')
    f.write('[[playlist]]\nid = "p"\nitems = [' + ", ".join(['"t.wav"'] * n) + ']\n')
    local = datetime.fromtimestamp(start, tz).strftime("%Y-%m-%dT%H:%M:%S")
    f.write(f'[[schedule]]\nid = "soak"\nchannel = "loudspeaker"\nplaylist = "p"\n'
            f'start = "{local}"\n')
daemon = subprocess.Popen([os.path.join(build, "daemon", "loaxad"), "--config", cfg],
                          stderr=subprocess.DEVNULL)
samples = []
end = start + n * 0.13 + 10  # 0.1 s plays, a few ms apart (short items)
while time.time() < end and daemon.poll() is None:
    time.sleep(5)
    with open(f"/proc/{daemon.pid}/status") as s:
        rss = next(int(l.split()[1]) for l in s if l.startswith("VmRSS:"))
    fds = len(os.listdir(f"/proc/{daemon.pid}/fd"))
    samples.append((time.time() - start, rss, fds))
    print(f"t={samples[-1][0]:7.1f}s rss={rss/1024:6.1f} MiB fds={fds}", flush=True)
daemon.send_signal(signal.SIGTERM)
daemon.wait(timeout=20)
db = sqlite3.connect(os.path.join(tmp, "state", "loaxa.db"))
done = db.execute("SELECT COUNT(*) FROM airtime WHERE status='completed'").fetchone()[0]
other = db.execute("SELECT status, COUNT(*) FROM airtime WHERE status<>'completed' GROUP BY status").fetchall()
warm = [s for s in samples if s[0] > 20] or samples
first, last = warm[0], warm[-1]
print(f"plays={done} completed of {n} (others: {other}); after warm-up "
      f"RSS {first[1]/1024:.1f} -> {last[1]/1024:.1f} MiB, fds {first[2]} -> {last[2]}")
sys.exit(0 if done >= n else 1)
