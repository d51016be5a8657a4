"""A desk that cannot be written opens read-only: a banner says so, every action that
writes is disabled, reading and exporting still work; an impossible path is explained in
one line before any window opens."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Status
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from tests.conftest import ME, FakeClock, make_draft
from tests.store.test_target import forbid_writes_in_header
from tests.ui.conftest import launch_and_read, when_modal


def _desk(path: Path, clock: FakeClock) -> Path:
    ctx = open_context(path, clock=clock, user_tz="UTC")
    ctx.directory.ensure_technician(ME)
    first = ctx.tickets.create(make_draft(title="Printer offline"), actor=ME)
    ctx.tickets.create(make_draft(title="VPN drops"), actor=ME)
    ctx.tickets.change_status(first.id, Status.IN_PROGRESS, expected_version=first.version,
                              actor=ME)
    ctx.close()
    return path


@pytest.fixture
def read_only_ctx(tmp_path: Path, clock: FakeClock) -> Iterator[AppContext]:
    """A desk SQLite refuses to write to (root included), opened as the window opens it."""
    path = _desk(tmp_path / "desk.sqlite3", clock)
    forbid_writes_in_header(path)
    ctx = open_context(path, clock=clock, user_tz="UTC")
    yield ctx
    ctx.close()


def _window(ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> MainWindow:
    window = MainWindow(ctx, UiSettings(tmp_path / "settings.ini"), actor=ME,
                        start_monitor=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _action(window: MainWindow, text: str) -> QAction:
    found = [a for a in window.actions() if a.text().replace("&", "") == text]
    assert len(found) == 1, text
    return found[0]


def test_a_read_only_desk_shows_a_banner_and_disables_every_edit(
        read_only_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    assert read_only_ctx.read_only
    window = _window(read_only_ctx, tmp_path, qtbot)
    banner = window.read_only_banner
    assert banner.isVisible()  # at the top, above the list and the detail pane
    assert banner.mapTo(window, QPoint()).y() < window.search.mapTo(window, QPoint()).y()
    assert "Read-only desk" in banner.text()
    assert "attempt to write a readonly database" in banner.text()
    assert "(read-only)" in window.db_label.text()
    assert window.windowTitle() == "Desk App (read-only)"

    new_button = window.findChild(QToolButton, "newTicketButton")
    assert new_button is not None and not new_button.isEnabled()
    for text in ("New ticket…", "Settings…", "Import tickets from CSV…"):
        assert not _action(window, text).isEnabled(), text
    for text in ("Tickets in this view…", "Period summary…", "Breach list…",
                 "Service credits…", "Reports and credits…", "Service levels…",
                 "Contracts and credits…", "Refresh"):
        assert _action(window, text).isEnabled(), text
    assert window.watch.monitor is None  # the monitor writes clocks: not started

    assert window.model.rowCount() == 2  # reading works
    for number in (0, 1):  # the status buttons are rebuilt per ticket: all stay disabled
        window.select_ticket(window.model.ticket_id(number) or 0)
        pane = window.detail
        assert pane.detail is not None
        assert pane.action_buttons and not any(b.isEnabled() for b in
                                               pane.action_buttons.values())
        assert not pane.save_button.isEnabled() and not pane.send_button.isEnabled()
        assert pane.title.isReadOnly() and pane.composer.isReadOnly()
        assert not pane.assignee.isEnabled()


def test_a_writable_desk_has_no_banner(ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    window = _window(ctx, tmp_path, qtbot)
    try:
        assert not hasattr(window, "read_only_banner")
        assert _action(window, "New ticket…").isEnabled()
        assert window.detail.save_button.isEnabled()
        assert all(b.isEnabled() for b in window.detail.action_buttons.values())
        assert window.watch.monitor is not None
    finally:
        window.watch.shutdown()


def test_the_service_levels_editor_opens_without_save_on_a_read_only_desk(
        read_only_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    window = _window(read_only_ctx, tmp_path, qtbot)
    seen: list[tuple[bool, bool]] = []

    def look(dialog: QWidget) -> None:
        box = dialog.findChild(QDialogButtonBox)
        save = box.button(QDialogButtonBox.StandardButton.Save) if box else None
        cancel = box.button(QDialogButtonBox.StandardButton.Cancel) if box else None
        seen.append((save is not None and save.isEnabled(),
                     cancel is not None and cancel.isEnabled()))
        dialog.close()

    when_modal(look)
    window.open_sla_settings()
    assert seen == [(False, True)]


def test_the_contracts_dialog_cannot_save_on_a_read_only_desk(
        read_only_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    window = _window(read_only_ctx, tmp_path, qtbot)
    seen: list[bool] = []

    def look(dialog: QWidget) -> None:
        seen.extend(b.isEnabled() for b in dialog.findChildren(QPushButton)
                    if b.text().startswith("Save"))
        dialog.close()

    when_modal(look)
    window.open_contracts()
    assert seen == [False]


@pytest.mark.parametrize(("where", "reason"), [
    (lambda t: t, "it is a folder, not a database file"),
    (lambda t: (t / "file").write_text("x") and t / "file" / "sub" / "desk.sqlite3",
     "is a file, so no folder can be made in it"),
])
def test_an_impossible_path_is_one_line_before_any_window(
        where: object, reason: str, tmp_path: Path, qtbot: QtBot) -> None:
    path = where(tmp_path)  # type: ignore[operator]
    status, shown = launch_and_read(str(path))
    assert status == 1
    first_line = shown[0].splitlines()[0]
    assert first_line.startswith(f"cannot use {path}: ") and reason in first_line


def test_launch_opens_a_read_only_desk_read_only(tmp_path: Path, clock: FakeClock,
                                                 qtbot: QtBot) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desk_app.ui.launch import launch

    path = _desk(tmp_path / "desk.sqlite3", clock)
    before = path.read_bytes()
    seen: list[bool] = []

    def look_then_close() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, look_then_close)
            return
        seen.append(windows[0].read_only_banner.isVisible())
        windows[0].close()

    QTimer.singleShot(0, look_then_close)
    saved_hook = sys.excepthook
    try:
        assert launch(str(path), read_only=True) == 0
    finally:
        sys.excepthook = saved_hook
    assert seen == [True]
    assert path.read_bytes() == before


def test_the_team_pages_show_but_cannot_change_a_read_only_desk(
        read_only_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    window = _window(read_only_ctx, tmp_path, qtbot)
    seen: dict[str, list[bool]] = {}

    def look(dialog: QWidget) -> None:
        seen[dialog.windowTitle()] = [
            b.isEnabled() for b in dialog.findChildren(QPushButton)
            if b.text().replace("&", "") in ("Save changes", "New technician", "Add",
                                             "Apply tier")]
        dialog.close()

    when_modal(look)
    _action(window, "Technicians…").trigger()
    when_modal(look)
    _action(window, "Organizations…").trigger()
    assert seen == {"Technicians": [False, False], "Organizations": [False, False]}
