"""Delivers SLA alerts: desktop notification, else tray balloon, else in-app banner; and
holds the in-app list (the bell) with what the technician has read. Never raises into the
caller."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from desk_app.domain.risk import Risk
from desk_app.platform.notifier import DesktopNotifier, Urgency
from desk_app.services.alerts import (
    AlertEntry,
    AlertGroup,
    AlertPlan,
    Notice,
    ReadMarks,
    group_by_ticket,
)

log = logging.getLogger(__name__)


class NotificationCenter(QObject):
    """Holds the in-app list and the delivery chain.

    The list's entries come from the stored notifications (`set_entries`, in the
    technician's scope, newest first); what the monitor finds in a tick is stored first and
    the list re-read, so a restart shows the same list. `unread` counts tickets with an
    unread entry: ten notices about one ticket are one thing to look at."""

    sig_unread_changed = Signal(int)
    sig_delivery_failed = Signal(str)
    sig_read_changed = Signal()  # the read marks moved: save them, re-check the banner

    def __init__(self, chain: Sequence[DesktopNotifier], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chain = list(chain)
        self.entries: list[AlertEntry] = []
        self.read = ReadMarks()
        self.unread = 0

    def active_path(self) -> str:
        """The name of the first back-end that says it can deliver now."""
        for notifier in self.chain:
            if _safe_available(notifier):
                return notifier.name
        return "None (in-app list only)"

    def handle(self, plan: AlertPlan) -> list[tuple[Notice, str]]:
        """Deliver the plan's desktop notices; returns each delivered one with the name of
        the back-end that took it (the in-app list is re-read from the store)."""
        delivered = []
        for notice in plan.desktop:
            name = self.deliver(notice)
            if name is not None:
                delivered.append((notice, name))
        return delivered

    def deliver(self, notice: Notice) -> str | None:
        """Send through the first back-end that works; returns its name."""
        for notifier in self.chain:
            if not _safe_available(notifier):
                continue
            try:
                notifier.send(notice.title, notice.body, ticket_id=notice.ticket_id,
                              urgency=urgency_of(notice.level))
            except Exception as exc:  # any back-end may fail at call time
                log.warning("%s failed: %s", notifier.name, exc, exc_info=True)
                self.sig_delivery_failed.emit(f"{notifier.name}: {exc}")
                continue
            return notifier.name
        return None

    # -- the in-app list -------------------------------------------------------------------

    def set_entries(self, entries: Sequence[AlertEntry]) -> None:
        self.entries = list(entries)
        self._count()

    def set_read(self, marks: ReadMarks) -> None:
        self.read = marks
        self._count()

    def groups(self) -> list[AlertGroup]:
        return group_by_ticket(self.entries)

    def is_unread(self, entry: AlertEntry) -> bool:
        return not self.read.is_read(entry)

    def unread_tickets(self) -> set[int]:
        return {e.ticket_id for e in self.entries if not self.read.is_read(e)}

    def mark_read(self, ticket_id: int | None = None) -> None:
        """Read one ticket's entries (it was opened), or every entry shown."""
        marks = self.read.all_read(self.entries) if ticket_id is None \
            else self.read.ticket_read(ticket_id, self.entries)
        if marks is self.read:  # nothing new was read
            return
        self.read = marks
        self._count()
        self.sig_read_changed.emit()

    def _count(self) -> None:
        unread = len(self.unread_tickets())
        if unread != self.unread:
            self.unread = unread
            self.sig_unread_changed.emit(unread)


def urgency_of(level: Risk) -> Urgency:
    """Breached and critical interrupt (a daemon may keep them until dismissed); the rest are
    normal. Not low for approaching: GNOME lists a low one without showing it, and the
    technician asked for that level in Settings."""
    return Urgency.CRITICAL if level in (Risk.BREACHED, Risk.CRITICAL) else Urgency.NORMAL


def _safe_available(notifier: DesktopNotifier) -> bool:
    try:
        return notifier.available()
    except Exception:
        log.warning("%s: availability check failed", notifier.name, exc_info=True)
        return False
