"""The new-ticket dialog, built for a technician on the phone: keyboard only, fast.

Ctrl+N opens it, Tab walks the fields in reading order, Ctrl+Enter saves. Problems show
beside their field; a save that fails keeps the dialog open with everything typed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.enums import Channel, Impact, Priority, Urgency
from desk_app.domain.errors import DeskError, ValidationError, ValidationErrors
from desk_app.domain.priority_matrix import priority_for
from desk_app.domain.ticket import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    RequesterInput,
    TicketDraft,
)
from desk_app.services.directory import ContactChoice, DirectoryService
from desk_app.services.tickets import TicketService
from desk_app.services.views import TicketDetail
from desk_app.ui.common.ask import Answer, Ask, Question, ask_with_message_box
from desk_app.ui.common.busy_retry import BusyRetry
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.plain import PlainLabel
from desk_app.ui.common.widgets import (
    FieldError,
    current_enum,
    fill_enum_combo,
    select_data,
    select_text,
    with_error,
)

log = logging.getLogger(__name__)


class NewTicketDialog(QDialog):
    """Collects a TicketDraft and saves it through TicketService."""

    def __init__(self, tickets: TicketService, directory: DirectoryService, *, actor: str,
                 parent: QWidget | None = None, ask: Ask = ask_with_message_box) -> None:
        super().__init__(parent)
        self.ask = ask
        self.setWindowTitle("New ticket")
        self.setObjectName("newTicketDialog")
        self.setMinimumWidth(560)
        self._tickets = tickets
        self._actor = actor
        self.created: TicketDetail | None = None
        # Save on a busy desk tries again (ui/common/busy_retry.py).
        self.busy = BusyRetry(self)
        self._contacts: dict[str, ContactChoice] = {}
        self._lists_missing = False  # the pick lists could not be read (see _load_lists)
        self._lists_error = ""

        self.banner = PlainLabel()
        self.banner.setObjectName("errorBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.title = QLineEdit()
        self.title.setPlaceholderText("Short summary, e.g. Outlook keeps asking for password")
        self.title.setMaxLength(TITLE_MAX + 50)  # let an overlong paste show the error
        self.requester = QLineEdit()
        self.requester.setPlaceholderText("Name — start typing to pick a known contact")
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.com")
        self.phone = QLineEdit()
        self.organization = QComboBox()
        self.organization.setEditable(True)
        self.category = QComboBox()
        self.channel = QComboBox()
        fill_enum_combo(self.channel, Channel, Channel.PHONE)
        self.impact = QComboBox()
        fill_enum_combo(self.impact, Impact, Impact.LOW)
        self.urgency = QComboBox()
        fill_enum_combo(self.urgency, Urgency, Urgency.MEDIUM)
        self.priority = QComboBox()
        fill_enum_combo(self.priority, Priority)
        self.priority.setEnabled(False)
        self.override = QCheckBox("Override")
        self.override.setToolTip("Choose the priority yourself instead of the impact × "
                                 "urgency matrix")
        self.assignee = QComboBox()
        self.product = QLineEdit()
        self.product.setPlaceholderText("Optional: product or asset tag")
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("What happened, what was tried, error messages…")
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(120)

        self.errors = {name: FieldError() for name in (
            "Title", "Requester", "Email", "Phone", "Organization", "Category", "Assignee",
            "Product", "Description")}

        self._load_lists(directory, actor)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        def row(label: str, widget: QWidget, error_key: str | None = None) -> None:
            if error_key is None:
                form.addRow(label, widget)
                return
            form.addRow(label, with_error(widget, self.errors[error_key], spacing=2))

        row("&Title", self.title, "Title")
        row("&Requester", self.requester, "Requester")
        row("&Email", self.email, "Email")
        row("P&hone", self.phone, "Phone")
        row("&Organization", self.organization, "Organization")
        row("&Category", self.category, "Category")
        row("Cha&nnel", self.channel)
        row("&Impact", self.impact)
        row("&Urgency", self.urgency)
        prio = QWidget()
        prio_lay = QHBoxLayout(prio)
        prio_lay.setContentsMargins(0, 0, 0, 0)
        prio_lay.addWidget(self.priority, 1)
        prio_lay.addWidget(self.override)
        row("&Priority", prio)
        row("&Assignee", self.assignee, "Assignee")
        row("Pro&duct", self.product, "Product")
        row("&Description", self.description, "Description")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save (Ctrl+Enter)")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self.impact.currentIndexChanged.connect(self._update_priority)
        self.urgency.currentIndexChanged.connect(self._update_priority)
        self.override.toggled.connect(self._on_override_toggled)
        self._update_priority()
        self.setTabOrder(self.title, self.requester)
        for a, b in ((self.requester, self.email), (self.email, self.phone),
                     (self.phone, self.organization), (self.organization, self.category),
                     (self.category, self.channel), (self.channel, self.impact),
                     (self.impact, self.urgency), (self.urgency, self.override),
                     (self.override, self.priority), (self.priority, self.assignee),
                     (self.assignee, self.product), (self.product, self.description)):
            self.setTabOrder(a, b)
        self.title.setFocus()
        self._untouched = self.draft()

    # -- set-up ----------------------------------------------------------------------------

    def _load_lists(self, directory: DirectoryService, actor: str) -> bool:
        """Fill the choices; False (said in the banner) when they cannot be read, as on a
        team desk whose server is gone: the dialog still opens, everything can be typed,
        and Save reads them again first (`_lists_missing`)."""
        self._directory = directory
        try:
            categories = directory.categories()
            organizations = directory.organizations()
            technicians = directory.technicians()
            contacts = directory.contacts()
        except (DeskError, SQLAlchemyError) as exc:
            log.warning("reading the new ticket's pick lists failed: %s", plain_reason(exc))
            self._lists_missing = True
            self._lists_error = plain_reason(exc)
            self._show_banner(f"The categories and people could not be read: "
                              f"{plain_reason(exc)}. You can type the ticket now; Save "
                              "reads them again first.")
            return False
        self._lists_missing = False
        organization = self.organization.currentText()
        assignee = self.assignee.currentData()
        self.category.clear()
        self.category.addItems(categories)
        select_text(self.category, "Other")
        self.organization.clear()
        self.organization.addItem("")
        self.organization.addItems(organizations)
        select_text(self.organization, organization)
        self.assignee.clear()
        self.assignee.addItem("Unassigned", "")
        for name in technicians:
            self.assignee.addItem(name, name)
        select_data(self.assignee, assignee)
        self._contacts = {c.display: c for c in contacts}
        completer = QCompleter(QStringListModel(list(self._contacts), self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        # activated is overloaded (str, QModelIndex): pick str by name. PySide6's stubs type
        # every signal as a SignalInstance that cannot be indexed, which is wrong at run time.
        completer.activated[str].connect(self._on_contact_chosen)  # type: ignore[index]
        self.requester.setCompleter(completer)
        return True

    def _on_contact_chosen(self, display: str) -> None:
        contact = self._contacts.get(display)
        if contact is None:
            return
        self.requester.setText(contact.name)
        self.email.setText(contact.email)
        self.phone.setText(contact.phone)
        select_text(self.organization, contact.organization)

    def _update_priority(self) -> None:
        if self.override.isChecked():
            return
        impact = current_enum(self.impact, Impact)
        urgency = current_enum(self.urgency, Urgency)
        if impact is not None and urgency is not None:
            select_data(self.priority, priority_for(impact, urgency))

    def _on_override_toggled(self, on: bool) -> None:
        self.priority.setEnabled(on)
        if not on:
            self._update_priority()

    # -- saving ----------------------------------------------------------------------------

    def draft(self) -> TicketDraft:
        return TicketDraft(
            title=self.title.text(),
            requester=RequesterInput(name=self.requester.text(), email=self.email.text(),
                                     phone=self.phone.text(),
                                     organization=self.organization.currentText()),
            description=self.description.toPlainText(),
            category=self.category.currentText(),
            channel=current_enum(self.channel, Channel) or Channel.PHONE,
            impact=current_enum(self.impact, Impact) or Impact.LOW,
            urgency=current_enum(self.urgency, Urgency) or Urgency.MEDIUM,
            priority_override=current_enum(self.priority, Priority)
            if self.override.isChecked() else None,
            assignee=self.assignee.currentData() or "",
            product=self.product.text(),
        )

    def save(self) -> None:
        """Save and close, or show what is wrong and keep everything typed."""
        self.busy.cancel()
        self._save_attempt()

    def _save_attempt(self) -> None:
        """One try; a busy desk schedules the next (ui/common/busy_retry.py)."""
        self._show_errors({})
        if self._lists_missing and not self._load_lists(self._directory, self._actor):
            self._show_banner(f"The ticket was not saved: {self._lists_error}. Everything "
                              "you typed is still here; try again.")
            return
        draft = self.draft()
        if len(draft.description) > DESCRIPTION_MAX:
            self._show_errors({"Description": f"at most {DESCRIPTION_MAX:,} characters"})
            return
        try:
            self.created = self.busy.attempt(
                lambda: self._tickets.create(draft, actor=self._actor))
        except ValidationErrors as exc:
            self._show_errors(exc.by_field())
            return
        except ValidationError as exc:
            self._show_errors({exc.field: exc.reason})
            return
        except (DeskError, SQLAlchemyError, OSError) as exc:
            if self.busy.handle(exc, self._save_attempt, self._show_banner,
                                what="the ticket was not saved",
                                kept="Everything you typed is still here; try again."):
                return
            log.exception("saving a new ticket failed")
            self._show_banner(f"The ticket was not saved: {plain_reason(exc)}. Everything "
                              "you typed is still here; try again.")
            return
        self.busy.done()
        self.accept()

    def has_input(self) -> bool:
        """Has anything been typed or chosen since the dialog opened?"""
        return self.draft() != self._untouched

    def reject(self) -> None:
        """Esc, Cancel and the window's close button all come here: a filled dialog asks
        before throwing the typing away; an untouched one closes at once."""
        if self.has_input():
            answer = self.ask(self, Question(
                title="Discard the new ticket?",
                text="The new ticket has not been saved.",
                detail="Discard what you typed, or go back to finish it?",
                choices=(Answer.CANCEL, Answer.DISCARD), discard_label="Discard"))
            if answer is not Answer.DISCARD:
                return
        self.busy.cancel()
        super().reject()

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.banner.hide()
        for field, label in self.errors.items():
            label.show_error(errors.get(field))
        unplaced = {k: v for k, v in errors.items() if k not in self.errors}
        if unplaced:
            self._show_banner("; ".join(f"{k}: {v}" for k, v in unplaced.items()))
        first = next((f for f in self.errors if f in errors), None)
        widget = {"Title": self.title, "Requester": self.requester, "Email": self.email,
                  "Phone": self.phone, "Description": self.description,
                  "Product": self.product}.get(first or "")
        if widget is not None:
            widget.setFocus()

    def _show_banner(self, message: str) -> None:
        self.banner.setText(f"⚠ {message}")
        self.banner.show()
