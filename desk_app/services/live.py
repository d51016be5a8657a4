"""The live desk: which tickets other windows (or processes, or plain SQL) changed since
this window last looked, read from the change log the database triggers write.

One short session per call, as everywhere; the listener thread (workers/live_listener.py)
calls `changes` when PostgreSQL notifies or its poll timer fires, and hands the frozen
result to the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from desk_app.domain.change_cursor import ChangeCursor
from desk_app.store import change_log
from desk_app.store.change_listener import ChangeListener, ListenUnavailable
from desk_app.store.engine import Database
from desk_app.store.ticket_queries import TicketListQuery, ids_in_view

__all__ = [
    "ChangeListener",
    "ListenUnavailable",
    "LiveChanges",
    "LiveDeskService",
    "open_listener",
]

# The change log keeps this many rows; a window asleep for longer than that many changes
# reloads its view when it wakes (its cursor is older than the oldest row).
KEEP_CHANGES = 50_000
PRUNE_AT_MOST = 20_000
# More new rows than this in one read (a colleague's import or seed):
# the window reloads its view once instead of being told every ticket.
MAX_ROWS = 5_000


@dataclass(frozen=True)
class LiveChanges:
    """What changed since the previous cursor: plain data for the GUI thread.
    `reload` means the log could not say exactly (pruned or given up on): reload the view."""

    cursor: ChangeCursor
    ticket_ids: frozenset[int]
    reload: bool = False


class LiveDeskService:
    """Reads of the change log for one window; `prune` keeps the log short (any window may
    prune: the rows are the same for all)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def is_postgresql(self) -> bool:
        return self._db.engine.dialect.name == "postgresql"

    def start(self) -> ChangeCursor:
        """A cursor at the newest change: what the window shows now is its start."""
        with self._db.session_scope() as s:
            return ChangeCursor(last=change_log.latest_seq(s))

    def changes(self, cursor: ChangeCursor, *, now: datetime) -> LiveChanges:
        """The tickets changed after `cursor` (one indexed range query)."""
        with self._db.session_scope() as s:
            rows = change_log.changes_after(s, cursor.last, cursor.gaps,
                                            limit=MAX_ROWS + 1)
            if len(rows) > MAX_ROWS:
                return LiveChanges(cursor=ChangeCursor(last=change_log.latest_seq(s)),
                                   ticket_ids=frozenset(), reload=True)
            first_new = next((seq for seq, _ in rows if seq > cursor.last), None)
            # A hole right above the cursor: rows it never read may have been pruned.
            oldest = change_log.oldest_seq(s) \
                if first_new is not None and first_new > cursor.last + 1 else None
        after = cursor.advance((seq for seq, _ in rows), now)
        pruned = oldest is not None and oldest > cursor.last + 1
        return LiveChanges(cursor=after, ticket_ids=frozenset(t for _, t in rows),
                           reload=after.lost or pruned)

    def in_view(self, query: TicketListQuery, ids: Sequence[int]) -> set[int]:
        """Which of `ids` the window's current view shows now."""
        with self._db.session_scope() as s:
            return ids_in_view(s, query, ids)

    def listener(self) -> ChangeListener:
        return open_listener(self._db)

    def prune(self, keep: int = KEEP_CHANGES, at_most: int = PRUNE_AT_MOST) -> int:
        with self._db.session_scope() as s:
            return change_log.prune(s, keep=keep, at_most=at_most)


def open_listener(db: Database) -> ChangeListener:
    """A LISTEN connection on the desk (raises ListenUnavailable on SQLite, or the
    driver's error when the server refuses)."""
    return ChangeListener(db.engine)
