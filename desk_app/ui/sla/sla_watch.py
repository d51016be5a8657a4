"""The window's side of the SLA watch: monitor thread, repaint, summary, bell, tray, alerts.

Kept apart from main_window.py so the window stays a layout and this stays the live part.
Everything here runs on the GUI thread; the monitor's results arrive by queued signals.

It does not know the window: what it needs comes in through the constructor (the services,
the settings, the technician, the app icon) and what the window should do goes out as
signals the window connects (open a ticket, show a filter, repaint rows, show the SLA
filters' counts, come up from the tray, quit). So it can be built, and tested, under any
parent widget, and the window and the watch do not import each other.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from PySide6.QtCore import Q_ARG, QMetaObject, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QToolButton, QWidget
from sqlalchemy.exc import SQLAlchemyError

from desk_app.app import AppContext
from desk_app.domain.risk import Risk
from desk_app.platform.freedesktop import FreedesktopNotifier
from desk_app.platform.notifier import CallbackNotifier, PlyerNotifier
from desk_app.services.alerts import KEEP, plan
from desk_app.services.audience import Listener
from desk_app.services.monitor import TickResult
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.common.plain import PlainLabel, plain_tooltip, rich_label
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.sla.alerts_dialog import NotificationsDialog
from desk_app.ui.sla.notification_center import NotificationCenter
from desk_app.workers.sla_monitor import SlaMonitor, SlaMonitorWorker

log = logging.getLogger(__name__)
COUNTDOWN_MS = 30_000
BANNER = "In-app banner"


class SlaWatchUi(QObject):
    """Owns the monitor thread and every live SLA widget of one window.

    The window places the widgets (`bell`, `banner`, `summary`, `error_label`), connects
    the signals below, calls `show_stored_state` once they are connected, and tells the
    watch which ticket the technician looks at (`ticket_selected`)."""

    # Bring the window up on this ticket (an alert, a notification or the banner).
    sig_open_ticket = Signal(int)
    # Bring the window up as it is (the tray, a notification about several tickets).
    sig_show_window = Signal()
    # The tray menu's Quit: really quit, not close to the tray.
    sig_quit = Signal()
    # A QuickFilter: the technician clicked a count in the summary.
    sig_filter_requested = Signal(object)
    # A tuple of monitor.RowUpdate: these tickets' SLA columns changed; repaint them.
    sig_rows_changed = Signal(object)
    # The "At risk" and "Breached" quick filters' counts, as the monitor counted them.
    sig_risk_counts = Signal(int, int)

    def __init__(self, ctx: AppContext, settings: UiSettings, *, me_id: int | None,
                 icon: QIcon, parent: QWidget) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._settings = settings
        self._me_id = me_id
        self._icon = icon
        self._dialog_parent = parent
        self.monitor_service = ctx.monitor
        self.alert_log = ctx.alerts
        self._listen()
        self.monitor: SlaMonitor | None = None
        self.snoozed_until: datetime | None = None

        self.banner = rich_label()  # the notice's title and body are escaped
        self.banner.setObjectName("alertBanner")
        self.banner.setWordWrap(True)
        self.banner.linkActivated.connect(self._on_banner_link)
        self._banner_count = 0
        self._banner_tickets: set[int] = set()  # what the banner announced, to be read
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
            CallbackNotifier(BANNER, self._show_banner, lambda: True),
        ], self)
        self.center.set_read(settings.alert_reads(ctx.db.url, me_id))
        self.center.sig_read_changed.connect(self._on_read_changed)
        self.bell = QToolButton()
        self.bell.setObjectName("bell")
        self.bell.setToolTip("SLA notifications")
        self.bell.clicked.connect(self.show_notifications)
        self.center.sig_unread_changed.connect(self._on_unread)
        self._on_unread(0)

        self.summary = rich_label()  # counts and links only
        self.summary.setObjectName("riskSummary")
        self.summary.linkActivated.connect(self._on_summary_link)
        self.error_label = PlainLabel()
        self.error_label.setObjectName("monitorError")
        self.error_label.hide()
        self.dialog: NotificationsDialog | None = None

        # A ticket the technician opens has its notices read.
        self._shown_ticket: int | None = None

        # The window connects its table model's `tick_display` to `countdown.timeout`.
        self.countdown = QTimer(self)
        self.countdown.setInterval(COUNTDOWN_MS)
        self.countdown.start()

    # -- the monitor -----------------------------------------------------------------------

    def start_monitor(self) -> None:
        # The start-up sweep checks every open ticket against its stored markers; a full
        # recompute is not needed: every writer recomputes in its own transaction, and a
        # release that changes the clock rules clears the stored results in a migration.
        worker = SlaMonitorWorker(self.monitor_service, self._ctx.clock,
                                  tick_s=self._settings.tick_seconds,
                                  connection=self._ctx.connection)
        worker.sig_result.connect(self.on_result)
        worker.sig_failed.connect(self.on_failed)
        self.monitor = SlaMonitor(worker, self)
        self.monitor.start()

    def _listen(self) -> None:
        """The monitor decides notifications for this window's technician and scope (and
        stores them under their name); with no technician it only keeps the clocks."""
        scope = self._settings.alert_rules(self._ctx.sla.user_tz).scope
        self.monitor_service.listen_for(
            Listener(self._me_id, scope) if self._me_id is not None else None)

    def show_stored_state(self) -> None:
        """The status bar's counts and the Alerts list as the database has them now: one
        grouped count over the indexed risk column, one read of the newest notifications;
        no ticket is replayed. The window calls it once its signals are connected, so the
        counts are right from the first paint (the monitor's first sweep corrects any that
        went stale while no window watched)."""
        try:
            counts = self.monitor_service.status_counts()
        except SQLAlchemyError:
            log.exception("counting SLA risks failed")
        else:
            self.show_counts(counts)
            self._emit_risk_counts(counts)
        self.reload_alerts()

    def reload_alerts(self, *, new_only: bool = False) -> None:
        """Re-read the in-app list: what was told to the technician set now, their
        escalations included (`new_only`: add what was stored since the newest entry
        shown, after a tick)."""
        scope = self._settings.alert_rules(self._ctx.sla.user_tz).scope
        shown = self.center.entries
        try:
            if new_only and shown:
                fresh = self.alert_log.newer(shown[0].id, technician_id=self._me_id)
                entries = (fresh + shown)[:KEEP]
            else:
                entries = self.alert_log.recent(technician_id=self._me_id)
        except SQLAlchemyError:
            log.exception("reading SLA notifications failed")
            return
        self.center.set_entries(entries)
        if self.dialog is not None:
            self.dialog.set_scope(scope.label, self._ctx.clock())
            self.dialog.rebuild()

    def apply_settings(self, *, me_id: int | None) -> None:
        """A new tick interval reaches the worker on its own thread (queued); a new
        technician (`me_id`) reads their own Alerts list; the monitor listens for the
        technician and scope now set, and sweeps at its next tick so that what the new
        scope holds and nobody told them yet is decided without waiting five minutes."""
        if me_id != self._me_id:  # another technician's list, and what they read of it
            self.center.set_read(self._settings.alert_reads(self._ctx.db.url, me_id))
        self._me_id = me_id
        self._listen()
        self.reload_alerts()
        if self.monitor is not None:
            QMetaObject.invokeMethod(self.monitor.worker, "set_interval",
                                     Qt.ConnectionType.QueuedConnection,
                                     Q_ARG(int, self._settings.tick_seconds))
            QMetaObject.invokeMethod(self.monitor.worker, "sweep_next",
                                     Qt.ConnectionType.QueuedConnection)

    def catch_up(self) -> None:
        """The team desk's server is back: tick now (a sweep, see workers/sla_monitor.py)
        rather than at the next timer, and show the stored counts and alerts meanwhile."""
        if self.monitor is not None:
            QMetaObject.invokeMethod(self.monitor.worker, "run_once",
                                     Qt.ConnectionType.QueuedConnection)
        self.show_stored_state()

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
        if result.updates:
            self.sig_rows_changed.emit(result.updates)
        if result.counts:
            self.show_counts(result.counts)
            # The monitor writes SLA columns only, so of the quick filters only "At risk"
            # and "Breached" can move; their counts came with the result, counted off the
            # GUI thread with the same conditions.
            self._emit_risk_counts(result.counts)
        if result.crossings:
            now = self._ctx.clock()
            rules = replace(self._settings.alert_rules(self._ctx.sla.user_tz),
                            snoozed_until=self.snoozed_until)
            delivered = self.center.handle(plan(result.crossings, rules, me_id=self._me_id,
                                                now=now))
            for notice, backend in delivered:
                if backend == BANNER:
                    self._banner_tickets.update(notice.tickets)
            self.reload_alerts(new_only=True)  # the crossings were stored with the tick

    def _emit_risk_counts(self, counts: dict[Risk, int]) -> None:
        self.sig_risk_counts.emit(*_at_risk_and_breached(counts))

    def on_failed(self, message: str, failures: int) -> None:
        self.error_label.setText(f"⚠ SLA monitor: {failures} error"
                                 f"{'s' if failures != 1 else ''}")
        self.error_label.setToolTip(plain_tooltip(f"Last error: {message}\nDetails are in "
                                                  "the log. The monitor keeps running."))
        self.error_label.show()

    def show_counts(self, counts: dict[Risk, int]) -> None:
        parts = []
        for risk, link in ((Risk.BREACHED, QuickFilter.BREACHED),
                           (Risk.CRITICAL, QuickFilter.AT_RISK),
                           (Risk.AT_RISK, QuickFilter.AT_RISK), (Risk.PAUSED, None)):
            n = counts.get(risk, 0)
            if not n:
                continue
            text = f"{n:,} {risk.label.lower()}"
            parts.append(f"<a href='{link}'>{text}</a>" if link else text)
        self.summary.setText(" · ".join(parts) or "No SLA alerts")
        if self.tray is not None:
            at_risk, breached = _at_risk_and_breached(counts)
            self.tray.setToolTip(f"Desk App — {breached} breached, {at_risk} at risk")
            self.tray.setIcon(badged_icon(self._icon, breached + at_risk,
                                          urgent=breached > 0))

    # -- delivery back-ends --------------------------------------------------------------

    def _build_tray(self) -> QSystemTrayIcon:
        tray = QSystemTrayIcon(self._icon or QIcon(), self)
        menu = QMenu()
        show = QAction("Show Desk App", menu)
        show.triggered.connect(self.sig_show_window)
        snooze = QAction("Pause notifications for 1 hour", menu)
        snooze.triggered.connect(self.snooze_hour)
        quit_ = QAction("Quit", menu)
        quit_.triggered.connect(self.sig_quit)
        for action in (show, snooze, quit_):
            menu.addAction(action)
        tray.setContextMenu(menu)
        tray.activated.connect(lambda _reason: self.sig_show_window.emit())
        self._tray_menu = menu
        tray.show()
        return tray

    def _on_notification_clicked(self, ticket_id: int) -> None:
        """A click on a desktop notification: the window comes up on that ticket (or just
        comes up, for a summary of several)."""
        if ticket_id:
            self.open_ticket(ticket_id)
        else:
            self.sig_show_window.emit()

    def snooze_hour(self) -> None:
        self.snoozed_until = self._ctx.clock() + timedelta(hours=1)

    def _tray_message(self, title: str, body: str) -> None:
        assert self.tray is not None
        self.tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Warning, 10_000)

    def _show_banner(self, title: str, body: str) -> None:
        if self.banner.isVisible() and self._banner_count:
            self._banner_count += 1
            more = f" (+{self._banner_count - 1} more)"
        else:
            self._banner_count = 1
            self._banner_tickets = set()
            more = ""
        self.banner.setText(f"⚠ <b>{html.escape(title)}</b> — {html.escape(body)}{more} "
                            "&nbsp; <a href='show'>Notifications</a> · <a href='hide'>Dismiss</a>")
        self.banner.show()

    def _on_banner_link(self, link: str) -> None:
        self.banner.hide()
        if link == "show":
            self.show_notifications()

    def _on_read_changed(self) -> None:
        """Save the read marks; the banner goes once what it announced is read."""
        self._settings.set_alert_reads(self._ctx.db.url, self.center.read, self._me_id)
        if self.banner.isVisible() and not (self._banner_tickets
                                            & self.center.unread_tickets()):
            self.banner.hide()

    def ticket_selected(self, ticket_id: int | None, *, on_screen: bool) -> None:
        """The list's current ticket changed (the window calls this first thing)."""
        # Only a move to another ticket while the window is on screen: the row chosen while
        # it is being built (or hidden in the tray) was not looked at, and a re-query that
        # re-selects the ticket already shown opens nothing.
        if ticket_id is None or ticket_id == self._shown_ticket:
            return
        self._shown_ticket = ticket_id
        if on_screen:
            self.center.mark_read(ticket_id)

    def open_ticket(self, ticket_id: int) -> None:
        """From the list, the banner or a notification: show it and read its notices (the
        row may already be the current one, which moves no selection)."""
        self.sig_open_ticket.emit(ticket_id)
        self.center.mark_read(ticket_id)

    def _on_summary_link(self, link: str) -> None:
        self.sig_filter_requested.emit(QuickFilter(link))

    # -- the in-app list -------------------------------------------------------------------

    def _on_unread(self, count: int) -> None:
        self.bell.setText(f"Alerts  {count}" if count else "Alerts")
        self.bell.setToolTip(
            f"SLA notifications: {count} ticket{'s' if count != 1 else ''} with unread "
            "alerts" if count else "SLA notifications")

    def show_notifications(self) -> None:
        """The grouped list; it stays unread until a ticket is opened or *Mark all read*."""
        scope = self._settings.alert_rules(self._ctx.sla.user_tz).scope
        self.dialog = NotificationsDialog(self.center, scope_label=scope.label,
                                          now=self._ctx.clock(), parent=self._dialog_parent)
        self.dialog.sig_open_ticket.connect(self.open_ticket)
        try:
            self.dialog.exec()
        finally:
            self.dialog = None


def _at_risk_and_breached(counts: dict[Risk, int]) -> tuple[int, int]:
    """The "At risk" and "Breached" totals; "At risk" holds critical tickets too (as its
    quick filter does), for the filter counts and the tray alike."""
    return (counts.get(Risk.AT_RISK, 0) + counts.get(Risk.CRITICAL, 0),
            counts.get(Risk.BREACHED, 0))


def badged_icon(base: QIcon, count: int, *, urgent: bool) -> QIcon:
    """The app icon with the number of tickets needing attention in a corner badge (red
    when any is breached, amber otherwise); the plain icon when there are none."""
    if count <= 0:
        return base
    pix = base.pixmap(64, 64)
    if pix.isNull():
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
