"""Waiting out a busy desk in the window, with a visible message, instead of failing.

Another program writing to the desk (an import, `desk-app seed`, a second window) holds
SQLite's write lock; a connection waits `busy_timeout` and then fails with "database is
locked". A technician who pressed Save should not lose that: the action says the desk is
busy, tries again on a timer (the event loop keeps running between tries, and nothing typed
is touched), and only then says it gave up, keeping what was typed. Each try runs inside
`attempt()`, which makes it wait only WINDOW_LOCK_WAIT_MS for the lock: the waiting happens
between tries, with the window live, not inside one with the window frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer

from desk_app.store.db_errors import is_busy
from desk_app.store.engine import waiting_for_lock_at_most

# Each try waits at most WINDOW_LOCK_WAIT_MS for the other writer (not SQLite's 5 s, which
# froze the window that long per try); the timer between tries keeps the window live. Ten
# retries a second apart wait out a writer for about 12 s in all, as the 4 tries of 5 s
# did before, the window never held up more than a quarter of a second at a time.
WINDOW_LOCK_WAIT_MS = 250
BUSY_RETRIES = 10  # tries after the first
BUSY_RETRY_MS = 1000
RETRYING = "The desk is busy (another program is writing); retrying… (try {n} of {total})"
T = TypeVar("T")
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

    def attempt(self, call: Callable[[], T]) -> T:
        """One try of the write: `call()` with the short wait for another writer's lock."""
        with waiting_for_lock_at_most(WINDOW_LOCK_WAIT_MS):
            return call()

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
