"""Ticket numbers are never cut in the list: the Number column is as wide as the desk's
widest number (HD-100000 and up read whole), also after a saved layout is restored and
when a longer number appears (issue 9, fifth bullet)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QStyle
from sqlalchemy import text

from desk_app.app import AppContext
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.tickets.ticket_table_model import Column
from tests.conftest import ME, make_draft

WindowFactory = Callable[[], MainWindow]


def _renumber(ctx: AppContext, first: int) -> None:
    with ctx.db.session_scope() as s:
        s.execute(text("UPDATE ticket SET number = :first + id"), {"first": first})


def _assert_whole(window: MainWindow) -> None:
    table, model = window.table, window.model
    width = table.columnWidth(Column.NUMBER)
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                       table) + 1
    metrics = table.fontMetrics()
    for row in range(model.rowCount()):
        shown = model.data(model.index(row, Column.NUMBER))
        assert metrics.elidedText(shown, Qt.TextElideMode.ElideRight,
                                  width - 2 * margin) == shown, (shown, width)
    assert table.sizeHintForColumn(Column.NUMBER) <= width


def test_six_and_seven_digit_numbers_are_shown_whole(make_window: WindowFactory,
                                                     ctx: AppContext) -> None:
    for title in ("one", "two", "three"):
        ctx.tickets.create(make_draft(title=title), actor=ME)
    _renumber(ctx, 199_996)  # HD-199997 … HD-199999: the widest six-digit numbers
    window = make_window()
    window.set_filter(QuickFilter.ALL)
    assert window.model.data(window.model.index(0, Column.NUMBER)).startswith("HD-1999")
    _assert_whole(window)
    header = window.table.horizontalHeader()
    # Not narrowed by hand either: the column keeps its width.
    assert header.sectionResizeMode(Column.NUMBER) is QHeaderView.ResizeMode.Fixed

    six_digits = window.table.columnWidth(Column.NUMBER)
    _renumber(ctx, 9_999_990)  # a desk that reached seven digits while the window is open
    window.refresh()
    assert window.table.columnWidth(Column.NUMBER) > six_digits
    _assert_whole(window)


def test_a_saved_narrow_layout_does_not_cut_numbers(make_window: WindowFactory,
                                                    ctx: AppContext,
                                                    ui_settings: UiSettings) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    _renumber(ctx, 123_455)
    window = make_window()
    header = window.table.horizontalHeader()
    header.setSectionResizeMode(Column.NUMBER, QHeaderView.ResizeMode.Interactive)
    header.resizeSection(Column.NUMBER, 40)  # a layout saved by an older version
    window.save_layout()
    window.close()
    again = make_window()
    again.set_filter(QuickFilter.ALL)
    assert again.model.data(again.model.index(0, Column.NUMBER)) == "HD-123456"
    _assert_whole(again)
