#!/usr/bin/env python3
"""Footprint of a commune box: what loaxad costs idle and playing one loudspeaker
channel, beside gst-play-1.0 playing the same files to the same sink in the same run,
and what that makes for a typical commune day.

Both programs render to the same sink, `audioconvert ! audio/x-raw,format=S16LE !
filesink location=/dev/null sync=true` (real time, no device). Files: a tone of
SECONDS in WAV, Ogg Vorbis, MP3 and FLAC, made here with GStreamer's encoders.

  idle     loaxad with one loudspeaker channel and nothing scheduled: CPU seconds per
           minute over SECONDS once the channel rests (rest_after, here 5 s: the state a
           channel idle for longer than any rest_after is in), and bytes it wrote
           (/proc/PID/io); then the same with rest_after = "0s" (the live mixer runs
           all the time, as before the channel could rest).
  playing  loaxad plays the file, scheduled by a reload once it is up (so probing and
           loudness analysis at ingest fall before the window): CPU seconds over the
           file's SECONDS and peak RSS in that window (sampled every 100 ms). Then
           gst-play-1.0 plays the same file: CPU seconds of its whole life and peak RSS.
  day      4 blocks of 30 min and the rest idle, from the per-minute figures above
           (the hourly sync and the status push need a province server: not counted).

Goals (issue 20): idle <= 0.05 CPU s a minute; playing <= 1.3x gst-play-1.0 in CPU
and in RSS. The 1080p kiosk comparison is bench/kiosk.py's `cost` part.

Usage: bench/footprint.py [BUILD_DIR] [--seconds 60] [--formats wav,ogg,mp3,flac]
"""
import argparse, os, signal, socket, subprocess, tempfile, threading, time
from datetime import datetime, timedelta, timezone

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default="build")
ap.add_argument("--seconds", type=int, default=60)
ap.add_argument("--formats", default="wav,ogg,mp3,flac")
args = ap.parse_args()
loaxad = os.path.abspath(os.path.join(args.build, "daemon", "loaxad"))
secs = args.seconds
tick = os.sysconf("SC_CLK_TCK")
tmp = tempfile.mkdtemp(prefix="loaxa-footprint-")
SINK = "audioconvert ! audio/x-raw,format=S16LE ! filesink location=/dev/null sync=true"
ENCODERS = {"wav": ["wavenc"], "ogg": ["audioconvert", "!", "vorbisenc", "!", "oggmux"],
            "mp3": ["audioconvert", "!", "lamemp3enc", "!", "id3v2mux"],
            "flac": ["audioconvert", "!", "flacenc"]}
tz = timezone(timedelta(hours=7))


def make(fmt):
    path = os.path.join(tmp, f"ban-tin.{fmt}")
    subprocess.run(["gst-launch-1.0", "-q", "audiotestsrc", f"num-buffers={secs * 48000 // 1024 + 1}",
                    "samplesperbuffer=1024", "wave=sine", "freq=440", "volume=0.3", "!",
                    "audio/x-raw,rate=48000,channels=2", "!", *ENCODERS[fmt], "!", "filesink",
                    f"location={path}"], check=True)
    return path


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024


def written(pid):
    with open(f"/proc/{pid}/io") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("write_bytes:"))


def window(pid, seconds):
    """CPU seconds, peak RSS and bytes written by pid over the next `seconds`."""
    c0, w0, peak = cpu(pid), written(pid), 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        peak = max(peak, rss_mib(pid))
        time.sleep(0.1)
    return cpu(pid) - c0, peak, written(pid) - w0


class Daemon:
    def __init__(self, name, rest_after="5s"):
        self.rest_after = rest_after
        self.dir = tempfile.mkdtemp(dir=tmp, prefix=name + "-")
        s = socket.socket(); s.bind(("127.0.0.1", 0)); self.port = s.getsockname()[1]; s.close()
        self.config = os.path.join(self.dir, "loaxa.toml")
        self.write("")
        self.lines = []
        self.p = subprocess.Popen([loaxad, "--config", self.config], stderr=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, text=True)
        threading.Thread(target=self.read, daemon=True).start()
        self.wait_for("loaxad: box ", 30)

    def write(self, schedule):
        with open(self.config, "w") as f:
            f.write(f'[box]\nid = "footprint"\nname = "Xã Đo đạc"\ntimezone = "Asia/Ho_Chi_Minh"\n'
                    f'state_dir = "state"\n\n[channels.loudspeaker]\nsink = "{SINK}"\n'
                    f'rest_after = "{self.rest_after}"\n\n'
                    f'[api]\nlisten = ["127.0.0.1:{self.port}"]\n{schedule}')

    def read(self):
        for line in self.p.stderr:
            self.lines.append(line)

    def wait_for(self, text, timeout):
        end = time.monotonic() + timeout
        while not any(text in l for l in self.lines):
            if time.monotonic() > end or self.p.poll() is not None:
                raise SystemExit(f"loaxad: no '{text}':\n" + "".join(self.lines[-20:]))
            time.sleep(0.05)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=30)


def idle(rest_after):
    d = Daemon("idle", rest_after)
    if rest_after == "0s":
        time.sleep(5)  # start-up and the first plan are not idling
    else:
        d.wait_for("resting until the next item", 30)
        time.sleep(1)
    c, peak, w = window(d.p.pid, secs)
    d.stop()
    return c * 60 / secs, peak, w * 60 / secs


def loaxad_plays(path):
    d = Daemon(os.path.basename(path))
    os.symlink(path, os.path.join(d.dir, os.path.basename(path)))
    start = int(time.time()) + 6
    at = datetime.fromtimestamp(start, tz).strftime("%Y-%m-%dT%H:%M:%S")
    d.write(f'\n[[schedule]]\nid = "ban-tin"\nchannel = "loudspeaker"\n'
            f'file = "{os.path.basename(path)}"\nstart = "{at}"\n')
    d.p.send_signal(signal.SIGHUP)
    d.wait_for("started ban-tin", 30)
    c, peak, w = window(d.p.pid, secs - 0.5)
    d.stop()
    return c, peak, w * 60 / secs


def gst_play(path):
    g = subprocess.Popen(["gst-play-1.0", "-q", "--no-interactive", f"--audiosink={SINK}", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, c = 0.0, 0.0
    while g.poll() is None:
        try:
            peak = max(peak, rss_mib(g.pid))
            c = cpu(g.pid)
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            break
        time.sleep(0.1)
    g.wait()
    return c, peak


print(f"footprint: {secs} s files, sink '{SINK}', {os.cpu_count()} cores; working in {tmp}")
idle_cpu, idle_rss, idle_w = idle("5s")
awake_cpu, awake_rss, awake_w = idle("0s")
print(f"\n{'':34}{'CPU s/min':>10}{'peak RSS MiB':>14}{'written KiB/min':>17}")
print(f"{'loaxad idle (one channel, resting)':34}{idle_cpu:10.3f}{idle_rss:14.1f}"
      f"{idle_w / 1024:17.1f}   goal <= 0.050 CPU s/min: {'met' if idle_cpu <= 0.05 else 'NOT met'}")
print(f"{'  the same, rest_after = 0s':34}{awake_cpu:10.3f}{awake_rss:14.1f}{awake_w / 1024:17.1f}")
print(f"\n{'playing ' + str(secs) + ' s':12}{'loaxad CPU s':>13}{'gst-play CPU s':>15}{'ratio':>7}"
      f"{'loaxad RSS':>12}{'gst-play RSS':>14}{'ratio':>7}   goal <= 1.3x")
play_per_min = []
for fmt in args.formats.split(","):
    path = make(fmt)
    lc, lr, lw = loaxad_plays(path)
    gc, gr = gst_play(path)
    play_per_min.append((lc * 60 / secs, lw))
    ok = lc <= 1.3 * gc and lr <= 1.3 * gr
    print(f"{fmt:12}{lc:13.2f}{gc:15.2f}{lc / max(gc, 0.01):7.2f}{lr:12.1f}{gr:14.1f}{lr / gr:7.2f}"
          f"   {'met' if ok else 'NOT met'}")

play_cpu = sum(c for c, _ in play_per_min) / len(play_per_min)
play_w = sum(w for _, w in play_per_min) / len(play_per_min)
minutes_on = 4 * 30
day_cpu = idle_cpu * (24 * 60 - minutes_on) + play_cpu * minutes_on
day_mib = (idle_w * (24 * 60 - minutes_on) + play_w * minutes_on) / 2**20
print(f"\na commune day (4 blocks of 30 min, the rest idle; sync and status push not counted):"
      f"\n  {day_cpu:.0f} CPU s ({day_cpu / 864:.2f} % of one core), "
      f"{day_mib:.1f} MiB written by loaxad")
