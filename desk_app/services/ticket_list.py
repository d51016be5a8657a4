"""The ticket list as the window and `tickets list` read it."""

from __future__ import annotations

from collections.abc import Sequence

from desk_app.store.engine import Database
from desk_app.store.pg_sort_ranges import read_in_one_snapshot
from desk_app.store.ticket_queries import (
    QuickFilter,
    SortKey,
    TicketListQuery,
    TicketRow,
    count_by_filter,
    max_ticket_number,
    ticket_ids,
    ticket_rows,
)

__all__ = ["QuickFilter", "SortKey", "TicketListQuery", "TicketListService", "TicketRow"]


class TicketListService:
    """Read-only queries over the ticket list; each call is one short session."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def ids(self, query: TicketListQuery) -> list[int]:
        with self._db.session_scope() as s:
            read_in_one_snapshot(s)  # a view may be read in several statements
            return ticket_ids(s, query)

    def rows(self, ids: Sequence[int]) -> dict[int, TicketRow]:
        with self._db.session_scope() as s:
            return ticket_rows(s, ids)

    def counts(self, me_technician_id: int | None) -> dict[QuickFilter, int]:
        with self._db.session_scope() as s:
            return count_by_filter(s, me_technician_id)

    def max_number(self) -> int | None:
        """The highest ticket number (None on an empty desk): how wide numbers get."""
        with self._db.session_scope() as s:
            return max_ticket_number(s)

    def list_rows(self, query: TicketListQuery) -> list[TicketRow]:
        """Every row of a view, in order (for the command line and exports)."""
        with self._db.session_scope() as s:
            read_in_one_snapshot(s)
            ids = ticket_ids(s, query)
            out: list[TicketRow] = []
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                rows = ticket_rows(s, chunk)
                out.extend(rows[i] for i in chunk if i in rows)
            return out
