"""`desk-app team connect|forget` and password-less team desk URLs on the command line,
against the real PostgreSQL server and a real Secret Service (gnome-keyring-daemon)."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from desk_app.cli_team import TeamPasswordNeeded, cmd_team, open_with_password
from desk_app.platform.secrets import SERVICE, DeskPasswords, KeyringSecretStore
from desk_app.store.team_probe import probe_desk
from tests.conftest import TeamLogin
from tests.helpers.keyrings import PlaintextLike
from tests.helpers.postgres import free_port

REPO = Path(__file__).parents[1]


def _run(*args: str, stdin: str = "", env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk_app", *args], capture_output=True,
                          text=True, input=stdin, env={**os.environ, **(env or {})},
                          timeout=120, cwd=REPO)


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.timeout(300)  # six command lines in subprocesses
def test_connect_stores_the_password_then_the_bare_url_works_everywhere(
        team_login: TeamLogin, secret_service: object) -> None:
    url, password = team_login.url, team_login.password
    connected = _run("team", "connect", url, "--password-stdin", stdin=password + "\n")
    assert connected.returncode == 0, connected.stderr
    assert f"Connected to {url}: PostgreSQL 15" in connected.stdout
    assert "empty database" in connected.stdout
    assert "stored in the keyring" in connected.stdout
    assert keyring.get_password(SERVICE, url) == password  # the real Secret Service has it

    added = _run("tickets", "add", "--db", url, "--title", "VPN down", "--requester", "Ben")
    assert added.returncode == 0, added.stderr
    listed = _run("tickets", "list", "--format", "csv", env={"DESK_APP_DB": url})
    assert listed.returncode == 0, listed.stderr
    assert "VPN down" in listed.stdout

    forgot = _run("team", "forget", url)
    assert forgot.returncode == 0 and "Removed the password" in forgot.stdout
    assert keyring.get_password(SERVICE, url) is None
    again = _run("team", "forget", url)
    assert "No password was stored" in again.stdout

    refused = _run("tickets", "list", "--db", url)  # no terminal to ask on
    assert refused.returncode == 1
    line = _one_error_line(refused)
    assert "asks for a password" in line and f"desk-app team connect {url}" in line


def test_a_wrong_password_is_one_line_and_nothing_is_stored(team_login: TeamLogin,
                                                            secret_service: object) -> None:
    wrong = team_login.password + "-not"
    result = _run("team", "connect", team_login.url, "--password-stdin", stdin=wrong)
    assert result.returncode == 1
    line = _one_error_line(result)
    assert line == (f"desk-app: error: cannot connect to {team_login.url}: authentication "
                    "failed: the server refused this user name and password")
    assert wrong not in result.stdout + result.stderr
    assert keyring.get_password(SERVICE, team_login.url) is None


def test_an_unreachable_server_is_one_line(postgres_server: object) -> None:
    url = f"postgresql+psycopg://anna@127.0.0.1:{free_port()}/desk"
    result = _run("team", "connect", url, "--password-stdin", stdin="whatever")
    assert result.returncode == 1
    assert "the server is not reachable (Connection refused" in _one_error_line(result)


@pytest.mark.parametrize(("args", "message"), [
    (["team", "connect", "desk.sqlite3"], "URL: 'desk.sqlite3' is not a server URL"),
    (["team", "connect", "sqlite:///x.db"], "URL: a team desk is a PostgreSQL database"),
    (["team", "connect", "postgresql+psycopg://anna:pw@db/desk"],
     "URL: leave the password out of the URL"),
    (["team", "connect", "postgresql+psycopg://db/desk"], "URL: name the user, the host"),
    (["team", "connect", "postgresql+psycopg://anna@db/desk"],
     "--password-stdin: no terminal to ask for the password on"),
    (["team", "connect", "postgresql+psycopg://anna@db/desk", "--password-stdin"],
     "--password-stdin: standard input held no password"),
    (["team", "frobnicate"], "invalid choice: 'frobnicate'"),
    (["team"], "the following arguments are required: team_command"),
])
def test_bad_team_command_lines_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result)
    assert message in line
    assert "pw@" not in line


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring",
                                     "tests.helpers.keyrings.PlaintextLike"])
def test_without_a_secure_keyring_connect_stores_nothing_and_says_so(
        team_login: TeamLogin, secret_service: object, backend: str) -> None:
    """The fail backend and an unrecommended (plaintext-like) one: the connection is tested,
    nothing is stored anywhere, and the next command asks again (here: cannot, no tty)."""
    env = {"PYTHON_KEYRING_BACKEND": backend}
    result = _run("team", "connect", team_login.url, "--password-stdin",
                  stdin=team_login.password, env=env)
    assert result.returncode == 0, result.stderr
    assert "Connected to" in result.stdout
    assert "no secure keyring is available here" in _one_error_line(result)
    assert keyring.get_password(SERVICE, team_login.url) is None
    later = _run("tickets", "list", "--db", team_login.url, env=env)
    assert later.returncode == 1 and "desk-app team connect" in _one_error_line(later)


def test_plaintext_like_keyring_is_never_written(team_login: TeamLogin,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """In process, so the backend's own memory can be looked at after the connect."""
    PlaintextLike.stored.clear()
    args = argparse.Namespace(url=team_login.url, team_command="connect", password_stdin=True)
    passwords = DeskPasswords(KeyringSecretStore(PlaintextLike()))
    assert cmd_team(args, passwords, stdin=io.StringIO(team_login.password)) == 0
    assert PlaintextLike.stored == {}
    assert "no secure keyring" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_is_asked_and_a_refused_password_asked_again(
        team_login: TeamLogin, capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.app import open_context

    typed = [team_login.password + "-typo", team_login.password]
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return typed.pop(0)

    passwords = DeskPasswords(KeyringSecretStore(PlaintextLike()))
    ctx = open_with_password(lambda lookup: open_context(team_login.url, password=lookup),
                             team_login.url, passwords, stdin=Terminal(), prompt=prompt)
    try:
        assert ctx.db.url == team_login.url  # the engine's URL holds no password
        assert team_login.password not in repr(ctx.db.engine.url)
    finally:
        ctx.close()
    assert prompts == [f"Password for {team_login.url}: "] * 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["desk-app: note: no secure keyring is available here (keyrings PlaintextLike): "
                   "the password is not stored, Desk App asks for it each time",
                   "desk-app: the server refused that password"]


def test_no_terminal_no_password_is_one_clear_refusal(team_login: TeamLogin) -> None:
    from desk_app.app import open_context

    with pytest.raises(TeamPasswordNeeded) as refused:
        open_with_password(lambda lookup: open_context(team_login.url, password=lookup),
                           team_login.url, DeskPasswords(KeyringSecretStore(PlaintextLike())),
                           stdin=io.StringIO(""))
    assert str(refused.value) == (
        f"cannot open {team_login.url}: the server asks for a password and none is stored "
        f"for this desk; run `desk-app team connect {team_login.url}` to store its password")


def test_probe_lists_the_desks_technicians(team_login: TeamLogin) -> None:
    from desk_app.app import open_context

    with open_context(team_login.url, password=lambda _u: team_login.password) as ctx:
        ctx.directory.ensure_technician("Priya Raman")
    probe = probe_desk(team_login.url, team_login.password)
    assert probe.revision is not None and "Priya Raman" in probe.technicians
