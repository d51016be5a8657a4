"""SLA in the window: the time-left column, the clocks in the detail pane, the editor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.services.sla import clock_text
from desk_app.ui.main_window import MainWindow
from desk_app.ui.sla.sla_settings_dialog import SlaSettingsDialog
from desk_app.ui.tickets.ticket_table_model import Column
from desk_app.workers.task_runner import SyncRunner
from tests.conftest import ME, FakeClock, make_draft, move

WindowFactory = Callable[[], MainWindow]


def test_time_left_column_and_clock_explanations(make_window: WindowFactory,
                                                 ctx: AppContext, clock: FakeClock) -> None:
    # UTC user, Monday 09:00; P3: 4 h first response on office hours.
    created = ctx.tickets.create(make_draft(), actor=ME)
    clock.advance(minutes=47)
    window = make_window()
    model = window.model
    row = model.row_of(created.id)
    assert row is not None
    assert model.data(model.index(row, Column.TIME_LEFT)) == "3 h 13 m left"
    assert "First response clock" in model.data(model.index(row, Column.TIME_LEFT),
                                                 3)  # ToolTipRole
    pane = window.detail
    assert pane.sla_box.title() == "Service level · P3 Medium"
    assert "3 h 13 m left" in pane.response_clock.text()
    assert "4 h target, 47 m used" in pane.response_clock.text()

    move(ctx, created.id, Status.WAITING_CUSTOMER)
    window.refresh()
    assert model.data(model.index(model.row_of(created.id) or 0, Column.TIME_LEFT)) == \
        "Paused"
    assert "if resumed now" in window.detail.resolution_clock.text()


def test_breached_reads_how_long_ago(clock: FakeClock) -> None:
    due = clock.now
    assert clock_text("breached", due, None, clock.advance(minutes=35)) == \
        "Breached 35 m ago"
    # Stopped after the target passed: missed, by the business time used beyond it.
    assert clock_text("breached_stopped", due, None, clock.now) == "Missed"
    assert clock_text("breached_stopped", due, None, clock.now, over_s=7200) == \
        "Missed by 2 h"
    assert clock_text("breached_stopped", due, None, clock.now, over_s=900,
                      label="First response") == "Response missed by 15 m"
    assert clock_text("met", None, None, clock.now) == "Met"
    assert clock_text(None, None, None, clock.now) == ""


def test_sla_editor_previews_then_applies(ctx: AppContext, qtbot: QtBot, clock: FakeClock
                                         ) -> None:
    created = ctx.tickets.create(make_draft(), actor=ME)
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.runner = SyncRunner()
    asked: list[tuple[int, int, int]] = []
    dialog.confirm = lambda moves, total, changes: asked.append((moves, total, changes)) or True
    dialog.tabs.setCurrentIndex(1)
    dialog.policy_list.setCurrentRow(2)
    assert dialog.pol_name.text() == "P3 Medium"
    dialog.pol_response.setText("1h 30m")
    dialog.save()
    assert asked == [(1, 1, 0)]
    assert dialog.applied == 1
    assert ctx.sla.setup().policies[2].first_response_s == 5400
    due = ctx.sla.replay_ticket(created.id).first_response
    assert due is not None and due.target_s == 5400


def test_sla_editor_names_the_bad_field_and_keeps_edits(ctx: AppContext, qtbot: QtBot) -> None:
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.calendar_list.setCurrentRow(1)
    dialog.cal_days[2].setText("9-17")
    dialog.confirm = lambda *_: (_ for _ in ()).throw(AssertionError("must not ask"))
    dialog.save()
    assert dialog.isVisible()
    assert "Calendar 'Office hours', Wednesday" in dialog.banner.text()
    assert dialog.cal_days[2].text() == "9-17"


def test_sla_editor_cancel_at_preview_changes_nothing(ctx: AppContext, qtbot: QtBot) -> None:
    before = ctx.sla.setup()
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.runner = SyncRunner()
    dialog.confirm = lambda *_: False
    dialog.tabs.setCurrentIndex(1)
    dialog.policy_list.setCurrentRow(0)
    dialog.pol_resolution.setText("2h")
    dialog.save()
    assert dialog.applied is None and ctx.sla.setup() is before


def test_a_calendar_in_use_cannot_be_removed(ctx: AppContext, qtbot: QtBot) -> None:
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.calendar_list.setCurrentRow(0)
    dialog._on_remove_calendar()
    assert "is used by P1 Critical" in dialog.banner.text()
    assert len(dialog.calendars) == 2


def test_sla_editor_works_off_the_gui_thread(ctx: AppContext, qtbot: QtBot) -> None:
    """The real task runner: preview and save run on the thread pool, results come back."""
    ctx.tickets.create(make_draft(), actor=ME)
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.confirm = lambda *_: True
    dialog.tabs.setCurrentIndex(1)
    dialog.policy_list.setCurrentRow(2)
    dialog.pol_resolution.setText("30h")
    dialog.save()
    assert dialog.busy.isVisible() or dialog.applied == 1
    qtbot.waitUntil(lambda: dialog.applied == 1, timeout=10_000)
    assert not dialog.busy.isVisible()
    assert ctx.sla.setup().policies[2].resolution_s == 30 * 3600


def test_renaming_a_calendar_keeps_the_shown_policy_on_it(ctx: AppContext, qtbot: QtBot
                                                          ) -> None:
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.policy_list.setCurrentRow(2)
    assert (dialog.pol_name.text(), dialog.pol_calendar.currentText()) == \
        ("P3 Medium", "Office hours")
    dialog.calendar_list.setCurrentRow(1)
    dialog.cal_name.setText("Weekdays")
    dialog.calendar_list.setCurrentRow(0)  # stores the rename
    assert dialog.pol_calendar.currentText() == "Weekdays"
    dialog.policy_list.setCurrentRow(3)  # stores the shown policy's form
    assert [p.calendar for p in dialog.policies] == ["24x7"] + ["Weekdays"] * 3
    dialog.policy_list.setCurrentRow(2)
    assert dialog.pol_calendar.currentText() == "Weekdays"


def test_a_calendar_chosen_in_the_policy_form_cannot_be_removed(ctx: AppContext,
                                                               qtbot: QtBot) -> None:
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._on_add_calendar()
    assert dialog.calendars[2].name == "New calendar"
    dialog.policy_list.setCurrentRow(2)
    dialog.pol_calendar.setCurrentText("New calendar")  # chosen, not yet stored
    dialog.calendar_list.setCurrentRow(2)
    dialog._on_remove_calendar()
    assert "Calendar 'New calendar' is used by P3 Medium" in dialog.banner.text()
    assert [c.name for c in dialog.calendars] == ["24x7", "Office hours", "New calendar"]
    assert dialog.pol_calendar.currentText() == "New calendar"


def test_sla_editor_replays_each_ticket_once_per_setup(ctx: AppContext, qtbot: QtBot,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Preview then Apply: each re-timed ticket is replayed once, under the new setup, in the
    preview (its stored clocks, current on this fresh desk, stand for the old setup), and
    the save stores that work instead of replaying again (issue 11)."""
    import desk_app.services.sla as sla_module

    for i in range(2):
        ctx.tickets.create(make_draft(title=f"T{i}"), actor=ME)  # P3 Medium
    calls: list[int] = []
    real = sla_module.replay
    monkeypatch.setattr(sla_module, "replay",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    dialog = SlaSettingsDialog(ctx.sla, actor=ME)
    qtbot.addWidget(dialog)
    dialog.runner = SyncRunner()
    dialog.confirm = lambda *_: True
    dialog.tabs.setCurrentIndex(1)
    dialog.policy_list.setCurrentRow(2)
    assert dialog.pol_name.text() == "P3 Medium"
    dialog.pol_resolution.setText("30h")
    dialog.save()
    assert dialog.applied == 2
    assert len(calls) == 2
