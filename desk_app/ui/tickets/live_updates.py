"""The window's side of the live desk: a colleague's change, seen by the listener thread
(workers/live_listener.py), repaints just the rows it touched, and the open ticket's pane.

What the technician is doing stays put: the selection, the scroll position, the fields
they are editing and the composer's text. A change that moves tickets into or out of the
current view re-runs the view's query (a reset), then puts the selection back on the same
ticket and the same ticket back at the top of the list; the ticket open in the pane stays
listed even if it left the view (it goes at the next filter, search or refresh).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, QTimer
from PySide6.QtWidgets import QAbstractItemView, QTableView
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.change_cursor import ChangeCursor
from desk_app.platform.redact import redact
from desk_app.services.clock import Clock
from desk_app.services.live import LiveChanges, LiveDeskService
from desk_app.ui.tickets.detail_pane import TicketDetailPane
from desk_app.ui.tickets.ticket_table_model import TicketTableModel
from desk_app.workers.live_listener import LiveDeskListener, LiveDeskWorker

log = logging.getLogger(__name__)

# More changed tickets than this in one batch (an import by a colleague): re-run the view
# once rather than ask which of them it shows.
BATCH_LIMIT = 500
COUNTS_MS = 2000


class LiveUpdates(QObject):
    """Owns the listener; `apply` is where its changes land (on the GUI thread)."""

    def __init__(self, live: LiveDeskService, clock: Clock, *, model: TicketTableModel,
                 table: QTableView, detail: TicketDetailPane,
                 reselect: Callable[[int], None], changed: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._live = live
        self._model = model
        self._table = table
        self._detail = detail
        self._reselect = reselect
        try:
            cursor = live.start()
        except SQLAlchemyError as exc:  # the first poll then reads what it can
            log.warning("live desk: could not read the change log: %s", redact(str(exc)))
            cursor = ChangeCursor(last=0)
        # The quick-filter counts scan the desk (150-300 ms at 100,000 tickets on SQLite,
        # on the GUI thread): after a colleague's change they follow within COUNTS_MS,
        # once per burst, rather than after every change of a busy desk.
        self.counts_timer = QTimer(self)
        self.counts_timer.setSingleShot(True)
        self.counts_timer.setInterval(COUNTS_MS)
        self.counts_timer.timeout.connect(changed)
        self.worker = LiveDeskWorker(live, clock, cursor)
        self.worker.sig_changes.connect(self.apply)
        self.listener: LiveDeskListener | None = None

    def start(self) -> None:
        """Listen on a thread of its own (until `shutdown`)."""
        if self.listener is None:
            self.listener = LiveDeskListener(self.worker, self)
            self.listener.start()

    def shutdown(self) -> None:
        if self.listener is not None:
            if not self.listener.shutdown():
                log.warning("the live desk listener did not stop within 2 s")
            self.listener = None

    def apply(self, changes: LiveChanges) -> None:
        """Show `changes`: repaint their rows, re-run the view if tickets moved in or out
        of it, refresh the open ticket's pane. Never raises (a read that fails leaves the
        view as it was; the next change or F5 shows it)."""
        try:
            self._apply(changes)
        except SQLAlchemyError as exc:
            log.warning("live desk: could not show a colleague's change: %s",
                        redact(str(exc)))

    def _apply(self, changes: LiveChanges) -> None:
        ids = sorted(changes.ticket_ids)
        if changes.reload or len(ids) > BATCH_LIMIT:
            self.requery()
        else:
            listed = self._model.listed(ids)
            if self._live.in_view(self._model.query, ids) != set(listed):
                self.requery()
            else:
                self._model.refresh_rows(listed)
        shown = self._detail.detail
        if shown is not None and (shown.id in changes.ticket_ids or changes.reload):
            self._detail.refresh_from_desk()
        if not self.counts_timer.isActive():
            self.counts_timer.start()

    def requery(self) -> None:
        """Re-run the view, keeping the selected ticket selected (and listed) and the
        top row at the top."""
        table = self._table
        current = table.selectionModel().currentIndex()
        keep = self._model.ticket_id(current.row()) if current.isValid() else None
        top = table.indexAt(QPoint(0, 0))
        top_id = self._model.ticket_id(top.row()) if top.isValid() else None
        scroll = table.verticalScrollBar().value()
        self._model.requery(keep=keep)
        if keep is not None:
            self._reselect(keep)
        row = self._model.row_of(top_id) if top_id is not None else None
        if row is not None:
            table.scrollTo(self._model.index(row, 0),
                           QAbstractItemView.ScrollHint.PositionAtTop)
        else:
            table.verticalScrollBar().setValue(scroll)
