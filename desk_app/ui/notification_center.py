"""Delivers SLA alerts: desktop notification, else tray balloon, else in-app banner, and
always a line in the in-app list (the bell). Never raises into the caller."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from desk_app.domain.risk import Risk
from desk_app.platform.notifier import DesktopNotifier, Urgency
from desk_app.services.alerts import AlertPlan, Notice

log = logging.getLogger(__name__)
KEEP = 500  # entries kept in the in-app list


class NotificationCenter(QObject):
    """Holds the in-app list and the delivery chain."""

    sig_unread_changed = Signal(int)
    sig_delivery_failed = Signal(str)

    def __init__(self, chain: Sequence[DesktopNotifier], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chain = list(chain)
        self.entries: list[Notice] = []
        self.unread = 0

    def active_path(self) -> str:
        """The name of the first back-end that says it can deliver now."""
        for notifier in self.chain:
            if _safe_available(notifier):
                return notifier.name
        return "None (in-app list only)"

    def handle(self, plan: AlertPlan) -> None:
        for notice in plan.in_app:
            self._add(notice)
        for notice in plan.desktop:
            self.deliver(notice)

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

    def mark_read(self) -> None:
        self.unread = 0
        self.sig_unread_changed.emit(0)

    def _add(self, notice: Notice) -> None:
        self.entries.append(notice)
        del self.entries[:-KEEP]
        self.unread += 1
        self.sig_unread_changed.emit(self.unread)


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
