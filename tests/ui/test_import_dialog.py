"""The import dialog: pick a file, map columns and words, choose a date format, import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.domain.import_fields import ImportField
from desk_app.domain.import_values import DateFormat
from desk_app.services.importer import ImportInterrupted, ImportService
from desk_app.store.models import Ticket
from desk_app.ui.main_window import MainWindow
from desk_app.ui.transfer.import_dialog import NOT_IMPORTED, PROPOSED, ImportDialog
from desk_app.workers.task_runner import SyncRunner, TaskRunner
from tests.conftest import ME
from tests.ui.conftest import when_modal

CSV = ("Subject;Status;Priority;Created;Requester;Email;Company;Notes\n"
       "Printer jam;Solved;Urgent;03/11/2026 09:00;Anna Adler;anna@northwind.example;"
       "Northwind Café;x\n"
       "VPN drops;Neu;High;04/11/2026 10:30;Ben Brooks;ben@contoso.example;Contoso;y\n"
       "New laptop;Open;Low;05/11/2026 08:15;Ben Brooks;ben@contoso.example;Contoso;z\n")


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "old-desk.csv"
    path.write_bytes(CSV.encode("cp1252"))
    return path


def pick(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "CSV files (*.csv)")))


def tickets(ctx: AppContext) -> int:
    with ctx.db.session_scope() as s:
        return int(s.execute(select(func.count()).select_from(Ticket)).scalar() or 0)


def make_dialog(ctx: AppContext, qtbot: QtBot, runner: object | None = None) -> ImportDialog:
    dialog = ImportDialog(ctx.imports, actor=ME,
                          runner=runner or SyncRunner(), parent=None)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


def choose(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def test_dialog_maps_previews_and_imports(ctx: AppContext, qtbot: QtBot, csv_file: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = make_dialog(ctx, qtbot)
    pick(monkeypatch, csv_file)
    dialog.choose_button.click()

    assert "Windows-1252, semicolon-separated, 3 rows" in dialog.detected_label.text()
    combos = dialog.column_combos
    assert combos[ImportField.TITLE].currentText() == "Subject"
    assert combos[ImportField.ORGANIZATION].currentText() == "Company"
    assert combos[ImportField.ASSIGNEE].currentText() == NOT_IMPORTED
    assert "Notes" in dialog.ignored_label.text()
    # The preview shows the mapped fields, words translated.
    headers = [dialog.preview.horizontalHeaderItem(c).text()
               for c in range(dialog.preview.columnCount())]
    assert headers == ["Title", "Status", "Priority", "Created", "Requester",
                       "Requester email", "Organization"]
    status_col = headers.index("Status")
    assert dialog.preview.item(0, status_col).text() == "Solved → Resolved"
    assert dialog.preview.rowCount() == 3

    # One problem: dates that read both ways. 'Neu' is no problem: it matches nothing, so
    # it gets the neutral New, flagged for the user.
    assert not dialog.import_button.isEnabled()
    texts = [dialog.problems.item(r, 2).text() for r in range(dialog.problems.rowCount())]
    assert len(texts) == 1 and "read both as DD/MM/YYYY and as MM/DD/YYYY" in texts[0]
    assert word_row(dialog, "status", "Neu") == ("Neu", "1", "New", "⚠ no match: neutral")

    # Change the word on the Values tab and choose the date format on the Dates tab.
    neu = word_combo(dialog, "status", "Neu")
    choose(neu, "in_progress")
    assert word_row(dialog, "status", "Neu")[3] == "your choice"
    choose(dialog.date_combos[ImportField.CREATED], DateFormat.DMY.value)
    assert dialog.problems.rowCount() == 0
    assert dialog.import_button.isEnabled()

    before = tickets(ctx)
    with qtbot.waitSignal(dialog.sig_imported, timeout=1000) as signal:
        dialog.import_button.click()
    assert tickets(ctx) == before + 3
    assert signal.args[0].tickets == 3
    assert dialog.imported_text == ("Imported 3 tickets, 2 new contacts, 2 new organizations "
                                    "from old-desk.csv.")
    assert not dialog.import_button.isEnabled()
    detail = ctx.tickets.detail(ctx.tickets.find_by_number(1001) or 0)
    assert detail.created_at.day == 3 and detail.created_at.month == 11  # DD/MM chosen
    vpn = ctx.tickets.detail(ctx.tickets.find_by_number(1002) or 0)
    assert vpn.status is Status.IN_PROGRESS  # the user's choice for 'Neu'


def word_row(dialog: ImportDialog, kind: str, word: str) -> tuple[str, str, str, str]:
    """One row of a Values table as the user reads it: word, rows, ours, how."""
    table = dialog.word_tables[kind]
    words = [table.item(r, 0).text() for r in range(table.rowCount())]
    r = words.index(word)
    combo = table.cellWidget(r, 2)
    assert isinstance(combo, QComboBox)
    return (words[r], table.item(r, 1).text(), combo.currentText(), table.item(r, 3).text())


def word_combo(dialog: ImportDialog, kind: str, word: str) -> QComboBox:
    table = dialog.word_tables[kind]
    words = [table.item(r, 0).text() for r in range(table.rowCount())]
    combo = table.cellWidget(words.index(word), 2)
    assert isinstance(combo, QComboBox)
    return combo


FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"


def test_guessed_words_are_listed_with_counts_and_a_change_takes_effect(
        ctx: AppContext, qtbot: QtBot) -> None:
    dialog = make_dialog(ctx, qtbot)
    dialog.load(FIXTURES / "freshdesk_export.csv")
    assert dialog.report is not None and dialog.report.ok
    assert dialog.import_button.isEnabled()  # no mapping file, no problem
    assert word_row(dialog, "status", "OpenPending") == (
        "OpenPending", "2", "Waiting on customer", "⚠ guessed")
    assert word_row(dialog, "status", "Pending") == ("Pending", "1", "Waiting on customer", "")
    assert word_row(dialog, "channel", "Outbound Email") == (
        "Outbound Email", "1", "Email", "⚠ guessed")
    assert dialog.tabs.tabText(1) == "2 · Values (2 to check ⚠)"
    assert "OpenPending → Waiting on customer (2 rows), guessed" in \
        dialog.guesses_label.text()

    choose(word_combo(dialog, "status", "OpenPending"), "in_progress")
    assert word_row(dialog, "status", "OpenPending")[2:] == ("In progress", "your choice")
    assert dialog.tabs.tabText(1) == "2 · Values (1 to check ⚠)"
    status_col = [dialog.preview.horizontalHeaderItem(c).text()
                  for c in range(dialog.preview.columnCount())].index("Status")
    assert dialog.preview.item(1, status_col).text() == "OpenPending → In progress"
    with qtbot.waitSignal(dialog.sig_imported, timeout=1000):
        dialog.import_button.click()
    webshop = ctx.tickets.detail(ctx.tickets.find_by_number(1002) or 0)
    assert webshop.status is Status.IN_PROGRESS


def test_other_as_a_source_gets_the_neutral_channel_flagged(ctx: AppContext,
                                                             qtbot: QtBot) -> None:
    dialog = make_dialog(ctx, qtbot)
    dialog.load(FIXTURES / "osticket_export.csv")
    assert word_row(dialog, "channel", "Other") == ("Other", "2", "Email",
                                                    "⚠ no match: neutral")
    assert dialog.import_button.isEnabled()


def test_a_proposed_title_is_shown_and_can_be_replaced(ctx: AppContext, qtbot: QtBot) -> None:
    dialog = make_dialog(ctx, qtbot)
    dialog.load(FIXTURES / "tracker_export.csv")
    assert not dialog.title_note.isHidden()
    assert "the title is made of 'Issue Type' and 'Ticket ID', e.g. 'Bug #123'" in \
        dialog.title_note.text()
    title = dialog.column_combos[ImportField.TITLE]
    assert title.currentText() == "Issue Type + Ticket ID (proposed)"
    assert dialog.preview.horizontalHeaderItem(0).text() == "Title"
    assert dialog.preview.item(0, 0).text() == "Bug #123"
    assert dialog.import_button.isEnabled()
    assert dialog.notes_label.text().startswith(
        "• No Subject, Title or Summary column: the title is made of 'Issue Type' and "
        "'Ticket ID', e.g. 'Bug #123' (proposed).\n"
        "• 4 words guessed by meaning or given the neutral value (Values tab).\n")

    choose(title, "Labels")
    assert dialog.preview.item(0, 0).text() == "hardware"
    assert dialog.title_note.isHidden()
    choose(title, PROPOSED)
    assert dialog.preview.item(0, 0).text() == "Bug #123"
    with qtbot.waitSignal(dialog.sig_imported, timeout=1000):
        dialog.import_button.click()
    assert ctx.tickets.detail(ctx.tickets.find_by_number(1008) or 0).title == "Task #130"


def test_unmapping_the_title_is_a_problem_and_a_column_can_be_chosen(
        ctx: AppContext, qtbot: QtBot, csv_file: Path) -> None:
    dialog = make_dialog(ctx, qtbot)
    dialog.load(csv_file)
    choose(dialog.column_combos[ImportField.TITLE], None)
    texts = [dialog.problems.item(r, 2).text() for r in range(dialog.problems.rowCount())]
    assert any("no column holds the ticket title" in t for t in texts)
    choose(dialog.column_combos[ImportField.TITLE], "Notes")
    assert dialog.preview.item(0, 0).text() == "x"


def test_an_unreadable_file_is_refused_with_its_line(ctx: AppContext, qtbot: QtBot,
                                                     tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'Subject;Description\nA;"never closed\n')
    dialog = make_dialog(ctx, qtbot)
    dialog.load(bad)
    assert "line 2" in dialog.status_label.text()
    assert "never closed" in dialog.status_label.text()
    assert not dialog.import_button.isEnabled()
    assert not dialog.tabs.isEnabled()


def test_import_runs_on_a_worker_thread(ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "iso.csv"
    path.write_text("Title,Created\nA,2026-11-02T09:00:00Z\nB,2026-11-03T09:00:00Z\n")
    owner = QWidget()  # a parentless runner must not be freed by Python (crashes PySide6)
    qtbot.addWidget(owner)
    dialog = make_dialog(ctx, qtbot, TaskRunner(owner))
    dialog.load(path)
    assert not dialog.busy.isHidden()  # reading and checking happen on the pool
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=5000)
    assert dialog.busy.isHidden()
    with qtbot.waitSignal(dialog.sig_imported, timeout=5000):
        dialog.import_button.click()
        assert not dialog.busy.isHidden()  # the click returned before the import ended
    assert tickets(ctx) == 2


def test_file_menu_import_refreshes_the_list(make_window: Callable[[], MainWindow],
                                            ctx: AppContext, csv_file: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    window.runner = SyncRunner()
    pick(monkeypatch, csv_file)
    action = next(a for a in window.actions() if "Import tickets" in a.text())

    def drive(widget: QWidget) -> None:
        assert isinstance(widget, ImportDialog)
        widget.choose_file()
        choose(word_combo(widget, "status", "Neu"), "in_progress")
        choose(widget.date_combos[ImportField.CREATED], DateFormat.DMY.value)
        widget.import_button.click()
        widget.close_button.click()

    when_modal(drive)
    action.trigger()
    assert tickets(ctx) == 3
    assert "Imported 3 tickets" in window.statusBar().currentMessage()
    titles = {window.model.index(r, 0).data() for r in range(window.model.rowCount())}
    assert titles  # the list was re-queried


def test_timeline_says_where_an_imported_ticket_came_from() -> None:
    from datetime import UTC, datetime

    from desk_app.domain.enums import EventKind
    from desk_app.services.views import TimelineEntry
    from desk_app.ui.tickets.timeline import describe, timeline_html

    entry = TimelineEntry(id=1, at=datetime(2026, 11, 16, 9, tzinfo=UTC), actor=ME,
                          kind=EventKind.IMPORTED, field=None, old_value=None,
                          new_value="old-desk.csv", body="Row 2 of old-desk.csv.")
    assert describe(entry) == "imported the ticket from old-desk.csv"
    assert "<i>Import:</i> Row 2 of old-desk.csv." in timeline_html([entry])


def test_a_busy_database_is_said_plainly_and_import_can_be_tried_again(
        ctx: AppContext, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "iso.csv"
    path.write_text("Title,Created\nA,2026-11-02T09:00:00Z\n")
    dialog = make_dialog(ctx, qtbot)
    dialog.load(path)
    assert dialog.import_button.isEnabled()
    real = ImportService.run
    message = ("The database was busy or changed while importing (database is locked); "
               "nothing was imported. Import again.")

    def busy(*args: object, **kwargs: object) -> None:
        raise ImportInterrupted(message)

    monkeypatch.setattr(ImportService, "run", busy)
    dialog.import_button.click()
    assert dialog.status_label.text() == f"⚠ {message}"
    assert tickets(ctx) == 0
    assert dialog.import_button.isEnabled()  # the check was clean: try again
    monkeypatch.setattr(ImportService, "run", real)
    with qtbot.waitSignal(dialog.sig_imported, timeout=1000):
        dialog.import_button.click()
    assert tickets(ctx) == 1


class _HeldRunner:
    """Keeps each task's callbacks so a test decides when (and in which order) they land."""

    def __init__(self) -> None:
        self.tasks: list[tuple[Callable[[], Any], Callable[[Any], None],
                               Callable[[BaseException], None]]] = []

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None:
        self.tasks.append((fn, on_done, on_error))

    def finish(self, index: int) -> None:
        fn, on_done, on_error = self.tasks[index]
        try:
            result = fn()
        except Exception as exc:
            on_error(exc)
            return
        on_done(result)


def problem_texts(dialog: ImportDialog) -> list[str]:
    return [dialog.problems.item(r, 2).text() for r in range(dialog.problems.rowCount())]


def test_a_check_that_finishes_late_is_dropped(ctx: AppContext, qtbot: QtBot,
                                               csv_file: Path) -> None:
    runner = _HeldRunner()
    dialog = make_dialog(ctx, qtbot, runner)
    dialog.load(csv_file)
    runner.finish(0)
    choose(word_combo(dialog, "status", "Neu"), "in_progress")
    runner.finish(1)
    choose(dialog.date_combos[ImportField.CREATED], DateFormat.DMY.value)  # 2: clean
    choose(dialog.column_combos[ImportField.TITLE], None)  # 3: no title column
    runner.finish(3)
    runner.finish(2)  # arrives late: must not replace what the latest check found
    assert dialog.report is not None and not dialog.report.ok
    assert any("no column holds the ticket title" in t for t in problem_texts(dialog))
    assert not dialog.import_button.isEnabled()


def test_a_late_failure_of_an_older_read_is_dropped(ctx: AppContext, qtbot: QtBot,
                                                    csv_file: Path, tmp_path: Path) -> None:
    runner = _HeldRunner()
    dialog = make_dialog(ctx, qtbot, runner)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'Subject;Description\nA;"never closed\n')
    dialog.load(bad)
    dialog.load(csv_file)
    runner.finish(1)
    runner.finish(0)  # the unreadable file's failure arrives after the newer read
    assert dialog.tabs.isEnabled()
    assert "never closed" not in dialog.status_label.text()
    assert dialog.report is not None and dialog.report.rows == 3


def test_choices_wait_while_importing(ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "iso.csv"
    path.write_text("Title,Created\nA,2026-11-02T09:00:00Z\n")
    runner = _HeldRunner()
    dialog = make_dialog(ctx, qtbot, runner)
    dialog.load(path)
    runner.finish(0)
    dialog.import_button.click()
    assert not dialog.tabs.isEnabled() and not dialog.tz_edit.isEnabled()
    assert not dialog.encoding_combo.isEnabled()
    runner.finish(1)
    assert dialog.imported is not None and tickets(ctx) == 1
    assert dialog.tabs.isEnabled() and dialog.tz_edit.isEnabled()
