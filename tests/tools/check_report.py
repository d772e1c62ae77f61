#!/usr/bin/python3
"""Checks a period report against the raw airtime rows, independently of loaxa's code.

usage: check_report.py REPORT.xlsx REPORT.csv RAW.csv FROM TO

REPORT.xlsx and REPORT.csv are `loaxa report --by topic` for the period [FROM, TO)
(ISO-8601 instants with offset); RAW.csv is `loaxa airtime --format csv --excel` over a
window that starts at least a day before FROM. The report must open in a spreadsheet
reader (openpyxl), keep its Vietnamese text intact, and every number must equal what
this script recomputes from the raw rows: plays counted where they start, airtime
clipped at the period's edges. Exit 0 when all agree; otherwise prints the differences.
"""
import csv
import datetime as dt
import sys

import openpyxl

EXPECTED_LABEL = "PAR Index, SIPAS, PAPI, PCI"
EXPECTED_TITLE = "BÁO CÁO THỜI LƯỢNG TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH"


UNSYNCED = [0]  # plays of the period logged with an unsynchronised clock


def parse(ts):
    return dt.datetime.fromisoformat(ts) if ts else None


def expected(raw_path, start, end):
    per = {}
    with open(raw_path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        topic = r["topic"]
        line = per.setdefault(topic, {"plays": 0, "completed": 0, "failed": 0, "missed": 0,
                                      "preempted": 0, "airtime": 0.0})
        a0 = parse(r["actual_start"])
        anchor = a0 or parse(r["planned_start"])
        if start <= anchor < end:
            line["plays"] += 1
            if r["clock_synced"] == "false":
                UNSYNCED[0] += 1
            if r["status"] in ("completed", "failed", "missed", "preempted"):
                line[r["status"]] += 1
        if a0 and r["duration_s"]:
            a1 = a0 + dt.timedelta(seconds=float(r["duration_s"]))
            overlap = (min(a1, end) - max(a0, start)).total_seconds()
            if overlap > 0:
                line["airtime"] += overlap
    return per


def main():
    xlsx, report_csv, raw_csv, start, end = sys.argv[1:6]
    start, end = parse(start), parse(end)
    want = expected(raw_csv, start, end)
    problems = []

    ws = openpyxl.load_workbook(xlsx).active
    cells = list(ws.iter_rows(values_only=True))
    if not str(cells[0][0]).startswith(EXPECTED_TITLE):
        problems.append(f"xlsx title is {cells[0][0]!r}")
    head = next(i for i, r in enumerate(cells) if r[0] == "Mã / key")
    clock_note = " ".join(str(r[0]) for r in cells[:head] if r[0])
    if UNSYNCED[0] and f"{UNSYNCED[0]} play(s) logged with an unsynchronised clock" not in clock_note:
        problems.append(f"xlsx header does not say {UNSYNCED[0]} plays had an unsynchronised clock")
    lines = [r for r in cells[head + 1:] if r[1] is not None]
    body, total = lines[:-1], lines[-1]
    if total[0] != "total":
        problems.append(f"last xlsx line is {total!r}, not the total")
    if not any(r[1] == EXPECTED_LABEL for r in body):
        problems.append("the Vietnamese label of 'indices' is missing or altered in the xlsx")
    names = ["plays", "completed", "failed", "missed", "preempted"]
    for r in body:
        key = r[0] or ""
        w = want.get(key, {n: 0 for n in names} | {"airtime": 0.0})
        for i, n in enumerate(names):
            if r[2 + i] != w[n]:
                problems.append(f"xlsx {key or '(no topic)'} {n}: {r[2 + i]} != {w[n]} from raw rows")
        if abs(r[7] - w["airtime"]) > 0.01:
            problems.append(f"xlsx {key or '(no topic)'} airtime_s: {r[7]} != {w['airtime']:.3f}")
    # The total line: SUM formulas whose cached values equal the sums of the lines.
    for i, n in enumerate(names):
        if not str(total[2 + i]).startswith("=SUM("):
            problems.append(f"xlsx total {n} is {total[2 + i]!r}, not a SUM formula")
    cached = list(openpyxl.load_workbook(xlsx, data_only=True).active.iter_rows(values_only=True))
    cached_total = [r for r in cached if r[0] == "total"][0]
    for i, n in enumerate(names):
        s = sum(r[2 + i] for r in body)
        if cached_total[2 + i] != s:
            problems.append(f"xlsx total {n}: {cached_total[2 + i]} != {s}")
    raw_total = sum(w["airtime"] for w in want.values())
    if abs(cached_total[7] - raw_total) > 0.05:
        problems.append(f"xlsx total airtime {cached_total[7]} != {raw_total:.3f} from raw rows")

    with open(report_csv, "rb") as f:
        data = f.read()
    if not data.startswith(b"\xef\xbb\xbf"):
        problems.append("the --excel CSV has no byte-order mark")
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    if rows[0][:3] != ["key", "label", "plays"]:
        problems.append(f"CSV header is {rows[0]}")
    by_key = {r[0]: r for r in rows[1:]}
    if by_key.get("indices", [None, None])[1] != EXPECTED_LABEL:
        problems.append("the Vietnamese label of 'indices' is altered in the CSV")
    for r in body:
        c = by_key.get(r[0] or "")
        if c is None or int(c[2]) != r[2] or abs(float(c[7]) - r[7]) > 0.001:
            problems.append(f"CSV and xlsx disagree on {r[0]!r}: {c} vs {r}")

    for p in problems:
        print(p)
    print(f"checked {len(body)} lines against {sum(w['plays'] for w in want.values())} plays")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
