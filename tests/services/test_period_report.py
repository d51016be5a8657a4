"""Every figure of a period report on a small desk whose expected values are worked out by
hand below (docs/metrics.md has the definitions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from desk_app.app import AppContext
from desk_app.domain.enums import Impact, Status, Urgency
from desk_app.domain.period_report import PeriodReport, ReportFilter
from desk_app.domain.ticket import RequesterInput
from tests.conftest import ME, FakeClock, edit_of, make_draft, move

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture
def desk(ctx: AppContext, clock: FakeClock) -> None:
    """Monday 2026-11-16, office hours 09:00-17:00 UTC for P3, around the clock for P1.

    09:00 five tickets: A, C, E (Northwind, P3), B (Contoso, P3), D (Northwind, P1).
    09:05 E: reply by Sam (first response 5 m); E assigned to Sam, later handed to Kim.
    09:10 D: reply (first response 10 m).
    09:30 B: reply (first response 30 m).
    09:40 D: resolved (resolution running 40 m so far).
    10:00 A: reply (first response 1 h).   B: waiting on customer.   D: reopened.
    11:00 D: resolved again, rated 4 (resolution 40 m + 1 h = 100 m).
    12:00 B: back in progress (waited 2 h on the customer).
    12:30 B: second reply.
    13:00 A: resolved, rated 5 (resolution 4 h).   C: first response breaches (4 h).
    14:00 B: resolved, rated 3 (resolution 5 h less 2 h waiting = 3 h).
          C: waiting on third party.
    15:00 the report runs (C still waiting: 1 h on a third party so far).
    """
    contoso = RequesterInput(name="Ben Brandt", email="ben@contoso.example",
                             organization="Contoso")
    ids = {}
    for name, kw in (("A", {}), ("B", {"requester": contoso}), ("C", {}), ("E", {}),
                     ("D", {"impact": Impact.HIGH, "urgency": Urgency.HIGH})):
        ids[name] = ctx.tickets.create(make_draft(title=name, **kw), actor=ME).id
    ctx.directory.ensure_technician("Sam")
    ctx.directory.ensure_technician("Kim")
    clock.advance(minutes=5)
    ctx.tickets.add_reply(ids["E"], "Looking", actor="Sam")
    e = ctx.tickets.detail(ids["E"])
    ctx.tickets.edit(e.id, edit_of(e, assignee="Sam"), expected_version=e.version, actor=ME)
    e = ctx.tickets.detail(ids["E"])
    ctx.tickets.edit(e.id, edit_of(e, assignee="Kim"), expected_version=e.version, actor=ME)
    clock.advance(minutes=5)
    ctx.tickets.add_reply(ids["D"], "On it", actor=ME)
    clock.advance(minutes=20)
    ctx.tickets.add_reply(ids["B"], "Can you send a photo?", actor=ME)
    clock.advance(minutes=10)
    move(ctx, ids["D"], Status.RESOLVED, resolution_note="Restarted")
    clock.advance(minutes=20)
    ctx.tickets.add_reply(ids["A"], "On it", actor=ME)
    move(ctx, ids["B"], Status.WAITING_CUSTOMER)
    move(ctx, ids["D"], Status.IN_PROGRESS)
    clock.advance(hours=1)
    move(ctx, ids["D"], Status.RESOLVED, resolution_note="Fixed for good", csat_score=4)
    clock.advance(hours=1)
    move(ctx, ids["B"], Status.IN_PROGRESS)
    clock.advance(minutes=30)
    ctx.tickets.add_reply(ids["B"], "Thanks, fixing", actor=ME)
    clock.advance(minutes=30)
    move(ctx, ids["A"], Status.RESOLVED, resolution_note="Done", csat_score=5)
    clock.advance(hours=1)
    move(ctx, ids["B"], Status.RESOLVED, resolution_note="Done", csat_score=3)
    move(ctx, ids["C"], Status.WAITING_THIRD_PARTY)
    clock.advance(hours=1)


def _report(ctx: AppContext, clock: FakeClock, **kw: object) -> PeriodReport:
    assert ctx.clock is clock
    return ctx.reports.period_report(
        MONDAY, MONDAY + timedelta(days=7), tz="UTC", **kw)  # type: ignore[arg-type]


def test_volume_backlog_and_ages(ctx: AppContext, desk: None, clock: FakeClock) -> None:
    r = _report(ctx, clock)
    # Created 5; resolved A, B, D (D twice: counted once); nothing closed; D reopened.
    v = r.volume
    assert (v.created, v.resolved, v.closed, v.reopened) == (5, 3, 0, 1)
    # Open at the start: none. Open now (15:00): C and E, both 6 h old.
    assert (v.backlog_start, v.backlog_end) == (0, 2)
    assert dict(r.backlog_age)["< 1 day"] == 2 and sum(n for _, n in r.backlog_age) == 2


def test_attainment_against_goals(ctx: AppContext, desk: None, clock: FakeClock) -> None:
    rows = {(a.group, a.target): a for a in _report(ctx, clock).cohort.attainment}
    # P3 first response: A, B, E met; C breached while open: missed -> 3/4 = 75 % < 90 %.
    fr = rows[("P3", "first_response")]
    assert (fr.met, fr.missed, fr.pending, fr.attainment, fr.goal, fr.passed) == \
        (3, 1, 0, 0.75, 0.9, False)
    # P3 resolution: A and B met; C and E still running, not due: pending, not met.
    res = rows[("P3", "resolution")]
    assert (res.met, res.missed, res.pending, res.attainment, res.passed) == \
        (2, 0, 2, 1.0, True)
    # P1: D met both (goal 100 %).
    assert rows[("P1", "resolution")].passed is True
    assert rows[("P1", "first_response")].attainment == 1.0


def test_business_times_and_average_speed_of_answer(ctx: AppContext, desk: None,
                                                    clock: FakeClock) -> None:
    c = _report(ctx, clock).cohort
    times = {t.group: t for t in c.times}
    # P3 first responses that stopped: E 300 s, B 1,800 s, A 3,600 s (C never stopped).
    p3 = times["P3"].first_response
    assert (p3.count, p3.mean_s, p3.median_s, p3.p90_s) == (3, 1900, 1800, 3600)
    # P3 resolutions: B 3 h (2 h waiting excluded) = 10,800 s, A 4 h = 14,400 s.
    p3r = times["P3"].resolution
    assert (p3r.count, p3r.mean_s, p3r.median_s, p3r.p90_s) == (2, 12600, 12600, 14400)
    # P1 resolution: 40 m, then 1 h after the reopen = 6,000 s.
    assert times["P1"].resolution.mean_s == 6000
    # All first responses: 300, 600, 1800, 3600 -> mean 1,575 s; median 1,200; p90 is the
    # 4th of 4 (nearest rank ceil(0.9 x 4) = 4) = 3,600. ASA is that mean.
    every = times["All"].first_response
    assert (every.mean_s, every.median_s, every.p90_s) == (1575, 1200, 3600)
    assert c.average_speed_of_answer_s == 1575


def test_rates_and_satisfaction(ctx: AppContext, desk: None, clock: FakeClock) -> None:
    c = _report(ctx, clock).cohort
    # Resolved at least once: A, B, D. First contact: A only (B had two replies, D reopened).
    assert (c.first_contact_resolution.count, c.first_contact_resolution.of) == (1, 3)
    assert (c.reopen_rate.count, c.reopen_rate.of) == (1, 3)
    # Handed from one technician to another: E (Sam -> Kim); the first assignment is not.
    assert (c.reassignment.count, c.reassignment.of) == (1, 5)
    # Ratings 5, 3, 4: average 4.0; 4-5 ratings 2 of 3.
    assert (c.csat.rated, c.csat.average, c.csat.satisfied.count) == (3, 4.0, 2)


def test_waiting_time_per_organization(ctx: AppContext, desk: None, clock: FakeClock) -> None:
    waiting = {w.organization: w for w in _report(ctx, clock).waiting}
    # Contoso: B waited 10:00-12:00 on the customer (office hours) = 7,200 s.
    assert (waiting["Contoso"].customer_s, waiting["Contoso"].third_party_s,
            waiting["Contoso"].tickets) == (7200, 0, 1)
    # Northwind: C has waited on a third party since 14:00 -> 3,600 s at 15:00.
    assert (waiting["Northwind"].customer_s, waiting["Northwind"].third_party_s) == (0, 3600)


def test_daily_and_weekly_series(ctx: AppContext, desk: None, clock: FakeClock) -> None:
    r = _report(ctx, clock)
    assert [d.day for d in r.days] == [date(2026, 11, 16) + timedelta(days=i)
                                       for i in range(7)]
    monday = r.days[0]
    # D's two resolutions both count as moves to resolved on the day.
    assert (monday.created, monday.resolved, monday.backlog) == (5, 4, 2)
    assert all(d.backlog is None for d in r.days[1:])  # the future has no backlog yet
    # One breach (C's first response at 13:00) in the week of Monday 16th.
    assert [(w.week_start, w.breaches) for w in r.weeks] == [(date(2026, 11, 16), 1)]


def test_filters_narrow_every_figure(ctx: AppContext, desk: None, clock: FakeClock) -> None:
    r = _report(ctx, clock, report_filter=ReportFilter(organizations=frozenset({"Contoso"})))
    assert (r.volume.created, r.volume.resolved, r.volume.backlog_end) == (1, 1, 0)
    assert [w.organization for w in r.waiting] == ["Contoso"]
    assert r.cohort.csat.average == 3.0
    by_tech = _report(ctx, clock, report_filter=ReportFilter(technicians=frozenset({"Kim"})))
    assert by_tech.volume.created == 1 and by_tech.cohort.reassignment.count == 1


def test_grouping_by_organization(ctx: AppContext, desk: None, clock: FakeClock) -> None:
    rows = {(a.group, a.target): a for a in _report(ctx, clock, by="organization")
            .cohort.attainment}
    # Northwind first responses: A, E, D met, C missed.
    nw = rows[("Northwind", "first_response")]
    assert (nw.met, nw.missed, nw.goal) == (3, 1, None)
    assert rows[("Contoso", "resolution")].met == 1
