"""The window driven like a technician would: keyboard, clicks, search, filters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Priority, Status
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.settings_dialog import SettingsDialog
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.tickets.new_ticket_dialog import NewTicketDialog
from desk_app.ui.tickets.ticket_table_model import Column
from tests.conftest import ME, edit_of, make_draft, move
from tests.ui.conftest import ScriptedAsk, activate, fill_the_disk, when_modal

WindowFactory = Callable[[], MainWindow]


def _cell(window: MainWindow, row: int, column: Column) -> str:
    return window.model.data(window.model.index(row, column))


def test_ctrl_n_logs_a_ticket_with_the_keyboard_only(make_window: WindowFactory,
                                                     ctx: AppContext, qtbot: QtBot) -> None:
    ctx.tickets.create(make_draft(), actor=ME)  # a known contact for the auto-complete
    window = make_window()
    typed: list[str] = []

    def fill_dialog(dialog: QWidget) -> None:
        assert isinstance(dialog, NewTicketDialog)
        activate(qtbot, dialog)
        qtbot.keyClicks(dialog.focusWidget(), "Cannot print to 2nd floor")
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.focusWidget(), "Maya Nakamura")
        for _ in range(1):
            qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.focusWidget(), "maya@tailspin.example")
        for _ in range(4):  # phone, organization, category, channel
            qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # impact
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Up)  # Low -> Medium
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # urgency
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Up)  # Medium -> High
        typed.append(dialog.priority.currentText())
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier)
        if dialog.isVisible():  # never leave a modal dialog blocking the test
            typed.append(repr(dialog.draft()))
            dialog.reject()

    when_modal(fill_dialog)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.selected_ticket_id() is not None or len(typed) > 1)
    assert len(typed) == 1, typed

    assert typed == [Priority.P2.label]  # medium impact x high urgency, shown live
    detail = ctx.tickets.detail(window.selected_ticket_id() or 0)
    assert (detail.display_number, detail.title, detail.requester, detail.requester_email,
            detail.priority) == ("HD-1002", "Cannot print to 2nd floor", "Maya Nakamura",
                                 "maya@tailspin.example", Priority.P2)
    assert window.detail.heading.text() == "HD-1002 · Cannot print to 2nd floor"


def test_inline_validation_shows_beside_the_field_and_keeps_the_text(
        ctx: AppContext, qtbot: QtBot) -> None:
    dialog = NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, ask=ScriptedAsk())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.requester, "Zoe")
    qtbot.keyClicks(dialog.email, "zoe-at-example")
    qtbot.keyClicks(dialog.description, "Long story")
    dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.errors["Title"].isVisible()
    assert "required" in dialog.errors["Title"].text()
    assert "not an email address" in dialog.errors["Email"].text()
    assert not dialog.errors["Requester"].isVisible()
    assert dialog.focusWidget() is dialog.title
    assert (dialog.requester.text(), dialog.email.text(), dialog.description.toPlainText()) \
        == ("Zoe", "zoe-at-example", "Long story")
    assert ctx.lists.counts(None)[QuickFilter.ALL] == 0


def test_a_failed_save_keeps_the_dialog_open_with_everything_typed(
        ctx: AppContext, db_path: Path, qtbot: QtBot) -> None:
    fill_the_disk(db_path)
    dialog = NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, ask=ScriptedAsk())
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    qtbot.keyClicks(dialog.title, "Server room too hot")
    qtbot.keyClicks(dialog.requester, "Facilities")
    qtbot.keyClicks(dialog.description, "32 °C and rising")
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and dialog.created is None
    assert dialog.banner.isVisible()
    assert "database or disk is full" in dialog.banner.text()
    assert "still here" in dialog.banner.text()
    assert (dialog.title.text(), dialog.requester.text(), dialog.description.toPlainText()) \
        == ("Server room too hot", "Facilities", "32 °C and rising")


def test_status_moves_from_the_detail_pane(make_window: WindowFactory, ctx: AppContext,
                                           qtbot: QtBot) -> None:
    created = ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    window.select_ticket(created.id)
    pane = window.detail
    assert set(pane.action_buttons) == {Status.IN_PROGRESS, Status.WAITING_CUSTOMER,
                                        Status.WAITING_THIRD_PARTY, Status.RESOLVED}
    qtbot.mouseClick(pane.action_buttons[Status.IN_PROGRESS], Qt.MouseButton.LeftButton)
    assert pane.status_label.text() == "Status: In progress"
    assert _cell(window, 0, Column.STATUS) == "In progress"

    pane.resolution_prompt = lambda _parent: None  # the technician cancels
    qtbot.mouseClick(pane.action_buttons[Status.RESOLVED], Qt.MouseButton.LeftButton)
    assert ctx.tickets.detail(created.id).status is Status.IN_PROGRESS

    from desk_app.ui.tickets.resolve_dialog import Resolution

    pane.resolution_prompt = lambda _parent: Resolution("Cleared the print queue.", 5,
                                                        "Great")
    qtbot.mouseClick(pane.action_buttons[Status.RESOLVED], Qt.MouseButton.LeftButton)
    assert ctx.tickets.detail(created.id).resolution_note == "Cleared the print queue."
    assert "customer rating ★★★★★ 5/5 “Great”" in pane.subheading.text()
    assert [b.text() for b in pane.action_buttons.values()] == ["Close", "Reopen"]
    assert "changed status from In progress to Resolved" in pane.timeline.toPlainText()
    assert window.selected_ticket_id() == created.id  # still selected


def test_a_save_after_a_colleagues_change_to_other_fields_keeps_both(
        make_window: WindowFactory, ctx: AppContext) -> None:
    """Someone else saved first (a status move, a new product): the edit is merged with
    their version, not refused, and nothing of theirs is overwritten."""
    created = ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    window.select_ticket(created.id)
    pane = window.detail
    pane.title.setText("My better title")
    move(ctx, created.id, Status.IN_PROGRESS, actor="Priya Raman")  # someone else saves first
    latest = ctx.tickets.detail(created.id)
    ctx.tickets.edit(created.id, edit_of(latest, product="Laser 5"),
                     expected_version=latest.version, actor="Priya Raman")
    pane.resolve_conflicts = lambda _p, _m: pytest.fail("no field conflicts")
    pane.save_button.click()
    stored = ctx.tickets.detail(created.id)
    assert (stored.title, stored.product, stored.status) == (
        "My better title", "Laser 5", Status.IN_PROGRESS)
    assert pane.title.text() == "My better title"
    assert not pane.has_unsaved_changes()


def test_reply_and_note_from_the_composer(make_window: WindowFactory, ctx: AppContext,
                                          qtbot: QtBot) -> None:
    created = ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    window.select_ticket(created.id)
    pane = window.detail
    pane.send_button.click()
    assert "empty" in pane.composer_error.text()
    pane.composer.setFocus()  # the technician clicks into the composer
    qtbot.keyClicks(pane.composer, "Have you tried turning it off and on?")
    qtbot.keyClick(pane.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert pane.composer.toPlainText() == ""
    pane.note_radio.setChecked(True)
    assert pane.send_button.text() == "Add note"
    qtbot.keyClicks(pane.composer, "Toner low too")
    pane.send_button.click()
    kinds = [e.kind.value for e in ctx.tickets.detail(created.id).timeline]
    assert kinds == ["created", "public_reply", "internal_note"]
    assert ctx.tickets.detail(created.id).first_response_at is not None


def test_search_and_quick_filters(make_window: WindowFactory, ctx: AppContext,
                                  qtbot: QtBot) -> None:
    for title in ("Printer jam", "VPN drops", "Printer toner"):
        ctx.tickets.create(make_draft(title=title), actor=ME)
    move(ctx, ctx.tickets.find_by_number(1002) or 0, Status.WAITING_CUSTOMER)
    window = make_window()
    assert window.model.rowCount() == 3
    qtbot.waitUntil(lambda: window.filter_buttons[QuickFilter.OPEN].text() == "Open  3")

    qtbot.keyClicks(window.search, "printer")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)  # debounced, no Enter needed
    assert {_cell(window, r, Column.TITLE) for r in range(2)} == {"Printer jam",
                                                                   "Printer toner"}
    # Counts follow just after the table paints (a zero-delay timer).
    qtbot.waitUntil(lambda: window.count_label.text() ==
                    "2 tickets shown matching “printer”")

    window.search.clear()
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.mouseClick(window.filter_buttons[QuickFilter.WAITING], Qt.MouseButton.LeftButton)
    assert [_cell(window, r, Column.TITLE) for r in range(window.model.rowCount())] == \
        ["VPN drops"]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # My tickets
    assert window.model.query.quick_filter is QuickFilter.MINE
    assert window.model.rowCount() == 0


def test_sorting_by_clicking_a_header(make_window: WindowFactory, ctx: AppContext,
                                      qtbot: QtBot) -> None:
    for title in ("b", "c", "a"):
        ctx.tickets.create(make_draft(title=title), actor=ME)
    window = make_window()
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(Column.TITLE) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, 5))
    first = [_cell(window, r, Column.TITLE) for r in range(3)]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, 5))
    second = [_cell(window, r, Column.TITLE) for r in range(3)]
    assert sorted([first, second]) == [["a", "b", "c"], ["c", "b", "a"]]


def test_layout_and_last_filter_are_remembered(make_window: WindowFactory,
                                               ui_settings: UiSettings, qtbot: QtBot) -> None:
    window = make_window()
    window.set_filter(QuickFilter.WAITING)
    window.table.setColumnWidth(Column.STATUS, 333)
    window.close()
    again = make_window()
    assert again.model.query.quick_filter is QuickFilter.WAITING
    assert again.filter_buttons[QuickFilter.WAITING].isChecked()
    assert again.table.columnWidth(Column.STATUS) == 333


def test_help_lists_the_shortcuts(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    keys = dict(window.shortcut_list)
    assert keys["Ctrl+N"] == "New ticket"
    assert keys["Ctrl+F"] == "Search tickets"
    assert keys["F5"] == "Refresh"
    seen: list[str] = []

    def read_and_close(box: QWidget) -> None:
        seen.append(box.text())  # type: ignore[attr-defined]
        box.close()

    when_modal(read_and_close)
    window.show_shortcuts()
    assert "Ctrl+N" in seen[0] and "Show: Waiting" in seen[0]


def test_new_ticket_button_exists_and_is_labelled(make_window: WindowFactory) -> None:
    window = make_window()
    buttons = [b.text() for b in window.findChildren(QPushButton)]
    assert "Save changes" in buttons


def test_file_export_writes_the_csv_chosen_in_the_dialog(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot, tmp_path,
        monkeypatch) -> None:
    import csv

    from PySide6.QtWidgets import QFileDialog

    from desk_app.workers.task_runner import SyncRunner

    ctx.tickets.create(make_draft(title="=2+2"), actor=ME)
    window = make_window()
    window.runner = SyncRunner()
    target = tmp_path / "out.csv"
    # The save dialog is the edge: a person would pick the file; Qt's own dialog is not
    # what this test is about.
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "CSV files (*.csv)")))
    window.export_view()
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["title"] for r in rows] == ["'=2+2"]
    assert window.statusBar().currentMessage() == f"Exported 1 tickets to {target}"


def test_settings_switch_technician_once_and_my_tickets_follow(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """OK in Settings writes the technician once (the dialog's own ensure_technician) and
    the window's "My tickets" use the id that call returned."""
    window = make_window()
    calls: list[str] = []
    ensure = ctx.directory.ensure_technician

    def counting(name: str, **options: bool) -> int:
        calls.append(name)
        return ensure(name, **options)

    monkeypatch.setattr(ctx.directory, "ensure_technician", counting)

    def choose(dialog: QWidget) -> None:
        assert isinstance(dialog, SettingsDialog)
        dialog.technician.setCurrentText("Ravi Patel")
        dialog.apply()

    when_modal(choose)
    window.open_settings()
    assert window.actor == "Ravi Patel"
    assert calls == ["Ravi Patel"]
    assert window.me_id == ctx.directory.technician_id("Ravi Patel")


def test_my_tickets_follow_a_technician_switch_in_settings(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot) -> None:
    ctx.directory.ensure_technician("Ravi Patel")
    ctx.tickets.create(make_draft(title="Ravi's printer", assignee="Ravi Patel"), actor=ME)
    window = make_window()
    window.set_filter(QuickFilter.MINE)
    assert window.model.rowCount() == 0  # nothing is assigned to ME

    def choose(dialog: QWidget) -> None:
        assert isinstance(dialog, SettingsDialog)
        dialog.technician.setCurrentText("Ravi Patel")
        dialog.apply()

    when_modal(choose)
    window.open_settings()
    assert window.model.query.quick_filter is QuickFilter.MINE
    assert window.model.rowCount() == 1
