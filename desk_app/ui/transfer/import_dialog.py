"""File > Import tickets: pick a CSV file, check how it will be read, then import it.

Four steps on tabs, all visible once a file is loaded: *Columns* (one choice per field of
ours, with a preview of the first rows as they will be read; a title proposed when the
file has no title column), *Values* (their status, priority and channel words against
ours, each with its row count and whether it was known or guessed, editable), *Dates*
(the format per date column, required where the dates read both ways), *Check* (every
problem with its row and column). Reading,
checking and importing run through the task runner, off the GUI thread; the dialog shows a
busy bar meanwhile. Slots stay thin: each one updates the options and asks the service.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from threading import Event
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.csv_import import (
    VOCABULARIES,
    ImportOptions,
    ImportRefused,
    Problem,
    WordChoice,
)
from desk_app.domain.csv_read import DELIMITERS, ENCODINGS, CsvFormatError, CsvTable, plural
from desk_app.domain.enums import Channel, Priority, Status
from desk_app.domain.import_fields import ImportField
from desk_app.domain.import_values import DateFormat, WordSource, fold
from desk_app.services.importer import ImportReport, ImportResult, ImportService
from desk_app.ui.common.plain import PlainLabel, rich_label
from desk_app.ui.common.screen_fit import fit_to_screen
from desk_app.workers.task_runner import Runner

NOT_IMPORTED = "— not imported —"
# The title combo's entry for the proposed title (one column, or type + ID): choosing it
# leaves the title to the proposal rather than naming a column.
PROPOSED = "\x00proposed"
PREVIEW_ROWS = 20
HINTS = {"date": "choose the format on the Dates tab",
         "column": "choose it on the Columns tab"}
# What the Values tab's last column says about each word.
HOW = {WordSource.KNOWN: "", WordSource.CHOSEN: "your choice",
       WordSource.GUESSED: "⚠ guessed", WordSource.FALLBACK: "⚠ no match: neutral"}


class ImportDialog(QDialog):
    """Builds ImportOptions from the user's choices; ImportService does the work."""

    sig_imported = Signal(object)  # ImportResult
    # (rows done, rows in all), emitted from the import's thread: queued to the GUI thread
    sig_progress = Signal(int, int)

    def __init__(self, service: ImportService, *, actor: str, runner: Runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import tickets from CSV")
        self.setObjectName("importDialog")
        fit_to_screen(self, 980, 680)
        self._service = service
        self._actor = actor
        self._runner = runner
        self._path: Path | None = None
        self._table: CsvTable | None = None
        self.report: ImportReport | None = None
        self.imported: ImportResult | None = None
        self.options: ImportOptions = service.default_options()
        self._filling = False
        # Checks run on a thread pool and may finish out of order: each one takes the next
        # generation, and only the latest one's result is shown.
        self._generation = 0
        self._cancel: Event | None = None  # set by Cancel: the running import stops

        layout = QVBoxLayout(self)
        top = QGridLayout()
        self.path_edit = QLineEdit(readOnly=True, placeholderText="No file chosen yet")
        self.choose_button = QPushButton("&Choose file…")
        self.choose_button.clicked.connect(self.choose_file)
        top.addWidget(PlainLabel("File:"), 0, 0)
        top.addWidget(self.path_edit, 0, 1, 1, 5)
        top.addWidget(self.choose_button, 0, 6)
        self.encoding_combo = QComboBox()
        self.encoding_combo.addItem("Detect", None)
        for codec, label in ENCODINGS.items():
            self.encoding_combo.addItem(label, codec)
        self.delimiter_combo = QComboBox()
        self.delimiter_combo.addItem("Detect", None)
        for char, label in DELIMITERS.items():
            self.delimiter_combo.addItem(label, char)
        self.tz_edit = QLineEdit(self.options.tz)
        self.tz_edit.setToolTip("Times written without a zone or offset are read in this zone")
        top.addWidget(PlainLabel("Encoding:"), 1, 0)
        top.addWidget(self.encoding_combo, 1, 1)
        top.addWidget(PlainLabel("Separator:"), 1, 2)
        top.addWidget(self.delimiter_combo, 1, 3)
        top.addWidget(PlainLabel("Time zone:"), 1, 4)
        top.addWidget(self.tz_edit, 1, 5)
        self.detected_label = PlainLabel("")
        self.detected_label.setObjectName("importDetected")
        top.addWidget(self.detected_label, 2, 1, 1, 6)
        top.setColumnStretch(1, 1)
        top.setColumnStretch(5, 1)
        layout.addLayout(top)
        self.encoding_combo.currentIndexChanged.connect(self._on_reading_changed)
        self.delimiter_combo.currentIndexChanged.connect(self._on_reading_changed)
        self.tz_edit.editingFinished.connect(self._on_tz_changed)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_columns_tab(), "1 · Columns")
        self.tabs.addTab(self._build_values_tab(), "2 · Values")
        self.tabs.addTab(self._build_dates_tab(), "3 · Dates")
        self.tabs.addTab(self._build_check_tab(), "4 · Check")
        layout.addWidget(self.tabs, 1)

        bottom = QHBoxLayout()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate until the import reports its progress
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        self.status_label = _wrapped_label(
            "importStatus", "Choose a CSV file exported from a spreadsheet or another help desk.")
        self.import_button = QPushButton("&Import")
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton("&Cancel import")
        self.cancel_button.setToolTip("Stop the import; nothing is written")
        self.cancel_button.clicked.connect(self.cancel_import)
        self.cancel_button.hide()
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.sig_progress.connect(self._on_progress)
        bottom.addWidget(self.busy)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self.tabs.setEnabled(False)

    # -- building ----------------------------------------------------------------------------

    def _build_columns_tab(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        self.title_note = _wrapped_label("importTitleNote")
        self.title_note.hide()
        outer.addWidget(self.title_note)
        row = QHBoxLayout()
        outer.addLayout(row, 1)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.column_combos: dict[ImportField, QComboBox] = {}
        for f in ImportField:
            combo = QComboBox()
            combo.setMinimumWidth(170)
            if f is ImportField.TITLE:  # 'Issue Type + Ticket ID (proposed)' is long
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._on_columns_changed)
            self.column_combos[f] = combo
            form.addRow(f"{f.label}{' *' if f is ImportField.TITLE else ''}:", combo)
        row.addLayout(form)
        right = QVBoxLayout()
        right.addWidget(PlainLabel(f"Preview (first {PREVIEW_ROWS} rows as they will be read):"))
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        right.addWidget(self.preview, 1)
        self.ignored_label = _wrapped_label()
        right.addWidget(self.ignored_label)
        row.addLayout(right, 1)
        return page

    def _build_values_tab(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        self.guesses_label = _wrapped_label("importGuesses")
        outer.addWidget(self.guesses_label)
        grid = QGridLayout()
        outer.addLayout(grid, 1)
        self.status_table = self._words_table()
        self.priority_table = self._words_table()
        self.channel_table = self._words_table()
        self.word_tables = {"status": self.status_table, "priority": self.priority_table,
                            "channel": self.channel_table}
        # Status words are the most numerous and matter most (they start and stop the
        # clocks): a column of their own; priority and channel share the other.
        self.word_titles: dict[str, QLabel] = {}
        for (kind, table), (r, c, span) in zip(
                self.word_tables.items(), ((0, 0, 3), (0, 1, 1), (2, 1, 1)), strict=True):
            self.word_titles[kind] = PlainLabel(f"{kind.capitalize()} words in the file")
            grid.addWidget(self.word_titles[kind], r, c)
            grid.addWidget(table, r + 1, c, span, 1)
        grid.setRowStretch(1, 1)
        grid.setRowStretch(3, 1)
        return page

    @staticmethod
    def _words_table() -> QTableWidget:
        table = QTableWidget(0, 4)
        table.setHorizontalHeaderLabels(["In the file", "Rows", "Ours", "How"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return table

    def _build_dates_tab(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(PlainLabel("How the dates in each column are written. Where every date "
                             "reads both as day/month and as month/day, choose."))
        self.dates_form = QFormLayout()
        box.addLayout(self.dates_form)
        box.addStretch(1)
        self.date_combos: dict[ImportField, QComboBox] = {}
        return page

    def _build_check_tab(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.summary_label = rich_label("")  # bold summary; its file name is escaped
        self.summary_label.setWordWrap(True)
        box.addWidget(self.summary_label)
        self.problems = QTableWidget(0, 3)
        self.problems.setHorizontalHeaderLabels(["Row", "Column", "Problem"])
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.verticalHeader().hide()
        header = self.problems.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.problems, 1)
        self.notes_label = _wrapped_label()
        box.addWidget(self.notes_label)
        return page

    # -- slots -------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import tickets", str(self._path.parent if self._path else Path.home()),
            "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> None:
        """Read and check `path` off the GUI thread, recognising its columns afresh."""
        self._path = path
        self.path_edit.setText(str(path))
        self.options = replace(self.options, columns={}, date_formats={})
        self._read()

    def _read(self) -> None:
        if self._path is None:
            return
        path, options, service = self._path, self.options, self._service

        def work() -> tuple[CsvTable, ImportReport]:
            table = service.read(path, options)
            return table, service.dry_run(table, options, source=path.name)

        self._check(work, self._on_read, f"Reading {path.name}…")

    def _on_read(self, result: tuple[CsvTable, ImportReport]) -> None:
        self._table, report = result
        self.detected_label.setText(f"Read as {self._table.description}.")
        self.tabs.setEnabled(True)
        self._fill_columns(report)
        self._fill_words(report)
        self._fill_dates(report)
        self._show_report(report)

    def _on_failed(self, exc: BaseException) -> None:
        self._busy(False, f"⚠ {exc}")
        self.import_button.setEnabled(False)
        if isinstance(exc, ImportRefused):
            self._show_problems(exc.problems, total=exc.total)
            self.tabs.setCurrentIndex(3)
        elif isinstance(exc, CsvFormatError | OSError):  # nothing readable to show
            self._table = None
            self.report = None
            self.detected_label.setText("")
            self.tabs.setEnabled(False)

    def _on_reading_changed(self) -> None:
        if self._filling:
            return
        self.options = replace(self.options, encoding=self.encoding_combo.currentData(),
                               delimiter=self.delimiter_combo.currentData(), columns={})
        self._read()

    def _on_tz_changed(self) -> None:
        tz = self.tz_edit.text().strip()
        if tz and tz != self.options.tz:
            self.options = replace(self.options, tz=tz)
            self._recheck()

    def _on_columns_changed(self) -> None:
        if self._filling or self._table is None:
            return
        self.options = replace(self.options, columns=self._chosen_columns())
        self._recheck(refill=True)

    def _chosen_columns(self) -> dict[ImportField, str | None]:
        """Field -> header as the combos say; the proposed title is left to the plan."""
        return {f: combo.currentData() for f, combo in self.column_combos.items()
                if combo.currentData() != PROPOSED}

    def _on_word_changed(self, kind: str, word: str, combo: QComboBox) -> None:
        """The user's value for one word wins over the default and the guess."""
        value, key = combo.currentData(), fold(word)
        if kind == "status":
            self.options = replace(self.options, status_words={
                **self.options.status_words, key: Status(value)})
        elif kind == "priority":
            self.options = replace(self.options, priority_words={
                **self.options.priority_words, key: Priority(value)})
        else:
            self.options = replace(self.options, channel_words={
                **self.options.channel_words, key: Channel(value)})
        # Not a refill: that would delete the combo whose signal is being handled. The
        # words stay the same; _show_report updates how each one was mapped.
        self._recheck()

    def _on_date_changed(self) -> None:
        if self._filling:
            return
        self.options = replace(self.options, date_formats={
            f: DateFormat(c.currentData()) for f, c in self.date_combos.items()
            if c.currentData()})
        self._recheck()

    def _recheck(self, *, refill: bool = False) -> None:
        """The dry run again with the current choices; `refill` redraws the word and date
        tabs (their rows depend on which columns are mapped)."""
        if self._table is None or self._path is None:
            return
        table, options, service, name = self._table, self.options, self._service, \
            self._path.name

        def done(report: ImportReport) -> None:
            if refill:
                self._fill_words(report)
                self._fill_dates(report)
            self._show_report(report)

        self._check(lambda: service.dry_run(table, options, source=name), done, "Checking…")

    def _check(self, work: Callable[[], Any], on_done: Callable[[Any], None],
               message: str) -> None:
        """Run a read or check; its result (or failure) is dropped if another started since."""
        self._generation += 1
        generation = self._generation

        def done(result: Any) -> None:
            if generation == self._generation:
                on_done(result)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._on_failed(exc)

        self._busy(True, message)
        self._runner.run(work, done, failed)

    def start_import(self) -> None:
        """Import off the GUI thread; the dialog stays open to tell how it went."""
        if self._table is None or self._path is None or self.report is None \
                or not self.report.ok:
            return
        table, options, service, name, actor = (self._table, self.options, self._service,
                                                self._path.name, self._actor)
        self._generation += 1  # a check still running must not re-enable Import
        self.import_button.setEnabled(False)
        self._set_choices_enabled(False)  # the import uses the choices made so far
        self._busy(True, f"Importing {plural(self.report.tickets, 'ticket')}…")
        self._cancel = cancel = Event()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.close_button.setEnabled(False)  # Cancel first: the import is one transaction
        progress = self.sig_progress.emit
        self._runner.run(lambda: service.run(table, options, actor=actor, source=name,
                                             progress=progress, cancel=cancel),
                         self._on_imported, self._on_import_failed)

    def reject(self) -> None:
        """Closing while an import runs cancels it instead (it is one transaction, and
        its thread must not outlive the dialog's callbacks)."""
        if self._cancel is not None:
            self.cancel_import()
            return
        super().reject()

    def cancel_import(self) -> None:
        """Stop the running import at its next batch; its transaction is rolled back."""
        if self._cancel is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status_label.setText("Cancelling…")

    def _on_progress(self, done: int, total: int) -> None:
        if self._cancel is None or self._cancel.is_set():
            return
        self.busy.setRange(0, max(total, 1))
        self.busy.setValue(done)
        passes = "Checking" if done <= total // 2 else "Writing"
        self.status_label.setText(f"{passes}… {done * 100 // max(total, 1)}% "
                                  f"({done:,} of {total:,} rows, two passes)")

    def _end_import(self) -> None:
        self._cancel = None
        self.cancel_button.hide()
        self.close_button.setEnabled(True)
        self.busy.setRange(0, 0)

    def _on_import_failed(self, exc: BaseException) -> None:
        self._end_import()
        self._set_choices_enabled(True)
        self._on_failed(exc)
        # Nothing was written (one transaction), so a file whose last check was clean can
        # be imported again, e.g. once the database is no longer busy.
        if not isinstance(exc, ImportRefused) and self.report is not None and self.report.ok:
            self.import_button.setEnabled(True)

    def _on_imported(self, result: ImportResult) -> None:
        self._end_import()
        self.imported = result
        self._set_choices_enabled(True)
        self._busy(False, self.imported_text)
        self.choose_button.setEnabled(True)
        self.import_button.setEnabled(False)
        self.close_button.setText("Done")
        self.sig_imported.emit(result)

    @property
    def imported_text(self) -> str:
        r = self.imported
        if r is None:
            return ""
        return (f"Imported {plural(r.tickets, 'ticket')}, {plural(r.contacts, 'new contact')}, "
                f"{plural(r.organizations, 'new organization')} from {r.source}.")

    # -- filling -----------------------------------------------------------------------------

    def _busy(self, busy: bool, message: str) -> None:
        self.busy.setVisible(busy)
        self.status_label.setText(message)
        self.choose_button.setEnabled(not busy)
        if busy:
            self.import_button.setEnabled(False)

    def _set_choices_enabled(self, enabled: bool) -> None:
        for widget in (self.tabs, self.encoding_combo, self.delimiter_combo, self.tz_edit):
            widget.setEnabled(enabled)

    def _fill_columns(self, report: ImportReport) -> None:
        plan = report.plan
        headers = plan.headers
        self._filling = True
        try:
            for f, combo in self.column_combos.items():
                combo.clear()
                combo.addItem(NOT_IMPORTED, None)
                for i, h in enumerate(headers):
                    combo.addItem(h or f"column {i + 1}", h)
                if f is ImportField.TITLE and plan.title is not None:
                    combo.addItem(f"{plan.title.label} (proposed)", PROPOSED)
                    combo.setCurrentIndex(combo.count() - 1)
                    continue
                index = plan.mapping.column_of(f)
                combo.setCurrentIndex(0 if index is None else index + 1)
        finally:
            self._filling = False
        self.options = replace(self.options, columns=self._chosen_columns())

    def _fill_words(self, report: ImportReport) -> None:
        for kind, table in self.word_tables.items():
            values: tuple[WordChoice, ...] = report.plan.words(kind)
            field = ImportField(kind)
            mapped = report.plan.mapping.column_of(field) is not None
            default = {"status": Status.NEW.label, "priority": Priority.P3.label,
                       "channel": Channel.EMAIL.label}[kind]
            self.word_titles[kind].setText(
                f"{field.label} words in the file" if mapped else
                f"{field.label}: no column in the file, every ticket gets {default}")
            table.setVisible(mapped)
            table.setRowCount(0)
            for choice in values:
                r = table.rowCount()
                table.insertRow(r)
                table.setItem(r, 0, QTableWidgetItem(choice.word))
                count = QTableWidgetItem(f"{choice.rows:,}")
                count.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, 1, count)
                combo = QComboBox()
                for member in VOCABULARIES[kind]:
                    combo.addItem(member.label, member.value)
                combo.setCurrentIndex(combo.findData(choice.value.value))
                combo.currentIndexChanged.connect(
                    lambda _i, k=kind, w=choice.word, c=combo: self._on_word_changed(k, w, c))
                table.setCellWidget(r, 2, combo)
                table.setItem(r, 3, QTableWidgetItem())  # _show_report fills it

    def _show_word_sources(self, report: ImportReport) -> None:
        """The How column, the summary above the tables and the tab's count of guesses."""
        for kind, table in self.word_tables.items():
            values = report.plan.words(kind)
            if table.rowCount() != len(values):
                continue  # a check for other columns, superseded: the refill follows
            for r, choice in enumerate(values):
                how = table.item(r, 3)
                if how is None:
                    continue
                how.setText(HOW[choice.source])
                how.setToolTip("Not one of the words we know: mapped by its meaning (or to "
                               "the most neutral value). Check it." if choice.flagged
                               else "")
        guesses = report.plan.guesses
        listed = "; ".join(w.text for w in guesses[:3])
        more = f"; and {len(guesses) - 3:,} more" if len(guesses) > 3 else ""
        self.guesses_label.setText(
            f"⚠ {plural(len(guesses), 'word')} not in our vocabulary "
            f"{'was' if len(guesses) == 1 else 'were'} guessed by meaning or given the "
            "neutral value (marked ⚠ below): "
            f"{listed}{more}. Check them; change any that is wrong."
            if guesses else "Every word in the file is one we know.")
        self.tabs.setTabText(1, f"2 · Values ({len(guesses)} to check ⚠)" if guesses
                             else "2 · Values")

    def _fill_dates(self, report: ImportReport) -> None:
        while self.dates_form.rowCount():
            self.dates_form.removeRow(0)
        self.date_combos = {}
        self._filling = True
        try:
            for d in report.plan.dates:
                combo = QComboBox()
                combo.addItem("⚠ choose the format" if d.ambiguous else "not recognised",
                              None)
                for fmt in DateFormat:
                    combo.addItem(f"{fmt.value}  (e.g. {fmt.example})", fmt.value)
                if d.chosen is not None:
                    combo.setCurrentIndex(combo.findData(d.chosen.value))
                combo.currentIndexChanged.connect(self._on_date_changed)
                self.date_combos[d.field] = combo
                note = " — reads both ways" if d.ambiguous else ""
                self.dates_form.addRow(
                    f"{d.field.label} (column “{d.column}”, e.g. “{d.example}”){note}:", combo)
            if not report.plan.dates:
                self.dates_form.addRow(PlainLabel("No date columns are mapped: the tickets are "
                                              "dated at the import time."))
        finally:
            self._filling = False

    def _show_report(self, report: ImportReport) -> None:
        self.report = report
        self._fill_preview(report)
        self._show_word_sources(report)
        title = report.plan.title
        self.title_note.setVisible(title is not None)
        if title is not None:
            self.title_note.setText(f"⚠ {title.text}. To use another column, choose it "
                                    "for Title below.")
            combo = self.column_combos[ImportField.TITLE]
            proposed = combo.findData(PROPOSED)
            if proposed >= 0:  # other columns changed: the proposal may have too
                combo.setItemText(proposed, f"{title.label} (proposed)")
        ignored = ", ".join(report.ignored)
        self.ignored_label.setText(f"Ignored columns: {ignored}" if ignored
                                   else "Every column is imported.")
        self._show_problems(list(report.problems), total=report.problem_count)
        guesses = report.plan.guesses
        notes = [*([f"{report.title_note}."] if report.title_note else []),
                 *([f"{plural(len(guesses), 'word')} guessed by meaning or given the neutral "
                    "value (Values tab)."] if guesses else []),
                 *report.notes]
        self.notes_label.setText("\n".join(f"• {n}" for n in notes))
        new = []
        if report.new_technicians:
            new.append(plural(report.new_technicians, "new technician"))
        if report.new_categories:
            new.append(f"new categories: {', '.join(report.new_categories)}")
        extra = f"; {'; '.join(new)}" if new else ""
        self.summary_label.setText(f"<b>{html.escape(report.summary)}</b>{html.escape(extra)}")
        self._busy(False, report.summary + ("" if report.ok else " — see the Check tab"))
        self.import_button.setEnabled(report.ok and self.imported is None)

    def _show_problems(self, problems: list[Problem], *, total: int = 0) -> None:
        """The problems kept (the first IMPORT_MAX_PROBLEMS); the tab counts them all."""
        total = max(total, len(problems))
        self.problems.setRowCount(len(problems))
        for r, p in enumerate(problems):
            self.problems.setItem(r, 0, QTableWidgetItem(str(p.row) if p.row else "—"))
            self.problems.setItem(r, 1, QTableWidgetItem(p.column or "—"))
            self.problems.setItem(r, 2, QTableWidgetItem(p.hinted(HINTS, where=False)))
        self.tabs.setTabText(3, f"4 · Check ({total:,} ⚠)" if problems
                             else "4 · Check ✓")

    def _fill_preview(self, report: ImportReport) -> None:
        if self._table is None:
            return
        plan = report.plan
        fields = [f for f in ImportField if plan.mapping.column_of(f) is not None]
        self.preview.clear()
        self.preview.setColumnCount(len(fields))
        self.preview.setHorizontalHeaderLabels([f.label for f in fields])
        records = self._table.records[:PREVIEW_ROWS]
        self.preview.setRowCount(len(records))
        self.preview.setVerticalHeaderLabels([str(r.row) for r in records])
        words = {ImportField.STATUS: {w.word: w for w in plan.status_values},
                 ImportField.PRIORITY: {w.word: w for w in plan.priority_values},
                 ImportField.CHANNEL: {w.word: w for w in plan.channel_values}}
        for r, record in enumerate(records):
            for c, f in enumerate(fields):
                text = plan.cell(record.cells, f)
                choice = words[f].get(text) if f in words and text else None
                if choice is not None:
                    text = f"{text} → {choice.value.label}{' ⚠' if choice.flagged else ''}"
                self.preview.setItem(r, c, QTableWidgetItem(text.replace("\n", " ⏎ ")))
        self.preview.resizeColumnsToContents()
        for c in range(len(fields)):
            self.preview.setColumnWidth(c, min(self.preview.columnWidth(c), 260))


def _wrapped_label(object_name: str = "", text: str = "") -> PlainLabel:
    """A word-wrapped plain label for what the dialog found in the file (its notes run to
    several lines); the object name is what style.qss styles it by."""
    label = PlainLabel(text)
    if object_name:
        label.setObjectName(object_name)
    label.setWordWrap(True)
    return label
