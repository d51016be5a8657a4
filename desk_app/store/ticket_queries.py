"""The ticket list's queries: filter, search and sort run in SQL, rows are fetched by id.

The table model keeps only the ordered ids of the current view and asks for rows a page at a
time, so a desk of 100,000 tickets opens without loading them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    any_,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from desk_app.domain.enums import Priority, Status
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockState, over_target
from desk_app.domain.ticket import parse_number
from desk_app.store.bulk import raw_rows
from desk_app.store.models import Contact, Organization, Technician, Ticket
from desk_app.store.pg_sort_ranges import ids_by_ranges


class QuickFilter(StrEnum):
    """The buttons above the ticket table."""

    MINE = "mine"
    UNASSIGNED = "unassigned"
    OPEN = "open"
    WAITING = "waiting"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    RESOLVED = "resolved"
    ALL = "all"

    @property
    def label(self) -> str:
        return _FILTER_LABELS[self]


_FILTER_LABELS = {
    QuickFilter.MINE: "My tickets", QuickFilter.UNASSIGNED: "Unassigned",
    QuickFilter.OPEN: "Open", QuickFilter.WAITING: "Waiting", QuickFilter.AT_RISK: "At risk",
    QuickFilter.BREACHED: "Breached", QuickFilter.RESOLVED: "Resolved", QuickFilter.ALL: "All",
}


class SortKey(StrEnum):
    """Columns the list can be sorted by; each maps to an SQL expression below."""

    NUMBER = "number"
    PRIORITY = "priority"
    TITLE = "title"
    REQUESTER = "requester"
    ORGANIZATION = "organization"
    STATUS = "status"
    ASSIGNEE = "assignee"
    AGE = "age"
    UPDATED = "updated"
    RESPONSE_DUE = "response_due"
    RESOLUTION_DUE = "resolution_due"
    SLA = "sla"  # urgency: the earliest due of the running (or breached) clocks


@dataclass(frozen=True)
class TicketListQuery:
    """One view of the list: which tickets, in which order."""

    quick_filter: QuickFilter = QuickFilter.OPEN
    search: str = ""
    sort: SortKey = SortKey.UPDATED
    descending: bool = True
    status: Status | None = None
    me_technician_id: int | None = None


@dataclass(frozen=True)
class TicketRow:
    """What one line of the ticket table shows: plain values, safe to hand to any thread."""

    id: int
    number: int
    priority: Priority
    title: str
    requester: str
    organization: str
    status: Status
    assignee: str
    created_at: datetime
    updated_at: datetime
    sla_policy: str | None = None
    response_state: ClockState | None = None
    response_due_at: datetime | None = None
    resolution_state: ClockState | None = None
    resolution_due_at: datetime | None = None
    urgent_due_at: datetime | None = None
    risk: Risk | None = None
    response_over_s: float | None = None  # business time used beyond the target
    resolution_over_s: float | None = None
    assignee_active: bool = True  # False: deactivated, shown "(inactive)"


_OPEN = [s.value for s in Status if s.is_open]
_WAITING = [Status.WAITING_CUSTOMER.value, Status.WAITING_THIRD_PARTY.value]
_DONE = [Status.RESOLVED.value, Status.CLOSED.value]
_AT_RISK = [Risk.AT_RISK, Risk.CRITICAL]
# The primary key is NOT NULL in the table, whatever the model's `int | None` says.
_TICKET_ID = cast("ColumnElement[int]", col(Ticket.id))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _condition(qf: QuickFilter, me_technician_id: int | None
               ) -> ColumnElement[bool] | None:
    """What a quick filter shows, as one SQL condition (None: everything). The list and
    the counts on the buttons both use it, so they cannot disagree."""
    t = Ticket
    open_ = col(t.status).in_(_OPEN)
    if qf is QuickFilter.MINE:
        # With no current technician there is nothing that is "mine".
        return and_(open_, col(t.assignee_id) == (me_technician_id or -1))
    if qf is QuickFilter.UNASSIGNED:
        return and_(open_, col(t.assignee_id).is_(None))
    if qf is QuickFilter.OPEN:
        return open_
    if qf is QuickFilter.WAITING:
        return col(t.status).in_(_WAITING)
    if qf is QuickFilter.AT_RISK:
        return and_(open_, col(t.sla_risk).in_(_AT_RISK))
    if qf is QuickFilter.BREACHED:
        return and_(open_, col(t.sla_risk) == Risk.BREACHED)
    if qf is QuickFilter.RESOLVED:
        return col(t.status).in_(_DONE)
    return None  # ALL


def _apply_filters(stmt: Select, query: TicketListQuery) -> Select:
    condition = _condition(query.quick_filter, query.me_technician_id)
    if condition is not None:
        stmt = stmt.where(condition)
    if query.status is not None:
        stmt = stmt.where(col(Ticket.status) == query.status)
    return stmt


def _search_matches(search: str, *, dialect: str) -> Select:
    """Ids of tickets matching every word (number, title, description, requester).

    Run as an `id IN (...)` subquery: SQLite then scans the ticket table once and sorts the
    few matches, instead of walking a sort index and fetching every row it passes.

    PostgreSQL reads the matching requesters into an array first (`= ANY(ARRAY(...))`):
    then every branch of the OR is an index condition (the trigram indexes of migration
    0011, the requester and number B-trees) and the server ORs bitmaps, 2-20 ms at 100,000
    tickets; with `IN (subquery)` in the OR it scanned the whole table (85-115 ms).
    """
    stmt = select(col(Ticket.id))
    for word in search.split():
        pattern = f"%{_escape_like(word)}%"
        requesters = select(col(Contact.id)).where(or_(
            col(Contact.name).ilike(pattern, escape="\\"),
            col(Contact.email).ilike(pattern, escape="\\"),
        ))
        # ARRAY((SELECT ...)) is PostgreSQL's array-of-a-subquery syntax.
        by_requester = (col(Ticket.requester_id)
                        == any_(func.array(requesters.scalar_subquery()))
                        if dialect == "postgresql"
                        else col(Ticket.requester_id).in_(requesters))
        conditions: list[ColumnElement[bool]] = [
            col(Ticket.title).ilike(pattern, escape="\\"),
            col(Ticket.description).ilike(pattern, escape="\\"),
            by_requester,
        ]
        number = parse_number(word)
        if number is not None:
            conditions.append(col(Ticket.number) == number)
        stmt = stmt.where(or_(*conditions))
    return stmt


def ticket_ids(session: Session, query: TicketListQuery) -> list[int]:
    """The ids of the tickets in the view, in display order (ties broken by id).

    The tie-break is the id (the rowid every SQLite index carries), so sorting by an indexed
    column is a covering index scan with no table reads. PostgreSQL reads the sorts that
    would otherwise sort every row as index ranges (store/pg_sort_ranges.py); read them
    within `read_in_one_snapshot`.
    """
    requester = aliased(Contact)
    org = aliased(Organization)
    tech = aliased(Technician)
    sort_exprs: dict[SortKey, SQLColumnExpression[Any]] = {
        SortKey.NUMBER: col(Ticket.number),
        SortKey.PRIORITY: col(Ticket.priority),
        SortKey.TITLE: func.lower(Ticket.title),
        SortKey.REQUESTER: func.lower(requester.name),
        SortKey.ORGANIZATION: func.lower(org.name),
        SortKey.ASSIGNEE: func.lower(tech.name),
        SortKey.AGE: col(Ticket.created_at),
        SortKey.UPDATED: col(Ticket.updated_at),
        SortKey.RESPONSE_DUE: col(Ticket.response_due_at),
        SortKey.RESOLUTION_DUE: col(Ticket.resolution_due_at),
        SortKey.SLA: col(Ticket.sla_urgent_due_at),
    }
    stmt = _apply_filters(select(_TICKET_ID), query)
    dialect = session.get_bind().dialect.name
    if query.search.strip():
        stmt = stmt.where(col(Ticket.id).in_(_search_matches(query.search, dialect=dialect)))
    # "Age" ascending means youngest first, i.e. created_at descending.
    descending = query.descending != (query.sort is SortKey.AGE)
    if dialect == "postgresql":
        ranged = ids_by_ranges(session, stmt, query.sort.value, descending=descending)
        if ranged is not None:
            return ranged
    if query.sort is SortKey.REQUESTER:
        stmt = stmt.join(requester, col(requester.id) == Ticket.requester_id)
    if query.sort is SortKey.ORGANIZATION:
        stmt = stmt.outerjoin(org, col(org.id) == Ticket.organization_id)
    if query.sort is SortKey.ASSIGNEE:
        stmt = stmt.outerjoin(tech, col(tech.id) == Ticket.assignee_id)
    id_order = col(Ticket.id).desc() if descending else col(Ticket.id).asc()
    if query.sort is SortKey.STATUS:
        # Workflow order is not alphabetical, and sorting on a CASE expression sorts every
        # row. One index range per status, concatenated, reads them already in order.
        statuses = list(reversed(Status)) if descending else list(Status)
        ids: list[int] = []
        for status in statuses:
            ids.extend(_fetch_ids(session, stmt.where(col(Ticket.status) == status)
                                  .order_by(id_order)))
        return ids
    key = sort_exprs[query.sort]
    if query.sort in (SortKey.ORGANIZATION, SortKey.ASSIGNEE, SortKey.RESPONSE_DUE,
                      SortKey.RESOLUTION_DUE, SortKey.SLA):
        # Blanks (no organization, unassigned, no clock running) go last either way.
        stmt = stmt.order_by(key.is_(None))
    stmt = stmt.order_by(key.desc() if descending else key.asc(), id_order)
    return _fetch_ids(session, stmt)


def ids_in_view(session: Session, query: TicketListQuery, ids: Sequence[int]) -> set[int]:
    """Which of `ids` the view `query` shows now (its filter and search, the same
    conditions as `ticket_ids`): how a window learns that a colleague's change made a
    ticket enter or leave its list, without re-reading the whole view."""
    if not ids:
        return set()
    stmt = _apply_filters(select(_TICKET_ID), query).where(_TICKET_ID.in_(list(ids)))
    if query.search.strip():
        dialect = session.get_bind().dialect.name
        stmt = stmt.where(col(Ticket.id).in_(_search_matches(query.search, dialect=dialect)))
    return set(_fetch_ids(session, stmt))


def _fetch_ids(session: Session, stmt: Select) -> list[int]:
    """Run a one-column integer query and read the DBAPI cursor directly.

    SQLAlchemy's per-row result processing costs more than the query itself for 100,000
    ids; integer ids need no processing, so the rows are taken straight from the driver.
    """
    return [row[0] for row in raw_rows(session, stmt)]


def ticket_rows(session: Session, ids: Sequence[int]) -> dict[int, TicketRow]:
    """The rows for these ids (any order; missing ids were deleted meanwhile)."""
    if not ids:
        return {}
    requester = aliased(Contact)
    org = aliased(Organization)
    tech = aliased(Technician)
    stmt = (
        select(_TICKET_ID, col(Ticket.number), col(Ticket.priority), col(Ticket.title),
               col(requester.name), col(org.name), col(Ticket.status), col(tech.name),
               col(Ticket.created_at), col(Ticket.updated_at), col(Ticket.sla_policy),
               col(Ticket.response_state), col(Ticket.response_due_at),
               col(Ticket.resolution_state), col(Ticket.resolution_due_at),
               col(Ticket.sla_urgent_due_at), col(Ticket.sla_risk),
               col(Ticket.response_used_s), col(Ticket.response_target_s),
               col(Ticket.resolution_used_s), col(Ticket.resolution_target_s),
               col(tech.active))
        .join(requester, col(requester.id) == Ticket.requester_id)
        .outerjoin(org, col(org.id) == Ticket.organization_id)
        .outerjoin(tech, col(tech.id) == Ticket.assignee_id)
        .where(col(Ticket.id).in_(list(ids)))
    )
    return {
        r[0]: TicketRow(id=r[0], number=r[1], priority=r[2], title=r[3], requester=r[4],
                        organization=r[5] or "", status=r[6], assignee=r[7] or "",
                        created_at=r[8], updated_at=r[9], sla_policy=r[10],
                        response_state=r[11], response_due_at=r[12], resolution_state=r[13],
                        resolution_due_at=r[14], urgent_due_at=r[15], risk=r[16],
                        response_over_s=over_target(r[17], r[18]),
                        resolution_over_s=over_target(r[19], r[20]),
                        assignee_active=r[21] is None or bool(r[21]))
        for r in session.execute(stmt)
    }


def max_ticket_number(session: Session) -> int | None:
    """The highest ticket number on the desk (the unique index answers it directly)."""
    return session.execute(select(func.max(Ticket.number))).scalar()


def count_by_filter(session: Session, me_technician_id: int | None) -> dict[QuickFilter, int]:
    """How many tickets each quick filter shows, for the counts on its button (one scan)."""
    filters = list(QuickFilter)
    conditions = [_condition(qf, me_technician_id) for qf in filters]
    row = session.execute(select(*(func.count() if c is None else func.count().filter(c)
                                   for c in conditions))).one()
    return dict(zip(filters, row, strict=True))
