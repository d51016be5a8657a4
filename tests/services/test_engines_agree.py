"""The same desk on both engines gives the same figures and the same files.

One generated desk (same seed, same clock) is written to an SQLite file and to a
PostgreSQL database; every report figure, for every grouping and with filters, and every
CSV export must come out identical. A difference means a query that reads the engines'
stored forms differently (instants as text or as timestamps, booleans, collations)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Priority
from desk_app.domain.period_report import ReportFilter
from desk_app.services.export import CsvOptions
from desk_app.services.period_export import ExportKind, ExportRequest
from desk_app.services.view_export import VIEW_COLUMNS
from tests.conftest import ME, FakeClock

# The generator spreads 300 tickets over the 60 days before the clock's Monday.
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
START, END = NOW - timedelta(days=60), NOW + timedelta(days=1)


@dataclass
class TwoDesks:
    sqlite: AppContext
    postgresql: AppContext

    def both(self) -> tuple[AppContext, AppContext]:
        return self.sqlite, self.postgresql


@pytest.fixture
def desks(db_path: Path, postgres_url: str) -> Iterator[TwoDesks]:
    opened = []
    for target in (db_path, postgres_url):
        ctx = open_context(target, clock=FakeClock(NOW), user_tz="UTC")
        opened.append(ctx)
        ctx.generator.generate(tickets=300, seed=12, span_days=60, include_technician=ME)
    yield TwoDesks(*opened)
    for ctx in opened:
        ctx.close()


def _dump(ctx: AppContext, sql: str) -> list[tuple[object, ...]]:
    """Raw rows, instants in SQLite's stored text form (PostgreSQL's driver gives datetimes)."""
    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.isoformat(sep=" ", timespec="microseconds")
        return value
    with ctx.db.engine.connect() as conn:
        return [tuple(plain(v) for v in r) for r in conn.execute(text(sql))]


def test_the_generated_desks_are_the_same_rows(desks: TwoDesks) -> None:
    for sql in ("SELECT id, number, title, status, priority, created_at, updated_at, "
                "resolved_at, sla_risk, response_state, resolution_due_at FROM ticket "
                "ORDER BY id",
                "SELECT ticket_id, at, kind, field, old_value, new_value FROM ticket_event "
                "ORDER BY id"):
        lite, pg = (_dump(ctx, sql) for ctx in desks.both())
        assert len(lite) > 300 or "ticket_event" not in sql
        assert lite == pg


@pytest.mark.parametrize("by", ["priority", "category", "organization", "technician"])
def test_every_report_figure_is_the_same_on_both_engines(desks: TwoDesks, by: str) -> None:
    lite, pg = (ctx.reports.period_report(START, END, tz="Europe/Berlin", by=by)
                for ctx in desks.both())
    assert lite.volume.created > 200  # a report with something in it
    assert lite.cohort.attainment  # there are figures to compare
    assert lite == pg


def test_filtered_reports_and_credits_are_the_same_on_both_engines(desks: TwoDesks) -> None:
    organization = desks.sqlite.reports.filter_choices()["organization"][0]
    flt = ReportFilter(priorities=frozenset({Priority.P2.value, Priority.P3.value}),
                       organizations=frozenset({organization}))
    lite, pg = (ctx.reports.period_report(START, END, tz="UTC", report_filter=flt)
                for ctx in desks.both())
    assert 0 < lite.volume.created < 300
    assert lite == pg
    lite_credits, pg_credits = (ctx.credits.credits(START, END) for ctx in desks.both())
    assert lite_credits == pg_credits


@pytest.mark.parametrize("kind", list(ExportKind))
def test_every_export_is_the_same_file_on_both_engines(desks: TwoDesks,
                                                       kind: ExportKind) -> None:
    files = []
    for ctx in desks.both():
        out = io.StringIO()
        rows = ctx.exports.write(ExportRequest(kind, START, END), out,
                                 CsvOptions(tz="America/New_York"))
        files.append((rows, out.getvalue()))
    assert files[0][0] > 0
    assert files[0] == files[1]


def test_the_view_export_is_the_same_file_on_both_engines(desks: TwoDesks) -> None:
    files = []
    for ctx in desks.both():
        ids = [r[0] for r in _dump(ctx, "SELECT id FROM ticket ORDER BY number DESC")]
        out = io.StringIO()
        ctx.view_export.export_ticket_ids(out, CsvOptions(tz="Asia/Kolkata"), ids=ids,
                                          visible=VIEW_COLUMNS, now=NOW)
        files.append(out.getvalue())
    assert files[0].count("\n") > 300
    assert files[0] == files[1]
