"""`desk-app team connect|forget URL`, and the password of a team desk on the command line.

A team desk is named by its URL without the password. `team connect` asks for the password
(a prompt, or `--password-stdin` for scripts), tests it against the server and stores it in
the OS keyring; `team forget` removes it. Every other command then opens the desk by the
password-less URL: the password is looked up at connect time (this session, then the
keyring); when the server asks for one that is not stored, the command asks on a terminal
and otherwise stops in one line saying to run `desk-app team connect`.

Kept apart from cli.py (a dispatcher), and importing nothing from it (an import cycle).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from desk_app.domain.errors import ValidationError
from desk_app.platform.redact import MASK, one_line, redact
from desk_app.store.db_errors import ConnectFailure, asks_for_password, describe_failure
from desk_app.store.target import DatabaseUnusable

if TYPE_CHECKING:
    from desk_app.platform.secrets import DeskPasswords

# platform.secrets (keyring: about 0.1 s of imports) is imported by the functions that use
# it, so `desk-app --version` and a bad argument stay as quick as before.

T = TypeVar("T")
PROMPT_ATTEMPTS = 3
Prompt = Callable[[str], str]


class TeamPasswordNeeded(DatabaseUnusable):
    """The server wants a password this process cannot get (no terminal to ask on)."""


def add_team_parser(sub: Any, parents: list[argparse.ArgumentParser],
                    parser_class: type[argparse.ArgumentParser]) -> None:
    team = sub.add_parser("team", help="connect to a shared PostgreSQL desk, or forget its "
                                       "password", parents=parents)
    tsub = team.add_subparsers(dest="team_command", parser_class=parser_class, required=True)
    connect = tsub.add_parser("connect", help="test a team desk's URL and password, and "
                                              "store the password in the OS keyring")
    connect.add_argument("url", help="postgresql+psycopg://USER@HOST:PORT/DATABASE "
                                     "(without the password)")
    connect.add_argument("--password-stdin", action="store_true",
                         help="read the password from the first line of standard input")
    forget = tsub.add_parser("forget", help="remove a team desk's password from the keyring")
    forget.add_argument("url", help="the desk's URL, as given to `team connect`")


def _note(line: str) -> None:
    print(f"desk-app: note: {one_line(redact(line))}", file=sys.stderr)


def server_url(text: str, *, field: str = "URL") -> str:
    """`text` as a team desk's URL without a password; bad input is a ValidationError."""
    if "://" not in text:
        raise ValidationError(field, f"'{redact(text)}' is not a server URL (e.g. "
                                     "postgresql+psycopg://anna@db.example:5432/desk)")
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):
        raise ValidationError(field, f"'{redact(text)}' is not a database URL") from None
    if parsed.get_backend_name() != "postgresql":
        raise ValidationError(field, f"a team desk is a PostgreSQL database "
                                     f"(postgresql+psycopg://…), not {parsed.drivername}")
    if not parsed.host or not parsed.database or not parsed.username:
        raise ValidationError(field, "name the user, the host and the database: "
                                     "postgresql+psycopg://USER@HOST:PORT/DATABASE")
    if parsed.password is not None:
        raise ValidationError(field, "leave the password out of the URL (it would stay in "
                                     "the shell's history): it is asked for, or read with "
                                     "--password-stdin")
    from desk_app.platform.secrets import keyring_user

    return keyring_user(text)


def _read_password(args: argparse.Namespace, url: str, *, stdin: TextIO,
                   prompt: Prompt) -> str:
    if args.password_stdin:
        line = stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise ValidationError("--password-stdin", "standard input held no password")
        return password
    if not stdin.isatty():
        raise ValidationError("--password-stdin", "no terminal to ask for the password on: "
                                                  "pipe it in with --password-stdin")
    return prompt(f"Password for {url}: ")


def cmd_team(args: argparse.Namespace, passwords: DeskPasswords, *,
             stdin: TextIO | None = None, prompt: Prompt = getpass.getpass) -> int:
    url = server_url(args.url)
    if args.team_command == "forget":
        return _forget(url, passwords)
    from desk_app.store.team_probe import probe_desk  # deferred: SQL only when needed

    password = _read_password(args, url, stdin=stdin or sys.stdin, prompt=prompt)
    try:
        probe = probe_desk(url, password or None)
    except SQLAlchemyError as exc:
        reason = describe_failure(exc)
        if password:  # never quoted by libpq; masked all the same
            reason = reason.replace(password, MASK)
        print(f"desk-app: error: cannot connect to {url}: {one_line(redact(reason))}",
              file=sys.stderr)
        return 1
    print(f"Connected to {url}: {probe.summary()}.")
    if not password:
        print("The server let Desk App in without a password; nothing was stored.")
        return 0
    problem = passwords.remember(url, password, in_keyring=True)
    if problem:
        _note(problem)
    else:
        print(f"The password is stored in the keyring ({passwords.keyring.name}); "
              f"`--db {url}` now works without it.")
    return 0


def _forget(url: str, passwords: DeskPasswords) -> int:
    from desk_app.platform.secrets import SecretStoreError, unusable_note

    if not passwords.can_remember:
        print(f"Nothing to forget: {unusable_note(passwords.keyring)}.")
        return 0
    try:
        removed = passwords.forget(url)
    except SecretStoreError as exc:
        print(f"desk-app: error: {one_line(str(exc))}", file=sys.stderr)
        return 1
    print(f"Removed the password of {url} from the keyring." if removed
          else f"No password was stored for {url}.")
    return 0


def open_with_password(open_desk: Callable[[Callable[[str], str | None]], T], target: str,
                       passwords: DeskPasswords, *, stdin: TextIO | None = None,
                       prompt: Prompt = getpass.getpass) -> T:
    """`open_desk(lookup)`, asking for the password on a terminal when the server wants
    one that is not stored (a refused password is dropped and asked again, up to
    PROMPT_ATTEMPTS times). With no terminal: TeamPasswordNeeded, in one line."""
    from desk_app.platform.secrets import keyring_user, unusable_note

    stdin = stdin or sys.stdin
    for attempt in range(PROMPT_ATTEMPTS + 1):
        try:
            result = open_desk(passwords.lookup)
        except SQLAlchemyError as exc:
            failure = asks_for_password(exc, target)
            if failure is None:
                raise
            url = keyring_user(target)
            passwords.drop_from_session(url)
            if not stdin.isatty() or attempt == PROMPT_ATTEMPTS:
                hint = "run `desk-app team connect " + url + "` to store its password" \
                    if failure is ConnectFailure.NO_PASSWORD else \
                    "run `desk-app team connect " + url + "` to store the right one"
                raise TeamPasswordNeeded(f"cannot open {url}: {failure.value}; {hint}"
                                         ) from None
            if failure is ConnectFailure.AUTH_FAILED and attempt:
                print("desk-app: the server refused that password", file=sys.stderr)
            elif not attempt and not passwords.can_remember:
                _note(unusable_note(passwords.keyring))  # why it asks, said once
            passwords.remember(url, prompt(f"Password for {url}: "), in_keyring=False)
            continue
        finally:
            for problem in passwords.problems:
                _note(problem)
            passwords.problems.clear()
        return result
    raise AssertionError("unreachable")  # the loop returns or raises
