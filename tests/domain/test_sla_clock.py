"""Clocks replayed from histories: pauses, reopen, re-targeting, thresholds, breaches."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from desk_app.domain.calendar import BusinessCalendar
from desk_app.domain.enums import EventKind, Priority, Status
from desk_app.domain.errors import ValidationError
from desk_app.domain.sla import PolicyConditions, SlaPolicy, SlaSetup, TicketFacts, default_setup
from desk_app.domain.sla_clock import ClockState, HistoryEvent, explain, replay

H = 3600
MON = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday 09:00 UTC


def setup_9_to_17() -> SlaSetup:
    """P1: 1 h / 4 h around the clock; P3: 2 h / 8 h Mon-Fri 9-17 UTC."""
    cals = {"24x7": BusinessCalendar.always("UTC"),
            "office": BusinessCalendar.office_hours("UTC", start=time(9), end=time(17))}
    return SlaSetup(calendars=cals, policies=[
        SlaPolicy("Critical", "24x7", H, 4 * H,
                  conditions=PolicyConditions(priorities=frozenset({Priority.P1}))),
        SlaPolicy("Normal", "office", 2 * H, 8 * H),
    ])


def created(at: datetime, priority: str = "P3") -> HistoryEvent:
    return HistoryEvent(at, EventKind.CREATED, new_value=json.dumps(
        {"priority": priority, "status": "new", "category": "Other"}))


def status(at: datetime, old: Status, new: Status) -> HistoryEvent:
    return HistoryEvent(at, EventKind.STATUS_CHANGED, "status", old.value, new.value)


def prio(at: datetime, old: str, new: str) -> HistoryEvent:
    return HistoryEvent(at, EventKind.FIELD_CHANGED, "priority", old, new)


def test_a_fresh_ticket_runs_both_clocks_with_due_times() -> None:
    r = replay([created(MON)], setup_9_to_17(), MON + timedelta(minutes=30))
    assert r.policy == "Normal"
    fr, res = r.first_response, r.resolution
    assert fr is not None and res is not None
    assert (fr.state, fr.used_s, fr.target_s) == (ClockState.RUNNING, 1800, 2 * H)
    assert fr.due_at == MON + timedelta(hours=2)
    assert res.due_at == MON + timedelta(hours=8)
    # Next change: the 50 % warning of first response at 10:00.
    assert fr.next_change_at == MON + timedelta(hours=1)
    assert fr.warning_level == 0


def test_first_response_stops_at_the_first_public_reply() -> None:
    events = [created(MON), HistoryEvent(MON + timedelta(minutes=90), EventKind.PUBLIC_REPLY)]
    fr = replay(events, setup_9_to_17(), MON + timedelta(hours=5)).first_response
    assert fr is not None
    assert (fr.state, fr.used_s, fr.warning_level) == (ClockState.MET, 90 * 60, 2)
    assert fr.next_change_at is None and fr.due_at is None
    assert fr.stopped_at == MON + timedelta(minutes=90)


def test_pause_and_resume_keep_used_time() -> None:
    events = [created(MON), status(MON + timedelta(hours=1), Status.NEW, Status.IN_PROGRESS),
              status(MON + timedelta(hours=2), Status.IN_PROGRESS, Status.WAITING_CUSTOMER),
              status(MON + timedelta(hours=5), Status.WAITING_CUSTOMER, Status.IN_PROGRESS)]
    setup = setup_9_to_17()
    paused = replay(events[:3], setup, MON + timedelta(hours=4)).resolution
    assert paused is not None and paused.state is ClockState.PAUSED
    assert paused.used_s == 2 * H and paused.next_change_at is None
    resumed = replay(events, setup, MON + timedelta(hours=6)).resolution
    assert resumed is not None and resumed.state is ClockState.RUNNING
    assert resumed.used_s == 3 * H  # 9-11 and 14-15
    assert resumed.paused_wall_s == {Status.WAITING_CUSTOMER: 3 * H}
    # 5 h left from Mon 15:00: 2 h on Monday, 3 h on Tuesday -> Tue 12:00
    assert resumed.due_at == MON + timedelta(days=1, hours=3)
    assert "paused 3 h waiting on customer" in explain(resumed)


def test_reopen_resumes_with_the_time_already_used() -> None:
    events = [created(MON), status(MON + timedelta(hours=3), Status.NEW, Status.RESOLVED),
              status(MON + timedelta(days=1), Status.RESOLVED, Status.IN_PROGRESS)]
    setup = setup_9_to_17()
    done = replay(events[:2], setup, MON + timedelta(hours=20)).resolution
    assert done is not None and (done.state, done.used_s) == (ClockState.MET, 3 * H)
    again = replay(events, setup, MON + timedelta(days=1, hours=1)).resolution
    assert again is not None
    assert (again.state, again.used_s) == (ClockState.RUNNING, 4 * H)


def test_priority_change_retargets_without_losing_paused_time() -> None:
    """P3 for 2 office hours (1 h of it waiting), then raised to P1 (24x7, 4 h)."""
    events = [created(MON),
              status(MON + timedelta(minutes=30), Status.NEW, Status.WAITING_CUSTOMER),
              status(MON + timedelta(minutes=90), Status.WAITING_CUSTOMER, Status.IN_PROGRESS),
              prio(MON + timedelta(hours=2), "P3", "P1")]
    r = replay(events, setup_9_to_17(), MON + timedelta(hours=3))
    res = r.resolution
    assert r.policy == "Critical" and res is not None
    # 30 m + 30 m before the change (the hour waiting stays paused), 1 h after: 2 h of 4 h.
    assert res.used_s == 2 * H and res.target_s == 4 * H
    assert res.warning_level == 1  # 50 %
    assert res.due_at == MON + timedelta(hours=5)


def test_a_lower_target_after_a_change_breaches_at_the_change() -> None:
    events = [created(MON),
              status(MON + timedelta(minutes=5), Status.NEW, Status.IN_PROGRESS),
              prio(MON + timedelta(hours=6), "P3", "P1")]
    res = replay(events, setup_9_to_17(), MON + timedelta(hours=6, minutes=10)).resolution
    # 6 h used under P3; P1 allows 4 h: breached.
    assert res is not None and res.state is ClockState.BREACHED
    assert res.breached_at == MON + timedelta(hours=6)


def test_breach_time_and_state_while_running_and_when_stopped() -> None:
    setup = setup_9_to_17()
    running = replay([created(MON)], setup, MON + timedelta(hours=2, minutes=35)).first_response
    assert running is not None and running.state is ClockState.BREACHED
    assert running.breached_at == MON + timedelta(hours=2) == running.due_at
    assert running.next_change_at is None
    events = [created(MON), HistoryEvent(MON + timedelta(hours=3), EventKind.PUBLIC_REPLY)]
    late = replay(events, setup, MON + timedelta(hours=4)).first_response
    assert late is not None and late.state is ClockState.BREACHED_STOPPED


def test_exactly_on_target_is_met_when_stopped() -> None:
    events = [created(MON), HistoryEvent(MON + timedelta(hours=2), EventKind.PUBLIC_REPLY)]
    fr = replay(events, setup_9_to_17(), MON + timedelta(hours=3)).first_response
    assert fr is not None and fr.state is ClockState.MET and fr.breached_at is None


def test_next_change_skips_closed_hours() -> None:
    friday_4pm = datetime(2026, 11, 20, 16, tzinfo=UTC)
    fr = replay([created(friday_4pm)], setup_9_to_17(), friday_4pm).first_response
    assert fr is not None
    assert fr.next_change_at == friday_4pm + timedelta(hours=1)  # 50 % at closing, 17:00
    fr2 = replay([created(friday_4pm)], setup_9_to_17(),
                 friday_4pm + timedelta(hours=1)).first_response
    assert fr2 is not None
    assert fr2.next_change_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 75 %


def test_no_policy_means_no_clocks() -> None:
    setup = SlaSetup(calendars={"24x7": BusinessCalendar.always()}, policies=[
        SlaPolicy("Only P1", "24x7", H, H,
                  conditions=PolicyConditions(priorities=frozenset({Priority.P1})))])
    r = replay([created(MON)], setup, MON)
    assert (r.policy, r.first_response, r.resolution) == (None, None, None)


def test_policy_matching_is_first_match_with_all_conditions() -> None:
    setup = default_setup("Europe/Berlin")
    assert setup.policy_for(TicketFacts(priority=Priority.P1)).name == "P1 Critical"
    assert setup.policy_for(TicketFacts(priority=Priority.P4)).calendar == "Office hours"
    p = setup.policies[0]
    assert (p.first_response_s, p.resolution_s, p.goal_resolution) == (1800, 4 * H, 1.0)
    cond = PolicyConditions(categories=frozenset({"Access request"}),
                            organizations=frozenset({"Contoso"}))
    assert cond.matches(TicketFacts(Priority.P3, category="access REQUEST",
                                    organization="contoso"))
    assert not cond.matches(TicketFacts(Priority.P3, category="Access request"))


def test_bad_policies_are_refused_with_reasons() -> None:
    with pytest.raises(ValidationError, match="thresholds"):
        SlaPolicy("x", "24x7", H, H, thresholds=(0.9, 0.5))
    with pytest.raises(ValidationError, match="longer than zero"):
        SlaPolicy("x", "24x7", 0, H)
    with pytest.raises(ValidationError, match="unknown calendar"):
        SlaSetup(calendars={}, policies=[SlaPolicy("x", "nope", H, H)])
    with pytest.raises(ValidationError, match="same name"):
        SlaSetup(calendars={"c": BusinessCalendar.always()},
                 policies=[SlaPolicy("x", "c", H, H), SlaPolicy("X", "c", H, H)])


def test_explanation_reads_like_a_sentence() -> None:
    sat = datetime(2026, 11, 21, 12, tzinfo=UTC)
    fr = replay([created(MON)], setup_9_to_17(), sat).resolution
    assert fr is not None
    assert explain(fr) == "8 h target, 40 h used, outside hours 83 h"
