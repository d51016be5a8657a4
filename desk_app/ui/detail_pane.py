"""The selected ticket: its fields to edit, the legal status moves, history, composer.

Every slot reads the widgets, calls one service method and shows the result or the error;
on any failure what the technician typed stays in the widgets.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.enums import Channel, Impact, Priority, Status, Urgency
from desk_app.domain.errors import (
    ConcurrentEdit,
    DeskError,
    ValidationError,
    ValidationErrors,
)
from desk_app.domain.priority_matrix import priority_for
from desk_app.domain.risk import clock_risk
from desk_app.domain.sla_clock import ClockResult, explain
from desk_app.domain.workflow import action_name, allowed_moves
from desk_app.services.directory import DirectoryService
from desk_app.services.sla import SlaService, result_text
from desk_app.services.tickets import TicketEdit, TicketService
from desk_app.services.views import TicketDetail
from desk_app.ui.errors import plain_reason
from desk_app.ui.formatting import full_time, local_time
from desk_app.ui.resolve_dialog import Resolution, ask_resolution_note
from desk_app.ui.risk_style import GLYPHS, shape_colour
from desk_app.ui.timeline import timeline_html
from desk_app.ui.widgets import (
    FieldError,
    current_enum,
    fill_enum_combo,
    select_data,
    select_text,
)

log = logging.getLogger(__name__)

AUTO = "auto"  # the priority combo's "follow the matrix" entry


class TicketDetailPane(QWidget):
    """Shows one ticket; emits `ticket_changed(id)` after every successful change."""

    ticket_changed = Signal(int)

    def __init__(self, tickets: TicketService, directory: DirectoryService, *, actor: str,
                 sla: SlaService | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sla = sla
        self._tickets = tickets
        self._directory = directory
        self.actor = actor
        self.detail: TicketDetail | None = None
        # Replaced in tests; the real one opens ResolveDialog.
        self.resolution_prompt: Callable[[QWidget], Resolution | None] = \
            ask_resolution_note

        self.heading = QLabel()
        self.heading.setObjectName("ticketHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subheading = QLabel()
        self.subheading.setObjectName("ticketSubheading")
        self.subheading.setWordWrap(True)
        self.subheading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusBadge")
        self.actions_row = QHBoxLayout()
        self.action_buttons: dict[Status, QPushButton] = {}
        self.sla_box = QGroupBox("Service level")
        sla_layout = QFormLayout(self.sla_box)
        self.response_clock = QLabel()
        self.resolution_clock = QLabel()
        for label in (self.response_clock, self.resolution_clock):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        sla_layout.addRow("First response", self.response_clock)
        sla_layout.addRow("Resolution", self.resolution_clock)
        self.message = QLabel()
        self.message.setObjectName("paneMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        # Fields
        self.title = QLineEdit()
        self.category = QComboBox()
        self.impact = QComboBox()
        fill_enum_combo(self.impact, Impact)
        self.urgency = QComboBox()
        fill_enum_combo(self.urgency, Urgency)
        self.priority = QComboBox()
        self.priority.setToolTip("Auto follows the impact × urgency matrix; choose a "
                                 "priority to override it")
        self.channel = QComboBox()
        fill_enum_combo(self.channel, Channel)
        self.assignee = QComboBox()
        self.organization = QComboBox()
        self.organization.setEditable(True)
        self.product = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(90)
        self.description.setMaximumHeight(160)  # leave room for the history below
        self.title_error = FieldError()
        self.description_error = FieldError()
        self.save_button = QPushButton("Save changes")
        self.save_button.setShortcut(QKeySequence("Ctrl+S"))
        self.save_button.setToolTip("Save the edited fields (Ctrl+S)")
        self.revert_button = QPushButton("Revert")
        self.save_button.clicked.connect(self._on_save)
        self.revert_button.clicked.connect(self._on_revert)
        self.impact.currentIndexChanged.connect(self._refresh_auto_label)
        self.urgency.currentIndexChanged.connect(self._refresh_auto_label)

        fields = QGroupBox("Details")
        form = QFormLayout(fields)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        title_box = QWidget()
        tl = QVBoxLayout(title_box)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.title)
        tl.addWidget(self.title_error)
        form.addRow("Title", title_box)
        form.addRow("Impact", self.impact)
        form.addRow("Urgency", self.urgency)
        form.addRow("Priority", self.priority)
        form.addRow("Category", self.category)
        form.addRow("Assignee", self.assignee)
        form.addRow("Organization", self.organization)
        form.addRow("Channel", self.channel)
        form.addRow("Product", self.product)
        desc_box = QWidget()
        dl = QVBoxLayout(desc_box)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.description)
        dl.addWidget(self.description_error)
        form.addRow("Description", desc_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)

        # Composer
        composer = QGroupBox("Reply or note")
        cl = QVBoxLayout(composer)
        self.reply_radio = QRadioButton("Public reply to requester")
        self.note_radio = QRadioButton("Internal note")
        self.reply_radio.setChecked(True)
        kinds = QHBoxLayout()
        kinds.addWidget(self.reply_radio)
        kinds.addWidget(self.note_radio)
        kinds.addStretch(1)
        self.composer = QPlainTextEdit()
        self.composer.setPlaceholderText("Type a reply… (Ctrl+Enter sends)")
        self.composer.setTabChangesFocus(True)
        self.composer.setFixedHeight(80)
        self.composer_error = FieldError()
        self.send_button = QPushButton("Send reply")
        self.send_button.clicked.connect(self._on_send)
        self.reply_radio.toggled.connect(self._on_kind_toggled)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.composer, activated=self._on_send,
                      context=Qt.ShortcutContext.WidgetShortcut)
        send_row = QHBoxLayout()
        send_row.addWidget(self.composer_error, 1)
        send_row.addStretch(0)
        send_row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignRight)
        cl.addLayout(kinds)
        cl.addWidget(self.composer)
        cl.addLayout(send_row)

        history = QGroupBox("History")
        hl = QVBoxLayout(history)
        self.timeline = QTextBrowser()
        self.timeline.setOpenLinks(False)
        self.timeline.setMinimumHeight(160)
        hl.addWidget(self.timeline)

        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label)
        status_row.addStretch(1)
        self.actions_row.addStretch(1)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addLayout(status_row)
        layout.addLayout(self.actions_row)
        layout.addWidget(self.message)
        layout.addWidget(self.sla_box)
        layout.addWidget(fields)
        layout.addWidget(composer)
        layout.addWidget(history, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # The pane fits its width; only long histories scroll, vertically.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for combo in (self.category, self.impact, self.urgency, self.priority, self.channel,
                      self.assignee, self.organization):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.placeholder = QLabel("Select a ticket to see its details.\n\n"
                                  "Ctrl+N logs a new one.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setObjectName("placeholder")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.placeholder)
        outer.addWidget(scroll)
        self._scroll = scroll
        scroll.hide()
        self.reload_lists()

    # -- loading ---------------------------------------------------------------------------

    def reload_lists(self) -> None:
        """Refill the category, technician and organization choices."""
        self.category.clear()
        self.category.addItems(self._directory.categories())
        self.assignee.clear()
        self.assignee.addItem("Unassigned", "")
        for name in self._directory.technicians():
            self.assignee.addItem(name, name)
        self.organization.clear()
        self.organization.addItem("")
        self.organization.addItems(self._directory.organizations())

    def show_ticket(self, ticket_id: int | None) -> None:
        """Load the ticket (None clears the pane). Errors show in the pane."""
        if ticket_id is None:
            self.detail = None
            self._scroll.hide()
            self.placeholder.show()
            return
        try:
            detail = self._tickets.detail(ticket_id)
        except (DeskError, SQLAlchemyError) as exc:
            log.exception("loading ticket %s failed", ticket_id)
            self._show_message(f"Could not load the ticket: {plain_reason(exc)}")
            return
        self._display(detail, keep_composer=self.detail is not None
                      and self.detail.id == ticket_id)

    def _display(self, d: TicketDetail, *, keep_composer: bool = False) -> None:
        self.detail = d
        self.placeholder.hide()
        self._scroll.show()
        self._hide_message()
        self.heading.setText(f"{d.display_number} · {d.title}")
        who = d.requester + (f" <{d.requester_email}>" if d.requester_email else "")
        bits = [who]
        if d.requester_phone:
            bits.append(d.requester_phone)
        if d.organization:
            tier = f" ({d.organization_tier.label})" if d.organization_tier else ""
            bits.append(d.organization + tier)
        bits.append(f"opened {full_time(d.created_at)}")
        if d.csat_score is not None:
            stars = "★" * d.csat_score + "☆" * (5 - d.csat_score)
            said = f" “{d.csat_comment}”" if d.csat_comment else ""
            bits.append(f"customer rating {stars} {d.csat_score}/5{said}")
        self.subheading.setText(" · ".join(bits))
        self.status_label.setText(f"Status: {d.status.label}")
        self.status_label.setProperty("status", d.status.value)
        self._build_actions(d.status)
        self.title.setText(d.title)
        self.title_error.show_error(None)
        self.description_error.show_error(None)
        select_text(self.category, d.category)
        select_data(self.impact, d.impact)
        select_data(self.urgency, d.urgency)
        self._refresh_auto_label()
        select_data(self.priority, d.priority if d.priority_overridden else AUTO)
        select_data(self.channel, d.channel)
        select_data(self.assignee, d.assignee)
        select_text(self.organization, d.organization)
        self.product.setText(d.product)
        self.description.setPlainText(d.description)
        self.timeline.setHtml(timeline_html(d.timeline))
        self.refresh_clocks(d.id)
        if not keep_composer:
            self.composer.clear()
            self.composer_error.show_error(None)

    def refresh_clocks(self, ticket_id: int) -> None:
        if self._sla is None:
            self.sla_box.hide()
            return
        try:
            result = self._sla.replay_ticket(ticket_id)
        except (DeskError, SQLAlchemyError, ValueError) as exc:
            log.exception("SLA replay failed for %s", ticket_id)
            self.response_clock.setText(f"⚠ could not compute: {plain_reason(exc)}")
            self.resolution_clock.setText("")
            return
        self.sla_box.show()
        self.sla_box.setTitle(f"Service level · {result.policy}" if result.policy
                              else "Service level · no policy applies")
        now = self._tickets.now()
        for label, clock in ((self.response_clock, result.first_response),
                             (self.resolution_clock, result.resolution)):
            label.setText(clock_html(clock, now))

    def _refresh_auto_label(self) -> None:
        impact = current_enum(self.impact, Impact)
        urgency = current_enum(self.urgency, Urgency)
        current = self.priority.currentData() if self.priority.count() else AUTO
        self.priority.blockSignals(True)
        self.priority.clear()
        if impact is not None and urgency is not None:
            auto = priority_for(impact, urgency)
            self.priority.addItem(f"Auto: {auto.label}", AUTO)
        for p in Priority:
            self.priority.addItem(f"{p.label} (override)", p.value)
        select_data(self.priority, current)
        self.priority.blockSignals(False)

    def _build_actions(self, status: Status) -> None:
        for button in self.action_buttons.values():
            self.actions_row.removeWidget(button)
            button.deleteLater()
        self.action_buttons = {}
        for target in allowed_moves(status):
            button = QPushButton(action_name(status, target))
            button.setObjectName(f"action_{target.value}")
            button.clicked.connect(lambda _=False, t=target: self.move_to(t))
            self.actions_row.insertWidget(self.actions_row.count() - 1, button)
            self.action_buttons[target] = button

    # -- actions ---------------------------------------------------------------------------

    def move_to(self, target: Status) -> None:
        if self.detail is None:
            return
        resolution = Resolution(note="")
        if target is Status.RESOLVED:
            answer = self.resolution_prompt(self)
            if answer is None:
                return
            resolution = answer
        self._run(lambda d: self._tickets.change_status(
            d.id, target, expected_version=d.version, actor=self.actor,
            resolution_note=resolution.note or None, csat_score=resolution.csat_score,
            csat_comment=resolution.csat_comment), keep_composer=True)

    def current_edit(self) -> TicketEdit:
        return TicketEdit(
            title=self.title.text(), description=self.description.toPlainText(),
            category=self.category.currentText(), product=self.product.text(),
            impact=current_enum(self.impact, Impact) or Impact.LOW,
            urgency=current_enum(self.urgency, Urgency) or Urgency.MEDIUM,
            priority_override=current_enum(self.priority, Priority),
            channel=current_enum(self.channel, Channel) or Channel.PHONE,
            assignee=self.assignee.currentData() or "",
            organization=self.organization.currentText(),
        )

    def _on_save(self) -> None:
        if self.detail is None:
            return
        edit = self.current_edit()
        self._run(lambda d: self._tickets.edit(d.id, edit, expected_version=d.version,
                                               actor=self.actor), keep_composer=True)

    def _on_revert(self) -> None:
        if self.detail is not None:
            self.show_ticket(self.detail.id)

    def _on_kind_toggled(self) -> None:
        public = self.reply_radio.isChecked()
        self.send_button.setText("Send reply" if public else "Add note")
        self.composer.setPlaceholderText("Type a reply… (Ctrl+Enter sends)" if public
                                         else "Type an internal note… (Ctrl+Enter adds it)")

    def _on_send(self) -> None:
        if self.detail is None:
            return
        body = self.composer.toPlainText()
        public = self.reply_radio.isChecked()
        try:
            if public:
                detail = self._tickets.add_reply(self.detail.id, body, actor=self.actor)
            else:
                detail = self._tickets.add_note(self.detail.id, body, actor=self.actor)
        except ValidationError as exc:
            self.composer_error.show_error(exc.reason)
            return
        except (DeskError, SQLAlchemyError, OSError) as exc:
            log.exception("sending a message failed")
            self.composer_error.show_error(f"Not sent: {plain_reason(exc)}. Your text is kept.")
            return
        self._display(detail)
        self.ticket_changed.emit(detail.id)

    def _run(self, call: Callable[[TicketDetail], TicketDetail], *, keep_composer: bool
             ) -> None:
        assert self.detail is not None
        self.title_error.show_error(None)
        self.description_error.show_error(None)
        try:
            detail = call(self.detail)
        except ValidationErrors as exc:
            errors = exc.by_field()
            self.title_error.show_error(errors.get("Title"))
            self.description_error.show_error(errors.get("Description"))
            others = {k: v for k, v in errors.items() if k not in ("Title", "Description")}
            if others:
                self._show_message("; ".join(f"{k}: {v}" for k, v in others.items()))
            return
        except ConcurrentEdit as exc:
            self._show_message(str(exc))
            return
        except (DeskError, SQLAlchemyError, OSError) as exc:
            log.exception("changing ticket %s failed", self.detail.id)
            self._show_message(f"Not saved: {plain_reason(exc)}. Your edits are still here.")
            return
        self._display(detail, keep_composer=keep_composer)
        self.ticket_changed.emit(detail.id)

    def _show_message(self, text: str) -> None:
        self.message.setText(f"⚠ {text}")
        self.message.show()

    def _hide_message(self) -> None:
        self.message.hide()



def clock_html(clock: ClockResult | None, now: datetime) -> str:
    """'<b>2 h 13 m left</b> · due Tue 12:00<br>4 h target, 1 h 47 m used, …'."""
    if clock is None:
        return "<i>No SLA</i>"
    # The level's shape and colour lead, as in the list: a missed target looks missed.
    risk = clock_risk(clock)
    colour = shape_colour(risk)
    mark = (f"<span style='color:{colour.name()}'>{GLYPHS[risk]}</span> "
            if colour is not None else "")
    head = html.escape(result_text(clock, now))
    if clock.due_at is not None and clock.state.value in ("running", "paused"):
        head += f" · due {html.escape(local_time(clock.due_at, now))}"
        if clock.state.value == "paused":
            head += " if resumed now"
    elif clock.stopped_at is not None:
        head += f" · stopped {html.escape(local_time(clock.stopped_at, now))}"
    return f"{mark}<b>{head}</b><br><span>{html.escape(explain(clock))}</span>"
