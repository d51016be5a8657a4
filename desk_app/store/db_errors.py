"""What a database failure means for the person who met it, in one line.

SQLite reports a busy desk, a full disk or a read-only file as `OperationalError` with its
own words ("database is locked", "database or disk is full", "attempt to write a readonly
database"). The command line and the window both turn those into a sentence that says what
happened and that nothing was changed (each use case is one transaction, rolled back when
it fails), and the window asks `is_busy` to decide whether waiting and trying again can help.
No Qt here: the command line uses it too.
"""

from __future__ import annotations

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


def describe_failure(exc: BaseException) -> str:
    """One line for a failed database operation; the driver's words when they are not
    among the known ones."""
    reason = driver_reason(exc)
    lowered = reason.lower()
    for words, meaning in _MEANINGS:
        if any(word in lowered for word in words):
            return meaning
    return f"the database failed: {reason}"
