"""No database password in what the app prints, logs or shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.platform.redact import redact

SECRET = "s3cr3t-Pw"
URL = f"postgresql+psycopg://desk:{SECRET}@db.example:5432/desk"


@pytest.mark.parametrize(("given", "shown"), [
    ("postgresql+psycopg://u:pw@h/db", "postgresql+psycopg://u:***@h/db"),
    ("postgresql://u:p@ss@h:5432/db?sslmode=require", "postgresql://u:***@h:5432/db?sslmode=require"),
    ("postgresql://:pw@h/db", "postgresql://:***@h/db"),
    ("cannot open mysql://root:hunter2@10.0.0.1/x: refused",
     "cannot open mysql://root:***@10.0.0.1/x: refused"),
    ("host=h user=u password=hunter2 dbname=d", "host=h user=u password=*** dbname=d"),
    ("postgresql://u@h/db?password=hunter2&x=1", "postgresql://u@h/db?password=***&x=1"),
])
def test_passwords_are_masked(given: str, shown: str) -> None:
    assert redact(given) == shown


@pytest.mark.parametrize("text", [
    "sqlite:////home/anna/desk.sqlite3", "/tmp/a:b@c/desk.sqlite3", "postgresql://u@h/db",
    "mail anna@example.com at 10:30", "row 3, column Email: 'a:b@c' is not an email address",
])
def test_text_without_a_password_is_unchanged(text: str) -> None:
    assert redact(text) == text


def test_the_command_line_never_prints_the_password(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desk_app", "tickets", "list", "--read-only", "--db", URL],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "desk:***@db.example" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_the_window_never_logs_or_shows_the_password(monkeypatch: pytest.MonkeyPatch,
                                                     capfd: pytest.CaptureFixture[str],
                                                     qtbot: object) -> None:
    """Opening the window on a URL with a password that cannot be opened: the log file and
    the message box say which database, without the password."""
    import desk_app.app
    from desk_app.platform.logs import setup_logging
    from desk_app.store.target import DatabaseUnusable
    from desk_app.ui import launch as launch_module

    def refuse(target: str, **_: object) -> None:
        raise DatabaseUnusable(f"cannot reach {target}: connection refused")

    shown: list[str] = []
    monkeypatch.setattr(desk_app.app, "open_context", refuse)
    # launch.py holds its own reference; patching only desk_app.app passed as long as
    # psycopg was missing (the real open then failed naming the URL), not once installed.
    monkeypatch.setattr(launch_module, "open_context", refuse)
    box_class = launch_module.QMessageBox
    monkeypatch.setattr(box_class, "critical",
                        lambda _parent, title, text: shown.append(f"{title}: {text}"))
    monkeypatch.setattr(box_class, "exec",
                        lambda box: shown.append(f"{box.windowTitle()}: {box.text()}") or 0)
    log_path = setup_logging()
    assert launch_module.launch(URL) == 1
    logged = log_path.read_text(encoding="utf-8")
    assert "desk:***@db.example" in logged and SECRET not in logged
    assert shown and "desk:***@db.example" in shown[0] and SECRET not in shown[0]
    out, err = capfd.readouterr()
    assert SECRET not in out + err
