"""A known team desk password, used for real (connect, list, add, report, export, the
window, failing connects), then looked for everywhere the app writes or shows text: the log
file, stderr, stdout, the settings file, the window's title and labels, the messages of the
exceptions raised. It must be nowhere (only the keyring holds it)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk_app.app import open_context
from desk_app.platform.logs import setup_logging
from desk_app.platform.secrets import DeskPasswords, KeyringSecretStore
from desk_app.ui.launch import DeskWindows
from desk_app.ui.settings.ui_settings import UiSettings
from tests.conftest import TeamLogin
from tests.helpers.postgres import free_port

REPO = Path(__file__).parents[2]


# Nine command lines in subprocesses (about 4 s each on a loaded 2-core machine) and the
# window: more than the default 120 s per test when the machine is busy.
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_the_password_is_in_no_output_log_setting_or_message(
        team_login: TeamLogin, secret_service: object, tmp_path: Path, qtbot: QtBot) -> None:
    secret = team_login.password
    url = team_login.url
    home = {key: str(tmp_path / key.lower()) for key in
            ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
    seen: list[str] = []

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "desk_app", *args], capture_output=True,
                              text=True, input=stdin, env={**os.environ, **home},
                              timeout=120, cwd=REPO)
        seen.extend((done.stdout, done.stderr))
        return done

    today = datetime.now(UTC).date()
    period = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    assert run("team", "connect", url, "--password-stdin", stdin=secret).returncode == 0
    assert run("tickets", "add", "--db", url, "--title", "Leak check",
               "--requester", "Ben").returncode == 0
    assert run("tickets", "list", "--db", url).returncode == 0
    assert run("report", "--db", url, *period, "--format", "json").returncode == 0
    assert run("export", "tickets", "--db", url, "--out", str(tmp_path / "t.csv")
               ).returncode == 0
    with_password = url.replace(f"{team_login.role}@", f"{team_login.role}:{secret}@")
    unreachable = with_password.replace(f":{team_login.port}/", f":{free_port()}/")
    failing = [run("tickets", "list", "--db", unreachable),
               run("tickets", "list", "--db", with_password.replace(
                   team_login.database, "no_such_desk")),
               run("team", "connect", url.replace(team_login.database, "no_such_desk"),
                   "--password-stdin", stdin=secret)]
    assert all(f.returncode == 1 for f in failing), [f.stderr for f in failing]
    assert "not reachable" in failing[0].stderr and "no database" in failing[2].stderr

    # The window, in process: its log file, its settings file, what it shows.
    log_path = setup_logging(tmp_path / "log")
    settings = UiSettings(tmp_path / "settings.ini")
    desks = DeskWindows(settings, DeskPasswords(KeyringSecretStore()), start_monitor=False)
    window = desks.show(desks.open_context(url), url)
    qtbot.addWidget(window)
    seen.append(window.windowTitle())
    seen.extend(label.text() + label.toolTip() for label in window.findChildren(QLabel))
    seen.extend(a.text() for a in window.recent_menu.actions())
    problem = desks.switch_to(unreachable, "Anna", parent=window)
    assert problem and "not reachable" in problem
    seen.append(problem)
    settings.set_technician_for(with_password, "Anna")
    settings.add_recent_desk(with_password)
    settings.sync()

    no_desk = with_password.replace(team_login.database, "no_such_desk")
    for target in (unreachable, no_desk):  # what the code raises, cause chain included
        with pytest.raises(Exception) as raised:
            open_context(target).close()
        seen.append("".join(traceback.format_exception(raised.value)))
    window.close_for_switch()
    desks.close()

    for handler in list(logging.getLogger("desk_app").handlers):
        handler.flush()
    files = [log_path, tmp_path / "settings.ini", tmp_path / "t.csv",
             *Path(home["XDG_STATE_HOME"]).rglob("*"), *Path(home["XDG_CONFIG_HOME"]).rglob("*")]
    for path in files:
        if path.is_file():
            seen.append(path.read_text(encoding="utf-8", errors="replace"))
    assert "cannot open" in log_path.read_text(encoding="utf-8")  # the log was written
    leaks = [text for text in seen if secret in text]
    assert leaks == []
