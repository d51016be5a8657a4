"""The banner that says the team desk's server is gone, counts down to the next try, and
says when it is back (services/connection.py holds the state; this only shows and probes).

The state can change on any thread (the monitor's tick may meet the loss first): its
listener here only emits a signal, which Qt queues to the GUI thread. The countdown is a
one-second timer that reads the injected clock, so tests drive the backoff by moving the
clock and calling `poll()`, without waiting. Each probe runs through the window's task
runner, off the GUI thread: a server behind a dead network can take the connect timeout
to answer, and the window must stay live (typing goes on) meanwhile.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desk_app.platform.redact import redact
from desk_app.services.clock import Clock
from desk_app.services.connection import ConnectionState, ConnectionStatus
from desk_app.ui.common.formatting import local_time
from desk_app.ui.common.plain import PlainLabel, plain_tooltip
from desk_app.workers.task_runner import Runner

log = logging.getLogger(__name__)

COUNTDOWN_MS = 1000
RECONNECTED_SHOWN_MS = 8000
LOST_STYLE = ("#connectionBanner { background: #fde7e9; border-bottom: 1px solid #e8a0a8; }"
              " #connectionBanner QLabel { color: #5c0b14; }")
BACK_STYLE = ("#connectionBanner { background: #e6f4ea; border-bottom: 1px solid #9ccfa9; }"
              " #connectionBanner QLabel { color: #0b3d1a; }")


class ConnectionBanner(QWidget):
    """Hidden while the server answers; while it does not, a red line with a countdown and
    *Retry now*; once it answers again, a green "Reconnected" line for a few seconds."""

    # The server answers again: the window re-reads what it shows.
    sig_reconnected = Signal()
    _sig_status = Signal(object)  # ConnectionStatus, from whichever thread changed it

    def __init__(self, state: ConnectionState, clock: Clock, runner: Runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._clock = clock
        self.runner = runner
        self.probing = False
        self.setObjectName("connectionBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        self.label = PlainLabel()
        self.label.setObjectName("connectionMessage")
        self.label.setWordWrap(True)
        self.retry_button = QPushButton("Retry now")
        self.retry_button.setObjectName("retryConnection")
        self.retry_button.setToolTip("Try to reach the team desk's server now")
        self.retry_button.clicked.connect(self.retry_now)
        # Shown once reconnected, in the Retry button's place: the banner keeps its height
        # (the list does not jump twice) and can be closed before it goes by itself.
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setObjectName("dismissConnection")
        self.dismiss_button.clicked.connect(self.hide)
        self.dismiss_button.hide()
        row.addWidget(self.label, 1)
        row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.countdown = QTimer(self)
        self.countdown.setInterval(COUNTDOWN_MS)
        self.countdown.timeout.connect(self.poll)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(RECONNECTED_SHOWN_MS)
        self._hide_timer.timeout.connect(self.hide)
        self._sig_status.connect(self._on_status)
        state.subscribe(self._relay)
        self.destroyed.connect(lambda _obj=None: state.unsubscribe(self._relay))
        self.hide()
        if state.lost:  # lost before the window was built
            self._on_status(state.status)

    def _relay(self, status: ConnectionStatus) -> None:
        try:
            self._sig_status.emit(status)
        except RuntimeError:  # the window is gone; nothing left to tell
            self._state.unsubscribe(self._relay)

    @property
    def lost(self) -> bool:
        return self._state.lost

    def poll(self) -> None:
        """Once a second while lost: probe when the backoff says so, else count down."""
        status = self._state.status
        if not status.lost:
            return
        if not self.probing and self._state.due(self._clock()):
            self.retry_now()
        else:
            self._show_lost(status)

    def retry_now(self) -> None:
        """One probe now (the button, or the countdown reaching zero)."""
        if self.probing or not self._state.lost:
            return
        self.probing = True
        self._show_lost(self._state.status)
        self.runner.run(self._state.probe, self._on_probe_done, self._on_probe_error)

    def _on_probe_done(self, answered: object) -> None:
        self.probing = False
        if not answered:
            self._show_lost(self._state.status)

    def _on_probe_error(self, exc: BaseException) -> None:  # probe() does not raise
        self.probing = False
        log.error("probing the team desk failed: %s", redact(exc))
        self._show_lost(self._state.status)

    def _on_status(self, status: ConnectionStatus) -> None:
        if status.lost:
            self._hide_timer.stop()
            self._show_lost(status)
            if not self.countdown.isActive():
                self.countdown.start()
            return
        self.countdown.stop()
        if status.reconnected_at is None:
            return
        self.setStyleSheet(BACK_STYLE)
        when = local_time(status.reconnected_at, self._clock())
        self.label.setText(f"✓ Reconnected to the team desk at {status.where} at {when}. "
                           "Anything that was not saved is still on screen: save it now.")
        self.label.setToolTip("")
        self.retry_button.hide()
        self.dismiss_button.show()
        self.show()
        self._hide_timer.start()
        self.sig_reconnected.emit()

    def _show_lost(self, status: ConnectionStatus) -> None:
        now = self._clock()
        since = local_time(status.since, now)
        if self.probing:
            then = "trying to reconnect now…"
        else:
            then = f"retrying in {status.seconds_to_next_try(now)} s…"
        self.setStyleSheet(LOST_STYLE)
        self.label.setText(f"⚠ Lost the connection to the team desk at {status.where} at "
                           f"{since} — {then} What you type stays here; save it again once "
                           "the desk is back.")
        self.label.setToolTip(plain_tooltip(
            f"Last error: {redact(status.reason)}\nFailed tries since then: "
            f"{status.failed_tries}. The window keeps trying by itself."))
        self.retry_button.setEnabled(not self.probing)
        self.retry_button.show()
        self.dismiss_button.hide()
        self.show()
