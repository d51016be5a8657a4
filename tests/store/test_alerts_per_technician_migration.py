"""Migration 0009: the notification memory of a desk from before becomes per technician,
and nobody is told again at the upgrade of what was told before it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command

from desk_app.app import open_context
from desk_app.domain.enums import Status
from desk_app.services.alerts import AlertLog
from desk_app.services.audience import Scope
from desk_app.store.engine import database_url, make_engine
from desk_app.store.migrate import alembic_config
from tests.conftest import COLLEAGUE, ME, FakeClock, make_draft, monitor_for, move
from tests.helpers.desk_sql import run_sql

pytestmark = pytest.mark.both_engines
THIRD = "Sam Okafor"


def _downgrade(desk_target: str | Path, revision: str) -> None:
    engine = make_engine(database_url(desk_target))
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def _rows(desk_target: str | Path) -> list[tuple[int, int, int, str, bool]]:
    """(id, ticket, technician, level, listed), by id."""
    return [(r[0], r[1], r[2], r[3], bool(r[4])) for r in run_sql(
        desk_target, "SELECT id, ticket_id, technician_id, level, listed "
                     "FROM sla_notification ORDER BY id")]


def test_existing_notifications_are_attributed_and_nobody_is_told_again(
        desk_target: str | Path, clock: FakeClock) -> None:
    ctx = open_context(desk_target, clock=clock, user_tz="UTC")
    ids = {name: ctx.directory.ensure_technician(name) for name in (ME, COLLEAGUE, THIRD)}
    theirs = ctx.tickets.create(make_draft(title="Priya's", assignee=COLLEAGUE), actor=ME).id
    nobodys = ctx.tickets.create(make_draft(title="Nobody's"), actor=ME).id
    closed = ctx.tickets.create(make_draft(title="Mine, closed", assignee=ME), actor=ME).id
    # As the one monitor of a desk before 0009 stored them: every ticket, every level.
    monitor = monitor_for(ctx, COLLEAGUE, scope=Scope.ALL)
    start = clock.now
    for hours in (2, 4):  # approaching, then breached
        clock.now = start + timedelta(hours=hours, minutes=5)
        assert len(monitor.sweep(clock.now).crossings) == 3
    move(ctx, closed, Status.RESOLVED, resolution_note="Done")
    ctx.close()
    _downgrade(desk_target, "0008")
    before = run_sql(desk_target, "SELECT id, ticket_id, level FROM sla_notification "
                                  "ORDER BY id")
    assert len(before) == 6

    ctx = open_context(desk_target, clock=clock, user_tz="UTC")  # upgrades to 0009
    try:
        rows = _rows(desk_target)
        original = {r[0]: (r[1], r[2]) for r in before}
        # Each row keeps its id (read marks hold) and goes to the ticket's assignee, listed;
        # the unassigned ticket's to the first technician, unlisted.
        first = min(ids.values())
        assert [(i, t, tech, listed) for i, t, tech, _level, listed in rows
                if i in original] == [
            (i, t, ids[COLLEAGUE] if t == theirs else ids[ME] if t == closed else first,
             t != nobodys) for i, (t, _level) in original.items()]
        # Every other technician remembers the open tickets' rows, unlisted; the closed
        # ticket (never watched again) gets no copies.
        copies = sorted((t, tech, level) for i, t, tech, level, listed in rows
                        if i not in original and not listed)
        assert copies == sorted(
            (t, tech, level) for _i, (t, level) in original.items() if t != closed
            for tech in ids.values()
            if tech != (ids[COLLEAGUE] if t == theirs else first))
        assert len(rows) == 6 + len(copies)
        # Nobody is told again of a crossing made before, whatever their scope.
        now = clock.now + timedelta(minutes=1)
        for name in ids:
            assert monitor_for(ctx, name, scope=Scope.ALL).sweep(now).crossings == (), name
        alerts = AlertLog(ctx.db)
        assert {e.ticket_id for e in alerts.recent(technician_id=ids[COLLEAGUE])} == {theirs}
        assert {e.ticket_id for e in alerts.recent(technician_id=ids[ME])} == {closed}
        assert alerts.recent(technician_id=ids[THIRD]) == []
    finally:
        ctx.close()

    _downgrade(desk_target, "0008")  # back: one row per crossing, the original ones
    assert run_sql(desk_target, "SELECT id, ticket_id, level FROM sla_notification "
                                "ORDER BY id") == before


def test_a_desk_without_technicians_keeps_no_memory(desk_target: str | Path,
                                                    clock: FakeClock) -> None:
    ctx = open_context(desk_target, clock=clock, user_tz="UTC")
    ctx.directory.ensure_technician(ME)
    ticket = ctx.tickets.create(make_draft(), actor=ME).id
    ctx.close()
    _downgrade(desk_target, "0008")
    run_sql(desk_target, "INSERT INTO sla_notification (ticket_id, clock, level, episode, "
                         "notified_at) VALUES (:t, 'first_response', 'breached', 0, "
                         "'2026-11-16 13:05:00.000000')", {"t": ticket})
    run_sql(desk_target, "DELETE FROM technician")
    open_context(desk_target, clock=clock, user_tz="UTC").close()
    assert run_sql(desk_target, "SELECT count(*) FROM sla_notification") == [(0,)]
