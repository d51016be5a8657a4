"""File → Connect to a team desk…: host, port, database, user and password, a *Test
connection* whose result shows in the dialog, then "You are:" one of that desk's
technicians, then Connect.

The password goes to this session's memory and, when the keyring is a secure one and
"Remember" is ticked, to the keyring (platform/secrets.py); the URL the app keeps and shows
never holds it. A failed test or a failed connect leaves everything typed in place. The
test runs through the task runner: an unreachable server takes up to the connect timeout
(store/engine.py), and the window stays live meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL

from desk_app.platform.identity import os_user_name
from desk_app.platform.redact import MASK, redact
from desk_app.platform.secrets import DeskPasswords, unusable_note_for_window
from desk_app.store.db_errors import describe_failure
from desk_app.store.team_probe import DeskProbe
from desk_app.ui.common.plain import PlainLabel
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.workers.task_runner import Runner

DEFAULT_PORT = 5432
DRIVER = "postgresql+psycopg"
# Tests the URL and password; raises SQLAlchemyError (store/team_probe.probe_desk).
Probe = Callable[[str, str | None], DeskProbe]
# Opens the desk as the technician: None when the window switched, else why not (one line).
OpenDesk = Callable[[str, str], str | None]


@dataclass(frozen=True)
class DeskAddress:
    """What the form names, checked: `url` is the desk's URL without the password."""

    host: str
    port: int
    database: str
    user: str

    @property
    def url(self) -> str:
        return URL.create(DRIVER, username=self.user, host=self.host, port=self.port,
                          database=self.database).render_as_string(hide_password=False)


class ConnectDialog(QDialog):
    """Connect to a team desk; `chosen` holds (url, technician) after a successful connect."""

    def __init__(self, *, passwords: DeskPasswords, settings: UiSettings, runner: Runner,
                 probe: Probe, open_desk: OpenDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a team desk")
        self.setMinimumWidth(600)
        self._passwords = passwords
        self._settings = settings
        self._runner = runner
        self._probe = probe
        self._open_desk = open_desk
        self._tested: tuple[DeskAddress, str] | None = None  # what the last good test used
        self.chosen: tuple[str, str] | None = None

        self.host = QLineEdit()
        self.host.setObjectName("host")
        self.host.setPlaceholderText("db.example.org")
        self.port = QSpinBox()
        self.port.setObjectName("port")
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.port.setMinimumWidth(self.port.fontMetrics().horizontalAdvance("655350") + 40)
        self.database = QLineEdit()
        self.database.setObjectName("database")
        self.database.setPlaceholderText("desk")
        self.user = QLineEdit()
        self.user.setObjectName("user")
        self.user.setPlaceholderText("your database user")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("&Remember the password in this computer's keyring")
        self.remember.setObjectName("rememberPassword")
        self.remember.setChecked(passwords.can_remember)
        self.remember.setVisible(passwords.can_remember)
        self.keyring_note = PlainLabel(unusable_note_for_window(passwords.keyring))
        self.keyring_note.setObjectName("hint")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(not passwords.can_remember)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Host", self.host)
        form.addRow("P&ort", self.port)
        form.addRow("&Database", self.database)
        form.addRow("&User", self.user)
        form.addRow("&Password", self.password)

        self.test_button = QPushButton("&Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test_connection)
        self.outcome = PlainLabel("")
        self.outcome.setObjectName("connectResult")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)

        self.technician = QComboBox()
        self.technician.setObjectName("technician")
        self.technician.setEditable(True)
        self.technician.setEnabled(False)
        self.technician.setMinimumContentsLength(24)
        self.who_hint = PlainLabel("Test the connection to choose who you are on that desk.")
        self.who_hint.setObjectName("hint")
        self.who_hint.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("&Connect")
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setEnabled(False)
        buttons.accepted.connect(self.connect_desk)
        buttons.rejected.connect(self.reject)

        # One form, so "You are:" lines up with the fields above it.
        form.addRow("", self.remember)
        form.addRow("", self.keyring_note)
        form.addRow("", test_row)
        # Its own row: a wrapped label beside a button in a nested row got clipped.
        form.addRow("", self.outcome)
        form.addRow("You &are:", self.technician)
        form.addRow("", self.who_hint)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(buttons)
        for field in (self.host, self.database, self.user, self.password):
            field.textChanged.connect(self._on_edited)
        self.port.valueChanged.connect(self._on_edited)

    # -- reading the form ------------------------------------------------------------------

    def address(self) -> DeskAddress | None:
        """The form as a desk address, or None with the field and the reason shown."""
        for field, name in ((self.host, "Host"), (self.database, "Database"),
                            (self.user, "User")):
            text = field.text().strip()
            if not text:
                self._show(f"✕ {name}: required", error=True)
                field.setFocus()
                return None
            if field is not self.database and any(c.isspace() or c in "/@" for c in text):
                self._show(f"✕ {name}: '{text}' cannot hold spaces, '/' or '@'", error=True)
                field.setFocus()
                return None
        return DeskAddress(host=self.host.text().strip(), port=self.port.value(),
                           database=self.database.text().strip(),
                           user=self.user.text().strip())

    def _show(self, text: str, *, error: bool = False) -> None:
        self.outcome.setProperty("error", error)
        self.outcome.setObjectName("connectError" if error else "connectResult")
        self.outcome.style().unpolish(self.outcome)
        self.outcome.style().polish(self.outcome)
        self.outcome.setText(text)

    def _on_edited(self) -> None:
        """A change after a good test: test again before connecting (what was tested is
        what Connect uses)."""
        if self._tested is not None:
            self._tested = None
            self.connect_button.setEnabled(False)
            self.technician.setEnabled(False)
            self._show("The details changed: test the connection again.")

    # -- testing and connecting ------------------------------------------------------------

    def test_connection(self) -> None:
        address = self.address()
        if address is None:
            return
        password = self.password.text()
        self.test_button.setEnabled(False)
        self._show(f"Connecting to {address.host}:{address.port}…")

        def done(probe: DeskProbe) -> None:
            self.test_button.setEnabled(True)
            self._tested = (address, password)
            self._show(f"✓ Connected: {probe.summary()}.")
            self._offer_technicians(address.url, probe)

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            reason = describe_failure(exc)
            if password:
                reason = reason.replace(password, MASK)
            self._show(f"✕ Cannot connect: {redact(reason)}.", error=True)

        self._runner.run(lambda: self._probe(address.url, password or None), done, failed)

    def _offer_technicians(self, url: str, probe: DeskProbe) -> None:
        remembered = self._settings.technician_for(url)
        names = list(probe.technicians)
        default = remembered or (self._settings.technician if self._settings.technician
                                 in names else None) or os_user_name()
        if default not in names:
            names.insert(0, default)
        self.technician.clear()
        self.technician.addItems(names)
        self.technician.setCurrentText(default)
        self.technician.setEnabled(True)
        self.who_hint.setText("Pick yourself from the desk's technicians, or type your name "
                              "to be added. Remembered for this desk on this computer.")
        self.connect_button.setEnabled(True)
        self.connect_button.setDefault(True)

    def connect_desk(self) -> None:
        if self._tested is None:
            return
        address, password = self._tested
        who = self.technician.currentText().strip()
        if not who:
            self._show("✕ You are: a technician's name is needed", error=True)
            self.technician.setFocus()
            return
        url = address.url
        note = ""
        if password:
            note = self._passwords.remember(url, password,
                                            in_keyring=self.remember.isChecked())
        problem = self._open_desk(url, who)
        if problem is not None:  # the dialog stays, with everything typed
            if problem:
                self._show(f"✕ Cannot open the desk: {redact(problem)}", error=True)
            return
        self._settings.set_technician_for(url, who)
        self._settings.add_recent_desk(url)
        self.keyring_problem = note
        self.chosen = (url, who)
        self.accept()
