"""The live desk in the window: a colleague's change (another AppContext on the same desk,
as another window would be; another process; plain SQL) repaints just that row, keeps the
selection and the scroll position, refreshes the open ticket without touching what is being
typed, and a save over their change asks field by field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Status
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.main_window import MainWindow
from desk_app.ui.tickets.conflict_dialog import ConflictDialog
from desk_app.ui.tickets.ticket_table_model import Column
from tests.conftest import COLLEAGUE, ME, FakeClock, edit_of, make_draft, move
from tests.ui.conftest import when_modal

pytestmark = pytest.mark.both_engines

WindowFactory = Callable[[], MainWindow]
TICKETS = 40


@pytest.fixture
def colleague(desk_target: str | Path, clock: FakeClock) -> Iterator[AppContext]:
    """A second window's context on the same desk: its own engine and services."""
    other = open_context(desk_target, clock=clock, user_tz="UTC")
    yield other
    other.close()


def _tickets(ctx: AppContext, clock: FakeClock, n: int = TICKETS) -> list[int]:
    ids = []
    for i in range(n):
        clock.advance(minutes=1)
        ids.append(ctx.tickets.create(make_draft(title=f"Ticket {i:02d}"), actor=ME).id)
    return ids


def _window(make_window: WindowFactory) -> MainWindow:
    window = make_window()
    window.resize(1200, 420)  # a list that scrolls
    return window


def _top_id(window: MainWindow) -> int | None:
    from PySide6.QtCore import QPoint

    index = window.table.indexAt(QPoint(0, 0))
    return window.model.ticket_id(index.row()) if index.isValid() else None


def _rename(ctx: AppContext, ticket_id: int, title: str, **more: object) -> None:
    stored = ctx.tickets.detail(ticket_id)
    ctx.tickets.edit(ticket_id, edit_of(stored, title=title, **more),
                     expected_version=stored.version, actor=COLLEAGUE)


def test_a_colleagues_edit_repaints_that_row_only_keeping_selection_and_scroll(
        make_window: WindowFactory, ctx: AppContext, colleague: AppContext,
        clock: FakeClock, qtbot: QtBot) -> None:
    ids = _tickets(ctx, clock)
    window = _window(make_window)
    model = window.model
    selected, changed = ids[10], ids[14]
    window.select_ticket(selected)
    window.table.verticalScrollBar().setValue(window.table.verticalScrollBar().maximum() // 2)
    scroll, top, row = (window.table.verticalScrollBar().value(), _top_id(window),
                        model.row_of(changed))
    assert scroll > 0 and row is not None
    resets: list[None] = []
    model.modelReset.connect(lambda: resets.append(None))
    repainted: list[int] = []
    model.dataChanged.connect(lambda first, _last, _roles=(): repainted.append(first.row()))

    _rename(colleague, changed, "Renamed by Priya")
    window.live.worker.check()

    assert repainted == [row]
    assert model.data(model.index(row, Column.TITLE)) == "Renamed by Priya"
    assert resets == []
    assert window.selected_ticket_id() == selected
    assert window.table.verticalScrollBar().value() == scroll
    assert _top_id(window) == top
    assert window.live.worker.check() is not None and repainted == [row]  # seen once


def test_a_ticket_leaving_the_view_goes_but_the_open_one_stays_listed_and_selected(
        make_window: WindowFactory, ctx: AppContext, colleague: AppContext,
        clock: FakeClock) -> None:
    ids = _tickets(ctx, clock)
    window = _window(make_window)  # the Open view
    model = window.model
    selected, gone = ids[20], ids[22]
    window.select_ticket(selected)
    window.table.verticalScrollBar().setValue(window.table.verticalScrollBar().maximum() // 2)
    top = _top_id(window)
    assert top not in (selected, gone)
    for ticket_id in (selected, gone):
        move(colleague, ticket_id, Status.RESOLVED, actor=COLLEAGUE, resolution_note="Fixed")

    window.live.worker.check()

    assert model.row_of(gone) is None
    assert model.row_of(selected) is not None  # open in the pane: not pulled away
    counts = window.live.counts_timer  # once per burst of changes, not per change
    assert counts.isActive()
    counts.timeout.emit()
    assert window.filter_buttons[QuickFilter.OPEN].text().endswith(f"{TICKETS - 2:,}")
    assert window.selected_ticket_id() == selected
    assert _top_id(window) == top
    assert window.detail.detail is not None
    assert window.detail.detail.status is Status.RESOLVED


def test_the_open_ticket_refreshes_keeping_the_fields_being_edited_and_the_composer(
        make_window: WindowFactory, ctx: AppContext, colleague: AppContext,
        clock: FakeClock) -> None:
    (ticket_id,) = _tickets(ctx, clock, 1)
    window = _window(make_window)
    window.select_ticket(ticket_id)
    pane = window.detail
    pane.title.setText("Printer jammed")
    pane.composer.setPlainText("Half a reply")

    clock.advance(minutes=3)
    _rename(colleague, ticket_id, "Printer offline, 2nd floor", product="Laser 5")
    window.live.worker.check()

    assert pane.title.text() == "Printer jammed"  # mine, still unsaved
    assert pane.product.text() == "Laser 5"  # theirs, in a field I did not touch
    assert pane.composer.toPlainText() == "Half a reply"
    assert pane.has_unsaved_changes()
    assert COLLEAGUE in pane.message.text() and "Title" in pane.message.text()


def test_saving_over_a_colleagues_change_asks_field_by_field(
        make_window: WindowFactory, ctx: AppContext, colleague: AppContext,
        clock: FakeClock, qtbot: QtBot) -> None:
    (ticket_id,) = _tickets(ctx, clock, 1)
    window = _window(make_window)
    window.select_ticket(ticket_id)
    pane = window.detail
    pane.title.setText("Printer jammed")
    pane.assignee.setCurrentIndex(pane.assignee.findData(ME))
    pane.description.setPlainText("Paper stuck in tray 2.")
    clock.advance(minutes=3)
    _rename(colleague, ticket_id, "Printer offline, 2nd floor", assignee=COLLEAGUE,
            product="Laser 5")
    # No refresh: the pane still shows the old version, the save finds out.
    seen: list[str] = []

    def decide(dialog: QWidget) -> None:
        assert isinstance(dialog, ConflictDialog)
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        seen.append(dialog.findChild(QWidget, "theirs_title").text())
        assert not save.isEnabled()
        dialog.findChild(QRadioButton, "keepMine_title").click()
        assert not save.isEnabled()  # the assignee has no choice yet
        dialog.findChild(QRadioButton, "takeTheirs_assignee").click()
        assert save.isEnabled()
        save.click()

    when_modal(decide)
    assert pane.save_changes()
    assert COLLEAGUE in seen[0] and "Printer offline, 2nd floor" in seen[0]
    stored = ctx.tickets.detail(ticket_id)
    assert (stored.title, stored.assignee, stored.product, stored.description) == (
        "Printer jammed", COLLEAGUE, "Laser 5", "Paper stuck in tray 2.")
    assert not pane.has_unsaved_changes()
    assert pane.assignee.currentData() == COLLEAGUE


def test_going_on_editing_from_the_conflict_dialog_saves_nothing_and_loses_nothing(
        make_window: WindowFactory, ctx: AppContext, colleague: AppContext,
        clock: FakeClock) -> None:
    (ticket_id,) = _tickets(ctx, clock, 1)
    window = _window(make_window)
    window.select_ticket(ticket_id)
    pane = window.detail
    pane.title.setText("Printer jammed")
    _rename(colleague, ticket_id, "Theirs")

    def cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, ConflictDialog)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    when_modal(cancel)
    assert not pane.save_changes()
    assert pane.title.text() == "Printer jammed" and "Not saved" in pane.message.text()
    assert ctx.tickets.detail(ticket_id).title == "Theirs"
