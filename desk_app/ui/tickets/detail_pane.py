"""The selected ticket: its fields to edit, the legal status moves, history, composer.

Every slot reads the widgets, calls one service method and shows the result or the error;
on any failure what the technician typed stays in the widgets.

Nothing typed is dropped silently: edited fields are marked "Unsaved changes" and survive a
reply, a note, a status move or a refresh of the same ticket; leaving the ticket asks first
(`confirm_leave`); the composer's text is a draft in the database (services/drafts.py),
saved shortly after typing stops, on leaving the ticket and on closing the window.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
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
    EditNotSaved,
    ValidationError,
    ValidationErrors,
)
from desk_app.domain.priority_matrix import priority_for
from desk_app.domain.risk import clock_risk
from desk_app.domain.sla_clock import ClockResult, ClockState, explain
from desk_app.domain.workflow import action_name, allowed_moves
from desk_app.services.directory import DirectoryService
from desk_app.services.drafts import DraftKind, DraftService
from desk_app.services.edit_conflicts import FIELD_LABELS, EditMerge, edit_of, merge_edit
from desk_app.services.sla import result_text
from desk_app.services.tickets import TicketEdit, TicketService
from desk_app.services.views import TicketClocks, TicketDetail
from desk_app.ui.common.ask import Answer, Ask, Question, ask_with_message_box
from desk_app.ui.common.busy_retry import BusyRetry
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.flow_layout import FlowLayout
from desk_app.ui.common.formatting import full_time, local_time
from desk_app.ui.common.plain import PlainLabel, rich_label
from desk_app.ui.common.widgets import (
    FieldError,
    current_enum,
    fill_enum_combo,
    select_data,
    select_text,
    with_error,
)
from desk_app.ui.sla.risk_style import GLYPHS, shape_colour
from desk_app.ui.tickets.conflict_dialog import ask_conflict_choices
from desk_app.ui.tickets.resolve_dialog import Resolution, ask_resolution_note
from desk_app.ui.tickets.timeline import timeline_html

log = logging.getLogger(__name__)

AUTO = "auto"  # the priority combo's "follow the matrix" entry
# The composer is saved as a draft this long after the last keystroke: short enough that a
# crash loses a sentence at most, long enough that typing does not write on every key.
DRAFT_SAVE_MS = 1500
# A save merges with the newest stored version and tries again this often when the ticket
# moved on yet again meanwhile.
SAVE_ATTEMPTS = 3



# Marks the assignee combo's entry for a deactivated assignee (`_offer_inactive_assignee`).
_INACTIVE_ROLE = Qt.ItemDataRole.UserRole + 1


class TicketDetailPane(QWidget):
    """Shows one ticket; emits `ticket_changed(id)` after every successful change and
    `unsaved_changed(bool)` when the fields start or stop differing from the stored ticket."""

    ticket_changed = Signal(int)
    unsaved_changed = Signal(bool)

    def __init__(self, tickets: TicketService, directory: DirectoryService, *, actor: str,
                 drafts: DraftService | None = None,
                 ask: Ask = ask_with_message_box, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tickets = tickets
        self._directory = directory
        self._drafts = drafts
        self.actor = actor
        self.detail: TicketDetail | None = None
        # The questions about unsaved work; tests answer them directly.
        self.ask: Ask = ask
        # The fields as loaded: "unsaved" means the widgets differ from this.
        self._baseline: TicketEdit | None = None
        # The ticket as it was when the pending edits began: a colleague's change since
        # then is merged field by field on Save (services/edit_conflicts.py), never
        # overwritten, however many times the pane was refreshed in between.
        self._edit_base: TicketDetail | None = None
        # Asks which side wins each conflicting field; None = go on editing. Tests
        # replace it; the real one opens ConflictDialog.
        self.resolve_conflicts: Callable[[QWidget, EditMerge], set[str] | None] = \
            ask_conflict_choices
        self._unsaved = False
        self._loading = False  # widgets are being filled by code, not by the technician
        self._draft_pending = False  # the composer changed since the draft was last stored
        self._draft_error = ""  # why the last attempt to store it failed
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_SAVE_MS)
        self.draft_timer.timeout.connect(self.flush_draft)
        self.read_only = False  # set_read_only: a read-only desk shows, never saves
        # A save, reply or move that finds the desk busy tries again (ui/common/busy_retry.py).
        self.busy = BusyRetry(self)
        # Replaced in tests; the real one opens ResolveDialog.
        self.resolution_prompt: Callable[[QWidget], Resolution | None] = \
            ask_resolution_note

        self.heading = PlainLabel()
        self.heading.setObjectName("ticketHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subheading = PlainLabel()
        self.subheading.setObjectName("ticketSubheading")
        self.subheading.setWordWrap(True)
        self.subheading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = PlainLabel()
        self.status_label.setObjectName("statusBadge")
        self.unsaved_label = PlainLabel("● Unsaved changes")
        self.unsaved_label.setObjectName("unsavedBadge")
        self.unsaved_label.setToolTip("Some fields differ from the stored ticket: Save "
                                      "changes (Ctrl+S) keeps them, Revert drops them")
        self.unsaved_label.hide()
        # The status moves wrap onto more rows in a narrow pane (320 px on a 1024-pixel
        # screen): on one row four of them need about 425 px and were cut off or overlapped.
        self.actions_row = FlowLayout(spacing=6)
        self.action_buttons: dict[Status, QPushButton] = {}
        self.sla_box = QGroupBox("Service level")
        sla_layout = QFormLayout(self.sla_box)
        self.response_clock = rich_label()  # the clock's words and icon, no user text
        self.resolution_clock = rich_label()
        for label in (self.response_clock, self.resolution_clock):
            label.setWordWrap(True)
        sla_layout.addRow("First response", self.response_clock)
        sla_layout.addRow("Resolution", self.resolution_clock)
        self.message = PlainLabel()
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
        # Set before the combos join a layout: QComboBox caches its minimum size hint at the
        # first layout pass and this setter does not clear it, so set later, the longest
        # impact ("High (many users / whole service)", 233 px) kept the pane 340 px wide.
        for combo in (self.category, self.impact, self.urgency, self.priority, self.channel,
                      self.assignee, self.organization):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
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
        form.addRow("Title", with_error(self.title, self.title_error))
        form.addRow("Impact", self.impact)
        form.addRow("Urgency", self.urgency)
        form.addRow("Priority", self.priority)
        form.addRow("Category", self.category)
        form.addRow("Assignee", self.assignee)
        form.addRow("Organization", self.organization)
        form.addRow("Channel", self.channel)
        form.addRow("Product", self.product)
        form.addRow("Description", with_error(self.description, self.description_error))
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
        kinds = FlowLayout(spacing=12)  # two rows rather than a cut-off choice when narrow
        kinds.addWidget(self.reply_radio)
        kinds.addWidget(self.note_radio)
        self.composer = QPlainTextEdit()
        self.composer.setPlaceholderText("Type a reply… (Ctrl+Enter sends)")
        self.composer.setTabChangesFocus(True)
        self.composer.setFixedHeight(80)
        self.composer_error = FieldError()
        self.send_button = QPushButton("Send reply")
        self.send_button.clicked.connect(self._on_send)
        self.discard_draft_button = QPushButton("Discard draft")
        self.discard_draft_button.setToolTip("Throw away the text typed here; a draft is "
                                             "otherwise kept until it is sent")
        self.discard_draft_button.setEnabled(False)
        self.discard_draft_button.clicked.connect(self._on_discard_draft)
        self.draft_hint = PlainLabel()
        self.draft_hint.setObjectName("hint")
        self.draft_hint.setWordWrap(True)
        self.reply_radio.toggled.connect(self._on_kind_toggled)
        self.composer.textChanged.connect(self._on_composer_edited)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            # Not the (keys, parent, slot, context) overload: PySide6 drops its context argument.
            shortcut = QShortcut(QKeySequence(keys), self.composer)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self._on_send)
        send_row = QHBoxLayout()
        send_row.addWidget(self.composer_error, 1)
        send_row.addWidget(self.draft_hint, 1)
        send_row.addWidget(self.discard_draft_button, 0, Qt.AlignmentFlag.AlignRight)
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

        # The badges wrap too: "Status: Waiting on third party" and "Unsaved changes" with
        # their padding need more than a 320-pixel pane.
        status_row = FlowLayout(spacing=6)
        status_row.addWidget(self.status_label)
        status_row.addWidget(self.unsaved_label)

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
        self.placeholder = PlainLabel("Select a ticket to see its details.\n\n"
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
        for line in (self.title, self.product):
            line.textChanged.connect(self._on_field_edited)
        self.description.textChanged.connect(self._on_field_edited)
        self.organization.editTextChanged.connect(self._on_field_edited)
        for combo in (self.category, self.impact, self.urgency, self.priority, self.channel,
                      self.assignee, self.organization):
            combo.currentIndexChanged.connect(self._on_field_edited)

    # -- loading ---------------------------------------------------------------------------

    def reload_lists(self) -> None:
        """Refill the category, technician and organization choices, keeping what each
        shows (an edit in progress must survive a refresh)."""
        category = self.category.currentText()
        assignee = self.assignee.currentData()
        organization = self.organization.currentText()
        try:
            categories = self._directory.categories()
            technicians = self._directory.technicians()
            organizations = self._directory.organizations()
        except (DeskError, SQLAlchemyError) as exc:
            # The choices shown stay (a team desk's server gone: the banner says so).
            log.warning("reloading the pick lists failed: %s", plain_reason(exc))
            return
        loading, self._loading = self._loading, True
        try:
            self.category.clear()
            self.category.addItems(categories)
            self.assignee.clear()
            self.assignee.addItem("Unassigned", "")
            for name in technicians:
                self.assignee.addItem(name, name)
            self.organization.clear()
            self.organization.addItem("")
            self.organization.addItems(organizations)
            self._offer_inactive_assignee()
            if self.detail is not None:
                select_text(self.category, category)
                select_data(self.assignee, assignee)
                select_text(self.organization, organization)
        finally:
            self._loading = loading
        self._update_unsaved()

    def _offer_inactive_assignee(self) -> None:
        """A deactivated technician is not offered for assignment, yet a ticket already
        theirs stays theirs: for that ticket only, they are listed as "Name (inactive)",
        so the pane neither hides who holds it nor reassigns it on the next save."""
        for index in reversed(range(self.assignee.count())):
            if self.assignee.itemData(index, _INACTIVE_ROLE):
                self.assignee.removeItem(index)
        d = self.detail
        if d is None or not d.assignee or d.assignee_active \
                or self.assignee.findData(d.assignee) >= 0:
            return
        self.assignee.addItem(f"{d.assignee} (inactive)", d.assignee)
        self.assignee.setItemData(self.assignee.count() - 1, True, _INACTIVE_ROLE)

    def show_ticket(self, ticket_id: int | None, *, keep_edits: bool = True) -> None:
        """Load the ticket (None clears the pane). Errors show in the pane.

        Reloading the ticket already shown keeps the composer and, unless `keep_edits` is
        False, the fields the technician edited. Showing another ticket first stores the
        composer's draft; callers ask about unsaved field edits first (`confirm_leave`).
        """
        same = self.detail is not None and self.detail.id == ticket_id
        if not same:
            self.busy.cancel()  # a retry belongs to the ticket it was for
            self.flush_draft()
        if ticket_id is None:
            self.detail = None
            self._baseline = None
            self._scroll.hide()
            self.placeholder.show()
            self._update_unsaved()
            return
        try:
            detail = self._tickets.detail(ticket_id)
        except (DeskError, SQLAlchemyError) as exc:
            log.exception("loading ticket %s failed", ticket_id)
            self._show_message(f"Could not load the ticket: {plain_reason(exc)}")
            return
        self._display(detail, keep_composer=same, keep_edits=same and keep_edits)

    def _display(self, d: TicketDetail, *, keep_composer: bool = False,
                 keep_edits: bool = False) -> None:
        """Fill the pane from `d`. With `keep_edits`, fields the technician changed keep
        their widget untouched (text, cursor, undo) and stay marked unsaved."""
        edited = self.edited_fields() if keep_edits else set()
        self._loading = True
        try:
            self._fill(d, skip=edited, keep_composer=keep_composer)
        finally:
            self._loading = False
        shown = self.current_edit()
        stored = edit_of(d)
        self._baseline = replace(shown, **{name: getattr(stored, name) for name in edited})
        if not edited or self._edit_base is None or self._edit_base.id != d.id:
            self._edit_base = d
        self._update_unsaved()

    def refresh_from_desk(self) -> None:
        """A colleague changed the open ticket: show it as stored now, keeping the fields
        being edited and the composer as they are. A field both changed is named in the
        pane at once; Save then asks which value to keep."""
        before = self.detail
        if before is None:
            return
        self.show_ticket(before.id)
        after = self.detail
        if after is None or after is before or after.version == before.version \
                or self._edit_base is None or not self.has_unsaved_changes():
            return
        merge = merge_edit(self._edit_base, self.current_edit(), after)
        if merge.conflicts:
            names = ", ".join(c.label for c in merge.conflicts)
            who = ", ".join(dict.fromkeys(c.who for c in merge.conflicts))
            self._show_message(f"{who} changed {names} while you were editing. Your text "
                               "is kept; Save asks which value to keep.")

    def _fill(self, d: TicketDetail, *, skip: set[str], keep_composer: bool) -> None:
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
        if not skip:
            self.title_error.show_error(None)
            self.description_error.show_error(None)
        if "title" not in skip:
            self.title.setText(d.title)
        if "category" not in skip:
            select_text(self.category, d.category)
        if "impact" not in skip:
            select_data(self.impact, d.impact)
        if "urgency" not in skip:
            select_data(self.urgency, d.urgency)
        self._refresh_auto_label()
        if "priority_override" not in skip:
            select_data(self.priority, d.priority if d.priority_overridden else AUTO)
        if "channel" not in skip:
            select_data(self.channel, d.channel)
        self._offer_inactive_assignee()
        if "assignee" not in skip:
            select_data(self.assignee, d.assignee)
        if "organization" not in skip:
            select_text(self.organization, d.organization)
        if "product" not in skip:
            self.product.setText(d.product)
        if "description" not in skip:
            self.description.setPlainText(d.description)
        self.timeline.setHtml(timeline_html(d.timeline))
        self.show_clocks(d.clocks)
        if not keep_composer:
            self._restore_draft(d.id)

    def show_clocks(self, clocks: TicketClocks) -> None:
        """Render the clocks that came with the ticket (its detail, or a monitor tick that
        changed it), as of the instant they were replayed for. Nothing is recomputed here:
        the GUI thread never replays a ticket. A tick that started before the shown detail
        was read brings older clocks: those are not shown."""
        if self.detail is not None and self.detail.clocks is not clocks:
            if clocks.at < self.detail.clocks.at:
                return
            self.detail = replace(self.detail, clocks=clocks)
        result = clocks.replay
        if result is None:
            self.response_clock.setText(f"⚠ could not compute: {html.escape(clocks.error)}")
            self.resolution_clock.setText("")
            return
        self.sla_box.show()
        self.sla_box.setTitle(f"Service level · {result.policy}" if result.policy
                              else "Service level · no policy applies")
        for label, clock in ((self.response_clock, result.first_response),
                             (self.resolution_clock, result.resolution)):
            label.setText(clock_html(clock, clocks.at))

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
            # Hidden at once: deleteLater waits for the event loop, and until then the old
            # button would still paint over the status line.
            button.hide()
            button.deleteLater()
        self.action_buttons = {}
        for target in allowed_moves(status):
            button = QPushButton(action_name(status, target))
            button.setObjectName(f"action_{target.value}")
            button.setEnabled(not self.read_only)
            button.clicked.connect(lambda _=False, t=target: self.move_to(t))
            self.actions_row.addWidget(button)
            self.action_buttons[target] = button

    def set_read_only(self, on: bool) -> None:
        """Fields can be read and copied but not edited; nothing that writes is enabled."""
        self.read_only = on
        for line in (self.title, self.product):
            line.setReadOnly(on)
        for text in (self.description, self.composer):
            text.setReadOnly(on)
        for widget in (self.category, self.impact, self.urgency, self.priority,
                       self.channel, self.assignee, self.organization, self.save_button,
                       self.revert_button, self.send_button, self.reply_radio,
                       self.note_radio, *self.action_buttons.values()):
            widget.setEnabled(not on)
        self.composer.setPlaceholderText("The desk is read-only." if on
                                         else "Type a reply… (Ctrl+Enter sends)")

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
        self.busy.cancel()
        self._move_attempt(target, resolution)

    def _move_attempt(self, target: Status, resolution: Resolution) -> None:
        self._run(lambda d: self._tickets.change_status(
            d.id, target, expected_version=d.version, actor=self.actor,
            resolution_note=resolution.note or None, csat_score=resolution.csat_score,
            csat_comment=resolution.csat_comment), keep_composer=True, keep_edits=True,
            again=lambda: self._move_attempt(target, resolution))

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
        self.save_changes()

    def save_changes(self) -> bool:
        """Store the edited fields; False (with the edits and the reason on screen) when
        the save failed."""
        if self.detail is None:
            return True
        if self.read_only:
            return False
        self.busy.cancel()
        return self._save_attempt()

    def _save_attempt(self) -> bool:
        if self.detail is None:
            return True
        # The fields as they are at each try: typing goes on while the desk is busy.
        return self._run(self._save_merged, keep_composer=True, again=self._save_attempt)

    def _save_merged(self, shown: TicketDetail) -> TicketDetail:
        """Save the fields merged with whatever a colleague stored since the edits began:
        a field only they changed keeps their value, one only the technician changed
        theirs; one both changed is decided in the conflict dialog. A save that finds the
        ticket changed again meanwhile merges once more with the newest version."""
        mine = self.current_edit()
        base = self._edit_base if self._edit_base is not None \
            and self._edit_base.id == shown.id else shown
        theirs = shown
        for _attempt in range(SAVE_ATTEMPTS):
            merge = merge_edit(base, mine, theirs)
            edit = merge.edit
            if merge.conflicts:
                take_theirs = self.resolve_conflicts(self, merge)
                if take_theirs is None:
                    raise EditNotSaved("you chose to go on editing")
                edit = merge.resolved(take_theirs)
            try:
                return self._tickets.edit(shown.id, edit, expected_version=theirs.version,
                                          actor=self.actor)
            except ConcurrentEdit:
                theirs = self._tickets.detail(shown.id)
        raise ConcurrentEdit("The ticket keeps changing under you; your text is kept. "
                             "Try Save again in a moment.")

    def _on_revert(self) -> None:
        self.discard_changes()

    def discard_changes(self) -> None:
        """Put the stored values back in every field (the composer is not touched)."""
        if self.detail is not None:
            self.show_ticket(self.detail.id, keep_edits=False)

    def _on_kind_toggled(self) -> None:
        public = self.reply_radio.isChecked()
        self.send_button.setText("Send reply" if public else "Add note")
        self.composer.setPlaceholderText("Type a reply… (Ctrl+Enter sends)" if public
                                         else "Type an internal note… (Ctrl+Enter adds it)")
        if not self._loading and self.composer.toPlainText():
            self._on_composer_edited()

    def _on_send(self) -> None:
        self.busy.cancel()
        self._send_attempt()

    def _send_attempt(self) -> None:
        if self.detail is None or self.read_only:
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
            if self.busy.handle(exc, self._send_attempt, self.composer_error.show_error,
                                what="not sent", kept="Your text is kept."):
                return
            log.exception("sending a message failed")
            self.composer_error.show_error(f"Not sent: {plain_reason(exc)}. Your text is kept.")
            return
        if self.busy.tries:
            self.composer_error.show_error(None)
        self.busy.done()
        # The service deleted the draft with the message; the edited fields stay as typed.
        self._display(detail, keep_edits=True)
        self.ticket_changed.emit(detail.id)

    def _run(self, call: Callable[[TicketDetail], TicketDetail], *, keep_composer: bool,
             keep_edits: bool = False, again: Callable[[], object] | None = None) -> bool:
        """`again` repeats the action when the desk is busy (see ui/common/busy_retry.py)."""
        assert self.detail is not None
        current = self.detail
        self.title_error.show_error(None)
        self.description_error.show_error(None)
        try:
            detail = self.busy.attempt(lambda: call(current))
        except ValidationErrors as exc:
            errors = exc.by_field()
            self.title_error.show_error(errors.get("Title"))
            self.description_error.show_error(errors.get("Description"))
            others = {k: v for k, v in errors.items() if k not in ("Title", "Description")}
            if others:
                self._show_message("; ".join(f"{k}: {v}" for k, v in others.items()))
            return False
        except (ConcurrentEdit, EditNotSaved) as exc:
            self._show_message(str(exc) if isinstance(exc, ConcurrentEdit)
                               else f"Not saved: {exc}. Your edits are still here.")
            return False
        except (DeskError, SQLAlchemyError, OSError) as exc:
            if again is not None and self.busy.handle(
                    exc, again, self._show_message, what="not saved",
                    kept="Your edits are still here."):
                return False
            log.exception("changing ticket %s failed", self.detail.id)
            self._show_message(f"Not saved: {plain_reason(exc)}. Your edits are still here.")
            return False
        self.busy.done()
        self._display(detail, keep_composer=keep_composer, keep_edits=keep_edits)
        self.ticket_changed.emit(detail.id)
        return True

    # -- unsaved work ----------------------------------------------------------------------

    def edited_fields(self) -> set[str]:
        """Names of the TicketEdit fields whose widget differs from the stored ticket."""
        if self.detail is None or self._baseline is None:
            return set()
        shown = self.current_edit()
        return {f.name for f in fields(TicketEdit)
                if getattr(shown, f.name) != getattr(self._baseline, f.name)}

    def has_unsaved_changes(self) -> bool:
        return bool(self.edited_fields())

    def _on_field_edited(self) -> None:
        if not self._loading:
            self._update_unsaved()

    def _update_unsaved(self) -> None:
        unsaved = self.has_unsaved_changes()
        self.unsaved_label.setVisible(unsaved)
        font = self.save_button.font()
        font.setBold(unsaved)
        self.save_button.setFont(font)
        self.save_button.setText("Save changes •" if unsaved else "Save changes")
        if unsaved != self._unsaved:
            self._unsaved = unsaved
            self.unsaved_changed.emit(unsaved)

    def confirm_leave(self, *, closing: bool = False) -> bool:
        """May the technician leave this ticket (or close the window)? The draft is stored
        without a question; edited fields are saved or discarded as the technician answers.
        False means stay: they cancelled, or saving failed (the edits and the reason stay
        on screen)."""
        if self.detail is None:
            return True
        if not self.flush_draft():
            answer = self.ask(self, Question(
                title="Draft not saved",
                text=f"The draft on {self.detail.display_number} could not be saved: "
                     f"{self._draft_error}.",
                detail="Stay to copy it or try again, or leave and lose it.",
                choices=(Answer.CANCEL, Answer.DISCARD), discard_label="Leave and lose it"))
            if answer is not Answer.DISCARD:
                return False
        edited = self.edited_fields()
        if not edited:
            return True
        names = ", ".join(FIELD_LABELS[f] for f in FIELD_LABELS if f in edited)
        answer = self.ask(self, Question(
            title="Unsaved changes",
            text=f"{self.detail.display_number} has unsaved changes ({names}).",
            detail="Save them before closing?" if closing
            else "Save them before leaving the ticket?"))
        if answer is Answer.SAVE:
            return self.save_changes()
        if answer is Answer.DISCARD:
            self.discard_changes()
            return True
        return False

    # -- drafts ----------------------------------------------------------------------------

    def _on_composer_edited(self) -> None:
        self.discard_draft_button.setEnabled(bool(self.composer.toPlainText()))
        if self._loading or self.detail is None:
            return
        self._draft_pending = True
        self.draft_timer.start()

    def flush_draft(self) -> bool:
        """Store the composer's text as the shown ticket's draft now (the debounce timer,
        leaving the ticket and closing the window call this). False if it could not be
        stored; the text stays in the composer and the reason shows under it."""
        self.draft_timer.stop()
        if not self._draft_pending or self.detail is None or self._drafts is None:
            return True
        kind = DraftKind.REPLY if self.reply_radio.isChecked() else DraftKind.NOTE
        body = self.composer.toPlainText()
        try:
            self._drafts.save(self.detail.id, body, author=self.actor, kind=kind)
        except (DeskError, SQLAlchemyError, OSError) as exc:
            log.exception("saving the draft of ticket %s failed", self.detail.id)
            self._draft_error = plain_reason(exc)
            self.draft_hint.setText("")
            self.composer_error.show_error(f"Draft not saved: {self._draft_error}")
            return False
        self._draft_pending = False
        if self._draft_error:  # the earlier failure is over; other messages stay
            self._draft_error = ""
            self.composer_error.show_error(None)
        if body.strip():
            now = self._tickets.now()
            self.draft_hint.setText(f"Draft saved {local_time(now, now)}")
        else:
            self.draft_hint.setText("")
        return True

    def _restore_draft(self, ticket_id: int) -> None:
        """Show the ticket's stored draft (or an empty composer)."""
        self.draft_timer.stop()
        self._draft_pending = False
        self.composer_error.show_error(None)
        draft = None
        if self._drafts is not None:
            try:
                draft = self._drafts.load(ticket_id, author=self.actor)
            except (DeskError, SQLAlchemyError) as exc:
                log.exception("loading the draft of ticket %s failed", ticket_id)
                self.composer_error.show_error(f"Could not load the draft: {plain_reason(exc)}")
        if draft is None:
            self.composer.clear()
            self.draft_hint.setText("")
        else:
            (self.reply_radio if draft.kind is DraftKind.REPLY
             else self.note_radio).setChecked(True)
            self.composer.setPlainText(draft.body)
            self.draft_hint.setText(
                f"Draft from {local_time(draft.updated_at, self._tickets.now())}")
        self.discard_draft_button.setEnabled(bool(self.composer.toPlainText()))

    def _on_discard_draft(self) -> None:
        if self.detail is None or not self.composer.toPlainText():
            return
        answer = self.ask(self, Question(
            title="Discard draft", text="Throw away the text typed in the composer?",
            detail="It has not been sent; a discarded draft cannot be brought back.",
            choices=(Answer.CANCEL, Answer.DISCARD), discard_label="Discard draft"))
        if answer is not Answer.DISCARD:
            return
        if self._drafts is not None:
            try:
                self._drafts.discard(self.detail.id, author=self.actor)
            except (DeskError, SQLAlchemyError) as exc:
                log.exception("discarding the draft of ticket %s failed", self.detail.id)
                self.composer_error.show_error(f"Draft not discarded: {plain_reason(exc)}")
                return
        self._loading = True
        try:
            self.composer.clear()
        finally:
            self._loading = False
        self._draft_pending = False
        self.draft_timer.stop()
        self.draft_hint.setText("")
        self.discard_draft_button.setEnabled(False)

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
    if clock.due_at is not None and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
        head += f" · due {html.escape(local_time(clock.due_at, now))}"
        if clock.state is ClockState.PAUSED:
            head += " if resumed now"
    elif clock.stopped_at is not None:
        head += f" · stopped {html.escape(local_time(clock.stopped_at, now))}"
    return f"{mark}<b>{head}</b><br><span>{html.escape(explain(clock))}</span>"
