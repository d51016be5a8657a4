"""Stored SLA results stay true to the history: every change, every settings edit."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from desk_app.app import AppContext, open_context
from desk_app.domain.calendar import BusinessCalendar
from desk_app.domain.enums import Impact, Priority, Status, Urgency
from desk_app.domain.sla import SlaPolicy
from tests.conftest import ME, FakeClock, edit_of, make_draft

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def _stored(db: Path, ticket_id: int) -> dict[str, object]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM ticket WHERE id=?", (ticket_id,)).fetchone()
    conn.close()
    return dict(row)


@pytest.fixture
def berlin_ctx(db_path: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    context = open_context(db_path, clock=clock, user_tz="Europe/Berlin")
    context.directory.ensure_technician(ME)
    yield context
    context.close()


def test_defaults_are_created_in_the_users_time_zone(berlin_ctx: AppContext) -> None:
    setup = berlin_ctx.sla.setup()
    assert [p.name for p in setup.policies] == ["P1 Critical", "P2 High", "P3 Medium",
                                                "P4 Low"]
    assert setup.calendars["Office hours"].tz == "Europe/Berlin"
    assert setup.calendars["24x7"].is_working(datetime(2026, 11, 22, 3, tzinfo=UTC))


def test_every_change_stores_fresh_clock_results(berlin_ctx: AppContext, db_path: Path,
                                                 clock: FakeClock) -> None:
    # Monday 09:00 UTC = 10:00 in Berlin. P3: 4 h first response, 24 h resolution.
    d = berlin_ctx.tickets.create(make_draft(), actor=ME)
    row = _stored(db_path, d.id)
    assert row["sla_policy"] == "P3 Medium"
    assert (row["response_state"], row["resolution_state"]) == ("running", "running")
    assert row["response_due_at"] == "2026-11-16 13:00:00.000000"  # 14:00 Berlin
    assert row["sla_next_change_at"] == "2026-11-16 11:00:00.000000"  # 50 % of 4 h

    clock.advance(hours=1)
    d = berlin_ctx.tickets.change_status(d.id, Status.WAITING_CUSTOMER,
                                         expected_version=d.version, actor=ME)
    row = _stored(db_path, d.id)
    assert row["resolution_state"] == "paused" and row["sla_next_change_at"] is None
    assert row["response_state"] == "paused"  # waiting is not a response, but it pauses

    clock.advance(hours=1)
    berlin_ctx.tickets.add_reply(d.id, "Could you send a screenshot?", actor=ME)
    row = _stored(db_path, d.id)
    assert row["response_state"] == "met"
    assert row["response_used_s"] == 3600.0  # the hour waiting did not count


def test_raising_priority_switches_policy_keeps_used_time_and_says_so(
        berlin_ctx: AppContext, db_path: Path, clock: FakeClock) -> None:
    d = berlin_ctx.tickets.create(make_draft(), actor=ME)
    clock.advance(hours=2)
    d = berlin_ctx.tickets.edit(d.id, edit_of(d, impact=Impact.HIGH, urgency=Urgency.HIGH),
                                expected_version=d.version, actor=ME)
    assert d.priority is Priority.P1
    row = _stored(db_path, d.id)
    assert row["sla_policy"] == "P1 Critical"
    assert row["resolution_used_s"] == 7200.0 and row["resolution_target_s"] == 4 * 3600
    assert row["response_state"] == "breached"  # 2 h used, P1 allows 30 m
    last = d.timeline[-1]
    assert (last.kind.value, last.old_value, last.new_value) == \
        ("sla_policy_changed", "P3 Medium", "P1 Critical")


def test_preview_then_save_recomputes_open_tickets_only(berlin_ctx: AppContext,
                                                        db_path: Path,
                                                        clock: FakeClock) -> None:
    open_one = berlin_ctx.tickets.create(make_draft(), actor=ME)
    done = berlin_ctx.tickets.create(make_draft(title="Done"), actor=ME)
    berlin_ctx.tickets.change_status(done.id, Status.RESOLVED, expected_version=done.version,
                                     actor=ME, resolution_note="ok")
    p4 = berlin_ctx.tickets.create(make_draft(impact=Impact.LOW, urgency=Urgency.LOW),
                                   actor=ME)
    before_done = _stored(db_path, done.id)
    setup = berlin_ctx.sla.setup()
    faster = [replace(p, first_response_s=3600) if p.name == "P3 Medium" else p
              for p in setup.policies]
    new_setup = replace(setup, policies=faster)

    preview = berlin_ctx.sla.preview(new_setup)
    assert (preview.open_tickets, preview.due_moves, preview.policy_changes) == (2, 1, 0)
    assert _stored(db_path, open_one.id)["response_due_at"] == "2026-11-16 13:00:00.000000"

    assert berlin_ctx.sla.save_setup(new_setup, actor=ME) == 2
    assert _stored(db_path, open_one.id)["response_due_at"] == "2026-11-16 10:00:00.000000"
    assert _stored(db_path, done.id) == before_done  # closed history is left alone
    assert _stored(db_path, p4.id)["response_target_s"] == 8 * 3600
    # The setup survives a restart.
    again = open_context(db_path, clock=clock, user_tz="UTC")
    assert again.sla.setup().policies[2].first_response_s == 3600
    again.close()


def test_a_calendar_edit_moves_due_times(berlin_ctx: AppContext, db_path: Path) -> None:
    d = berlin_ctx.tickets.create(make_draft(), actor=ME)
    setup = berlin_ctx.sla.setup()
    cals = dict(setup.calendars)
    cals["Office hours"] = BusinessCalendar(tz="Europe/Berlin",
                                            weekly={i: [(time(8), time(12))] for i in range(5)},
                                            name="Office hours")
    berlin_ctx.sla.save_setup(replace(setup, calendars=cals), actor=ME)
    # Created Mon 10:00 Berlin; 4 h on an 08-12 calendar: 2 h Monday, 2 h Tuesday.
    assert _stored(db_path, d.id)["response_due_at"] == "2026-11-17 09:00:00.000000"


def test_a_failed_settings_save_changes_nothing(berlin_ctx: AppContext, db_path: Path) -> None:
    d = berlin_ctx.tickets.create(make_draft(), actor=ME)
    before = _stored(db_path, d.id)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TRIGGER no_policies BEFORE INSERT ON sla_policy "
                 "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END")
    conn.commit()
    conn.close()
    setup = berlin_ctx.sla.setup()
    new_setup = replace(setup, policies=[replace(p, resolution_s=3600)
                                         for p in setup.policies])
    with pytest.raises(IntegrityError):
        berlin_ctx.sla.save_setup(new_setup, actor=ME)
    assert _stored(db_path, d.id) == before
    assert berlin_ctx.sla.setup() is setup
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM sla_policy").fetchone()[0] == 4
    conn.close()


def test_upgrading_a_0001_database_computes_clocks_for_its_tickets(tmp_path: Path) -> None:
    from alembic import command

    from desk_app.store.engine import make_engine
    from desk_app.store.migrate import alembic_config

    db = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    conn = sqlite3.connect(db)
    conn.executescript("""
        INSERT INTO contact (id, name) VALUES (1, 'Old Requester');
        INSERT INTO ticket (id, number, title, description, requester_id, priority,
            priority_overridden, impact, urgency, status, channel, created_at, updated_at,
            version) VALUES (1, 1001, 'Legacy', '', 1, 'P1', 0, 'high', 'high', 'new',
            'phone', '2026-11-16 09:00:00.000000', '2026-11-16 09:00:00.000000', 1);
        INSERT INTO ticket_event (ticket_id, at, actor, kind, new_value) VALUES
            (1, '2026-11-16 09:00:00.000000', 'old', 'created',
             '{"priority": "P1", "status": "new"}');
    """)
    conn.commit()
    conn.close()
    clock = FakeClock(datetime(2026, 11, 16, 9, 10, tzinfo=UTC))
    ctx = open_context(db, clock=clock, user_tz="UTC")
    assert ctx.migration.from_revision == "0001" and ctx.migration.backup is not None
    ctx.close()
    row = _stored(db, 1)
    assert row["sla_policy"] == "P1 Critical" and row["response_state"] == "running"
    assert row["response_due_at"] == "2026-11-16 09:30:00.000000"


def test_policies_with_conditions_on_organization_tier(berlin_ctx: AppContext,
                                                       db_path: Path) -> None:
    from desk_app.domain.enums import Tier
    from desk_app.domain.sla import PolicyConditions

    setup = berlin_ctx.sla.setup()
    vip = SlaPolicy("Enterprise", "24x7", 900, 2 * 3600,
                    conditions=PolicyConditions(tiers=frozenset({Tier.ENTERPRISE})))
    berlin_ctx.sla.save_setup(replace(setup, policies=[vip, *setup.policies]), actor=ME)
    d = berlin_ctx.tickets.create(make_draft(), actor=ME)
    assert _stored(db_path, d.id)["sla_policy"] == "P3 Medium"  # Northwind is Standard
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE organization SET tier='enterprise' WHERE name='Northwind'")
    conn.commit()
    conn.close()
    d2 = berlin_ctx.tickets.create(make_draft(title="VIP"), actor=ME)
    assert _stored(db_path, d2.id)["sla_policy"] == "Enterprise"
    assert timedelta(seconds=_stored(db_path, d2.id)["response_target_s"]) == \
        timedelta(minutes=15)


def test_bulk_backfill_matches_replaying_each_ticket(db_path: Path, clock: FakeClock) -> None:

    ctx = open_context(db_path, clock=clock, user_tz="Europe/Berlin")
    ctx.generator.generate(tickets=250, seed=11)
    columns = ("sla_policy, response_state, response_due_at, response_used_s, "
               "resolution_state, resolution_due_at, resolution_used_s, sla_next_change_at, "
               "sla_urgent_due_at, response_breached, resolution_breached")
    conn = sqlite3.connect(db_path)
    before = conn.execute(f"SELECT id, {columns} FROM ticket ORDER BY id").fetchall()
    conn.execute("UPDATE ticket SET sla_computed_at = NULL, sla_policy = NULL, "
                 "response_state = NULL, resolution_state = NULL")
    conn.commit()
    assert ctx.sla.backfill(batch=40) == 250
    after = conn.execute(f"SELECT id, {columns} FROM ticket ORDER BY id").fetchall()
    conn.close()
    ctx.close()
    assert after == before
    assert {row[2] for row in before} >= {"met", "running"}


def test_reads_of_the_setup_do_not_wait_for_a_settings_save(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Table painting calls setup()/business_seconds on the GUI thread while a save
    recomputes every open ticket (seconds on a big desk) on another: the reads answer at
    once with the old setup, and the new one shows only after the save has committed."""
    import threading

    import desk_app.services.sla as sla_module
    from desk_app.domain.sla import ALWAYS_CALENDAR

    ctx.tickets.create(make_draft(), actor=ME)
    old = ctx.sla.setup()
    policy = old.policies[2].name  # P3, office hours
    new = replace(old, policies=[replace(p, calendar=ALWAYS_CALENDAR) if p.name == policy
                                 else p for p in old.policies])
    inside, release = threading.Event(), threading.Event()
    real_update = sla_module.update_tickets

    def held_update(*args: object, **kwargs: object) -> int:
        inside.set()
        # A safety limit, not a pause: the test sets `release` as soon as it has read.
        release.wait(timeout=10)
        return real_update(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sla_module, "update_tickets", held_update)
    saver = threading.Thread(target=ctx.sla.save_setup, args=(new,), kwargs={"actor": ME})
    saver.start()
    try:
        assert inside.wait(timeout=10)
        monday_0900 = datetime(2026, 11, 16, 9, tzinfo=UTC)
        # Read while the save is stopped inside its transaction: the old setup, at once
        # (before this fix they waited for the whole save and then saw the new setup).
        assert ctx.sla.setup() is old
        assert ctx.sla.business_seconds(policy, monday_0900,
                                        monday_0900 + timedelta(hours=10)) == 8 * 3600
    finally:
        release.set()
        saver.join(timeout=10)
    assert not saver.is_alive()
    assert ctx.sla.setup().policies[2].calendar == ALWAYS_CALENDAR
    assert ctx.sla.business_seconds(policy, datetime(2026, 11, 16, 9, tzinfo=UTC),
                                    datetime(2026, 11, 16, 19, tzinfo=UTC)) == 10 * 3600
