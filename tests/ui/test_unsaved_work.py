"""Unsaved work is never dropped silently (issue 9): edited fields are marked and leaving
them asks Save / Discard / Cancel, composer text is a draft in the database, Esc on a
filled New ticket dialog and closing the window ask first. The questions are answered by
a ScriptedAsk (tests/ui/conftest.py) instead of a modal loop."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Impact, Status
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.common.ask import Answer, Question, ask_with_message_box
from desk_app.ui.common.widgets import select_data
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.tickets.new_ticket_dialog import NewTicketDialog
from tests.conftest import ME, FakeClock, edit_of, make_draft, move
from tests.ui.conftest import ScriptedAsk, activate, fill_the_disk, when_modal

WindowFactory = Callable[[], MainWindow]


def _two_tickets(ctx: AppContext) -> tuple[int, int]:
    first = ctx.tickets.create(make_draft(title="Printer offline"), actor=ME).id
    second = ctx.tickets.create(make_draft(title="VPN drops"), actor=ME).id
    return first, second


def _window_on(make_window: WindowFactory, ticket_id: int) -> MainWindow:
    window = make_window()
    window.set_filter(QuickFilter.ALL)
    assert window.select_ticket(ticket_id)
    assert window.detail.detail is not None and window.detail.detail.id == ticket_id
    return window


def _click_row_of(window: MainWindow, qtbot: QtBot, ticket_id: int) -> None:
    row = window.model.row_of(ticket_id)
    assert row is not None
    rect = window.table.visualRect(window.model.index(row, 2))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _selected_ids(window: MainWindow) -> list[int | None]:
    """The tickets the list highlights (what the technician sees as selected)."""
    rows = window.table.selectionModel().selectedRows()
    return [window.model.ticket_id(index.row()) for index in rows]


def _stored_drafts(db_path: Path) -> list[tuple[int, str, str]]:
    """Read by a second connection, as the next run after a crash would."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT ticket_id, kind, body FROM message_draft").fetchall()
    finally:
        conn.close()


# -- the marker ------------------------------------------------------------------------------


def test_an_edited_field_marks_the_ticket_unsaved_until_saved_or_reverted(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    pane = window.detail
    assert not pane.unsaved_label.isVisible() and not pane.has_unsaved_changes()
    qtbot.keyClicks(pane.title, " on floor 2")
    assert pane.unsaved_label.isVisible()
    assert pane.unsaved_label.text() == "● Unsaved changes"
    assert pane.save_button.font().bold()
    pane.revert_button.click()
    assert pane.title.text() == "Printer offline"
    assert not pane.unsaved_label.isVisible() and not pane.save_button.font().bold()

    select_data(pane.impact, Impact.HIGH)  # a combo counts as much as a text field
    assert pane.unsaved_label.isVisible() and pane.edited_fields() == {"impact"}
    pane.save_button.click()
    assert ctx.tickets.detail(first).impact is Impact.HIGH
    assert not pane.unsaved_label.isVisible()


# -- leaving an edited ticket ------------------------------------------------------------------


def test_arrow_key_away_from_an_edited_ticket_asks_and_cancel_stays(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    _two_tickets(ctx)
    window = make_window()
    window.set_filter(QuickFilter.ALL)
    top = window.model.ticket_id(0)
    assert top is not None and window.select_ticket(top)
    pane = window.detail
    pane.title.setText("Edited title")
    answers.then(Answer.CANCEL)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert [q.title for q in answers.asked] == ["Unsaved changes"]
    assert "(Title)" in answers.asked[0].text
    # The list really goes back (just after the key press is handled).
    qtbot.waitUntil(lambda: _selected_ids(window) == [top])
    assert window.selected_ticket_id() == top
    assert pane.detail is not None and pane.detail.id == top
    assert pane.title.text() == "Edited title" and pane.unsaved_label.isVisible()


def test_mouse_click_away_then_cancel_keeps_list_and_pane_on_the_edited_ticket(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    window.detail.description.setPlainText("More detail typed")
    answers.then(Answer.CANCEL)
    _click_row_of(window, qtbot, second)
    assert len(answers.asked) == 1
    qtbot.waitUntil(lambda: _selected_ids(window) == [first])
    assert window.selected_ticket_id() == first
    assert window.detail.description.toPlainText() == "More detail typed"


def test_save_then_move(make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
                        answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    window.detail.title.setText("Printer offline since Monday")
    answers.then(Answer.SAVE)
    _click_row_of(window, qtbot, second)
    assert ctx.tickets.detail(first).title == "Printer offline since Monday"
    assert window.selected_ticket_id() == second
    assert window.detail.title.text() == "VPN drops"
    assert not window.detail.unsaved_label.isVisible()


def test_discard_then_move(make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
                           answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    window.detail.title.setText("Thrown away")
    answers.then(Answer.DISCARD)
    _click_row_of(window, qtbot, second)
    assert window.selected_ticket_id() == second
    assert ctx.tickets.detail(first).title == "Printer offline"
    _click_row_of(window, qtbot, first)  # clean now: no second question
    assert len(answers.asked) == 1
    assert window.detail.title.text() == "Printer offline"


def test_a_failed_save_keeps_the_edits_and_the_selection(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    pane = window.detail
    pane.title.setText("")  # a title is required
    answers.then(Answer.SAVE)
    _click_row_of(window, qtbot, second)
    qtbot.waitUntil(lambda: _selected_ids(window) == [first])
    assert window.selected_ticket_id() == first
    assert pane.detail is not None and pane.detail.id == first
    assert pane.title.text() == "" and "required" in pane.title_error.text()

    pane.title.setText("Mine")  # a conflict: someone else saved another title first
    stored = ctx.tickets.detail(first)
    ctx.tickets.edit(first, edit_of(stored, title="Theirs"), expected_version=stored.version,
                     actor="Priya Raman")
    pane.resolve_conflicts = lambda _parent, _merge: None  # "Go on editing"
    answers.then(Answer.SAVE)
    _click_row_of(window, qtbot, second)
    qtbot.waitUntil(lambda: _selected_ids(window) == [first])
    assert pane.title.text() == "Mine" and "Not saved" in pane.message.text()
    assert ctx.tickets.detail(first).title == "Theirs"


def test_a_quick_filter_that_would_hide_the_edited_ticket_asks_and_cancel_undoes_it(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    move(ctx, second, Status.WAITING_CUSTOMER)
    window = _window_on(make_window, first)
    window.detail.title.setText("Edited")
    answers.then(Answer.CANCEL)
    qtbot.mouseClick(window.filter_buttons[QuickFilter.WAITING], Qt.MouseButton.LeftButton)
    assert len(answers.asked) == 1
    assert window.model.query.quick_filter is QuickFilter.ALL
    assert window.filter_buttons[QuickFilter.ALL].isChecked()
    assert window.selected_ticket_id() == first
    assert window.detail.title.text() == "Edited"

    # A filter that still shows the ticket does not ask, and keeps the edit.
    qtbot.mouseClick(window.filter_buttons[QuickFilter.OPEN], Qt.MouseButton.LeftButton)
    assert len(answers.asked) == 1
    assert window.selected_ticket_id() == first and window.detail.title.text() == "Edited"


def test_a_search_that_would_hide_the_edited_ticket_asks_and_cancel_restores_the_box(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    window.detail.title.setText("Edited")
    answers.then(Answer.CANCEL)
    window.search.setText("vpn")
    window.apply_search()
    assert len(answers.asked) == 1
    assert window.search.text() == "" and window.model.query.search == ""
    assert window.selected_ticket_id() == first and window.detail.title.text() == "Edited"


def test_refresh_keeps_edited_fields_including_pick_lists(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    pane = window.detail
    pane.title.setText("Edited")
    select_data(pane.assignee, "Priya Raman")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert pane.title.text() == "Edited"
    assert pane.assignee.currentData() == "Priya Raman"
    assert pane.edited_fields() == {"title", "assignee"}


# -- a reply or note while fields are edited ----------------------------------------------------


def test_sending_a_reply_or_note_keeps_the_edited_fields(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    pane = window.detail
    pane.title.setText("Printer offline, all floors")
    select_data(pane.impact, Impact.HIGH)
    qtbot.keyClicks(pane.composer, "Looking at it now")
    pane.send_button.click()
    assert pane.composer.toPlainText() == ""
    assert "Looking at it now" in pane.timeline.toPlainText()  # the history did reload
    assert pane.title.text() == "Printer offline, all floors"
    assert pane.impact.currentData() == Impact.HIGH.value
    assert pane.unsaved_label.isVisible()

    pane.note_radio.setChecked(True)
    qtbot.keyClicks(pane.composer, "Internal: toner too")
    pane.send_button.click()
    pane.action_buttons[Status.IN_PROGRESS].click()  # a status move keeps them as well
    assert pane.status_label.text() == "Status: In progress"
    assert pane.title.text() == "Printer offline, all floors"
    pane.save_button.click()
    stored = ctx.tickets.detail(first)
    assert (stored.title, stored.impact) == ("Printer offline, all floors", Impact.HIGH)


# -- drafts -----------------------------------------------------------------------------------


def test_the_composer_is_saved_as_a_draft_shortly_after_typing(
        make_window: WindowFactory, ctx: AppContext, db_path: Path, qtbot: QtBot) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    pane = window.detail
    qtbot.keyClicks(pane.composer, "Dear Anna")
    assert pane.draft_timer.isActive()  # debounced: nothing written per keystroke
    assert _stored_drafts(db_path) == []
    pane.draft_timer.timeout.emit()  # the debounce interval passes
    assert _stored_drafts(db_path) == [(first, "reply", "Dear Anna")]
    assert pane.draft_hint.text().startswith("Draft saved")


def test_a_draft_is_stored_on_leaving_and_restored_on_return(
        make_window: WindowFactory, ctx: AppContext, db_path: Path, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    pane = window.detail
    pane.note_radio.setChecked(True)
    qtbot.keyClicks(pane.composer, "Checked the spooler")
    _click_row_of(window, qtbot, second)  # before the debounce fires
    assert answers.asked == []  # a draft needs no question
    assert _stored_drafts(db_path) == [(first, "note", "Checked the spooler")]
    assert pane.composer.toPlainText() == ""
    _click_row_of(window, qtbot, first)
    assert pane.composer.toPlainText() == "Checked the spooler"
    assert pane.note_radio.isChecked() and pane.send_button.text() == "Add note"


def test_a_draft_survives_closing_and_a_new_window_on_the_same_file(
        make_window: WindowFactory, ctx: AppContext, db_path: Path, clock: FakeClock,
        ui_settings: UiSettings, qtbot: QtBot) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    qtbot.keyClicks(window.detail.composer, "Half a reply")
    window.close()  # before the debounce fires
    assert _stored_drafts(db_path) == [(first, "reply", "Half a reply")]
    ctx.close()

    again = open_context(db_path, clock=clock, user_tz="UTC")
    try:
        second_window = MainWindow(again, ui_settings, actor=ME, ask=ScriptedAsk())
        qtbot.addWidget(second_window)
        second_window.set_filter(QuickFilter.ALL)
        assert second_window.select_ticket(first)
        assert second_window.detail.composer.toPlainText() == "Half a reply"
        assert second_window.detail.discard_draft_button.isEnabled()
        second_window.close()
    finally:
        again.close()


def test_sending_or_discarding_deletes_the_draft(
        make_window: WindowFactory, ctx: AppContext, db_path: Path, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    pane = window.detail
    qtbot.keyClicks(pane.composer, "On my way")
    pane.flush_draft()
    pane.send_button.click()
    assert _stored_drafts(db_path) == []

    qtbot.keyClicks(pane.composer, "Never mind")
    pane.flush_draft()
    answers.then(Answer.CANCEL)
    pane.discard_draft_button.click()
    assert pane.composer.toPlainText() == "Never mind"
    assert _stored_drafts(db_path) == [(first, "reply", "Never mind")]
    answers.then(Answer.DISCARD)
    pane.discard_draft_button.click()
    assert pane.composer.toPlainText() == ""
    assert _stored_drafts(db_path) == []
    assert not pane.discard_draft_button.isEnabled()
    _click_row_of(window, qtbot, second)
    _click_row_of(window, qtbot, first)
    assert pane.composer.toPlainText() == ""


def test_a_draft_that_cannot_be_stored_keeps_the_technician_on_the_ticket(
        make_window: WindowFactory, ctx: AppContext, db_path: Path, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    fill_the_disk(db_path, "message_draft")
    pane = window.detail
    qtbot.keyClicks(pane.composer, "Only copy of this text")
    answers.then(Answer.CANCEL)
    _click_row_of(window, qtbot, second)
    assert [q.title for q in answers.asked] == ["Draft not saved"]
    assert "database or disk is full" in answers.asked[0].text
    qtbot.waitUntil(lambda: _selected_ids(window) == [first])
    assert pane.composer.toPlainText() == "Only copy of this text"
    assert "Draft not saved" in pane.composer_error.text()


# -- the New ticket dialog and the window -----------------------------------------------------


def test_esc_on_a_filled_new_ticket_dialog_asks_and_an_empty_one_closes_at_once(
        ctx: AppContext, qtbot: QtBot) -> None:
    ask = ScriptedAsk()
    empty = NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, ask=ask)
    qtbot.addWidget(empty)
    empty.show()
    activate(qtbot, empty)
    qtbot.keyClick(empty, Qt.Key.Key_Escape)
    assert not empty.isVisible() and ask.asked == []

    dialog = NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, ask=ask)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    qtbot.keyClicks(dialog.title, "Monitor flickers")
    ask.then(Answer.CANCEL)
    qtbot.keyClick(dialog.title, Qt.Key.Key_Escape)
    assert [q.title for q in ask.asked] == ["Discard the new ticket?"]
    assert dialog.isVisible() and dialog.title.text() == "Monitor flickers"
    ask.then(Answer.DISCARD)
    qtbot.keyClick(dialog.title, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    assert len(ask.asked) == 2


def test_closing_the_window_with_unsaved_edits_asks(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        answers: ScriptedAsk) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    window.detail.title.setText("Keep me")
    answers.then(Answer.CANCEL)
    assert not window.close()
    assert window.isVisible() and window.detail.title.text() == "Keep me"
    assert answers.asked[0].detail == "Save them before closing?"
    answers.then(Answer.SAVE)
    assert window.close()
    assert ctx.tickets.detail(first).title == "Keep me"


def test_closing_the_window_after_discard_stores_nothing(
        make_window: WindowFactory, ctx: AppContext, answers: ScriptedAsk) -> None:
    first, _second = _two_tickets(ctx)
    window = _window_on(make_window, first)
    window.detail.title.setText("Not wanted")
    answers.then(Answer.DISCARD)
    assert window.close()
    assert len(answers.asked) == 1
    assert ctx.tickets.detail(first).title == "Printer offline"


# -- the real question ---------------------------------------------------------------------------


def test_the_real_message_box_offers_the_choices_and_esc_means_cancel(qtbot: QtBot) -> None:
    question = Question(title="Unsaved changes", text="HD-1001 has unsaved changes (Title).",
                        detail="Save them before leaving the ticket?")
    seen: list[list[str]] = []

    def click(label: str) -> Callable[[QWidget], None]:
        def run(box: QWidget) -> None:
            assert isinstance(box, QMessageBox)
            seen.append([b.text().replace("&", "") for b in box.buttons()])
            if label == "Esc":
                qtbot.keyClick(box, Qt.Key.Key_Escape)
                return
            next(b for b in box.buttons() if b.text().replace("&", "") == label).click()
        return run

    when_modal(click("Save"))
    assert ask_with_message_box(None, question) is Answer.SAVE
    assert sorted(seen[0]) == ["Cancel", "Discard", "Save"]
    when_modal(click("Discard"))
    assert ask_with_message_box(None, question) is Answer.DISCARD
    when_modal(click("Esc"))
    assert ask_with_message_box(None, question) is Answer.CANCEL
    two = Question(title="Discard draft", text="Throw away the text?",
                   choices=(Answer.CANCEL, Answer.DISCARD), discard_label="Discard draft")
    when_modal(click("Discard draft"))
    assert ask_with_message_box(None, two) is Answer.DISCARD
    assert sorted(seen[-1]) == ["Cancel", "Discard draft"]
