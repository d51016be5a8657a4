"""The listener thread for real: LISTEN/NOTIFY on the PostgreSQL server fixture (a commit
elsewhere wakes it), a dropped LISTEN connection falls back to polling, and on SQLite a
change committed by another process is found by polling."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext, open_context
from desk_app.services.live import LiveChanges
from desk_app.workers.live_listener import LiveDeskListener, LiveDeskWorker, LiveMode
from tests.conftest import COLLEAGUE, ME, FakeClock, edit_of, make_draft
from tests.helpers.desk_sql import run_sql

pytestmark = pytest.mark.both_engines
postgresql_only = pytest.mark.parametrize("desk_engine", ["postgresql"], indirect=True)
sqlite_only = pytest.mark.parametrize("desk_engine", ["sqlite"], indirect=True)
# The real thread's rounds: a wait for a notification of at most 0.25 s, or a poll.
WAIT_MS = 5000


@pytest.fixture
def listening(ctx: AppContext, clock: FakeClock) -> Iterator[LiveDeskListener]:
    worker = LiveDeskWorker(ctx.live, clock, ctx.live.start(), poll_ms=50)
    listener = LiveDeskListener(worker)
    yield listener
    assert listener.shutdown()


def _rename(ctx: AppContext, ticket_id: int, title: str) -> None:
    stored = ctx.tickets.detail(ticket_id)
    ctx.tickets.edit(ticket_id, edit_of(stored, title=title),
                     expected_version=stored.version, actor=COLLEAGUE)


@postgresql_only
def test_a_commit_elsewhere_wakes_the_listener_by_notify(
        ctx: AppContext, listening: LiveDeskListener, desk_target: str, clock: FakeClock,
        qtbot: QtBot) -> None:
    created = ctx.tickets.create(make_draft(), actor=ME)
    worker = listening.worker
    with qtbot.waitSignal(worker.sig_mode_changed, timeout=WAIT_MS) as mode:
        listening.start()
    assert mode.args == [LiveMode.LISTENING.value]
    with open_context(desk_target, clock=clock, user_tz="UTC") as colleague, \
            qtbot.waitSignal(worker.sig_changes, timeout=WAIT_MS) as got:
        _rename(colleague, created.id, "Seen by NOTIFY")
    changes = got.args[0]
    assert isinstance(changes, LiveChanges) and changes.ticket_ids == {created.id}
    assert worker.mode is LiveMode.LISTENING  # it never had to poll


@postgresql_only
def test_a_dropped_listen_connection_falls_back_to_polling(
        ctx: AppContext, listening: LiveDeskListener, desk_target: str, clock: FakeClock,
        qtbot: QtBot) -> None:
    created = ctx.tickets.create(make_draft(), actor=ME)
    worker = listening.worker
    with qtbot.waitSignal(worker.sig_mode_changed, timeout=WAIT_MS):
        listening.start()
    assert worker.listener is not None
    pid = worker.listener.backend_pid()
    with qtbot.waitSignal(worker.sig_mode_changed, timeout=WAIT_MS) as mode:
        run_sql(desk_target, "SELECT pg_terminate_backend(:pid)", {"pid": pid})
    assert mode.args == [LiveMode.POLLING.value]
    with open_context(desk_target, clock=clock, user_tz="UTC") as colleague, \
            qtbot.waitSignal(worker.sig_changes, timeout=WAIT_MS) as got:
        _rename(colleague, created.id, "Seen by polling")
    assert got.args[0].ticket_ids == {created.id}
    assert worker.mode is LiveMode.POLLING


@sqlite_only
def test_sqlite_shared_by_two_processes_is_polled(
        ctx: AppContext, listening: LiveDeskListener, db_path: Path, qtbot: QtBot) -> None:
    created = ctx.tickets.create(make_draft(), actor=ME)
    worker = listening.worker
    listening.start()
    script = (
        "import sys\n"
        "from desk_app.app import open_context\n"
        "from desk_app.services.tickets import TicketEdit\n"
        "with open_context(sys.argv[1], user_tz='UTC') as ctx:\n"
        "    d = ctx.tickets.detail(int(sys.argv[2]))\n"
        "    ctx.tickets.add_note(d.id, 'from the other process', actor='Priya Raman')\n")
    with qtbot.waitSignal(worker.sig_changes, timeout=WAIT_MS * 4) as got:
        subprocess.run([sys.executable, "-c", script, str(db_path), str(created.id)],
                       check=True, timeout=120)
    assert got.args[0].ticket_ids == {created.id}
    assert worker.mode is LiveMode.POLLING


@sqlite_only
def test_a_failing_check_is_reported_and_the_next_one_works(
        ctx: AppContext, clock: FakeClock, db_path: Path) -> None:
    created = ctx.tickets.create(make_draft(), actor=ME)
    worker = LiveDeskWorker(ctx.live, clock, ctx.live.start())
    failures: list[str] = []
    worker.sig_failed.connect(failures.append)
    run_sql(db_path, "ALTER TABLE desk_change RENAME TO desk_change_away")
    assert worker.check() is None
    assert failures and "desk_change" in failures[0]
    run_sql(db_path, "ALTER TABLE desk_change_away RENAME TO desk_change")
    ctx.tickets.add_note(created.id, "after the failure", actor=COLLEAGUE)
    changes = worker.check()
    assert changes is not None and changes.ticket_ids == {created.id}
