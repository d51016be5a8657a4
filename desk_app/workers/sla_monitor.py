"""The SLA monitor thread: one long-lived QThread, a worker QObject moved onto it.

The worker makes its own QTimer after the move, so ticks never overlap and run off the GUI
thread. Each tick is one short MonitorService call (its own session); only frozen results
cross to the GUI thread, by queued signals, and they carry the changed tickets' replayed
clocks so the GUI renders them without replaying. Failures are caught, logged and counted; the
next tick runs normally.

A team desk whose server went away (services/connection.py) is not a failure to count: the
tick that meets the loss marks it, the ticks while it lasts skip the database (the timer
keeps running; the window probes for the server), and the first tick after it is a sweep,
which catches up on every clock that came due and every change made elsewhere meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from desk_app.services.clock import Clock
from desk_app.services.connection import ConnectionState
from desk_app.services.gc_pause import gc_paused
from desk_app.services.monitor import MonitorService, TickResult

log = logging.getLogger(__name__)
DEFAULT_TICK_S = 15
SWEEP_EVERY_S = 300


class SlaMonitorWorker(QObject):
    """Runs ticks; lives on the monitor thread once started."""

    sig_result = Signal(object)  # TickResult
    sig_failed = Signal(str, int)  # message, failures so far

    def __init__(self, monitor: MonitorService, clock: Clock, *,
                 tick_s: int = DEFAULT_TICK_S, sweep_every_s: int = SWEEP_EVERY_S,
                 full_first_sweep: bool = False,
                 connection: ConnectionState | None = None) -> None:
        super().__init__()
        self._connection = connection
        self._catch_up = False  # the server was lost: the next tick that runs sweeps
        self._monitor = monitor
        self._clock = clock
        self._tick_ms = tick_s * 1000
        self._sweep_every_s = sweep_every_s
        self._timer: QTimer | None = None
        self._last_sweep: datetime | None = None
        self._since: datetime | None = None
        self._full_next = full_first_sweep
        self.failures = 0

    @Slot()
    def start(self) -> None:
        """Called on the monitor thread: sweep once, then tick on a timer."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(False)
        self._timer.timeout.connect(self.run_once)
        self.run_once()
        self._timer.start(self._tick_ms)

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    @Slot(int)
    def set_interval(self, seconds: int) -> None:
        self._tick_ms = max(1, seconds) * 1000
        if self._timer is not None and self._timer.isActive():
            self._timer.start(self._tick_ms)

    @Slot()
    def sweep_next(self) -> None:
        """The next run is a sweep (the technician or their scope changed)."""
        self._last_sweep = None

    @Slot()
    def run_once(self) -> TickResult | None:
        """One tick (a sweep when one is due). Never raises."""
        now = self._clock()
        if self._connection is not None and self._connection.lost:
            self._catch_up = True
            return None  # nothing to read while the server is gone; the window probes
        # A sweep allocates hundreds of thousands of short-lived objects; the collector's
        # full passes over them would hold the GIL long enough to stall the window.
        # Pause automatic collection for the tick (counted, so a report running at the
        # same time keeps its own pause) and collect young objects after.
        try:
            with gc_paused():
                if self._catch_up or self._last_sweep is None or \
                        (now - self._last_sweep).total_seconds() >= self._sweep_every_s:
                    result = self._monitor.sweep(now, full=self._full_next)
                    self._full_next = False
                    self._catch_up = False
                    self._last_sweep = now
                else:
                    result = self._monitor.tick(now, since=self._since)
            self._since = now
        except Exception as exc:  # a bad row, a locked database: log, count, go on
            if self._connection is not None and self._connection.report(exc):
                self._catch_up = True
                log.warning("SLA monitor: the team desk's server is gone; the first tick "
                            "after it is back catches up")
                return None
            self.failures += 1
            log.exception("SLA monitor tick failed (%d so far)", self.failures)
            self.sig_failed.emit(f"{type(exc).__name__}: {exc}", self.failures)
            return None
        self.sig_result.emit(result)
        return result


class SlaMonitor(QObject):
    """Owns the thread; `shutdown` stops the worker cooperatively, then quits and waits."""

    def __init__(self, worker: SlaMonitorWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("sla-monitor")
        worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(worker.start)

    def start(self) -> None:
        self.worker_thread.start()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop within `timeout_ms`; True when the thread has ended."""
        if not self.worker_thread.isRunning():
            return True

        QMetaObject.invokeMethod(self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        self.worker_thread.quit()
        return self.worker_thread.wait(timeout_ms)
