"""The Reports window: a period's figures, charts, credits and CSV exports for supervisors.

Every computation runs through the task runner, so a year of 100,000 tickets never
freezes the window; a busy bar says it is working, and a result that arrives after the
supervisor already asked for another period is dropped (a generation counter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.app import AppContext
from desk_app.domain.credits import OrgCredit
from desk_app.domain.metrics import AttainmentRow
from desk_app.domain.period_report import PeriodReport, ReportFilter
from desk_app.domain.periods import Preset, days_to_period, preset_days
from desk_app.domain.sla_clock import duration_text
from desk_app.services.credits import CreditService
from desk_app.services.export import CsvOptions
from desk_app.services.period_export import ExportKind, ExportRequest, ExportService
from desk_app.services.reports import ReportService
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.flow_layout import FlowLayout
from desk_app.ui.common.list_table_model import ListTableModel
from desk_app.ui.common.plain import PlainLabel, rich_label
from desk_app.ui.common.screen_fit import fit_to_screen
from desk_app.ui.reports.charts import ChartCard, ChartData, Series
from desk_app.ui.reports.credits_table import CreditsTable, money
from desk_app.workers.task_runner import Runner

ANY = "Any"
FILTERS = (("priority", "Priority"), ("category", "Category"),
           ("organization", "Organization"), ("technician", "Technician"),
           ("channel", "Channel"))
TARGET_NAMES = {"first_response": "First response", "resolution": "Resolution"}


@dataclass(frozen=True)
class ReportResult:
    """What one computation hands back to the GUI thread (plain values only)."""

    report: PeriodReport
    credits: tuple[OrgCredit, ...]


def _same_request(report: PeriodReport, *, start: datetime, end: datetime,
                  flt: ReportFilter, by: str, tz: str) -> bool:
    return (report.start, report.end, report.filter, report.group_by, report.tz) == (
        start, end, flt, by, tz)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _dur(seconds: float | None) -> str:
    return "–" if seconds is None else duration_text(seconds)


class AttainmentModel(ListTableModel[AttainmentRow]):
    """Attainment rows next to their goals; the verdict is a word and a mark, not a colour."""

    HEADERS = ("Group", "Target", "Met", "Missed", "Pending", "Attainment", "Goal", "Result")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.HEADERS, parent)

    def cell(self, r: AttainmentRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.group, TARGET_NAMES.get(r.target, r.target), str(r.met), str(r.missed),
                    str(r.pending), _pct(r.attainment), _pct(r.goal),
                    {True: "✓ Pass", False: "✗ Miss", None: "–"}[r.passed])[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= column <= 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == 7 and r.passed is not None:
            return QBrush(QColor("#15803d" if r.passed else "#b91c1c"))
        if role == Qt.ItemDataRole.ToolTipRole and column == 5:
            return (f"{r.met} met of {r.counted} decided; {r.pending} still open and not "
                    "yet due are not counted")
        return None


class _Tile(QFrame):
    """One headline figure with a caption and a one-line explanation."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiTile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = PlainLabel("–")
        self.value.setObjectName("kpiValue")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        self.caption = PlainLabel(caption)
        self.detail = PlainLabel("")
        self.detail.setObjectName("kpiDetail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)

    def set_figure(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)


def _fill(table: QTableWidget, headers: list[str], rows: list[list[str]]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            item = QTableWidgetItem(cell)
            if j:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(i, j, item)
    table.resizeColumnsToContents()


def _readonly_table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    return table


class ReportsWindow(QWidget):
    """Period picker, filters, headline figures, charts and tables, exports."""

    def __init__(self, *, reports: ReportService, credits: CreditService,
                 exports: ExportService, runner: Runner, tz: str, today: date | None = None,
                 parent: QWidget | None = None) -> None:
        """`tz` is the desk's zone: the days of a period are counted in it."""
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Reports — Desk App")
        self.setObjectName("reportsWindow")
        self.reports = reports
        self.credits = credits
        self.exports = exports
        self.runner = runner
        self.tz = tz
        self._today = today or datetime.now(ZoneInfo(self.tz)).date()
        self._generation = 0
        self.result: ReportResult | None = None

        self.period = QComboBox()
        for preset in Preset:
            self.period.addItem(preset.label, preset)
        self.period.setCurrentIndex(list(Preset).index(Preset.THIS_MONTH))
        self.first_day, self.last_day = QDateEdit(), QDateEdit()
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.group_by = QComboBox()
        for key in ("priority", "category", "organization", "technician"):
            self.group_by.addItem(key.capitalize(), key)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Compute again (F5)")
        self.export_button = QToolButton()
        self.export_button.setText("Export CSV")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction("Period summary…", lambda: self.export("summary"))
        menu.addAction("Breach list…", lambda: self.export("breaches"))
        menu.addAction("Service credits…", lambda: self.export("credits"))
        self.export_button.setMenu(menu)

        top = QHBoxLayout()
        top.addWidget(PlainLabel("Period"))
        top.addWidget(self.period)
        top.addWidget(self.first_day)
        top.addWidget(PlainLabel("to"))
        top.addWidget(self.last_day)
        top.addSpacing(16)
        top.addWidget(PlainLabel("Attainment by"))
        top.addWidget(self.group_by)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)

        self.filters: dict[str, QComboBox] = {}
        filters = QHBoxLayout()
        filters.addWidget(PlainLabel("Only:"))
        for key, label in FILTERS:
            combo = QComboBox()
            # Six characters at least: five filters of ten would hold the window at 1030 px.
            combo.setMinimumContentsLength(6)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setToolTip(f"Only tickets with this {key}")
            self.filters[key] = combo
            filters.addWidget(PlainLabel(label))
            filters.addWidget(combo, 1)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = PlainLabel("")
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)

        self.tiles = {key: _Tile(caption) for key, caption in (
            ("created", "Created"), ("resolved", "Resolved"), ("backlog", "Open backlog"),
            ("asa", "Avg. speed of answer"), ("fcr", "First contact resolution"),
            ("reopen", "Reopened"), ("csat", "Customer satisfaction"),
            ("credits", "Service credits owed"))}
        # Eight tiles need about 1300 px on one row: they wrap on a smaller screen.
        tiles = FlowLayout(spacing=6)
        for tile in self.tiles.values():
            tiles.addWidget(tile)

        self.charts = {key: ChartCard(title) for key, title in (
            ("attainment", "SLA attainment per priority against its goal"),
            ("flow", "Created and resolved per day"),
            ("backlog", "Open backlog at the end of each day"),
            ("breaches", "Breaches per week"))}
        overview = QWidget()
        grid = QGridLayout(overview)
        for i, card in enumerate(self.charts.values()):
            grid.addWidget(card, i // 2, i % 2)

        self.attainment_model = AttainmentModel(self)
        self.attainment_table = QTableView()
        self.attainment_table.setModel(self.attainment_model)
        self.attainment_table.verticalHeader().setVisible(False)
        self.attainment_table.setAlternatingRowColors(True)
        self.attainment_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.attainment_note = PlainLabel(
            "Tickets created in the period. Met ÷ (met + missed); tickets still open and "
            "already breached count as missed; open tickets not yet due are pending and "
            "never counted as met.")
        self.attainment_note.setWordWrap(True)
        attainment_page = QWidget()
        box = QVBoxLayout(attainment_page)
        box.addWidget(self.attainment_note)
        box.addWidget(self.attainment_table, 1)

        self.times_table = _readonly_table()
        self.rates_table = _readonly_table()
        self.waiting_table = _readonly_table()
        self.age_table = _readonly_table()
        quality = QWidget()
        q = QGridLayout(quality)
        # Each table under its bold title, two by two.
        for title, table, r, col in (
                ("Business time to first response and resolution", self.times_table, 0, 0),
                ("Rates and satisfaction", self.rates_table, 0, 1),
                ("Waiting on the customer's side, per organization", self.waiting_table, 2, 0),
                ("Age of the open backlog at the period's end", self.age_table, 2, 1)):
            q.addWidget(rich_label(f"<b>{title}</b>"), r, col)
            q.addWidget(table, r + 1, col)
        q.setColumnStretch(0, 3)
        q.setColumnStretch(1, 2)

        self.credits_table = CreditsTable()
        credits_page = QWidget()
        c = QVBoxLayout(credits_page)
        self.credits_note = PlainLabel("Organizations with a contract (File › Contracts and "
                                   "credits…). Hover a row for the figures behind it.")
        self.credits_note.setWordWrap(True)
        c.addWidget(self.credits_note)
        c.addWidget(self.credits_table, 1)

        self.tabs = QTabWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(overview)
        self.tabs.addTab(scroll, "Overview")
        self.tabs.addTab(attainment_page, "Attainment")
        self.tabs.addTab(quality, "Times, rates and waiting")
        self.tabs.addTab(credits_page, "Service credits")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addLayout(tiles)
        layout.addWidget(self.tabs, 1)

        self._load_filter_choices()
        self._apply_preset()
        self.period.currentIndexChanged.connect(self._on_period_changed)
        self.first_day.dateChanged.connect(self._on_days_edited)
        self.last_day.dateChanged.connect(self._on_days_edited)
        self.group_by.currentIndexChanged.connect(lambda _i: self.compute())
        for combo in self.filters.values():
            combo.currentIndexChanged.connect(lambda _i: self.compute())
        self.refresh_button.clicked.connect(self.compute)
        QShortcut(QKeySequence("F5"), self, self.compute)
        fit_to_screen(self, 1340, 860)  # wide enough for the eight tiles on one row

    # -- choices ----------------------------------------------------------------------------

    def _load_filter_choices(self) -> None:
        try:
            choices = self.reports.filter_choices()
        except Exception as exc:  # a broken database must not stop the window opening
            choices = {key: [] for key, _ in FILTERS}
            self.status.setText(f"⚠ Could not read the filter choices: {plain_reason(exc)}")
        for key, combo in self.filters.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ANY, None)
            for value in choices.get(key, []):
                combo.addItem(value, value)
            combo.blockSignals(False)

    def _apply_preset(self) -> None:
        preset = self.preset()
        custom = preset is Preset.CUSTOM
        self.first_day.setEnabled(custom)
        self.last_day.setEnabled(custom)
        if not custom:
            first, last = preset_days(preset, self._today)
            for edit, day in ((self.first_day, first), (self.last_day, last)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)

    def _on_period_changed(self, _index: int) -> None:
        self._apply_preset()
        self.compute()

    def _on_days_edited(self, _date: QDate) -> None:
        if self.preset() is Preset.CUSTOM:
            self.compute()

    def preset(self) -> Preset:
        # Qt hands a StrEnum back as its plain string value.
        return Preset(self.period.currentData())

    def days(self) -> tuple[date, date]:
        # PySide6's stubs type QDate.toPython() as object; at run time it is a datetime.date.
        return self.first_day.date().toPython(), self.last_day.date().toPython()  # type: ignore[return-value]

    def report_filter(self) -> ReportFilter:
        def chosen(key: str) -> frozenset[str]:
            value = self.filters[key].currentData()
            return frozenset({value}) if value else frozenset()

        return ReportFilter(priorities=chosen("priority"), categories=chosen("category"),
                            organizations=chosen("organization"),
                            technicians=chosen("technician"), channels=chosen("channel"))

    # -- computing --------------------------------------------------------------------------

    def compute(self) -> None:
        """Start computing the chosen period off the GUI thread."""
        first, last = self.days()
        if last < first:
            self.status.setText("⚠ The last day is before the first day: pick a later 'to' "
                                "day.")
            return
        start, end = days_to_period(first, last, self.tz)
        flt, by = self.report_filter(), self.group_by.currentData()
        self._generation += 1
        generation = self._generation
        reports, credit_service, tz = self.reports, self.credits, self.tz

        def work() -> ReportResult:
            report = reports.period_report(start, end, tz=tz, report_filter=flt, by=by)
            credits = credit_service.credits(start, end, tz=tz)
            return ReportResult(report, tuple(credits))

        self.busy.show()
        self.status.setText(f"Computing {first:%d %b %Y} to {last:%d %b %Y}…")
        self.refresh_button.setEnabled(False)
        self.runner.run(work, lambda result: self._on_done(generation, result),
                        lambda exc: self._on_failed(generation, exc))

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.busy.hide()
        self.refresh_button.setEnabled(True)
        self.status.setText(f"⚠ The report could not be computed: {plain_reason(exc)}")

    def _on_done(self, generation: int, result: ReportResult) -> None:
        if generation != self._generation:
            return  # the supervisor asked for something else meanwhile
        self.busy.hide()
        self.refresh_button.setEnabled(True)
        self.result = result
        r = result.report
        first, last = self.days()
        self.status.setText(f"{first:%a %d %b %Y} to {last:%a %d %b %Y} ({self.tz}), "
                            f"{r.filter.describe()}: {r.cohort.tickets:,} tickets created.")
        self._show_tiles(result)
        self._show_charts(r)
        self.attainment_model.set_rows(list(r.cohort.attainment))
        self._show_tables(r)
        self.credits_table.set_credits(result.credits)

    def _show_tiles(self, result: ReportResult) -> None:
        r, c = result.report, result.report.cohort
        v = r.volume
        tiles = self.tiles
        tiles["created"].set_figure(f"{v.created:,}", f"{v.reopened:,} reopened")
        tiles["resolved"].set_figure(f"{v.resolved:,}", f"{v.closed:,} closed")
        tiles["backlog"].set_figure(f"{v.backlog_end:,}", f"{v.backlog_start:,} at the start")
        tiles["asa"].set_figure(_dur(c.average_speed_of_answer_s), "business time")
        fcr = c.first_contact_resolution
        tiles["fcr"].set_figure(_pct(fcr.value), f"{fcr.count:,} of {fcr.of:,} resolved")
        tiles["reopen"].set_figure(_pct(c.reopen_rate.value),
                                   f"{c.reopen_rate.count:,} of {c.reopen_rate.of:,}; "
                                   f"{_pct(c.reassignment.value)} reassigned")
        average = "–" if c.csat.average is None else f"{c.csat.average:.2f} / 5"
        tiles["csat"].set_figure(average, f"{_pct(c.csat.satisfied.value)} rated 4–5 "
                                          f"({c.csat.rated:,} rated)")
        by_currency: dict[str, Any] = {}
        for credit in result.credits:
            cur = credit.contract.currency
            by_currency[cur] = by_currency.get(cur, 0) + credit.total
        owed = ", ".join(money(cur, amount) for cur, amount in sorted(by_currency.items()))
        owing = sum(1 for x in result.credits if x.total)
        tiles["credits"].set_figure(owed or "–", f"{owing:,} of {len(result.credits):,} "
                                                 "contracts")

    def _show_charts(self, r: PeriodReport) -> None:
        # Per priority whatever the table is grouped by: goals are set per priority.
        by_priority = r.priority_attainment
        bars = [(f"{a.group} {'resp.' if a.target == 'first_response' else 'resol.'}", a)
                for a in sorted(by_priority, key=lambda a: (a.target != "first_response",
                                                            a.group))]
        self.charts["attainment"].set_data(ChartData(
            title="attainment", kind="bar", unit="%", categories=[label for label, _ in bars],
            series=[Series("Attainment", [None if a.attainment is None else a.attainment * 100
                                          for _, a in bars])],
            goals=[None if a.goal is None else a.goal * 100 for _, a in bars]))
        labels = [f"{d.day:%d %b}" for d in r.days]
        self.charts["flow"].set_data(ChartData(
            title="flow", kind="line", categories=labels,
            # Days still to come have no figures yet, not zeros.
            series=[Series("Created", [None if d.backlog is None else d.created
                                       for d in r.days]),
                    Series("Resolved", [None if d.backlog is None else d.resolved
                                        for d in r.days])]))
        self.charts["backlog"].set_data(ChartData(
            title="backlog", kind="line", categories=labels,
            series=[Series("Open at day's end", [d.backlog for d in r.days])]))
        self.charts["breaches"].set_data(ChartData(
            title="breaches", kind="bar", categories=[f"wk {w.week_start:%d %b}"
                                                      for w in r.weeks],
            series=[Series("Breaches", [None if w.week_start > self._today else w.breaches
                                        for w in r.weeks])]))

    def _show_tables(self, r: PeriodReport) -> None:
        c = r.cohort
        _fill(self.times_table, ["Priority", "First response: mean", "median", "90th pct.",
                                 "tickets", "Resolution: mean", "median", "90th pct.",
                                 "tickets"],
              [[t.group, _dur(t.first_response.mean_s), _dur(t.first_response.median_s),
                _dur(t.first_response.p90_s), f"{t.first_response.count:,}",
                _dur(t.resolution.mean_s), _dur(t.resolution.median_s),
                _dur(t.resolution.p90_s), f"{t.resolution.count:,}"] for t in c.times])
        _fill(self.rates_table, ["Measure", "Rate", "Tickets"], [
            ["First contact resolution", _pct(c.first_contact_resolution.value),
             f"{c.first_contact_resolution.count:,} of {c.first_contact_resolution.of:,}"],
            ["Reopened", _pct(c.reopen_rate.value),
             f"{c.reopen_rate.count:,} of {c.reopen_rate.of:,}"],
            ["Reassigned", _pct(c.reassignment.value),
             f"{c.reassignment.count:,} of {c.reassignment.of:,}"],
            ["CSAT rated 4–5", _pct(c.csat.satisfied.value),
             f"{c.csat.satisfied.count:,} of {c.csat.rated:,}"],
            ["CSAT average", "–" if c.csat.average is None else f"{c.csat.average:.2f}",
             f"{c.csat.rated:,} rated"],
            ["Average speed of answer", _dur(c.average_speed_of_answer_s), ""]])
        _fill(self.waiting_table, ["Organization", "On the customer", "On third parties",
                                   "Tickets"],
              [[w.organization, _dur(w.customer_s), _dur(w.third_party_s), f"{w.tickets:,}"]
               for w in r.waiting])
        _fill(self.age_table, ["Age", "Open tickets"],
              [[label, f"{n:,}"] for label, n in r.backlog_age])

    # -- exports ----------------------------------------------------------------------------

    def export(self, what: str) -> None:
        """Ask where, then write the CSV for the chosen period off the GUI thread, through
        the export path the command line takes (services/period_export.py)."""
        kind = ExportKind(what)
        first, last = self.days()
        suggested = Path.home() / f"{what}-{first:%Y-%m-%d}-to-{last:%Y-%m-%d}.csv"
        path, _filter = QFileDialog.getSaveFileName(
            self, f"Export {what}", str(suggested), "CSV files (*.csv)")
        if not path:
            return
        target = Path(path)
        start, end = days_to_period(first, last, self.tz)
        request = ExportRequest(kind, start=start, end=end, report_filter=self.report_filter(),
                                by=self.group_by.currentData())
        options = CsvOptions(tz=self.tz)
        exports = self.exports
        # The figures on screen, when they are for this very choice: the file then says
        # what the window says, and the period is not computed a second time. Credits
        # depend on the period only, not the filters.
        shown = self.result if self.result is not None and _same_request(
            self.result.report, start=start, end=end, flt=request.report_filter,
            by=request.by, tz=self.tz) else None

        def work() -> int:
            return exports.export(
                request, target, options,
                report=shown.report if shown is not None else None,
                credits=shown.credits if shown is not None else None).rows

        self.busy.show()
        self.status.setText(f"Writing {target}…")
        self.runner.run(work, lambda count: self._on_exported(target, count),
                        self._on_export_failed)

    def _on_exported(self, target: Path, count: int) -> None:
        self.busy.hide()
        self.status.setText(f"Wrote {count:,} rows to {target}")

    def _on_export_failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.status.setText(f"⚠ The file was not written: {plain_reason(exc)}")


def open_reports(parent: QWidget, ctx: AppContext, runner: Runner,
                 existing: ReportsWindow | None) -> ReportsWindow:
    """Show the Reports window (one per main window) and compute the default period."""
    window = existing or ReportsWindow(reports=ctx.reports, credits=ctx.credits,
                                       exports=ctx.exports, runner=runner,
                                       tz=ctx.sla.user_tz, parent=parent)
    window.show()
    window.raise_()
    window.activateWindow()
    if existing is None:
        window.compute()
    return window

