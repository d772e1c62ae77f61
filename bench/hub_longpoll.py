#!/usr/bin/env python3
"""Emergencies through the hub's long-poll (issue 19, item 4).

  python3 bench/hub_longpoll.py [--build build] [--boxes 10] [--clients 1000] [--work DIR]

A throw-away PostgreSQL cluster, loaxa-hub serving a tree made by `loaxa publish`, BOXES
real loaxad ([sync] wait = true, interval 60 s, the loudspeaker rendered to a file) and
CLIENTS simulated boxes holding GET /manifest.json?wait=SEQUENCE at the same time. Then
the province publishes an emergency into the hub's folder, and the bench reports:

- for the simulated clients: publish → answer (p50, p99, max), and how many got it;
- for the real boxes: publish → the start of the emergency's airtime row (the box's
  rendered-sample arithmetic: its first sample at the sink), p50, p99, max;
- the hub's CPU seconds and peak RSS over the run.

"publish" is the moment `loaxa publish` returns (manifest and signature written).
"""
import argparse, asyncio, hashlib, os, resource, shutil, sqlite3, struct, subprocess, sys
import tempfile, threading, time, wave
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZONE = timezone(timedelta(hours=7))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Proc:
    """A child whose stderr and stdout lines are kept, with a wait for a line."""

    def __init__(self, argv, **kw):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, **kw)
        self.lines, self.cv = [], threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.lines.append(line)
                self.cv.notify_all()

    def wait_for(self, text, timeout):
        end = time.monotonic() + timeout
        with self.cv:
            while not any(text in l for l in self.lines):
                left = end - time.monotonic()
                if left <= 0 or not self.cv.wait(left):
                    if not any(text in l for l in self.lines):
                        sys.exit(f"timed out waiting for {text!r}:\n" + "".join(self.lines[-20:]))

    def stop(self):
        self.p.terminate()
        self.p.wait(10)


def tone_wav(path, seconds=1.0, hz=660):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        import math
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / 48000)))
                               for i in range(int(48000 * seconds))))


async def hold(port, sequence, i, answered):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET /manifest.json?wait={sequence} HTTP/1.1\r\nHost: hub\r\n"
            f"X-Loaxa-Box: sim-{i:04d}\r\n\r\n".encode())
    await w.drain()
    status = await r.readline()
    answered[i] = (time.monotonic(), status.split(b" ")[1].decode() if status else "none")
    w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--boxes", type=int, default=10)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--work")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    b = os.path.join(ROOT, a.build)
    loaxa, loaxad, hub_bin = f"{b}/cli/loaxa", f"{b}/daemon/loaxad", f"{b}/hub/loaxa-hub"
    work = a.work or tempfile.mkdtemp(prefix="loaxa-longpoll-bench-")
    os.makedirs(f"{work}/src", exist_ok=True)
    pg = f"{work}/pg"
    url = subprocess.check_output(["bash", f"{ROOT}/scripts/pg_cluster.sh", "start", pg, "55441"],
                                  text=True).strip()
    procs = []
    try:
        subprocess.run([loaxa, "keygen", "--out", f"{work}/province"], check=True,
                       capture_output=True)
        pub = open(f"{work}/province.pub").read().strip()
        tone_wav(f"{work}/src/canh-bao.wav")
        toml = (f'[publisher]\nid = "so-noi-vu-binh-phuoc"\n\n[[media]]\nfile = "canh-bao.wav"\n'
                f'id = "canh-bao-bao"\ntitle = "Cảnh báo bão"\n')
        open(f"{work}/src/province.toml", "w").write(toml)
        publish = [loaxa, "publish", f"{work}/src", "--out", f"{work}/www", "--key",
                   f"{work}/province.key"]
        subprocess.run(publish, check=True, capture_output=True)
        port = 18097
        open(f"{work}/hub.toml", "w").write(
            f'[hub]\nid = "bench"\n[database]\nurl = "{url}"\n[api]\nlisten = ["127.0.0.1:{port}"]\n'
            f'[publish]\ndir = "www"\n')
        hub = Proc([hub_bin, "--config", f"{work}/hub.toml"])
        procs.append(hub)
        hub.wait_for("hub bench ready (", 60)
        boxes = []
        for i in range(a.boxes):
            d = f"{work}/box{i}"
            os.makedirs(f"{d}/state", exist_ok=True)
            open(f"{d}/loaxa.toml", "w").write(
                f'[box]\nid = "bench-box-{i}"\nstate_dir = "state"\n'
                f'[channels.loudspeaker]\nsink = "audioconvert ! audio/x-raw,format=S16LE ! '
                f'filesink location={d}/out.raw"\n'
                f'[sync]\nurl = "http://127.0.0.1:{port}/manifest.json"\ninterval = "60s"\n'
                f'wait = true\npublic_keys = ["{pub}"]\n'
                f'[api]\nlisten = ["127.0.0.1:{18200 + i}"]\n')
            p = Proc([loaxad, "--config", f"{d}/loaxa.toml"], cwd=d)
            procs.append(p)
            boxes.append((d, p))
        for d, p in boxes:
            p.wait_for(" applied: ", 60)
        import json
        sequence = json.load(open(f"{work}/www/manifest.json"))["sequence"]

        answered = {}

        async def run_clients():
            tasks = [asyncio.create_task(hold(port, sequence, i, answered))
                     for i in range(a.clients)]
            await asyncio.sleep(2.0)  # let every request reach the hub before publishing
            cpu0 = cpu_seconds(hub.p.pid)
            now = datetime.now(ZONE)
            open(f"{work}/src/province.toml", "a").write(
                f'\n[[emergency]]\nid = "bao-so-4"\nmedia = "canh-bao-bao"\n'
                f'text = "Cơn bão số 4 đang tiến vào đất liền"\n'
                f'valid_from = "{(now - timedelta(minutes=1)).isoformat(timespec="seconds")}"\n'
                f'valid_until = "{(now + timedelta(hours=1)).isoformat(timespec="seconds")}"\n')
            await asyncio.to_thread(subprocess.run, publish, check=True, capture_output=True)
            published_mono, published_wall = time.monotonic(), time.time()
            await asyncio.wait(tasks, timeout=70)
            return published_mono, published_wall, cpu0

        published_mono, published_wall, cpu0 = asyncio.run(run_clients())
        for d, p in boxes:
            p.wait_for("started canh-bao-bao", 30)
        cpu = cpu_seconds(hub.p.pid) - cpu0
        rss = peak_rss_mib(hub.p.pid)
        for _, p in boxes:
            p.stop()
        starts = []
        for d, _ in boxes:
            db = sqlite3.connect(f"{d}/state/loaxa.db")
            row = db.execute("SELECT actual_start FROM airtime WHERE schedule_id = 'bao-so-4' "
                             "ORDER BY actual_start LIMIT 1").fetchone()
            if row:
                starts.append(datetime.fromisoformat(row[0]).timestamp() - published_wall)
        got = [t - published_mono for t, status in answered.values() if status == "200"]
        print(f"long-poll bench: {a.clients} simulated boxes, {a.boxes} real loaxad, "
              f"one hub ({os.cpu_count()} cores)")
        print(f"  simulated: {len(got)}/{a.clients} answered 200 with the new manifest; "
              f"publish -> answer p50 {pct(got, 50) * 1000:.0f} ms, p99 {pct(got, 99) * 1000:.0f} ms, "
              f"max {max(got) * 1000 if got else float('nan'):.0f} ms")
        print(f"  real boxes: {len(starts)}/{a.boxes} aired; publish -> first sample p50 "
              f"{pct(starts, 50):.2f} s, p99 {pct(starts, 99):.2f} s, max {max(starts) if starts else float('nan'):.2f} s "
              f"(goal p99 <= 3 s)")
        print("  each box: " + " ".join(f"{x:.3f}" for x in sorted(starts)) + " s")
        print(f"  hub: {cpu:.2f} CPU s from publish to the last answer; peak RSS {rss:.1f} MiB")
    finally:
        for p in procs:
            try:
                p.stop()
            except Exception:
                pass
        subprocess.run(["bash", f"{ROOT}/scripts/pg_cluster.sh", "stop", pg], capture_output=True)
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
