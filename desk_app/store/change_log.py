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


def changes_after(s: Session, last: int, gaps: tuple[Gap, ...] = ()
                  ) -> list[tuple[int, int]]:
    """(seq, ticket_id) of the rows after `last` and inside `gaps`, in seq order."""
    seq = cast("ColumnElement[int]", col(DeskChange.seq))
    wanted: list[ColumnElement[bool]] = [seq > last]
    wanted += [seq.between(g.lo, g.hi) for g in gaps]
    rows = s.execute(select(seq, col(DeskChange.ticket_id)).where(or_(*wanted))
                     .order_by(seq))
    return [(int(r[0]), int(r[1])) for r in rows]


def prune(s: Session, *, keep: int) -> int:
    """Delete all but the newest `keep` rows; how many went. A window whose cursor is
    older than what is left notices (`oldest_seq`) and reloads its view."""
    newest = latest_seq(s)
    result = s.execute(delete(DeskChange).where(col(DeskChange.seq) <= newest - keep))
    return int(getattr(result, "rowcount", 0) or 0)
