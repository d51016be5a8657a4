"""The live desk's change log (migration 0010): every writer's change lands in
`desk_change` in its own transaction, and "changed since" reads exactly those tickets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.services.live import LiveDeskService
from desk_app.services.ticket_list import QuickFilter, TicketListQuery
from desk_app.store import change_log
from tests.conftest import COLLEAGUE, ME, edit_of, make_draft, move
from tests.helpers.desk_sql import run_sql

pytestmark = pytest.mark.both_engines

TRIGGERS = {"desk_change_ticket_insert", "desk_change_ticket_update",
            "desk_change_ticket_delete", "desk_change_event_insert"}


def _live(ctx: AppContext) -> LiveDeskService:
    return LiveDeskService(ctx.db)


def test_the_triggers_exist_at_the_head_revision(ctx: AppContext) -> None:
    with ctx.db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        else:
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    assert names >= TRIGGERS


def test_an_edit_by_a_colleague_is_seen_as_a_change_to_that_ticket_only(
        ctx: AppContext) -> None:
    live = _live(ctx)
    first = ctx.tickets.create(make_draft(title="First"), actor=ME)
    other = ctx.tickets.create(make_draft(title="Other"), actor=ME)
    cursor = live.start()
    ctx.tickets.edit(first.id, edit_of(first, title="First, renamed"),
                     expected_version=first.version, actor=COLLEAGUE)
    changes = live.changes(cursor, now=ctx.clock())
    assert changes.ticket_ids == {first.id}
    assert other.id not in changes.ticket_ids
    assert not changes.reload
    assert live.changes(changes.cursor, now=ctx.clock()).ticket_ids == frozenset()


def test_new_tickets_moves_replies_and_plain_sql_are_changes(ctx: AppContext,
                                                             desk_target: str | Path) -> None:
    live = _live(ctx)
    cursor = live.start()
    created = ctx.tickets.create(make_draft(), actor=ME)
    step = live.changes(cursor, now=ctx.clock())
    assert step.ticket_ids == {created.id}
    move(ctx, created.id, Status.IN_PROGRESS, actor=COLLEAGUE)
    ctx.tickets.add_note(created.id, "Checked the cable", actor=COLLEAGUE)
    step2 = live.changes(step.cursor, now=ctx.clock())
    assert step2.ticket_ids == {created.id}
    run_sql(desk_target, "UPDATE ticket SET title = 'From outside' WHERE id = :id",
            {"id": created.id})
    assert live.changes(step2.cursor, now=ctx.clock()).ticket_ids == {created.id}


def test_the_monitors_clock_writes_are_not_changes(ctx: AppContext) -> None:
    """Every window's own monitor keeps the clocks current; the other windows need no
    change row (nor a notification) for them."""
    live = _live(ctx)
    created = ctx.tickets.create(make_draft(), actor=ME)
    cursor = live.start()
    with ctx.db.session_scope() as s:
        s.execute(text("UPDATE ticket SET sla_risk = 'at_risk', sla_computed_at = "
                       "sla_computed_at WHERE id = :id"), {"id": created.id})
    assert live.changes(cursor, now=ctx.clock()).ticket_ids == frozenset()


def test_a_rolled_back_change_leaves_no_change_row(ctx: AppContext) -> None:
    live = _live(ctx)
    created = ctx.tickets.create(make_draft(), actor=ME)
    cursor = live.start()
    with pytest.raises(RuntimeError), ctx.db.session_scope() as s:
        s.execute(text("UPDATE ticket SET title = 'never' WHERE id = :id"),
                  {"id": created.id})
        raise RuntimeError("the use case failed")
    assert live.changes(cursor, now=ctx.clock()).ticket_ids == frozenset()


def test_which_changed_tickets_the_view_shows_now(ctx: AppContext) -> None:
    live = _live(ctx)
    kept = ctx.tickets.create(make_draft(title="Stays open"), actor=ME)
    done = ctx.tickets.create(make_draft(title="Gets resolved"), actor=ME)
    move(ctx, done.id, Status.RESOLVED, actor=COLLEAGUE, resolution_note="Fixed")
    open_view = TicketListQuery(quick_filter=QuickFilter.OPEN)
    assert live.in_view(open_view, [kept.id, done.id]) == {kept.id}
    searched = replace(open_view, quick_filter=QuickFilter.ALL, search="resolved")
    assert live.in_view(searched, [kept.id, done.id]) == {done.id}


def test_pruning_keeps_the_newest_rows_and_a_cursor_behind_them_reloads(
        ctx: AppContext) -> None:
    live = _live(ctx)
    cursor = live.start()
    ids = [ctx.tickets.create(make_draft(title=f"T{i}"), actor=ME).id for i in range(4)]
    with ctx.db.session_scope() as s:
        newest = change_log.latest_seq(s)
    assert live.prune(keep=2) > 0
    with ctx.db.session_scope() as s:
        assert change_log.oldest_seq(s) == newest - 1
    step = live.changes(cursor, now=ctx.clock())
    assert step.reload
    assert ids[-1] in step.ticket_ids


def _triggers_and_table(ctx: AppContext) -> tuple[set[str], bool]:
    with ctx.db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        else:
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
        from sqlalchemy import inspect
        return names & TRIGGERS, "desk_change" in inspect(conn).get_table_names()


def test_the_migration_goes_down_and_up_again_keeping_the_tickets(
        ctx: AppContext) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from desk_app.store.migrate import alembic_config

    created = ctx.tickets.create(make_draft(title="Survives"), actor=ME)
    cfg = alembic_config()
    # The revision before 0010, whatever it is re-chained after.
    before = ScriptDirectory.from_config(cfg).get_revision("0010").down_revision
    assert isinstance(before, str)
    with ctx.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, before)
    assert _triggers_and_table(ctx) == (set(), False)
    # Without the triggers a write goes on as before.
    ctx.tickets.add_note(created.id, "written at 0008", actor=ME)
    with ctx.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert _triggers_and_table(ctx) == (TRIGGERS, True)
    live = _live(ctx)
    cursor = live.start()
    ctx.tickets.add_note(created.id, "written at 0010", actor=ME)
    assert live.changes(cursor, now=ctx.clock()).ticket_ids == {created.id}
    assert ctx.tickets.detail(created.id).title == "Survives"


def test_pruning_deletes_at_most_a_chunk_at_a_time(ctx: AppContext) -> None:
    live = _live(ctx)
    for i in range(3):
        ctx.tickets.create(make_draft(title=f"T{i}"), actor=ME)
    with ctx.db.session_scope() as s:
        oldest = change_log.oldest_seq(s)
    assert oldest is not None
    assert live.prune(keep=1, at_most=2) == 2
    with ctx.db.session_scope() as s:
        assert change_log.oldest_seq(s) == oldest + 2


def test_a_batch_too_big_to_list_asks_for_a_reload_and_skips_to_the_newest(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    import desk_app.services.live as live_module

    monkeypatch.setattr(live_module, "MAX_ROWS", 3)
    live = _live(ctx)
    cursor = live.start()
    for i in range(3):  # each creation writes a ticket row and an event row
        ctx.tickets.create(make_draft(title=f"T{i}"), actor=ME)
    step = live.changes(cursor, now=ctx.clock())
    assert step.reload and step.ticket_ids == frozenset()
    with ctx.db.session_scope() as s:
        assert step.cursor.last == change_log.latest_seq(s)
