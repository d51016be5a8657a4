"""Asks for the resolution note that resolving a ticket requires."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class ResolveDialog(QDialog):
    """The Resolve button stays disabled until a note is typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Resolve ticket")
        self.setMinimumWidth(460)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What fixed it? The requester and later readers see this.")
        self.note.setTabChangesFocus(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Resolve")
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.note.textChanged.connect(
            lambda: self.ok.setEnabled(bool(self.note.toPlainText().strip())))
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self._accept_if_ready)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Resolution note (required):"))
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def _accept_if_ready(self) -> None:
        if self.ok.isEnabled():
            self.accept()

    def text(self) -> str:
        return self.note.toPlainText().strip()


def ask_resolution_note(parent: QWidget) -> str | None:
    """The note typed, or None if the technician cancelled."""
    dialog = ResolveDialog(parent)
    return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
