"""Settings: who I am (the name the audit trail records) and the category list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.errors import DeskError, ValidationError
from desk_app.services.directory import DirectoryService
from desk_app.ui.widgets import FieldError


class SettingsDialog(QDialog):
    """Edits the current technician and the categories; applies both on OK."""

    def __init__(self, directory: DirectoryService, *, technician: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(480)
        self._directory = directory
        self.technician = QComboBox()
        self.technician.setEditable(True)
        self.technician.addItems(directory.technicians())
        self.technician.setCurrentText(technician)
        self.technician_error = FieldError()
        who = QGroupBox("You")
        wf = QFormLayout(who)
        wf.addRow("Technician name", self.technician)
        wf.addRow("", self.technician_error)
        hint = QLabel("Recorded as “who” on every change you make. A new name is added to "
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
        layout.addWidget(buttons)

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
            self._directory.ensure_technician(name)
        except ValidationError as exc:
            self.technician_error.show_error(exc.reason)
            return
        try:
            self._directory.set_categories(self.category_names())
        except DeskError as exc:
            self.categories_error.show_error(getattr(exc, "reason", str(exc)))
            return
        self.chosen_technician = name
        self.accept()
