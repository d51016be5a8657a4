"""The window's side of the SLA watch: monitor thread, repaint, summary, bell, tray, alerts.

Kept apart from main_window.py so the window stays a layout and this stays the live part.
Everything here runs on the GUI thread; the monitor's results arrive by queued signals.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSystemTrayIcon,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.risk import Risk
from desk_app.platform.freedesktop import FreedesktopNotifier
from desk_app.platform.notifier import CallbackNotifier, PlyerNotifier
from desk_app.services.alerts import Notice, plan
from desk_app.services.monitor import MonitorService, TickResult
from desk_app.ui.notification_center import NotificationCenter
from desk_app.ui.risk_style import risk_icon
from desk_app.workers.sla_monitor import SlaMonitor, SlaMonitorWorker

if TYPE_CHECKING:
    from desk_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
COUNTDOWN_MS = 30_000


class SlaWatchUi(QObject):
    """Owns the monitor thread and every live SLA widget of one window."""


    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        ctx = window.ctx
        self.monitor_service = MonitorService(ctx.db, ctx.sla)
        self.monitor: SlaMonitor | None = None
        self.snoozed_until: datetime | None = None

        self.banner = QLabel()
        self.banner.setObjectName("alertBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.linkActivated.connect(self._on_banner_link)
        self._banner_count = 0
        self.banner.hide()
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = self._build_tray()
        # The session bus first (Linux: clickable, needs no extra package), plyer where its
        # backend works (Windows, macOS), then the tray and the banner.
        self.desktop_notifier = FreedesktopNotifier(parent=self)
        self.desktop_notifier.sig_activated.connect(self._on_notification_clicked)
        self.center = NotificationCenter([
            self.desktop_notifier,
            PlyerNotifier(),
            CallbackNotifier("Tray message", self._tray_message,
                             lambda: self.tray is not None and self.tray.supportsMessages()),
            CallbackNotifier("In-app banner", self._show_banner, lambda: True),
        ], self)
        self.bell = QToolButton()
        self.bell.setObjectName("bell")
        self.bell.setToolTip("SLA notifications")
        self.bell.clicked.connect(self.show_notifications)
        self.center.sig_unread_changed.connect(self._on_unread)
        self._on_unread(0)

        self.summary = QLabel()
        self.summary.setObjectName("riskSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.linkActivated.connect(self._on_summary_link)
        self.error_label = QLabel()
        self.error_label.setObjectName("monitorError")
        self.error_label.hide()

        self.countdown = QTimer(self)
        self.countdown.setInterval(COUNTDOWN_MS)
        self.countdown.timeout.connect(window.model.tick_display)
        self.countdown.start()

    # -- the monitor -----------------------------------------------------------------------

    def start_monitor(self) -> None:
        # The start-up sweep checks every open ticket against its stored markers; a full
        # recompute is not needed: every writer recomputes in its own transaction, and a
        # release that changes the clock rules clears the stored results in a migration.
        worker = SlaMonitorWorker(self.monitor_service, self.window.ctx.clock,
                                  tick_s=self.window.settings.tick_seconds)
        worker.sig_result.connect(self.on_result)
        worker.sig_failed.connect(self.on_failed)
        self.monitor = SlaMonitor(worker, self)
        self.monitor.start()

    def apply_settings(self) -> None:
        """A new tick interval reaches the worker on its own thread (queued)."""
        if self.monitor is not None:
            from PySide6.QtCore import Q_ARG, QMetaObject

            QMetaObject.invokeMethod(self.monitor.worker, "set_interval",
                                     Qt.ConnectionType.QueuedConnection,
                                     Q_ARG(int, self.window.settings.tick_seconds))

    def shutdown(self) -> None:
        if self.monitor is not None:
            if not self.monitor.shutdown(1000):
                log.warning("the SLA monitor did not stop within 1 s")
            self.monitor = None
        if self.tray is not None:
            self.tray.hide()
        self.desktop_notifier.close()

    def on_result(self, result: TickResult) -> None:
        """Repaint changed rows only, refresh the summary, raise alerts."""
        window = self.window
        if result.updates:
            window.model.refresh_rows([u.ticket_id for u in result.updates])
            window.detail_refresh_if_shown({u.ticket_id for u in result.updates})
        if result.counts:
            self.show_counts(result.counts)
            # The monitor writes SLA columns only, so of the quick filters only "At risk"
            # and "Breached" can move; their counts came with the result, counted off the
            # GUI thread with the same conditions.
            counts = result.counts
            window.set_risk_counts(
                at_risk=counts.get(Risk.AT_RISK, 0) + counts.get(Risk.CRITICAL, 0),
                breached=counts.get(Risk.BREACHED, 0))
        if result.crossings:
            now = window.ctx.clock()
            rules = replace(window.settings.alert_rules(window.ctx.sla.user_tz),
                            snoozed_until=self.snoozed_until)
            self.center.handle(plan(result.crossings, rules, me_id=window.me_id, now=now))

    def on_failed(self, message: str, failures: int) -> None:
        self.error_label.setText(f"⚠ SLA monitor: {failures} error"
                                 f"{'s' if failures != 1 else ''}")
        self.error_label.setToolTip(f"Last error: {message}\nDetails are in the log. The "
                                    "monitor keeps running.")
        self.error_label.show()

    def show_counts(self, counts: dict[Risk, int]) -> None:
        parts = []
        for risk, link in ((Risk.BREACHED, "breached"), (Risk.CRITICAL, "at_risk"),
                           (Risk.AT_RISK, "at_risk"), (Risk.PAUSED, None)):
            n = counts.get(risk, 0)
            if not n:
                continue
            text = f"{n:,} {risk.label.lower()}"
            parts.append(f"<a href='{link}'>{text}</a>" if link else text)
        self.summary.setText(" · ".join(parts) or "No SLA alerts")
        if self.tray is not None:
            breached = counts.get(Risk.BREACHED, 0)
            at_risk = counts.get(Risk.AT_RISK, 0) + counts.get(Risk.CRITICAL, 0)
            self.tray.setToolTip(f"Desk App — {breached} breached, {at_risk} at risk")
            self.tray.setIcon(badged_icon(self.window.windowIcon(), breached + at_risk,
                                          urgent=breached > 0))

    # -- delivery back-ends --------------------------------------------------------------

    def _build_tray(self) -> QSystemTrayIcon:
        tray = QSystemTrayIcon(self.window.windowIcon() or QIcon(), self)
        menu = QMenu()
        show = QAction("Show Desk App", menu)
        show.triggered.connect(self.window.show_from_tray)
        snooze = QAction("Pause notifications for 1 hour", menu)
        snooze.triggered.connect(self.snooze_hour)
        quit_ = QAction("Quit", menu)
        quit_.triggered.connect(self.window.quit_app)
        for action in (show, snooze, quit_):
            menu.addAction(action)
        tray.setContextMenu(menu)
        tray.activated.connect(lambda _reason: self.window.show_from_tray())
        self._tray_menu = menu
        tray.show()
        return tray

    def _on_notification_clicked(self, ticket_id: int) -> None:
        """A click on a desktop notification: the window comes up on that ticket (or just
        comes up, for a summary of several)."""
        if ticket_id:
            self.window.open_ticket(ticket_id)
        else:
            self.window.show_from_tray()

    def snooze_hour(self) -> None:
        self.snoozed_until = self.window.ctx.clock() + timedelta(hours=1)

    def _tray_message(self, title: str, body: str) -> None:
        assert self.tray is not None
        self.tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Warning, 10_000)

    def _show_banner(self, title: str, body: str) -> None:
        if self.banner.isVisible() and self._banner_count:
            self._banner_count += 1
            more = f" (+{self._banner_count - 1} more)"
        else:
            self._banner_count = 1
            more = ""
        self.banner.setText(f"⚠ <b>{html.escape(title)}</b> — {html.escape(body)}{more} "
                            "&nbsp; <a href='show'>Notifications</a> · <a href='hide'>Dismiss</a>")
        self.banner.show()

    def _on_banner_link(self, link: str) -> None:
        self.banner.hide()
        if link == "show":
            self.show_notifications()

    def _on_summary_link(self, link: str) -> None:
        from desk_app.services.ticket_list import QuickFilter

        self.window.set_filter(QuickFilter(link))

    # -- the in-app list -------------------------------------------------------------------

    def _on_unread(self, count: int) -> None:
        self.bell.setText(f"Alerts  {count}" if count else "Alerts")
        self.bell.setToolTip(f"SLA notifications ({count} unread)" if count
                             else "SLA notifications")

    def show_notifications(self) -> None:
        dialog = NotificationsDialog(self.center.entries, self.window)
        dialog.sig_open_ticket.connect(self.window.open_ticket)
        self.center.mark_read()
        dialog.exec()


class NotificationsDialog(QDialog):
    """Newest first; double-click (or Enter) opens the ticket."""

    sig_open_ticket = Signal(int)

    def __init__(self, entries: list[Notice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SLA notifications")
        self.resize(560, 420)
        self.list = QListWidget()
        for notice in reversed(entries):
            when = f"{notice.at.astimezone():%a %H:%M}  " if notice.at else ""
            item = QListWidgetItem(f"{when}{notice.title}\n{notice.body}")
            icon = risk_icon(notice.level)
            if icon is not None:
                item.setIcon(icon)
            item.setData(Qt.ItemDataRole.UserRole, notice.ticket_id)
            self.list.addItem(item)
        if not entries:
            self.list.addItem("No SLA notifications yet.")
        self.list.itemActivated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)

    def _on_activated(self, item: QListWidgetItem) -> None:
        ticket_id = item.data(Qt.ItemDataRole.UserRole)
        if ticket_id:
            self.sig_open_ticket.emit(int(ticket_id))
            self.accept()


def badged_icon(base: QIcon, count: int, *, urgent: bool) -> QIcon:
    """The app icon with the number of tickets needing attention in a corner badge (red
    when any is breached, amber otherwise); the plain icon when there are none."""
    if count <= 0:
        return base
    from PySide6.QtGui import QColor, QFont, QPainter

    pix = base.pixmap(64, 64)
    if pix.isNull():
        from PySide6.QtGui import QPixmap

        pix = QPixmap(64, 64)
        pix.fill(Qt.GlobalColor.darkBlue)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#c62828" if urgent else "#e65100"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(28, 28, 36, 36)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(20 if count < 100 else 14)
    painter.setFont(font)
    painter.drawText(28, 28, 36, 36, int(Qt.AlignmentFlag.AlignCenter),
                     str(count) if count < 1000 else "999+")
    painter.end()
    return QIcon(pix)
