from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.ui.common.ask import Answer, Question
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from tests.conftest import ME


@pytest.fixture
def ui_settings(tmp_path: Path) -> UiSettings:
    return UiSettings(tmp_path / "settings.ini")


class ScriptedAsk:
    """Answers the app's Save / Discard / Cancel questions (ui/common/ask.py) without a modal loop:
    the next scripted answer, or Discard once the script is used up (so closing a test's
    widgets at teardown never blocks). `asked` records every question, in order."""

    def __init__(self, *answers: Answer) -> None:
        self.script = list(answers)
        self.asked: list[Question] = []

    def __call__(self, _parent: QWidget | None, question: Question) -> Answer:
        self.asked.append(question)
        return self.script.pop(0) if self.script else Answer.DISCARD

    def then(self, *answers: Answer) -> ScriptedAsk:
        """Script the next answers; returns self so a test reads `answers.then(CANCEL)`."""
        self.script.extend(answers)
        return self


@pytest.fixture
def answers() -> ScriptedAsk:
    return ScriptedAsk()


@pytest.fixture
def make_window(ctx: AppContext, ui_settings: UiSettings, qtbot: QtBot, answers: ScriptedAsk
                ) -> Iterator[Callable[[], MainWindow]]:
    def make() -> MainWindow:
        window = MainWindow(ctx, ui_settings, actor=ME, ask=answers)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        activate(qtbot, window)
        return window
    yield make


def activate(qtbot: QtBot, window: QWidget) -> None:
    """Make `window` the active one: window shortcuts (Ctrl+N, Ctrl+Enter) only fire there,
    and the offscreen platform does not activate new windows by itself."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def when_modal(callback: Callable[[QWidget], None], *, attempts: int = 500) -> None:
    """Run `callback` with the modal dialog once Qt shows one (for code that calls exec()).

    Polls on a timer instead of blocking, so it works whether the dialog opens before or
    after the caller starts its own event loop.
    """
    def poll(left: int) -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget.isVisible():
            callback(widget)
        elif left > 0:
            QTimer.singleShot(10, lambda: poll(left - 1))

    QTimer.singleShot(0, lambda: poll(attempts))


def fill_the_disk(db_path: Path, table: str = "ticket") -> None:
    """Every insert into `table` fails as SQLite does on a full disk (a trigger raising
    its words), so a test can provoke the failure without filling a real disk."""
    conn = sqlite3.connect(db_path)
    conn.execute(f"CREATE TRIGGER full BEFORE INSERT ON {table} "
                 "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    conn.commit()
    conn.close()


def launch_and_read(database: str) -> tuple[int, list[str]]:
    """Run `launch` on `database` and return its exit status and the text of every message
    box it showed (each closed as it opens); the excepthook it installs is undone."""
    from desk_app.ui.launch import launch

    shown: list[str] = []

    def read(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        shown.append(box.text())
        box.close()

    when_modal(read)
    saved_hook = sys.excepthook
    try:
        status = launch(database)
    finally:
        sys.excepthook = saved_hook
    return status, shown
