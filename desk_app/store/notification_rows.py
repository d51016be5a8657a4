"""Writing the monitor's notification memory so that each one is stored, and told, once.

Two windows of one technician (two workstations) may decide the same crossing at the same
moment; the unique key (ticket, clock, level, episode, technician) lets only one row in.
An INSERT that meets the other's row would fail the whole tick (PostgreSQL waits for the
other transaction, then raises a unique violation), so the rows go in with ON CONFLICT DO
NOTHING and RETURNING says which ones this transaction stored: only those are told.
Both SQLite (3.35 and later) and PostgreSQL have both clauses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk_app.store.models import SlaNotification

# (ticket id, clock, level, episode): what a stored row was about.
NotificationKey = tuple[int, str, str, int]
_KEY_COLUMNS = ("ticket_id", "clock", "level", "episode", "technician_id")
_CHUNK = 1000  # 8 columns a row: well under SQLite's 32,766 bound parameters


def insert_new(s: Session, rows: Sequence[dict[str, Any]]) -> set[NotificationKey]:
    """Store the rows not stored yet (by the unique key) and return the keys of those this
    call stored. Every row is for the same technician."""
    if not rows:
        return set()
    name = s.connection().dialect.name
    dialect_insert: Any = postgresql.insert if name == "postgresql" else sqlite.insert
    table: Any = SlaNotification.__table__  # type: ignore[attr-defined]
    stored: set[NotificationKey] = set()
    for start in range(0, len(rows), _CHUNK):
        stmt = (dialect_insert(table).values(list(rows[start:start + _CHUNK]))
                .on_conflict_do_nothing(index_elements=list(_KEY_COLUMNS))
                .returning(table.c.ticket_id, table.c.clock, table.c.level,
                           table.c.episode))
        stored.update((r[0], r[1], r[2], r[3]) for r in s.execute(stmt))
    return stored
