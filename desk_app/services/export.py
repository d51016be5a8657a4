"""Every CSV the app writes goes through `write_csv`/`write_safe_csv` here (a test keeps it
so): streamed row by row, UTF-8 (with a byte-order mark unless switched off),
RFC 4180 quoting and CRLF line ends, stable documented column names (docs/exports.md),
instants in ISO 8601 with the chosen zone's offset, durations in seconds and hours, and
formula-looking cells neutralised (domain/csv_cells.py) in every column.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, text
from sqlalchemy.orm import aliased
from sqlmodel import col

from desk_app.domain.csv_cells import InstantText, safe_text, seconds_and_hours
from desk_app.domain.sla_clock import ClockState
from desk_app.domain.ticket import format_number
from desk_app.platform.private import shared_file_mode
from desk_app.store.bulk import raw_batches
from desk_app.store.engine import Database
from desk_app.store.models import Category, Contact, Organization, Technician, Ticket
from desk_app.store.report_queries import instant_column, instant_key
from desk_app.store.types import utc_from_driver

TICKET_COLUMNS: tuple[str, ...] = (
    "number", "title", "status", "priority", "category", "channel", "requester",
    "requester_email", "organization", "assignee", "product", "created_at", "updated_at",
    "first_response_at", "resolved_at", "closed_at", "sla_policy", "sla_risk",
    "response_state", "response_due_at", "response_target_s", "response_target_h",
    "response_used_s", "response_used_h", "resolution_state", "resolution_due_at",
    "resolution_target_s", "resolution_target_h", "resolution_used_s", "resolution_used_h",
    "csat_score", "description",
)


_CHUNK = 200  # rows read, built and written at a time (see ticket_batches)


@dataclass(frozen=True)
class CsvOptions:
    tz: str = "UTC"
    bom: bool = True
    # Files get RFC 4180's CRLF; text printed to a terminal gets "\n", which the console
    # stream turns into the platform's own line end (CRLF there would become CR CR LF on
    # Windows).
    line_end: str = "\r\n"


def write_csv(out: IO[str], header: Iterable[str], rows: Iterable[Iterable[Any]],
              options: CsvOptions) -> int:
    """Write a header and rows (each cell made safe); returns the number of data rows."""
    return write_safe_csv(out, header, ([list(map(safe_text, row))] for row in rows), options)


def write_safe_csv(out: IO[str], header: Iterable[str], batches: Iterable[list[list[str]]],
                   options: CsvOptions) -> int:
    """`write_csv` for exports that build their cells already made safe (every text cell
    through safe_text), in batches: one `writerows` per batch instead of a Python call per
    row and per cell. Returns the number of data rows."""
    if options.bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator=options.line_end, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_text(h) for h in header])
    count = 0
    writerows = writer.writerows
    for batch in batches:
        writerows(batch)
        count += len(batch)
    return count


@contextmanager
def open_for_csv(path: Path) -> Iterator[IO[str]]:
    """A CSV file to write that appears at `path` only when complete.

    Rows go to a temporary file beside it, renamed over `path` once the export finished: a
    failed export (a locked database, a full disk) leaves no half file and keeps whatever
    file was there before. The temporary file is created exclusively under an unpredictable
    name (mkstemp): a fixed name such as `.out.csv.part` let a planted symlink redirect the
    export onto another file. The rename replaces a link at `path` itself, so `path` ends up
    a regular file. The export then gets the mode the user's umask gives (exports are meant
    to be shared), not mkstemp's 0600. newline="" lets the csv module write CRLF itself and
    keep newlines inside cells."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    partial = Path(name)
    try:
        os.fchmod(fd, shared_file_mode())
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def ticket_batches(db: Database, *, tz: str, created_from: datetime | None = None,
                   created_to: datetime | None = None) -> Iterator[list[list[str]]]:
    """Rows in TICKET_COLUMNS order, every cell already safe, streamed from the database a
    chunk (_CHUNK rows) at a time, for `write_safe_csv`.

    Read straight from the driver's cursor (store.bulk.raw_batches): SQLAlchemy's
    per-value result processing (datetime parsing, enum lookups) cost more than the
    query. Enum columns arrive as their stored value text, which is what the export
    writes; instants arrive as UTC text and go through InstantText."""
    instant_text = InstantText(ZoneInfo(tz))
    target = target_cells()
    t = Ticket
    stmt = ticket_select().order_by(col(t.number))
    if created_from is not None:
        stmt = stmt.where(col(t.created_at) >= created_from)
    if created_to is not None:
        stmt = stmt.where(col(t.created_at) < created_to)
    with db.session_scope() as s:
        # Small chunks: a chunk's rows are freed before the collector's young generation
        # fills (700 objects), so none reach the older generations and no full
        # collection runs; at 2,000 rows a chunk, collections took 0.3 s of the export.
        for rows in raw_batches(s, stmt, chunk=_CHUNK, stream=True):
            yield ticket_cells(rows, instant_text, target)


def ticket_select(*lead: Any) -> Select[Any]:
    """The query behind TICKET_COLUMNS: `lead` columns first (for callers that need, say,
    the ticket id beside the row), then the 28 source columns `ticket_cells` unpacks, in
    order. Shared so that every ticket export formats the same fields the same way."""
    requester = aliased(Contact)
    t = Ticket
    return (
        select(*lead, col(t.number), col(t.title), col(t.status), col(t.priority),
               col(Category.name), col(t.channel), col(requester.name),
               col(requester.email), col(Organization.name), col(Technician.name),
               col(t.product), col(t.created_at), col(t.updated_at),
               col(t.first_response_at), col(t.resolved_at), col(t.closed_at),
               col(t.sla_policy), col(t.sla_risk), col(t.response_state),
               col(t.response_due_at), col(t.response_target_s), col(t.response_used_s),
               col(t.resolution_state), col(t.resolution_due_at),
               col(t.resolution_target_s), col(t.resolution_used_s), col(t.csat_score),
               col(t.description))
        .join(requester, col(requester.id) == t.requester_id)
        .outerjoin(Organization, col(Organization.id) == t.organization_id)
        .outerjoin(Technician, col(Technician.id) == t.assignee_id)
        .outerjoin(Category, col(Category.id) == t.category_id)
    )


def target_cells() -> Callable[[float | None], tuple[str, str]]:
    """`_duration` for SLA targets, memoised: targets come from a handful of policies, so
    each is formatted once (bounded, one cache per export)."""
    return lru_cache(maxsize=1024)(_duration)


def ticket_cells(rows: Iterable[Sequence[Any]], instant_text: InstantText,
                 target: Callable[[float | None], tuple[str, str]]) -> list[list[str]]:
    """Raw driver rows of `ticket_select()` (no lead columns) as TICKET_COLUMNS cells, every
    cell already safe. One call per chunk: the loop below is the export's hot path, so its
    names stay local."""
    safe = safe_text
    batch: list[list[str]] = []
    append = batch.append
    for (number, title, status, priority, category, channel, req_name, req_email,
         org, tech, product, created, updated, first_response, resolved, closed,
         policy, risk, r_state, r_due, r_target, r_used, s_state, s_due, s_target,
         s_used, csat, description) in rows:
        # Every cell that holds stored text goes through safe_text; the ones made here
        # (number, instants, durations) cannot start like a formula, except a negative
        # duration, which _duration neutralises itself.
        append([
            format_number(number), safe(title), safe(status), safe(priority),
            safe(category), safe(channel), safe(req_name), safe(req_email),
            safe(org), safe(tech), safe(product), instant_text(created),
            instant_text(updated), instant_text(first_response),
            instant_text(resolved), instant_text(closed), safe(policy),
            safe(risk), safe(r_state), instant_text(r_due), *target(r_target),
            *_duration(r_used), safe(s_state), instant_text(s_due),
            *target(s_target), *_duration(s_used), safe(csat),
            safe(description),
        ])
    return batch


def _duration(seconds: float | None) -> tuple[str, str]:
    """seconds_and_hours with both cells made safe (only a negative value needs it)."""
    if seconds is None:
        return "", ""
    if seconds < 0:
        whole, hours = seconds_and_hours(seconds)
        return safe_text(whole), safe_text(hours)
    return str(round(seconds)), f"{seconds / 3600:.2f}"


BREACH_COLUMNS: tuple[str, ...] = (
    "number", "title", "priority", "organization", "assignee", "target", "sla_policy",
    "due_at", "stopped_at", "still_open", "overdue_s", "overdue_h",
)

_BREACHED_STATES = (ClockState.BREACHED, ClockState.BREACHED_STOPPED)
_BREACHED = "(" + ", ".join(f"'{state.value}'" for state in _BREACHED_STATES) + ")"

# One row per ticket with a breached clock in the period, read from the stored clock columns
# (the ones the period report counts). A breached clock's stored due instant is its breach
# instant (domain/sla_clock.py). The stops: the resolution clock stops at the ticket's last
# move to Resolved (the only way out of the open statuses; a reopen clears resolved_at, so
# the stored value is that move); the first-response clock stops at the first public reply,
# move to In progress or resolution, and first_response_at does not record the last of
# these, so its stop comes from the events, and only for the rows that need it.
# Instants are selected in the stored text form on both engines (report_queries.instant_column).
_BREACH_SQL = f"""
SELECT t.number, t.title, t.priority, o.name, tech.name, t.sla_policy,
       t.response_state, {{response_due}},
       CASE WHEN t.response_state = '{ClockState.BREACHED_STOPPED.value}' THEN (
           SELECT {{first_stop}} FROM ticket_event e
           WHERE e.ticket_id = t.id
             AND (e.kind = 'public_reply' OR (e.kind = 'status_changed'
                  AND e.new_value IN ('in_progress', 'resolved')))) END,
       t.resolution_state, {{resolution_due}}, {{resolved}}
FROM ticket t
LEFT JOIN organization o ON o.id = t.organization_id
LEFT JOIN technician tech ON tech.id = t.assignee_id
WHERE (t.response_state IN {_BREACHED} AND t.response_due_at >= :start
       AND t.response_due_at < :end)
   OR (t.resolution_state IN {_BREACHED} AND t.resolution_due_at >= :start
       AND t.resolution_due_at < :end)
ORDER BY t.number"""

# Bounds for an open-ended period, in the stored text form (every instant sorts inside).
_EARLIEST, _LATEST = "0001-01-01 00:00:00.000000", "9999-12-31 23:59:59.999999"


def breach_rows(db: Database, *, tz: str, now: datetime,
                created_from: datetime | None = None,
                created_to: datetime | None = None) -> Iterator[list[str]]:
    """One row per clock that breached in [created_from, created_to) (either end open), by
    ticket number: when it was due, when it stopped (empty while it still runs) and by how
    much it is or was overdue.

    The period is the breach instant's, as in the period report's weekly breaches, so the
    list and the report count the same clocks; the parameter names predate that and stay
    for the callers. Read from the stored clocks, brought up to date first as the report
    does, instead of replaying every history: 100,000 tickets in a fraction of a second,
    in chunks, so memory does not grow with the desk. The caller brings the stored clocks
    up to date first (services/period_export.py does), as the report does."""
    instant_text = InstantText(ZoneInfo(tz))
    params = {"start": _EARLIEST if created_from is None else instant_key(created_from),
              "end": _LATEST if created_to is None else instant_key(created_to)}
    with db.session_scope() as s:
        sql = _BREACH_SQL.format(response_due=instant_column(s, "t.response_due_at"),
                                 first_stop=instant_column(s, "MIN(e.at)"),
                                 resolution_due=instant_column(s, "t.resolution_due_at"),
                                 resolved=instant_column(s, "t.resolved_at"))
        result = s.connection().execute(text(sql), params)
        try:
            while rows := result.cursor.fetchmany(_CHUNK):
                for (number, title, priority, org, tech, policy, r_state, r_due, r_stop,
                     s_state, s_due, s_stop) in rows:
                    ticket = [format_number(number), title, priority, org or "", tech or ""]
                    for kind, state, due, stop in (("first_response", r_state, r_due, r_stop),
                                                   ("resolution", s_state, s_due, s_stop)):
                        if (state not in _BREACHED_STATES or due is None
                                or not params["start"] <= due < params["end"]):
                            continue
                        stopped = stop if state == ClockState.BREACHED_STOPPED else None
                        end = now if stopped is None else utc_from_driver(stopped)
                        overdue = max(0.0, (end - utc_from_driver(due)).total_seconds())
                        yield [*ticket, kind, policy or "", instant_text(due),
                               instant_text(stopped), "yes" if stopped is None else "no",
                               *seconds_and_hours(overdue)]
        finally:
            result.close()
