"""Hostile user and file text renders as text in every widget that shows it: no bold, no
image loaded, no link. Qt guesses rich text in labels, message boxes and tooltips, so each
place either is plain text or escapes what it shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QTextEdit, QWidget
from pytestqt.qtbot import QtBot

import desk_app
from desk_app.app import AppContext
from desk_app.domain.ticket import RequesterInput
from desk_app.services.importer import ImportService
from desk_app.ui.common.ask import Answer, Question, ask_with_message_box
from desk_app.ui.common.plain import plain_message, plain_tooltip
from desk_app.ui.main_window import MainWindow
from desk_app.ui.sla.alerts_dialog import NotificationsDialog
from desk_app.ui.tickets.ticket_table_model import Column
from desk_app.ui.transfer.import_dialog import ImportDialog
from desk_app.workers.task_runner import SyncRunner
from tests.conftest import FakeClock, make_draft, monitor_for
from tests.ui.conftest import (  # noqa: F401 (fixtures)
    ME,
    answers,
    make_window,
    ui_settings,
    when_modal,
)

HOSTILE = '<b>B</b><img src="/tmp/p.png">'
NAME = "<i>Eve</i><img src=p.png>"
FILE_NAME = "<b>Eve<img src=p.png>"  # no "/": a file may be called so


def leaks(root: QWidget) -> list[str]:
    """Every place under `root` where markup from user text would be rendered."""
    found = []
    for label in root.findChildren(QLabel):
        if label.textFormat() != Qt.TextFormat.PlainText and "<img" in label.text():
            found.append(f"label {label.objectName() or label.text()[:40]!r}")
    for widget in [root, *root.findChildren(QWidget)]:
        if "<img" in widget.toolTip():
            found.append(f"tooltip of {type(widget).__name__}")
    for edit in root.findChildren(QTextEdit):
        if re.search(r"<img\b", edit.toHtml()):
            found.append(f"text view {edit.objectName()!r}")
    return found


def shown_literally(root: QWidget, text: str) -> bool:
    return any(text in label.text() and label.textFormat() == Qt.TextFormat.PlainText
               for label in root.findChildren(QLabel))


def test_the_detail_pane_and_the_list_show_user_text_as_text(
        ctx: AppContext, make_window: Callable[[], MainWindow]) -> None:  # noqa: F811
    detail = ctx.tickets.create(make_draft(
        title=HOSTILE, description=HOSTILE, product=HOSTILE,
        requester=RequesterInput(name=NAME, organization=HOSTILE)), actor=ME)
    ctx.tickets.add_note(detail.id, HOSTILE, actor=ME)
    window = make_window()
    window.select_ticket(detail.id)
    assert leaks(window) == []
    assert shown_literally(window.detail, HOSTILE)  # the heading, as typed
    assert HOSTILE in window.detail.timeline.toPlainText()
    model = window.table.model()
    row = next(r for r in range(model.rowCount())
               if model.index(r, Column.TITLE).data() == HOSTILE)
    tooltip = model.index(row, Column.TITLE).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tooltip and "&lt;img" in tooltip


def test_the_alerts_list_shows_titles_as_text(ctx: AppContext, clock: FakeClock,
                                             make_window: Callable[[], MainWindow],  # noqa: F811
                                             ) -> None:
    ctx.tickets.create(make_draft(title=HOSTILE, assignee=ME), actor=ME)
    monitor = monitor_for(ctx)
    clock.now += timedelta(hours=4, minutes=5)  # past the first-response target
    assert monitor.sweep(clock.now).crossings
    window = make_window()
    seen: list[tuple[list[str], list[str], list[str]]] = []

    def inspect(dialog: QWidget) -> None:
        try:  # read, then close whatever happens: an assertion here would leave it open
            assert isinstance(dialog, NotificationsDialog)
            top = dialog.tree.topLevelItem(0)
            columns = range(dialog.tree.columnCount())
            seen.append((leaks(dialog), [top.text(c) for c in columns],
                         [top.toolTip(c) for c in columns]))
        finally:
            dialog.reject()

    when_modal(inspect)
    window.watch.show_notifications()
    [(leaked, texts, tips)] = seen
    assert leaked == []
    assert any(HOSTILE in t for t in texts)  # the title, as typed
    assert not any("<img" in t for t in tips)
    assert any("&lt;img" in t for t in tips)  # escaped in its tooltip


def test_the_import_dialog_escapes_file_and_category_names(
        ctx: AppContext, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / f"{FILE_NAME}.csv"
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    path.write_text(f"Subject,Category,Created\n{quoted},{quoted},2026-01-05 10:00\n",
                    encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "CSV files (*.csv)")))
    dialog = ImportDialog(ImportService(ctx.db, ctx.sla, ctx.clock), actor=ME,
                          runner=SyncRunner(), parent=None)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.choose_button.click()
    summary = dialog.summary_label.text()
    assert "new categories" in summary
    assert "<img" not in summary and "&lt;img src=p.png&gt;" in summary
    assert leaks(dialog) == []


def test_questions_and_messages_are_plain_text(monkeypatch: pytest.MonkeyPatch,
                                               qtbot: QtBot) -> None:
    seen: list[QMessageBox] = []

    def record(box: QMessageBox) -> int:
        seen.append(box)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", record)
    ask_with_message_box(None, Question(title="Unsaved", text=f"Save {HOSTILE}?",
                                        detail=HOSTILE, choices=(Answer.SAVE, Answer.CANCEL)))
    plain_message(None, QMessageBox.Icon.Warning, "Export failed", HOSTILE).exec()
    assert len(seen) == 2
    for box in seen:
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert HOSTILE in box.text()


def test_plain_tooltips_escape_markup_and_keep_plain_text_as_is() -> None:
    assert plain_tooltip("Created 10:00\nUpdated 11:00") == "Created 10:00\nUpdated 11:00"
    assert plain_tooltip(f"{HOSTILE}\nx") == \
        "<qt>&lt;b&gt;B&lt;/b&gt;&lt;img src=&quot;/tmp/p.png&quot;&gt;<br>x</qt>"


def test_no_widget_code_builds_a_label_that_guesses_rich_text() -> None:
    """Source scan: labels are PlainLabel (ui/common/plain.py) or rich_label with escaped parts;
    message boxes that can quote user text are built with plain_message."""
    ui = Path(desk_app.__file__).parent / "ui"
    offenders = []
    for path in sorted(ui.rglob("*.py")):
        if path.name == "plain.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bQLabel\(", line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
            static = re.search(r"QMessageBox\.(critical|warning|information|question)\(", line)
            if static and path.name != "sla_settings_dialog.py":  # figures only, no user text
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []
