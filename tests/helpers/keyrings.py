"""Keyring backends the tests install where the real Secret Service is not the point
(a plaintext-like one, a failing one).

`PlaintextLike` stands for keyrings.alt's plaintext file (never installed here): a backend
that works but that keyring does not recommend (priority below 1). The app must refuse to
store a password in it. It keeps what it is given in memory so a test can check that
nothing was put there; `PYTHON_KEYRING_BACKEND=tests.helpers.keyrings.PlaintextLike`
selects it in a subprocess.
"""

from __future__ import annotations

from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked


class PlaintextLike(KeyringBackend):
    priority = 0.5  # type: ignore[assignment]  # a plain number, as keyrings.alt's are
    stored: ClassVar[dict[tuple[str, str], str]] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.stored.pop((service, username), None)


class LockedKeyring(KeyringBackend):
    """A secure-looking backend whose every call fails, as a locked collection does; its
    messages quote the password, so masking it is tested too."""

    priority = 5  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"cannot store {password!r}: the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")
