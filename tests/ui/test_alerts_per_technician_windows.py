"""Two windows on one desk, two technicians: each window's Alerts list is its own
technician's (issue 12), a supervisor's holds the escalation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext, open_context
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.sla.alerts_dialog import NotificationsDialog
from tests.conftest import COLLEAGUE, ME, FakeClock, make_draft
from tests.helpers.desk_sql import run_sql
from tests.ui.conftest import ScriptedAsk


@pytest.fixture
def second_ctx(desk_target: str | Path, clock: FakeClock, ctx: AppContext
               ) -> Iterator[AppContext]:
    """The same desk opened by another process (the other technician's window)."""
    other = open_context(desk_target, clock=clock, user_tz="UTC")
    yield other
    other.close()


def _heading_and_rows(window: MainWindow) -> tuple[str, list[tuple[str, str]]]:
    dialog = NotificationsDialog(window.watch.center, scope_label="My tickets",
                                 now=window.ctx.clock())
    tree = dialog.tree
    rows = [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1))
            for i in range(tree.topLevelItemCount())]
    heading = dialog.heading.text()
    dialog.deleteLater()
    return heading, rows


def _rows(window: MainWindow) -> list[tuple[str, str]]:
    return _heading_and_rows(window)[1]


def test_two_technicians_windows_on_one_desk_list_their_own_alerts(
        ctx: AppContext, second_ctx: AppContext, desk_target: str | Path, clock: FakeClock,
        ui_settings: UiSettings, tmp_path: Path, qtbot: QtBot) -> None:
    mine = ctx.tickets.create(make_draft(title="Mine", assignee=ME), actor=ME)
    ctx.tickets.add_reply(mine.id, "On it", actor=ME)  # first response met
    ctx.tickets.create(make_draft(title="Priya's", assignee=COLLEAGUE), actor=ME)
    ctx.tickets.create(make_draft(title="Nobody's"), actor=ME)
    run_sql(desk_target, "UPDATE technician SET supervisor = TRUE WHERE name = :n",
            {"n": COLLEAGUE})
    alex = MainWindow(ctx, ui_settings, actor=ME, ask=ScriptedAsk())
    priya = MainWindow(second_ctx, UiSettings(tmp_path / "priya.ini"), actor=COLLEAGUE,
                       ask=ScriptedAsk())
    for window in (alex, priya):
        qtbot.addWidget(window)
        window.show()
    # Thursday 10:00: every target of every ticket has breached. Alex's monitor ticks
    # first and writes the clocks; Priya's finds them current.
    clock.now += timedelta(days=3, hours=1)
    for window in (alex, priya):
        window.watch.on_result(window.watch.monitor_service.sweep(clock.now))
    assert _rows(alex) == [("HD-1003  Nobody's", "Resolution breached  (+1 earlier)"),
                           ("HD-1001  Mine", "Resolution breached")]
    # Priya, a supervisor: her ticket, the unassigned one (hers to hear, and escalated),
    # and the escalation of Alex's breach.
    assert _rows(priya) == [
        ("HD-1003  Nobody's", "Escalation: resolution breached  (+1 earlier)"),
        ("HD-1002  Priya's", "Resolution breached  (+1 earlier)"),
        ("HD-1001  Mine", "Escalation: resolution breached")]
    assert (alex.watch.bell.text(), priya.watch.bell.text()) == ("Alerts  2", "Alerts  3")
    assert _heading_and_rows(alex)[0].startswith("Alerts for <b>my tickets</b> (change")
    assert _heading_and_rows(priya)[0].startswith(
        "Alerts for <b>my tickets</b> and <b>escalations</b> to you as a supervisor")
    # Reading in one window reads nothing in the other.
    alex.watch.center.mark_read()
    assert (alex.watch.bell.text(), priya.watch.bell.text()) == ("Alerts", "Alerts  3")


def test_what_one_technician_read_at_a_workstation_is_not_read_for_the_next(
        ctx: AppContext, clock: FakeClock, ui_settings: UiSettings, qtbot: QtBot) -> None:
    """Priya's alert was stored before Alex's (a lower id); Alex reads all of his at this
    workstation; when Priya signs in here (Settings), her alert is still unread."""
    from desk_app.services.audience import Scope
    from tests.conftest import monitor_for

    ctx.tickets.create(make_draft(title="Priya's", assignee=COLLEAGUE), actor=ME)
    ctx.tickets.create(make_draft(title="Mine", assignee=ME), actor=ME)
    clock.now += timedelta(hours=4, minutes=5)
    assert len(monitor_for(ctx, COLLEAGUE, scope=Scope.MINE).sweep(clock.now).crossings) == 1
    window = MainWindow(ctx, ui_settings, actor=ME, ask=ScriptedAsk())
    qtbot.addWidget(window)
    window.watch.on_result(window.watch.monitor_service.sweep(clock.now))
    assert window.watch.bell.text() == "Alerts  1"
    window.watch.center.mark_read()
    assert window.watch.bell.text() == "Alerts"
    window.watch.apply_settings(me_id=ctx.directory.technician_id(COLLEAGUE))
    assert [e.title for e in window.watch.center.entries] == ["Priya's"]
    assert window.watch.bell.text() == "Alerts  1"
    window.watch.apply_settings(me_id=ctx.directory.technician_id(ME))  # and back
    assert window.watch.bell.text() == "Alerts"
