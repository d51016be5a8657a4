"""Contracts and credits: each organization's service contract, and this month's credits.

Pick an organization on the left, edit its contract on the right, "Save contract". What the
user typed survives a failed save (each message sits under its field) and switching to
another organization (unsaved forms are kept until the dialog closes, and closing with
unsaved changes asks first). Credits for the current month are shown below and refreshed
after every save, computed through the task runner because they bring every clock of the
month up to date first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.credits import (
    F_CAP,
    F_CURRENCY,
    F_FEE,
    F_P1,
    F_TARGETS,
    F_TIERS,
    TARGET_LABELS,
    TARGETS,
    ContractInput,
    OrgCredit,
    contract_input,
    parse_contract,
)
from desk_app.domain.errors import DeskError, ValidationErrors
from desk_app.services.credits import CreditService, OrgContract
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.plain import PlainLabel, plain_message
from desk_app.ui.common.screen_fit import fit_to_screen
from desk_app.ui.common.widgets import FieldError
from desk_app.ui.reports.credits_table import CreditsTable, money
from desk_app.workers.task_runner import Runner, TaskRunner

log = logging.getLogger(__name__)
DEFAULT_TIERS = (("99", "5"), ("95", "10"), ("90", "25"))


@dataclass(frozen=True)
class FormState:
    """Everything the form shows for one organization, as typed."""

    has_contract: bool
    active: bool
    data: ContractInput


def state_of(item: OrgContract) -> FormState:
    if item.contract is None:
        return FormState(False, True, ContractInput(
            monthly_fee="", currency="EUR", targets=frozenset(TARGETS), tiers=DEFAULT_TIERS))
    return FormState(True, item.active, contract_input(item.contract))


class ContractsDialog(QDialog):
    def __init__(self, service: CreditService, *, tz: str, runner: Runner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Contracts and service credits")
        self._service = service
        self._zone = ZoneInfo(tz)
        self.runner: Runner = runner or TaskRunner(self)
        self._items: list[OrgContract] = []
        self._drafts: dict[int, FormState] = {}  # unsaved forms, by organization id
        self._shown: int | None = None  # organization id the form shows
        self._build()
        self.reload()
        self.refresh_credits()

    # -- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.org_list = QListWidget()
        self.org_list.setMinimumWidth(240)
        self.org_list.setSpacing(2)
        self.org_list.currentRowChanged.connect(self._on_org_changed)

        self.has_contract = QCheckBox("This organization has a service contract")
        self.has_contract.toggled.connect(self._on_has_contract)
        self.active = QCheckBox("Active (uncheck to pause credits without losing the terms)")
        self.fee = QLineEdit()
        self.fee.setPlaceholderText("e.g. 2000.00")
        self.currency = QLineEdit()
        self.currency.setMaxLength(3)
        self.currency.setPlaceholderText("EUR")
        self.currency.setFixedWidth(70)
        self.target_boxes = {t: QCheckBox(TARGET_LABELS[t]) for t in TARGETS}
        self.cap = QLineEdit()
        self.cap.setPlaceholderText("empty: no cap")
        self.p1_credit = QLineEdit()
        self.p1_credit.setPlaceholderText("empty: none")
        for edit in (self.fee, self.cap, self.p1_credit):
            edit.setFixedWidth(160)  # amounts, not prose: a short field reads as one
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.tiers = QTableWidget(0, 2)
        self.tiers.setHorizontalHeaderLabels(["Attainment below (%)", "Credit (% of fee)"])
        self.tiers.verticalHeader().hide()
        self.tiers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tiers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tiers.verticalHeader().setDefaultSectionSize(26)
        self.tiers.setFixedHeight(26 * 5 + 6)  # the header and four tiers without scrolling
        self.add_tier = QPushButton("Add tier")
        self.add_tier.clicked.connect(lambda: self._add_tier_row("", ""))
        self.remove_tier = QPushButton("Remove tier")
        self.remove_tier.clicked.connect(self._on_remove_tier)

        self.errors = {f: FieldError() for f in (F_FEE, F_CURRENCY, F_TARGETS, F_TIERS, F_CAP,
                                                 F_P1)}
        self.general_error = FieldError()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Monthly fee:", self._with_error(self.fee, F_FEE))
        form.addRow("Currency:", self._with_error(self.currency, F_CURRENCY,
                                                  "three letters: EUR, USD, GBP…"))
        targets = QHBoxLayout()
        for box in self.target_boxes.values():
            targets.addWidget(box)
        targets.addStretch(1)
        form.addRow("Counted targets:", self._with_error(targets, F_TARGETS))
        tier_buttons = QHBoxLayout()
        tier_buttons.addWidget(self.add_tier)
        tier_buttons.addWidget(self.remove_tier)
        tier_buttons.addStretch(1)
        tier_box = QVBoxLayout()
        tier_box.addWidget(self.tiers)
        tier_box.addLayout(tier_buttons)
        form.addRow("Credit tiers:", self._with_error(
            tier_box, F_TIERS, "The lowest attainment among the counted targets earns the "
                               "deepest tier it is below; one tier per period."))
        form.addRow("Cap (% of fee):", self._with_error(
            self.cap, F_CAP, "of the period's fee; limits the total, P1 credits included"))
        form.addRow("P1 breach credit:", self._with_error(
            self.p1_credit, F_P1, "per P1 ticket that missed a counted target"))

        self.terms = QWidget()
        terms_layout = QVBoxLayout(self.terms)
        terms_layout.setContentsMargins(0, 0, 0, 0)
        terms_layout.addWidget(self.active)
        terms_layout.addLayout(form)

        self.save_button = QPushButton("Save contract")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.saved_note = PlainLabel()
        save_row = QHBoxLayout()
        save_row.addWidget(self.saved_note, 1)
        save_row.addWidget(self.save_button)

        self.editor = QGroupBox("Contract")
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.addWidget(self.has_contract)
        editor_layout.addWidget(self.terms)
        editor_layout.addWidget(self.general_error)
        editor_layout.addStretch(1)
        editor_layout.addLayout(save_row)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.org_list)
        # The contract form scrolls rather than push the dialog past a 700-pixel screen.
        editor_scroll = QScrollArea()
        editor_scroll.setWidgetResizable(True)
        editor_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        editor_scroll.setWidget(self.editor)
        top.addWidget(editor_scroll)
        top.setStretchFactor(1, 1)
        top.setChildrenCollapsible(False)

        self.credits_box = QGroupBox()
        self.credits_table = CreditsTable()
        self.credits_status = PlainLabel()
        self.credits_status.setWordWrap(True)
        credits_layout = QVBoxLayout(self.credits_box)
        self.credits_table.setMinimumHeight(120)
        self.credits_table.setMaximumHeight(200)
        credits_layout.addWidget(self.credits_table)
        credits_layout.addWidget(self.credits_status)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(top, 1)
        layout.addWidget(self.credits_box)
        layout.addWidget(self.buttons)
        fit_to_screen(self, 960, 800)

    def _with_error(self, field: QWidget | QHBoxLayout | QVBoxLayout, name: str,
                    hint: str | None = None) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        note = None
        if hint:
            note = PlainLabel(hint)
            note.setObjectName("hint")
            note.setWordWrap(True)
            note.setEnabled(False)  # greyed: a hint, not content
        if isinstance(field, QWidget):
            # A short field with its hint beside it: one line instead of two.
            row = QHBoxLayout()
            row.addWidget(field)
            if note is not None:
                row.addWidget(note, 1)
            else:
                row.addStretch(1)
            layout.addLayout(row)
        else:
            layout.addLayout(field)
            if note is not None:
                layout.addWidget(note)
        layout.addWidget(self.errors[name])
        return box

    # -- organizations -----------------------------------------------------------------

    def reload(self, *, stash: bool = True) -> None:
        """Read the organizations and their stored contracts; unsaved forms are kept
        (`stash=False` after a save: the shown form is what is now stored)."""
        keep = self._shown
        if keep is not None and stash:
            self._stash()
        self._items = self._service.organizations()
        self.org_list.blockSignals(True)
        self.org_list.clear()
        for item in self._items:
            self.org_list.addItem(QListWidgetItem(self._label(item)))
        self.org_list.blockSignals(False)
        ids = [i.organization_id for i in self._items]
        self._shown = None
        self.editor.setEnabled(bool(ids))
        if ids:
            self.org_list.setCurrentRow(ids.index(keep) if keep in ids else 0)
        else:
            self.general_error.show_error("There are no organizations yet: they appear when "
                                          "a ticket names one.")

    def _label(self, item: OrgContract) -> str:
        # Two lines: the name in full, then the terms (or their absence) and any draft.
        if item.contract is None:
            terms = "no contract"
        else:
            terms = money(item.contract.currency, item.contract.monthly_fee) + " a month"
            if not item.active:
                terms += ", paused"
        if item.organization_id in self._drafts:
            terms += " • unsaved changes"
        return f"{item.organization}\n    {terms}"

    def _refresh_label(self, org_id: int) -> None:
        for row, item in enumerate(self._items):
            if item.organization_id == org_id:
                self.org_list.item(row).setText(self._label(item))

    def _item(self, org_id: int) -> OrgContract:
        return next(i for i in self._items if i.organization_id == org_id)

    def select_organization(self, name: str) -> None:
        for row, item in enumerate(self._items):
            if item.organization == name:
                self.org_list.setCurrentRow(row)
                return
        raise KeyError(name)

    def _on_org_changed(self, row: int) -> None:
        if self._shown is not None:
            self._stash()
        if not 0 <= row < len(self._items):
            self._shown = None
            return
        item = self._items[row]
        self._shown = item.organization_id
        self._show(self._drafts.get(item.organization_id, state_of(item)))
        self._clear_errors()
        self.saved_note.clear()

    def _stash(self) -> None:
        """Keep the shown form if it differs from what is stored."""
        assert self._shown is not None
        state = self.form_state()
        if state != state_of(self._item(self._shown)):
            self._drafts[self._shown] = state
        else:
            self._drafts.pop(self._shown, None)
        self._refresh_label(self._shown)

    # -- the form ----------------------------------------------------------------------

    def _show(self, state: FormState) -> None:
        d = state.data
        self.has_contract.setChecked(state.has_contract)
        self._on_has_contract(state.has_contract)
        self.active.setChecked(state.active)
        self.fee.setText(d.monthly_fee)
        self.currency.setText(d.currency)
        for target, box in self.target_boxes.items():
            box.setChecked(target in d.targets)
        self.tiers.setRowCount(0)
        for below, credit in d.tiers:
            self._add_tier_row(below, credit)
        self.cap.setText(d.cap_pct)
        self.p1_credit.setText(d.p1_breach_credit)

    def form_state(self) -> FormState:
        rows = []
        for r in range(self.tiers.rowCount()):
            cells = [self.tiers.item(r, c) for c in (0, 1)]
            below, credit = (cell.text().strip() if cell is not None else "" for cell in cells)
            rows.append((below, credit))
        data = ContractInput(
            monthly_fee=self.fee.text().strip(), currency=self.currency.text().strip(),
            targets=frozenset(t for t, box in self.target_boxes.items() if box.isChecked()),
            tiers=tuple(rows), cap_pct=self.cap.text().strip(),
            p1_breach_credit=self.p1_credit.text().strip())
        return FormState(self.has_contract.isChecked(), self.active.isChecked(), data)

    def _add_tier_row(self, below: str, credit: str) -> None:
        row = self.tiers.rowCount()
        self.tiers.insertRow(row)
        for column, text in enumerate((below, credit)):
            cell = QTableWidgetItem(text)
            cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tiers.setItem(row, column, cell)

    def _on_remove_tier(self) -> None:
        rows = sorted({i.row() for i in self.tiers.selectedIndexes()}, reverse=True)
        if not rows and self.tiers.rowCount():
            rows = [self.tiers.rowCount() - 1]
        for row in rows:
            self.tiers.removeRow(row)

    def _on_has_contract(self, on: bool) -> None:
        self.terms.setEnabled(on)

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.show_error(None)
        self.general_error.show_error(None)

    # -- saving ------------------------------------------------------------------------

    def save(self) -> None:
        """Save the shown organization's contract (or remove it when unticked)."""
        if self._shown is None:
            return
        self._clear_errors()
        self.saved_note.clear()
        org_id = self._shown
        state = self.form_state()
        try:
            if state.has_contract:
                self._service.save_contract(org_id, parse_contract(state.data),
                                            active=state.active)
            else:
                self._service.remove_contract(org_id)
        except ValidationErrors as exc:
            for name, reason in exc.by_field().items():
                (self.errors.get(name) or self.general_error).show_error(
                    reason if name in self.errors else f"{name}: {reason}")
            return
        except (DeskError, SQLAlchemyError) as exc:
            self.general_error.show_error(f"Not saved: {plain_reason(exc)}. Your edits are "
                                          "still here.")
            return
        self._drafts.pop(org_id, None)
        name = self._item(org_id).organization
        self.reload(stash=False)
        self.saved_note.setText(f"✓ Saved {name}'s contract." if state.has_contract
                                else f"✓ {name} has no contract now.")
        self.refresh_credits()

    # -- credits -----------------------------------------------------------------------

    def refresh_credits(self) -> None:
        start, end = self._service.current_month(tz=str(self._zone))
        self.credits_box.setTitle(f"Credits for {start:%B %Y} (tickets created this month)")
        self.credits_status.setText("Computing…")
        self.runner.run(lambda: self._service.credits(start, end, tz=str(self._zone)),
                        self._on_credits, self._on_credits_failed)

    def _on_credits(self, results: list[OrgCredit]) -> None:
        self.credits_table.set_credits(results)
        owed = sorted({r.currency for r in results})
        totals = ", ".join(money(c, sum((r.total for r in results if r.currency == c),
                                        Decimal("0.00"))) for c in owed)
        self.credits_status.setText(
            f"{len(results)} organizations with an active contract; owed so far: {totals}."
            if results else "No organization has an active contract yet.")

    def _on_credits_failed(self, exc: BaseException) -> None:
        log.error("computing credits failed", exc_info=exc)
        self.credits_status.setText(f"⚠ Credits could not be computed: {plain_reason(exc)}")

    # -- closing -----------------------------------------------------------------------

    def reject(self) -> None:
        if not self.isVisible():  # already closed (Qt may close a hidden dialog again)
            super().reject()
            return
        if self._shown is not None:
            self._stash()
        if self._drafts:
            if not self.confirm_discard([self._item(i).organization for i in self._drafts]):
                return
            self._drafts.clear()
            self._shown = None  # nothing to stash any more
        super().reject()

    def confirm_discard(self, names: list[str]) -> bool:
        box = plain_message(  # organization names are user text
            self, QMessageBox.Icon.Question, "Unsaved contracts",
            f"Contract changes for {', '.join(names)} are not saved. Close and lose them?")
        box.setStandardButtons(QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Discard


