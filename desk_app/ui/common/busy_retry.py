"""Waiting out a busy desk in the window, with a visible message, instead of failing.

Another program writing to the desk (an import, `desk-app seed`, a second window) holds
SQLite's write lock; the app's connections wait `busy_timeout` (5 s) and then fail with
"database is locked". A technician who pressed Save should not lose that: the action says
the desk is busy, tries again a few times on a timer (the event loop keeps running between
tries, and nothing typed is touched), and only then says it gave up, keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from desk_app.store.db_errors import is_busy

BUSY_RETRIES = 3  # tries after the first, each one waiting up to busy_timeout itself
BUSY_RETRY_MS = 1000
RETRYING = "The desk is busy (another program is writing); retrying… (try {n} of {total})"
GAVE_UP = ("The desk is still busy (another program is writing): {what} after {total} "
           "tries. {kept}")


class BusyRetry(QObject):
    """At most one pending retry of a write that found the desk busy.

    The owner calls `cancel()` when the technician starts a new action (or leaves the
    ticket), so a retry never outlives what it was for; `handle()` from the write's
    except clause; `done()` after the write succeeded. Tests shorten `delay_ms`."""

    def __init__(self, parent: QObject, *, attempts: int = BUSY_RETRIES,
                 delay_ms: int = BUSY_RETRY_MS) -> None:
        super().__init__(parent)
        self.attempts = attempts
        self.delay_ms = delay_ms
        self.tries = 0  # retries made for the current action
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timeout)
        self._again: Callable[[], object] | None = None

    @property
    def pending(self) -> bool:
        return self.timer.isActive()

    def handle(self, exc: BaseException, again: Callable[[], object],
               show: Callable[[str], None], *, what: str, kept: str) -> bool:
        """For a busy desk: show the message, schedule `again` (or give up after the last
        try) and return True. Any other failure returns False for the caller to report."""
        if not is_busy(exc):
            return False
        if self.tries < self.attempts:
            self.tries += 1
            self._again = again
            show(RETRYING.format(n=self.tries, total=self.attempts))
            self.timer.start(self.delay_ms)
        else:
            show(GAVE_UP.format(what=what, total=self.attempts + 1, kept=kept))
            self.cancel()
        return True

    def done(self) -> None:
        """The write went through: the next busy desk starts counting afresh."""
        self.cancel()

    def cancel(self) -> None:
        self.timer.stop()
        self._again = None
        self.tries = 0

    def _on_timeout(self) -> None:
        again, self._again = self._again, None
        if again is not None:
            again()
