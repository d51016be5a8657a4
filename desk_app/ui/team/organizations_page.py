"""The organizations page: each customer's tier, contacts, ticket counts and contract.

The tier is what SLA policies match on, and every replay reads it as it is now, so a
change applies at once: before "Apply tier" the page says how many open tickets it will
re-time (and move to another policy), after it what it did (services/organizations.py).
The contract opens in the existing contracts dialog, on this organization.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.enums import Tier
from desk_app.domain.errors import DeskError, ValidationError
from desk_app.services.organizations import (
    ContactRow,
    ContractState,
    OrganizationRow,
    OrganizationService,
    TierChange,
    retime_text,
)
from desk_app.services.sla import SetupChangePreview
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.list_table_model import ListTableModel
from desk_app.ui.common.plain import PlainLabel
from desk_app.ui.common.screen_fit import fit_to_screen
from desk_app.ui.common.widgets import FieldError, current_enum, fill_enum_combo, select_data
from desk_app.workers.task_runner import Runner, TaskRunner

ORG_HEADERS = ("Organization", "Tier", "Contacts", "Open", "Tickets", "Contract")
CONTACT_HEADERS = ("Contact", "Email", "Phone", "Tickets")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class OrganizationsModel(ListTableModel[OrganizationRow]):
    def cell(self, row: OrganizationRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.tier.label, str(row.contacts), str(row.open_tickets),
                    str(row.tickets), row.contract.short)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3, 4):
            return _RIGHT
        return None


class ContactsModel(ListTableModel[ContactRow]):
    def cell(self, row: ContactRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, row.email, row.phone, str(row.tickets))[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return _RIGHT
        return None


def _table(model: ListTableModel[Any], name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(26)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, model.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return view


class OrganizationsPage(QDialog):
    """List organizations; change a tier; see contacts; open the contract."""

    sig_changed = Signal()  # a tier changed or an organization was added: lists reload

    def __init__(self, organizations: OrganizationService, *, actor: str,
                 open_contract: Callable[[str], None] | None = None,
                 runner: Runner | None = None, parent: QWidget | None = None) -> None:
        """`open_contract(name)` shows the contracts dialog on that organization (the
        window owns that dialog and its services). The preview and the tier change run
        through `runner`: an organization of 7,762 open tickets on a 100,000-ticket desk
        took 0.9 s to preview and 4 s to re-time (tests/benchmarks/bench_tier_change.py),
        too long for the GUI thread."""
        super().__init__(parent)
        self.setWindowTitle("Organizations")
        self._service = organizations
        self._actor = actor
        self._open_contract = open_contract
        # The page's own by default: a result arriving after the page is gone is dropped
        # with it, never delivered to deleted widgets.
        self.runner: Runner = runner or TaskRunner(self)
        self._shown: OrganizationRow | None = None
        self._writable = True
        self._asked = 0  # counts previews asked for: only the latest one is shown
        self.applying = False
        self._build()
        self.reload()
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self._show(None)

    # -- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.model = OrganizationsModel(ORG_HEADERS, self)
        self.table = _table(self.model, "organizationsTable")
        self.table.setMinimumWidth(440)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)

        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("New organization name")
        self.new_tier = QComboBox()
        fill_enum_combo(self.new_tier, Tier, Tier.STANDARD)
        self.add_button = QPushButton("A&dd")
        # No button is the dialog's default: Enter in the name field adds (returnPressed),
        # and Enter elsewhere must not apply a tier or add anything unasked.
        self.add_button.clicked.connect(self.add_organization)
        self.new_name.returnPressed.connect(self.add_organization)
        self.add_error = FieldError()
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_name, 1)
        add_row.addWidget(self.new_tier)
        add_row.addWidget(self.add_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(add_row)
        left_layout.addWidget(self.add_error)

        self.heading = PlainLabel("")
        self.heading.setObjectName("heading")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.counts = PlainLabel("")
        self.tier = QComboBox()
        fill_enum_combo(self.tier, Tier)
        self.tier.currentIndexChanged.connect(self._on_tier_chosen)
        self.apply_button = QPushButton("Apply &tier")
        self.apply_button.clicked.connect(self.apply_tier)
        tier_row = QHBoxLayout()
        tier_row.addWidget(self.tier)
        tier_row.addWidget(self.apply_button)
        tier_row.addStretch(1)
        self.tier_note = PlainLabel("")
        self.tier_note.setObjectName("tierNote")
        self.tier_note.setWordWrap(True)
        self.tier_error = FieldError()
        self.contract_label = PlainLabel("")
        self.contract_button = QPushButton("Open &contract…")
        self.contract_button.clicked.connect(self._on_contract)
        contract_row = QHBoxLayout()
        contract_row.addWidget(self.contract_label, 1)
        contract_row.addWidget(self.contract_button)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.tier_label = PlainLabel("T&ier:")
        self.tier_label.setBuddy(self.tier)
        tier_box = QVBoxLayout()
        tier_box.setSpacing(2)
        tier_box.addLayout(tier_row)
        tier_box.addWidget(self.tier_note)
        tier_box.addWidget(self.tier_error)
        form.addRow(self.tier_label, tier_box)
        form.addRow("Contract:", contract_row)

        self.contacts_model = ContactsModel(CONTACT_HEADERS, self)
        self.contacts = _table(self.contacts_model, "contactsTable")
        self.contacts.setMinimumHeight(120)
        # Emails are the longest cells: they take the width, names fit their text.
        contact_header = self.contacts.horizontalHeader()
        contact_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        contact_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        self.editor = QGroupBox("Organization")
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.addWidget(self.heading)
        editor_layout.addWidget(self.counts)
        editor_layout.addLayout(form)
        editor_layout.addWidget(PlainLabel("Contacts:"))
        editor_layout.addWidget(self.contacts, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([520, 600])  # the contacts' emails need the wider half

        self.notice = PlainLabel("")
        self.notice.setObjectName("savedNote")
        self.notice.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.notice)
        layout.addWidget(buttons)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        fit_to_screen(self, 1160, 640)

    # -- the list ----------------------------------------------------------------------

    def reload(self) -> None:
        shown = self._shown.id if self._shown else None
        self.model.set_rows(self._service.organizations())
        if shown is not None:
            self.select_organization(shown)

    def select_organization(self, organization_id: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == organization_id:
                self.table.selectRow(row)
                self._show(self.model.row_at(row))
                return

    def _on_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show(self.model.row_at(current.row()))

    def _show(self, org: OrganizationRow | None) -> None:
        self._shown = org
        self.tier_error.show_error(None)
        self.editor.setEnabled(org is not None)
        if org is None:
            self.heading.setText("No organizations yet")
            self.counts.setText("They are added with their first ticket, or here.")
            self.contacts_model.set_rows([])
            return
        self.heading.setText(org.name)
        self.counts.setText(f"{org.open_tickets} open of {org.tickets} tickets · "
                            f"{org.contacts} contacts")
        blocked = self.tier.blockSignals(True)
        select_data(self.tier, org.tier)
        self.tier.blockSignals(blocked)
        self._on_tier_chosen()
        self.contract_label.setText(org.contract.label)
        self.contract_button.setText("Open &contract…" if org.contract
                                     is not ContractState.NONE else "Add &contract…")
        self.contract_button.setEnabled(self._open_contract is not None)
        self.contacts_model.set_rows(self._service.contacts(org.id))

    # -- the tier ----------------------------------------------------------------------

    def chosen_tier(self) -> Tier | None:
        return current_enum(self.tier, Tier)

    def _on_tier_chosen(self, *_args: object) -> None:
        """Say what applying the chosen tier would do, before it is applied."""
        org, tier = self._shown, self.chosen_tier()
        if org is None or tier is None:
            return
        self._asked += 1
        asked = self._asked
        changing = tier is not org.tier
        self.apply_button.setEnabled(changing and self._writable and not self.applying)
        if not changing:
            self.tier_note.setText(f"SLA policies that name a tier match {org.name}'s "
                                   f"tickets as {org.tier.label}.")
            return
        self.tier_note.setText(f"Counting the open tickets {tier.label} would re-time…")

        def shown(preview: SetupChangePreview) -> None:
            if asked != self._asked:
                return  # another organization or tier was chosen meanwhile
            effect = retime_text(preview.open_tickets, preview.policy_changes)
            self.tier_note.setText(f"Applies at once: {effect}. New tickets match the new "
                                   "tier too.")

        def failed(exc: BaseException) -> None:
            if asked == self._asked:
                self.tier_note.setText("Cannot tell what it would change: "
                                       f"{plain_reason(exc)}")

        self.runner.run(lambda: self._service.preview_tier(org.id, tier), shown, failed)

    def apply_tier(self) -> None:
        org, tier = self._shown, self.chosen_tier()
        if org is None or tier is None or self.applying:
            return
        self.tier_error.show_error(None)
        self._set_applying(True)
        self.tier_note.setText(f"Applying {tier.label} and re-timing {org.name}'s open "
                               "tickets…")

        def done(change: TierChange) -> None:
            self._set_applying(False)
            self.notice.setText(change.summary)
            self.reload()
            self.sig_changed.emit()

        def failed(exc: BaseException) -> None:
            self._set_applying(False)
            reason = exc.reason if isinstance(exc, ValidationError) else \
                f"Not saved: {plain_reason(exc)}"
            self.tier_error.show_error(reason)
            self._on_tier_chosen()

        self.runner.run(lambda: self._service.set_tier(org.id, tier, actor=self._actor),
                        done, failed)

    def _set_applying(self, on: bool) -> None:
        """While a tier change runs, neither it nor the choice of organization can change
        (the result is said about the organization it was applied to)."""
        self.applying = on
        for widget in (self.tier, self.table, self.add_button):
            widget.setEnabled(not on and (widget is not self.add_button or self._writable))
        self.apply_button.setEnabled(False)

    # -- adding, the contract ------------------------------------------------------------

    def add_organization(self) -> None:
        self.add_error.show_error(None)
        tier = current_enum(self.new_tier, Tier) or Tier.STANDARD
        try:
            added = self._service.add(self.new_name.text(), tier)
        except ValidationError as exc:
            self.add_error.show_error(f"{exc.field}: {exc.reason}")
            return
        except (DeskError, SQLAlchemyError) as exc:
            self.add_error.show_error(f"Not added: {plain_reason(exc)}")
            return
        self.new_name.clear()
        self.notice.setText(f"Added {added.name} ({added.tier.label}).")
        self._shown = added
        self.reload()
        self.sig_changed.emit()

    def _on_contract(self) -> None:
        if self._shown is not None and self._open_contract is not None:
            self._open_contract(self._shown.name)
            self.reload()  # the contract's state may have changed

    def set_read_only(self) -> None:
        """A read-only desk: everything shows, nothing can be changed (the contracts
        dialog opens read-only by itself)."""
        self._writable = False
        for widget in (self.apply_button, self.add_button, self.new_name, self.new_tier):
            widget.setEnabled(False)
        self.notice.setText("The desk is read-only: organizations can be looked at, not "
                            "changed.")
