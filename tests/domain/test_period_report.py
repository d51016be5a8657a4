"""The pure building blocks of a period report."""

from __future__ import annotations

from datetime import UTC, date, datetime

from desk_app.domain.period_report import (
    age_buckets,
    count_per_bucket,
    day_starts,
    open_count_at,
    scan_status_changes,
    waiting_rows,
    weeks,
)


def test_day_starts_follow_local_midnight_across_dst() -> None:
    # Europe/Berlin falls back on Sunday 2026-10-25: that day lasts 25 hours. The period
    # is Sunday and Monday in Berlin (22:00 UTC is midnight in summer, 23:00 in winter).
    starts = day_starts(datetime(2026, 10, 24, 22, tzinfo=UTC),
                        datetime(2026, 10, 26, 23, tzinfo=UTC), "Europe/Berlin")
    assert [(s.astimezone(UTC).day, s.astimezone(UTC).hour) for s in starts] == [
        (24, 22), (25, 23), (26, 23)]
    utc = [s.astimezone(UTC) for s in starts]
    assert (utc[1] - utc[0]).total_seconds() == 25 * 3600


def test_count_per_bucket_ignores_keys_outside() -> None:
    assert count_per_bucket(["a", "b", "bb", "c", "z", "0"], ["a", "b", "c"]) == [1, 2]


def test_open_count_counts_steps_at_or_before_each_instant() -> None:
    assert open_count_at(["t1", "t2", "t5"], ["t3"], ["t0", "t2", "t3", "t4", "t9"]) == \
        [0, 2, 1, 1, 2]


def test_age_buckets_are_half_open() -> None:
    day = 86400
    counts = dict(age_buckets([0, day - 1, day, 3 * day, 45 * day]))
    assert counts["< 1 day"] == 2 and counts["1–3 days"] == 1 and counts["3–7 days"] == 1
    assert counts["30+ days"] == 1


def test_weeks_start_on_monday_and_cover_the_period() -> None:
    points = weeks([(date(2026, 11, 18), 2), (date(2026, 11, 22), 1), (date(2026, 11, 23), 1)],
                   date(2026, 11, 17), date(2026, 11, 30))
    assert [(p.week_start, p.breaches) for p in points] == [
        (date(2026, 11, 16), 3), (date(2026, 11, 23), 1), (date(2026, 11, 30), 0)]


def test_scan_counts_distinct_tickets_and_clips_waiting() -> None:
    rows = [
        # ticket 1: resolved before the period, reopened and resolved twice inside it
        (1, "02", "new", "resolved"), (1, "11", "resolved", "in_progress"),
        (1, "12", "in_progress", "resolved"), (1, "13", "resolved", "in_progress"),
        (1, "14", "in_progress", "resolved"),
        # ticket 2: waits on the customer from before the period until after now
        (2, "05", "new", "waiting_customer"), (2, "30", "waiting_customer", "in_progress"),
        # ticket 3 does not match the filter
        (3, "12", "new", "resolved"),
    ]
    scan = scan_status_changes(rows, wanted={1, 2}, start="10", end="20", horizon="18")
    assert (scan.resolved, scan.closed, scan.reopened) == (1, 0, 1)
    assert scan.resolved_at == ["12", "14"]
    assert (scan.reopened_at, scan.settled_at) == (["11", "13"], ["12", "14"])
    assert scan.waiting == [(2, "waiting_customer", "10", "18")]
    assert scan.reopens == {1: 2} and scan.settled == {1}
    assert scan.status_at_start == {1: "resolved", 2: "waiting_customer"}
    assert scan.status_at_horizon == {1: "resolved", 2: "waiting_customer"}


def test_waiting_rows_sum_per_organization() -> None:
    rows = waiting_rows([(1, "A", "waiting_customer", 10.0), (1, "A", "waiting_customer", 5.0),
                         (2, "A", "waiting_third_party", 7.0), (3, "", "waiting_customer", 1.0)])
    assert [(r.organization, r.customer_s, r.third_party_s, r.tickets) for r in rows] == [
        ("(none)", 1.0, 0.0, 1), ("A", 15.0, 7.0, 2)]


def test_cohort_figures_count_over_columns() -> None:
    from desk_app.domain.period_report import CohortColumns, cohort_figures

    # Three P3 tickets: met/met (one reply, resolved), breached/running (3 replies), and a
    # pending one with no rating; one reassigned and one reopened.
    c = CohortColumns(priority=["P3", "P3", "P3"], group=["A", "B", "A"],
                      response_state=["met", "breached", "running"],
                      resolution_state=["met", "running", None],
                      response_used_s=[60.0, 900.0, 10.0], resolution_used_s=[600.0, 5.0, None],
                      public_replies=[1, 3, 0], reassignments=[0, 2, 0], reopens=[0, 1, 0],
                      resolved=[True, True, False], csat=[5, 2, None])
    f = cohort_figures(c, goals={("A", "first_response"): 0.9})
    rows = {(a.group, a.target): (a.met, a.missed, a.pending, a.goal) for a in f.attainment}
    assert rows == {("A", "first_response"): (1, 0, 1, 0.9), ("A", "resolution"): (1, 0, 0, None),
                    ("B", "first_response"): (0, 1, 0, None), ("B", "resolution"): (0, 0, 1, None)}
    # Only the stopped first response (60 s) counts; "breached" is still running.
    assert [(t.group, t.first_response.count, t.first_response.mean_s) for t in f.times] == [
        ("P3", 1, 60.0), ("All", 1, 60.0)]
    assert (f.first_contact_resolution.count, f.first_contact_resolution.of) == (1, 2)
    assert (f.reopen_rate.count, f.reassignment.count, f.csat.average) == (1, 1, 3.5)


def test_moves_between_plain_open_statuses_change_no_figure() -> None:
    """The store leaves out new -> in progress moves; the scan must not need them."""
    import random

    statuses = ["new", "in_progress", "waiting_customer", "waiting_third_party", "resolved",
                "closed"]
    rnd = random.Random(7)
    rows = []
    for ticket in range(1, 200):
        status = "new"
        for minute in sorted(rnd.sample(range(10, 99), rnd.randint(0, 8))):
            new = rnd.choice([s for s in statuses if s != status])
            rows.append((ticket, f"{minute:02d}", status, new))
            status = new
    plain = {"new", "in_progress"}
    kept = [r for r in rows if not (r[2] in plain and r[3] in plain)]
    assert len(kept) < len(rows)
    wanted = set(range(1, 200, 2))
    full = scan_status_changes(rows, wanted=wanted, start="30", end="70", horizon="60")
    part = scan_status_changes(kept, wanted=wanted, start="30", end="70", horizon="60")
    for name in ("resolved", "closed", "reopened", "resolved_at", "reopened_at",
                 "settled_at", "waiting", "reopens", "settled"):
        assert getattr(full, name) == getattr(part, name), name
    for name in ("status_at_start", "status_at_horizon"):
        def settled(scan: object, ticket: int, name: str = name) -> bool:
            return getattr(scan, name).get(ticket, "new") in ("resolved", "closed")
        assert all(settled(full, t) == settled(part, t) for t in wanted), name
