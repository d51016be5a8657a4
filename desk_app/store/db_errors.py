"""What a database failure means for the person who met it, in one line.

SQLite reports a busy desk, a full disk or a read-only file as `OperationalError` with its
own words ("database is locked", "database or disk is full", "attempt to write a readonly
database"). The command line and the window both turn those into a sentence that says what
happened and that nothing was changed (each use case is one transaction, rolled back when
it fails), and the window asks `is_busy` to decide whether waiting and trying again can help.

A team desk (PostgreSQL) can also lose its server: stopped, restarted, or the network gone.
`is_connection_lost` tells that apart from bad input or a broken query: the work was not
done, nothing was changed, and the same work will succeed once the server answers again
(services/connection.py watches for it and retries). An SQLite file that is deleted or
unreadable is not an outage in that sense: no retry brings it back, so it keeps its own
messages above.
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


# The server's or libpq's words when the team desk's server is gone (lower case). A refused
# password or a missing database is not among them: waiting would not help those.
_CONNECTION_LOST = (
    "connection refused", "terminating connection", "server closed the connection",
    "the database system is shutting down", "the database system is starting up",
    "the database system is in recovery mode", "the database system is not yet accepting",
    "connection is lost", "connection is closed", "connection not open",
    "consuming input failed", "could not receive data from server",
    "could not send data to server", "no route to host", "network is unreachable",
    "connection timed out", "timeout expired", "could not translate host name",
    "ssl syscall error", "connection reset by peer", "broken pipe",
)
# SQLSTATEs of a connection lost or a server going away (class 08, 57P01-57P03).
_LOST_STATES = frozenset({"08000", "08001", "08003", "08004", "08006", "57P01", "57P02",
                          "57P03"})
CONNECTION_LOST = "the connection to the team desk's server is lost"
# The same, for the command line and start-up, which may never have been connected.


def is_connection_lost(exc: BaseException) -> bool:
    """True when a team desk's server could not be reached or dropped the connection:
    nothing was done, and trying again once the server is back will work. Never true for
    SQLite (a local file has no server to come back)."""
    orig = getattr(exc, "orig", None) or exc
    if type(orig).__module__.split(".")[0] == "sqlite3":
        return False
    if getattr(exc, "connection_invalidated", False):
        return True  # SQLAlchemy's own disconnect detection
    if getattr(orig, "sqlstate", None) in _LOST_STATES:
        return True
    if not type(orig).__module__.startswith("psycopg") and orig is exc:
        return False  # only a driver's (or SQLAlchemy's wrapped driver) error
    reason = driver_reason(exc).lower()
    return any(words in reason for words in _CONNECTION_LOST)


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


# A server gone is said in the same words whether the desk was being opened or was open.
UNREACHABLE = ConnectFailure.UNREACHABLE.value


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
    if is_connection_lost(exc):
        return f"{UNREACHABLE} ({reason})"
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
