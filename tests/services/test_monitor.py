"""The monitor's tick and sweep on a real database, driven by an injected clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Status
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockKind
from tests.conftest import ME, FakeClock, make_draft, monitor_for
from tests.helpers.desk_sql import run_sql

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def test_a_quiet_tick_examines_nothing(ctx: AppContext, clock: FakeClock) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    monitor = monitor_for(ctx)
    result = monitor.tick(clock.now)
    assert (result.examined, result.updates, result.crossings) == (0, (), ())


def test_thresholds_then_breach_each_notify_once(ctx: AppContext, clock: FakeClock) -> None:
    # UTC, Monday 09:00; P3 first response 4 h: 50 % at 11:00, 75 % 12:00, 90 % 12:36,
    # breach 13:00.
    d = ctx.tickets.create(make_draft(), actor=ME)
    monitor = monitor_for(ctx)
    seen: list[tuple[str, Risk]] = []
    for minutes in (60, 120, 121, 180, 216, 240, 300):
        result = monitor.tick(clock.now.replace(hour=9, minute=0) + timedelta(minutes=minutes))
        seen += [(c.clock.value, c.level) for c in result.crossings]
    assert seen == [("first_response", Risk.APPROACHING), ("first_response", Risk.AT_RISK),
                    ("first_response", Risk.CRITICAL), ("first_response", Risk.BREACHED)]
    counts = monitor.counts()
    assert counts[Risk.BREACHED] == 1 and counts[Risk.ON_TRACK] == 0
    assert ctx.lists.rows([d.id])[d.id].response_state == "breached"


def test_a_restart_repeats_nothing(db_path: Path, clock: FakeClock) -> None:
    ctx = open_context(db_path, clock=clock, user_tz="UTC")
    ctx.directory.ensure_technician(ME)
    ctx.tickets.create(make_draft(), actor=ME)
    first = monitor_for(ctx).sweep(clock.advance(hours=3, minutes=10))
    assert [c.level for c in first.crossings] == [Risk.AT_RISK]  # 79 % of 4 h
    ctx.close()
    again = open_context(db_path, clock=clock, user_tz="UTC")
    second = monitor_for(again).sweep(clock.advance(minutes=1))
    again.close()
    assert second.crossings == ()


def test_paused_and_met_clocks_say_nothing(ctx: AppContext, clock: FakeClock) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    monitor = monitor_for(ctx)
    assert [c.level for c in monitor.sweep(clock.advance(hours=2, minutes=5)).crossings] == \
        [Risk.APPROACHING]
    d = ctx.tickets.change_status(d.id, Status.WAITING_CUSTOMER, expected_version=d.version,
                                  actor=ME)
    assert monitor.tick(clock.advance(minutes=5), since=clock.now).crossings == ()
    since = clock.now
    ctx.tickets.change_status(d.id, Status.IN_PROGRESS, expected_version=d.version,
                              actor=ME)  # replying by moving to In progress: FR is met
    result = monitor.tick(clock.advance(minutes=1), since=since)
    assert result.crossings == ()  # first response met, resolution at 9 % of 24 h


def test_resolution_clock_after_pause_notifies_again_at_the_same_level(
        ctx: AppContext, clock: FakeClock) -> None:
    """Resolution 24 h: at 50 % (12 business h) it warns; paused; resumed; warns again."""
    d = ctx.tickets.create(make_draft(), actor=ME)
    ctx.tickets.add_reply(d.id, "On it", actor=ME)
    monitor = monitor_for(ctx)
    tuesday_1300 = clock.now + timedelta(days=1, hours=4)  # 8 h Mon + 4 h Tue = 12 h
    first = monitor.sweep(tuesday_1300)
    assert [(c.clock, c.level) for c in first.crossings] == \
        [(ClockKind.RESOLUTION, Risk.APPROACHING)]
    clock.now = tuesday_1300
    d = ctx.tickets.detail(d.id)
    d = ctx.tickets.change_status(d.id, Status.WAITING_THIRD_PARTY,
                                  expected_version=d.version, actor=ME)
    clock.advance(hours=1)
    since = clock.now
    ctx.tickets.change_status(d.id, Status.IN_PROGRESS, expected_version=d.version, actor=ME)
    again = monitor.tick(clock.advance(minutes=1), since=since)
    assert [(c.clock, c.level) for c in again.crossings] == \
        [(ClockKind.RESOLUTION, Risk.APPROACHING)]


def test_a_change_made_in_the_window_is_noticed_by_the_next_tick(
        ctx: AppContext, clock: FakeClock) -> None:
    from desk_app.domain.enums import Impact, Urgency

    monitor = monitor_for(ctx)
    since = clock.now
    clock.advance(hours=1)
    ctx.tickets.create(make_draft(impact=Impact.HIGH, urgency=Urgency.HIGH), actor=ME)
    # A P1 logged at 10:00 has 30 m to first response; 20 m later it is at 67 %.
    result = monitor.tick(clock.advance(minutes=20), since=since)
    assert [c.level for c in result.crossings] == [Risk.APPROACHING]


def test_a_settings_edit_in_another_process_is_picked_up(
        db_path: Path, clock: FakeClock) -> None:
    from dataclasses import replace

    here = open_context(db_path, clock=clock, user_tz="UTC")
    here.directory.ensure_technician(ME)
    for i in range(3):
        here.tickets.create(make_draft(title=f"T{i}"), actor=ME)
    monitor = monitor_for(here)
    assert monitor.sweep(clock.now).examined == 0  # nothing stale, nothing due
    there = open_context(db_path, clock=clock, user_tz="UTC")
    setup = there.sla.setup()
    there.sla.save_setup(replace(setup, policies=[replace(p, first_response_s=600)
                                                  for p in setup.policies]), actor="Other")
    there.close()
    result = monitor.sweep(clock.advance(minutes=8))
    assert result.examined == 3
    assert here.sla.setup().policies[2].first_response_s == 600
    assert [c.level for c in result.crossings] == [Risk.AT_RISK] * 3  # 80 % of 10 m
    here.close()


def test_a_ticket_written_without_its_clocks_is_caught_by_the_sweep(
        ctx: AppContext, desk_target: str | Path, clock: FakeClock) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    monitor = monitor_for(ctx)
    # An older tool that changes a ticket but not its clocks.
    run_sql(desk_target, "UPDATE ticket SET updated_at = '2026-11-16 09:30:00.000000' "
                         "WHERE id = :id", {"id": d.id})
    assert monitor.sweep(clock.advance(minutes=40)).examined == 1


def test_a_lower_level_after_a_higher_one_is_not_told_but_a_higher_one_is(
        ctx: AppContext, clock: FakeClock) -> None:
    """Same episode: a longer target drops the clock from "at risk" back to "approaching",
    which says nothing; the breach that follows is still told."""
    from dataclasses import replace

    from desk_app.domain.risk import clock_risk

    d = ctx.tickets.create(make_draft(), actor=ME)  # P3, first response 4 h from Mon 09:00
    monitor = monitor_for(ctx)
    first = monitor.sweep(clock.advance(hours=3, minutes=10))
    assert [c.level for c in first.crossings] == [Risk.AT_RISK]  # 79 % of 4 h
    setup, policy = ctx.sla.setup(), ctx.sla.replay_ticket(d.id).policy
    since = clock.now
    ctx.sla.save_setup(replace(setup, policies=[
        replace(p, first_response_s=6 * 3600) if p.name == policy else p
        for p in setup.policies]), actor=ME)
    lower = monitor.tick(clock.advance(minutes=1), since=since)
    assert lower.examined == 1
    # 53 % of 6 h
    assert clock_risk(ctx.sla.replay_ticket(d.id).first_response) is Risk.APPROACHING
    assert lower.crossings == ()
    breach = monitor.tick(clock.advance(hours=3))  # 6 h 11 m: past the 6 h target
    assert [(c.clock, c.level) for c in breach.crossings] == \
        [(ClockKind.FIRST_RESPONSE, Risk.BREACHED)]


def test_the_next_tick_does_not_look_again_at_what_the_last_one_wrote(
        ctx: AppContext, clock: FakeClock) -> None:
    ctx.tickets.create(make_draft(), actor=ME)  # P3, first response 4 h from Mon 09:00
    monitor = monitor_for(ctx)
    eleven = clock.now + timedelta(hours=2)  # 50 %: the clock's next change is due
    first = monitor.tick(eleven)
    assert (first.examined, [c.level for c in first.crossings]) == (1, [Risk.APPROACHING])
    # Its own write is stamped `eleven`, the next tick's `since`: nothing new to examine.
    assert monitor.tick(eleven + timedelta(seconds=15), since=eleven).examined == 0


def test_a_change_at_the_same_instant_as_the_last_tick_is_still_noticed(
        ctx: AppContext, clock: FakeClock) -> None:
    """A pause and resume stamped with the previous tick's own instant (a coarse clock)
    leaves the stored clock as the tick wrote it but starts a new episode: the next tick
    must still look, and warn again."""
    d = ctx.tickets.create(make_draft(), actor=ME)
    ctx.tickets.add_reply(d.id, "On it", actor=ME)
    monitor = monitor_for(ctx)
    tuesday_1300 = clock.now + timedelta(days=1, hours=4)  # resolution at 50 % of 24 h
    first = monitor.tick(tuesday_1300)
    assert [(c.clock, c.level) for c in first.crossings] == \
        [(ClockKind.RESOLUTION, Risk.APPROACHING)]
    clock.now = tuesday_1300
    d = ctx.tickets.detail(d.id)
    d = ctx.tickets.change_status(d.id, Status.WAITING_THIRD_PARTY,
                                  expected_version=d.version, actor=ME)
    ctx.tickets.change_status(d.id, Status.IN_PROGRESS, expected_version=d.version, actor=ME)
    again = monitor.tick(clock.advance(seconds=15), since=tuesday_1300)
    assert [(c.clock, c.level) for c in again.crossings] == \
        [(ClockKind.RESOLUTION, Risk.APPROACHING)]


def test_a_tick_carries_back_the_watched_tickets_clocks_only(ctx: AppContext,
                                                             clock: FakeClock) -> None:
    watched = ctx.tickets.create(make_draft(title="Shown"), actor=ME)
    other = ctx.tickets.create(make_draft(title="Listed"), actor=ME)
    monitor = monitor_for(ctx)
    monitor.watch(watched.id)
    now = clock.advance(minutes=185)  # both first responses at risk
    result = monitor.tick(now)
    assert {u.ticket_id for u in result.updates} == {watched.id, other.id}
    clocks = result.clocks()
    assert list(clocks) == [watched.id]  # the other row carries only its risk
    assert clocks[watched.id].at == now
    assert clocks[watched.id].replay == ctx.sla.replay_ticket(watched.id)  # same instant
