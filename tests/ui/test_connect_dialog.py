"""The window's side of team desks: Connect to a team desk (a real PostgreSQL server and a
real Secret Service), the password prompt at connect time, recent desks, and who I am on
each desk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext, open_context
from desk_app.platform.secrets import SERVICE, DeskPasswords, KeyringSecretStore
from desk_app.store.team_probe import probe_desk
from desk_app.ui.launch import DeskWindows
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.team.connect_dialog import ConnectDialog
from desk_app.ui.team.desks import PasswordCancelled
from desk_app.ui.team.password_dialog import PasswordDialog
from desk_app.workers.task_runner import SyncRunner
from tests.conftest import ME, TeamLogin
from tests.helpers.keyrings import LockedKeyring, PlaintextLike


@pytest.fixture
def desks(ui_settings: UiSettings, qtbot: QtBot) -> Iterator[DeskWindows]:
    windows = DeskWindows(ui_settings, DeskPasswords(KeyringSecretStore()),
                          start_monitor=False)
    yield windows
    if windows.window is not None:
        windows.window.close_for_switch()
    windows.close()


def _dialog(qtbot: QtBot, desks: DeskWindows, *, passwords: DeskPasswords | None = None,
            open_desk: Callable[[str, str], str | None] | None = None) -> ConnectDialog:
    holder: list[ConnectDialog] = []
    dialog = ConnectDialog(
        passwords=passwords or desks.passwords, settings=desks.settings, runner=SyncRunner(),
        probe=probe_desk,
        open_desk=open_desk or (lambda url, who: desks.switch_to(url, who, parent=holder[0])))
    holder.append(dialog)
    qtbot.addWidget(dialog)
    return dialog


def _fill(dialog: ConnectDialog, login: TeamLogin, password: str) -> None:
    dialog.host.setText("127.0.0.1")
    dialog.port.setValue(login.port)
    dialog.database.setText(login.database)
    dialog.user.setText(login.role)
    dialog.password.setText(password)


def test_test_then_connect_opens_the_desk_as_the_chosen_technician(
        qtbot: QtBot, desks: DeskWindows, ctx: AppContext, db_path: Path,
        team_login: TeamLogin, secret_service: object) -> None:
    desks.show(ctx, str(db_path))  # the SQLite desk this window started on
    with open_context(team_login.url, password=lambda _u: team_login.password) as team:
        team.directory.ensure_technician("Priya Raman")
    dialog = _dialog(qtbot, desks)
    assert dialog.remember.isVisible() is False or dialog.remember.isChecked()
    _fill(dialog, team_login, team_login.password)
    assert not dialog.connect_button.isEnabled()
    dialog.test_button.click()
    assert dialog.outcome.text().startswith("✓ Connected: PostgreSQL 15")
    assert "1 technician" in dialog.outcome.text()
    assert dialog.technician.isEnabled() and dialog.connect_button.isEnabled()
    dialog.technician.setCurrentText("Priya Raman")
    dialog.connect_button.click()

    assert dialog.chosen == (team_login.url, "Priya Raman")
    window = desks.window
    assert window is not None and window.ctx.db.url == team_login.url
    assert window.actor == "Priya Raman"
    assert window.windowTitle() == f"Desk App — {team_login.url}"
    assert keyring.get_password(SERVICE, team_login.url) == team_login.password
    assert desks.settings.recent_desks() == [team_login.url]
    assert desks.settings.technician_for(team_login.url) == "Priya Raman"
    assert desks.actor_for(team_login.url) == "Priya Raman"
    assert [a.text() for a in window.recent_menu.actions()] == [team_login.url]
    KeyringSecretStore().forget(team_login.url)


def test_a_failed_test_names_the_reason_and_keeps_what_was_typed(
        qtbot: QtBot, desks: DeskWindows, team_login: TeamLogin) -> None:
    dialog = _dialog(qtbot, desks)
    wrong = team_login.password + "-typo"
    _fill(dialog, team_login, wrong)
    dialog.test_button.click()
    assert dialog.outcome.text() == ("✕ Cannot connect: authentication failed: the server "
                                     "refused this user name and password.")
    assert dialog.outcome.objectName() == "connectError"
    assert not dialog.connect_button.isEnabled()
    assert (dialog.host.text(), dialog.database.text(), dialog.user.text(),
            dialog.password.text()) == ("127.0.0.1", team_login.database, team_login.role,
                                        wrong)


def test_a_missing_field_is_named(qtbot: QtBot, desks: DeskWindows) -> None:
    dialog = _dialog(qtbot, desks)
    dialog.host.setText("db.example")
    dialog.test_button.click()
    assert dialog.outcome.text() == "✕ Database: required"
    dialog.database.setText("desk")
    dialog.user.setText("anna smith")
    dialog.test_button.click()
    assert dialog.outcome.text() == "✕ User: 'anna smith' cannot hold spaces, '/' or '@'"


def test_a_failed_connect_keeps_the_dialog_and_what_was_typed(
        qtbot: QtBot, desks: DeskWindows, team_login: TeamLogin) -> None:
    dialog = _dialog(qtbot, desks, open_desk=lambda _url, _who: "the desk is busy")
    _fill(dialog, team_login, team_login.password)
    dialog.test_button.click()
    dialog.connect_button.click()
    assert dialog.chosen is None and dialog.result() == 0
    assert dialog.outcome.text() == "✕ Cannot open the desk: the desk is busy"
    assert dialog.password.text() == team_login.password
    assert desks.settings.recent_desks() == []


def test_editing_after_a_test_asks_for_a_new_test(qtbot: QtBot, desks: DeskWindows,
                                                  team_login: TeamLogin) -> None:
    dialog = _dialog(qtbot, desks)
    _fill(dialog, team_login, team_login.password)
    dialog.test_button.click()
    assert dialog.connect_button.isEnabled()
    dialog.database.setText("another")
    assert not dialog.connect_button.isEnabled()
    assert "test the connection again" in dialog.outcome.text()


@pytest.mark.parametrize("backend", [fail.Keyring(), PlaintextLike()],
                         ids=["fail-backend", "plaintext-like"])
def test_without_a_secure_keyring_remember_is_not_offered(
        qtbot: QtBot, desks: DeskWindows, backend: object) -> None:
    passwords = DeskPasswords(KeyringSecretStore(backend))  # type: ignore[arg-type]
    dialog = _dialog(qtbot, desks, passwords=passwords)
    dialog.show()
    assert not dialog.remember.isVisible()
    assert dialog.keyring_note.isVisible()
    assert dialog.keyring_note.text().startswith("No secure keyring is available on this "
                                                 "computer (")
    prompt = PasswordDialog("postgresql+psycopg://anna@db/desk", can_remember=False,
                            keyring_note="No secure keyring is available here (x).")
    qtbot.addWidget(prompt)
    prompt.show()
    assert not prompt.remember.isVisible() and not prompt.wants_keyring()
    assert prompt.keyring_note.text().startswith("No secure keyring is available here (x).")


def test_the_window_asks_for_a_password_the_keyring_does_not_have(
        qtbot: QtBot, ui_settings: UiSettings, team_login: TeamLogin) -> None:
    """A recent desk (or --db) without a stored password: the password dialog; a refused
    password is asked again with the reason; the right one opens the desk."""
    PlaintextLike.stored.clear()
    typed = [team_login.password + "-typo", team_login.password]
    asked: list[PasswordDialog] = []

    def answer(dialog: PasswordDialog) -> bool:
        qtbot.addWidget(dialog)
        asked.append(dialog)
        dialog.password.setText(typed.pop(0))
        return True

    desks = DeskWindows(ui_settings, DeskPasswords(KeyringSecretStore(PlaintextLike())),
                        ask_password=answer, start_monitor=False)
    with desks.open_context(team_login.url) as opened:
        assert opened.db.url == team_login.url
    assert len(asked) == 2
    assert not hasattr(asked[0], "problem")  # none stored: just asked
    assert asked[1].problem.text() == ("⚠ The server refused that password (authentication "
                                       "failed). Type it again.")
    assert not asked[0].remember.isVisibleTo(asked[0])  # not a secure keyring
    assert PlaintextLike.stored == {}


def test_cancelling_the_password_opens_nothing(qtbot: QtBot, ui_settings: UiSettings,
                                               team_login: TeamLogin) -> None:
    def cancel(dialog: PasswordDialog) -> bool:
        qtbot.addWidget(dialog)
        return False

    desks = DeskWindows(ui_settings, DeskPasswords(KeyringSecretStore(PlaintextLike())),
                        ask_password=cancel, start_monitor=False)
    with pytest.raises(PasswordCancelled):
        desks.open_context(team_login.url)


def test_settings_change_who_i_am_on_this_team_desk_only(ui_settings: UiSettings) -> None:
    url = "postgresql+psycopg://anna@db.example:5432/desk"
    ui_settings.technician = ME
    ui_settings.set_technician_for(url, "Anna Team")
    assert ui_settings.technician_for("postgresql+psycopg://anna:pw@db.example:5432/desk") \
        == "Anna Team"
    assert ui_settings.technician == ME
    ui_settings.add_recent_desk("postgresql+psycopg://anna:pw@db.example:5432/desk")
    ui_settings.add_recent_desk("postgresql+psycopg://bob@db.example:5432/desk")
    ui_settings.add_recent_desk(url)
    assert ui_settings.recent_desks() == [url, "postgresql+psycopg://bob@db.example:5432/desk"]
    ui_settings.sync()
    assert "pw" not in Path(ui_settings._qs.fileName()).read_text(encoding="utf-8")


def test_a_keyring_failing_at_connect_time_is_one_line_in_the_window(
        qtbot: QtBot, ui_settings: UiSettings, team_login: TeamLogin) -> None:
    """The keyring looked secure but its read failed: the password is asked for, the desk
    opens, and the status bar says in one line what the keyring did."""
    def answer(dialog: PasswordDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.password.setText(team_login.password)
        return True

    desks = DeskWindows(ui_settings, DeskPasswords(KeyringSecretStore(LockedKeyring())),
                        ask_password=answer, start_monitor=False)
    window = desks.show(desks.open_context(team_login.url), team_login.url)
    qtbot.addWidget(window)
    try:
        shown = window.statusBar().currentMessage()
        # The read failed (no password: asked), then storing the typed one failed: the
        # latest failure is shown, the password masked in the backend's own words.
        assert shown == ("the keyring (keyrings LockedKeyring) could not store the "
                         "password: cannot store '***': the collection is locked")
        assert "\n" not in shown and team_login.password not in shown
    finally:
        window.close_for_switch()
        desks.close()


def test_the_test_runs_off_the_gui_thread_and_reports_back(
        qtbot: QtBot, desks: DeskWindows, team_login: TeamLogin) -> None:
    """With the window's real task runner: the result arrives on the GUI thread."""
    from PySide6.QtWidgets import QWidget

    from desk_app.workers.task_runner import TaskRunner

    # Owned by a widget that outlives the test body, as the window owns its runner: a
    # runner collected on return while its relay's deleteLater was pending crashed Qt.
    owner = QWidget()
    qtbot.addWidget(owner)
    runner = TaskRunner(owner)
    dialog = ConnectDialog(passwords=desks.passwords, settings=desks.settings, runner=runner,
                           probe=probe_desk, open_desk=lambda _u, _w: None, parent=owner)
    _fill(dialog, team_login, team_login.password)
    dialog.test_button.click()
    assert not dialog.test_button.isEnabled()  # while it runs
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("✓ Connected"), timeout=20000)
    assert dialog.test_button.isEnabled() and dialog.connect_button.isEnabled()
