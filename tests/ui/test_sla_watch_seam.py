"""The SLA watch without the main window: its needs come in through the constructor and
what it wants done goes out as signals, so any parent widget will do."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.risk import Risk
from desk_app.services.monitor import RowUpdate
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.sla.sla_watch import SlaWatchUi
from tests.conftest import ME, FakeClock, make_draft


class Heard:
    """Every signal the watch sent, in order, as (name, arguments)."""

    def __init__(self, watch: SlaWatchUi) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        for name in ("sig_open_ticket", "sig_show_window", "sig_quit",
                     "sig_filter_requested", "sig_rows_changed", "sig_risk_counts"):
            getattr(watch, name).connect(
                lambda *args, _name=name: self.calls.append((_name, args)))

    def take(self) -> list[tuple[str, tuple[object, ...]]]:
        taken, self.calls = self.calls, []
        return taken


def _watch(ctx: AppContext, ui_settings: UiSettings, qtbot: QtBot) -> SlaWatchUi:
    host = QWidget()  # not a MainWindow: the watch needs none of its members
    qtbot.addWidget(host)
    return SlaWatchUi(ctx, ui_settings, me_id=ctx.directory.ensure_technician(ME),
                      icon=QIcon(), parent=host)


def test_the_watch_sends_what_the_window_should_do_as_signals(
        ctx: AppContext, ui_settings: UiSettings, clock: FakeClock, qtbot: QtBot) -> None:
    first = ctx.tickets.create(make_draft(title="First", assignee=ME), actor=ME).id
    second = ctx.tickets.create(make_draft(title="Second", assignee=ME), actor=ME).id
    watch = _watch(ctx, ui_settings, qtbot)
    heard = Heard(watch)
    assert heard.take() == []  # nothing is said before the window could listen

    watch.show_stored_state()
    assert heard.take() == [("sig_risk_counts", (0, 0))]

    clock.now += timedelta(hours=4, minutes=5)  # both past the 4 h first-response target
    result = watch.monitor_service.sweep(clock.now)
    watch.on_result(result)
    assert heard.take() == [("sig_rows_changed", (result.updates,)),
                            ("sig_risk_counts", (0, 2))]
    assert {u.ticket_id for u in result.updates} == {first, second}
    assert all(isinstance(u, RowUpdate) and u.risk is Risk.BREACHED for u in result.updates)
    assert watch.summary.text() == "<a href='breached'>2 breached</a>"
    assert watch.bell.text() == "Alerts  2"

    watch.summary.linkActivated.emit("breached")
    assert heard.take() == [("sig_filter_requested", (QuickFilter.BREACHED,))]

    watch.open_ticket(first)  # from the list, the banner or a notification: read too
    assert heard.take() == [("sig_open_ticket", (first,))]
    assert watch.bell.text() == "Alerts  1"
    watch.desktop_notifier.sig_activated.emit(0)  # a summary of several: just come up
    assert heard.take() == [("sig_show_window", ())]

    watch.tray = watch._build_tray()
    show, _snooze, quit_ = watch.tray.contextMenu().actions()
    show.trigger()
    quit_.trigger()
    assert heard.take() == [("sig_show_window", ()), ("sig_quit", ())]
    watch.shutdown()


def test_a_ticket_looked_at_on_screen_has_its_alerts_read(
        ctx: AppContext, ui_settings: UiSettings, clock: FakeClock, qtbot: QtBot) -> None:
    ticket = ctx.tickets.create(make_draft(title="Mine", assignee=ME), actor=ME).id
    watch = _watch(ctx, ui_settings, qtbot)
    clock.now += timedelta(hours=4, minutes=5)
    watch.on_result(watch.monitor_service.sweep(clock.now))
    assert watch.bell.text() == "Alerts  1"
    watch.ticket_selected(ticket, on_screen=False)  # chosen while hidden: not looked at
    assert watch.bell.text() == "Alerts  1"
    watch.ticket_selected(None, on_screen=True)
    watch.ticket_selected(ticket, on_screen=True)  # the same ticket re-selected: no move
    assert watch.bell.text() == "Alerts  1"
    watch.ticket_selected(ticket + 1, on_screen=True)
    watch.ticket_selected(ticket, on_screen=True)  # moved back to it, on screen: read
    assert watch.bell.text() == "Alerts"
    watch.shutdown()
