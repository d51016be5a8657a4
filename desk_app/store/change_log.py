"""Reading and pruning `desk_change`, the log the triggers of migration 0010 write.

Every read is one range over the primary key: "after seq N" plus the few holes a
ChangeCursor still waits for (domain/change_cursor.py).
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.change_cursor import Gap
from desk_app.store.models import DeskChange

# What a NOTIFY from the triggers is sent on (PostgreSQL).
CHANNEL = "desk_app_change"


def latest_seq(s: Session) -> int:
    """The newest seq (0 on a desk with no change yet)."""
    newest = s.execute(select(func.max(DeskChange.seq))).scalar()
    return int(newest) if newest is not None else 0


def oldest_seq(s: Session) -> int | None:
    return s.execute(select(func.min(DeskChange.seq))).scalar()


def changes_after(s: Session, last: int, gaps: tuple[Gap, ...] = (), *,
                  limit: int | None = None) -> list[tuple[int, int]]:
    """(seq, ticket_id) of the rows after `last` and inside `gaps`, in seq order (the
    first `limit` of them)."""
    seq = cast("ColumnElement[int]", col(DeskChange.seq))
    wanted: list[ColumnElement[bool]] = [seq > last]
    wanted += [seq.between(g.lo, g.hi) for g in gaps]
    rows = s.execute(select(seq, col(DeskChange.ticket_id)).where(or_(*wanted))
                     .order_by(seq).limit(limit))
    return [(int(r[0]), int(r[1])) for r in rows]


def prune(s: Session, *, keep: int, at_most: int) -> int:
    """Delete the oldest rows beyond the newest `keep`, at most `at_most` of them (a
    100,000-ticket import leaves some 740,000 rows; deleting them in one statement would
    hold the write lock for seconds); how many went. A window whose cursor is older than
    what is left notices (`oldest_seq`) and reloads its view."""
    newest, oldest = latest_seq(s), oldest_seq(s)
    if oldest is None:
        return 0
    upto = min(newest - keep, oldest + at_most - 1)
    result = s.execute(delete(DeskChange).where(col(DeskChange.seq) <= upto))
    return int(getattr(result, "rowcount", 0) or 0)
