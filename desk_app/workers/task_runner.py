"""Slow user actions off the GUI thread, with callbacks back on it (like Anki's QueryOp).

`TaskRunner` uses Qt's global thread pool; `SyncRunner` runs inline and is what tests
inject where they want no threads (a real-thread test covers TaskRunner).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class Runner(Protocol):
    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None: ...


class _Relay(QObject):
    """Lives on the GUI thread; its signals carry the result back there (queued)."""

    sig_done = Signal(object)
    sig_failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported to the GUI, which shows it
            log.exception("background task failed")
            self._relay.sig_failed.emit(exc)
            return
        self._relay.sig_done.emit(result)


# Relays of tasks still running, held here rather than by their runner: a runner is usually
# the child of a dialog or page, and when that widget is deleted while a task runs, a relay
# it owned would be deleted with it and the pool thread's emit would reach freed memory (a
# segmentation fault seen in full test runs: a page closed while its tier preview ran).
_RUNNING: set[_Relay] = set()


class TaskRunner(QObject):
    """Runs callables on the thread pool; callbacks arrive on the GUI thread, unless the
    runner (with the widget that owns it) is gone by then: such a result is dropped."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Shared with the callbacks, not read through `self` (whose C++ side may be gone).
        alive = self._alive = [True]
        self.destroyed.connect(lambda *_: alive.__setitem__(0, False))

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None:
        relay = _Relay()  # no parent: it lives until its task reported, whatever happens
        _RUNNING.add(relay)
        alive = self._alive

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            _RUNNING.discard(relay)
            relay.deleteLater()
            if alive[0]:
                callback(value)
            else:
                log.info("a background task finished after its window closed; "
                         "its result was dropped")

        relay.sig_done.connect(lambda value: finish(on_done, value))
        relay.sig_failed.connect(lambda exc: finish(on_error, exc))
        QThreadPool.globalInstance().start(_Task(fn, relay))


class SyncRunner:
    """Runs inline: for tests and for work known to be quick."""

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None:
        try:
            result = fn()
        except Exception as exc:
            on_error(exc)
            return
        on_done(result)
