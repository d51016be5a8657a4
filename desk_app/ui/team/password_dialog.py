"""Asks for a team desk's password when none is stored (or the stored one was refused).

"Remember it in the keyring" is offered only when the keyring is a secure one; otherwise
the dialog says, plainly, that the password is kept until Desk App closes and asked for
again next time (platform/secrets.py)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.platform.redact import redact
from desk_app.ui.common.plain import PlainLabel


class PasswordDialog(QDialog):
    """`problem`: why it is asked ("the server refused the password …"), shown above."""

    def __init__(self, url: str, *, can_remember: bool, keyring_note: str = "",
                 problem: str = "", parent: QWidget | None = None) -> None:
        """`keyring_note`: why nothing can be stored (secrets.unusable_note_for_window),
        shown when `can_remember` is False."""
        super().__init__(parent)
        self._can_remember = can_remember
        self.setWindowTitle("Password for the team desk")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = PlainLabel(f"The team desk {redact(url)} asks for a password.")
        intro.setWordWrap(True)
        intro.setObjectName("passwordIntro")
        layout.addWidget(intro)
        if problem:
            self.problem = PlainLabel(f"⚠ {problem}")
            self.problem.setObjectName("fieldError")
            self.problem.setWordWrap(True)
            layout.addWidget(self.problem)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("&Password", self.password)
        layout.addLayout(form)
        self.remember = QCheckBox("&Remember it in the keyring of this computer")
        self.remember.setObjectName("rememberPassword")
        self.remember.setChecked(can_remember)
        self.remember.setVisible(can_remember)
        layout.addWidget(self.remember)
        if not can_remember:
            note = PlainLabel(keyring_note or "The password is kept only until Desk App "
                                              "closes.")
            note.setObjectName("hint")
            note.setWordWrap(True)
            layout.addWidget(note)
            self.keyring_note = note
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Connect")
        self.ok.setEnabled(False)
        self.password.textChanged.connect(lambda t: self.ok.setEnabled(bool(t)))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password.setFocus()

    def typed(self) -> str:
        return self.password.text()

    def wants_keyring(self) -> bool:
        return self._can_remember and self.remember.isChecked()
