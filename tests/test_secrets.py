"""Team desk passwords: the OS keyring when it is a secure one (a REAL Secret Service,
gnome-keyring-daemon on the suite's private session bus), else this session's memory only."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from desk_app.platform.secrets import (
    SERVICE,
    DeskPasswords,
    KeyringSecretStore,
    MemorySecretStore,
    SecretStoreError,
    keyring_user,
)
from tests.helpers.keyrings import LockedKeyring, PlaintextLike

URL = "postgresql+psycopg://anna@db.example:5432/desk"
PASSWORD = "k3yr1ng-Pw!"
REPO = Path(__file__).parents[1]


def test_a_desk_is_filed_under_its_url_without_the_password() -> None:
    assert keyring_user("postgresql+psycopg://anna:pw@db.example:5432/desk") == URL
    assert keyring_user(URL) == URL


def test_the_real_secret_service_stores_reads_and_forgets(secret_service: object) -> None:
    store = KeyringSecretStore()
    assert type(store.backend).__module__ == "keyring.backends.SecretService"
    assert store.usable
    store.put(URL, PASSWORD)
    # Another store (as another process would) finds it under the service and the URL.
    assert keyring.get_password(SERVICE, URL) == PASSWORD
    assert KeyringSecretStore().get("postgresql+psycopg://anna:old@db.example:5432/desk") \
        == PASSWORD
    assert store.forget(URL) is True
    assert store.get(URL) is None
    assert store.forget(URL) is False  # nothing left to remove


def test_a_password_kept_in_the_real_keyring_serves_a_new_session(secret_service: object
                                                                  ) -> None:
    DeskPasswords(KeyringSecretStore()).remember(URL, PASSWORD, in_keyring=True)
    try:
        later = DeskPasswords(KeyringSecretStore())  # the next start of the app
        assert later.lookup(URL) == PASSWORD
    finally:
        KeyringSecretStore().forget(URL)


@pytest.mark.parametrize("backend", [fail.Keyring(), PlaintextLike()],
                         ids=["fail-backend", "plaintext-like"])
def test_without_a_secure_keyring_nothing_is_stored(backend: keyring.backend.KeyringBackend
                                                    ) -> None:
    PlaintextLike.stored.clear()
    store = KeyringSecretStore(backend)
    assert not store.usable
    passwords = DeskPasswords(store)
    note = passwords.remember(URL, PASSWORD, in_keyring=True)
    assert "no secure keyring" in note and PASSWORD not in note
    assert PlaintextLike.stored == {}
    assert passwords.lookup(URL) == PASSWORD  # this session still has it
    assert DeskPasswords(KeyringSecretStore(backend)).lookup(URL) is None  # next one asks
    with pytest.raises(SecretStoreError, match="no secure keyring"):
        store.put(URL, PASSWORD)
    assert PlaintextLike.stored == {}


def test_a_keyring_failing_at_call_time_is_one_line_without_the_password() -> None:
    store = KeyringSecretStore(LockedKeyring())
    assert store.usable
    passwords = DeskPasswords(store)
    note = passwords.remember(URL, PASSWORD, in_keyring=True)
    assert note.startswith("the keyring (") and "locked" in note
    assert PASSWORD not in note and "\n" not in note
    fresh = DeskPasswords(store)
    assert fresh.lookup(URL) is None  # a failed read is no password, noted once
    assert fresh.lookup(URL) is None
    assert len(fresh.problems) == 1 and "could not be read" in fresh.problems[0]
    with pytest.raises(SecretStoreError) as raised:
        store.forget(URL)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_the_session_memory_is_only_memory() -> None:
    memory = MemorySecretStore()
    memory.put("postgresql+psycopg://anna:x@db.example:5432/desk", PASSWORD)
    assert memory.get(URL) == PASSWORD
    assert memory.forget(URL) and memory.get(URL) is None


def test_keyrings_alt_is_neither_installed_nor_declared() -> None:
    """keyrings.alt makes keyring pick a plaintext file without a word (PLATFORM_NOTES)."""
    assert importlib.util.find_spec("keyrings") is None or \
        importlib.util.find_spec("keyrings.alt") is None
    assert not any(type(b).__module__.startswith("keyrings.alt")
                   for b in keyring.backend.get_all_keyring())
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"],
                *(d for deps in project["optional-dependencies"].values() for d in deps)]
    assert not any("keyrings.alt" in d or "keyrings-alt" in d for d in declared)


def test_opening_the_app_on_an_sqlite_desk_does_not_import_keyring(tmp_path: Path) -> None:
    """keyring and its backends cost about 60 ms of the window's start; an SQLite desk
    never needs them, so they are imported when a password is first looked up."""
    import subprocess
    import sys

    code = ("import sys; from desk_app.app import open_context; "
            "import desk_app.ui.main_window; "
            f"open_context({str(tmp_path / 'desk.sqlite3')!r}).close(); "
            "print('keyring' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "False"
