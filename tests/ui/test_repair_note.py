"""A desk repaired at start-up (recreated half-created, or restored half-migrated) says so
in the window once, as the command line does in its `desk-app: note: …` line: before, the
window only wrote the note to the log (docs/reliability.md, "Schema changes")."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from desk_app.ui.main_window import MainWindow
from tests.reliability.harness import make_half_created_desk, make_half_migrated_desk


def _launch_and_look(path: Path) -> list[str | None]:
    """Run `launch` on `path` as `desk-app` does; the repair note the window showed on
    screen (None: no note), read once the window is up, then the window is closed."""
    from desk_app.ui.launch import launch

    seen: list[str | None] = []

    def look_then_close() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, look_then_close)
            return
        label = getattr(windows[0], "repair_note_label", None)
        seen.append(label.text() if label is not None and label.isVisible() else None)
        windows[0].close()

    QTimer.singleShot(0, look_then_close)
    saved_hook = sys.excepthook  # launch installs the crash dialog for the process
    try:
        assert launch(str(path)) == 0
    finally:
        sys.excepthook = saved_hook
    return seen


@pytest.mark.parametrize(("damage", "words"), [
    (make_half_created_desk, "half-created by an interrupted first start"),
    (make_half_migrated_desk, "half-migrated by an interrupted upgrade; restored it from"),
], ids=["half-created", "half-migrated"])
def test_the_window_shows_the_repair_note_once(
        damage: Callable[[Path], object], words: str, db_path: Path, qtbot: QtBot) -> None:
    damage(db_path)
    (shown,) = _launch_and_look(db_path)
    assert shown is not None, "the window did not show the repair note"
    assert shown.startswith("The desk was repaired at start-up: ") and words in shown
    assert str(db_path) in shown
    # The desk is whole now: the next start has nothing to say.
    assert _launch_and_look(db_path) == [None]


def test_dismiss_hides_the_repair_note(db_path: Path, qtbot: QtBot) -> None:
    from desk_app.app import open_context
    from desk_app.ui.settings.ui_settings import UiSettings

    make_half_created_desk(db_path)
    ctx = open_context(db_path)
    try:
        window = MainWindow(ctx, UiSettings(db_path.parent / "settings.ini"), actor="Ann Lee")
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        assert window.repair_note_banner.isVisible()
        button = window.repair_note_banner.findChild(QPushButton, "dismissRepairNote")
        assert button is not None
        button.click()
        assert not window.repair_note_banner.isVisible()
        window.close()
    finally:
        ctx.close()
