"""Which crossings reach the desktop: scope, levels, quiet hours, snooze, summaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from desk_app.app import AppContext
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockKind
from desk_app.services.alerts import (
    AlertEntry,
    AlertRules,
    ReadMarks,
    Scope,
    group_by_ticket,
    in_quiet_hours,
    plan,
)
from desk_app.services.monitor import Crossing
from tests.conftest import FakeClock

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
ME = 7


def crossing(n: int, *, level: Risk = Risk.AT_RISK, assignee_id: int | None = ME,
             clock: ClockKind = ClockKind.RESOLUTION) -> Crossing:
    return Crossing(ticket_id=n, number=f"HD-{1000 + n}", title=f"Ticket {n}", clock=clock,
                    level=level, due_at=NOW + timedelta(minutes=45), assignee_id=assignee_id,
                    assignee="Alex Morgan" if assignee_id == ME else "")


def test_a_single_crossing_reads_well() -> None:
    p = plan([crossing(1)], AlertRules(), me_id=ME, now=NOW)
    (n,) = p.desktop
    assert n.title == "HD-1001 Ticket 1"
    assert n.body == "Resolution at risk, due Mon 14:45 · Alex Morgan"
    late = plan([crossing(2, level=Risk.BREACHED)], AlertRules(), me_id=ME,
                now=NOW + timedelta(hours=1))
    assert late.desktop[0].body == "Resolution target breached 15 m ago · Alex Morgan"


def test_due_times_are_in_the_technicians_zone() -> None:
    p = plan([crossing(1)], AlertRules(tz="America/New_York"), me_id=ME, now=NOW)
    assert "due Mon 09:45" in p.desktop[0].body


def test_scope_mine_unassigned_all() -> None:
    others = [crossing(1), crossing(2, assignee_id=None), crossing(3, assignee_id=99)]
    assert [n.ticket_id for n in plan(others, AlertRules(scope=Scope.MINE), me_id=ME,
                                      now=NOW).desktop] == [1]
    assert [n.ticket_id for n in plan(others, AlertRules(), me_id=ME, now=NOW).desktop] == \
        [1, 2]
    assert len(plan(others, AlertRules(scope=Scope.ALL), me_id=ME, now=NOW).desktop) == 3
    # Everything still lands in the in-app list.
    assert len(plan(others, AlertRules(scope=Scope.MINE), me_id=ME, now=NOW).in_app) == 3


def test_per_level_switches() -> None:
    rules = AlertRules(levels=frozenset({Risk.BREACHED}))
    p = plan([crossing(1), crossing(2, level=Risk.BREACHED)], rules, me_id=ME, now=NOW)
    assert [n.ticket_id for n in p.desktop] == [2]


def test_quiet_hours_hold_desktop_notifications_but_fill_the_list() -> None:
    rules = AlertRules(quiet_from=time(19), quiet_to=time(7), tz="Europe/Berlin")
    night = datetime(2026, 11, 16, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    p = plan([crossing(1)], rules, me_id=ME, now=night)
    assert p.desktop == () and len(p.in_app) == 1 and p.held == ("quiet hours",)
    assert in_quiet_hours(rules, datetime(2026, 11, 16, 5, 59, tzinfo=UTC))  # 06:59
    assert not in_quiet_hours(rules, datetime(2026, 11, 16, 6, 0, tzinfo=UTC))  # 07:00
    day_rules = AlertRules(quiet_from=time(12), quiet_to=time(13))
    assert in_quiet_hours(day_rules, NOW.replace(hour=12, minute=30))
    assert not in_quiet_hours(day_rules, NOW)


def test_snooze() -> None:
    rules = AlertRules(snoozed_until=NOW + timedelta(hours=1))
    assert plan([crossing(1)], rules, me_id=ME, now=NOW).desktop == ()
    assert len(plan([crossing(1)], rules, me_id=ME,
                    now=NOW + timedelta(hours=1)).desktop) == 1


def test_a_burst_becomes_one_summary() -> None:
    burst = [crossing(i, level=Risk.BREACHED) for i in range(1, 8)]
    p = plan(burst, AlertRules(), me_id=ME, now=NOW)
    (summary,) = p.desktop
    assert summary.title == "7 tickets breached their resolution target"
    assert summary.body == "HD-1001, HD-1002, HD-1003, HD-1004, HD-1005, HD-1006…"
    assert len(p.in_app) == 7
    mixed = [*burst[:3], crossing(9), crossing(10, level=Risk.CRITICAL,
                                               clock=ClockKind.FIRST_RESPONSE)]
    (s2,) = plan(mixed, AlertRules(), me_id=ME, now=NOW).desktop
    assert s2.title == "5 SLA alerts: 3 breached, 1 critical, 1 at risk"
    assert s2.level is Risk.BREACHED


def _entry(entry_id: int, ticket_id: int, level: Risk = Risk.AT_RISK) -> AlertEntry:
    return AlertEntry(id=entry_id, ticket_id=ticket_id, number=f"HD-{1000 + ticket_id}",
                      title=f"Ticket {ticket_id}", clock=ClockKind.RESOLUTION, level=level,
                      at=NOW + timedelta(minutes=entry_id), assignee="")


def test_grouping_keeps_one_row_per_ticket_newest_first() -> None:
    entries = [_entry(1, 5, Risk.APPROACHING), _entry(2, 6), _entry(3, 5, Risk.AT_RISK),
               _entry(4, 5, Risk.BREACHED)]
    groups = group_by_ticket(entries)
    assert [(g.ticket_id, g.newest.id, [e.id for e in g.earlier]) for g in groups] == \
        [(5, 4, [3, 1]), (6, 2, [])]
    assert groups[0].newest.text == "Resolution breached"


def test_read_marks_per_ticket_and_for_all_survive_the_settings_file() -> None:
    entries = [_entry(1, 5), _entry(2, 6), _entry(3, 5)]
    marks = ReadMarks().ticket_read(5, entries)
    assert [marks.is_read(e) for e in entries] == [True, False, True]
    assert ReadMarks.from_text(marks.to_text()) == marks
    newer = [*entries, _entry(4, 5)]
    assert not marks.is_read(newer[3])  # a later notice of a read ticket is news again
    everything = marks.all_read(entries)
    assert [everything.is_read(e) for e in newer] == [True, True, True, False]
    assert everything.to_text() == "3;"  # the per-ticket mark below 3 is dropped
    assert marks.ticket_read(5, entries) is marks  # nothing new read: the same marks
    for junk in ("", "x;1:2", "3;5", "3;a:b"):
        assert ReadMarks.from_text(junk) == ReadMarks()


def test_each_technician_reads_their_own_entries_fully_and_incrementally(
        ctx: AppContext, clock: FakeClock) -> None:
    from desk_app.services.alerts import AlertLog
    from tests.conftest import COLLEAGUE, make_draft, monitor_for

    me = ctx.directory.technician_id("Alex Morgan")
    colleague = ctx.directory.technician_id(COLLEAGUE)
    for assignee in ("Alex Morgan", "", COLLEAGUE):
        ctx.tickets.create(make_draft(assignee=assignee), actor="Alex Morgan")
    clock.advance(hours=4, minutes=5)
    assert len(monitor_for(ctx, scope=Scope.MINE).sweep(clock.now).crossings) == 1
    assert len(monitor_for(ctx, COLLEAGUE, scope=Scope.ALL).sweep(clock.now).crossings) == 3
    log = AlertLog(ctx.db)
    for technician, tickets in ((me, {1}), (colleague, {1, 2, 3})):
        full = log.recent(technician_id=technician)
        assert {e.ticket_id for e in full} == tickets, technician
        assert log.newer(0, technician_id=technician) == full
        assert log.newer(full[0].id, technician_id=technician) == []
    assert log.recent(technician_id=None) == []
    assert log.newer(0, technician_id=None) == []


def test_an_escalation_reads_as_one_whatever_the_scope() -> None:
    escalated = replace(crossing(4, level=Risk.BREACHED, assignee_id=99), assignee="Bob",
                        number="HD-1042", escalation=True)
    p = plan([escalated], AlertRules(scope=Scope.MINE), me_id=ME,
             now=NOW + timedelta(hours=1))
    (n,) = p.desktop  # outside "my tickets", told all the same
    assert n.title == "Escalation: HD-1042 breached its resolution target, assigned to Bob"
    assert n.body == "Ticket 4 · breached 15 m ago"
    nobody = replace(escalated, assignee_id=None, assignee="")
    assert plan([nobody], AlertRules(), me_id=ME, now=NOW).desktop[0].title == \
        "Escalation: HD-1042 breached its resolution target, unassigned"
    # The technician's own switches still hold: quiet hours, and the levels they chose.
    assert plan([escalated], AlertRules(levels=frozenset({Risk.AT_RISK})), me_id=ME,
                now=NOW).desktop == ()
    burst = [replace(crossing(i, level=Risk.BREACHED), escalation=i % 2 == 0)
             for i in range(1, 6)]
    assert plan(burst, AlertRules(), me_id=ME, now=NOW).desktop[0].title == \
        "5 tickets breached their resolution target (2 escalations)"
    entry = replace(_entry(1, 4, Risk.BREACHED), escalation=True)
    assert entry.text == "Escalation: resolution breached"
