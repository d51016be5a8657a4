"""Bulk reads and writes below the ORM, for work over thousands of rows.

Writes: Core `executemany` inserts, thousands of rows a statement, in one transaction, for
the demo and benchmark generator and the CSV import (100,000 tickets with their histories
take seconds instead of the minutes the ORM would need), and batched UPDATEs by primary key
for the SLA clocks. Reads: rows straight from the driver's cursor for the exports, the
ticket list and the SLA replay of many tickets.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from desk_app.domain.enums import Channel, EventKind, Impact, Priority, Status, Urgency
from desk_app.store.models import (
    Category,
    Contact,
    Organization,
    Technician,
    Ticket,
    TicketEvent,
)


def insert_rows(s: Session, table: Any, rows: Iterable[Mapping[str, Any]],
                batch: int = 5000) -> int:
    """Insert plain dict rows in batches; returns how many were written. Rows that carry
    their own ids leave PostgreSQL's id sequence behind: it is advanced after them."""
    count = 0
    explicit_ids = False
    chunk: list[Mapping[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            explicit_ids = explicit_ids or "id" in chunk[0]
            s.execute(insert(table), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        explicit_ids = explicit_ids or "id" in chunk[0]
        s.execute(insert(table), chunk)
        count += len(chunk)
    if explicit_ids:
        advance_id_sequence(s, table)
    return count


def advance_id_sequence(s: Session, table: Any) -> None:
    """PostgreSQL: set `table`'s id sequence to its highest id, so the next row saved
    without an id (a ticket or contact made in the window) gets a new one; after a seed or
    an import they failed with UniqueViolation on ticket_pkey/contact_pkey. SQLite picks
    max(id) + 1 by itself. (A sequence is not rolled back with the rows: an import that
    fails later leaves a gap in the ids, nothing worse.)"""
    if s.connection().dialect.name != "postgresql":
        return
    s.execute(text(
        "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
        f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
        f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"), {"table": table.name})


# Any fixed 64-bit key; it names "the right to pick ticket numbers and bulk ids" on a
# PostgreSQL server (store/numbering.py takes it for every ticket created).
WRITE_LOCK_KEY = 0x6465736B_6E756D  # "desknum"


def lock_for_writing(s: Session) -> None:
    """Take the database's write lock at the start of `s`'s transaction, before ids are
    read with `max_ids`: SQLite otherwise locks only at the first INSERT, and a ticket or
    contact saved in between would take an id already chosen here. Waits up to the busy
    timeout for another writer, then raises OperationalError ("database is locked").
    PostgreSQL: the transaction-scoped advisory lock every ticket creation takes, so a
    ticket saved during an import or a seed waits for it (and then gets the next number
    and, the sequences advanced, the next id) instead of clashing with the rows chosen here.
    """
    connection = s.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": WRITE_LOCK_KEY})
        return
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    if driver is not None and not driver.in_transaction:  # a write already holds the lock
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def max_ids(s: Session) -> dict[str, int]:
    """The highest id (or number) used so far, so generated rows can pick their own ids."""
    def top(col: Any) -> int:
        return int(s.execute(select(func.max(col))).scalar() or 0)
    return {
        "organization": top(Organization.id), "contact": top(Contact.id),
        "technician": top(Technician.id), "category": top(Category.id),
        "ticket": top(Ticket.id),
        "ticket_number": top(Ticket.number), "event": top(TicketEvent.id),
    }


def ticket_row(*, id: int, number: int, title: str, description: str, requester_id: int,
               organization_id: int | None, category_id: int | None, priority: Priority,
               impact: Impact, urgency: Urgency, status: Status, channel: Channel,
               assignee_id: int | None, created_at: datetime, updated_at: datetime,
               first_response_at: datetime | None, resolved_at: datetime | None,
               closed_at: datetime | None, resolution_note: str | None,
               csat_score: int | None = None, sla: Mapping[str, Any]) -> dict[str, Any]:
    """One ticket as a plain row for `insert_rows`, every column named once here (the import
    and the demo generator each wrote the whole dict by hand). `sla` is the clock columns of
    its replay (services/sla.py clock_columns). Bulk-written tickets start at version 1,
    with no product, no priority override and no CSAT comment."""
    return {
        "id": id, "number": number, "title": title, "description": description,
        "requester_id": requester_id, "organization_id": organization_id,
        "category_id": category_id, "product": None, "priority": priority,
        "priority_overridden": False, "impact": impact, "urgency": urgency,
        "status": status, "channel": channel, "assignee_id": assignee_id,
        "created_at": created_at, "updated_at": updated_at,
        "first_response_at": first_response_at, "resolved_at": resolved_at,
        "closed_at": closed_at, "resolution_note": resolution_note, "version": 1,
        "csat_score": csat_score, "csat_comment": None, **sla,
    }


def event_row(*, ticket_id: int, at: datetime, actor: str, kind: EventKind,
              field: str | None = None, old_value: str | None = None,
              new_value: str | None = None, body: str | None = None) -> dict[str, Any]:
    """One ticket event as a plain row for `insert_rows` (every key present: an
    executemany batch needs the same keys in every row)."""
    return {"ticket_id": ticket_id, "at": at, "actor": actor, "kind": kind, "field": field,
            "old_value": old_value, "new_value": new_value, "body": body}


TABLES = {
    "organization": Organization.__table__,  # type: ignore[attr-defined]
    "contact": Contact.__table__,  # type: ignore[attr-defined]
    "technician": Technician.__table__,  # type: ignore[attr-defined]
    "category": Category.__table__,  # type: ignore[attr-defined]
    "ticket": Ticket.__table__,  # type: ignore[attr-defined]
    "event": TicketEvent.__table__,  # type: ignore[attr-defined]
}


def update_tickets(s: Session, rows: list[dict[str, Any]], batch: int = 500) -> int:
    """Bulk UPDATE of ticket rows by primary key (each dict has "id" and the same other
    keys), in small batches: one statement of 90,000 rows would hold the GIL, and so the
    window, for a while.

    The statement is compiled once for the connection's dialect and each value converted
    by its column type's own bind processor, then handed to the driver's executemany. The
    ORM's bulk update by primary key spent about 4 of its 5.5 s building and checking each
    row's parameters when a calendar edit rewrote 89,000 tickets (17 columns each)."""
    _update_many(s, rows, batch)
    return len(rows)


def update_tickets_unless_changed(s: Session, rows: list[dict[str, Any]], *, guard: str,
                                  batch: int = 500) -> int:
    """`update_tickets`, each row only while its column `guard` still holds the value the
    row carries under `seen_<guard>` (NULL-safe): a compare-and-set, so that of two writers
    that read the same row, the second one's write finds it changed and writes nothing
    (PostgreSQL re-checks the condition once the first one's row lock is released).
    Returns how many rows were written (the driver's summed executemany row count)."""
    return _update_many(s, rows, batch, guard=guard)


def _update_many(s: Session, rows: list[dict[str, Any]], batch: int, *,
                 guard: str | None = None) -> int:
    if not rows:
        return 0
    table = TABLES["ticket"]
    seen = f"seen_{guard}" if guard else None
    keys = [k for k in rows[0] if k not in ("id", seen)]
    conn = s.connection()
    dialect = conn.dialect
    where = table.c.id == bindparam("row_id")
    if guard is not None:
        where = where & table.c[guard].is_not_distinct_from(bindparam(seen))
    compiled = (update(table).where(where)
                .values({k: bindparam(k) for k in keys})).compile(dialect=dialect)
    names = list(compiled.positiontup or ()) if compiled.positional \
        else list(compiled.binds)
    types = {"row_id": table.c.id.type, **{k: table.c[k].type for k in keys}}
    if guard is not None:
        types[f"seen_{guard}"] = table.c[guard].type
    # The processors SQLAlchemy itself applies (the column type, then the dialect's form of
    # its impl): SQLite's DATETIME writes "2026-11-16 12:10:00.000000", and only that text
    # sorts and compares right against the rest of the column. The type's plain
    # bind_processor would leave the driver's own format, without the microseconds.
    procs = [(name, types[name]._cached_bind_processor(dialect)) for name in names]
    written = 0
    for start in range(0, len(rows), batch):
        params = []
        for r in rows[start:start + batch]:
            values = [r["id"] if name == "row_id" else r[name] for name, _ in procs]
            values = [v if p is None or v is None else p(v)
                      for v, (_, p) in zip(values, procs, strict=True)]
            params.append(tuple(values) if compiled.positional
                          else dict(zip(names, values, strict=True)))
        written += conn.exec_driver_sql(compiled.string, params).rowcount
    return written


def raw_rows(s: Session, stmt: Any, chunk: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Rows straight from the driver's cursor, `chunk` at a time, with no SQLAlchemy type
    processing (callers convert the few columns that need it, see
    types.utc_from_driver). For reads of hundreds of thousands of rows, where that
    processing costs more than the query; small chunks keep each C-level fetch short, so
    the GUI thread is never held up."""
    for batch in raw_batches(s, stmt, chunk):
        yield from batch


# Rows a PostgreSQL server-side cursor brings per round trip when streaming (`raw_batches`):
# at 5,000 the export held 16.5 MB of rows at its peak (tracemalloc), at 1,000 4.3 MB.
SERVER_FETCH_ROWS = 1000


def raw_batches(s: Session, stmt: Any, chunk: int = 2000, *, stream: bool = False
                ) -> Iterator[Sequence[Any]]:
    """`raw_rows` a chunk at a time, for callers that work on whole batches (CSV exports hand
    each one to `csv.writer.writerows`).

    `stream`: keep memory at one chunk whatever the row count on PostgreSQL too. psycopg's
    ordinary cursor receives the whole result at execute (SQLite's steps through it), so
    exporting 10,000 of 100,000 tickets took 177 MB RSS there, all 100,000 rows in libpq's
    buffer; streaming reads them through a server-side cursor, SERVER_FETCH_ROWS at a
    time. Not for the ticket list's ids: those are wanted whole, in one round trip."""
    connection = s.connection()
    if stream and connection.dialect.name == "postgresql":
        yield from _server_side_batches(connection, stmt, chunk)
        return
    result = connection.execute(stmt)
    cursor = result.cursor
    try:
        while rows := cursor.fetchmany(chunk):
            yield rows
    finally:
        result.close()


def _server_side_batches(connection: Connection, stmt: Any, chunk: int
                         ) -> Iterator[Sequence[Any]]:
    """`stmt` through a psycopg server-side (named) cursor, in this transaction, with no
    SQLAlchemy row processing. SQLAlchemy's own `stream_results` reads the first row ahead
    into its result, so taking rows from its cursor lost that row: the statement is
    compiled here and its parameters converted by their types' bind processors (as
    `update_tickets` does), then handed to the driver."""
    dialect = connection.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    processors = compiled._bind_processors
    params = {name: processors[name](value) if name in processors and value is not None
              else value for name, value in compiled.construct_params().items()}
    driver = connection.connection.dbapi_connection
    assert driver is not None  # a connection in use has its driver connection
    cursor = driver.cursor(name=f"desk_stream_{next(_stream_names)}")
    try:
        cursor.execute(compiled.string, params)
        while fetched := cursor.fetchmany(max(chunk, SERVER_FETCH_ROWS)):
            for start in range(0, len(fetched), chunk):
                yield fetched[start:start + chunk]
    finally:
        cursor.close()


_stream_names = itertools.count(1)
