"""Edges where the code now spells out what PySide6's stubs leave untyped; each must behave
as it did when PySide6 converted the values itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QShortcut
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.services.alerts import AlertRules
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.settings_dialog import SettingsDialog
from desk_app.ui.settings.ui_settings import UiSettings
from tests.ui.conftest import ME


def test_quiet_hours_come_back_from_the_settings_dialog_unchanged(
        ctx: AppContext, ui_settings: UiSettings, qtbot: QtBot) -> None:
    ui_settings.set_alert_rules(AlertRules(quiet_from=time(20, 30), quiet_to=time(6, 15)))
    dialog = SettingsDialog(ctx.directory, technician=ME, ui_settings=ui_settings)
    qtbot.addWidget(dialog)
    assert dialog.quiet_from.time().toString("HH:mm") == "20:30"
    rules = dialog.current_rules()
    assert (rules.quiet_from, rules.quiet_to) == (time(20, 30), time(6, 15))


def test_the_tick_interval_read_from_settings_is_clamped_and_survives_garbage(
        tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    for stored, expected in (("42", 42), ("3", 5), ("9000", 600), ("soon", 15), ("", 15)):
        raw = QSettings(str(path), QSettings.Format.IniFormat)
        raw.setValue("alerts/tick_s", stored)
        raw.sync()
        assert UiSettings(path).tick_seconds == expected, stored
    settings = UiSettings(path)
    settings.tick_seconds = 30
    assert settings.tick_seconds == 30


def test_ctrl_return_sends_only_from_the_composer(
        make_window: Callable[[], MainWindow]) -> None:
    """The composer's Send shortcuts are scoped to the composer widget, not the window."""
    window = make_window()
    shortcuts = [s for s in window.detail.composer.findChildren(QShortcut)
                 if s.key().toString() in ("Ctrl+Return", "Ctrl+Enter")]
    assert len(shortcuts) == 2
    assert {s.context() for s in shortcuts} == {Qt.ShortcutContext.WidgetShortcut}
