"""Service levels: edit business calendars and the ordered SLA policies.

Edits stay in the dialog until Save; saving validates everything (each message names the
calendar or policy and the field), shows how many open tickets' due times would move, and
only then applies the change, recomputing the open tickets it re-times in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from zoneinfo import available_timezones

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.enums import Priority, Status, Tier
from desk_app.domain.errors import DeskError, ValidationError
from desk_app.domain.sla import SlaSetup
from desk_app.domain.sla_drafts import (
    DAYS,
    CalendarDraft,
    PolicyDraft,
    calendar_users,
    drafts_from,
    rename_calendar,
    setup_from,
    unique_name,
)
from desk_app.services.clock import Clock, system_clock
from desk_app.services.sla import SetupChangePreview, SlaService
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.plain import PlainLabel
from desk_app.ui.common.screen_fit import fit_to_screen
from desk_app.workers.task_runner import Runner, TaskRunner

log = logging.getLogger(__name__)
PAUSABLE = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_CUSTOMER,
            Status.WAITING_THIRD_PARTY)


class SlaSettingsDialog(QDialog):
    """Two tabs, calendars and policies, over drafts; Save applies after a preview."""

    def __init__(self, sla: SlaService, *, actor: str, clock: Clock = system_clock,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Service levels")
        fit_to_screen(self, 900, 640)
        self._sla = sla
        self._actor = actor
        self._clock = clock  # Save checks public holidays of the current year
        self.calendars, self.policies = drafts_from(sla.setup())
        self.applied: int | None = None
        # Replaced in tests; the real one asks with a message box.
        self.confirm = self._confirm

        self.banner = PlainLabel()
        self.banner.setObjectName("errorBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        tabs = QTabWidget()
        tabs.addTab(self._build_calendar_tab(), "Calendars")
        tabs.addTab(self._build_policy_tab(), "Policies")
        self.tabs = tabs
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        self.busy = PlainLabel()
        self.busy.setObjectName("hint")
        self.busy.hide()
        self.runner: Runner = TaskRunner(self)
        hint = PlainLabel("The first policy whose conditions all match a ticket applies. Targets "
                      "are business time on the policy's calendar.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(tabs, 1)
        layout.addWidget(hint)
        layout.addWidget(self.busy)
        layout.addWidget(buttons)
        self.calendar_list.setCurrentRow(0)
        self.policy_list.setCurrentRow(0)

    # -- calendars -------------------------------------------------------------------------

    def _build_calendar_tab(self) -> QWidget:
        self.calendar_list = QListWidget()
        self.calendar_list.addItems([c.name for c in self.calendars])
        self.calendar_list.currentRowChanged.connect(self._on_calendar_row)
        self._calendar_row = -1
        add, remove = QPushButton("Add"), QPushButton("Remove")
        add.clicked.connect(self._on_add_calendar)
        remove.clicked.connect(self._on_remove_calendar)
        left = QVBoxLayout()
        left.addWidget(self.calendar_list, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        left.addLayout(row)

        self.cal_name = QLineEdit()
        self.cal_tz = QComboBox()
        self.cal_tz.setEditable(True)
        self.cal_tz.addItems(sorted(available_timezones()))
        self.cal_days = [QLineEdit() for _ in DAYS]
        for edit in self.cal_days:
            edit.setPlaceholderText("day off — or e.g. 09:00-12:00, 13:00-17:00")
        self.cal_country = QComboBox()
        self.cal_country.setEditable(True)
        self.cal_country.addItem("")
        self.cal_country.addItems(_countries())
        self.cal_subdivision = QComboBox()
        self.cal_subdivision.setEditable(True)
        self.cal_subdivision.setToolTip("Optional: a state or region, e.g. BY for Bavaria")
        self.cal_country.currentTextChanged.connect(self._on_country_changed)
        self.cal_holidays = QPlainTextEdit()
        self.cal_holidays.setPlaceholderText("One per line: 2026-12-24, or a shutdown "
                                             "2026-12-28..2026-12-31")
        form = QFormLayout()
        form.addRow("Name", self.cal_name)
        form.addRow("Time zone", self.cal_tz)
        week = QGroupBox("Working hours (wall clock; 22:00-06:00 is an overnight shift)")
        grid = QGridLayout(week)
        for d, edit in enumerate(self.cal_days):
            grid.addWidget(PlainLabel(DAYS[d]), d, 0)
            grid.addWidget(edit, d, 1)
        hol = QGroupBox("Holidays")
        hf = QFormLayout(hol)
        hf.addRow("Public holidays of", self.cal_country)
        hf.addRow("Subdivision", self.cal_subdivision)
        hf.addRow("Other days off", self.cal_holidays)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(week)
        right.addWidget(hol, 1)
        page = QWidget()
        outer = QHBoxLayout(page)
        outer.addLayout(left, 1)
        outer.addLayout(right, 3)
        return page

    def _on_country_changed(self, country: str) -> None:
        current = self.cal_subdivision.currentText()
        self.cal_subdivision.clear()
        self.cal_subdivision.addItem("")
        self.cal_subdivision.addItems(_supported().get(country.strip().upper(), []))
        self.cal_subdivision.setCurrentText(current)

    def _store_calendar_form(self) -> None:
        i = self._calendar_row
        if not 0 <= i < len(self.calendars):
            return
        c = self.calendars[i]
        old = c.name
        c.name = self.cal_name.text().strip()
        c.tz = self.cal_tz.currentText().strip()
        c.weekly = [e.text() for e in self.cal_days]
        c.country = self.cal_country.currentText().strip().split(" ")[0]
        c.subdivision = self.cal_subdivision.currentText().strip()
        c.holidays = self.cal_holidays.toPlainText()
        if old != c.name:
            self.calendar_list.item(i).setText(c.name)
            rename_calendar(self.policies, old, c.name)
            self._refill_policy_calendars(renamed=(old, c.name))

    def _on_calendar_row(self, row: int) -> None:
        self._store_calendar_form()
        self._calendar_row = row
        if not 0 <= row < len(self.calendars):
            return
        c = self.calendars[row]
        self.cal_name.setText(c.name)
        self.cal_tz.setCurrentText(c.tz)
        for edit, text in zip(self.cal_days, c.weekly, strict=True):
            edit.setText(text)
        self.cal_country.setCurrentText(c.country)
        self._on_country_changed(c.country)
        self.cal_subdivision.setCurrentText(c.subdivision)
        self.cal_holidays.setPlainText(c.holidays)

    def _on_add_calendar(self) -> None:
        self._store_calendar_form()
        base = self.calendars[self._calendar_row] if self.calendars else None
        draft = CalendarDraft(name=unique_name("New calendar", (c.name for c in self.calendars)),
                              tz=base.tz if base else "UTC",
                              weekly=["09:00-17:00"] * 5 + ["", ""])
        self.calendars.append(draft)
        self.calendar_list.addItem(draft.name)
        self._refill_policy_calendars()
        self.calendar_list.setCurrentRow(len(self.calendars) - 1)

    def _on_remove_calendar(self) -> None:
        row = self.calendar_list.currentRow()
        if row < 0:
            return
        self._store_policy_form()  # a calendar picked in the form but not yet stored counts
        name = self.calendars[row].name
        users = calendar_users(self.policies, name)
        if users:
            self._show_banner(f"Calendar '{name}' is used by {', '.join(users)}; "
                              "give those policies another calendar first.")
            return
        self._calendar_row = -1
        del self.calendars[row]
        self.calendar_list.takeItem(row)
        self._refill_policy_calendars()

    # -- policies --------------------------------------------------------------------------

    def _build_policy_tab(self) -> QWidget:
        self.policy_list = QListWidget()
        self.policy_list.addItems([p.name for p in self.policies])
        self.policy_list.currentRowChanged.connect(self._on_policy_row)
        self._policy_row = -1
        buttons = QGridLayout()
        for i, (text, slot) in enumerate((("Add", self._on_add_policy),
                                          ("Remove", self._on_remove_policy),
                                          ("Move up", lambda: self._on_move_policy(-1)),
                                          ("Move down", lambda: self._on_move_policy(1)))):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b, i // 2, i % 2)
        left = QVBoxLayout()
        left.addWidget(self.policy_list, 1)
        left.addLayout(buttons)

        self.pol_name = QLineEdit()
        self.pol_calendar = QComboBox()
        self._refill_policy_calendars()
        self.pol_response = QLineEdit()
        self.pol_response.setPlaceholderText("e.g. 30m, 4h, 1h 30m")
        self.pol_resolution = QLineEdit()
        self.pol_resolution.setPlaceholderText("e.g. 8h, 40h")
        self.pol_priorities = {p: QCheckBox(p.value) for p in Priority}
        self.pol_tiers = {t: QCheckBox(t.label) for t in Tier}
        self.pol_categories = QLineEdit()
        self.pol_categories.setPlaceholderText("any — or names separated by commas")
        self.pol_organizations = QLineEdit()
        self.pol_organizations.setPlaceholderText("any — or names separated by commas")
        self.pol_products = QLineEdit()
        self.pol_products.setPlaceholderText("any — or names separated by commas")
        self.pol_thresholds = QLineEdit()
        self.pol_pauses = {s: QCheckBox(s.label) for s in PAUSABLE}
        self.pol_goal_response = _percent_box()
        self.pol_goal_resolution = _percent_box()

        targets = QGroupBox("Targets")
        tf = QFormLayout(targets)
        tf.addRow("Name", self.pol_name)
        tf.addRow("Calendar", self.pol_calendar)
        tf.addRow("First response within", self.pol_response)
        tf.addRow("Resolution within", self.pol_resolution)
        tf.addRow("Warn at (% of target used)", self.pol_thresholds)
        tf.addRow("Goal: met first response", self.pol_goal_response)
        tf.addRow("Goal: met resolution", self.pol_goal_resolution)
        conditions = QGroupBox("Applies to (empty = any)")
        cf = QFormLayout(conditions)
        cf.addRow("Priorities", _row(self.pol_priorities.values()))
        cf.addRow("Customer tiers", _row(self.pol_tiers.values()))
        cf.addRow("Categories", self.pol_categories)
        cf.addRow("Organizations", self.pol_organizations)
        cf.addRow("Products", self.pol_products)
        pauses = QGroupBox("The clock pauses while the ticket is")
        pauses_layout = QVBoxLayout(pauses)
        pauses_layout.addWidget(_row(self.pol_pauses.values()))
        right = QVBoxLayout()
        right.addWidget(targets)
        right.addWidget(conditions)
        right.addWidget(pauses)
        right.addStretch(1)
        page = QWidget()
        outer = QHBoxLayout(page)
        outer.addLayout(left, 1)
        outer.addLayout(right, 3)
        return page

    def _refill_policy_calendars(self, *, renamed: tuple[str, str] | None = None) -> None:
        """Offer the calendars as they are now; the shown policy keeps its calendar, under
        its new name when `renamed` is (old, new)."""
        current = self.pol_calendar.currentText()
        if renamed is not None and current == renamed[0]:
            current = renamed[1]
        self.pol_calendar.blockSignals(True)
        self.pol_calendar.clear()
        self.pol_calendar.addItems([c.name for c in self.calendars])
        self.pol_calendar.setCurrentText(current)
        self.pol_calendar.blockSignals(False)

    def _store_policy_form(self) -> None:
        i = self._policy_row
        if not 0 <= i < len(self.policies):
            return
        p = self.policies[i]
        p.name = self.pol_name.text().strip()
        p.calendar = self.pol_calendar.currentText()
        p.first_response = self.pol_response.text()
        p.resolution = self.pol_resolution.text()
        p.priorities = {k for k, box in self.pol_priorities.items() if box.isChecked()}
        p.tiers = {k for k, box in self.pol_tiers.items() if box.isChecked()}
        p.categories = self.pol_categories.text()
        p.organizations = self.pol_organizations.text()
        p.products = self.pol_products.text()
        p.thresholds = self.pol_thresholds.text()
        p.pauses = {k for k, box in self.pol_pauses.items() if box.isChecked()}
        p.goal_response = self.pol_goal_response.value()
        p.goal_resolution = self.pol_goal_resolution.value()
        self.policy_list.item(i).setText(p.name)

    def _on_policy_row(self, row: int) -> None:
        self._store_policy_form()
        self._policy_row = row
        if not 0 <= row < len(self.policies):
            return
        p = self.policies[row]
        self.pol_name.setText(p.name)
        self.pol_calendar.setCurrentText(p.calendar)
        self.pol_response.setText(p.first_response)
        self.pol_resolution.setText(p.resolution)
        for k, box in self.pol_priorities.items():
            box.setChecked(k in p.priorities)
        for t, box in self.pol_tiers.items():
            box.setChecked(t in p.tiers)
        self.pol_categories.setText(p.categories)
        self.pol_organizations.setText(p.organizations)
        self.pol_products.setText(p.products)
        self.pol_thresholds.setText(p.thresholds)
        for s, box in self.pol_pauses.items():
            box.setChecked(s in p.pauses)
        self.pol_goal_response.setValue(p.goal_response)
        self.pol_goal_resolution.setValue(p.goal_resolution)

    def _on_add_policy(self) -> None:
        self._store_policy_form()
        draft = PolicyDraft(name=unique_name("New policy", (p.name for p in self.policies)),
                            calendar=self.calendars[0].name if self.calendars else "",
                            first_response="4h", resolution="24h")
        self.policies.append(draft)
        self.policy_list.addItem(draft.name)
        self.policy_list.setCurrentRow(len(self.policies) - 1)

    def _on_remove_policy(self) -> None:
        row = self.policy_list.currentRow()
        if row < 0:
            return
        self._policy_row = -1
        del self.policies[row]
        self.policy_list.takeItem(row)

    def _on_move_policy(self, step: int) -> None:
        row = self.policy_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < len(self.policies):
            return
        self._store_policy_form()
        self.policies[row], self.policies[target] = self.policies[target], self.policies[row]
        self._policy_row = -1
        self.policy_list.item(row).setText(self.policies[row].name)
        self.policy_list.item(target).setText(self.policies[target].name)
        self.policy_list.setCurrentRow(target)

    # -- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        """Validate, preview the effect, apply on confirmation; keep everything on failure.

        The preview replays the open tickets the edit can re-time, and the save stores
        that work (replaying again only if the desk changed meanwhile); both run through
        the task runner (off the GUI thread on a large desk) with a busy note shown."""
        self._store_calendar_form()
        self._store_policy_form()
        self.banner.hide()
        try:
            setup = setup_from(self.calendars, self.policies, year=self._clock().year)
        except ValidationError as exc:
            self._show_banner(str(exc))
            return
        self._busy("Checking which open tickets would move…")
        self.runner.run(lambda: self._sla.preview(setup),
                        lambda preview: self._on_preview(setup, preview), self._on_failed)

    def _on_preview(self, setup: SlaSetup, preview: SetupChangePreview) -> None:
        if not self.confirm(preview.due_moves, preview.open_tickets, preview.policy_changes):
            self._sla.discard_preview()
            self._busy(None)
            return
        self._busy(f"Recomputing {preview.open_tickets:,} open tickets…")
        self.runner.run(lambda: self._sla.save_setup(setup, actor=self._actor),
                        self._on_saved, self._on_failed)

    def _on_saved(self, count: int) -> None:
        self._busy(None)
        self.applied = count
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._busy(None)
        if isinstance(exc, (DeskError, SQLAlchemyError, OSError)):
            self._show_banner(f"Not saved: {plain_reason(exc)}. Your edits are still here.")
        else:
            log.error("saving SLA settings failed", exc_info=exc)
            self._show_banner(f"Not saved ({type(exc).__name__}: {exc}). Your edits are "
                              "still here; details are in the log.")

    def _busy(self, text: str | None) -> None:
        self.busy.setText(text or "")
        self.busy.setVisible(bool(text))
        self.buttons.setEnabled(text is None)
        self.tabs.setEnabled(text is None)

    def _confirm(self, moves: int, total: int, policy_changes: int) -> bool:
        text = (f"Saving moves the due times of {moves:,} of {total:,} open tickets"
                + (f", and {policy_changes:,} change policy." if policy_changes else "."))
        answer = QMessageBox.question(self, "Apply service level changes?", text,
                                      QMessageBox.StandardButton.Apply
                                      | QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Apply

    def _show_banner(self, text: str) -> None:
        self.banner.setText(f"⚠ {text}")
        self.banner.show()


def _percent_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0, 100)
    box.setDecimals(1)
    box.setSuffix(" %")
    return box


def _row(widgets: Iterable[QWidget]) -> QWidget:
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        lay.addWidget(w)
    lay.addStretch(1)
    return box


def _supported() -> dict[str, list[str]]:
    """Country code -> subdivision codes, from the holidays package (offline data)."""
    try:
        import holidays as holidays_lib  # deferred: ~0.1 s, only for the country list

        found = holidays_lib.list_supported_countries()
    except Exception:  # an odd holidays version: the fields still accept typed codes
        return {}
    return {code: list(subs) for code, subs in found.items() if len(code) == 2}


def _countries() -> list[str]:
    return sorted(_supported())
