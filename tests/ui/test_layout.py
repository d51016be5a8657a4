"""The window and the detail pane fit small screens (issue 9, 1024×700 and 1600×1000): the
window is never wider or taller than the screen, the columns that identify and rank a ticket
stay in sight, and no button is cut off or painted over another."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui import main_window as main_window_module
from desk_app.ui.common.ask import Answer
from desk_app.ui.main_window import MainWindow
from desk_app.ui.tickets.detail_pane import TicketDetailPane
from desk_app.ui.tickets.ticket_table_model import Column
from tests.conftest import FakeClock, make_draft
from tests.ui.conftest import ME, ScriptedAsk

WindowFactory = Callable[[], MainWindow]
SMALL = QRect(0, 0, 1024, 700)
LARGE = QRect(0, 0, 1600, 1000)


def _demo_window(make_window: WindowFactory, ctx: AppContext, clock: FakeClock,
                 qtbot: QtBot, screen: QRect) -> MainWindow:
    """The demo desk (as `desk-app --demo` makes it) in a window sized for `screen`."""
    ctx.generator.generate(tickets=300, seed=42, include_technician=ME)
    window = make_window()
    window._size_for_screen(screen)
    # The counts make the filter buttons widest ("Resolved  277"): wait for them.
    qtbot.waitUntil(lambda: "300" in window.filter_buttons[QuickFilter.ALL].text())
    window.set_filter(QuickFilter.RESOLVED)
    QApplication.processEvents()
    return window


def _rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _column_right_edge(window: MainWindow, column: Column) -> int:
    header = window.table.horizontalHeader()
    assert not header.isSectionHidden(column), column
    return header.sectionViewportPosition(column) + header.sectionSize(column)


def _assert_buttons_whole_and_apart(buttons: list[QWidget], inside: QWidget) -> None:
    rects = [_rect_in(b, inside) for b in buttons]
    for button, rect in zip(buttons, rects, strict=True):
        assert button.isVisible(), button.objectName()
        assert rect.width() >= button.sizeHint().width(), f"{button.objectName()} is cut"
        assert inside.rect().contains(rect), f"{button.objectName()} {rect} outside"
    for (a, ra), (b, rb) in itertools.combinations(zip(buttons, rects, strict=True), 2):
        assert not ra.intersects(rb), f"{a.objectName()} overlaps {b.objectName()}"


def test_on_a_1024x700_screen_the_window_fits_and_number_and_time_left_show(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock,
        qtbot: QtBot) -> None:
    window = _demo_window(make_window, ctx, clock, qtbot, SMALL)
    assert window.minimumSizeHint().width() <= SMALL.width()
    assert window.minimumSizeHint().height() <= SMALL.height()
    assert window.width() <= SMALL.width() and window.height() <= SMALL.height()
    viewport = window.table.viewport().width()
    for column in (Column.NUMBER, Column.TITLE, Column.STATUS, Column.TIME_LEFT):
        assert _column_right_edge(window, column) <= viewport, column
    assert window.table.horizontalScrollBar().maximum() == 0
    assert window.detail.width() >= 320
    # Every quick filter shows whole (label and count), none on top of another.
    _assert_buttons_whole_and_apart(list(window.filter_buttons.values()), window.filter_bar)


def test_on_a_1600x1000_screen_the_filters_take_one_row_and_more_columns_show(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock,
        qtbot: QtBot) -> None:
    window = _demo_window(make_window, ctx, clock, qtbot, LARGE)
    assert window.width() <= LARGE.width() and window.height() <= LARGE.height()
    buttons = list(window.filter_buttons.values())
    _assert_buttons_whole_and_apart(buttons, window.filter_bar)
    assert len({b.y() for b in buttons}) == 1  # one row
    viewport = window.table.viewport().width()
    for column in (Column.NUMBER, Column.REQUESTER, Column.STATUS, Column.TIME_LEFT,
                   Column.ASSIGNEE):
        assert _column_right_edge(window, column) <= viewport, column
    assert window.detail.width() >= 400


@pytest.mark.parametrize("width", [320, 400, 500, 600])
def test_status_moves_never_overlap_the_status_line_or_each_other(
        ctx: AppContext, qtbot: QtBot, width: int) -> None:
    fresh = ctx.tickets.create(make_draft(title="New: four moves"), actor=ME).id
    closed = ctx.tickets.create(make_draft(title="Closed: one move"), actor=ME)
    closed = ctx.tickets.change_status(closed.id, Status.RESOLVED,
                                       expected_version=closed.version, actor=ME,
                                       resolution_note="Fixed")
    pane = TicketDetailPane(ctx.tickets, ctx.directory, actor=ME, drafts=ctx.drafts)
    qtbot.addWidget(pane)
    pane.resize(width, 900)
    pane.show()
    qtbot.waitExposed(pane)
    content = pane._scroll.widget()
    for ticket_id, moves in ((fresh, 4), (closed.id, None), (fresh, 4)):
        pane.show_ticket(ticket_id)
        pane.title.setText("Edited title")  # the unsaved badge shares the status line
        QApplication.processEvents()
        buttons = [b for b in content.findChildren(QWidget)
                   if b.objectName().startswith("action_") and b.isVisible()]
        # The previous ticket's buttons are gone at once, not when the event loop deletes them.
        assert sorted(b.objectName() for b in buttons) == \
            sorted(b.objectName() for b in pane.action_buttons.values())
        if moves is not None:
            assert len(buttons) == moves
        assert content.width() <= pane._scroll.viewport().width()
        _assert_buttons_whole_and_apart(
            [pane.status_label, pane.unsaved_label, *buttons], content)
        pane.discard_changes()


def test_a_new_ticket_saved_over_unsaved_edits_asks_once(
        make_window: WindowFactory, ctx: AppContext, answers: ScriptedAsk,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Filter Resolved, an edited resolved ticket, then a new ticket is logged: the switch to
    Open (which hides the edited ticket) and then the move to the new ticket in All used to
    ask Save / Discard / Cancel once each."""
    done = ctx.tickets.create(make_draft(title="Resolved one"), actor=ME)
    ctx.tickets.change_status(done.id, Status.RESOLVED, expected_version=done.version,
                              actor=ME, resolution_note="Fixed")

    class LoggedDialog:
        """Stands in for the New ticket dialog: Save was pressed on a filled form."""

        def __init__(self, *_args: object, **_kwargs: object) -> None:
            self.created = None

        def exec(self) -> QDialog.DialogCode:
            self.created = ctx.tickets.create(make_draft(title="Logged meanwhile"), actor=ME)
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(main_window_module, "NewTicketDialog", LoggedDialog)
    window = make_window()
    window.set_filter(QuickFilter.RESOLVED)
    assert window.select_ticket(done.id)
    window.detail.title.setText("Edited title")

    answers.then(Answer.CANCEL)
    window.new_ticket()
    QApplication.processEvents()  # a deferred re-selection (singleShot 0) runs here
    assert len(answers.asked) == 1
    assert window.selected_ticket_id() == done.id
    assert window.detail.detail is not None and window.detail.detail.id == done.id
    assert window.detail.title.text() == "Edited title"

    answers.then(Answer.DISCARD)
    window.new_ticket()
    QApplication.processEvents()
    assert len(answers.asked) == 2
    assert window.detail.detail is not None
    assert window.detail.detail.title == "Logged meanwhile"
    assert window.selected_ticket_id() == window.detail.detail.id
    assert window.detail.title.text() == "Logged meanwhile"


def _dialogs(window: MainWindow, ctx: AppContext) -> dict[str, QWidget]:
    """Every dialog and window reachable from the main window's menus, as it builds them."""
    from desk_app.ui.reports.contracts_dialog import ContractsDialog
    from desk_app.ui.reports.reports_view import ReportsWindow
    from desk_app.ui.settings.settings_dialog import SettingsDialog
    from desk_app.ui.sla.sla_settings_dialog import SlaSettingsDialog
    from desk_app.ui.tickets.new_ticket_dialog import NewTicketDialog
    from desk_app.ui.transfer.import_dialog import ImportDialog

    return {
        "new ticket": NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, parent=window),
        "settings": SettingsDialog(ctx.directory, technician=ME, parent=window,
                                   ui_settings=window.settings, alerts=window.watch.center),
        "service levels": SlaSettingsDialog(ctx.sla, actor=ME, parent=window),
        "reports": ReportsWindow(reports=ctx.reports, credits=ctx.credits,
                                 exports=ctx.exports, runner=window.runner,
                                 tz=ctx.sla.user_tz, parent=window),
        "contracts": ContractsDialog(ctx.credits, tz=ctx.sla.user_tz, runner=window.runner,
                                     parent=window),
        "import": ImportDialog(ctx.imports, actor=ME, runner=window.runner, parent=window),
    }


def test_every_dialog_fits_a_1024x700_screen(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock,
        qtbot: QtBot) -> None:
    from desk_app.ui.common.screen_fit import FRAME_HEIGHT, FRAME_WIDTH, fit_to_screen

    window = _demo_window(make_window, ctx, clock, qtbot, SMALL)
    room = SMALL.adjusted(0, 0, -FRAME_WIDTH, -FRAME_HEIGHT)
    for name, dialog in _dialogs(window, ctx).items():
        hint = dialog.minimumSizeHint()
        assert hint.width() <= room.width() and hint.height() <= room.height(), (name, hint)
        fit_to_screen(dialog, 2000, 2000, area=SMALL)
        assert dialog.width() <= room.width() and dialog.height() <= room.height(), name
        dialog.deleteLater()
