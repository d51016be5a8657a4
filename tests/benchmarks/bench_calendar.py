"""Benchmark: BusinessCalendar against the `businesstimedelta` package (issue 3).

    pip install -e ".[bench]" && python tests/benchmarks/bench_calendar.py [--queries 10000]

Same calendar on both sides: Mon-Fri 09:00-17:00 with a 12:00-13:00 lunch, Europe/Berlin,
German public holidays. The same random queries (start instants through 2026, spans up to
30 days): `between` against businesstimedelta's `Rules.difference`, and `add` against
`start + BusinessTimeDelta(rules, seconds=…)`. Results must agree; the target is at least
100 times faster on both operations.

Agreement for `add`: identical instants, or, where the two libraries pick different ends
of closed hours for a target used up exactly at closing time, instants with zero working
time between them (our documented convention is "due at closing time"; businesstimedelta
answers with the next opening). Both kinds are counted and reported.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from datetime import datetime, time, timedelta

import businesstimedelta as btd
import holidays as holidays_lib
import pytz

from desk_app.domain.calendar import BusinessCalendar

TZ = "Europe/Berlin"


def build() -> tuple[BusinessCalendar, btd.Rules]:
    de = holidays_lib.country_holidays("DE", years=range(2025, 2029), language="en_US")
    ours = BusinessCalendar(tz=TZ, weekly={d: [(time(9), time(12)), (time(13), time(17))]
                                           for d in range(5)}, country="DE")
    zone = pytz.timezone(TZ)
    theirs = btd.Rules([
        btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4],
                        tz=zone),
        btd.LunchTimeRule(start_time=time(12), end_time=time(13),
                          working_days=[0, 1, 2, 3, 4], tz=zone),
        btd.HolidayRule(dict(de), tz=zone),
    ])
    return ours, theirs


def queries(n: int, seed: int) -> list[tuple[datetime, datetime, int]]:
    rng = random.Random(seed)
    zone = pytz.timezone(TZ)
    out = []
    for _ in range(n):
        start = datetime(2026, 1, 1) + timedelta(seconds=rng.randrange(365 * 86_400))
        a = zone.localize(start).astimezone(pytz.utc)
        b = a + timedelta(seconds=rng.randrange(30 * 86_400))
        seconds = rng.randrange(1, 30 * 7 * 3600 // 3)
        out.append((a, b, seconds))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    ours, theirs = build()
    qs = queries(args.queries, args.seed)

    t = clock.perf_counter()
    ours.between(qs[0][0], qs[0][1])  # builds the year tables once
    cold = clock.perf_counter() - t

    t = clock.perf_counter()
    our_between = [ours.between(a, b) for a, b, _ in qs]
    our_between_s = clock.perf_counter() - t
    t = clock.perf_counter()
    their_between = []
    for a, b, _ in qs:
        d = theirs.difference(a, b)
        their_between.append(d.hours * 3600 + d.seconds)
    their_between_s = clock.perf_counter() - t

    t = clock.perf_counter()
    our_add = [ours.add(a, s) for a, _, s in qs]
    our_add_s = clock.perf_counter() - t
    t = clock.perf_counter()
    their_add = [a + btd.BusinessTimeDelta(theirs, seconds=s) for a, _, s in qs]
    their_add_s = clock.perf_counter() - t

    between_disagree = sum(1 for x, y in zip(our_between, their_between, strict=True)
                           if abs(x - y) > 1e-6)
    add_same = add_closing = add_disagree = 0
    for x, y in zip(our_add, their_add, strict=True):
        if x == y.astimezone(x.tzinfo):
            add_same += 1
        elif ours.between(x, y) == 0:
            add_closing += 1
        else:
            add_disagree += 1

    n = len(qs)
    print(f"{n:,} queries; calendar tables built in {cold * 1000:.1f} ms (first call)")
    print(f"between: ours {our_between_s / n * 1e6:.1f} µs/op, businesstimedelta "
          f"{their_between_s / n * 1e6:.1f} µs/op -> {their_between_s / our_between_s:.0f}x; "
          f"disagreements {between_disagree}")
    print(f"add:     ours {our_add_s / n * 1e6:.1f} µs/op, businesstimedelta "
          f"{their_add_s / n * 1e6:.1f} µs/op -> {their_add_s / our_add_s:.0f}x; "
          f"identical {add_same}, closing-time convention {add_closing}, "
          f"disagreements {add_disagree}")
    return 1 if between_disagree or add_disagree else 0


if __name__ == "__main__":
    sys.exit(main())
