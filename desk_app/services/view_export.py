"""The window's "Tickets in this view" export: the tickets the table shows, in its order,
with its visible columns and then every SLA field (docs/exports.md).

The window hands over plain data — the view's ticket ids in display order and the export
names of its visible columns — so the filter, search and sort are exactly the ones on
screen, without this module knowing about widgets. Cells are made by the same code as the
full ticket export (export.ticket_select / ticket_cells), so a field reads the same in both
files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from operator import itemgetter
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import column, insert, table
from sqlmodel import col

from desk_app.domain.csv_cells import InstantText, safe_text
from desk_app.domain.sla_clock import over_target
from desk_app.services.export import (
    TICKET_COLUMNS,
    CsvOptions,
    target_cells,
    ticket_cells,
    ticket_select,
    write_safe_csv,
)
from desk_app.services.sla import (
    FIRST_RESPONSE,
    SlaService,
    time_left_text,
    urgent_clock,
)
from desk_app.store.bulk import raw_batches
from desk_app.store.engine import Database
from desk_app.store.models import Ticket
from desk_app.store.types import utc_from_driver

# The table's columns by export name, in the table's default order. Each reuses the
# TICKET_COLUMNS name of the field it shows ("Age" shows created_at); only "Time left" has
# no stored field of its own: it is the text the table shows, as of the export.
VIEW_COLUMNS: tuple[str, ...] = (
    "number", "priority", "title", "requester", "organization", "status", "time_left",
    "response_due_at", "resolution_due_at", "assignee", "created_at", "updated_at",
)
# Appended after the visible columns, unless already among them.
SLA_FIELDS: tuple[str, ...] = TICKET_COLUMNS[
    TICKET_COLUMNS.index("sla_policy"):TICKET_COLUMNS.index("csat_score")]

_TIME_LEFT = len(TICKET_COLUMNS)  # where a row's time-left cell goes, after its cells
_CHUNK = 200  # rows read, built and written at a time (as the full export)
# Raw row layout: (id, urgent due, *ticket_select source columns).
_LEAD = 2
_POLICY, _R_STATE, _R_DUE, _S_STATE, _S_DUE = (
    _LEAD + 16, _LEAD + 18, _LEAD + 19, _LEAD + 22, _LEAD + 23)
_R_TARGET, _R_USED, _S_TARGET, _S_USED = _LEAD + 20, _LEAD + 21, _LEAD + 24, _LEAD + 25


class UnknownColumn(ValueError):
    """A column name the view export does not know (a caller's mistake, not the user's)."""


def view_export_columns(visible: Sequence[str]) -> tuple[str, ...]:
    """The header of a view export: the visible columns as given (their on-screen order),
    then the SLA fields not already among them."""
    unknown = [c for c in visible if c not in VIEW_COLUMNS]
    if unknown:
        raise UnknownColumn(f"Not a ticket table column: {', '.join(unknown)}; "
                            f"known: {', '.join(VIEW_COLUMNS)}")
    head = tuple(dict.fromkeys(visible))  # a name once, first place kept
    return head + tuple(f for f in SLA_FIELDS if f not in head)


class ViewExportService:
    """Writes the tickets of a view, by id, in the order given."""

    def __init__(self, db: Database, sla: SlaService | None = None) -> None:
        self._db = db
        self._sla = sla

    def export_ticket_ids(self, out: IO[str], options: CsvOptions, *, ids: Sequence[int],
                          visible: Sequence[str], now: datetime) -> int:
        """Write the view export; returns the number of tickets written. Tickets deleted
        since the view was read are left out; `now` is the instant "time_left" speaks of."""
        columns = view_export_columns(visible)
        return write_safe_csv(out, columns, self.view_batches(
            ids, columns=columns, tz=options.tz, now=now), options)

    def view_batches(self, ids: Sequence[int], *, columns: Sequence[str], tz: str,
                     now: datetime) -> Iterator[list[list[str]]]:
        """Rows of `columns` (view_export_columns names) for `ids`, in that order, a
        chunk at a time, every cell already safe."""
        positions = [_TIME_LEFT if c == "time_left" else TICKET_COLUMNS.index(c)
                     for c in columns]
        pick = itemgetter(*positions)
        with_time_left = _TIME_LEFT in positions
        instant_text = InstantText(ZoneInfo(tz))
        target = target_cells()
        t = Ticket
        order = table("view_export_order", column("position"), column("ticket_id"))
        stmt = (ticket_select(col(t.id), col(t.sla_urgent_due_at))
                .join(order, order.c.ticket_id == t.id).order_by(order.c.position))
        with self._db.session_scope() as s:
            # The view's order as a temporary table (this connection only), joined once:
            # one pass instead of a query per chunk of ids (100,000 ids: 3-4 s -> 2 s).
            conn = s.connection()
            conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS view_export_order "
                                 "(position INTEGER PRIMARY KEY, ticket_id INTEGER)")
            conn.exec_driver_sql("DELETE FROM view_export_order")
            # Through SQLAlchemy, which speaks each driver's parameter style.
            conn.execute(insert(order), [{"position": i, "ticket_id": ticket_id}
                                         for i, ticket_id in enumerate(ids)])
            try:
                for rows in raw_batches(s, stmt, chunk=_CHUNK, stream=True):
                    cells = ticket_cells([r[_LEAD:] for r in rows], instant_text, target)
                    if with_time_left:
                        for row, line in zip(rows, cells, strict=True):
                            line.append(self._time_left(row, now))
                    # itemgetter of one position gives a bare cell, not a tuple; the SLA
                    # fields make sure there are always several.
                    yield [list(pick(line)) for line in cells]
            finally:
                temp = "pg_temp" if conn.dialect.name == "postgresql" else "temp"
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {temp}.view_export_order")

    def _time_left(self, row: Sequence[Any], now: datetime) -> str:
        # Compared as the driver's text (the same instant is stored the same way), parsed
        # only for the clock that is shown.
        response_state = _text(row[_R_STATE])
        label, state, due = urgent_clock(
            response_state=response_state, response_due_at=row[_R_DUE],
            resolution_state=_text(row[_S_STATE]), resolution_due_at=row[_S_DUE],
            urgent_due_at=row[1])
        over = over_target(row[_R_USED], row[_R_TARGET]) if label == FIRST_RESPONSE \
            else over_target(row[_S_USED], row[_S_TARGET])
        return safe_text(time_left_text(self._sla, _text(row[_POLICY]), state,
                                        utc_from_driver(due), now, label=label,
                                        over_s=over))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
