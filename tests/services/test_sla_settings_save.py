"""The Service levels dialog's flow: preview, then save, replaying each ticket once (issue 11).

The save after a preview stores the preview's replays while the desk and the stored setup
are as the preview saw them; any change meanwhile makes it replay again. Only tickets whose
policy or calendar the edit can change are replayed; the stored clocks come out exactly as
a full recompute of every open ticket would leave them.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col

import desk_app.services.sla as sla_module
from desk_app.app import AppContext, open_context
from desk_app.domain.calendar import BusinessCalendar
from desk_app.domain.enums import Priority, Status, Tier
from desk_app.domain.sla import PolicyConditions, SlaPolicy, SlaSetup
from desk_app.services.sla import OPEN_STATUSES, clock_columns
from desk_app.services.sla_config import store_setup
from desk_app.services.tickets import TicketEdit
from desk_app.store.bulk import update_tickets
from desk_app.store.models import Organization, Ticket
from desk_app.store.types import utc_from_driver
from tests.conftest import FakeClock, make_draft
from tests.helpers.desk_sql import run_sql

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines

ME = "Alex Morgan"


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls of the real replay function as the SLA service uses it."""
    calls: list[int] = []
    real = sla_module.replay

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sla_module, "replay", counting)
    return calls


def _slower_p3(setup: SlaSetup) -> SlaSetup:
    return replace(setup, policies=[replace(p, resolution_s=p.resolution_s + 3600)
                                    if p.name == "P3 Medium" else p for p in setup.policies])


def _clock_rows(db: str | Path) -> list[tuple[Any, ...]]:
    names = [c.name for c in Ticket.__table__.columns  # type: ignore[attr-defined]
             if c.name.startswith(("sla_", "response_", "resolution_"))]
    return run_sql(db, f"SELECT id, {', '.join(names)} FROM ticket ORDER BY id")


def test_save_after_an_unchanged_preview_replays_nothing(ctx: AppContext,
                                                         desk_target: str | Path,
                                                         replays: list[int]) -> None:
    tickets = [ctx.tickets.create(make_draft(title=f"T{i}"), actor=ME) for i in range(3)]
    new_setup = _slower_p3(ctx.sla.setup())

    preview = ctx.sla.preview(new_setup)
    assert preview.open_tickets == 3 and preview.due_moves == 3
    assert replays, "the preview replays the tickets the edit changes"
    replays.clear()
    assert ctx.sla.save_setup(new_setup, actor=ME) == 3
    assert replays == [], "the save stores the preview's replays"
    # What it stored is what a fresh replay under the new setup gives.
    for t in tickets:
        fresh = ctx.sla.replay_ticket(t.id)
        assert fresh.resolution is not None
        assert fresh.resolution.target_s == 25 * 3600
    stored = {r[0]: r for r in _clock_rows(desk_target)}
    assert all(r is not None for r in stored.values())


@pytest.mark.parametrize("meanwhile", ["ticket change", "setup saved elsewhere"])
def test_a_change_after_the_preview_replays_again(ctx: AppContext, desk_target: str | Path,
                                                  clock: FakeClock, replays: list[int],
                                                  meanwhile: str) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME)
    other = ctx.tickets.create(make_draft(title="Other"), actor=ME)
    new_setup = _slower_p3(ctx.sla.setup())
    ctx.sla.preview(new_setup)
    clock.advance(minutes=30)
    if meanwhile == "ticket change":
        ctx.tickets.change_status(ticket.id, Status.WAITING_CUSTOMER,
                                  expected_version=ticket.version, actor=ME)
    else:
        there = open_context(desk_target, clock=clock, user_tz="UTC")
        setup = there.sla.setup()
        there.sla.save_setup(replace(setup, policies=[
            replace(p, first_response_s=600) for p in setup.policies]), actor=ME)
        there.close()
    replays.clear()

    ctx.sla.save_setup(new_setup, actor=ME)
    assert replays, "the save replays again"
    fresh = ctx.sla.replay_ticket(ticket.id)
    assert fresh.resolution is not None
    ((state, target),) = run_sql(desk_target, "SELECT resolution_state, resolution_target_s "
                                              "FROM ticket WHERE id = :id", {"id": ticket.id})
    assert (state, target) == (fresh.resolution.state.value, 25 * 3600)
    if meanwhile == "ticket change":
        assert state == "paused"
    assert ctx.sla.replay_ticket(other.id).resolution is not None


def _recompute_all(ctx: AppContext, setup: SlaSetup) -> None:
    """The plain path: replay every open ticket under `setup` and store every result."""
    now = ctx.clock()
    with ctx.db.session_scope() as s:
        store_setup(s, setup)
        update_tickets(s, [{"id": tid, **clock_columns(r, now)} for tid, r in
                           ctx.sla.replay_many(s, col(Ticket.status).in_(OPEN_STATUSES),
                                               now=now, setup=setup)])
    ctx.sla.reload()


def _edits() -> dict[str, Callable[[SlaSetup], SlaSetup]]:
    def calendar(setup: SlaSetup) -> SlaSetup:
        cals = dict(setup.calendars)
        cals["Office hours"] = BusinessCalendar(
            tz="Europe/Berlin", weekly={i: [(time(8), time(12))] for i in range(5)},
            name="Office hours")
        return replace(setup, calendars=cals)

    def new_policy(setup: SlaSetup) -> SlaSetup:
        vip = SlaPolicy(name="Enterprise", calendar="24x7", first_response_s=900,
                        resolution_s=4 * 3600,
                        conditions=PolicyConditions(tiers=frozenset({Tier.ENTERPRISE})))
        return replace(setup, policies=[vip, *setup.policies])

    def priorities(setup: SlaSetup) -> SlaSetup:
        return replace(setup, policies=[
            replace(p, conditions=PolicyConditions(priorities=frozenset({Priority.P2})))
            if p.name == "P1 Critical" else p for p in setup.policies])

    return {"target": _slower_p3, "calendar": calendar, "new policy": new_policy,
            "conditions": priorities}


def _escalated_ticket(context: AppContext, clock: FakeClock) -> None:
    """A P3 ticket (office hours) raised to P1 (24x7) two hours later: an edit of the
    office-hours calendar moves its clocks only through the earlier part of its history."""
    start = clock.now
    clock.advance(hours=-3)
    d = context.tickets.create(make_draft(title="Escalated"), actor=ME)
    clock.advance(hours=2)
    edit = TicketEdit(title=d.title, description=d.description, category=d.category,
                      product=d.product, impact=d.impact, urgency=d.urgency,
                      priority_override=Priority.P1, channel=d.channel, assignee=d.assignee,
                      organization=d.organization)
    context.tickets.edit(d.id, edit, expected_version=d.version, actor=ME)
    clock.now = start


@pytest.fixture(scope="module")
def seeded_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("seeded") / "desk.sqlite3"
    context = open_context(path, clock=FakeClock(), user_tz="UTC")
    context.generator.generate(tickets=300, span_days=3, seed=7)
    context.close()
    yield path


@pytest.mark.parametrize("edit", list(_edits()))
def test_stored_clocks_match_a_full_recompute(seeded_desk: Path, tmp_path: Path,
                                              edit: str) -> None:
    clock = FakeClock()
    clock.advance(days=2, hours=5)
    paths = {}
    for name in ("plain", "preview"):
        paths[name] = tmp_path / f"{name}.sqlite3"
        shutil.copy(seeded_desk, paths[name])
    results = {}
    for name, path in paths.items():
        context = open_context(path, clock=clock, user_tz="UTC")
        _escalated_ticket(context, clock)
        old = context.sla.setup()
        _recompute_all(context, old)  # both desks start current as of `now`
        new = _edits()[edit](old)
        if name == "plain":
            _recompute_all(context, new)
        else:
            context.sla.preview(new)
            context.sla.save_setup(new, actor=ME)
        context.close()
        results[name] = _clock_rows(path)
    assert results["preview"] == results["plain"]
    conn = sqlite3.connect(paths["preview"])
    open_count = conn.execute("SELECT count(*) FROM ticket WHERE status IN "
                              f"({', '.join('?' * len(OPEN_STATUSES))})",
                              OPEN_STATUSES).fetchone()[0]
    conn.close()
    assert open_count > 50


def test_a_reused_preview_is_stamped_with_the_saves_instant(ctx: AppContext,
                                                            desk_target: str | Path,
                                                            clock: FakeClock) -> None:
    """The monitor's tick looks for crossings among rows computed since its last run: rows
    the save writes must carry the save's instant, not the (older) preview's."""
    ticket = ctx.tickets.create(make_draft(), actor=ME)
    new_setup = _slower_p3(ctx.sla.setup())
    ctx.sla.preview(new_setup)
    saved_at = clock.advance(minutes=3)
    ctx.sla.save_setup(new_setup, actor=ME)
    ((stamp, target),) = run_sql(desk_target, "SELECT sla_computed_at, resolution_target_s "
                                              "FROM ticket WHERE id = :id", {"id": ticket.id})
    assert target == 25 * 3600
    assert utc_from_driver(stamp) == saved_at  # text on SQLite, a datetime on PostgreSQL


@pytest.mark.parametrize("edit", list(_edits()))
def test_preview_counts_match_replaying_every_ticket_under_both_setups(
        seeded_desk: Path, tmp_path: Path, edit: str) -> None:
    """The preview takes the old setup's due times from the stored clocks where they cannot
    have moved (the checkpoint) and replays the rest: paused clocks (their due time moves
    with now), rows due for a change, rows written without their clocks. Its counts must be
    what replaying every open ticket under both setups gives. Two tickets whose due time
    does move get the new due time planted in their stored row, one paused, one marked
    changed after its clocks were stored: were either row trusted, it would count as not
    moving."""
    from datetime import UTC

    from desk_app.domain.sla_clock import ClockState, replay
    from desk_app.services.sla import history

    path = tmp_path / "desk.sqlite3"
    shutil.copy(seeded_desk, path)
    clock = FakeClock()
    clock.advance(days=2, hours=5)
    context = open_context(path, clock=clock, user_tz="UTC")
    old = context.sla.setup()
    _recompute_all(context, old)
    clock.advance(minutes=50)  # some thresholds pass: those rows are due, not settled
    new = _edits()[edit](old)
    now = clock.now
    moves = changes = total = 0
    moved: dict[ClockState, tuple[int, list[str | None]]] = {}
    with context.db.session_scope() as s:
        for ticket in s.query(Ticket).where(col(Ticket.status).in_(OPEN_STATUSES)):
            assert ticket.id is not None
            org = s.get(Organization, ticket.organization_id) if ticket.organization_id \
                else None
            tier = org.tier if org else None
            events = history(s, ticket.id)
            before, after = (replay(events, setup, now, tier=tier, product=ticket.product)
                             for setup in (old, new))
            dues = [tuple(c.due_at if c else None for c in (r.first_response, r.resolution))
                    for r in (before, after)]
            total += 1
            moves += dues[0] != dues[1]
            changes += before.policy != after.policy
            state = before.resolution.state if before.resolution else None
            if dues[0] != dues[1] and before.policy == after.policy and state in (
                    ClockState.RUNNING, ClockState.PAUSED) and state not in moved:
                moved[state] = (ticket.id, [
                    d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if d else None
                    for d in dues[1]])
    conn = sqlite3.connect(path)
    due = conn.execute("SELECT count(*) FROM ticket WHERE sla_next_change_at <= ?",
                       (now.strftime("%Y-%m-%d %H:%M:%S.%f"),)).fetchone()[0]
    assert due, "some rows are due for a change"
    for state, (ticket_id, new_dues) in moved.items():
        conn.execute("UPDATE ticket SET response_due_at = ?, resolution_due_at = ? "
                     "WHERE id = ?", (*new_dues, ticket_id))
        if state is ClockState.RUNNING:
            conn.execute("UPDATE ticket SET updated_at = '2099-01-01 00:00:00.000000' "
                         "WHERE id = ?", (ticket_id,))
    conn.commit()
    conn.close()
    preview = context.sla.preview(new)
    context.close()
    assert (preview.open_tickets, preview.due_moves, preview.policy_changes) \
        == (total, moves, changes)
    assert moves > 0
    if edit in ("target", "calendar"):
        assert set(moved) == {ClockState.RUNNING, ClockState.PAUSED}
