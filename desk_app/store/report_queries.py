"""The three queries a period report runs, as plain SQL over the stored form.

A year's report on a desk of 100,000 tickets touches every ticket and several hundred
thousand events; ORM objects (even SQLAlchemy's row processing) would cost more than the
queries. So these read the driver's cursor with `fetchall`, and instants travel as the
stored text (naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`, which sorts like time): the domain
compares text with text and only the few instants that need arithmetic are parsed.

On PostgreSQL, where instants are `timestamp` values, the queries select them as that same
text (`to_char`), so the domain sees identical rows on both engines; parameters are bound
through SQLAlchemy's `text()` (`:name` on both; psycopg itself wants `%(name)s`), and the
text parameters compare with `timestamp` columns as PostgreSQL reads them as timestamps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from desk_app.domain.period_report import ReportFilter

CLOSED = "('resolved', 'closed')"


def instant_key(at: datetime) -> str:
    """An instant in the stored text form, for comparisons in SQL and in Python."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@dataclass(frozen=True)
class _Where:
    """The filter as SQL over `t` (ticket) and its joined names, with its parameters."""

    sql: str
    params: dict[str, Any]


def _where(flt: ReportFilter, **params: Any) -> _Where:
    clauses, out = ["1 = 1"], dict(params)
    for name, column, values in (("pri", "t.priority", flt.priorities),
                                 ("cat", "COALESCE(c.name, '')", flt.categories),
                                 ("org", "COALESCE(o.name, '')", flt.organizations),
                                 ("tech", "COALESCE(tech.name, '')", flt.technicians),
                                 ("chan", "t.channel", flt.channels)):
        if not values:
            continue
        keys = [f"{name}{i}" for i in range(len(values))]
        out.update(zip(keys, sorted(values), strict=True))
        clauses.append(f"{column} IN ({', '.join(':' + k for k in keys)})")
    return _Where(" AND ".join(clauses), out)


def instant_column(s: Session, column: str) -> str:
    """SQL selecting `column` (an instant) in the stored text form on either engine."""
    if s.connection().dialect.name == "postgresql":
        return f"to_char({column}, 'YYYY-MM-DD HH24:MI:SS.US')"
    return column


def _fetch(s: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """All rows from the driver's cursor (no SQLAlchemy row processing)."""
    result = s.connection().execute(text(sql), params)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


# Alive in [start, end): created before the end and either open now or changed since the
# start (every status change moves `updated_at`, so a ticket settled before the start and
# untouched since cannot have been open, or have moved, during the period).
_ALIVE = f"t.created_at < :end AND (t.status NOT IN {CLOSED} OR t.updated_at >= :start)"

TICKET_COLUMNS = ("id", "number", "priority", "created_at", "channel", "category",
                  "organization", "technician", "policy", "response_state",
                  "resolution_state", "response_used_s", "resolution_used_s",
                  "response_due_at", "resolution_due_at", "csat")


_TICKETS = """
    SELECT t.id, t.number, t.priority, {created}, t.channel, COALESCE(c.name, ''),
           COALESCE(o.name, ''), COALESCE(tech.name, ''), t.sla_policy, t.response_state,
           t.resolution_state, t.response_used_s, t.resolution_used_s, {response_due},
           {resolution_due}, t.csat_score
    FROM ticket t
    LEFT JOIN category c ON c.id = t.category_id
    LEFT JOIN organization o ON o.id = t.organization_id
    LEFT JOIN technician tech ON tech.id = t.assignee_id
    WHERE {where}
    ORDER BY t.id"""


def _tickets(s: Session, where: str, start: datetime, end: datetime, flt: ReportFilter
             ) -> list[tuple[Any, ...]]:
    """TICKET_COLUMNS tuples (instants as text) by id: the table's own order, as reading
    in creation order would jump around the file."""
    w = _where(flt, start=instant_key(start), end=instant_key(end))
    sql = _TICKETS.format(where=f"{where} AND {w.sql}", created=instant_column(s, "t.created_at"),
                          response_due=instant_column(s, "t.response_due_at"),
                          resolution_due=instant_column(s, "t.resolution_due_at"))
    return _fetch(s, sql, w.params)


def alive_tickets(s: Session, start: datetime, end: datetime, flt: ReportFilter
                  ) -> list[tuple[Any, ...]]:
    """Matching tickets alive in the period (see _ALIVE)."""
    return _tickets(s, _ALIVE, start, end, flt)


def created_tickets(s: Session, start: datetime, end: datetime, flt: ReportFilter
                    ) -> list[tuple[Any, ...]]:
    """Matching tickets created in [start, end)."""
    return _tickets(s, "t.created_at >= :start AND t.created_at < :end", start, end, flt)


# Moves between these (new -> in progress, mostly) change no figure: the ticket stays open
# and is not waiting. Leaving them out saves about a quarter of the rows.
_PLAIN_OPEN = "('new', 'in_progress')"


def status_changes(s: Session, start: datetime, end: datetime
                   ) -> Iterator[tuple[int, str, str | None, str]]:
    """(ticket id, at, old, new) of the status changes of the tickets alive in the period
    that can change a figure, in ticket then time order (the index's order: no sort).

    Streamed in chunks: a year has several hundred thousand, and freeing them all at once
    at the end would hold the GIL for a tenth of a second (a visible stall)."""
    result = s.connection().execute(text(f"""
        SELECT e.ticket_id, {instant_column(s, "e.at")}, e.old_value, e.new_value
        FROM ticket t JOIN ticket_event e ON e.ticket_id = t.id
        WHERE {_ALIVE} AND e.kind = 'status_changed'
          AND NOT (e.old_value IN {_PLAIN_OPEN} AND e.new_value IN {_PLAIN_OPEN})
        ORDER BY e.ticket_id, e.at, e.id"""), {"start": instant_key(start),
                                               "end": instant_key(end)})
    try:
        while chunk := result.cursor.fetchmany(5000):
            yield from chunk
    finally:
        result.close()


def reply_and_handover_counts(s: Session, first_id: int, last_id: int
                              ) -> dict[int, tuple[int, int]]:
    """Public replies and hand-overs between technicians per ticket, for ticket ids in
    [first_id, last_id] (a range, so SQLite walks its index in order without sorting)."""
    rows = _fetch(s, """
    SELECT ticket_id, SUM(CASE WHEN kind = 'public_reply' THEN 1 ELSE 0 END),
           SUM(CASE WHEN kind = 'assigned' AND COALESCE(old_value, '') <> ''
                         AND COALESCE(new_value, '') <> '' AND old_value <> new_value
                    THEN 1 ELSE 0 END)
    FROM ticket_event
    WHERE ticket_id BETWEEN :first AND :last AND kind IN ('public_reply', 'assigned')
    GROUP BY ticket_id""", {"first": first_id, "last": last_id})
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}
