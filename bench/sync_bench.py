#!/usr/bin/env python3
"""Province sync benchmarks (issue 7). Whole processes on loopback, each figure beside
curl fetching the same files from the same nginx in the same run.

  python3 bench/sync_bench.py [--build build] [--files 200] [--mb 500] [--keep]

1. first sync: `loaxa publish` of FILES playable WAV files (MB in total), served by
   nginx; a fresh loaxad syncs them (manifest, signature, every file verified, fsynced,
   applied). Wall time from start to "applied", beside `curl` downloading the same
   files to disk (one process, keep-alive) — the ratio is the figure.
2. no-change poll: one conditional GET answered 304: request and response bytes and
   nginx's request time.
3. cut at 50 %: a 100 MB file served at 50 MB/s, nginx killed once half has arrived,
   restarted, sync resumed; bytes sent again beyond the file's size.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_wav(path, data_bytes, variant):
    """A mono 16-bit 48 kHz WAV of `data_bytes` of a quiet square wave; `variant` makes
    each file's bytes (and SHA-256) differ."""
    samples = data_bytes // 2
    period = 48000 // 440
    one = b"".join(struct.pack("<h", 3000 if (i % period) < period // 2 else -3000)
                   for i in range(period))
    body = bytearray((one * (samples // period + 1))[: samples * 2])
    body[0:4] = struct.pack("<i", variant)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVEfmt " +
                struct.pack("<IHHIIHH", 16, 1, 1, 48000, 96000, 2, 16) + b"data" +
                struct.pack("<I", len(body)))
        f.write(body)


class Nginx:
    def __init__(self, work, root):
        self.work, self.port = work, free_port()
        conf = os.path.join(work, "nginx.conf")
        tmp = os.path.join(work, "nginx-tmp")
        os.makedirs(tmp, exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write(f"""{user}daemon off;
master_process off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  log_format b '"$request" $status $body_bytes_sent req=$request_length sent=$bytes_sent t=$request_time range="$http_range"';
  access_log {work}/access.log b;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  types {{ application/json json; }}
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{self.port};
    root {root};
    location /slow/ {{ limit_rate 50m; alias {root}/; }}
  }}
}}
""")
        self.conf = conf
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["/usr/sbin/nginx", "-c", self.conf, "-p", self.work])
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.01)
        sys.exit("nginx did not start")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def log(self):
        with open(os.path.join(self.work, "access.log")) as f:
            return f.read()


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {r.stderr}")
    return r.stdout


class Daemon:
    def __init__(self, loaxad, work, url, pub, api_port):
        self.conf = os.path.join(work, "loaxa.toml")
        with open(self.conf, "w") as f:
            f.write(f"""[box]
id = "bp-bench"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "state"
[channels.loudspeaker]
sink = "fakesink"
[sync]
url = "{url}"
interval = "30s"
public_keys = ["{pub}"]
disk_reserve = "10MB"
[api]
listen = ["127.0.0.1:{api_port}"]
""")
        self.api = f"http://127.0.0.1:{api_port}"
        self.started = time.perf_counter()
        prefix = os.environ.get("LOAXA_BENCH_WRAP", "").split()
        self.proc = subprocess.Popen(prefix + [loaxad, "--config", self.conf],
                                     stderr=subprocess.PIPE, text=True)

    def wait_for(self, needle, timeout):
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            if needle in line:
                return time.perf_counter()
        sys.exit(f"loaxad never said {needle!r}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    loaxa = os.path.abspath(os.path.join(args.build, "cli", "loaxa"))
    loaxad = os.path.abspath(os.path.join(args.build, "daemon", "loaxad"))
    work = os.path.abspath(os.path.join(args.build, "bench-sync"))
    shutil.rmtree(work, ignore_errors=True)
    src, www = os.path.join(work, "src"), os.path.join(work, "www")
    os.makedirs(src)
    print(f"machine: {os.cpu_count()} cpus; work dir {work}")

    # The province's side.
    per_file = args.mb * 2**20 // args.files
    with open(os.path.join(src, "province.toml"), "w") as f:
        f.write('[publisher]\nid = "so-noi-vu-binh-phuoc"\n\n')
        for i in range(args.files):
            write_wav(os.path.join(src, f"ban-tin-{i:03d}.wav"), per_file, i)
            f.write(f'[[media]]\nfile = "ban-tin-{i:03d}.wav"\nid = "ban-tin-{i:03d}"\n'
                    f'topic = "institutions"\n\n')
    run([loaxa, "keygen", "--out", os.path.join(work, "province")])
    t0 = time.perf_counter()
    run([loaxa, "publish", src, "--out", www, "--key", os.path.join(work, "province.key")])
    print(f"publish: {args.files} files, {args.mb} MB probed, hashed, copied and signed in "
          f"{time.perf_counter() - t0:.1f} s")
    with open(os.path.join(work, "province.pub")) as f:
        pub = f.read().strip()
    nginx = Nginx(work, www)
    base = f"http://127.0.0.1:{nginx.port}"

    # 1. First sync beside curl.
    box = os.path.join(work, "box")
    os.makedirs(box)
    d = Daemon(loaxad, box, base + "/manifest.json", pub, free_port())
    applied = d.wait_for(" applied: ", 600)
    loaxa_s = applied - d.started
    names = sorted(os.listdir(os.path.join(www, "media")))
    curl_dir = os.path.join(work, "curl")
    os.makedirs(curl_dir)
    cmd = ["curl", "-sf", "-o", os.path.join(curl_dir, "manifest.json"), base + "/manifest.json"]
    for n in names:
        cmd += ["-o", os.path.join(curl_dir, n), f"{base}/media/{n}"]
    t0 = time.perf_counter()
    run(cmd)
    subprocess.run(["sync"])
    curl_s = time.perf_counter() - t0
    print(f"first sync of {len(names)} files / {args.mb} MB: loaxad {loaxa_s:.2f} s "
          f"(start to applied, SHA-256 verified, fsynced), curl {curl_s:.2f} s; ratio "
          f"{loaxa_s / curl_s:.2f}x")

    # 2. A poll with no change.
    before = len(nginx.log())
    urllib.request.urlopen(urllib.request.Request(d.api + "/api/v1/sync", method="POST"))
    for _ in range(500):
        fresh = nginx.log()[before:]
        if fresh.endswith("\n"):
            break
        time.sleep(0.01)
    m = re.search(r'"GET /manifest.json HTTP/1.1" (\d+) (\d+) req=(\d+) sent=(\d+) t=([\d.]+)', fresh)
    print(f"no-change poll: {fresh.count(chr(10))} request(s), HTTP {m[1]}, request {m[3]} B, "
          f"response {m[4]} B (body {m[2]} B), nginx time {float(m[5]) * 1000:.0f} ms")
    d.stop()

    # 3. A cut at 50 % of a 100 MB file.
    with open(os.path.join(src, "province.toml"), "a") as f:
        write_wav(os.path.join(src, "dai.wav"), 100 * 2**20, 9999)
        f.write('[[media]]\nfile = "dai.wav"\nid = "dai"\n')
    run([loaxa, "publish", src, "--out", www, "--key", os.path.join(work, "province.key")])
    big = [n for n in os.listdir(os.path.join(www, "media")) if n not in names][0]
    size = os.path.getsize(os.path.join(www, "media", big))
    d = Daemon(loaxad, box, base + "/slow/manifest.json", pub, free_port())
    part = os.path.join(box, "state", "media", big + ".part")
    for _ in range(6000):
        if os.path.exists(part) and os.path.getsize(part) >= size // 2:
            break
        time.sleep(0.005)
    nginx.kill()
    kept = os.path.getsize(part)
    time.sleep(0.5)
    nginx.start()
    urllib.request.urlopen(urllib.request.Request(d.api + "/api/v1/sync", method="POST"))
    d.wait_for(" applied: ", 120)
    d.stop()
    m = re.search(rf'"GET /slow/media/{big} HTTP/1.1" 206 (\d+) .*range="bytes=(\d+)-"', nginx.log())
    resumed_body, resumed_from = int(m[1]), int(m[2])
    again = resumed_from + resumed_body - size + max(0, kept - resumed_from)
    print(f"cut at {kept / size * 100:.0f} % of {size / 2**20:.0f} MiB: resumed with Range from "
          f"byte {resumed_from} (all that reached the disk), {resumed_body / 2**20:.1f} MiB "
          f"fetched after the cut, {max(0, again)} bytes downloaded twice")
    nginx.kill()
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
