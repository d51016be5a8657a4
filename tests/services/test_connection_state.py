"""Losing the team desk's server and finding it again, on a real PostgreSQL server of the
module's own that the tests stop and start (tests/helpers/outage.py), with the clock
injected: what is classed as a loss, the backoff of the probes, reconnection, and the SLA
monitor that survives the outage and catches up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from desk_app.app import AppContext, open_context
from desk_app.services.connection import ConnectionStatus
from desk_app.store.db_errors import describe_failure, is_connection_lost
from desk_app.store.engine import make_engine
from desk_app.workers.sla_monitor import SlaMonitorWorker
from tests.conftest import ME, FakeClock, make_draft
from tests.helpers.outage import OutageServer
from tests.helpers.postgres import free_port


@pytest.fixture
def team(outage_url: str, clock: FakeClock) -> Iterator[AppContext]:
    context = open_context(outage_url, clock=clock, user_tz="UTC")
    context.directory.ensure_technician(ME)
    yield context
    context.close()


def _database(url: str) -> str:
    return str(make_url(url).database)


def _fails(ctx: AppContext) -> SQLAlchemyError:
    with pytest.raises(SQLAlchemyError) as caught:
        ctx.lists.max_number()
    return caught.value


# --- what counts as a lost server --------------------------------------------------------

def test_a_refused_connection_is_a_loss_and_told_as_one(postgres_server: object) -> None:
    engine = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/desk")
    try:
        with pytest.raises(OperationalError) as caught:
            engine.connect()
    finally:
        engine.dispose()
    assert is_connection_lost(caught.value)
    assert describe_failure(caught.value) == "the server is not reachable (Connection refused)"


def test_bad_sql_a_refused_password_and_sqlite_failures_are_not_a_loss(
        postgres_url: str, db_path: Path) -> None:
    engine = make_engine(postgres_url)
    try:
        with pytest.raises(SQLAlchemyError) as bad_sql, engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))
    finally:
        engine.dispose()
    assert not is_connection_lost(bad_sql.value)
    url = make_url(postgres_url).set(username="intruder")
    stranger = make_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(SQLAlchemyError) as refused:
            stranger.connect()
    finally:
        stranger.dispose()
    assert not is_connection_lost(refused.value)  # waiting would not let them in
    db_path.write_bytes(b"not a database at all, just bytes" * 100)
    with pytest.raises(sqlite3.DatabaseError) as damaged:
        sqlite3.connect(db_path).execute("SELECT * FROM ticket")
    assert not is_connection_lost(damaged.value)


# --- lost, probed with backoff, back -----------------------------------------------------

def test_a_stopped_server_is_lost_probed_with_backoff_and_found_again(
        team: AppContext, outage_server: OutageServer, clock: FakeClock) -> None:
    heard: list[ConnectionStatus] = []
    team.connection.subscribe(heard.append)
    team.lists.max_number()  # a pooled connection, idle when the server goes
    outage_server.stop("fast")
    lost_at = clock()
    exc = _fails(team)
    assert is_connection_lost(exc)
    status = team.connection.status
    assert status.lost and status.since == lost_at
    assert status.where == f"127.0.0.1:{outage_server.server.port}/" \
        f"{_database(str(team.db.engine.url))}"
    assert "postgres@" not in status.where  # no user name, and never a password
    assert [s.lost for s in heard] == [True]

    waits = []
    for _ in range(7):
        due_at = team.connection.status.next_try_at
        assert due_at is not None
        assert not team.connection.due(due_at - timedelta(seconds=0.5))
        clock.now = due_at
        assert team.connection.due(clock())
        assert team.connection.probe() is False  # a real try, refused
        next_try = team.connection.status.next_try_at
        assert next_try is not None
        waits.append(int((next_try - clock()).total_seconds()))
    assert waits == [2, 4, 8, 16, 30, 30, 30]
    assert team.connection.status.failed_tries == 7

    outage_server.start()
    assert team.connection.probe() is True
    back = team.connection.status
    assert not back.lost and back.reconnected_at == clock() and back.since == lost_at
    assert heard[-1] == back
    assert team.lists.max_number() is None  # the pool reconnects: ordinary work goes on


def test_the_first_probe_is_one_second_after_the_loss(
        team: AppContext, outage_server: OutageServer, clock: FakeClock) -> None:
    outage_server.stop("immediate")  # as in a crash: no goodbye from the server
    _fails(team)
    lost_at = clock()
    assert team.connection.status.next_try_at == lost_at + timedelta(seconds=1)
    clock.advance(seconds=0.5)
    assert not team.connection.due(clock())
    clock.advance(seconds=0.5)
    assert team.connection.due(clock())


def test_cut_connections_are_replaced_quietly_and_a_cut_mid_transaction_is_a_loss(
        team: AppContext, outage_server: OutageServer) -> None:
    team.lists.max_number()
    database = _database(str(team.db.engine.url))
    assert outage_server.terminate_connections(database) >= 1
    # An idle pooled connection the server cut: the pre-ping replaces it, nothing fails.
    assert team.lists.max_number() is None
    assert not team.connection.lost

    with pytest.raises(SQLAlchemyError) as caught, team.db.session_scope() as s:
        s.execute(text("SELECT 1"))
        outage_server.terminate_connections(database)
        s.execute(text("SELECT 1"))
    assert is_connection_lost(caught.value)
    assert team.connection.lost
    assert team.connection.probe() is True  # the server never went away
    created = team.tickets.create(make_draft(title="After the restart"), actor=ME)
    assert team.tickets.detail(created.id).title == "After the restart"


def test_a_save_during_the_outage_changes_nothing_and_works_once_back(
        team: AppContext, outage_server: OutageServer) -> None:
    ticket = team.tickets.create(make_draft(title="Before"), actor=ME)
    outage_server.stop("fast")
    with pytest.raises(SQLAlchemyError) as caught:
        team.tickets.add_note(ticket.id, "typed during the outage", actor=ME)
    assert is_connection_lost(caught.value)
    outage_server.start()
    assert team.connection.probe()
    detail = team.tickets.add_note(ticket.id, "typed during the outage", actor=ME)
    notes = [e.body for e in detail.timeline if e.body == "typed during the outage"]
    assert notes == ["typed during the outage"]  # once: the failed try stored nothing


def test_an_sqlite_desk_is_never_lost(ctx: AppContext, db_path: Path) -> None:
    db_path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    ctx.db.engine.dispose()
    db_path.mkdir()  # the file is gone and nothing can take its place
    with pytest.raises(SQLAlchemyError) as caught:
        ctx.lists.max_number()
    assert not is_connection_lost(caught.value)
    assert not ctx.connection.lost and not ctx.connection.report(caught.value)


# --- the SLA monitor through an outage ---------------------------------------------------

def test_the_monitor_survives_the_outage_and_catches_up_with_a_sweep(
        team: AppContext, outage_server: OutageServer, clock: FakeClock) -> None:
    worker = SlaMonitorWorker(team.monitor, clock, tick_s=15, connection=team.connection)
    failed: list[str] = []
    worker.sig_failed.connect(lambda message, _n: failed.append(message))
    ticket = team.tickets.create(make_draft(title="Watched"), actor=ME)
    assert worker.run_once() is not None  # the start-up sweep
    clock.advance(seconds=15)
    assert worker.run_once() is not None  # a tick
    since = clock()

    outage_server.stop("fast")
    clock.advance(seconds=15)
    assert worker.run_once() is None  # meets the loss inside the tick, raises nothing
    assert team.connection.lost
    clock.advance(seconds=15)
    assert worker.run_once() is None  # skips while the server is gone
    assert worker.failures == 0 and failed == []  # an outage is not a monitor error

    outage_server.start()
    assert team.connection.probe()
    # Meanwhile another workstation changed the ticket without recomputing its clocks,
    # stamped before this monitor's last tick: only a sweep looks at it again.
    with team.db.engine.begin() as conn:
        conn.execute(text("UPDATE ticket SET updated_at = :u, sla_computed_at = :c "
                          "WHERE id = :id"),
                     {"u": since - timedelta(seconds=5), "c": since - timedelta(seconds=10),
                      "id": ticket.id})
    clock.advance(seconds=15)
    result = worker.run_once()
    assert result is not None and result.examined == 1
    clock.advance(seconds=15)
    assert worker.run_once() is not None  # and ticks go on as before
    assert worker.failures == 0
