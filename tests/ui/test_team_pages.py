"""The technicians and organizations pages, with real widgets offscreen on a real desk."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Tier
from desk_app.domain.sla import PolicyConditions, SlaPolicy
from desk_app.services.people import TechnicianInput
from desk_app.ui.common.ask import Answer
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.settings_dialog import SettingsDialog
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.team.organizations_page import OrganizationsPage
from desk_app.ui.team.technicians_page import TechniciansPage
from desk_app.ui.tickets.new_ticket_dialog import NewTicketDialog
from desk_app.ui.tickets.ticket_table_model import Column
from desk_app.ui.tickets.timeline import timeline_html
from desk_app.workers.task_runner import SyncRunner
from tests.conftest import COLLEAGUE, ME, make_draft
from tests.ui.conftest import ScriptedAsk, activate, when_modal


def _id(ctx: AppContext, name: str) -> int:
    return next(r.id for r in ctx.people.technicians() if r.name == name)


def _deactivate(ctx: AppContext, name: str) -> None:
    ctx.people.save(TechnicianInput(id=_id(ctx, name), name=name, active=False))


def _page(ctx: AppContext, qtbot: QtBot, answers: ScriptedAsk | None = None
          ) -> TechniciansPage:
    page = TechniciansPage(ctx.people, me_id=_id(ctx, ME), ask=answers or ScriptedAsk())
    qtbot.addWidget(page)
    page.show()
    return page


def _combo_items(combo: object) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]  # type: ignore[attr-defined]


def test_technicians_model_passes_the_model_tester_and_marks_you(
        ctx: AppContext, qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    _deactivate(ctx, COLLEAGUE)
    page = _page(ctx, qtbot)
    qtmodeltester.check(page.model)
    cells = [[page.model.data(page.model.index(r, c)) for c in range(3)]
             for r in range(page.model.rowCount())]
    assert cells == [[f"{ME} (you)", "", "Active"], [COLLEAGUE, "", "Inactive"]]
    assert page.supervisor_note.isVisibleTo(page)  # nobody supervises yet


def test_adding_a_technician_by_keyboard_offers_them_for_assignment(
        ctx: AppContext, qtbot: QtBot) -> None:
    page = _page(ctx, qtbot)
    activate(qtbot, page)  # window shortcuts fire in the active window only
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.editor.title() == "New technician"
    qtbot.keyClicks(page.name, "Kim Lee")
    qtbot.keyClicks(page.email, "kim@desk.example")
    page.supervisor.setChecked(True)
    assert page.unsaved.text() == "● Unsaved changes"
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Kim Lee" in ctx.directory.technicians()
    assert ctx.people.active_supervisors() == ["Kim Lee"]
    assert not page.supervisor_note.isVisibleTo(page)
    assert page.notice.text() == "Saved Kim Lee."
    assert page.unsaved.text() == "" and page.editor.title() == "Technician"


def test_a_rename_collision_names_the_field_and_keeps_what_was_typed(
        ctx: AppContext, qtbot: QtBot) -> None:
    page = _page(ctx, qtbot)
    page.select_technician(_id(ctx, COLLEAGUE))
    page.name.clear()
    qtbot.keyClicks(page.name, ME.lower())
    assert page.save() is False
    assert page.errors["Name"].isVisibleTo(page)
    assert f"“{ME}” is already a technician" in page.errors["Name"].text()
    assert page.name.text() == ME.lower()  # kept as typed
    assert COLLEAGUE in ctx.directory.technicians()  # nothing stored


def test_leaving_an_edited_row_asks_and_cancel_stays(ctx: AppContext, qtbot: QtBot) -> None:
    answers = ScriptedAsk(Answer.CANCEL)
    page = _page(ctx, qtbot, answers)
    page.select_technician(_id(ctx, COLLEAGUE))
    qtbot.keyClicks(page.name, " Jr")
    page.select_technician(_id(ctx, ME))
    assert len(answers.asked) == 1
    assert page.name.text() == f"{COLLEAGUE} Jr"
    assert page.table.currentIndex().row() == page.row_of(_id(ctx, COLLEAGUE))


def test_you_cannot_deactivate_yourself(ctx: AppContext, qtbot: QtBot) -> None:
    page = _page(ctx, qtbot)
    page.select_technician(_id(ctx, ME))
    page.active.setChecked(False)
    assert page.save() is False
    assert "before deactivating yourself" in page.errors["Active"].text()
    assert ME in ctx.directory.technicians()


def test_a_rename_of_yourself_is_followed_by_the_window(
        make_window: Callable[[], MainWindow], ctx: AppContext, ui_settings: UiSettings
        ) -> None:
    window = make_window()

    def rename(widget: QWidget) -> None:
        assert isinstance(widget, TechniciansPage)
        widget.select_technician(_id(ctx, ME))
        widget.name.setText("Alex Morgan-Lee")
        assert widget.save()
        widget.reject()

    when_modal(rename)
    window.open_technicians()
    assert window.actor == window.detail.actor == ui_settings.technician == "Alex Morgan-Lee"
    d = ctx.tickets.create(make_draft(), actor=window.actor)
    assert d.timeline[0].actor == "Alex Morgan-Lee"


def test_a_deactivated_technician_is_not_offered_but_keeps_their_ticket(
        make_window: Callable[[], MainWindow], ctx: AppContext, qtbot: QtBot) -> None:
    held = ctx.tickets.create(make_draft(assignee=COLLEAGUE), actor=ME)
    other = ctx.tickets.create(make_draft(title="Someone else's"), actor=ME)
    _deactivate(ctx, COLLEAGUE)
    window = make_window()
    assert window.select_ticket(other.id)
    assert COLLEAGUE not in [window.detail.assignee.itemData(i)
                             for i in range(window.detail.assignee.count())]
    assert window.select_ticket(held.id)
    index = window.table.currentIndex()
    assert window.model.data(index.siblingAtColumn(Column.ASSIGNEE)) == \
        f"{COLLEAGUE} (inactive)"  # the list marks them too, in italics (elided words)
    font = window.model.data(index.siblingAtColumn(Column.ASSIGNEE), Qt.ItemDataRole.FontRole)
    assert font is not None and font.italic()
    pane = window.detail
    assert pane.assignee.currentText() == f"{COLLEAGUE} (inactive)"
    pane.title.setText("Still Priya's")
    assert pane.save_changes()
    assert ctx.tickets.detail(held.id).assignee == COLLEAGUE
    assert ctx.tickets.detail(held.id).title == "Still Priya's"
    # Back on the other ticket, the inactive entry is gone again.
    assert window.select_ticket(other.id)
    assert f"{COLLEAGUE} (inactive)" not in _combo_items(pane.assignee)
    dialog = NewTicketDialog(ctx.tickets, ctx.directory, actor=ME, ask=ScriptedAsk())
    qtbot.addWidget(dialog)
    assert _combo_items(dialog.assignee) == ["Unassigned", ME]


def test_settings_refuses_becoming_a_deactivated_technician(ctx: AppContext,
                                                            qtbot: QtBot) -> None:
    _deactivate(ctx, COLLEAGUE)
    dialog = SettingsDialog(ctx.directory, technician=ME)
    qtbot.addWidget(dialog)
    assert COLLEAGUE not in _combo_items(dialog.technician)
    dialog.technician.setCurrentText(COLLEAGUE)
    dialog.apply()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "deactivated; reactivate them first" in dialog.technician_error.text()


# -- organizations ---------------------------------------------------------------------

VIP = "Enterprise customers"


def _org_page(ctx: AppContext, qtbot: QtBot, opened: list[str] | None = None, *,
              threads: bool = False) -> OrganizationsPage:
    """The page with a synchronous runner, or (`threads`) its own real task runner."""
    page = OrganizationsPage(ctx.organizations, actor=ME,
                             open_contract=(opened.append if opened is not None else None),
                             runner=None if threads else SyncRunner())
    qtbot.addWidget(page)
    page.show()
    return page


def test_organizations_list_contacts_and_models(ctx: AppContext, qtbot: QtBot,
                                                qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    ctx.tickets.create(make_draft(), actor=ME)
    opened: list[str] = []
    page = _org_page(ctx, qtbot, opened)
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.contacts_model)
    row = [page.model.data(page.model.index(0, c)) for c in range(6)]
    assert row == ["Northwind", "Standard", "1", "1", "1", "—"]
    assert page.heading.text() == "Northwind"
    assert page.contacts_model.data(page.contacts_model.index(0, 0)) == "Anna Adler"
    assert page.contract_button.text() == "Add &contract…"
    page.contract_button.click()
    assert opened == ["Northwind"]


def test_a_tier_change_says_what_it_will_re_time_then_does_it(ctx: AppContext,
                                                              qtbot: QtBot) -> None:
    setup = ctx.sla.setup()
    vip = SlaPolicy(VIP, "24x7", 900, 2 * 3600,
                    conditions=PolicyConditions(tiers=frozenset({Tier.ENTERPRISE})))
    ctx.sla.save_setup(replace(setup, policies=[vip, *setup.policies]), actor=ME)
    d = ctx.tickets.create(make_draft(), actor=ME)
    page = _org_page(ctx, qtbot, threads=True)  # the preview and the change off the GUI
    assert not page.apply_button.isEnabled()  # nothing chosen yet
    page.tier.setCurrentIndex(page.tier.findData(Tier.ENTERPRISE.value))
    qtbot.waitUntil(lambda: page.tier_note.text() == (
        "Applies at once: re-times 1 open ticket; 1 moves to another SLA policy. New "
        "tickets match the new tier too."), timeout=5000)
    page.apply_button.click()
    assert page.applying and not page.tier.isEnabled() and not page.table.isEnabled()
    qtbot.waitUntil(lambda: page.notice.text() == (
        "Northwind is now Enterprise: re-timed 1 open ticket; 1 moved to another SLA "
        "policy."), timeout=5000)
    assert not page.applying and page.tier.isEnabled()
    assert page.model.data(page.model.index(0, 1)) == "Enterprise"
    assert ctx.tickets.detail(d.id).clocks.replay.policy == VIP  # type: ignore[union-attr]
    assert ("<i>Why:</i> Northwind&#x27;s tier changed from Standard to Enterprise"
            in timeline_html(ctx.tickets.detail(d.id).timeline))
    assert not page.apply_button.isEnabled()


def test_adding_an_organization_refuses_a_duplicate_and_keeps_the_text(ctx: AppContext,
                                                                       qtbot: QtBot) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    page = _org_page(ctx, qtbot)
    qtbot.keyClicks(page.new_name, "northwind")
    qtbot.keyClick(page.new_name, Qt.Key.Key_Return)
    assert "Name: “Northwind” already exists" in page.add_error.text()
    assert page.new_name.text() == "northwind"
    page.new_name.setText("Fabrikam")
    page.new_tier.setCurrentIndex(page.new_tier.findData(Tier.PREMIUM.value))
    page.add_button.click()
    assert page.new_name.text() == "" and page.heading.text() == "Fabrikam"
    assert [o.tier for o in ctx.organizations.organizations() if o.name == "Fabrikam"] == \
        [Tier.PREMIUM]


def test_a_tier_change_the_database_refuses_is_said_and_nothing_changes(
        ctx: AppContext, qtbot: QtBot, db_path: Path) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    conn = sqlite3.connect(db_path)  # the UI tests' desk is an SQLite file
    conn.execute("CREATE TRIGGER full BEFORE UPDATE ON organization "
                 "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    conn.commit()
    conn.close()
    page = _org_page(ctx, qtbot)
    page.tier.setCurrentIndex(page.tier.findData(Tier.PREMIUM.value))
    page.apply_tier()
    assert "Not saved: " in page.tier_error.text() and "full" in page.tier_error.text()
    assert page.chosen_tier() is Tier.PREMIUM and page.apply_button.isEnabled()  # kept
    assert [o.tier for o in ctx.organizations.organizations()] == [Tier.STANDARD]
