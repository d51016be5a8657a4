"""PostgreSQL: the list's sorts that a single ORDER BY cannot take from an index.

"Blanks last either way" (`ORDER BY due IS NULL, due, id`) and sorting by a joined name
(organization, assignee) make the server sort every row of the view: with 100,000 tickets
that is a 100,000-row sort, on disk at PostgreSQL's default work_mem, 100-400 ms against the
150 ms target. Both orders are a few ranges of an index laid end to end, as the status sort
already does (store/ticket_queries.py): the tickets with a due time in due order, then the
blank ones in id order; or each organization's tickets in id order, organizations in name
order, then the tickets with none. Each range is an index-only scan of migration 0011's
`(column, id)` indexes (milliseconds). SQLite keeps its one ORDER BY: its indexes carry the
id and it was within target.

The ranges are separate statements, so the caller reads them in one snapshot
(`read_in_one_snapshot`): otherwise a ticket whose due time is set between two of them
could be listed twice, or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.store.bulk import raw_rows
from desk_app.store.models import Organization, Technician, Ticket

# More distinct names than this and one range each would cost more than the sort it saves.
MAX_NAME_RANGES = 64


def read_in_one_snapshot(s: Session) -> None:
    """PostgreSQL: make `s`'s transaction REPEATABLE READ, so all its statements see the
    same committed data (READ COMMITTED takes a new snapshot per statement). Call it before
    the session's first statement; SQLite's read transaction is one snapshot already."""
    if s.get_bind().dialect.name == "postgresql":
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _due_column(sort: str) -> Any:
    return {"response_due": col(Ticket.response_due_at),
            "resolution_due": col(Ticket.resolution_due_at),
            "sla": col(Ticket.sla_urgent_due_at)}.get(sort)


def ids_by_ranges(session: Session, filtered: Select, sort: str, *, descending: bool
                  ) -> list[int] | None:
    """The ids of `filtered` (a one-column select of ticket ids, with the view's filters)
    in the order of `sort` (a SortKey value), read as index ranges; None when this sort is
    better left to one ORDER BY."""
    id_order = col(Ticket.id).desc() if descending else col(Ticket.id).asc()
    due = _due_column(sort)
    ranges: list[Select]
    if due is not None:
        ranges = [filtered.where(due.is_not(None))
                  .order_by(due.desc() if descending else due.asc(), id_order),
                  filtered.where(due.is_(None)).order_by(id_order)]
    elif sort in ("organization", "assignee"):
        table: Any = Organization if sort == "organization" else Technician
        key = col(Ticket.organization_id) if sort == "organization" \
            else col(Ticket.assignee_id)
        name = func.lower(table.name)
        # Grouped and ordered by the server, so names compare in its collation, as the
        # ORDER BY they replace did; equal names share a range, merged by id.
        groups = list(session.execute(select(name, func.array_agg(table.id)).group_by(name)
                                      .order_by(name)).all())
        if len(groups) > MAX_NAME_RANGES:
            return None
        if descending:
            groups.reverse()
        ranges = [filtered.where(key.in_(list(ids))).order_by(id_order)
                  for _name, ids in groups]
        ranges.append(filtered.where(key.is_(None)).order_by(id_order))
    else:
        return None
    out: list[int] = []
    for stmt in ranges:
        out.extend(row[0] for row in raw_rows(session, stmt))
    return out
