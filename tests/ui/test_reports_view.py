"""The Reports window: computes off the GUI thread, shows figures, tables and charts with
their numbers, ignores stale results, and exports through the save dialog."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.enums import Impact, Status, Urgency
from desk_app.domain.periods import Preset
from desk_app.services.reports import ReportService
from desk_app.ui.reports.reports_view import ReportsWindow
from desk_app.workers.task_runner import SyncRunner, TaskRunner
from tests.conftest import ME, FakeClock, make_draft, move

MONDAY = date(2026, 11, 16)


@pytest.fixture
def desk(ctx: AppContext, clock: FakeClock) -> None:
    """Monday 09:00 UTC: a P3 answered after 1 h and resolved at 11:00 with a rating of 5;
    a P1 never answered (breached at 09:30); a Contoso P3 still open (pending)."""
    a = ctx.tickets.create(make_draft(title="A"), actor=ME)
    ctx.tickets.create(make_draft(title="P1", impact=Impact.HIGH, urgency=Urgency.HIGH),
                       actor=ME)
    from desk_app.domain.ticket import RequesterInput

    ctx.tickets.create(make_draft(title="C", requester=RequesterInput(
        name="Ben", email="ben@contoso.example", organization="Contoso")), actor=ME)
    clock.advance(hours=1)
    ctx.tickets.add_reply(a.id, "On it", actor=ME)
    clock.advance(hours=1)
    move(ctx, a.id, Status.RESOLVED, resolution_note="Done", csat_score=5)
    clock.advance(hours=1)


def _window(ctx: AppContext, qtbot: QtBot, runner: Any = None) -> ReportsWindow:
    window = ReportsWindow(reports=ctx.reports, credits=ctx.credits, exports=ctx.exports,
                           runner=runner or SyncRunner(), tz=ctx.sla.user_tz, today=MONDAY)
    qtbot.addWidget(window)
    window.show()
    return window


def _cells(table: Any) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_shows_this_months_figures(ctx: AppContext, desk: None, qtbot: QtBot,
                                   qtmodeltester: Any) -> None:
    window = _window(ctx, qtbot)
    assert window.days() == (date(2026, 11, 1), date(2026, 11, 30))
    assert not window.first_day.isEnabled()  # a preset's days are not edited by hand
    window.compute()
    assert window.result is not None and window.busy.isHidden()
    assert window.tiles["created"].value.text() == "3"
    assert window.tiles["resolved"].value.text() == "1"
    assert window.tiles["csat"].value.text() == "5.00 / 5"
    model = window.attainment_model
    qtmodeltester.check(model)
    rows = [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]
    assert ["P1", "First response", "0", "1", "0", "0.0 %", "100.0 %", "✗ Miss"] in rows
    assert ["P3", "First response", "1", "0", "1", "100.0 %", "90.0 %", "✓ Pass"] in rows
    assert "3 tickets created" in window.status.text()


def test_every_chart_has_its_numbers_one_click_away(ctx: AppContext, desk: None,
                                                     qtbot: QtBot) -> None:
    window = _window(ctx, qtbot)
    window.compute()
    card = window.charts["breaches"]
    assert card.stack.currentWidget() is card.view
    card.toggle.click()
    assert card.stack.currentWidget() is card.table
    # The P1's first response breached on Monday 16th at 09:30; its resolution (4 h) at
    # 13:00 is still to come at 12:00.
    assert ["wk 16 Nov", "1"] in _cells(card.table)
    flow = _cells(window.charts["flow"].table)
    assert flow[15] == ["16 Nov", "3", "1"]  # created, resolved on the 16th
    assert flow[16] == ["17 Nov", "–", "–"]  # the future has no figures yet
    attainment = _cells(window.charts["attainment"].table)
    assert ["P1 resp.", "0.0 %", "100.0 %"] in attainment
    card.toggle.click()
    assert card.stack.currentWidget() is card.view


def test_filters_and_grouping_recompute(ctx: AppContext, desk: None, qtbot: QtBot) -> None:
    window = _window(ctx, qtbot)
    window.compute()
    combo = window.filters["organization"]
    combo.setCurrentIndex(combo.findText("Contoso"))  # recomputes on change
    assert window.result is not None and window.result.report.volume.created == 1
    assert "organization: Contoso" in window.status.text()
    window.group_by.setCurrentIndex(window.group_by.findData("organization"))
    groups = {window.attainment_model.index(r, 0).data()
              for r in range(window.attainment_model.rowCount())}
    assert groups == {"Contoso"}


def test_custom_period_and_a_backwards_range(ctx: AppContext, desk: None,
                                             qtbot: QtBot) -> None:
    window = _window(ctx, qtbot)
    window.period.setCurrentIndex(list(Preset).index(Preset.CUSTOM))
    assert window.first_day.isEnabled() and window.last_day.isEnabled()
    window.first_day.setDate(date(2026, 11, 17))
    window.last_day.setDate(date(2026, 11, 16))
    assert "before the first day" in window.status.text()
    window.first_day.setDate(date(2026, 11, 16))
    assert window.result is not None and window.result.report.volume.created == 3
    window.period.setCurrentIndex(list(Preset).index(Preset.LAST_WEEK))
    assert window.days() == (date(2026, 11, 9), date(2026, 11, 15))
    assert window.result.report.volume.created == 0  # type: ignore[union-attr]


class _HeldRunner:
    """Keeps each task's callbacks so a test decides when (and in which order) they land."""

    def __init__(self) -> None:
        self.tasks: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None:
        self.tasks.append((fn, on_done))


def test_a_late_result_for_an_older_request_is_dropped(ctx: AppContext, desk: None,
                                                       qtbot: QtBot) -> None:
    runner = _HeldRunner()
    window = _window(ctx, qtbot, runner)
    window.compute()  # this month
    window.period.setCurrentIndex(list(Preset).index(Preset.LAST_WEEK))  # asks again
    (old_fn, old_done), (new_fn, new_done) = runner.tasks
    new_done(new_fn())
    old_done(old_fn())  # arrives late: must not replace what is shown
    assert window.result is not None and window.result.report.volume.created == 0
    assert window.tiles["created"].value.text() == "0"


def test_computes_off_the_gui_thread(ctx: AppContext, desk: None, qtbot: QtBot,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[threading.Thread] = []
    real = ReportService.period_report

    def spy(self: ReportService, *args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ReportService, "period_report", spy)
    window = _window(ctx, qtbot)
    window.runner = TaskRunner(window)  # parented: lives as long as the window
    window.compute()
    assert window.busy.isVisible()
    qtbot.waitUntil(lambda: window.result is not None, timeout=10000)
    assert seen and seen[0] is not threading.main_thread()
    assert window.busy.isHidden() and window.tiles["created"].value.text() == "3"


def test_a_failure_is_shown_and_the_window_stays_usable(ctx: AppContext, desk: None,
                                                        qtbot: QtBot,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(ReportService, "period_report", broken)
    window = _window(ctx, qtbot)
    window.compute()
    assert "could not be computed: database is locked" in window.status.text()
    assert window.refresh_button.isEnabled() and window.busy.isHidden()


@pytest.mark.parametrize("what", ["summary", "breaches", "credits"])
def test_export_through_the_save_dialog(ctx: AppContext, desk: None, qtbot: QtBot,
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        what: str) -> None:
    target = tmp_path / f"{what}.csv"
    asked: list[str] = []

    def save_dialog(_parent: Any, _title: str, suggested: str, _filter: str
                    ) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), "CSV files (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    window = _window(ctx, qtbot)
    window.export(what)
    assert asked[0].endswith(f"{what}-2026-11-01-to-2026-11-30.csv")
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"), newline="")))
    assert rows and f"Wrote {len(rows) - 1:,} rows" in window.status.text()
    if what == "summary":
        assert rows[1][3:7] == ["volume", "all", "created", "3"]
    if what == "breaches":
        assert len(rows) == 2  # the P1's first response


def test_export_cancelled_writes_nothing(ctx: AppContext, desk: None, qtbot: QtBot,
                                         tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: ("", ""))
    window = _window(ctx, qtbot)
    window.export("summary")
    assert list(tmp_path.glob("*.csv")) == []


def test_main_window_opens_reports_with_ctrl_r(make_window: Callable[[], Any],
                                               qtbot: QtBot) -> None:
    window = make_window()
    window.runner = SyncRunner()
    action = next(a for a in window.actions() if a.shortcut().toString() == "Ctrl+R")
    action.trigger()
    reports = window.reports_window
    assert reports.isVisible() and reports.result is not None
    action.trigger()
    assert window.reports_window is reports  # one Reports window, raised again


def test_settings_lead_to_service_levels_and_contracts(make_window: Callable[[], Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui.conftest import when_modal

    window = make_window()
    opened: list[str] = []
    monkeypatch.setattr(window, "open_contracts", lambda: opened.append("contracts"))
    monkeypatch.setattr(window, "open_sla_settings", lambda: opened.append("sla"))

    def press(dialog: Any) -> None:
        dialog.more_buttons["Contracts and credits…"].click()
        dialog.more_buttons["Service levels…"].click()
        dialog.reject()

    when_modal(press)
    window.open_settings()
    assert opened == ["contracts", "sla"]


def test_export_writes_the_figures_on_screen_without_computing_again(
        ctx: AppContext, desk: None, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(ctx, qtbot)
    window.compute()
    calls: list[object] = []
    real = ReportService.period_report
    monkeypatch.setattr(ReportService, "period_report",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    target = tmp_path / "summary.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    window.export("summary")
    assert calls == []
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[1][3:7] == ["volume", "all", "created", "3"]
    # Another choice than the one shown is computed afresh.
    window.group_by.blockSignals(True)
    window.group_by.setCurrentIndex(window.group_by.findData("organization"))
    window.group_by.blockSignals(False)
    window.export("summary")
    assert calls == [1]


@pytest.mark.parametrize("what", ["summary", "breaches", "credits"])
def test_the_cli_and_the_window_export_the_same_file_through_one_path(
        ctx: AppContext, desk: None, clock: FakeClock, db_path: Path, qtbot: QtBot,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    """Same period, same desk, same instant: byte for byte the same CSV, whichever asked,
    and both through ExportService.export (the window reusing the figures on screen)."""
    from decimal import Decimal

    from desk_app import app
    from desk_app.cli import main
    from desk_app.domain.credits import Contract, CreditTier
    from desk_app.services.period_export import ExportService

    contoso = next(o for o in ctx.credits.organizations() if o.organization == "Contoso")
    ctx.credits.save_contract(contoso.organization_id, Contract(
        monthly_fee=Decimal("1000.00"), currency="USD",
        targets=frozenset({"first_response", "resolution"}),
        tiers=(CreditTier(Decimal(99), Decimal(10)),), p1_breach_credit=Decimal("150")))
    asked: list[str] = []
    real_export = ExportService.export

    def spy(self: ExportService, request: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(request.kind.value)
        return real_export(self, request, *args, **kwargs)

    monkeypatch.setattr(ExportService, "export", spy)
    from_window, from_cli = tmp_path / "window.csv", tmp_path / "cli.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(from_window), ""))
    window = _window(ctx, qtbot)
    window.compute()
    window.export(what)
    # The command line opens its own context on the same file, at the same instant.
    real_open = app.open_context
    monkeypatch.setattr(app, "open_context", lambda target, **kw: real_open(
        target, clock=clock, user_tz="UTC", **kw))
    assert main(["export", what, "--db", str(db_path), "--from", "2026-11-01", "--to",
                 "2026-11-30", "--tz", "UTC", "--out", str(from_cli)]) == 0
    assert asked == [what, what]
    window_bytes = from_window.read_bytes()
    assert len(window_bytes.splitlines()) > 1  # rows, not just a header
    assert window_bytes == from_cli.read_bytes()
