"""The Qt binding must not leak references to Python's singletons.

PySide6 6.12.0 on Python 3.11 did: each void method call took a reference from None and each
Signal.emit one from True, and the interpreter aborted ("deallocating None") after a few
thousand calls — minutes into a session with the SLA monitor running. pyproject.toml keeps
that version out; these tests catch any binding that brings the bug back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

CALLS = 20_000


def test_void_calls_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(CALLS):
        label.setText("x" if i % 2 else "y")
    assert abs(sys.getrefcount(None) - before) < 100


def test_signal_emit_keeps_true_alive(qtbot: QtBot) -> None:
    class Emitter(QObject):
        sig = Signal(int)

    emitter = Emitter()
    received: list[int] = []
    emitter.sig.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(CALLS):
        emitter.sig.emit(i)
    assert abs(sys.getrefcount(True) - before) < 100
    assert len(received) == CALLS
