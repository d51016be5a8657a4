"""Database passwords: in the OS keyring when it is a secure one, else only in memory.

A team desk is named by its URL without the password (`postgresql+psycopg://anna@db/desk`);
the password is looked up at connect time (store/engine.py), first in this session's memory,
then in the keyring under the service "Desk App" with that URL as the user name. So no file,
setting, log line or printed URL ever holds it.

Why `usable` is more than "keyring did not fail": with no session bus keyring picks its fail
backend (every call raises), and with keyrings.alt installed it silently picks a plaintext
file. Neither may hold a password: the app then asks each time and keeps the password for the
session only (PLATFORM_NOTES, "Secrets with keyring"). Even a usable backend can fail at call
time (a locked collection, a daemon gone away): every call turns a KeyringError into one
`SecretStoreError` line that never holds the password.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from desk_app.platform.redact import MASK, one_line, redact, without_password

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

# `keyring` (with its backends, about 60 ms of imports) is imported where a password is
# first needed, not when this module is: every window start imports this module, and an
# SQLite desk never needs a keyring.

SERVICE = "Desk App"

log = logging.getLogger(__name__)


class SecretStoreError(Exception):
    """The keyring failed; the message is one line, fit for the user, without the secret."""


def keyring_user(url: str) -> str:
    """The name a desk's password is filed under: its URL without the password, in
    SQLAlchemy's normal form, so `…//anna:pw@db/desk` and `…//anna@db/desk` are one desk."""
    try:
        return without_password(url)
    except (ArgumentError, ValueError):
        return redact(url)


def url_password(url: str) -> str | None:
    """The password written into `url`, if any (a URL typed with one, as before keyring)."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return None
    return None if password is None else str(password)


class SecretStore(Protocol):
    """Where a desk's password may be kept. `usable`: it may hold one at all."""

    @property
    def usable(self) -> bool: ...

    @property
    def name(self) -> str: ...

    def get(self, url: str) -> str | None: ...

    def put(self, url: str, password: str) -> None: ...

    def forget(self, url: str) -> bool: ...


def _failure(action: str, exc: BaseException, *, name: str, secret: str | None = None
             ) -> SecretStoreError:
    text = str(exc) or type(exc).__name__
    if secret:
        text = text.replace(secret, MASK)
    return SecretStoreError(one_line(redact(f"the keyring ({name}) could not {action}: {text}")))


class KeyringSecretStore:
    """The OS keyring through `keyring` (Secret Service on Linux, Keychain on macOS,
    Credential Locker on Windows). `backend` defaults to the one keyring chose here."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
        return self._backend

    @property
    def name(self) -> str:
        from keyring.backends import fail

        backend = self.backend
        if isinstance(backend, fail.Keyring):  # its own name, "fail Keyring", says little
            return "no keyring service found"
        return str(getattr(backend, "name", None) or type(backend).__name__)

    @cached_property
    def usable(self) -> bool:
        """Secure storage: not keyring's fail backend, and one keyring recommends (a
        plaintext or otherwise unrecommended backend is refused). Decided once per store:
        SecretStorage's priority is a D-Bus round trip, and the engine asks at every new
        connection."""
        import keyring.core
        from keyring.backends import fail

        backend = self.backend
        if isinstance(backend, fail.Keyring):
            return False
        try:
            return bool(keyring.core.recommended(backend))
        except Exception:  # its priority is computed on the spot and may fail
            return False

    def get(self, url: str) -> str | None:
        if not self.usable:
            return None
        from keyring.errors import KeyringError

        try:
            return self.backend.get_password(SERVICE, keyring_user(url))
        except KeyringError as exc:
            raise _failure("be read", exc, name=self.name) from None

    def put(self, url: str, password: str) -> None:
        if not self.usable:
            raise SecretStoreError(unusable_note(self))
        from keyring.errors import KeyringError

        try:
            self.backend.set_password(SERVICE, keyring_user(url), password)
        except KeyringError as exc:
            raise _failure("store the password", exc, name=self.name,
                           secret=password) from None

    def forget(self, url: str) -> bool:
        """Remove the desk's password; False when none was stored."""
        if not self.usable:
            return False
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            self.backend.delete_password(SERVICE, keyring_user(url))
        except PasswordDeleteError:
            return False
        except KeyringError as exc:
            raise _failure("remove the password", exc, name=self.name) from None
        return True


class MemorySecretStore:
    """Passwords for this session only: typed once, used for every connection until the
    app exits, never written anywhere."""

    name = "this session's memory"

    def __init__(self) -> None:
        self._passwords: dict[str, str] = {}

    @property
    def usable(self) -> bool:
        return True

    def get(self, url: str) -> str | None:
        return self._passwords.get(keyring_user(url))

    def put(self, url: str, password: str) -> None:
        self._passwords[keyring_user(url)] = password

    def forget(self, url: str) -> bool:
        return self._passwords.pop(keyring_user(url), None) is not None


def unusable_note(store: SecretStore) -> str:
    """The one line that says why no password is stored here."""
    return (f"no secure keyring is available here ({store.name}): the password is not "
            "stored, Desk App asks for it each time")


def unusable_note_for_window(store: SecretStore) -> str:
    """The same, as a dialog says it (in sentences, with what happens instead)."""
    return (f"No secure keyring is available on this computer ({store.name}), so the "
            "password is not stored: Desk App keeps it until it closes and asks for it "
            "again next time.")


class DeskPasswords:
    """The passwords of the team desks this process opens: this session's memory first,
    then the keyring. `lookup` is what the engine calls at each new connection."""

    def __init__(self, keyring_store: SecretStore, session: SecretStore | None = None) -> None:
        self.keyring = keyring_store
        self.session = session or MemorySecretStore()
        self.problems: list[str] = []  # keyring failures met, each said once

    @property
    def can_remember(self) -> bool:
        return self.keyring.usable

    def lookup(self, url: str) -> str | None:
        """The desk's password, or None (then the driver tries without one: a .pgpass
        file or trust authentication may still let it in). A keyring failure is noted,
        logged once, and counts as no password."""
        found = self.session.get(url)
        if found is not None:
            return found
        try:
            found = self.keyring.get(url)
        except SecretStoreError as exc:
            self._note(str(exc))
            return None
        if found is not None:
            self.session.put(url, found)  # one keyring read per desk and session
        return found

    def remember(self, url: str, password: str, *, in_keyring: bool) -> str:
        """Keep `password` for the session and, when asked and possible, in the keyring.
        Returns "" or the one line saying why it was not stored in the keyring."""
        self.session.put(url, password)
        if not in_keyring:
            return ""
        if not self.keyring.usable:
            return unusable_note(self.keyring)
        try:
            self.keyring.put(url, password)
        except SecretStoreError as exc:
            self._note(str(exc))
            return str(exc)
        return ""

    def forget(self, url: str) -> bool:
        """Drop the desk's password from the session and the keyring; raises
        SecretStoreError when the keyring fails."""
        in_session = self.session.forget(url)
        return self.keyring.forget(url) or in_session

    def drop_from_session(self, url: str) -> None:
        """A password the server refused: not used again this session."""
        self.session.forget(url)

    def _note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)
            log.warning("%s", problem)
