"""Settings, the resolve prompt, the crash dialog and a whole demo start-up."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.ui.common.errors import install_excepthook
from desk_app.ui.settings.settings_dialog import SettingsDialog
from desk_app.ui.tickets.resolve_dialog import Resolution, ResolveDialog, ask_resolution_note
from tests.conftest import make_draft
from tests.ui.conftest import launch_and_read, when_modal


def test_resolve_dialog_needs_a_note(qtbot: QtBot) -> None:
    dialog = ResolveDialog()
    qtbot.addWidget(dialog)
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.note, "   ")
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.note, "Rebooted the switch")
    assert dialog.ok.isEnabled()
    assert dialog.text() == "Rebooted the switch"


def test_ask_resolution_note_returns_the_text_or_none(qtbot: QtBot) -> None:
    def type_and_accept(dialog: QWidget) -> None:
        assert isinstance(dialog, ResolveDialog)
        dialog.note.setPlainText("Patched it")
        dialog.rating.setCurrentIndex(dialog.rating.findData(4))
        dialog.comment.setText("Quick, thanks")
        dialog.accept()

    when_modal(type_and_accept)
    assert ask_resolution_note(None) == Resolution("Patched it", 4, "Quick, thanks")  # type: ignore[arg-type]
    when_modal(lambda d: d.close())
    assert ask_resolution_note(None) is None  # type: ignore[arg-type]


def test_settings_change_technician_and_categories(ctx: AppContext, qtbot: QtBot) -> None:
    dialog = SettingsDialog(ctx.directory, technician="Alex Morgan")
    qtbot.addWidget(dialog)
    dialog.technician.setCurrentText("Sam Night-Shift")
    dialog.categories.takeItem(dialog.categories.count() - 1)  # "Other"
    item = dialog._add_item("Hardware")
    dialog.categories.setCurrentItem(item)
    dialog._on_move(-1)
    dialog.apply()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert "Sam Night-Shift" in ctx.directory.technicians()
    cats = ctx.directory.categories()
    assert cats[-2:] == ["Hardware", "Access request"] and "Other" not in cats


def test_a_category_in_use_cannot_be_removed(ctx: AppContext, qtbot: QtBot) -> None:
    ctx.tickets.create(make_draft(category="Other"), actor="Alex Morgan")
    dialog = SettingsDialog(ctx.directory, technician="Alex Morgan")
    qtbot.addWidget(dialog)
    dialog.show()
    names = dialog.category_names()
    dialog.categories.takeItem(names.index("Other"))
    dialog.apply()
    assert dialog.isVisible()
    assert "'Other' is used by 1 tickets" in dialog.categories_error.text()
    assert "Other" in ctx.directory.categories()


def test_unexpected_errors_are_logged_and_shown(tmp_path: Path, qtbot: QtBot,
                                               caplog) -> None:
    log_path = tmp_path / "desk-app.log"
    saved = sys.excepthook
    shown: list[str] = []

    def read(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        shown.append(box.text() + "\n" + box.informativeText())
        box.close()

    try:
        install_excepthook(log_path)
        try:
            raise RuntimeError("boom in a slot")
        except RuntimeError as exc:
            when_modal(read)
            with caplog.at_level(logging.ERROR, logger="desk_app"):
                sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = saved
    assert "RuntimeError: boom in a slot" in shown[0]
    assert str(log_path) in shown[0]
    assert "test_dialogs_and_launch.py" in shown[0]
    assert any("boom in a slot" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_demo_start_up_fills_a_fresh_database_and_opens_the_window(tmp_path: Path,
                                                                    qtbot: QtBot) -> None:
    from PySide6.QtCore import QTimer

    from desk_app.ui.launch import DEMO_TICKETS, launch
    from desk_app.ui.main_window import MainWindow

    db = tmp_path / "demo.sqlite3"
    seen: list[tuple[str, int]] = []

    def look_then_close() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, look_then_close)
            return
        window = windows[0]
        seen.append((window.windowTitle(), window.model.rowCount()))
        window.close()

    QTimer.singleShot(0, look_then_close)
    saved_hook = sys.excepthook  # launch installs the crash dialog for the process
    try:
        assert launch(str(db), demo=True) == 0
    finally:
        sys.excepthook = saved_hook
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM ticket").fetchone()[0] == DEMO_TICKETS
    conn.close()
    title, rows = seen[0]
    assert title.startswith("Desk App — demo") and rows > 0


def test_start_up_on_a_newer_database_explains_and_exits(tmp_path: Path,
                                                         qtbot: QtBot) -> None:
    from desk_app.app import open_context
    from tests.conftest import FakeClock

    db = tmp_path / "newer.sqlite3"
    open_context(db, clock=FakeClock()).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num='9999'")
    conn.commit()
    conn.close()
    status, shown = launch_and_read(str(db))
    assert status == 1
    assert "newer version of Desk App" in shown[0]
