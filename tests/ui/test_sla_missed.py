"""A target missed before the ticket was resolved or closed reads and looks missed: in the
list (text, tint, shape), the detail pane and the exports; the Breached filter keeps
showing live breaches only (issue 9, "What the screen says must be true")."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.domain.risk import Risk
from desk_app.services.export import CsvOptions
from desk_app.services.period_export import ExportKind, ExportRequest
from desk_app.services.ticket_list import QuickFilter, TicketListQuery
from desk_app.ui.main_window import MainWindow
from desk_app.ui.sla.risk_style import GLYPHS, tint
from desk_app.ui.tickets.ticket_table_model import RISK_ROLE, Column, TicketTableModel
from tests.conftest import ME, FakeClock, make_draft, move

WindowFactory = Callable[[], MainWindow]


def _reply(ctx: AppContext, ticket_id: int) -> None:
    ctx.tickets.add_reply(ticket_id, "On it", actor=ME)


def _resolve(ctx: AppContext, ticket_id: int, *, close: bool = False) -> None:
    move(ctx, ticket_id, Status.RESOLVED, resolution_note="Fixed")
    if close:
        move(ctx, ticket_id, Status.CLOSED)


def _desk(ctx: AppContext, clock: FakeClock) -> dict[str, int]:
    """P3 Medium on Mon-Fri 09:00-17:00 UTC: 4 h first response, 24 h resolution.
    Created Monday 09:00; the clock ends Thursday 11:00."""
    ids = {name: ctx.tickets.create(make_draft(title=name), actor=ME).id
           for name in ("late", "late reply", "on time")}
    clock.advance(minutes=30)
    _reply(ctx, ids["on time"])
    _resolve(ctx, ids["on time"], close=True)
    clock.advance(hours=5, minutes=30)  # Monday 15:00: first responses 2 h over
    _reply(ctx, ids["late reply"])
    clock.advance(minutes=30)
    _resolve(ctx, ids["late reply"], close=True)
    clock.advance(days=2, hours=-6, minutes=-30)  # Wednesday 09:00
    ids["open, reply late"] = ctx.tickets.create(make_draft(title="open"), actor=ME).id
    clock.advance(hours=6)  # Wednesday 15:00
    _reply(ctx, ids["open, reply late"])
    clock.advance(hours=20)  # Thursday 11:00: "late" used 26 h of its 24 h
    _reply(ctx, ids["late"])
    _resolve(ctx, ids["late"], close=True)
    assert clock.now == datetime(2026, 11, 19, 11, 0, tzinfo=clock.now.tzinfo)
    return ids


def test_missed_targets_read_and_look_missed_in_the_list(ctx: AppContext, clock: FakeClock,
                                                         qtmodeltester: object) -> None:
    ids = _desk(ctx, clock)
    model = TicketTableModel(ctx.lists, clock, sla=ctx.sla)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL))
    qtmodeltester.check(model)  # type: ignore[attr-defined]

    def cell(name: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = model.row_of(ids[name])
        assert row is not None
        return model.data(model.index(row, Column.TIME_LEFT), role)

    assert cell("late") == "Missed by 2 h"
    assert cell("late reply") == "Response missed by 2 h"
    # Open: the cell counts down the live resolution clock, in its look; the late first
    # response is named in the tooltip (and the detail pane).
    assert cell("open, reply late") == "14 h left"
    assert cell("open, reply late", RISK_ROLE) == Risk.ON_TRACK.value
    assert "First response clock: missed its target" in str(
        cell("open, reply late", Qt.ItemDataRole.ToolTipRole))
    assert cell("on time") == "Met"
    for name in ("late", "late reply"):
        assert cell(name, RISK_ROLE) == Risk.MISSED.value, name
        assert cell(name, Qt.ItemDataRole.BackgroundRole) == tint(Risk.MISSED), name
        assert cell(name, Qt.ItemDataRole.BackgroundRole) != tint(Risk.MET), name
        assert "missed its target" in str(cell(name, Qt.ItemDataRole.ToolTipRole)), name
    assert cell("on time", RISK_ROLE) == Risk.MET.value
    # Missed tickets are done: the Breached filter and its count stay live breaches only.
    counts = ctx.lists.counts(None)
    assert counts[QuickFilter.BREACHED] == 0
    assert ctx.lists.ids(TicketListQuery(quick_filter=QuickFilter.BREACHED)) == []


def test_the_detail_pane_shows_a_missed_clock_as_missed(make_window: WindowFactory,
                                                        ctx: AppContext,
                                                        clock: FakeClock) -> None:
    ids = _desk(ctx, clock)
    window = make_window()
    window.set_filter(QuickFilter.ALL)
    assert window.select_ticket(ids["late reply"])
    pane = window.detail
    response, resolution = pane.response_clock.text(), pane.resolution_clock.text()
    assert "Missed by 2 h" in response and GLYPHS[Risk.MISSED] in response
    assert "Met" in resolution and GLYPHS[Risk.MET] in resolution
    assert window.select_ticket(ids["late"])
    assert "Missed by 2 h" in pane.resolution_clock.text()
    assert "Met" not in pane.resolution_clock.text()


def test_exports_say_missed(ctx: AppContext, clock: FakeClock) -> None:
    ids = _desk(ctx, clock)
    out = io.StringIO()
    ctx.exports.write(ExportRequest(ExportKind.TICKETS), out, CsvOptions(bom=False))
    rows = {r["title"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["late"]["sla_risk"] == "missed"
    assert rows["late reply"]["sla_risk"] == "missed"
    assert rows["on time"]["sla_risk"] == "met"
    out = io.StringIO()
    ctx.view_export.export_ticket_ids(
        out, CsvOptions(bom=False), ids=list(ids.values()),
        visible=["number", "title", "time_left"], now=clock.now)
    view = {r["title"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert view["late"]["time_left"] == "Missed by 2 h"
    assert view["late reply"]["time_left"] == "Response missed by 2 h"
    assert view["on time"]["time_left"] == "Met"
