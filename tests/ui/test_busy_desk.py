"""A busy desk in the window waits and retries with a visible message before it gives up,
keeping what was typed (issue 11, item 3).

A second sqlite3 connection holds a real write transaction (`BEGIN IMMEDIATE` plus a write),
as another program importing or seeding would. The app's busy_timeout is shortened to
100 ms and the retry delay to 20 ms so no test waits seconds; the lock is released in the
middle, once the first "busy" message is on screen, and the action must then go through.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.services.ticket_list import QuickFilter
from desk_app.store import engine as engine_module
from desk_app.ui.common.busy_retry import BUSY_RETRIES, WINDOW_LOCK_WAIT_MS, BusyRetry
from desk_app.ui.main_window import MainWindow
from desk_app.ui.tickets.detail_pane import TicketDetailPane
from desk_app.ui.tickets.new_ticket_dialog import NewTicketDialog
from tests.conftest import make_draft
from tests.ui.conftest import ME, ScriptedAsk, fill_the_disk

WindowFactory = Callable[[], MainWindow]


class WriteLock:
    """Another program's write transaction on the desk, held until `release()`."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.held = False

    def hold(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE technician SET name = name")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.conn.execute("ROLLBACK")
            self.held = False


@pytest.fixture
def lock(ctx: AppContext, db_path: Path, monkeypatch: pytest.MonkeyPatch
         ) -> Iterator[WriteLock]:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    ctx.db.engine.dispose()  # the pool's connections were made with 5 s
    held = WriteLock(db_path)
    yield held
    held.release()
    held.conn.close()


def fast(busy: BusyRetry) -> BusyRetry:
    busy.delay_ms = 20
    return busy


def _pane_on(make_window: WindowFactory, ctx: AppContext) -> tuple[TicketDetailPane, int]:
    ticket_id = ctx.tickets.create(make_draft(title="Printer offline"), actor=ME).id
    window = make_window()
    window.set_filter(QuickFilter.ALL)
    assert window.select_ticket(ticket_id)
    fast(window.detail.busy)
    return window.detail, ticket_id


def _release_once_busy(qtbot: QtBot, shown: Callable[[], str], lock: WriteLock) -> None:
    """Wait for the visible busy message, then let the other program finish."""
    qtbot.waitUntil(lambda: "The desk is busy (another program is writing); retrying"
                    in shown(), timeout=5000)
    lock.release()


def test_a_save_on_a_busy_desk_says_so_retries_and_saves_once_free(
        make_window: WindowFactory, ctx: AppContext, lock: WriteLock, qtbot: QtBot) -> None:
    pane, ticket_id = _pane_on(make_window, ctx)
    pane.title.setText("Printer offline on floor 2")
    lock.hold()
    pane.save_button.click()
    assert pane.message.isVisible() and "busy" in pane.message.text()
    assert pane.title.text() == "Printer offline on floor 2"  # nothing typed is touched
    _release_once_busy(qtbot, pane.message.text, lock)
    qtbot.waitUntil(lambda: ctx.tickets.detail(ticket_id).title
                    == "Printer offline on floor 2", timeout=5000)
    qtbot.waitUntil(lambda: not pane.message.isVisible())
    assert not pane.has_unsaved_changes() and not pane.busy.pending


def test_a_desk_busy_past_every_retry_gives_up_keeping_the_edits(
        make_window: WindowFactory, ctx: AppContext, lock: WriteLock, qtbot: QtBot) -> None:
    pane, ticket_id = _pane_on(make_window, ctx)
    pane.title.setText("Mine")
    pane.description.setPlainText("Typed while the desk was busy")
    lock.hold()
    pane.save_button.click()
    qtbot.waitUntil(lambda: "still busy" in pane.message.text(), timeout=10000)
    assert f"not saved after {BUSY_RETRIES + 1} tries" in pane.message.text()
    assert "Your edits are still here" in pane.message.text()
    assert not pane.busy.pending
    assert pane.title.text() == "Mine"
    assert pane.description.toPlainText() == "Typed while the desk was busy"
    assert pane.has_unsaved_changes()
    lock.release()
    assert ctx.tickets.detail(ticket_id).title == "Printer offline"
    pane.save_button.click()  # the desk is free again: Save works at once
    assert ctx.tickets.detail(ticket_id).title == "Mine"


def test_a_reply_on_a_busy_desk_keeps_the_text_and_is_sent_once_free(
        make_window: WindowFactory, ctx: AppContext, lock: WriteLock, qtbot: QtBot) -> None:
    pane, ticket_id = _pane_on(make_window, ctx)
    pane.composer.setPlainText("Have you tried turning it off and on again?")
    pane.draft_timer.stop()
    lock.hold()
    pane.send_button.click()
    assert pane.composer.toPlainText() == "Have you tried turning it off and on again?"
    _release_once_busy(qtbot, pane.composer_error.text, lock)
    qtbot.waitUntil(lambda: any("turning it off" in (e.body or "")
                                for e in ctx.tickets.detail(ticket_id).timeline),
                    timeout=5000)
    qtbot.waitUntil(lambda: not pane.composer_error.isVisible())
    assert pane.composer.toPlainText() == ""


def test_a_status_move_on_a_busy_desk_is_retried(
        make_window: WindowFactory, ctx: AppContext, lock: WriteLock, qtbot: QtBot) -> None:
    pane, ticket_id = _pane_on(make_window, ctx)
    lock.hold()
    pane.move_to(Status.IN_PROGRESS)
    assert ctx.tickets.detail(ticket_id).status is Status.NEW
    _release_once_busy(qtbot, pane.message.text, lock)
    qtbot.waitUntil(lambda: ctx.tickets.detail(ticket_id).status is Status.IN_PROGRESS,
                    timeout=5000)


def test_leaving_the_ticket_cancels_its_pending_retry(
        make_window: WindowFactory, ctx: AppContext, lock: WriteLock, qtbot: QtBot) -> None:
    pane, ticket_id = _pane_on(make_window, ctx)
    other = ctx.tickets.create(make_draft(title="VPN drops"), actor=ME).id
    fast(pane.busy).delay_ms = 60_000  # stays pending while the ticket changes
    lock.hold()
    pane.move_to(Status.IN_PROGRESS)
    assert pane.busy.pending
    pane.show_ticket(other)
    assert not pane.busy.pending
    lock.release()
    assert ctx.tickets.detail(ticket_id).status is Status.NEW


def test_a_new_ticket_on_a_busy_desk_keeps_the_dialog_and_saves_once_free(
        ctx: AppContext, lock: WriteLock, qtbot: QtBot) -> None:
    dialog = NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, ask=ScriptedAsk())
    qtbot.addWidget(dialog)
    fast(dialog.busy)
    dialog.show()
    qtbot.keyClicks(dialog.title, "Server room too hot")
    qtbot.keyClicks(dialog.requester, "Facilities")
    lock.hold()
    dialog.save()
    assert dialog.isVisible() and dialog.created is None
    assert dialog.title.text() == "Server room too hot"
    _release_once_busy(qtbot, dialog.banner.text, lock)
    qtbot.waitUntil(lambda: dialog.created is not None, timeout=5000)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ctx.tickets.detail(dialog.created.id).title == "Server room too hot"


def test_another_failure_is_not_retried(ctx: AppContext, db_path: Path,
                                        qtbot: QtBot) -> None:
    """Only a busy desk is worth waiting for: a full disk says so at once."""
    fill_the_disk(db_path)
    dialog = NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, ask=ScriptedAsk())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.title, "Server room too hot")
    qtbot.keyClicks(dialog.requester, "Facilities")
    dialog.save()
    assert not dialog.busy.pending
    assert "database or disk is full" in dialog.banner.text()


def test_a_try_on_a_busy_desk_holds_the_window_a_moment_not_the_busy_timeout(
        make_window: WindowFactory, ctx: AppContext, db_path: Path) -> None:
    """With SQLite's real 5 s busy timeout (no `lock` fixture), one Save on a locked desk
    returns to the event loop after the window's short wait, the retry scheduled and said;
    each try used to hold the window for the whole 5 s."""
    import time

    pane, ticket_id = _pane_on(make_window, ctx)
    held = WriteLock(db_path)
    try:
        pane.title.setText("Mine")
        held.hold()
        started = time.monotonic()
        pane.save_button.click()
        held_up = time.monotonic() - started
        assert "retrying" in pane.message.text()
        assert pane.busy.pending
        assert held_up < 4 * WINDOW_LOCK_WAIT_MS / 1000 < engine_module.BUSY_TIMEOUT_MS / 1000
    finally:
        pane.busy.cancel()
        held.release()
        held.conn.close()
    pane.save_button.click()
    assert ctx.tickets.detail(ticket_id).title == "Mine"
