#!/usr/bin/env python3
"""RSS and CPU of loaxad idle and while playing one channel, beside gst-play-1.0
playing the same file in the same run (the ratio is the figure).

Both render a 60 s 440 Hz WAV to a null audio sink in real time: loaxad through its
long-lived channel pipeline (a sync=true fakesink), gst-play-1.0 with
--audiosink="fakesink sync=true". CPU is user+system time from /proc/PID/stat over
the measured window; RSS is sampled every second, the peak is reported.

Usage: bench/playout_cost.py BUILD_DIR [SECONDS]
"""
import math, os, signal, struct, subprocess, sys, tempfile, time, wave
from datetime import datetime, timedelta, timezone

build = sys.argv[1] if len(sys.argv) > 1 else "build"
secs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
rate = 48000
tick = os.sysconf("SC_CLK_TCK")
tmp = tempfile.mkdtemp(prefix="loaxa-cost-")
tone = os.path.join(tmp, "tone.wav")
with wave.open(tone, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / rate)))
                           for i in range(rate * (secs + 10))))

def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024

def watch(pid, seconds):
    c0, peak = cpu(pid), 0.0
    for _ in range(seconds):
        time.sleep(1)
        peak = max(peak, rss(pid))
    return (cpu(pid) - c0) / seconds * 100, peak

tz = timezone(timedelta(hours=7))
start = math.ceil(time.time()) + 3 + secs  # idle first, then play
cfg = os.path.join(tmp, "loaxa.toml")
with open(cfg, "w") as f:
    f.write(f'[box]\nid = "cost"\nstate_dir = "state"\n[api]\nlisten = ["127.0.0.1:{19500 + os.getpid() % 400}"]\n')
    f.write('[channels.loudspeaker]\nsink = "fakesink"\n')
    local = datetime.fromtimestamp(start, tz).strftime("%Y-%m-%dT%H:%M:%S")
    f.write(f'[[schedule]]\nid = "tone"\nchannel = "loudspeaker"\nfile = "tone.wav"\nstart = "{local}"\n')
d = subprocess.Popen([os.path.join(build, "daemon", "loaxad"), "--config", cfg],
                     stderr=subprocess.DEVNULL)
time.sleep(2)
idle_cpu, idle_rss = watch(d.pid, secs)
while time.time() < start + 1:
    time.sleep(0.1)
play_cpu, play_rss = watch(d.pid, secs)
d.send_signal(signal.SIGTERM); d.wait(timeout=20)

g = subprocess.Popen(["/usr/bin/gst-play-1.0", "-q", "--no-interactive", "--audiosink=fakesink sync=true", tone],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1)
gp_cpu, gp_rss = watch(g.pid, secs)
g.send_signal(signal.SIGINT)
try:
    g.wait(timeout=5)
except subprocess.TimeoutExpired:
    g.kill()
print(f"window {secs}s  loaxad idle: CPU {idle_cpu:.2f}% RSS {idle_rss:.1f} MiB | "
      f"loaxad playing: CPU {play_cpu:.2f}% RSS {play_rss:.1f} MiB | "
      f"gst-play-1.0: CPU {gp_cpu:.2f}% RSS {gp_rss:.1f} MiB | "
      f"ratio playing/gst-play: CPU {play_cpu / max(gp_cpu, 0.01):.2f} RSS {play_rss / gp_rss:.2f}")
