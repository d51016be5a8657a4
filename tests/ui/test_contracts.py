"""The contracts dialog and the credits table, with real widgets offscreen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.credits import Contract, CreditTier, compute
from desk_app.domain.enums import Priority
from desk_app.domain.metrics import Outcome, TicketOutcome
from desk_app.domain.ticket import RequesterInput
from desk_app.services.credits import CreditService
from desk_app.ui.main_window import MainWindow
from desk_app.ui.reports.contracts_dialog import ContractsDialog
from desk_app.ui.reports.credits_table import CreditColumn, CreditsTable, CreditsTableModel
from desk_app.workers.task_runner import SyncRunner
from tests.conftest import ME, FakeClock, make_draft
from tests.ui.conftest import when_modal

D = Decimal
TIERS = (CreditTier(D(99), D(5)), CreditTier(D(95), D(10)), CreditTier(D(90), D(25)))


def _results() -> list:  # type: ignore[type-arg]
    """Two organizations: one capped with P1 breaches, one with nothing decided."""
    outcomes = [TicketOutcome(number=1000 + i, priority=Priority.P1 if i < 2 else Priority.P3,
                              created_at=datetime(2026, 11, 2, tzinfo=UTC),
                              response=Outcome.MISSED if i < 3 else Outcome.MET,
                              resolution=Outcome.NONE) for i in range(10)]
    capped = Contract(D(1000), "EUR", frozenset({"first_response"}), TIERS, D(20), D(100))
    days = {"first_day": date(2026, 11, 1), "last_day": date(2026, 11, 30)}
    return [compute(capped, outcomes, organization="Contoso", **days),
            compute(capped, [], organization="Northwind", **days)]


def test_credits_model_passes_the_model_tester_and_shows_each_figure(
        qtmodeltester, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    model = CreditsTableModel()
    model.set_credits(_results())
    qtmodeltester.check(model)

    def cell(row: int, column: CreditColumn, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return model.data(model.index(row, column), role)

    # Contoso: 7/10 = 70 % -> 25 % of 1000.00 = 250.00, + 2 P1 × 100.00 = 450.00, cap 200.00.
    assert cell(0, CreditColumn.ORGANIZATION) == "Contoso"
    assert cell(0, CreditColumn.LOWEST) == "70.00 % (first response)"
    assert cell(0, CreditColumn.TIER) == "below 90 % → 25 %"
    assert cell(0, CreditColumn.P1) == "2"
    assert cell(0, CreditColumn.TOTAL) == "EUR 200.00 (capped)"
    assert cell(0, CreditColumn.TICKETS) == "HD-1000, HD-1001, HD-1002"
    assert "Cap: EUR 200.00 — reached" in str(cell(0, CreditColumn.TOTAL,
                                                   Qt.ItemDataRole.ToolTipRole))
    assert cell(1, CreditColumn.LOWEST) == "no decided tickets"
    assert cell(1, CreditColumn.TOTAL) == "EUR 0.00"
    assert model.headerData(CreditColumn.TOTAL, Qt.Orientation.Horizontal) == "Credit owed"
    view = CreditsTable()
    qtbot.addWidget(view)
    view.set_credits(_results())
    assert view.model().rowCount() == 2


@pytest.fixture
def service(ctx: AppContext, clock: FakeClock) -> CreditService:
    """Northwind and Contoso exist (a ticket each); Northwind's P3 first response is
    missed by 15:00 (6 office hours > 4)."""
    ctx.tickets.create(make_draft(), actor=ME)
    ctx.tickets.create(make_draft(requester=RequesterInput(
        name="Carl", email="carl@contoso.example", organization="Contoso")), actor=ME)
    clock.advance(hours=6)
    return ctx.credits


def _dialog(service: CreditService, qtbot: QtBot) -> ContractsDialog:
    dialog = ContractsDialog(service, tz="UTC", runner=SyncRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(dialog: ContractsDialog, *, fee: str, currency: str = "EUR",
          tiers: tuple[tuple[str, str], ...] = (("99", "5"), ("90", "25")),
          cap: str = "", p1: str = "") -> None:
    dialog.has_contract.setChecked(True)
    dialog.fee.setText(fee)
    dialog.currency.setText(currency)
    dialog.tiers.setRowCount(0)
    for below, credit in tiers:
        dialog._add_tier_row(below, credit)
    dialog.cap.setText(cap)
    dialog.p1_credit.setText(p1)


def test_saving_a_contract_stores_it_and_shows_this_months_credit(
        service: CreditService, qtbot: QtBot) -> None:
    dialog = _dialog(service, qtbot)
    assert dialog.org_list.count() == 2 and "no contract" in dialog.org_list.item(1).text()
    assert dialog.credits_table.model().rowCount() == 0
    dialog.select_organization("Northwind")
    assert not dialog.terms.isEnabled()  # no contract yet: the terms are greyed
    _fill(dialog, fee="2000", tiers=(("99", "5"), ("90", "25")), cap="10", p1="50")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    stored = {o.organization: o for o in service.organizations()}["Northwind"]
    assert stored.contract == Contract(D(2000), "EUR",
                                       frozenset({"first_response", "resolution"}),
                                       (CreditTier(D(99), D(5)), CreditTier(D(90), D(25))),
                                       D(10), D(50))
    assert "Saved Northwind" in dialog.saved_note.text()
    assert "EUR 2,000.00 a month" in dialog.org_list.currentItem().text()
    # November so far: Northwind's one first response missed -> 0 % -> 25 % of 2000.00
    # = 500.00, capped at 10 % = 200.00.
    model = dialog.credits_table.model()
    assert model.rowCount() == 1
    assert model.data(model.index(0, CreditColumn.TOTAL)) == "EUR 200.00 (capped)"
    assert "November 2026" in dialog.credits_box.title()


def test_a_failed_save_names_each_field_and_keeps_what_was_typed(
        service: CreditService, qtbot: QtBot) -> None:
    dialog = _dialog(service, qtbot)
    dialog.select_organization("Contoso")
    _fill(dialog, fee="-5", currency="EU", tiers=(("90", "5"), ("95", "10")), cap="200")
    dialog.target_boxes["resolution"].setChecked(False)
    dialog.save()

    shown = {name: label.text() for name, label in dialog.errors.items()
             if not label.isHidden()}
    assert shown == {"Monthly fee": "⚠ must be zero or more",
                     "Currency": "⚠ must be a three-letter code like EUR",
                     "Credit tiers": "⚠ row 2: 'below' must be less than row 1's (90 %)",
                     "Cap": "⚠ must be between 0 and 100 %"}
    assert (dialog.fee.text(), dialog.currency.text(), dialog.cap.text()) == \
        ("-5", "EU", "200")
    assert dialog.form_state().data.tiers == (("90", "5"), ("95", "10"))
    assert not dialog.target_boxes["resolution"].isChecked()
    assert {o.organization: o.contract for o in service.organizations()}["Contoso"] is None
    # Fixing the fields and saving again clears the messages.
    _fill(dialog, fee="500", currency="usd")
    dialog.save()
    assert all(label.isHidden() for label in dialog.errors.values())
    assert {o.organization: o.contract for o in service.organizations()}["Contoso"] \
        .currency == "USD"  # type: ignore[union-attr]


def test_switching_organizations_keeps_unsaved_forms_and_closing_asks(
        service: CreditService, qtbot: QtBot) -> None:
    dialog = _dialog(service, qtbot)
    dialog.select_organization("Contoso")
    _fill(dialog, fee="750")
    dialog.select_organization("Northwind")
    assert dialog.fee.text() == ""  # Northwind's own (empty) form
    assert "unsaved changes" in dialog.org_list.item(0).text()
    dialog.select_organization("Contoso")
    assert dialog.fee.text() == "750"

    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked: list[str] = []

    def answer(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(answers[len(asked) - 1]).click()

    when_modal(answer)
    dialog.reject()
    assert dialog.isVisible() and "Contoso" in asked[0]  # cancelled: still open
    when_modal(answer)
    dialog.reject()
    assert not dialog.isVisible()
    assert {o.organization: o.contract for o in service.organizations()}["Contoso"] is None


def test_unticking_the_contract_removes_it(service: CreditService, qtbot: QtBot) -> None:
    nw = {o.organization: o for o in service.organizations()}["Northwind"]
    service.save_contract(nw.organization_id, Contract(D(100), "GBP",
                                                       frozenset({"resolution"}), TIERS))
    dialog = _dialog(service, qtbot)
    dialog.select_organization("Northwind")
    assert dialog.fee.text() == "100" and dialog.terms.isEnabled()
    dialog.has_contract.setChecked(False)
    dialog.save()
    assert service.contract(nw.organization_id).contract is None
    assert "no contract" in dialog.org_list.currentItem().text()


def test_file_menu_opens_the_contracts_dialog(make_window: Callable[[], MainWindow],
                                              qtbot: QtBot) -> None:
    window = make_window()
    window.runner = SyncRunner()
    action = next(a for a in window.findChildren(type(window.menuBar().actions()[0]))
                  if a.text() == "C&ontracts and credits…")
    seen: list[str] = []

    def close(dialog: QWidget) -> None:
        seen.append(dialog.windowTitle())
        dialog.close()

    when_modal(close)
    action.trigger()
    assert seen == ["Contracts and service credits"]


def test_a_database_failure_says_so_plainly_and_keeps_the_form(
        service: CreditService, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def locked(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("UPDATE contract SET monthly_fee=?", ("2000",),
                               Exception("database is locked"))

    dialog = _dialog(service, qtbot)
    dialog.select_organization("Northwind")
    _fill(dialog, fee="2000", tiers=(("99", "5"),))
    monkeypatch.setattr(service, "save_contract", locked)
    dialog.save()
    assert dialog.general_error.text() == \
        "⚠ Not saved: database is locked. Your edits are still here."
    assert dialog.fee.text() == "2000" and dialog.form_state().data.tiers == (("99", "5"),)
    monkeypatch.undo()  # the database is back: the kept form saves as typed
    dialog.save()
    assert {o.organization: o.contract for o in service.organizations()}["Northwind"] \
        .monthly_fee == D(2000)  # type: ignore[union-attr]
