"""The "Tickets in this view" export: given ids in the given order, the given columns then
the SLA fields, cells formatted exactly as in the full ticket export."""

from __future__ import annotations

import csv
import io

import pytest

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.services import view_export
from desk_app.services.export import CsvOptions
from desk_app.services.period_export import ExportKind, ExportRequest
from desk_app.services.view_export import (
    SLA_FIELDS,
    VIEW_COLUMNS,
    UnknownColumn,
    ViewExportService,
    view_export_columns,
)
from tests.conftest import ME, FakeClock, make_draft, move

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_columns_are_the_visible_ones_in_order_then_the_missing_sla_fields() -> None:
    columns = view_export_columns(["title", "response_due_at", "number", "time_left"])
    assert columns[:4] == ("title", "response_due_at", "number", "time_left")
    assert columns[4:] == tuple(f for f in SLA_FIELDS if f != "response_due_at")
    assert "response_target_h" in columns and "resolution_used_s" in columns
    assert view_export_columns([]) == SLA_FIELDS
    with pytest.raises(UnknownColumn, match="description"):
        view_export_columns(["title", "description"])


def test_every_table_column_name_is_a_ticket_export_name_or_time_left() -> None:
    from desk_app.services.export import TICKET_COLUMNS

    assert [c for c in VIEW_COLUMNS if c not in TICKET_COLUMNS] == ["time_left"]


def test_writes_the_given_ids_in_the_given_order_across_chunks(
        ctx: AppContext, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(view_export, "_CHUNK", 2)  # several queries for five tickets
    ids = [ctx.tickets.create(make_draft(title=f"T{n}"), actor=ME).id for n in range(5)]
    ids[2] = ctx.tickets.create(make_draft(title="=HYPERLINK(1)"), actor=ME).id
    clock.advance(minutes=30)
    order = [ids[3], ids[0], 99_999, ids[4], ids[2], ids[1]]  # 99,999: deleted meanwhile
    out = io.StringIO()
    count = ViewExportService(ctx.db, ctx.sla).export_ticket_ids(
        out, CsvOptions(tz="Europe/Berlin"), ids=order, visible=["title", "number"],
        now=clock())
    assert count == 5
    assert out.getvalue().startswith("\ufefftitle,number,sla_policy,")
    rows = _read(out.getvalue())
    assert [r["title"] for r in rows] == ["T3", "T0", "T4", "'=HYPERLINK(1)", "T1"]


def test_cells_match_the_full_ticket_export_and_time_left_reads_as_in_the_table(
        ctx: AppContext, clock: FakeClock) -> None:
    running = ctx.tickets.create(make_draft(title="Running", assignee=ME), actor=ME)
    answered = ctx.tickets.create(make_draft(title="Answered"), actor=ME)
    waiting = ctx.tickets.create(make_draft(title="Waiting"), actor=ME)
    clock.advance(minutes=90)
    ctx.tickets.add_reply(answered.id, "Looking", actor=ME)
    move(ctx, waiting.id, Status.WAITING_CUSTOMER)
    clock.advance(hours=3)  # the running ticket's first response (4 h) is now 30 m off
    options = CsvOptions(tz="Europe/Berlin")
    full = io.StringIO()
    ctx.exports.write(ExportRequest(ExportKind.TICKETS), full, options)
    by_number = {r["number"]: r for r in _read(full.getvalue())}

    out = io.StringIO()
    ViewExportService(ctx.db, ctx.sla).export_ticket_ids(
        out, options, ids=[running.id, answered.id, waiting.id], visible=VIEW_COLUMNS,
        now=clock())
    rows = _read(out.getvalue())
    assert tuple(rows[0]) == view_export_columns(VIEW_COLUMNS)
    for row in rows:
        shared = {k: v for k, v in row.items() if k != "time_left"}
        assert shared == {k: by_number[row["number"]][k] for k in shared}
    assert rows[0]["created_at"] == "2026-11-16T10:00:00+01:00"  # 09:00 UTC in Berlin
    assert rows[0]["response_target_h"] == "4.00"
    # The first response is the running ticket's more urgent clock; the answered one shows
    # its resolution clock; a ticket waiting on the customer shows its paused clock.
    assert [r["time_left"] for r in rows] == ["30 m left", "19 h 30 m left", "Paused"]
