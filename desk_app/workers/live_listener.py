"""The live desk's listener: one long-lived QThread with a worker QObject moved onto it,
like the SLA monitor (workers/sla_monitor.py).

On PostgreSQL it LISTENs on a connection of its own and checks the change log when a
notification arrives (NOTIFY is delivered at the writer's COMMIT); it also checks every
CHECK_EVERY_S anyway, in case a notification was lost. On SQLite, or when LISTEN is
unavailable or its connection drops, it polls the change log every POLL_MS (one indexed
range query that finds nothing most of the time) and tries LISTEN again every RELISTEN_S.

Only frozen LiveChanges cross to the GUI thread, by a queued signal. Every exception is
caught, logged and reported; the next round runs normally. Stopping is cooperative: a
flag the loop reads between waits of at most LISTEN_WAIT_S.
"""

from __future__ import annotations

import logging
import threading
import time
from enum import StrEnum

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from desk_app.domain.change_cursor import ChangeCursor
from desk_app.platform.redact import redact
from desk_app.services.clock import Clock
from desk_app.services.live import (
    PRUNE_AT_MOST,
    ChangeListener,
    LiveChanges,
    LiveDeskService,
)

log = logging.getLogger(__name__)

# 1 s: a colleague's change shows within the 2 s even when polling, and an idle
# poll is one primary-key lookup (about 0.1 ms on SQLite, docs/performance.md).
POLL_MS = 1000
LISTEN_WAIT_S = 0.25
RELISTEN_S = 10.0
CHECK_EVERY_S = 30.0
PRUNE_EVERY_S = 600.0
PRUNE_AGAIN_S = 5.0


class LiveMode(StrEnum):
    LISTENING = "listening"
    POLLING = "polling"


class LiveDeskWorker(QObject):
    """Checks the change log when told to (a notification, the poll timer) and emits
    what changed since the window's cursor."""

    sig_changes = Signal(object)  # LiveChanges
    sig_mode_changed = Signal(str)  # LiveMode
    sig_failed = Signal(str)  # a short reason (no URL, no password)

    def __init__(self, live: LiveDeskService, clock: Clock, cursor: ChangeCursor, *,
                 poll_ms: int = POLL_MS, listen: bool = True) -> None:
        super().__init__()
        self._live = live
        self._clock = clock
        self.cursor = cursor
        self._poll_ms = poll_ms
        self._want_listen = listen and live.is_postgresql
        self._listener: ChangeListener | None = None
        self._timer: QTimer | None = None
        self._stop = threading.Event()
        self._next_listen = 0.0
        self._next_check = 0.0
        self._next_prune = time.monotonic() + PRUNE_EVERY_S
        self.mode = LiveMode.POLLING
        self.failures = 0

    @property
    def listener(self) -> ChangeListener | None:
        return self._listener

    @Slot()
    def start(self) -> None:
        """On the listener thread: LISTEN if the desk can, then run rounds on a timer
        made here, after the move, so rounds never overlap."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.run_round)
        self._try_listen()
        self.check()
        self._schedule()

    def request_stop(self) -> None:
        """Thread-safe: the loop ends at its next wake (at most LISTEN_WAIT_S)."""
        self._stop.set()

    @Slot()
    def stop(self) -> None:
        """On the listener thread: no more rounds; the timer and the LISTEN connection
        go here, on the thread that made them."""
        self._stop.set()
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        self.close_listener()

    def run_round(self) -> None:
        """One wait-or-poll round. Never raises."""
        if self._stop.is_set():
            self.close_listener()
            return
        now = time.monotonic()
        if self._listener is not None:
            try:
                notified = self._listener.wait(LISTEN_WAIT_S)
            except Exception as exc:  # the connection dropped: poll until it is back
                self._lost_listener(exc)
                notified = True  # check now: a change may have come with the drop
            if notified or now >= self._next_check:
                self.check()
        else:
            self.check()
            if self._want_listen and now >= self._next_listen:
                self._try_listen()
        if now >= self._next_prune:
            # A full chunk deleted: more is waiting (after an import); go on soon.
            full = self._prune() >= PRUNE_AT_MOST
            self._next_prune = now + (PRUNE_AGAIN_S if full else PRUNE_EVERY_S)
        self._schedule()

    def check(self) -> LiveChanges | None:
        """Read the changes after the cursor; emit them if there are any. Never raises."""
        self._next_check = time.monotonic() + CHECK_EVERY_S
        try:
            changes = self._live.changes(self.cursor, now=self._clock())
        except Exception as exc:  # a busy or unreachable desk: say so, try next round
            self.failures += 1
            log.warning("live desk check failed (%d so far): %s", self.failures,
                        redact(str(exc)))
            self.sig_failed.emit(_reason(exc))
            return None
        self.cursor = changes.cursor
        if changes.ticket_ids or changes.reload:
            self.sig_changes.emit(changes)
        return changes

    def close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _schedule(self) -> None:
        if self._timer is not None and not self._stop.is_set():
            self._timer.start(0 if self._listener is not None else self._poll_ms)

    def _try_listen(self) -> None:
        if not self._want_listen:
            return
        self._next_listen = time.monotonic() + RELISTEN_S
        try:
            self._listener = self._live.listener()
        except Exception as exc:
            log.warning("live desk: LISTEN unavailable, polling instead: %s",
                        redact(str(exc)))
            self._set_mode(LiveMode.POLLING)
            return
        self._set_mode(LiveMode.LISTENING)
        self.check()  # anything committed before the LISTEN took effect

    def _lost_listener(self, exc: BaseException) -> None:
        log.warning("live desk: the LISTEN connection dropped, polling: %s", redact(str(exc)))
        self.close_listener()
        self._next_listen = time.monotonic() + RELISTEN_S
        self._set_mode(LiveMode.POLLING)

    def _set_mode(self, mode: LiveMode) -> None:
        if mode is not self.mode:
            self.mode = mode
            self.sig_mode_changed.emit(mode.value)

    def _prune(self) -> int:
        try:
            return self._live.prune()
        except Exception as exc:  # another window may be pruning, or a read-only desk
            log.info("live desk: pruning the change log failed: %s", redact(str(exc)))
            return 0


def _reason(exc: BaseException) -> str:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return redact(f"{type(exc).__name__}: {first}" if first else type(exc).__name__)


class LiveDeskListener(QObject):
    """Owns the thread; `shutdown` stops the worker cooperatively, then quits and waits."""

    def __init__(self, worker: LiveDeskWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("live-desk")
        worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(worker.start)

    def start(self) -> None:
        self.worker_thread.start()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop within `timeout_ms`; True when the thread has ended."""
        if not self.worker_thread.isRunning():
            return True
        self.worker.request_stop()  # ends a wait early (at most LISTEN_WAIT_S)
        QMetaObject.invokeMethod(self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        self.worker_thread.quit()
        return self.worker_thread.wait(timeout_ms)
