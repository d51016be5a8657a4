"""CSV exports: streamed row by row, UTF-8 (with a byte-order mark unless switched off),
RFC 4180 quoting and CRLF line ends, stable documented column names (docs/exports.md),
instants in ISO 8601 with the chosen zone's offset, durations in seconds and hours, and
formula-looking cells neutralised (domain/csv_cells.py) in every column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from desk_app.domain.csv_cells import InstantText, instant, safe_text, seconds_and_hours
from desk_app.domain.ticket import format_number
from desk_app.store.bulk import raw_batches
from desk_app.store.engine import Database
from desk_app.store.models import Category, Contact, Organization, Technician, Ticket

TICKET_COLUMNS: tuple[str, ...] = (
    "number", "title", "status", "priority", "category", "channel", "requester",
    "requester_email", "organization", "assignee", "product", "created_at", "updated_at",
    "first_response_at", "resolved_at", "closed_at", "sla_policy", "sla_risk",
    "response_state", "response_due_at", "response_target_s", "response_target_h",
    "response_used_s", "response_used_h", "resolution_state", "resolution_due_at",
    "resolution_target_s", "resolution_target_h", "resolution_used_s", "resolution_used_h",
    "csat_score", "description",
)


_CHUNK = 200  # rows read, built and written at a time (see ExportService.ticket_batches)


@dataclass(frozen=True)
class CsvOptions:
    tz: str = "UTC"
    bom: bool = True


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
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_text(h) for h in header])
    count = 0
    writerows = writer.writerows
    for batch in batches:
        writerows(batch)
        count += len(batch)
    return count


def open_for_csv(path: Path) -> IO[str]:
    # newline="" lets the csv module write CRLF itself and keep newlines inside cells.
    return path.open("w", encoding="utf-8", newline="")


class ExportService:
    """Exports the ticket list (more exports arrive with the reports)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def ticket_rows(self, *, tz: str, created_from: datetime | None = None,
                    created_to: datetime | None = None) -> Iterator[list[str]]:
        """Rows in TICKET_COLUMNS order, every cell already safe, streamed from the
        database in chunks."""
        for batch in self.ticket_batches(tz=tz, created_from=created_from,
                                         created_to=created_to):
            yield from batch

    def ticket_batches(self, *, tz: str, created_from: datetime | None = None,
                       created_to: datetime | None = None) -> Iterator[list[list[str]]]:
        """`ticket_rows` a chunk (_CHUNK rows) at a time, for `write_safe_csv`.

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
        with self._db.session_scope() as s:
            # Small chunks: a chunk's rows are freed before the collector's young generation
            # fills (700 objects), so none reach the older generations and no full
            # collection runs; at 2,000 rows a chunk, collections took 0.3 s of the export.
            for rows in raw_batches(s, stmt, chunk=_CHUNK):
                yield ticket_cells(rows, instant_text, target)

    def export_tickets(self, out: IO[str], options: CsvOptions, *,
                       created_from: datetime | None = None,
                       created_to: datetime | None = None) -> int:
        return write_safe_csv(out, TICKET_COLUMNS,
                              self.ticket_batches(tz=options.tz, created_from=created_from,
                                                  created_to=created_to), options)


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


def breach_rows(db: Database, sla: Any, *, tz: str, now: datetime,
                created_from: datetime | None = None,
                created_to: datetime | None = None) -> Iterator[list[Any]]:
    """One row per breached clock of the tickets created in the period: when it was due,
    when it stopped (empty while still running) and by how much it is or was overdue."""
    zone = ZoneInfo(tz)
    where = col(Ticket.id) > 0
    if created_from is not None:
        where = where & (col(Ticket.created_at) >= created_from)
    if created_to is not None:
        where = where & (col(Ticket.created_at) < created_to)
    with db.session_scope() as s:
        info = {r[0]: r[1:] for r in s.execute(
            select(col(Ticket.id), col(Ticket.number), col(Ticket.title), col(Ticket.priority),
                   col(Organization.name), col(Technician.name))
            .outerjoin(Organization, col(Organization.id) == Ticket.organization_id)
            .outerjoin(Technician, col(Technician.id) == Ticket.assignee_id)
            .where(where))}
        replays = sorted(sla.replay_many(s, where, now=now),
                         key=lambda item: info[item[0]][0])
    for ticket_id, result in replays:
        number, title, priority, org, tech = info[ticket_id]
        for kind, clock in (("first_response", result.first_response),
                            ("resolution", result.resolution)):
            if clock is None or clock.breached_at is None:
                continue
            end = clock.stopped_at or now
            overdue = max(0.0, (end - clock.breached_at).total_seconds())
            seconds, hours = seconds_and_hours(overdue)
            yield [format_number(number), title, priority.value, org or "", tech or "", kind,
                   result.policy or "", instant(clock.breached_at, zone),
                   instant(clock.stopped_at, zone), "yes" if clock.stopped_at is None else "no",
                   seconds, hours]
