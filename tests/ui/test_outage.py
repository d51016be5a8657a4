"""The window through an outage of the team desk's server (issue 12, "Losing the server").

A real window on a real PostgreSQL server of the module's own, stopped and started during
the test (tests/helpers/outage.py). The banner's backoff is driven by the injected clock
and `poll()` (what its one-second timer calls), its probes by a synchronous runner, so
nothing waits on a timer; one test keeps the real thread pool and the real monitor thread
and waits for the reconnection itself. pytest-qt fails any test in which an exception
reached Qt (its exception capture): "nothing raises into Qt" is checked by every test here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from desk_app.app import AppContext, open_context
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.common.formatting import local_time
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.tickets.new_ticket_dialog import NewTicketDialog
from desk_app.ui.tickets.ticket_table_model import Column
from desk_app.workers.task_runner import SyncRunner
from tests.conftest import ME, FakeClock, make_draft
from tests.helpers.outage import OutageServer
from tests.ui.conftest import ScriptedAsk, activate

TICKETS = 60
LOST = "⚠ Lost the connection to the team desk at"


@pytest.fixture
def team(outage_url: str, clock: FakeClock) -> Iterator[AppContext]:
    context = open_context(outage_url, clock=clock, user_tz="UTC")
    context.directory.ensure_technician(ME)
    for n in range(TICKETS):
        context.tickets.create(make_draft(title=f"Ticket {n:02d}"), actor=ME)
    yield context
    context.close()


@pytest.fixture
def window(team: AppContext, ui_settings: UiSettings, qtbot: QtBot, answers: ScriptedAsk
           ) -> MainWindow:
    win = MainWindow(team, ui_settings, actor=ME, ask=answers)
    qtbot.addWidget(win)
    win.resize(1200, 700)
    win.show()
    qtbot.waitExposed(win)
    activate(qtbot, win)
    win.set_filter(QuickFilter.ALL)
    win.connection_banner.runner = SyncRunner()  # each probe inline: the test decides when
    return win


def _lose(window: MainWindow, outage: OutageServer, mode: str = "fast") -> None:
    """Stop the server and let the window meet it, as F5 would."""
    outage.stop(mode)
    window.refresh()


def _banner_text(window: MainWindow) -> str:
    banner = window.connection_banner
    return banner.label.text() if banner.isVisible() else ""


def test_the_banner_names_the_desk_counts_down_with_backoff_and_goes_on_reconnection(
        window: MainWindow, team: AppContext, outage_server: OutageServer,
        clock: FakeClock, qtbot: QtBot) -> None:
    third = window.model.ticket_id(2)
    assert third is not None and window.select_ticket(third)
    bar = window.table.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    scroll = bar.value()
    assert scroll > 0  # the list is long enough to scroll
    assert not window.connection_banner.isVisible()

    _lose(window, outage_server)
    where = team.connection.status.where
    shown = _banner_text(window)
    lost_at = local_time(clock(), clock())  # 09:00 UTC, in the machine's zone
    assert shown.startswith(f"{LOST} {where} at {lost_at} — retrying in 1 s…"), shown
    assert "postgres" not in where.split("/")[0]  # host and database only
    assert window.connection_banner.retry_button.isVisible()
    assert "the connection to the team desk's server is lost" in \
        window.statusBar().currentMessage()

    seen = []
    for _ in range(4):  # the countdown reaches each try: 1, 2, 4, 8 s after the last
        due = team.connection.status.next_try_at
        assert due is not None
        clock.now = due
        window.connection_banner.poll()
        seen.append(_banner_text(window).split("— ")[1].split("…")[0])
    assert seen == ["retrying in 2 s", "retrying in 4 s", "retrying in 8 s",
                    "retrying in 16 s"]
    clock.advance(seconds=5)
    window.connection_banner.poll()  # no try yet: just the countdown
    assert "retrying in 11 s…" in _banner_text(window)
    assert team.connection.status.failed_tries == 4

    window.connection_banner.retry_button.click()  # Retry now: refused again
    assert team.connection.status.failed_tries == 5
    assert "retrying in 30 s…" in _banner_text(window)

    outage_server.start()
    # Another workstation logs a ticket while this window still believes the desk gone.
    other = team.tickets.create(make_draft(title="Logged elsewhere"), actor=ME)
    assert window.model.row_of(other.id) is None
    clock.advance(seconds=30)
    window.connection_banner.poll()
    shown = _banner_text(window)
    back_at = local_time(clock(), clock())
    assert shown.startswith(f"✓ Reconnected to the team desk at {where} at {back_at}."), shown
    assert not window.connection_banner.retry_button.isVisible()
    assert window.connection_banner.dismiss_button.isVisible()
    assert "Reconnected to the team desk" in window.statusBar().currentMessage()
    assert window.model.row_of(other.id) is not None  # the list was read again
    assert window.selected_ticket_id() == third  # the selection stayed
    assert bar.value() == scroll  # and so did the scroll position
    assert window.detail.detail is not None and window.detail.detail.id == third


def test_what_is_typed_stays_through_the_outage_and_saves_once_back(
        window: MainWindow, team: AppContext, outage_server: OutageServer,
        clock: FakeClock, answers: ScriptedAsk, qtbot: QtBot) -> None:
    pane = window.detail
    ticket_id = window.selected_ticket_id()
    assert ticket_id is not None
    pane.title.setText("Edited during the outage")
    pane.composer.setPlainText("A reply typed while the server was down")
    pane.draft_timer.stop()
    _lose(window, outage_server)

    pane.save_button.click()
    assert "Not saved: the connection to the team desk's server is lost" in \
        pane.message.text()
    assert "try again" in pane.message.text() and "Your edits are still here" in \
        pane.message.text()
    assert pane.title.text() == "Edited during the outage" and pane.has_unsaved_changes()
    pane.send_button.click()
    assert "Not sent: the connection to the team desk's server is lost" in \
        pane.composer_error.text()
    assert pane.composer.toPlainText() == "A reply typed while the server was down"

    dialog = NewTicketDialog(team.tickets, team.directory, actor=ME, parent=window,
                             ask=answers)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "could not be read" in dialog.banner.text()  # it opens all the same
    dialog.title.setText("Phone line dead")
    dialog.requester.setText("Chris Cole")
    dialog.save()
    assert dialog.result() == 0 and dialog.created is None
    assert "not saved: the connection to the team desk's server is lost" in \
        dialog.banner.text() and "still here" in dialog.banner.text()
    assert (dialog.title.text(), dialog.requester.text()) == ("Phone line dead", "Chris Cole")
    window.table.sortByColumn(Column.TITLE, Qt.SortOrder.AscendingOrder)  # a header click
    window.filter_buttons[QuickFilter.OPEN].click()
    window._menus["&File"].actions()[1].trigger()  # Settings…: reads the desk as it opens
    assert "Could not do that" in window.statusBar().currentMessage()

    outage_server.start()
    clock.now = team.connection.status.next_try_at  # type: ignore[assignment]
    window.connection_banner.poll()
    assert not team.connection.lost
    # The composer's draft, pending since the outage, was stored on reconnection.
    assert team.drafts.load(ticket_id, author=ME) is not None
    pane.save_button.click()
    assert team.tickets.detail(ticket_id).title == "Edited during the outage"
    pane.send_button.click()
    assert any(e.body == "A reply typed while the server was down"
               for e in team.tickets.detail(ticket_id).timeline)
    assert pane.composer.toPlainText() == ""
    dialog.save()
    assert dialog.created is not None and dialog.created.title == "Phone line dead"


def test_cut_connections_mid_work_are_a_short_outage(
        window: MainWindow, team: AppContext, outage_server: OutageServer,
        clock: FakeClock) -> None:
    from sqlalchemy.engine import make_url

    database = str(make_url(str(team.db.engine.url)).database)
    with pytest.raises(SQLAlchemyError, match="terminating connection"), \
            team.db.session_scope() as s:  # the monitor's tick, say, mid-transaction
        s.execute(text("SELECT 1"))
        outage_server.terminate_connections(database)
        s.execute(text("SELECT 1"))
    assert _banner_text(window).startswith(LOST)
    clock.advance(seconds=1)
    window.connection_banner.poll()  # the server never went away: back at once
    assert _banner_text(window).startswith("✓ Reconnected")


def test_the_monitor_thread_and_real_probes_come_through_an_outage(
        team: AppContext, ui_settings: UiSettings, qtbot: QtBot, answers: ScriptedAsk,
        outage_server: OutageServer, clock: FakeClock) -> None:
    ui_settings.tick_seconds = 600  # no timer tick during the test: only the catch-up
    win = MainWindow(team, ui_settings, actor=ME, ask=answers, start_monitor=True)
    qtbot.addWidget(win)
    win.show()
    assert win.watch.monitor is not None
    worker = win.watch.monitor.worker
    qtbot.waitUntil(lambda: worker._last_sweep is not None, timeout=10000)
    _lose(win, outage_server, mode="immediate")
    assert team.connection.lost
    with qtbot.waitSignal(worker.sig_result, timeout=200, raising=False) as skipped:
        win.watch.catch_up()  # a tick queued on the monitor thread while the desk is gone
    assert not skipped.signal_triggered  # it skipped: no reading while the server is gone
    outage_server.start()
    with qtbot.waitSignal(worker.sig_result, timeout=20000) as caught_up:
        clock.advance(seconds=1)
        win.connection_banner.retry_now()  # through the real thread pool
        qtbot.waitUntil(lambda: not team.connection.lost, timeout=15000)
    assert caught_up.args[0] is not None  # the tick the reconnection asked for
    assert win.watch.monitor.worker_thread.isRunning()
    assert worker.failures == 0
    qtbot.waitUntil(lambda: _banner_text(win).startswith("✓ Reconnected"), timeout=5000)
    win.close()
