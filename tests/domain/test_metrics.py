"""Metrics on a small desk whose figures are worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime

from desk_app.domain.enums import Priority
from desk_app.domain.metrics import Outcome, TicketOutcome, attainment, distribution

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)
M, X, P, N = Outcome.MET, Outcome.MISSED, Outcome.PENDING, Outcome.NONE


def t(n: int, prio: Priority, response: Outcome, resolution: Outcome, **kw: object
      ) -> TicketOutcome:
    return TicketOutcome(number=n, priority=prio, created_at=T0, response=response,
                         resolution=resolution, **kw)  # type: ignore[arg-type]


DESK = [
    # P1: responses 2 met, 1 missed -> 2/3 = 66.7 %; resolutions 1 met, 1 missed (an open
    # ticket already breached counts as missed), 1 pending (open, not due: apart).
    t(1, Priority.P1, M, M, organization="Acme"),
    t(2, Priority.P1, M, X, organization="Acme"),
    t(3, Priority.P1, X, P, organization="Bolt"),
    # P3: 3 of 3 responses met (100 %); resolutions 2 met of 2, 1 without SLA at all.
    t(4, Priority.P3, M, M, organization="Bolt"),
    t(5, Priority.P3, M, M, organization="Bolt"),
    t(6, Priority.P3, M, N, organization="Acme"),
]


def test_attainment_per_priority_against_goals() -> None:
    goals = {("P1", "first_response"): 1.0, ("P1", "resolution"): 1.0,
             ("P3", "first_response"): 0.9, ("P3", "resolution"): 0.9}
    rows = {(r.group, r.target): r for r in attainment(DESK, goals=goals)}
    p1r = rows[("P1", "first_response")]
    assert (p1r.met, p1r.missed, p1r.pending) == (2, 1, 0)
    assert round(p1r.attainment or 0, 3) == 0.667 and p1r.passed is False
    p1s = rows[("P1", "resolution")]
    assert (p1s.met, p1s.missed, p1s.pending, p1s.attainment) == (1, 1, 1, 0.5)
    p3s = rows[("P3", "resolution")]
    assert (p3s.met, p3s.counted, p3s.attainment, p3s.passed) == (2, 2, 1.0, True)
    assert list(rows) == [("P1", "first_response"), ("P1", "resolution"),
                          ("P3", "first_response"), ("P3", "resolution")]


def test_attainment_grouped_by_organization() -> None:
    rows = {(r.group, r.target): r for r in attainment(DESK, group_by=lambda o: o.organization)}
    # Acme: responses 1, 2, 6 all met; resolutions 1 met, 2 missed, 6 none -> 1/2.
    assert rows[("Acme", "resolution")].attainment == 0.5
    # Bolt: responses 3 missed, 4 and 5 met -> 2/3.
    assert (rows[("Bolt", "first_response")].met, rows[("Bolt", "first_response")].missed) \
        == (2, 1)


def test_nothing_decided_yet_has_no_percentage_and_no_verdict() -> None:
    (row,) = [r for r in attainment([t(9, Priority.P2, P, N)], goals={("P2", "first_response"):
                                                                      0.95})]
    assert (row.attainment, row.passed, row.pending) == (None, None, 1)


def test_distribution_mean_median_and_nearest_rank_p90() -> None:
    # 10 values 1..10 h: mean 5.5 h, median 5.5 h, p90 = 9th smallest = 9 h.
    d = distribution([h * 3600.0 for h in range(1, 11)])
    assert (d.count, d.mean_s, d.median_s, d.p90_s) == (10, 19800.0, 19800.0, 32400.0)
    # 3 values: ceil(2.7) = 3rd -> the largest.
    assert distribution([30.0, 10.0, 20.0]).p90_s == 30.0
    assert distribution([]).mean_s is None
