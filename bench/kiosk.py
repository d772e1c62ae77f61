#!/usr/bin/env python3
"""Kiosk screen benchmarks: black frames between items, start error of the first
frame, and what loaxad costs while showing a 1080p VP9 clip beside gst-play-1.0.

1. gaps: a slideshow of N items (still images and VP8 clips of one colour each, 1 s
   apiece) on a 320x180 25 fps kiosk whose sink writes raw RGB frames into a FIFO
   (sync=true, unbuffered). Every frame is classified by colour: black frames
   anywhere in the block, and foreign frames between two items, are counted. The
   first frame's arrival is compared with the planned instant.
2. cost: a 1080p VP9 clip (made here) played by loaxad on a 1920x1080 kiosk with a
   fakesink (sync=true), then by `gst-play-1.0 --videosink "fakesink sync=true"`:
   CPU seconds and peak RSS of each process over the clip.
3. soak (with --soak N): N short clips back to back; RSS and open descriptors of
   loaxad at the start and at the end.

Usage: bench/kiosk.py BUILD_DIR [--items N] [--soak N]
"""
import argparse, math, os, select, shutil, signal, subprocess, sys, tempfile, threading, time
from datetime import datetime, timedelta, timezone

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default="build")
ap.add_argument("--items", type=int, default=12)
ap.add_argument("--soak", type=int, default=0)
ap.add_argument("--clip-seconds", type=int, default=10)
args = ap.parse_args()
loaxad = os.path.abspath(os.path.join(args.build, "daemon", "loaxad"))
tz = timezone(timedelta(hours=7))
tmp = tempfile.mkdtemp(prefix="loaxa-kiosk-bench-")
W, H, FPS = 320, 180, 25
FRAME = W * H * 3
COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
           "yellow": (255, 255, 0), "magenta": (255, 0, 255), "cyan": (0, 255, 255),
           "black": (0, 0, 0), "idle": (0x0D, 0x3B, 0x66)}


def gst(*argv):
    subprocess.run(["gst-launch-1.0", "-q", *argv], check=True)


def picture(name, colour, enc):
    r, g, b = COLOURS[colour]
    gst("videotestsrc", "num-buffers=1", "pattern=solid-color",
        f"foreground-color=0xff{r:02x}{g:02x}{b:02x}", "!", "video/x-raw,width=640,height=360",
        "!", enc, "!", "filesink", f"location={os.path.join(tmp, name)}")


def clip(name, colour, frames, size="640x360", codec="vp8enc deadline=1"):
    r, g, b = COLOURS[colour]
    w, h = size.split("x")
    gst("videotestsrc", f"num-buffers={frames}", "pattern=solid-color",
        f"foreground-color=0xff{r:02x}{g:02x}{b:02x}", "!",
        f"video/x-raw,width={w},height={h},framerate=25/1", "!", *codec.split(), "!", "webmmux",
        "!", "filesink", f"location={os.path.join(tmp, name)}")


def nearest(px):
    return min(COLOURS, key=lambda k: sum((a - b) ** 2 for a, b in zip(px, COLOURS[k])))


def local(t):
    return datetime.fromtimestamp(t, tz).strftime("%Y-%m-%dT%H:%M:%S")


def config(name, channel, items, start, port):
    cfg = os.path.join(tmp, name + ".toml")
    with open(cfg, "w") as f:
        f.write(f'[box]\nid = "bench"\nname = "Xã Thử nghiệm"\nstate_dir = "state-{name}"\n'
                f'[api]\nlisten = ["127.0.0.1:{port}"]\n{channel}\n')
        f.write(f'[[playlist]]\nid = "p"\nitems = [{", ".join(chr(34) + i + chr(34) for i in items)}]\n')
        f.write(f'[[schedule]]\nchannel = "kiosk"\nplaylist = "p"\nstart = "{local(start)}"\n')
    return cfg


def wait_for(proc, needle, count, timeout):
    seen, deadline, lines = 0, time.time() + timeout, []
    while seen < count and time.time() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 1)
        if r:
            line = proc.stdout.readline().decode(errors="replace")
            if not line:
                break
            lines.append(line)
            seen += needle in line
    return seen, lines


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


# 1. gaps and start error
names = []
palette = ["red", "green", "blue", "yellow", "magenta", "cyan"]
for i in range(args.items):
    colour = palette[i % len(palette)]
    if i % 2 == 0:
        name = f"s{i}.png" if i % 4 == 0 else f"s{i}.jpg"
        picture(name, colour, "pngenc" if i % 4 == 0 else "jpegenc")
    else:
        name = f"c{i}.webm"
        clip(name, colour, 25)
    names.append((name, colour))
fifo = os.path.join(tmp, "kiosk.rgb")
os.mkfifo(fifo)
start = math.ceil(time.time()) + 6
channel = (f'[channels.kiosk]\nkind = "video"\nsink = "video/x-raw,format=RGB,width={W},height={H}'
           f' ! filesink location={fifo} buffer-mode=unbuffered"\nwidth = {W}\nheight = {H}\n'
           f'framerate = {FPS}\nimage_duration = "1s"\n')
cfg = config("gaps", channel, [n for n, _ in names], start, 18600 + os.getpid() % 300)
frames = []
fd = os.open(fifo, os.O_RDWR)


def reader():
    buf = b""
    while True:
        r, _, _ = select.select([fd], [], [], 5)
        if not r:
            return
        buf += os.read(fd, 1 << 20)
        now = time.time()
        while len(buf) >= FRAME:
            f, buf = buf[:FRAME], buf[FRAME:]
            o = ((H // 8) * W + W // 2) * 3
            frames.append((now, nearest(f[o:o + 3])))


t = threading.Thread(target=reader)
t.start()
d = subprocess.Popen([loaxad, "--config", cfg], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     cwd=tmp)
seen, _ = wait_for(d, "ended (completed)", args.items, 20 + 2 * args.items)
time.sleep(1.0)  # a second of idle frames after the block, for the count below
d.send_signal(signal.SIGTERM)
d.wait(timeout=20)
t.join()
os.close(fd)
block = [c for _, c in frames]
first = next(i for i, c in enumerate(block) if c != "idle")
last = len(block) - 1 - next(i for i, c in enumerate(reversed(block)) if c != "idle")
inside = block[first:last + 1]
runs = []
for c in inside:
    if runs and runs[-1][0] == c:
        runs[-1][1] += 1
    else:
        runs.append([c, 1])
expected = [c for _, c in names]
black = inside.count("black")
foreign = sum(1 for c, _ in runs if c not in expected)
print(f"gaps: {seen}/{args.items} items completed; {len(inside)} frames in the block "
      f"({len(inside) / FPS:.2f} s for {args.items} s planned); black frames: {black}; "
      f"foreign runs between items: {foreign}; runs: {' '.join(f'{c}x{n}' for c, n in runs)}")
print(f"start error of the first frame: {(frames[first][0] - start) * 1000:+.1f} ms "
      f"(one frame is {1000 / FPS:.0f} ms)")

# 2. cost of a 1080p VP9 clip: loaxad vs gst-play-1.0
clip("hd.webm", "cyan", 25 * args.clip_seconds, "1920x1080",
     "videoconvert ! video/x-raw,format=I420 ! vp9enc deadline=1 cpu-used=8 threads=2")
# 8-bit 4:2:0 (VP9 profile 0, what cameras and editors export): left to itself,
# videotestsrc hands vp9enc 12-bit 4:4:4, which gst-play passes to a fakesink as it is
# and a kiosk must convert for its compositor (3.3x gst-play's CPU, measured so).
gst("videotestsrc", f"num-buffers={25 * args.clip_seconds}", "pattern=ball", "!",
    "video/x-raw,format=I420,width=1920,height=1080,framerate=25/1", "!", "vp9enc", "deadline=1",
    "cpu-used=8", "threads=2", "!", "webmmux", "!", "filesink",
    f"location={os.path.join(tmp, 'ball.webm')}")
start = math.ceil(time.time()) + 5
channel = ('[channels.kiosk]\nkind = "video"\nsink = "fakesink"\nwidth = 1920\nheight = 1080\n'
           'framerate = 25\n')
cfg = config("cost", channel, ["ball.webm"], start, 18900 + os.getpid() % 300)
d = subprocess.Popen([loaxad, "--config", cfg], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     cwd=tmp)
wait_for(d, "started", 1, 30)
c0, t0 = cpu_s(d.pid), time.time()
wait_for(d, "ended", 1, args.clip_seconds + 30)
c1, t1 = cpu_s(d.pid), time.time()
lx = ((c1 - c0) / (t1 - t0) * 100, status(d.pid, "VmHWM") / 1024, status(d.pid, "VmRSS") / 1024)
d.send_signal(signal.SIGTERM)
d.wait(timeout=20)
p = subprocess.Popen(["gst-play-1.0", "-q", "--videosink", "fakesink sync=true",
                      "--audiosink", "fakesink", os.path.join(tmp, "ball.webm")],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
time.sleep(0.5)
c0, t0, peak = cpu_s(p.pid), time.time(), 0
while p.poll() is None:
    try:
        c1, peak = cpu_s(p.pid), max(peak, status(p.pid, "VmHWM"))
    except FileNotFoundError:
        break
    t1 = time.time()
    time.sleep(0.2)
gp = ((c1 - c0) / (t1 - t0) * 100, peak / 1024)
print(f"1080p VP9 ({args.clip_seconds} s): loaxad {lx[0]:.1f} % CPU, peak RSS {lx[1]:.1f} MiB "
      f"(whole daemon); gst-play-1.0 {gp[0]:.1f} % CPU, peak RSS {gp[1]:.1f} MiB")

# 2b. an idle 1080p kiosk (its slide, the clock drawn on it): CPU seconds a minute
cfg = os.path.join(tmp, "idle.toml")
with open(cfg, "w") as f:
    f.write(f'[box]\nid = "bench"\nname = "Xã Thử nghiệm"\nstate_dir = "state-idle"\n'
            f'[api]\nlisten = ["127.0.0.1:{18900 + os.getpid() % 300}"]\n{channel}\n')
d = subprocess.Popen([loaxad, "--config", cfg], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, cwd=tmp)
time.sleep(5)  # past start-up; what is measured is the steady state
c0, t0 = cpu_s(d.pid), time.time()
time.sleep(20)
c1, t1 = cpu_s(d.pid), time.time()
d.send_signal(signal.SIGTERM)
d.wait(timeout=20)
print(f"idle 1080p kiosk: {(c1 - c0) / (t1 - t0) * 60:.2f} CPU s per minute")

# 3. soak
if args.soak:
    clip("short-a.webm", "red", 5)
    clip("short-b.webm", "green", 5)
    start = math.ceil(time.time()) + 5
    channel = (f'[channels.kiosk]\nkind = "video"\nsink = "fakesink"\nwidth = {W}\nheight = {H}\n'
               f'framerate = {FPS}\n')
    items = ["short-a.webm", "short-b.webm"] * (args.soak // 2)
    cfg = config("soak", channel, items, start, 19200 + os.getpid() % 300)
    d = subprocess.Popen([loaxad, "--config", cfg], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, cwd=tmp)
    wait_for(d, "ended (completed)", 50, 120)
    rss0, fd0 = status(d.pid, "VmRSS"), len(os.listdir(f"/proc/{d.pid}/fd"))
    seen, _ = wait_for(d, "ended (", len(items) - 50, len(items) * 2 + 120)
    rss1, fd1 = status(d.pid, "VmRSS"), len(os.listdir(f"/proc/{d.pid}/fd"))
    d.send_signal(signal.SIGTERM)
    d.wait(timeout=20)
    print(f"soak: {seen + 50} items of 0.2 s; RSS after 50 {rss0 / 1024:.1f} MiB, at the end "
          f"{rss1 / 1024:.1f} MiB; open fds {fd0} → {fd1}")
shutil.rmtree(tmp, ignore_errors=True)
