"""File > Export: the tickets the table shows (its filter, search, sort and visible columns,
plus the SLA fields), and the period exports through the Reports window."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.csv_cells import safe_text
from desk_app.domain.enums import Status
from desk_app.services.ticket_list import QuickFilter
from desk_app.services.view_export import SLA_FIELDS
from desk_app.ui.main_window import MainWindow
from desk_app.ui.tickets.ticket_table_model import Column
from desk_app.workers.task_runner import SyncRunner
from tests.conftest import ME, FakeClock, make_draft, move

WindowFactory = Callable[[], MainWindow]


@pytest.fixture
def save_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The save dialog answers with tmp_path/export.csv; returns the titles it was shown
    with. (The dialog is the edge: Qt's own dialog is not what these tests are about.)"""
    asked: list[str] = []

    def dialog(_parent: object, title: str, *_rest: object) -> tuple[str, str]:
        asked.append(title)
        return str(tmp_path / "export.csv"), "CSV files (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    return asked


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets look for
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _export_menu(window: MainWindow) -> QMenu:
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a.menu() for a in file_menu.actions()  # type: ignore[union-attr]
                if a.menu() is not None and a.text() == "&Export")


def _item(window: MainWindow, text: str) -> QAction:
    return next(a for a in _export_menu(window).actions() if a.text() == text)


def _shown(window: MainWindow, column: Column) -> list[str]:
    return [window.model.data(window.model.index(r, column))
            for r in range(window.model.rowCount())]


def test_ctrl_e_writes_the_searched_and_sorted_view_with_its_visible_columns(
        make_window: WindowFactory, ctx: AppContext, clock: FakeClock, qtbot: QtBot,
        tmp_path: Path, save_to: list[str]) -> None:
    for title in ("Printer jam", "VPN drops", "Printer toner", "=printer cartridge"):
        ctx.tickets.create(make_draft(title=title), actor=ME)
    clock.advance(minutes=20)
    window = make_window()
    window.runner = SyncRunner()
    qtbot.keyClicks(window.search, "printer")
    window.apply_search()
    window.model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    header = window.table.horizontalHeader()
    hidden = {Column.REQUESTER, Column.ORGANIZATION, Column.RESPONSE_DUE, Column.UPDATED}
    for column in Column:  # as from the header's menu
        header.setSectionHidden(column, column in hidden)
    header.moveSection(header.visualIndex(Column.STATUS), 0)  # dragged to the far left

    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)

    names, rows = _rows(tmp_path / "export.csv")
    visible = ["status", "number", "priority", "title", "time_left", "resolution_due_at",
               "assignee", "created_at"]  # "Age" shows created_at
    assert names == visible + [f for f in SLA_FIELDS if f != "resolution_due_at"]
    assert "requester" not in names and "updated_at" not in names
    assert "response_due_at" in names  # hidden in the table, but an SLA field
    assert [r["title"] for r in rows] == ["Printer toner", "Printer jam",
                                          "'=printer cartridge"]  # neutralised
    assert [r["title"] for r in rows] == [safe_text(t) for t in _shown(window, Column.TITLE)]
    assert [r["number"] for r in rows] == _shown(window, Column.NUMBER)
    assert [r["time_left"] for r in rows] == _shown(window, Column.TIME_LEFT)
    assert {r["status"] for r in rows} == {"new"}
    assert save_to == ["Export the tickets in this view"]
    assert window.statusBar().currentMessage() == \
        f"Exported 3 tickets to {tmp_path / 'export.csv'}"


def test_a_quick_filter_limits_the_export_to_what_it_shows(
        make_window: WindowFactory, ctx: AppContext, tmp_path: Path,
        save_to: list[str]) -> None:
    for title in ("Printer jam", "VPN drops", "Mail full"):
        ctx.tickets.create(make_draft(title=title), actor=ME)
    move(ctx, ctx.tickets.find_by_number(1002) or 0, Status.WAITING_CUSTOMER)
    window = make_window()
    window.runner = SyncRunner()
    window.set_filter(QuickFilter.WAITING)
    _item(window, "&Tickets in this view…").trigger()
    _names, rows = _rows(tmp_path / "export.csv")
    assert [(r["number"], r["title"], r["status"]) for r in rows] == \
        [("HD-1002", "VPN drops", "waiting_customer")]
    assert rows[0]["resolution_state"] == "paused"


def test_cancelling_the_save_dialog_writes_nothing(
        make_window: WindowFactory, ctx: AppContext, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    ran: list[object] = []
    window.runner = SyncRunner()
    monkeypatch.setattr(window.runner, "run", lambda *a: ran.append(a))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: ("", "")))
    window.export_view()
    assert ran == [] and list(tmp_path.glob("*.csv")) == []


def test_the_file_menu_has_an_export_submenu_with_every_export(
        make_window: WindowFactory) -> None:
    window = make_window()
    items = [a.text() for a in _export_menu(window).actions() if not a.isSeparator()]
    assert items == ["&Tickets in this view…", "Period &summary…", "&Breach list…",
                     "Service &credits…"]
    assert _item(window, "&Tickets in this view…").shortcut().toString() == "Ctrl+E"
    assert dict(window.shortcut_list)["Ctrl+E"] == \
        "Export the tickets in this view to a CSV file"


@pytest.mark.parametrize(("item", "what"), [("Period &summary…", "summary"),
                                            ("&Breach list…", "breaches"),
                                            ("Service &credits…", "credits")])
def test_period_exports_go_through_the_reports_window(
        make_window: WindowFactory, ctx: AppContext, tmp_path: Path, save_to: list[str],
        item: str, what: str) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    window.runner = SyncRunner()
    _item(window, item).trigger()
    reports = window.reports_window
    assert reports.isVisible()  # the supervisor sees the period exported, and can change it
    assert reports.period.currentText() == "This month"
    assert save_to == [f"Export {what}"]
    target = tmp_path / "export.csv"
    names, rows = _rows(target)
    assert names and reports.status.text() == f"Wrote {len(rows):,} rows to {target}"


def test_the_view_export_runs_on_the_task_runners_thread(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot, tmp_path: Path,
        save_to: list[str]) -> None:
    for n in range(3):
        ctx.tickets.create(make_draft(title=f"Ticket {n}"), actor=ME)
    window = make_window()  # the real TaskRunner: only plain ids and names cross over
    window.export_view()
    target = tmp_path / "export.csv"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage()
                    == f"Exported 3 tickets to {target}", timeout=10_000)
    assert [r["title"] for r in _rows(target)[1]] == _shown(window, Column.TITLE)
