#!/usr/bin/env python3
"""Compares `loaxa occurrences` with python-dateutil on many generated rules.

The rules run in turn in UTC, Asia/Ho_Chi_Minh (the boxes' zone) and two zones with
daylight saving (Europe/Berlin, America/New_York). dateutil expands local wall times;
in a DST zone a time that does not exist is expected where RFC 5545 puts it (shifted
by the gap: 02:30 becomes 03:30), and rules finer than a day are not generated there.

Usage: compare_dateutil.py LOAXA_BIN [N_RULES] [SEED]
Exit 0 when every rule agrees (and the properties hold: sorted, unique, within UNTIL,
at most COUNT, EXDATEs absent), 1 otherwise, printing each disagreement.
"""
import random, subprocess, sys
from datetime import datetime, timedelta
from dateutil.rrule import rrulestr, rruleset
from zoneinfo import ZoneInfo

loaxa = sys.argv[1]
n_rules = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20220701)
END = datetime(2030, 1, 1)
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ZONES = ["UTC", "Asia/Ho_Chi_Minh", "Europe/Berlin", "America/New_York"]
DST_ZONES = ("Europe/Berlin", "America/New_York")
UTC = ZoneInfo("UTC")


def as_rfc5545_places_it(naive, zone):
    """The local wall time a naive occurrence airs at in `zone` (RFC 5545 3.3.5: a time
    in a DST gap is interpreted with the offset before the gap, i.e. moved forward by it)."""
    z = ZoneInfo(zone)
    aware = naive.replace(tzinfo=z, fold=0)
    return aware.astimezone(UTC).astimezone(z).replace(tzinfo=None)


def sample(pool, k_max):
    return sorted(rnd.sample(pool, rnd.randint(1, k_max)), key=lambda x: (str(type(x)), x))


def make_rule(dst):
    freq = rnd.choice(["YEARLY"] * 3 + ["MONTHLY"] * 4 + ["WEEKLY"] * 4 + ["DAILY"] * 4 +
                      ([] if dst else ["HOURLY", "MINUTELY"]))
    parts = [f"FREQ={freq}"]
    if rnd.random() < 0.4:
        parts.append(f"INTERVAL={rnd.randint(2, 4)}")
    sub_daily = freq in ("HOURLY", "MINUTELY")  # dateutil is slow there with day filters
    weekno = False
    if freq == "YEARLY" and rnd.random() < 0.15:
        # Not 52 or 53: dateutil 2.8 counts the weeks of the previous year from the current
        # one's length (rrule.py, lnumweeks), so it sometimes puts 1-2 January in a week 53
        # that does not exist; tests/unit/rrule_test.cpp pins the RFC answer.
        parts.append("BYWEEKNO=" + ",".join(map(str, sample(list(range(1, 52)) + [-1, -2], 3))))
        weekno = True
    if rnd.random() < 0.3 and not weekno and not sub_daily:
        parts.append("BYMONTH=" + ",".join(map(str, sample(range(1, 13), 4))))
    if rnd.random() < 0.35:
        if freq in ("MONTHLY", "YEARLY") and not weekno and rnd.random() < 0.6:
            days = [f"{rnd.choice([1, 2, 3, 4, -1, -2])}{d}" for d in sample(DAYS, 2)]
        else:
            days = sample(DAYS, 3)
        parts.append("BYDAY=" + ",".join(days))
    if freq != "WEEKLY" and not sub_daily and rnd.random() < 0.3:
        parts.append("BYMONTHDAY=" + ",".join(map(str, sample(list(range(1, 32)) + [-1, -2, -3], 3))))
    if freq == "YEARLY" and rnd.random() < 0.15:
        parts.append("BYYEARDAY=" + ",".join(map(str, sample(list(range(1, 367)) + [-1, -10], 3))))
    if freq in ("HOURLY", "MINUTELY") or rnd.random() < 0.2:
        if rnd.random() < 0.6:
            parts.append("BYHOUR=" + ",".join(map(str, sample(range(0, 24), 4))))
    if freq == "MINUTELY" or rnd.random() < 0.15:
        if rnd.random() < 0.6:
            parts.append("BYMINUTE=" + ",".join(map(str, sample(range(0, 60), 4))))
    # BYSETPOS only where dateutil is quick with it (MONTHLY, YEARLY): on DAILY and WEEKLY
    # it takes seconds per rule there.
    if freq in ("MONTHLY", "YEARLY") and any(p.startswith("BY") for p in parts) and rnd.random() < 0.25:
        parts.append("BYSETPOS=" + ",".join(map(str, sample([1, 2, 3, -1, -2], 2))))
    if rnd.random() < 0.3:
        parts.append("WKST=" + rnd.choice(DAYS))
    until = None
    r = rnd.random()
    if r < 0.3:
        parts.append(f"COUNT={rnd.randint(1, 40)}")
    elif r < 0.55:
        until = datetime(2022, 1, 1) + timedelta(days=rnd.randint(20, 2000), hours=rnd.randint(0, 23))
        parts.append("UNTIL=" + until.strftime("%Y%m%dT%H%M%S"))
    rnd.shuffle(parts)
    return ";".join(parts), until


failures = 0
moved = 0  # occurrences a DST gap moved, among those compared
for i in range(n_rules):
    zone = ZONES[i % len(ZONES)]
    rule, until = make_rule(zone in DST_ZONES)
    dtstart = datetime(2022, 1, 1) + timedelta(days=rnd.randint(0, 364), hours=rnd.randint(0, 23),
                                               minutes=rnd.choice([0, 15, 30, 45]))
    if zone in DST_ZONES and rnd.random() < 0.5:
        # In the hour the clocks skip or repeat, weeks before a change, so it is crossed.
        dtstart = rnd.choice([datetime(2022, 2, 20), datetime(2022, 10, 10)]) + timedelta(
            days=rnd.randint(0, 30), hours=rnd.choice([1, 2]), minutes=rnd.choice([0, 15, 30, 45]))
    # dateutil walks every minute of a MINUTELY rule: keep its window short.
    end = dtstart + timedelta(days=10) if "HOURLY" in rule or "MINUTELY" in rule else END
    s = rruleset()
    try:
        rr = rrulestr(rule, dtstart=dtstart)
        # Bound dateutil by the window, or it seeks the next match up to year 9999. With
        # COUNT, the first COUNT before `end` are the same either way.
        if "UNTIL" not in rule:
            rr = rr.replace(until=end - timedelta(seconds=1), count=None)
        s.rrule(rr)
    except ValueError:  # dateutil refuses a rule that can never occur; we must print nothing
        pass
    expected_all = [x for x in s.between(dtstart, end, inc=True) if x < end]
    exdates = rnd.sample(expected_all, min(len(expected_all), rnd.randint(0, 2)))
    for x in exdates:
        s.exdate(x)
    count = int(rule.split("COUNT=")[1].split(";")[0]) if "COUNT=" in rule else None
    before = [x for x in expected_all if x not in exdates]
    if count is not None:  # COUNT counts before EXDATEs are removed
        kept = [x for x in expected_all[:count]]
        before = [x for x in before if x in kept]
    placed = [as_rfc5545_places_it(x, zone) for x in before]
    moved += sum(1 for a, b in zip(before[:60], placed[:60]) if a != b)
    expected = [x.strftime("%Y-%m-%dT%H:%M:%S") for x in sorted(set(placed))][:60]
    args = [loaxa, "occurrences", "--dtstart", dtstart.strftime("%Y-%m-%dT%H:%M:%S"),
            "--rrule", rule, "--count", "60", "--until",
            (end - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S"), "--tz", zone]
    if exdates:
        args += ["--exdate", ",".join(x.strftime("%Y-%m-%dT%H:%M:%S") for x in exdates)]
    p = subprocess.run(args, capture_output=True, text=True)
    got = p.stdout.split()
    problems = []
    if p.returncode != 0:
        problems.append(f"exit {p.returncode}: {p.stderr.strip()}")
    if got != expected:
        problems.append(f"differs from dateutil:\n    got      {got[:8]}...\n    expected {expected[:8]}...")
    if got != sorted(set(got)):
        problems.append("not sorted and unique")
    if until and any(g > until.strftime("%Y-%m-%dT%H:%M:%S") for g in got):
        problems.append("occurrence after UNTIL")
    if any(g in [x.strftime("%Y-%m-%dT%H:%M:%S") for x in exdates] for g in got):
        problems.append("an EXDATE occurs")
    if problems:
        failures += 1
        print(f"rule {i}: DTSTART {dtstart} RRULE {rule} in {zone}")
        for pr in problems:
            print("  " + pr)
print(f"{n_rules - failures} of {n_rules} rules agree with python-dateutil "
      f"(in {', '.join(ZONES)} in turn; {moved} occurrence(s) moved by a DST gap)")
sys.exit(1 if failures else 0)
