"""The live watch end to end: real notification daemon, fallbacks, thread, repaint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from PySide6.QtCore import QThread
from PySide6.QtGui import QColor, QPalette
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.risk import Risk
from desk_app.platform.notifier import (
    CallbackNotifier,
    PlyerNotifier,
    session_bus_has_notifications,
)
from desk_app.services.alerts import AlertLog, AlertRules, Notice, Scope, plan
from desk_app.services.monitor import MonitorService
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.main_window import MainWindow
from desk_app.ui.sla.notification_center import NotificationCenter
from desk_app.ui.sla.risk_style import _TINTS, contrast_ratio
from desk_app.ui.tickets.ticket_table_model import RISK_ROLE, Column
from desk_app.workers.sla_monitor import SlaMonitor, SlaMonitorWorker
from tests.conftest import ME, FakeClock, make_draft, monitor_for

WindowFactory = Callable[[], MainWindow]


def _notify_calls(daemon: object) -> list[tuple[str, str]]:
    calls = daemon.GetMethodCalls("Notify")  # type: ignore[attr-defined]
    return [(str(args[3]), str(args[4])) for _stamp, args in calls]


def test_plyer_reaches_a_real_notification_daemon(notification_daemon: object) -> None:
    notifier = PlyerNotifier()
    assert session_bus_has_notifications()
    assert notifier.available()
    notifier.send("HD-1042 Printer offline", "Resolution at risk, due Mon 14:45")
    assert _notify_calls(notification_daemon) == [("HD-1042 Printer offline",
                                                   "Resolution at risk, due Mon 14:45")]


def test_without_a_daemon_plyer_steps_aside() -> None:
    assert not session_bus_has_notifications()
    assert not PlyerNotifier().available()


def test_crossings_notify_exactly_once_and_a_burst_as_one_summary(
        notification_daemon: object, ctx: AppContext, clock: FakeClock, qtbot: QtBot) -> None:
    for i in range(5):
        ctx.tickets.create(make_draft(title=f"Outage {i}", assignee=ME), actor=ME)
    ctx.tickets.create(make_draft(title="Alone", assignee=ME), actor=ME)
    monitor = monitor_for(ctx)
    banner: list[str] = []
    center = NotificationCenter([PlyerNotifier(), CallbackNotifier(
        "In-app banner", lambda t, b: banner.append(t), lambda: True)])
    me = ctx.directory.technician_id(ME)
    now = clock.advance(hours=2, minutes=5)  # 52 % of the 4 h first-response target
    center.handle(plan(monitor.sweep(now).crossings, AlertRules(), me_id=me, now=now))
    center.handle(plan(monitor.tick(now + timedelta(minutes=1), since=now).crossings,
                       AlertRules(), me_id=me, now=now))  # nothing new: nothing sent
    calls = _notify_calls(notification_daemon)
    assert calls == [("6 tickets are approaching on their first response target",
                      "HD-1001, HD-1002, HD-1003, HD-1004, HD-1005, HD-1006")]
    assert banner == []
    center.set_entries(AlertLog(ctx.db).recent(technician_id=me))
    assert len(center.entries) == 6 and center.unread == 6  # one per ticket, stored


def test_a_failing_notifier_falls_through_to_the_next(qtbot: QtBot) -> None:
    def boom(_t: str, _b: str) -> None:
        raise RuntimeError("backend exploded")

    got: list[str] = []
    center = NotificationCenter([CallbackNotifier("Broken", boom, lambda: True),
                                 CallbackNotifier("Banner", lambda t, b: got.append(t),
                                                  lambda: True)])
    with qtbot.waitSignal(center.sig_delivery_failed) as failed:
        assert center.deliver(Notice("HD-1 x", "y")) == "Banner"
    assert "backend exploded" in failed.args[0] and got == ["HD-1 x"]


def test_a_failing_tick_is_counted_and_the_next_one_runs(ctx: AppContext, clock: FakeClock,
                                                         db_path, qtbot: QtBot) -> None:
    import sqlite3

    ctx.tickets.create(make_draft(), actor=ME)
    worker = SlaMonitorWorker(MonitorService(ctx.db, ctx.sla), clock, tick_s=15)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE sla_calendar SET weekly_json = 'not json' WHERE name = '24x7'")
    conn.commit()
    with qtbot.waitSignal(worker.sig_failed) as failed:
        assert worker.run_once() is None  # the sweep reloads the broken setup
    assert failed.args[1] == 1 and "JSONDecodeError" in failed.args[0]
    conn.execute("UPDATE sla_calendar SET weekly_json = "
                 "'{\"0\": [[\"00:00\", \"24:00\"]]}' WHERE name = '24x7'")
    conn.commit()
    conn.close()
    with qtbot.waitSignal(worker.sig_result):
        assert worker.run_once() is not None
    assert worker.failures == 1


def test_the_monitor_thread_ticks_and_stops_within_a_second(ctx: AppContext, clock: FakeClock,
                                                            qtbot: QtBot) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    worker = SlaMonitorWorker(MonitorService(ctx.db, ctx.sla), clock, tick_s=1,
                              full_first_sweep=True)
    monitor = SlaMonitor(worker)
    # the thread it owns does not shadow QObject.thread(): the monitor lives on this thread
    assert monitor.thread() is QThread.currentThread()
    assert worker.thread() is monitor.worker_thread
    results = []
    worker.sig_result.connect(results.append)
    with qtbot.waitSignal(worker.sig_result, timeout=5000):
        monitor.start()
    assert monitor.worker_thread.isRunning()
    assert monitor.shutdown(1000) is True
    assert not monitor.worker_thread.isRunning()
    assert results[0].examined == 1  # the full start-up sweep saw the open ticket


def test_a_row_turns_at_risk_then_breached_in_place(make_window: WindowFactory,
                                                    ctx: AppContext, clock: FakeClock,
                                                    qtbot: QtBot,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    watched = ctx.tickets.create(make_draft(title="Watched"), actor=ME)
    other = ctx.tickets.create(make_draft(title="Other"), actor=ME)
    window = make_window()
    model = window.model
    window.select_ticket(other.id)
    row = model.row_of(watched.id)
    assert row is not None
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _r=(): changed.append((a.row(), b.row())))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    monitor = window.watch.monitor_service
    d = ctx.tickets.detail(other.id)
    ctx.tickets.add_reply(d.id, "On it", actor=ME)  # the other ticket is answered
    qtbot.wait(0)  # let the window's first (timer-driven) count run
    counted: list[object] = []
    real_counts = ctx.lists.counts
    monkeypatch.setattr(ctx.lists, "counts", lambda me: counted.append(me) or real_counts(me))
    buttons = window.filter_buttons
    for minutes, text, risk, at_risk, breached in (
            (185, "55 m left", Risk.AT_RISK, 1, 0),
            (245, "Breached 5 m ago", Risk.BREACHED, 0, 1)):
        now = clock.now.replace(hour=9, minute=0) + timedelta(minutes=minutes)
        clock.now = now
        changed.clear()
        window.watch.on_result(monitor.tick(now))
        qtbot.wait(0)
        assert changed == [(row, row)]  # that row only, all its columns, no reset
        assert model.data(model.index(row, Column.TIME_LEFT), RISK_ROLE) == risk.value
        assert model.data(model.index(row, Column.TIME_LEFT)) == text
        # The SLA quick filters' counts come with the monitor's result: no count query
        # on the GUI thread.
        assert buttons[QuickFilter.AT_RISK].text() == f"{QuickFilter.AT_RISK.label}  {at_risk}"
        assert buttons[QuickFilter.BREACHED].text() == \
            f"{QuickFilter.BREACHED.label}  {breached}"
    assert counted == []
    assert resets == []
    assert window.selected_ticket_id() == other.id
    assert window.watch.summary.text().startswith("<a href='breached'>1 breached</a>")


@pytest.mark.parametrize("dark", [False, True])
def test_risk_tints_meet_wcag_aa_against_the_theme_text(dark: bool) -> None:
    text = QColor("#ffffff" if dark else "#000000")
    palette_text = QPalette().color(QPalette.ColorRole.Text)
    for risk, (light_tint, dark_tint) in _TINTS.items():
        tint = QColor(dark_tint if dark else light_tint)
        assert contrast_ratio(text, tint) >= 4.5, risk
        if not dark:
            assert contrast_ratio(palette_text, tint) >= 4.5, risk


def test_scope_setting_is_respected_from_saved_settings(make_window: WindowFactory) -> None:
    window = make_window()
    window.settings.set_alert_rules(AlertRules(scope=Scope.MINE))
    assert window.settings.alert_rules("UTC").scope is Scope.MINE


def test_tray_menu_close_to_tray_and_quit(make_window: WindowFactory, ctx: AppContext,
                                          clock: FakeClock, qtbot: QtBot) -> None:
    """The tray logic with Qt's real QSystemTrayIcon. This machine has no tray host
    (isSystemTrayAvailable() is False offscreen), so the app would not create one by itself
    and the balloon cannot be seen; the menu and close-to-tray behaviour can be checked."""
    window = make_window()
    watch = window.watch
    assert watch.tray is None  # gated on a real tray, as the platform notes advise
    watch.tray = watch._build_tray()
    actions = [a.text() for a in watch.tray.contextMenu().actions()]
    assert actions == ["Show Desk App", "Pause notifications for 1 hour", "Quit"]

    watch.tray.contextMenu().actions()[1].trigger()
    assert watch.snoozed_until == clock.now + timedelta(hours=1)
    from desk_app.domain.sla_clock import ClockKind
    from desk_app.services.monitor import Crossing

    crossing = Crossing(ticket_id=1, number="HD-1001", title="x", clock=ClockKind.RESOLUTION,
                        level=Risk.BREACHED, due_at=clock.now, assignee_id=None, assignee="")
    snoozed = plan([crossing], AlertRules(snoozed_until=watch.snoozed_until), me_id=None,
                   now=clock.now + timedelta(minutes=30))
    assert snoozed.desktop == () and len(snoozed.in_app) == 1
    later = plan([crossing], AlertRules(snoozed_until=watch.snoozed_until), me_id=None,
                 now=clock.now + timedelta(minutes=61))
    assert len(later.desktop) == 1

    window.settings.close_to_tray = True
    window.close()
    assert not window.isVisible()  # hidden, still watching
    assert window.watch.tray is not None
    watch.tray.contextMenu().actions()[0].trigger()
    assert window.isVisible()
    watch.tray.contextMenu().actions()[2].trigger()  # Quit really closes
    assert not window.isVisible() and window._quitting


def test_tray_counts_in_the_tooltip(make_window: WindowFactory) -> None:
    window = make_window()
    watch = window.watch
    watch.tray = watch._build_tray()
    watch.show_counts({Risk.BREACHED: 2, Risk.AT_RISK: 3, Risk.CRITICAL: 1, Risk.PAUSED: 4})
    assert watch.tray.toolTip() == "Desk App — 2 breached, 4 at risk"
    assert watch.tray.icon().cacheKey() != window.windowIcon().cacheKey()  # badge drawn
    from desk_app.ui.sla.sla_watch import badged_icon

    base = window.windowIcon()
    assert badged_icon(base, 0, urgent=False).cacheKey() == base.cacheKey()
    assert watch.summary.text() == ("<a href='breached'>2 breached</a> · "
                                    "<a href='at_risk'>1 critical</a> · "
                                    "<a href='at_risk'>3 at risk</a> · 4 paused")
