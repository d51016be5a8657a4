"""The task runner when the widget that owns it goes away while a task still runs.

A page or dialog makes its runner as a child; closing it (or a test ending) deletes the
runner while a pool thread is still working. The result must be dropped, not delivered
to freed widgets (this crashed full test runs with a segmentation fault)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desk_app.workers import task_runner
from desk_app.workers.task_runner import TaskRunner


def _deliver_queued() -> None:
    QCoreApplication.sendPostedEvents(None, 0)
    QCoreApplication.processEvents()


def test_a_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    got: list[object] = []
    runner.run(lambda: threading.get_ident(), got.append, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    assert got[0] != threading.get_ident()  # ran on a pool thread, reported here
    assert not task_runner._RUNNING


def test_a_task_outliving_its_runner_is_dropped_without_a_crash(qtbot: QtBot) -> None:
    owner = QWidget()
    runner = TaskRunner(owner)
    started, release = threading.Event(), threading.Event()
    got: list[object] = []

    def slow() -> int:
        started.set()
        release.wait(30)
        return 42

    runner.run(slow, got.append, got.append)
    assert started.wait(30)
    owner.deleteLater()  # the page closes while its task runs
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    release.set()
    assert QThreadPool.globalInstance().waitForDone(30_000)
    _deliver_queued()
    assert got == []
    assert not task_runner._RUNNING
