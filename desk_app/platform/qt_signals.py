"""`emit()` that survives a reference-count bug in PySide6's Signal.emit.

PySide6 6.12.0 on Python 3.11 returns `True` from `Signal.emit()` without taking a new
reference, so every emit from Python takes one reference away from the `True` singleton;
after a few thousand emits Python aborts with "bool_dealloc: deallocating True or False"
(seen here: a long-running monitor would crash the app within hours). Python 3.12+ makes
True immortal, which hides it. We detect the leak once at run time and give the reference
back after each emit, so the workaround is a no-op on fixed versions.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

_leaks_true: bool | None = None


def _detect() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.sig.emit()
    lost = before - sys.getrefcount(True)
    for _ in range(max(0, lost)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= 4


def emit(signal: Any, *args: Any) -> None:
    """`signal.emit(*args)`, repairing the leaked reference where PySide6 has the bug."""
    global _leaks_true
    if _leaks_true is None:
        _leaks_true = _detect()
    signal.emit(*args)
    if _leaks_true:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
