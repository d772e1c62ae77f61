#!/usr/bin/env python3
"""Airtime log benchmarks (issue 6). Times whole processes; every figure is shown
beside the sqlite3 shell doing the equivalent work on the same file in the same run,
so the ratio is the figure, not the machine.

  python3 bench/airtime_bench.py [--build build] [--rows 1000000] [--plays 2000]
                                 [--work DIR] [--runs 5] [--keep]

1. fill: loaxa-airtime-fill writes ROWS synthetic rows (5 years, 2 channels) through
   the store's own code (real hash chain), in batches.
2. durable inserts: PLAYS plays written as loaxad writes them (open, checkpoint,
   close: three commits, WAL, synchronous=FULL) vs the sqlite3 shell running the same
   three statements per play on a copy of the schema. Then the bytes each play and
   each checkpoint cost the storage (/proc/PID/io write_bytes) and what that makes
   per day of typical commune playout at several checkpoint intervals.
3. report: `loaxa report --db DB --period 2022-Q3 --by topic --format json` vs the
   GROUP BY the sqlite3 shell runs for the same counts (median of --runs).
4. export: `loaxa airtime --db DB --format csv` of every row to /dev/null, wall time
   and peak RSS, vs `sqlite3 -csv` selecting the same columns.

The work directory must be on a real disk (not tmpfs), or write_bytes reads 0.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from zoneinfo import ZoneInfo


def run(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS in MiB, stdout bytes or
    None). The RSS is the command's own, from GNU time (a wait4 from Python would count
    the pages the forked child inherited from this interpreter)."""
    with tempfile.NamedTemporaryFile("r") as rss_file:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-o", rss_file.name, "-f", "%M", *cmd], input=stdin,
                           stdout=stdout, stderr=subprocess.PIPE)
        secs = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
        peak_kib = int(rss_file.read().split()[-1])
    return secs, peak_kib / 1024.0, p.stdout


def median_run(cmd, runs, stdout=subprocess.DEVNULL):
    times, rss = [], []
    for _ in range(runs):
        secs, peak, _ = run(cmd, stdout=stdout)
        times.append(secs)
        rss.append(peak)
    return statistics.median(times), max(rss)


def fill(tool, db, rows, *extra):
    _, _, out = run([tool, db, str(rows), *extra], stdout=subprocess.PIPE)
    return json.loads(out)


def sqlite_durable_script(plays):
    """The statements loaxad issues for a play, one autocommit each, plays times."""
    lines = ["PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;"]
    for i in range(plays):
        rid = f"bench-{i:08d}"
        start = 1656608400000 + i * 600000
        lines.append(
            "INSERT INTO airtime(id, box_id, channel, media_id, title, topic, playlist_id, "
            "schedule_id, source, planned_start, actual_start, status, start_ms, position_ms, "
            "prev_hash, hash, clock_synced, planned_s, planned_ms) VALUES "
            f"('{rid}', 'bp-dong-xoai-tan-phu', 'loudspeaker', 'cchc-{i % 50}', "
            "'Thông tin cải cách hành chính', 'thu-tuc-hanh-chinh', 'ban-tin-sang', "
            "'sang-hang-ngay', 'schedule', '2022-07-01T06:00:00+07:00', "
            f"'2022-07-01T06:00:00.001+07:00', 'playing', {start}, 0, '', '', 1, 300.0, {start});")
        lines.append(f"UPDATE airtime SET position_ms=150000 WHERE id='{rid}' AND status='playing';")
        lines.append(
            "UPDATE airtime SET actual_end='2022-07-01T06:05:00.001+07:00', duration_s=300.0, "
            f"status='completed', prev_hash='{'0' * 64}', hash='{'f' * 64}', closed_seq={i + 100}, "
            f"end_ms=start_ms+300000 WHERE id='{rid}';")
    return ("\n".join(lines) + "\n").encode()


def io_write_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


def sqlite_durable(db, script):
    """Runs the script in sqlite3; returns (seconds, write_bytes)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(["sqlite3", db], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    p.stdin.write(script)
    p.stdin.close()
    # write_bytes must be read before the process is reaped: poll until it is a zombie.
    last = 0
    while p.poll() is None:
        try:
            last = io_write_bytes(p.pid)
        except OSError:
            break
        time.sleep(0.01)
    return time.perf_counter() - t0, last


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--plays", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the databases (about 700 MB)")
    args = ap.parse_args()

    fill_tool = os.path.join(args.build, "tools", "loaxa-airtime-fill")
    loaxa = os.path.join(args.build, "cli", "loaxa")
    work = args.work or os.path.join(args.build, "bench-airtime")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    db = os.path.join(work, "airtime.db")
    print(f"machine: {os.cpu_count()} cpus, {os.uname().release}; work dir {work}")

    # 1. Fill.
    f = fill(fill_tool, db, args.rows, "--years", "5", "--channels", "2")
    size_mb = os.path.getsize(db) / 2**20
    print(f"fill: {f['rows']} rows in {f['seconds']:.1f} s ({f['rows_per_s']:.0f} rows/s, batched), "
          f"database {size_mb:.0f} MiB")

    # 2. Durable inserts and bytes written.
    ddb = os.path.join(work, "durable.db")
    d1 = fill(fill_tool, ddb, args.plays, "--durable", "--checkpoints", "1")
    d0 = fill(fill_tool, os.path.join(work, "durable0.db"), args.plays, "--durable", "--checkpoints", "0")
    d10 = fill(fill_tool, os.path.join(work, "durable10.db"), args.plays, "--durable", "--checkpoints", "10")
    sdb = os.path.join(work, "sqlite-durable.db")
    fill(fill_tool, sdb, 1)  # the schema, then the shell's own rows
    s_secs, s_bytes = sqlite_durable(sdb, sqlite_durable_script(args.plays))
    # Plays that air (not missed/failed) take three commits; the others one.
    print(f"durable: loaxa {d1['rows_per_s']:.0f} plays/s ({d1['seconds']:.2f} s for {args.plays}), "
          f"sqlite3 shell {args.plays / s_secs:.0f} plays/s ({s_secs:.2f} s); "
          f"ratio {d1['seconds'] / s_secs:.2f}x")
    per_play = d0["write_bytes"] / args.plays
    per_ck = max(0.0, (d10["write_bytes"] - d0["write_bytes"]) / (args.plays * 0.9 * 10))
    print(f"bytes: {per_play / 1024:.1f} KiB per play (open+close), {per_ck / 1024:.1f} KiB per "
          f"checkpoint; sqlite3 shell {s_bytes / args.plays / 1024:.1f} KiB per play with one checkpoint")
    # Typical commune day: loudspeaker 2 blocks x 30 min of 5-min items; kiosk 10 h of 3-min items.
    plays_day = 2 * 6 + 200
    air_s_day = 3600 + 36000
    for interval in (1, 5, 30, 60):
        per_day = plays_day * per_play + air_s_day / interval * per_ck
        print(f"  checkpoint {interval:>2} s: {per_day / 2**20:.1f} MiB/day "
              f"({per_day * 365 / 2**30:.2f} GiB/year) for {plays_day} plays, {air_s_day / 3600:.0f} h on air")

    # 3. Report.
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    q0 = int(datetime(2022, 7, 1, tzinfo=zone).timestamp() * 1000)
    q1 = int(datetime(2022, 10, 1, tzinfo=zone).timestamp() * 1000)
    r_secs, r_rss = median_run([loaxa, "report", "--db", db, "--period", "2022-Q3", "--by", "topic",
                                "--format", "json"], args.runs)
    sql = ("SELECT topic, count(*), sum(status='completed'), sum(status='failed'), "
           "sum(status='missed'), sum(status='preempted'), "
           f"sum(max(0, min(COALESCE(end_ms, start_ms + position_ms), {q1}) - max(start_ms, {q0}))) / 1000.0, "
           "sum(planned_s) FROM airtime "
           f"WHERE start_ms >= {q0 - 86400000} AND start_ms < {q1} GROUP BY topic;")
    s_secs, s_rss = median_run(["sqlite3", db, sql], args.runs)
    print(f"report 2022-Q3 by topic: loaxa {r_secs * 1000:.0f} ms (peak {r_rss:.1f} MiB), "
          f"sqlite3 shell {s_secs * 1000:.0f} ms; ratio {r_secs / s_secs:.2f}x (target < 100 ms)")

    # 4. Export.
    e_secs, e_rss = median_run([loaxa, "airtime", "--db", db, "--format", "csv"], max(1, args.runs // 2))
    cols = ("id, box_id, channel, media_id, title, topic, playlist_id, schedule_id, source, "
            "planned_start, actual_start, actual_end, duration_s, status, error, prev_hash, hash, "
            "clock_synced, planned_s")
    s_secs, s_rss = median_run(["sqlite3", "-csv", "-header", db,
                                f"SELECT {cols} FROM airtime ORDER BY start_ms, seq"], max(1, args.runs // 2))
    print(f"export CSV of {args.rows} rows: loaxa {e_secs:.2f} s, peak RSS {e_rss:.1f} MiB; "
          f"sqlite3 -csv {s_secs:.2f} s, peak RSS {s_rss:.1f} MiB; ratio {e_secs / s_secs:.2f}x "
          "(target < 2 s, < 30 MiB)")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
