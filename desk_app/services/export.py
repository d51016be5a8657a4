"""CSV exports: streamed row by row, UTF-8 (with a byte-order mark unless switched off),
RFC 4180 quoting and CRLF line ends, stable documented column names (docs/exports.md),
instants in ISO 8601 with the chosen zone's offset, durations in seconds and hours, and
formula-looking cells neutralised (domain/csv_cells.py) in every column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import col

from desk_app.domain.csv_cells import instant, safe_text, seconds_and_hours
from desk_app.domain.ticket import format_number
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


@dataclass(frozen=True)
class CsvOptions:
    tz: str = "UTC"
    bom: bool = True


def write_csv(out: IO[str], header: Iterable[str], rows: Iterable[Iterable[Any]],
              options: CsvOptions) -> int:
    """Write a header and rows (each cell made safe); returns the number of data rows."""
    if options.bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_text(h) for h in header])
    count = 0
    write = writer.writerow
    for row in rows:
        write(list(map(safe_text, row)))
        count += 1
    return count


def open_for_csv(path: Path) -> IO[str]:
    # newline="" lets the csv module write CRLF itself and keep newlines inside cells.
    return path.open("w", encoding="utf-8", newline="")


class ExportService:
    """Exports the ticket list (more exports arrive with the reports)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def ticket_rows(self, *, tz: str, created_from: datetime | None = None,
                    created_to: datetime | None = None) -> Iterator[list[Any]]:
        """Rows in TICKET_COLUMNS order, streamed from the database in chunks."""
        zone = ZoneInfo(tz)
        requester = aliased(Contact)
        t = Ticket
        # Plain columns, not ORM entities: building 100,000 Ticket objects cost more than
        # everything else in the export together.
        stmt = (
            select(col(t.number), col(t.title), col(t.status), col(t.priority),
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
            .order_by(col(t.number))
        )
        if created_from is not None:
            stmt = stmt.where(col(t.created_at) >= created_from)
        if created_to is not None:
            stmt = stmt.where(col(t.created_at) < created_to)
        with self._db.session_scope() as s:
            for r in s.connection().execute(stmt.execution_options(yield_per=2000)):
                (number, title, status, priority, category, channel, req_name, req_email, org,
                 tech, product, created, updated, first_response, resolved, closed, policy,
                 risk, r_state, r_due, r_target, r_used, s_state, s_due, s_target, s_used,
                 csat, description) = r
                yield [
                    format_number(number), title, status.value, priority.value,
                    category or "", channel.value, req_name, req_email or "", org or "",
                    tech or "", product or "", instant(created, zone), instant(updated, zone),
                    instant(first_response, zone), instant(resolved, zone),
                    instant(closed, zone), policy or "", risk or "", r_state or "",
                    instant(r_due, zone), *seconds_and_hours(r_target),
                    *seconds_and_hours(r_used), s_state or "", instant(s_due, zone),
                    *seconds_and_hours(s_target), *seconds_and_hours(s_used),
                    "" if csat is None else csat, description,
                ]

    def export_tickets(self, out: IO[str], options: CsvOptions, *,
                       created_from: datetime | None = None,
                       created_to: datetime | None = None) -> int:
        return write_csv(out, TICKET_COLUMNS,
                         self.ticket_rows(tz=options.tz, created_from=created_from,
                                          created_to=created_to), options)


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
