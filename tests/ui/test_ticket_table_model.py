"""The table model: a correct Qt model, lazy paging, in-place row updates."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.services.ticket_list import QuickFilter, SortKey, TicketListQuery
from desk_app.ui.tickets.ticket_table_model import (
    CACHE_ROWS,
    PAGE_SIZE,
    TICKET_ID_ROLE,
    Column,
    TicketTableModel,
)
from tests.conftest import FakeClock, make_draft, move


def test_model_passes_qt_model_tester(ctx: AppContext, clock: FakeClock, qtmodeltester) -> None:
    ctx.generator.generate(tickets=120, seed=5)
    model = TicketTableModel(ctx.lists, clock)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL))
    assert model.rowCount() == 120
    qtmodeltester.check(model)


def test_rows_are_fetched_a_page_at_a_time(ctx: AppContext, clock: FakeClock) -> None:
    ctx.generator.generate(tickets=1500, seed=5)
    model = TicketTableModel(ctx.lists, clock)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL, sort=SortKey.NUMBER,
                                    descending=False))
    assert model.rowCount() == 1500
    assert model.cached_row(model.ticket_id(0) or 0) is None  # nothing read yet
    assert model.data(model.index(0, Column.NUMBER)) == "HD-1001"
    cached = [model.cached_row(model.ticket_id(r) or 0) for r in range(1500)]
    assert sum(row is not None for row in cached) == PAGE_SIZE
    assert model.data(model.index(1499, Column.NUMBER)) == "HD-2500"
    assert CACHE_ROWS >= 2 * PAGE_SIZE


def test_sort_runs_the_query_again(ctx: AppContext, clock: FakeClock) -> None:
    for title in ("b", "a", "c"):
        ctx.tickets.create(make_draft(title=title), actor="Alex Morgan")
    model = TicketTableModel(ctx.lists, clock)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL))
    from PySide6.QtCore import Qt

    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, Column.TITLE)) for r in range(3)] == ["a", "b", "c"]
    model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    assert [model.data(model.index(r, Column.TITLE)) for r in range(3)] == ["c", "b", "a"]


def test_refresh_rows_emits_data_changed_for_that_row_only(ctx: AppContext, clock: FakeClock,
                                                           qtbot: QtBot) -> None:
    ids = [ctx.tickets.create(make_draft(title=t), actor="Alex Morgan").id
           for t in ("one", "two", "three")]
    model = TicketTableModel(ctx.lists, clock)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL, sort=SortKey.NUMBER,
                                    descending=False))
    assert model.data(model.index(1, Column.STATUS)) == "New"
    move(ctx, ids[1], Status.IN_PROGRESS)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row())))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.refresh_rows([ids[1]])
    assert changed == [(1, 1)] and resets == []
    assert model.data(model.index(1, Column.STATUS)) == "In progress"
    assert model.data(model.index(1, 0), TICKET_ID_ROLE) == ids[1]


def test_every_column_sorts_both_ways(ctx: AppContext, clock: FakeClock) -> None:
    from PySide6.QtCore import Qt

    from desk_app.ui.tickets.ticket_table_model import SORT_KEYS

    ctx.generator.generate(tickets=60, seed=9)
    model = TicketTableModel(ctx.lists, clock, sla=ctx.sla)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL))
    assert set(SORT_KEYS) == set(Column)
    for column in Column:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            assert model.rowCount() == 60
            assert model.query.sort is SORT_KEYS[column]


def test_sorting_by_time_left_puts_the_most_urgent_first(ctx: AppContext,
                                                         clock: FakeClock) -> None:
    from PySide6.QtCore import Qt

    from desk_app.domain.enums import Impact, Urgency

    low = ctx.tickets.create(make_draft(title="low", impact=Impact.LOW, urgency=Urgency.LOW),
                             actor="Alex Morgan")
    high = ctx.tickets.create(make_draft(title="high", impact=Impact.HIGH,
                                         urgency=Urgency.HIGH), actor="Alex Morgan")
    done = ctx.tickets.create(make_draft(title="done"), actor="Alex Morgan")
    ctx.tickets.add_reply(done.id, "Fixed", actor="Alex Morgan")
    move(ctx, done.id, Status.RESOLVED, resolution_note="ok")
    model = TicketTableModel(ctx.lists, clock, sla=ctx.sla)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL))
    model.sort(Column.TIME_LEFT, Qt.SortOrder.AscendingOrder)
    assert [model.ticket_id(r) for r in range(3)] == [high.id, low.id, done.id]
    assert model.data(model.index(2, Column.TIME_LEFT)) == "Met"


def test_time_left_asks_the_calendar_once_per_row_per_countdown_step(
        ctx: AppContext, clock: FakeClock, qtbot: QtBot, monkeypatch) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    for title in ("one", "two", "three"):
        ctx.tickets.create(make_draft(title=title), actor="Alex Morgan")
    asked: list[object] = []
    real = ctx.sla.business_seconds
    monkeypatch.setattr(ctx.sla, "business_seconds",
                        lambda *a: asked.append(a) or real(*a))
    model = TicketTableModel(ctx.lists, clock, sla=ctx.sla)
    model.set_query(TicketListQuery(quick_filter=QuickFilter.ALL, sort=SortKey.NUMBER,
                                    descending=False))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(1400, 400)
    view.show()
    qtbot.waitExposed(view)

    def cells() -> list[str]:
        return [model.data(model.index(r, Column.TIME_LEFT)) for r in range(3)]

    view.grab()
    view.grab()  # every paint asks for every cell's text again
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
        for r in range(3):
            model.data(model.index(r, Column.TIME_LEFT), role)
    assert cells() == ["4 h left"] * 3
    assert len(asked) == 3  # once per row for this step
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row())))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    clock.advance(minutes=30)
    model.tick_display()  # the next countdown step
    view.grab()
    assert cells() == ["3 h 30 m left"] * 3
    assert len(asked) == 6 and resets == [] and (0, 2) in changed
