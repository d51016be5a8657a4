"""The one path every CSV export of the desk takes: tickets, a period's summary, its breach
list and its service credits.

The command line and the Reports window both ask `ExportService.export` with an
`ExportRequest`, so the same request writes the same file whichever asked; the rows come
from one row source per kind (export.py, summary_export.py, credits.py) and every file
goes through `export.write_csv`/`write_safe_csv` and `open_for_csv`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO

from desk_app.domain.credits import OrgCredit
from desk_app.domain.errors import ValidationError
from desk_app.domain.period_report import PeriodReport, ReportFilter
from desk_app.services.clock import Clock
from desk_app.services.credits import CREDIT_COLUMNS, CreditService, credit_rows
from desk_app.services.export import (
    BREACH_COLUMNS,
    TICKET_COLUMNS,
    CsvOptions,
    breach_rows,
    open_for_csv,
    ticket_batches,
    write_csv,
    write_safe_csv,
)
from desk_app.services.monitor import MonitorService
from desk_app.services.reports import ReportService
from desk_app.services.summary_export import SUMMARY_COLUMNS, summary_rows
from desk_app.store.engine import Database


class ExportKind(StrEnum):
    """What a CSV export holds (docs/exports.md has a section per kind)."""

    TICKETS = "tickets"
    SUMMARY = "summary"
    BREACHES = "breaches"
    CREDITS = "credits"

    @property
    def noun(self) -> str:
        """What one data row is, for "Wrote 12 <noun> to …"."""
        return {ExportKind.TICKETS: "tickets", ExportKind.SUMMARY: "figures",
                ExportKind.BREACHES: "breached clocks",
                ExportKind.CREDITS: "organizations' credits"}[self]

    @property
    def needs_period(self) -> bool:
        return self in (ExportKind.SUMMARY, ExportKind.CREDITS)


@dataclass(frozen=True)
class ExportRequest:
    """What to export over which period [start, end) (either end open for tickets and
    breaches). `report_filter` and `by` shape the summary only: the other kinds hold every
    ticket of the period (credits are per contract, whatever the filters)."""

    kind: ExportKind
    start: datetime | None = None
    end: datetime | None = None
    report_filter: ReportFilter = field(default_factory=ReportFilter)
    by: str = "priority"


@dataclass(frozen=True)
class ExportResult:
    kind: ExportKind
    rows: int
    path: Path

    def message(self) -> str:
        return f"Wrote {self.rows:,} {self.kind.noun} to {self.path}"


class ExportService:
    """Writes any `ExportRequest` as CSV, to a file (`export`) or a stream (`write`)."""

    def __init__(self, db: Database, clock: Clock, *, monitor: MonitorService,
                 reports: ReportService, credits: CreditService) -> None:
        self._db = db
        self._clock = clock
        self._monitor = monitor
        self._reports = reports
        self._credits = credits

    def export(self, request: ExportRequest, path: Path, options: CsvOptions, *,
               report: PeriodReport | None = None,
               credits: Sequence[OrgCredit] | None = None) -> ExportResult:
        """Write the file; it appears at `path` only once complete (open_for_csv).

        `report` and `credits` are figures already computed for this very request (the
        Reports window's screen): the file then says what the window says, and the period
        is not computed a second time."""
        with open_for_csv(path) as out:
            rows = self.write(request, out, options, report=report, credits=credits)
        return ExportResult(kind=request.kind, rows=rows, path=path)

    def write(self, request: ExportRequest, out: IO[str], options: CsvOptions, *,
              report: PeriodReport | None = None,
              credits: Sequence[OrgCredit] | None = None) -> int:
        """`export` to an open stream; returns the number of data rows."""
        kind, start, end = request.kind, request.start, request.end
        if kind is ExportKind.TICKETS:
            return write_safe_csv(out, TICKET_COLUMNS, ticket_batches(
                self._db, tz=options.tz, created_from=start, created_to=end), options)
        if kind is ExportKind.BREACHES:
            now = self._clock()
            self._monitor.bring_up_to_date(now)  # the stored clocks the list reads
            return write_csv(out, BREACH_COLUMNS, breach_rows(
                self._db, tz=options.tz, now=now, created_from=start, created_to=end),
                options)
        if start is None or end is None:
            raise ValidationError("period", f"the {kind.value} export needs a first and a "
                                            "last day")
        if kind is ExportKind.SUMMARY:
            if report is None:
                report = self._reports.period_report(
                    start, end, tz=options.tz, report_filter=request.report_filter,
                    by=request.by)
            return write_csv(out, SUMMARY_COLUMNS, summary_rows(report), options)
        if credits is None:  # the period's days are counted in the options' zone
            credits = self._credits.credits(start, end, tz=options.tz)
        return write_csv(out, CREDIT_COLUMNS, credit_rows(credits), options)
