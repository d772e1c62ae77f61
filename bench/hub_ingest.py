#!/usr/bin/env python3
"""Province hub benchmarks (issue 18). Each figure beside PostgreSQL doing the plain
equivalent on the same data in the same run, so the ratio is the figure.

  python3 bench/hub_ingest.py [--build build] [--boxes 20] [--rows 10000] [--batch 500]
                              [--status-boxes 1000] [--work DIR]

1. ingest: BOXES boxes (rows made by loaxa-airtime-fill through the box's own store, the
   real hash chain, spread over 2022) push their rows as boxes do (one thread per box,
   signed NDJSON batches of BATCH, one after another) through the hub's HTTP API:
   rows/s, p50/p99 batch latency; then psql's \\copy of the same rows into a
   month-partitioned table (rows/s, ratio).
2. status: STATUS_BOXES enrolled boxes each POST one signed status (8 at a time):
   p50/p99 latency and the hub's CPU seconds for the round (a round is what the fleet
   sends every 30 s).
3. report: GET /reports/airtime?period=2022-Q3&by=commune,topic (median of 5) vs the
   plain GROUP BY commune, topic over the raw rows in psql (median of 5).
4. the hub's peak RSS.
Needs python3-cryptography (Ed25519 signatures, as boxes make them).
"""
import argparse, base64, concurrent.futures, hashlib, http.client, json, os, shutil
import statistics, subprocess, sys, tempfile, threading, time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PSQL = "/usr/lib/postgresql/15/bin/psql"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def raw_pub(key):
    return base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def post(port, path, body, box, key):
    sig = base64.b64encode(key.sign(body)).decode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    c.request("POST", path, body, {"X-Loaxa-Box": box, "X-Loaxa-Signature": sig,
                                   "Content-Type": "application/x-ndjson"})
    r = c.getresponse()
    r.read()
    dt = time.perf_counter() - t0
    c.close()
    if r.status != 200:
        sys.exit(f"{path}: HTTP {r.status}")
    return dt


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--boxes", type=int, default=20)
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--status-boxes", type=int, default=1000)
    ap.add_argument("--work")
    a = ap.parse_args()
    b = os.path.join(ROOT, a.build)
    work = a.work or tempfile.mkdtemp(prefix="loaxa-hub-bench-")
    os.makedirs(work, exist_ok=True)
    pg = os.path.join(work, "pg")
    url = subprocess.check_output(["bash", f"{ROOT}/scripts/pg_cluster.sh", "start", pg, "55439"],
                                  text=True).strip()
    psql = [PSQL, "-h", f"{pg}/socket", "-p", "55439", "-U", "postgres", "-qAt", "-d", "loaxa_hub"]
    port = 18099
    conf = os.path.join(work, "hub.toml")
    token = "bench-token"
    open(conf, "w").write(f"""[hub]\nid = "bench"\nname = "Sở Nội vụ (bench)"\n[database]\nurl = "{url}"
[api]\nlisten = ["127.0.0.1:{port}"]\ntokens = [ {{ name = "a", role = "admin", sha256 = "{hashlib.sha256(token.encode()).hexdigest()}" }} ]\n""")
    hub_cmd = [f"{b}/hub/loaxa-hub", "--config", conf]
    try:
        # Boxes: keys, rows, enrolment (one CSV import).
        keys, lines = {}, {}
        csv = ["id,district,commune,name,public_key,lat,lon"]
        for i in range(a.boxes):
            box = f"bp-huyen-{i % 11}-xa-{i}"
            keys[box] = Ed25519PrivateKey.generate()
            db = os.path.join(work, box + ".db")
            subprocess.run([f"{b}/tools/loaxa-airtime-fill", db, str(a.rows), "--from", "2022-01-01",
                            "--years", "1", "--seed", str(i + 1), "--box", box], check=True,
                           stdout=subprocess.DEVNULL)
            out = subprocess.check_output([f"{b}/cli/loaxa", "airtime", "--db", db, "--format", "ndjson"])
            # Closing (chain) order, as a box pushes: follow prev_hash -> hash from the start.
            after = {json.loads(l)["prev_hash"]: l for l in out.splitlines()}
            chain, h = [], ""
            while h in after:
                chain.append(after[h])
                h = json.loads(after[h])["hash"]
            assert len(chain) == a.rows, (box, len(chain))
            lines[box] = chain
            csv.append(f"{box},Huyện {i % 11},Xã {i},Đài xã {i},{raw_pub(keys[box])},,")
        for i in range(a.status_boxes):
            box = f"bp-trang-thai-{i}"
            keys[box] = Ed25519PrivateKey.generate()
            csv.append(f"{box},Huyện {i % 11},Xã T{i},Đài T{i},{raw_pub(keys[box])},,")
        open(os.path.join(work, "xa.csv"), "w").write("\n".join(csv) + "\n")
        subprocess.run(hub_cmd + ["box", "import", os.path.join(work, "xa.csv")], check=True,
                       stdout=subprocess.DEVNULL)
        hub = subprocess.Popen(hub_cmd, stderr=open(os.path.join(work, "hub.log"), "w"))
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.3)

        # 1. ingest
        latencies, lock = [], threading.Lock()

        def push(box):
            ls = lines[box]
            for s in range(0, len(ls), a.batch):
                dt = post(port, "/api/v1/ingest/airtime", b"\n".join(ls[s:s + a.batch]) + b"\n", box, keys[box])
                with lock:
                    latencies.append(dt)
        total = sum(len(v) for v in lines.values())
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(a.boxes) as ex:
            list(ex.map(push, lines))
        ingest_s = time.perf_counter() - t0
        stored = int(subprocess.check_output(psql + ["-c", "SELECT count(*) FROM airtime"], text=True))
        assert stored == total, (stored, total)
        dump = os.path.join(work, "rows.copy")
        os.chmod(work, 0o755)
        subprocess.run(psql + ["-c", f"\\copy (SELECT * FROM airtime) TO '{dump}'"], check=True)
        parts = "".join(
            f"CREATE TABLE c_{m:02d} PARTITION OF copy_test FOR VALUES FROM ('2022-{m:02d}-01 00:00+07') "
            f"TO ('{2022 + (m == 12)}-{m % 12 + 1:02d}-01 00:00+07');" for m in range(1, 13))
        subprocess.run(psql + ["-c", "DROP TABLE IF EXISTS copy_test; CREATE TABLE copy_test (LIKE airtime) "
                               "PARTITION BY RANGE (start_at); " + parts +
                               "ALTER TABLE copy_test ADD PRIMARY KEY (box_id, id, start_at);"], check=True)
        t0 = time.perf_counter()
        subprocess.run(psql + ["-c", f"\\copy copy_test FROM '{dump}'"], check=True)
        copy_s = time.perf_counter() - t0

        # 2. status round
        status = json.dumps({"version": "0.2.0", "clock": {"synchronized": True},
                             "disk": {"free_bytes": 8 << 30}, "channels": [
                                 {"name": "loudspeaker", "state": "idle", "now_playing": None,
                                  "dead_air_count": 0}]}).encode()
        boxes = [k for k in keys if k.startswith("bp-trang-thai-")]
        cpu0 = cpu_seconds(hub.pid)
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            st_lat = list(ex.map(lambda bx: post(port, "/api/v1/ingest/status", status, bx, keys[bx]), boxes))
        status_s = time.perf_counter() - t0
        status_cpu = cpu_seconds(hub.pid) - cpu0

        # 3. report
        def timed_report():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            t = time.perf_counter()
            c.request("GET", "/api/v1/reports/airtime?period=2022-Q3&by=commune,topic",
                      headers={"Authorization": "Bearer " + token})
            r = c.getresponse(); r.read()
            return time.perf_counter() - t
        rep = statistics.median(timed_report() for _ in range(5))
        sql = ("SELECT b.commune, a.topic, count(*), sum(a.end_ms - a.start_ms) FROM airtime a JOIN box b "
               "ON b.id = a.box_id WHERE a.start_at >= '2022-07-01 00:00+07' AND a.start_at < "
               "'2022-10-01 00:00+07' GROUP BY 1, 2")
        def timed_sql():
            t = time.perf_counter()
            subprocess.run(psql + ["-c", sql], check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t
        plain = statistics.median(timed_sql() for _ in range(5))
        hwm = [l for l in open(f"/proc/{hub.pid}/status") if l.startswith("VmHWM")][0].split()[1]
        hub.terminate(); hub.wait()

        print(f"ingest: {total} rows from {a.boxes} boxes in batches of {a.batch}: {total / ingest_s:,.0f} rows/s "
              f"({ingest_s:.1f} s); batch latency p50 {1000 * pct(latencies, 50):.0f} ms, p99 {1000 * pct(latencies, 99):.0f} ms")
        print(f"\\copy of the same rows into a month-partitioned table: {total / copy_s:,.0f} rows/s; "
              f"hub/copy = {copy_s / ingest_s:.2f}")
        print(f"status: {len(boxes)} boxes, one signed status each (8 at a time): {status_s:.2f} s, "
              f"p50 {1000 * pct(st_lat, 50):.1f} ms, p99 {1000 * pct(st_lat, 99):.1f} ms; hub CPU {status_cpu:.2f} s "
              f"per round ({100 * status_cpu / 30:.1f} % of a core at one round per 30 s)")
        print(f"report 2022-Q3 by commune,topic over {total} rows: hub {1000 * rep:.0f} ms (median of 5); "
              f"plain GROUP BY in psql {1000 * plain:.0f} ms; hub/plain = {rep / plain:.2f}")
        print(f"hub peak RSS: {int(hwm) / 1024:.1f} MiB")
    finally:
        subprocess.run(["bash", f"{ROOT}/scripts/pg_cluster.sh", "stop", pg])
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
