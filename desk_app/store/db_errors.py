"""What a database failure means for the person who met it, in one line.

SQLite reports a busy desk, a full disk or a read-only file as `OperationalError` with its
own words ("database is locked", "database or disk is full", "attempt to write a readonly
database"). The command line and the window both turn those into a sentence that says what
happened and that nothing was changed (each use case is one transaction, rolled back when
it fails), and the window asks `is_busy` to decide whether waiting and trying again can help.
No Qt here: the command line uses it too.
"""

from __future__ import annotations

from enum import Enum

from desk_app.store.engine import BUSY_TIMEOUT_MS

BUSY_SECONDS = BUSY_TIMEOUT_MS // 1000

# SQLite's words (lower case) -> what they mean for the user.
_MEANINGS = (
    (("database is locked", "database is busy", "database table is locked"),
     f"the desk is busy: another program has been writing to it for more than {BUSY_SECONDS} s"),
    (("database or disk is full", "no space left on device"),
     "the disk is full"),
    (("attempt to write a readonly database", "read-only file system", "readonly database"),
     "the desk cannot be written (read-only)"),
    (("disk i/o error",), "the disk failed to read or write the desk (disk I/O error)"),
    (("unable to open database file",), "the desk's file could not be opened"),
    (("database disk image is malformed", "file is not a database"),
     "the desk's file is damaged or not a database"),
)


def driver_reason(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's SQL, parameters and links."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.splitlines()[0] if text else type(exc).__name__


def is_busy(exc: BaseException) -> bool:
    """True when another writer held the desk past the busy timeout: trying again later
    may succeed, unlike a full disk or a read-only file."""
    reason = driver_reason(exc).lower()
    return any(word in reason for word in _MEANINGS[0][0])


class ConnectFailure(Enum):
    """Why a database server refused or could not be reached; the value is the line shown.

    The team desk's password is looked up at connect time, so the command line and the
    window must tell "no password was given" (ask for one) from "the password was wrong"
    (ask again, and do not keep the refused one) from "the server is not there"."""

    NO_PASSWORD = "the server asks for a password and none is stored for this desk"
    AUTH_FAILED = "authentication failed: the server refused this user name and password"
    UNREACHABLE = "the server is not reachable"
    NO_DATABASE = "the server has no database of that name"


# libpq's words (lower case), anywhere in its message, -> what they mean.
_CONNECT_WORDS = (
    (("no password supplied", "fe_sendauth: no password"), ConnectFailure.NO_PASSWORD),
    (("password authentication failed", "authentication failed for user"),
     ConnectFailure.AUTH_FAILED),
    (("connection refused", "failed to resolve host", "could not translate host name",
      "timeout expired", "no route to host", "network is unreachable", "name or service not known",
      "connection timed out", "no such file or directory"), ConnectFailure.UNREACHABLE),
    (("does not exist",), ConnectFailure.NO_DATABASE),
)


def connect_failure(exc: BaseException) -> ConnectFailure | None:
    """What kept a connection from being made, or None when `exc` is something else.

    Only a PostgreSQL driver's OperationalError counts (SQLite's own has other words, and a
    query failing on a table that "does not exist" is no connection failure)."""
    orig = getattr(exc, "orig", None) or exc
    if type(orig).__name__ != "OperationalError" or \
            not type(orig).__module__.startswith(("psycopg", "pg8000", "asyncpg")):
        return None
    text = str(orig).lower()
    if "connection" not in text and "password" not in text and "host" not in text \
            and "database" not in text:
        return None
    for words, failure in _CONNECT_WORDS:
        if any(word in text for word in words):
            if failure is ConnectFailure.NO_DATABASE and 'database "' not in text:
                continue
            return failure
    return None


def describe_connect_failure(exc: BaseException) -> str | None:
    """One line for a connection the server refused or could not take, or None."""
    failure = connect_failure(exc)
    if failure is None:
        return None
    if failure is ConnectFailure.UNREACHABLE:
        return f"{failure.value} ({driver_reason(exc).rsplit(': ', 1)[-1].strip()})"
    return failure.value


def describe_failure(exc: BaseException) -> str:
    """One line for a failed database operation; the driver's words when they are not
    among the known ones."""
    connecting = describe_connect_failure(exc)
    if connecting is not None:
        return connecting
    reason = driver_reason(exc)
    lowered = reason.lower()
    for words, meaning in _MEANINGS:
        if any(word in lowered for word in words):
            return meaning
    return f"the database failed: {reason}"


def asks_for_password(exc: BaseException, target: str) -> ConnectFailure | None:
    """NO_PASSWORD or AUTH_FAILED when opening the team desk `target` failed for want of
    the right password and asking for one can help (its URL does not carry one: a wrong
    password typed into --db is reported, not asked again); else None."""
    failure = connect_failure(exc)
    if failure not in (ConnectFailure.NO_PASSWORD, ConnectFailure.AUTH_FAILED):
        return None
    if "://" not in target:
        return None
    from sqlalchemy.engine import make_url  # the URL parsed only on this rare path

    return None if make_url(target).password is not None else failure
