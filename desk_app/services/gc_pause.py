"""Pause Python's automatic garbage collection around bulk work, safely across threads.

A year's report or a monitor sweep allocates hundreds of thousands of short-lived objects;
the collector's full passes over them hold the GIL long enough (100-200 ms) to stall the
window, and cost about a tenth of the work's time. The pause is counted, so the monitor
thread and a report running at once never switch collection back on under each other.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic collection inside; afterwards the young generations are collected
    (quick, keeps memory flat) once the last pause ends."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            resume = _depth == 0 and _was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)


def release_gradually(*lists: list[Any]) -> None:
    """Empty big lists a slice at a time.

    Freeing 100,000 rows happens in one C call when the last reference goes, holding the
    GIL for 50-150 ms; slice by slice, the window's thread gets its turn in between."""
    for items in lists:
        while items:
            del items[-2000:]
