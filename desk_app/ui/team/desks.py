"""Opening a desk from the window: the password prompt at connect time, and the seam the
main window switches desks through (its menu's *Connect to a team desk…* and recent desks).

The window asks what the command line asks (cli_team.open_with_password): a team desk whose
server wants a password that is not stored gets a password dialog; a refused one is asked
again with the server's reason; Cancel opens nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy.exc import SQLAlchemyError

from desk_app.platform.secrets import DeskPasswords, keyring_user, unusable_note_for_window
from desk_app.store.db_errors import ConnectFailure, asks_for_password
from desk_app.ui.team.password_dialog import PasswordDialog

T = TypeVar("T")
ASK_ATTEMPTS = 3
# Makes and runs the password dialog; tests answer it without a modal loop.
AskPassword = Callable[[PasswordDialog], bool]


def exec_dialog(dialog: PasswordDialog) -> bool:
    return dialog.exec() == QDialog.DialogCode.Accepted


class TeamDesks(Protocol):
    """What the main window may ask of whoever opened it (ui/launch.py)."""

    passwords: DeskPasswords

    def switch_to(self, url: str, technician: str | None, *, parent: QWidget
                  ) -> str | None:
        """Open `url` in a new window as `technician` (None: the one remembered for that
        desk) and close the calling one. None when done; "" when the technician cancelled;
        else the one line saying why the desk cannot be opened (nothing changed)."""
        ...

    def recent(self) -> list[str]: ...


class PasswordCancelled(Exception):
    """The technician closed the password dialog: open nothing, say nothing."""


def open_asking_password(open_desk: Callable[[Callable[[str], str | None]], T], target: str,
                         passwords: DeskPasswords, *, parent: QWidget | None,
                         ask: AskPassword = exec_dialog) -> T:
    """`open_desk(lookup)`, with a password dialog when the team desk's server asks for a
    password that is not stored or refuses the one given. Raises PasswordCancelled."""
    for attempt in range(ASK_ATTEMPTS + 1):
        try:
            return open_desk(passwords.lookup)
        except SQLAlchemyError as exc:
            failure = asks_for_password(exc, target)
            if failure is None or attempt == ASK_ATTEMPTS:
                raise
            url = keyring_user(target)
            passwords.drop_from_session(url)
            problem = "The server refused that password (authentication failed). Type it " \
                "again." if failure is ConnectFailure.AUTH_FAILED else ""
            dialog = PasswordDialog(url, can_remember=passwords.can_remember,
                                    keyring_note="" if passwords.can_remember
                                    else unusable_note_for_window(passwords.keyring),
                                    problem=problem, parent=parent)
            if not ask(dialog):
                raise PasswordCancelled() from None
            passwords.remember(url, dialog.typed(), in_keyring=dialog.wants_keyring())
    raise AssertionError("unreachable")  # the loop returns or raises
