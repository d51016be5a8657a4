"""One SLA replay per change: the clocks travel with the ticket's detail and with the
monitor's tick result, and the window renders them without replaying the ticket again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Impact, Urgency
from desk_app.domain.sla_clock import SlaReplay
from desk_app.services import sla as sla_module
from desk_app.services.views import TicketClocks
from desk_app.ui.common.widgets import select_data
from desk_app.ui.main_window import MainWindow
from desk_app.workers.sla_monitor import SlaMonitor, SlaMonitorWorker
from tests.conftest import ME, FakeClock, make_draft

WindowFactory = Callable[[], MainWindow]


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every history replay the SLA service runs (one ticket, or each of a bulk replay),
    recorded as True when it ran on the GUI thread. The real replay still runs."""
    seen: list[bool] = []
    real = sla_module.replay

    def counting(*args: object, **kwargs: object) -> SlaReplay:
        seen.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sla_module, "replay", counting)
    return seen


def test_a_save_replays_the_ticket_once_and_the_pane_shows_that_replay(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock, qtbot: QtBot,
        replays: list[bool]) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME)
    clock.advance(minutes=47)
    window = make_window()
    assert window.select_ticket(ticket.id)
    pane = window.detail
    assert pane.sla_box.title() == "Service level · P3 Medium"
    # Raise the priority: the saved ticket's clocks are not the ones shown before.
    select_data(pane.impact, Impact.HIGH)
    select_data(pane.urgency, Urgency.HIGH)
    replays.clear()
    qtbot.mouseClick(pane.save_button, Qt.MouseButton.LeftButton)
    assert not pane.has_unsaved_changes()
    assert len(replays) == 1  # inside the save's transaction; the pane replays nothing
    fresh = ctx.sla.replay_ticket(ticket.id)
    assert fresh.policy != "P3 Medium"
    assert pane.detail is not None and pane.detail.clocks.replay == fresh
    assert pane.detail.clocks.at == clock.now
    assert pane.sla_box.title() == f"Service level · {fresh.policy}"


def test_a_monitor_tick_replays_nothing_on_the_gui_thread(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock, qtbot: QtBot,
        replays: list[bool]) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    assert window.select_ticket(ticket.id)
    pane = window.detail
    assert "4 h left" in pane.response_clock.text()
    clock.advance(minutes=185)  # 55 m of the 4 h first response left: at risk
    # The real worker on its real thread, wired to the window as the app wires it.
    worker = SlaMonitorWorker(window.watch.monitor_service, clock, tick_s=3600)
    worker.sig_result.connect(window.watch.on_result)
    monitor = SlaMonitor(worker)
    replays.clear()
    try:
        with qtbot.waitSignal(worker.sig_result, timeout=5000) as tick:
            monitor.start()
        qtbot.waitUntil(lambda: "55 m left" in pane.response_clock.text(), timeout=3000)
    finally:
        assert monitor.shutdown(1000)
    assert [u.ticket_id for u in tick.args[0].updates] == [ticket.id]
    assert replays.count(True) == 0  # none on the GUI thread
    assert replays.count(False) >= 1  # the tick's own, on the monitor thread
    assert pane.detail is not None and pane.detail.clocks == tick.args[0].updates[0].clocks


def test_opening_a_ticket_replays_it_once_in_the_same_read(
        make_window: WindowFactory, ctx: AppContext, replays: list[bool]) -> None:
    first = ctx.tickets.create(make_draft(title="First"), actor=ME)
    ticket = ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    assert window.select_ticket(first.id)
    replays.clear()
    assert window.select_ticket(ticket.id)
    assert len(replays) == 1
    assert "4 h left" in window.detail.response_clock.text()


def test_a_history_that_cannot_be_replayed_still_opens_the_ticket(
        make_window: WindowFactory, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = ctx.tickets.create(make_draft(title="Broken history"), actor=ME)

    def broken(*_args: object, **_kwargs: object) -> SlaReplay:
        raise ValueError("a ticket history starts with its created event")

    monkeypatch.setattr(sla_module, "replay", broken)
    window = make_window()
    assert window.select_ticket(ticket.id)
    pane = window.detail
    assert pane.detail is not None and pane.detail.title == "Broken history"
    assert pane.response_clock.text() == \
        "⚠ could not compute: a ticket history starts with its created event"
    assert pane.detail.clocks.replay is None


def test_clocks_older_than_the_shown_detail_are_not_shown(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock) -> None:
    # A tick that started before the ticket was read brings clocks older than the pane's.
    ticket = ctx.tickets.create(make_draft(), actor=ME)
    clock.advance(minutes=47)
    window = make_window()
    assert window.select_ticket(ticket.id)
    pane = window.detail
    shown = pane.response_clock.text()
    assert "3 h 13 m left" in shown
    pane.show_clocks(TicketClocks(None, clock.now - timedelta(seconds=1), error="older"))
    assert pane.response_clock.text() == shown
    pane.show_clocks(TicketClocks(None, clock.now, error="as new"))
    assert pane.response_clock.text() == "⚠ could not compute: as new"


def test_the_reason_a_replay_failed_is_shown_as_text(
        make_window: WindowFactory, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock label renders rich text; the error may quote stored data, so it is escaped."""
    ticket = ctx.tickets.create(make_draft(title="Broken history"), actor=ME)

    def broken(*_args: object, **_kwargs: object) -> SlaReplay:
        raise ValueError('bad status "<img src=/tmp/p.png>"')

    monkeypatch.setattr(sla_module, "replay", broken)
    window = make_window()
    assert window.select_ticket(ticket.id)
    text = window.detail.response_clock.text()
    assert "<img" not in text
    assert "&lt;img src=/tmp/p.png&gt;" in text
