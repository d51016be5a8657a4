"""Asks for the resolution note that resolving a ticket requires."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.ui.common.plain import PlainLabel


@dataclass(frozen=True)
class Resolution:
    """What the technician typed when resolving: the note, and optionally the customer's
    satisfaction rating (1-5) with their comment."""

    note: str
    csat_score: int | None = None
    csat_comment: str = ""


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
            QShortcut(QKeySequence(keys), self, self._accept_if_ready)
        self.rating = QComboBox()
        self.rating.addItem("Not rated", None)
        for score, words in ((5, "very satisfied"), (4, "satisfied"), (3, "neutral"),
                             (2, "dissatisfied"), (1, "very dissatisfied")):
            self.rating.addItem(f"{'★' * score}{'☆' * (5 - score)}  {score} – {words}", score)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("What the customer said (optional)")
        csat = QFormLayout()
        csat.addRow("Customer rating", self.rating)
        csat.addRow("Comment", self.comment)
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel("Resolution note (required):"))
        layout.addWidget(self.note)
        layout.addLayout(csat)
        layout.addWidget(buttons)

    def _accept_if_ready(self) -> None:
        if self.ok.isEnabled():
            self.accept()

    def text(self) -> str:
        return self.note.toPlainText().strip()

    def resolution(self) -> Resolution:
        score = self.rating.currentData()
        return Resolution(note=self.text(), csat_score=int(score) if score else None,
                          csat_comment=self.comment.text().strip())


def ask_resolution_note(parent: QWidget) -> Resolution | None:
    """What was typed, or None if the technician cancelled."""
    dialog = ResolveDialog(parent)
    return dialog.resolution() if dialog.exec() == QDialog.DialogCode.Accepted else None
