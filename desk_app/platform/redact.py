"""One place that hides database passwords from everything the app prints or logs, and
keeps a printed error on one line (`one_line`).

`--db postgresql+psycopg://user:secret@host/desk` used to reach the log file, stderr and the
window title as typed. Every message that may hold a database URL or target goes through
`redact` (the log file's formatter does it for every record as a last line of defence).
"""

from __future__ import annotations

import logging
import re

from sqlalchemy.engine import URL, make_url

MASK = "***"

# scheme://user:PASSWORD@host — the password runs to the last "@" before the path, so an
# unencoded "@" in it is hidden too.
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)(?P<pw>[^\s/?#]*)(?=@)")
# libpq key=value strings and URL queries: password=secret
_KEY_PASSWORD = re.compile(r"(?P<head>\b(?:password|passwd|pwd)\s*=\s*)(?P<pw>'[^']*'|[^\s&;,)]+)",
                           re.IGNORECASE)


def redact(text: object) -> str:
    """`text` (a URL, or any message that may contain URLs) with each password replaced by
    ***: "postgresql+psycopg://u:pw@h/db" -> "postgresql+psycopg://u:***@h/db"."""
    out = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, str(text))
    return _KEY_PASSWORD.sub(lambda m: m.group("head") + MASK, out)


def without_password(url: str) -> str:
    """`url` with any password taken out, in SQLAlchemy's normal form: the name a team
    desk is known by (keyring, recent desks, settings keys). Raises ArgumentError or
    ValueError for a text that is no URL.

    Built anew with URL.create: `make_url(url).set(password=None)` keeps the password
    (None there means "leave it as it is"; checked with SQLAlchemy 2.1)."""
    parsed = make_url(url)
    return URL.create(parsed.drivername, username=parsed.username, host=parsed.host,
                      port=parsed.port, database=parsed.database, query=parsed.query
                      ).render_as_string(hide_password=False)


class RedactingFormatter(logging.Formatter):
    """A Formatter whose output (message, arguments and traceback) never holds a password."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def one_line(text: str) -> str:
    """`text` with its line breaks and other control characters written as escapes
    (`\\n`, `\\x00`): an error can quote what was typed, and an argument may hold a line
    break (soak_cli found `unrecognized arguments: x` + newline + `y` printing two lines)."""
    return "".join(ch if ch == "\t" or ch.isprintable() else repr(ch)[1:-1] for ch in text)
