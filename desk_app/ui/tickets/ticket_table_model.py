"""The ticket table's model: ordered ids from SQL, rows fetched a page at a time.

Holding only ids keeps a 100,000-ticket view cheap to open and sort (Anki's browser does the
same); rows are read in pages of PAGE_SIZE when the view first paints them and kept in a
bounded cache.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.enums import Priority
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockState
from desk_app.domain.ticket import format_number
from desk_app.services.clock import Clock
from desk_app.services.sla import FIRST_RESPONSE, SlaService, time_left_text, urgent_clock
from desk_app.services.ticket_list import (
    SortKey,
    TicketListQuery,
    TicketListService,
    TicketRow,
)
from desk_app.ui.common.formatting import full_time, local_time, short_duration
from desk_app.ui.common.plain import plain_tooltip
from desk_app.ui.sla.risk_style import risk_icon, tint

log = logging.getLogger(__name__)
PAGE_SIZE = 200
_ROOT = QModelIndex()
CACHE_ROWS = 5000
TICKET_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RISK_ROLE = Qt.ItemDataRole.UserRole + 2


class Column(IntEnum):
    NUMBER = 0
    PRIORITY = 1
    TITLE = 2
    REQUESTER = 3
    ORGANIZATION = 4
    STATUS = 5
    TIME_LEFT = 6
    RESPONSE_DUE = 7
    RESOLUTION_DUE = 8
    ASSIGNEE = 9
    AGE = 10
    UPDATED = 11


# One row per column: its header, its name in a "Tickets in this view" export
# (services/view_export.py, docs/exports.md) and the SQL sort it asks for.
_COLUMNS: dict[Column, tuple[str, str, SortKey]] = {
    Column.NUMBER: ("Number", "number", SortKey.NUMBER),
    Column.PRIORITY: ("Priority", "priority", SortKey.PRIORITY),
    Column.TITLE: ("Title", "title", SortKey.TITLE),
    Column.REQUESTER: ("Requester", "requester", SortKey.REQUESTER),
    Column.ORGANIZATION: ("Organization", "organization", SortKey.ORGANIZATION),
    Column.STATUS: ("Status", "status", SortKey.STATUS),
    Column.TIME_LEFT: ("Time left", "time_left", SortKey.SLA),
    Column.RESPONSE_DUE: ("Response due", "response_due_at", SortKey.RESPONSE_DUE),
    Column.RESOLUTION_DUE: ("Resolution due", "resolution_due_at", SortKey.RESOLUTION_DUE),
    Column.ASSIGNEE: ("Assignee", "assignee", SortKey.ASSIGNEE),
    Column.AGE: ("Age", "created_at", SortKey.AGE),
    Column.UPDATED: ("Updated", "updated_at", SortKey.UPDATED),
}
HEADERS = {column: header for column, (header, _, _) in _COLUMNS.items()}
EXPORT_NAMES = {column: name for column, (_, name, _) in _COLUMNS.items()}
SORT_KEYS = {column: key for column, (_, _, key) in _COLUMNS.items()}
COLUMN_FOR_SORT = {v: k for k, v in SORT_KEYS.items()}
PRIORITY_NAMES = {p: p.label for p in Priority}
# A coloured mark beside the priority text (the text stays: colour is never the only cue).
PRIORITY_COLOURS = {Priority.P1: "#d32f2f", Priority.P2: "#ef6c00", Priority.P3: "#1e88e5",
                    Priority.P4: "#9e9e9e"}
_ICONS: dict[Priority, QIcon] = {}


def priority_icon(priority: Priority) -> QIcon:
    """A small filled circle in the priority's colour, made once per priority."""
    icon = _ICONS.get(priority)
    if icon is None:
        pixmap = QPixmap(12, 12)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(PRIORITY_COLOURS[priority]))
        painter.drawEllipse(1, 1, 10, 10)
        painter.end()
        icon = _ICONS[priority] = QIcon(pixmap)
    return icon


class TicketTableModel(QAbstractTableModel):
    """Rows of the current query; `set_query` replaces the view, `refresh_rows` updates
    rows in place (selection and scroll position stay)."""

    query_changed = Signal(object)  # the new TicketListQuery
    number_width_changed = Signal()  # a ticket number with more digits than before

    def __init__(self, lists: TicketListService, clock: Clock, parent: Any = None, *,
                 sla: SlaService | None = None) -> None:
        super().__init__(parent)
        self._lists = lists
        self._sla = sla
        self._clock = clock
        self._query = TicketListQuery()
        self._ids: list[int] = []
        self._row_of: dict[int, int] | None = None  # built on first lookup
        self._cache: OrderedDict[int, TicketRow] = OrderedDict()
        self._now = clock()
        # The "Time left" text per ticket for the current countdown step, with the row it
        # was computed from: a running clock asks the calendar for business seconds, and Qt
        # asks for a cell's text on every paint (display and accessibility roles, hover,
        # scrolling), so it is computed once per row per step. Cleared whenever `_now`
        # moves (`_step`); a row re-read from the database is recomputed.
        self._time_left_texts: dict[int, tuple[TicketRow, str]] = {}
        self._max_number = 0

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(Column):
            return HEADERS[Column(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        ticket_id = self._ids[index.row()]
        if role == TICKET_ID_ROLE:
            return ticket_id
        row = self._row(index.row())
        if row is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (Column.AGE, Column.UPDATED):
                return f"Created {full_time(row.created_at)}\nUpdated {full_time(row.updated_at)}"
            if column is Column.TITLE:
                return plain_tooltip(row.title)
            if column is Column.TIME_LEFT:
                return self._time_left_tooltip(row)
            if column is Column.ASSIGNEE and not row.assignee_active:
                return plain_tooltip(f"{row.assignee} is deactivated: the ticket stays "
                                     "theirs until someone reassigns it")
            return None
        if role == Qt.ItemDataRole.FontRole and column is Column.ASSIGNEE \
                and not row.assignee_active:
            # Italic as well as the "(inactive)" words: a narrow column elides the words.
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.AGE, Column.NUMBER):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.PRIORITY:
            return priority_icon(row.priority)
        if column is Column.TIME_LEFT and row.risk:
            risk = Risk(row.risk)
            if role == Qt.ItemDataRole.DecorationRole:
                return risk_icon(risk)
            if role == Qt.ItemDataRole.BackgroundRole:
                return tint(risk)
        if role == RISK_ROLE:
            return row.risk
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._display(row, column)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        key = SORT_KEYS[Column(column)]
        descending = order == Qt.SortOrder.DescendingOrder
        if key is self._query.sort and descending == self._query.descending and self._ids:
            return
        try:  # Qt calls this from a header click: nothing may raise into it
            self.set_query(replace(self._query, sort=key, descending=descending))
        except SQLAlchemyError:
            log.warning("sorting the ticket list failed", exc_info=True)

    # -- our API ---------------------------------------------------------------------------

    @property
    def query(self) -> TicketListQuery:
        return self._query

    def set_query(self, query: TicketListQuery) -> None:
        """Run `query` and show its tickets (a reset: a new view, not an update)."""
        self._show(query, self._lists.ids(query))
        self.query_changed.emit(query)

    def requery(self, *, keep: int | None = None) -> None:
        """Run the current query again (a colleague's change moved tickets in or out of
        the view). `keep` stays listed at its row even if it left the view: the ticket
        the technician has open never vanishes under them; it goes at the next query."""
        ids = self._lists.ids(self._query)
        if keep is not None and keep not in set(ids):
            row = self.row_of(keep)
            if row is not None:
                ids.insert(min(row, len(ids)), keep)
        self._show(self._query, ids)

    def listed(self, ticket_ids: Iterable[int]) -> list[int]:
        """Those of `ticket_ids` the view lists now."""
        rows_by_id = self._rows_by_id()
        return [t for t in ticket_ids if t in rows_by_id]

    def _show(self, query: TicketListQuery, ids: list[int]) -> None:
        self.beginResetModel()
        self._query = query
        self._ids = ids
        self._row_of = None
        self._cache.clear()
        self._step()
        self.endResetModel()
        self._note_number(self._lists.max_number() or 0)

    def reload(self) -> None:
        self.set_query(self._query)

    def ticket_ids(self) -> list[int]:
        """The view's ticket ids in display order (the quick filter, search and sort
        applied), as a copy: plain data an export may take to another thread."""
        return list(self._ids)

    def ticket_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, ticket_id: int) -> int | None:
        if self._row_of is not None:
            return self._row_of.get(ticket_id)
        try:  # one lookup: a C-speed scan beats building the whole map
            return self._ids.index(ticket_id)
        except ValueError:
            return None

    def _rows_by_id(self) -> dict[int, int]:
        # Built lazily: a sort or search should not pay for a 100,000-entry map it may
        # never need.
        if self._row_of is None:
            self._row_of = {tid: i for i, tid in enumerate(self._ids)}
        return self._row_of

    def refresh_rows(self, ticket_ids: list[int]) -> None:
        """Re-read these tickets and repaint only their rows (no reset)."""
        rows_by_id = self._rows_by_id()
        present = [t for t in ticket_ids if t in rows_by_id]
        if not present:
            return
        fresh = self._lists.rows(present)
        self._step()
        self._note_number(max((r.number for r in fresh.values()), default=0))
        for tid in present:
            if tid in fresh:
                self._cache[tid] = fresh[tid]
            row = rows_by_id[tid]
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def tick_display(self) -> None:
        """Advance the clock the cells read and repaint the time columns, without a
        database query: the countdown between monitor ticks."""
        if not self._ids:
            return
        self._step()
        last = len(self._ids) - 1
        for column in (Column.TIME_LEFT, Column.AGE):
            self.dataChanged.emit(self.index(0, column), self.index(last, column),
                                  [Qt.ItemDataRole.DisplayRole])

    def widest_number(self) -> str:
        """The widest ticket number the desk can show now, as text ("HD-999999" once any
        number has six digits): the Number column is sized to it, never cut."""
        digits = max(4, len(str(self._max_number)))
        return format_number(10 ** digits - 1)

    def _note_number(self, number: int) -> None:
        grew = len(str(number)) > len(str(self._max_number))
        self._max_number = max(self._max_number, number)
        if grew:
            self.number_width_changed.emit()

    def cached_row(self, ticket_id: int) -> TicketRow | None:
        return self._cache.get(ticket_id)

    # -- internals -------------------------------------------------------------------------

    def _step(self) -> None:
        """Move the instant the cells read to now: a new countdown step."""
        self._now = self._clock()
        self._time_left_texts.clear()

    def _row(self, row_index: int) -> TicketRow | None:
        ticket_id = self._ids[row_index]
        row = self._cache.get(ticket_id)
        if row is not None:
            self._cache.move_to_end(ticket_id)
            return row
        start = max(0, row_index - PAGE_SIZE // 4)
        page = [i for i in self._ids[start:start + PAGE_SIZE] if i not in self._cache]
        try:
            self._cache.update(self._lists.rows(page))
        except SQLAlchemyError:
            # Qt asks from paint: an exception would reach it. The cell stays blank and the
            # next paint asks again (a team desk's server gone: its banner says so).
            log.warning("reading a page of ticket rows failed", exc_info=True)
            return None
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        return self._cache.get(ticket_id)

    def _display(self, row: TicketRow, column: Column) -> str:
        match column:
            case Column.NUMBER:
                return format_number(row.number)
            case Column.PRIORITY:
                return PRIORITY_NAMES[row.priority]
            case Column.TITLE:
                return row.title
            case Column.REQUESTER:
                return row.requester
            case Column.ORGANIZATION:
                return row.organization
            case Column.STATUS:
                return row.status.label
            case Column.ASSIGNEE:
                if row.assignee and not row.assignee_active:
                    return f"{row.assignee} (inactive)"
                return row.assignee or "Unassigned"
            case Column.AGE:
                return short_duration(self._now - row.created_at)
            case Column.UPDATED:
                return local_time(row.updated_at, self._now)
            case Column.TIME_LEFT:
                return self._time_left(row)
            case Column.RESPONSE_DUE:
                return _due_text(row.response_state, row.response_due_at, self._now)
            case Column.RESOLUTION_DUE:
                return _due_text(row.resolution_state, row.resolution_due_at, self._now)
        return ""

    def _urgent_clock(self, row: TicketRow) -> tuple[str, str | None, datetime | None]:
        """(label, state, due) of the clock the "Time left" column speaks for."""
        return urgent_clock(response_state=row.response_state,
                            response_due_at=row.response_due_at,
                            resolution_state=row.resolution_state,
                            resolution_due_at=row.resolution_due_at,
                            urgent_due_at=row.urgent_due_at)

    def _time_left(self, row: TicketRow) -> str:
        known = self._time_left_texts.get(row.id)
        if known is not None and known[0] is row:
            return known[1]
        label, state, due = self._urgent_clock(row)
        over = row.response_over_s if label == FIRST_RESPONSE else row.resolution_over_s
        text = time_left_text(self._sla, row.sla_policy, state, due, self._now, label=label,
                              over_s=over)
        self._time_left_texts[row.id] = (row, text)
        return text

    def _time_left_tooltip(self, row: TicketRow) -> str:
        label, state, due = self._urgent_clock(row)
        if state is None:
            return "No SLA policy applies to this ticket"
        if state == ClockState.BREACHED_STOPPED:
            when = f", target passed {full_time(due)}" if due is not None else ""
            return (f"{label} clock: missed its target{when} and stopped"
                    f" · policy {row.sla_policy}")
        when = (f", due {full_time(due)}" if due is not None and state != ClockState.MET
                else "")
        missed = ("\nFirst response clock: missed its target"
                  if label != FIRST_RESPONSE
                  and row.response_state is ClockState.BREACHED_STOPPED
                  else "")
        return (f"{label} clock: {state.replace('_', ' ')}{when} · policy {row.sla_policy}"
                f"{missed}")



# A due column shows the word for these states instead of the due time.
_DUE_WORDS = {ClockState.MET: "Met", ClockState.BREACHED_STOPPED: "Missed",
              ClockState.PAUSED: "Paused"}


def _due_text(state: ClockState | None, due: datetime | None, now: datetime) -> str:
    if state is None:
        return ""
    word = _DUE_WORDS.get(state)
    if word is not None:
        return word
    return local_time(due, now) if due is not None else ""
