#!/usr/bin/env python3
"""Start error of scheduled plays, measured at a sync=true sink.

Runs the real loaxad with N one-shot schedules of a 0.5 s tone, 2 s apart. The
channel's sink writes raw PCM, unbuffered, into a FIFO; this script reads the FIFO
and stamps the wall-clock time at which each tone's first sound arrives (onset),
then compares it with the planned start. Prints p50/p99/max of |onset - planned|.

With --rest-after 1s --gap 5 every play follows a rest of the channel (its mixer off
and its sink paused since a second after the previous play; woken 2 s before the
next): the start error after an idle hour is the start error after any rest, as a
channel resting an hour is in the same state as one resting for two seconds. Compare
with --rest-after 0s (never rests) at the same gap.

Usage: bench/start_error.py [BUILD_DIR] [N] [--gap SECONDS] [--rest-after DURATION]
"""
import argparse, math, os, select, signal, struct, subprocess, sys, tempfile, threading, time, wave
from datetime import datetime, timedelta, timezone

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default="build")
ap.add_argument("n", nargs="?", type=int, default=10)
ap.add_argument("--gap", type=int, default=2, help="seconds between starts")
ap.add_argument("--rest-after", help="the channel's rest_after (default: the config's default)")
args = ap.parse_args()
build, n = args.build, args.n
rate = 48000
tz = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no DST

tmp = tempfile.mkdtemp(prefix="loaxa-bench-")
tone = os.path.join(tmp, "tone.wav")
with wave.open(tone, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(16000 * math.sin(2 * math.pi * 440 * i / rate)))
                           for i in range(rate // 2)))
fifo = os.path.join(tmp, "out.fifo")
os.mkfifo(fifo)

first = math.ceil(time.time()) + 4
planned = [first + args.gap * i for i in range(n)]
port = 18000 + os.getpid() % 1000
cfg = os.path.join(tmp, "loaxa.toml")
with open(cfg, "w") as f:
    f.write(f'[box]\nid = "bench"\nstate_dir = "state"\n[api]\nlisten = ["127.0.0.1:{port}"]\n')
    f.write('[channels.loudspeaker]\nsink = "audioconvert ! audioresample ! '
            'audio/x-raw,format=S16LE,rate=48000,channels=1 ! filesink '
            f'location={fifo} buffer-mode=unbuffered append=true"\n')
    if args.rest_after:
        f.write(f'rest_after = "{args.rest_after}"\n')
    for i, t in enumerate(planned):
        local = datetime.fromtimestamp(t, tz).strftime("%Y-%m-%dT%H:%M:%S")
        f.write(f'[[schedule]]\nid = "s{i}"\nchannel = "loudspeaker"\nfile = "tone.wav"\n'
                f'start = "{local}"\n')

onsets = []
fd = os.open(fifo, os.O_RDWR)  # O_RDWR: no EOF when a pipeline closes its end

def reader():
    silent = True
    last = 0.0
    while len(onsets) < n:
        r, _, _ = select.select([fd], [], [], 30)
        if not r:
            return
        data = os.read(fd, 65536)
        now = time.time()
        samples = struct.unpack(f"<{len(data)//2}h", data[: len(data) // 2 * 2])
        loud = [i for i, s in enumerate(samples) if abs(s) > 500]
        if now - last > 0.2:  # nothing arrived for a while: the previous play ended
            silent = True
        last = now
        if silent and loud:
            onsets.append(now + loud[0] / rate)
            silent = False
        elif not loud:
            silent = True
        if loud and len(samples) - loud[-1] > rate // 100:
            silent = True

t = threading.Thread(target=reader, daemon=True)
t.start()
daemon = subprocess.Popen([os.path.join(build, "daemon", "loaxad"), "--config", cfg],
                          stderr=subprocess.DEVNULL)
t.join(timeout=planned[-1] - time.time() + 10)
daemon.send_signal(signal.SIGTERM)
daemon.wait(timeout=10)

errors = sorted(abs(o - p) * 1000 for o, p in zip(onsets, planned))
if len(errors) < n:
    print(f"only {len(errors)} of {n} onsets seen", file=sys.stderr)
    sys.exit(1)
p = lambda q: errors[min(len(errors) - 1, int(q * len(errors)))]
signed = [(o - p_) * 1000 for o, p_ in zip(onsets, planned)]
print(f"rest_after={args.rest_after or 'default'} gap={args.gap}s starts={n} p50={p(0.5):.2f}ms p99={p(0.99):.2f}ms max={errors[-1]:.2f}ms "
      f"(signed: {' '.join(f'{s:+.2f}' for s in signed)})")
