"""Settings: who I am (the name the audit trail records) and the category list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import time

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DeskError, ValidationError
from desk_app.domain.risk import Risk
from desk_app.services.alerts import AlertRules, Notice, Scope
from desk_app.services.directory import DirectoryService
from desk_app.ui.common.plain import PlainLabel
from desk_app.ui.common.screen_fit import fit_to_screen
from desk_app.ui.common.widgets import FieldError
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.sla.notification_center import NotificationCenter


class SettingsDialog(QDialog):
    """Edits the current technician and the categories; applies both on OK."""

    def __init__(self, directory: DirectoryService, *, technician: str,
                 parent: QWidget | None = None, ui_settings: UiSettings | None = None,
                 alerts: NotificationCenter | None = None, user_tz: str = "UTC",
                 more: Sequence[tuple[str, str, Callable[[], None]]] = ()) -> None:
        """`more`: (button text, explanation, action) for settings edited in their own
        dialogs (service levels, contracts), so Settings is where a supervisor finds them."""
        super().__init__(parent)
        self._ui_settings = ui_settings
        self._alerts = alerts
        self._user_tz = user_tz
        self.setWindowTitle("Settings")
        self.setMinimumWidth(480)
        self._directory = directory
        self._technician = technician
        self.technician = QComboBox()
        self.technician.setEditable(True)
        self.technician.addItems(directory.technicians())
        self.technician.setCurrentText(technician)
        self.technician_error = FieldError()
        who = QGroupBox("You")
        wf = QFormLayout(who)
        wf.addRow("Technician name", self.technician)
        wf.addRow("", self.technician_error)
        hint = PlainLabel("Recorded as “who” on every change you make. A new name is added to "
                      "the technicians list.")
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        wf.addRow(hint)

        cats = QGroupBox("Categories (service types)")
        cl = QHBoxLayout(cats)
        self.categories = QListWidget()
        for name in directory.categories():
            self._add_item(name)
        side = QVBoxLayout()
        add = QPushButton("Add")
        remove = QPushButton("Remove")
        up = QPushButton("Move up")
        down = QPushButton("Move down")
        add.clicked.connect(self._on_add)
        remove.clicked.connect(self._on_remove)
        up.clicked.connect(lambda: self._on_move(-1))
        down.clicked.connect(lambda: self._on_move(1))
        for b in (add, remove, up, down):
            side.addWidget(b)
        side.addStretch(1)
        cl.addWidget(self.categories, 1)
        cl.addLayout(side)
        self.categories_error = FieldError()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(cats)
        layout.addWidget(self.categories_error)
        if ui_settings is not None:
            layout.addWidget(self._build_notifications(ui_settings))
        if more:
            layout.addWidget(self._build_more(more))
        layout.addWidget(buttons)
        # Its minimum height ignores the wrapped hints, which a 700-pixel screen then cut:
        # ask for the height they need (about 670 px), within the screen.
        fit_to_screen(self, 520, 680)

    def _build_more(self, more: Sequence[tuple[str, str, Callable[[], None]]]) -> QGroupBox:
        box = QGroupBox("Service levels and contracts")
        form = QFormLayout(box)
        self.more_buttons: dict[str, QPushButton] = {}
        for text, explanation, action in more:
            button = QPushButton(text)
            button.clicked.connect(action)
            note = PlainLabel(explanation)
            note.setWordWrap(True)
            note.setObjectName("hint")
            form.addRow(button, note)
            self.more_buttons[text] = button
        return box

    def _build_notifications(self, ui: UiSettings) -> QGroupBox:
        rules = ui.alert_rules(self._user_tz)
        box = QGroupBox("SLA notifications")
        form = QFormLayout(box)
        self.scope = QComboBox()
        for scope in Scope:
            self.scope.addItem(scope.label, scope.value)
        self.scope.setCurrentIndex(self.scope.findData(rules.scope.value))
        self.levels = {r: QCheckBox(r.label) for r in (Risk.APPROACHING, Risk.AT_RISK,
                                                        Risk.CRITICAL, Risk.BREACHED)}
        levels_row = QWidget()
        lr = QHBoxLayout(levels_row)
        lr.setContentsMargins(0, 0, 0, 0)
        for risk, check in self.levels.items():
            check.setChecked(risk in rules.levels)
            lr.addWidget(check)
        lr.addStretch(1)
        self.quiet = QCheckBox("Quiet hours from")
        self.quiet_from = QTimeEdit(_qtime(rules.quiet_from or time(19)))
        self.quiet_to = QTimeEdit(_qtime(rules.quiet_to or time(7)))
        for edit in (self.quiet_from, self.quiet_to):
            edit.setDisplayFormat("HH:mm")
        self.quiet.setChecked(rules.quiet_from is not None)
        quiet_row = QWidget()
        qr = QHBoxLayout(quiet_row)
        qr.setContentsMargins(0, 0, 0, 0)
        qr.addWidget(self.quiet)
        qr.addWidget(self.quiet_from)
        qr.addWidget(PlainLabel("to"))
        qr.addWidget(self.quiet_to)
        qr.addStretch(1)
        self.tick = QSpinBox()
        self.tick.setRange(5, 600)
        self.tick.setSuffix(" s")
        self.tick.setValue(ui.tick_seconds)
        self.close_to_tray = QCheckBox("Closing the window keeps watching from the tray")
        self.close_to_tray.setChecked(ui.close_to_tray)
        self.path_label = PlainLabel(self._alerts.active_path() if self._alerts else "—")
        self.path_label.setObjectName("deliveryPath")
        test = QPushButton("Send test notification")
        test.clicked.connect(self._on_test)
        path_row = QWidget()
        pr = QHBoxLayout(path_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(self.path_label, 1)
        pr.addWidget(test)
        form.addRow("Notify for", self.scope)
        form.addRow("Levels", levels_row)
        form.addRow("", quiet_row)
        form.addRow("Check every", self.tick)
        form.addRow("", self.close_to_tray)
        form.addRow("Delivered by", path_row)
        hint = PlainLabel("Quiet hours and levels affect desktop notifications only; every alert "
                      "still goes to the Alerts list.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        form.addRow(hint)
        return box

    def _on_test(self) -> None:
        if self._alerts is None:
            return
        used = self._alerts.deliver(Notice(title="Desk App test notification",
                                           body="If you can read this, SLA alerts reach you.",
                                           level=Risk.APPROACHING))
        self.path_label.setText(f"{used or 'nothing worked'} (test sent)")

    def current_rules(self) -> AlertRules:
        return AlertRules(
            scope=Scope(self.scope.currentData()),
            levels=frozenset(r for r, c in self.levels.items() if c.isChecked()),
            quiet_from=_pytime(self.quiet_from.time()) if self.quiet.isChecked() else None,
            quiet_to=_pytime(self.quiet_to.time()) if self.quiet.isChecked() else None,
            tz=self._user_tz)

    def _add_item(self, name: str) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.categories.addItem(item)
        return item

    def _on_add(self) -> None:
        item = self._add_item("New category")
        self.categories.setCurrentItem(item)
        self.categories.editItem(item)

    def _on_remove(self) -> None:
        row = self.categories.currentRow()
        if row >= 0:
            self.categories.takeItem(row)

    def _on_move(self, step: int) -> None:
        row = self.categories.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.categories.count():
            return
        item = self.categories.takeItem(row)
        self.categories.insertItem(target, item)
        self.categories.setCurrentRow(target)

    def category_names(self) -> list[str]:
        return [self.categories.item(i).text() for i in range(self.categories.count())]

    def apply(self) -> None:
        """Save both parts; on a problem show it and keep the dialog open."""
        self.technician_error.show_error(None)
        self.categories_error.show_error(None)
        name = self.technician.currentText().strip()
        try:
            # Staying who you are is always allowed; becoming a deactivated one is not.
            technician_id = self._directory.ensure_technician(
                name, refuse_inactive=name.lower() != self._technician.lower())
        except ValidationError as exc:
            self.technician_error.show_error(exc.reason)
            return
        try:
            self._directory.set_categories(self.category_names())
        except DeskError as exc:
            self.categories_error.show_error(getattr(exc, "reason", str(exc)))
            return
        self.chosen_technician = name
        self.chosen_technician_id = technician_id  # the window's "My tickets" need not ask again
        if self._ui_settings is not None:
            self._ui_settings.set_alert_rules(self.current_rules())
            self._ui_settings.tick_seconds = self.tick.value()
            self._ui_settings.close_to_tray = self.close_to_tray.isChecked()
        self.accept()


def _qtime(t: time) -> QTime:
    """The QTime for `t`, spelt out: PySide6 converts a `time` itself; its stubs do not say so."""
    return QTime(t.hour, t.minute, t.second, t.microsecond // 1000)


def _pytime(t: QTime) -> time:
    """The `time` for `t`, spelt out: the stubs type `QTime.toPython()` as a bare object."""
    return time(t.hour(), t.minute(), t.second(), t.msec() * 1000)
