"""What the window says about SLA alerts is true from the first paint: the status bar's
counts, and the Alerts list (in the technician's scope, one row per ticket, read state)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.risk import Risk
from desk_app.services.alerts import AlertRules, Scope
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.main_window import MainWindow
from desk_app.ui.sla.alerts_dialog import NotificationsDialog
from tests.conftest import ME, FakeClock, make_draft, monitor_for
from tests.ui.conftest import when_modal

WindowFactory = Callable[[], MainWindow]
OTHER = "Priya Raman"
# The default policy's first-response target is 4 h with warnings at 50, 75 and 90 %: each
# of these sweeps stores one more level per open ticket.
STEPS = ((2, 5, Risk.APPROACHING), (3, 5, Risk.AT_RISK), (3, 40, Risk.CRITICAL),
         (4, 5, Risk.BREACHED))


def _desk(ctx: AppContext, clock: FakeClock) -> dict[str, int]:
    """Mine, unassigned and someone else's ticket, crossing every level while this
    technician's monitor (default scope: mine and unassigned) ran before this window
    opened: mine and the unassigned one were told to them at every level."""
    ids = {"mine": ctx.tickets.create(make_draft(title="Mine", assignee=ME), actor=ME).id,
           "unassigned": ctx.tickets.create(make_draft(title="Nobody's"), actor=ME).id,
           "other": ctx.tickets.create(make_draft(title="Priya's", assignee=OTHER),
                                       actor=ME).id}
    monitor = monitor_for(ctx)
    start = clock.now
    for hours, minutes, _risk in STEPS:
        clock.now = start + timedelta(hours=hours, minutes=minutes)
        assert len(monitor.sweep(clock.now).crossings) == 2
    return ids


def test_counts_and_summary_are_right_from_the_first_paint(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock) -> None:
    _desk(ctx, clock)
    window = make_window()  # no monitor thread: nothing has ticked in this window
    assert window.watch.monitor is None
    assert window.watch.summary.text() == "<a href='breached'>3 breached</a>"
    assert window.filter_buttons[QuickFilter.BREACHED].text() == \
        f"{QuickFilter.BREACHED.label}  3"
    assert window.filter_buttons[QuickFilter.AT_RISK].text() == \
        f"{QuickFilter.AT_RISK.label}  0"
    # The list holds what was already notified, in scope: mine and the unassigned one.
    assert window.watch.bell.text() == "Alerts  2"


def test_a_window_that_opens_on_a_quiet_desk_says_so(make_window: WindowFactory,
                                                     ctx: AppContext) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    assert window.watch.summary.text() == "No SLA alerts"
    assert window.watch.bell.text() == "Alerts"


def _tree_rows(dialog: NotificationsDialog) -> list[tuple[str, str, list[str], bool]]:
    tree = dialog.tree
    rows = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        rows.append((top.text(0), top.text(1),
                     [top.child(j).text(1) for j in range(top.childCount())],
                     top.font(0).bold()))
    return rows


def test_the_list_honours_the_scope_and_groups_by_ticket(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock) -> None:
    _desk(ctx, clock)
    window = make_window()
    center = window.watch.center
    dialog = NotificationsDialog(center, scope_label=Scope.MINE_AND_UNASSIGNED.label,
                                 now=clock.now)
    earlier = ["First response critical", "First response at risk",
               "First response approaching"]
    # Newest ticket first; its newest level on the row, the three before folded under it.
    assert _tree_rows(dialog) == [
        ("HD-1002  Nobody's", "First response breached  (+3 earlier)", earlier, True),
        ("HD-1001  Mine", "First response breached  (+3 earlier)", earlier, True)]
    assert "First response approaching" in dialog.tree.topLevelItem(0).toolTip(0)
    assert {e.ticket_id for e in center.entries} == {1, 2} and len(center.entries) == 8

    # Settings: every ticket. The list holds what was told to this technician; the
    # monitor's next sweep tells them what the wider scope holds now (Priya's ticket is
    # breached: one entry, not the levels it passed while nobody listened for them).
    window.settings.set_alert_rules(AlertRules(scope=Scope.ALL))
    window.watch.apply_settings(me_id=window.me_id)
    assert window.watch.bell.text() == "Alerts  2"
    window.watch.on_result(window.watch.monitor_service.sweep(clock.now))
    assert window.watch.bell.text() == "Alerts  3"
    dialog.rebuild()
    assert len(_tree_rows(dialog)) == 3
    assert _tree_rows(dialog)[0][:3] == ("HD-1003  Priya's", "First response breached", [])
    middle = dialog.tree.topLevelItem(1)
    middle.setExpanded(True)
    dialog.tree.setCurrentItem(middle)
    chosen = dialog.current_ticket()
    dialog.rebuild()  # a tick while the list is open keeps what was unfolded and chosen
    assert dialog.current_ticket() == chosen == 2  # HD-1002, Nobody's
    assert [dialog.tree.topLevelItem(i).isExpanded() for i in range(3)] == \
        [False, True, False]
    # Another technician at this workstation: their own list (nobody told them anything
    # yet), then what their first sweep tells them in "my tickets".
    window.settings.set_alert_rules(AlertRules(scope=Scope.MINE))
    window.me_id = ctx.directory.technician_id(OTHER)
    window.watch.apply_settings(me_id=window.me_id)
    assert window.watch.center.entries == [] and window.watch.bell.text() == "Alerts"
    window.watch.on_result(window.watch.monitor_service.sweep(clock.now))
    assert [g.newest.title for g in center.groups()] == ["Priya's"]
    assert window.watch.bell.text() == "Alerts  1"
    dialog.rebuild()
    assert [row[0] for row in _tree_rows(dialog)] == ["HD-1003  Priya's"]


def test_opening_a_ticket_reads_it_and_mark_all_read_reads_the_rest(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock, qtbot: QtBot,
        ui_settings: object) -> None:
    ids = _desk(ctx, clock)
    window = make_window()
    watch = window.watch
    assert watch.bell.text() == "Alerts  2"
    seen: list[list[tuple[str, str, list[str], bool]]] = []

    def open_mine(dialog: QWidget) -> None:
        assert isinstance(dialog, NotificationsDialog)
        seen.append(_tree_rows(dialog))
        tree = dialog.tree
        mine = next(tree.topLevelItem(i) for i in range(2)
                    if tree.topLevelItem(i).text(0).endswith("Mine"))
        tree.setCurrentItem(mine)
        dialog.open_button.click()  # opens the ticket and closes the list

    when_modal(open_mine)
    watch.show_notifications()
    assert [bold for *_rest, bold in seen[0]] == [True, True]  # opening the list reads nothing
    assert window.selected_ticket_id() == ids["mine"]
    assert watch.bell.text() == "Alerts  1"

    def mark_all(dialog: QWidget) -> None:
        assert isinstance(dialog, NotificationsDialog)
        seen.append(_tree_rows(dialog))
        assert dialog.mark_all_button.isEnabled()
        dialog.mark_all_button.click()
        seen.append(_tree_rows(dialog))
        assert not dialog.mark_all_button.isEnabled()
        dialog.reject()

    when_modal(mark_all)
    watch.show_notifications()
    assert [bold for *_rest, bold in seen[1]] == [True, False]  # "Nobody's" still unread
    assert [bold for *_rest, bold in seen[2]] == [False, False]
    assert watch.bell.text() == "Alerts"

    # Read stays read: a new window on the same desk and settings starts at zero.
    window.close()
    assert make_window().watch.bell.text() == "Alerts"


def test_the_banner_goes_once_what_it_announced_is_read(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock) -> None:
    mine = ctx.tickets.create(make_draft(title="Mine", assignee=ME), actor=ME).id
    window = make_window()
    watch = window.watch
    assert watch.center.active_path() == "In-app banner"  # no daemon, no tray here
    start = clock.now
    clock.now = start + timedelta(hours=2, minutes=5)
    watch.on_result(watch.monitor_service.sweep(clock.now))
    assert watch.banner.isVisible() and "HD-1001 Mine" in watch.banner.text()
    assert watch.bell.text() == "Alerts  1"
    window.set_filter(QuickFilter.ALL)
    other = ctx.tickets.create(make_draft(title="Not announced", assignee=OTHER),
                               actor=ME).id
    window.refresh()
    window.select_ticket(other)
    assert watch.banner.isVisible()  # another ticket opened: the notice is still unread
    window.select_ticket(mine)
    assert not watch.banner.isVisible() and watch.bell.text() == "Alerts"

    # A burst becomes one summary notice; it goes once all its tickets are read.
    more = [ctx.tickets.create(make_draft(title=f"Burst {i}"), actor=ME).id for i in range(4)]
    clock.now += timedelta(hours=2, minutes=5)
    watch.on_result(watch.monitor_service.sweep(clock.now))
    assert watch.banner.isVisible() and "5 SLA alerts" in watch.banner.text()  # mine too
    for ticket_id in more:
        watch.open_ticket(ticket_id)
        assert watch.banner.isVisible()  # "Mine" breached meanwhile: still unread
    watch.open_ticket(mine)  # the last of the five
    assert not watch.banner.isVisible() and watch.bell.text() == "Alerts"


def test_live_crossings_of_other_technicians_tickets_stay_out_of_the_list(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock) -> None:
    for title, assignee in (("Mine", ME), ("Nobody's", ""), ("Priya's", OTHER)):
        ctx.tickets.create(make_draft(title=title, assignee=assignee), actor=ME)
    window = make_window()
    watch = window.watch
    for hours, minutes, _risk in STEPS:
        clock.now = clock.now.replace(hour=9 + hours, minute=minutes)
        watch.on_result(watch.monitor_service.tick(clock.now))
    assert sorted({e.title for e in watch.center.entries}) == ["Mine", "Nobody's"]
    assert len(watch.center.entries) == 8 and watch.bell.text() == "Alerts  2"
