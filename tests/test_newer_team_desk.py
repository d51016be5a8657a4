"""A team desk already upgraded by a newer Desk App is refused by an older one, untouched:
one line on the command line, a message box for the window (issue 12, "Migrations on a
team desk"; the SQLite cases are in tests/test_cli.py and tests/ui/test_dialogs_and_launch.py).

Every workstation opens the same PostgreSQL database, so after one is upgraded the others
meet a schema they do not know: they must say so and change nothing, not even the version
stamp (the newer app would then believe its own migrations had been undone)."""

from __future__ import annotations

import os
import subprocess
import sys

from pytestqt.qtbot import QtBot
from sqlalchemy import text

from desk_app.store.engine import make_engine
from tests.helpers.outage import OutageServer
from tests.ui.conftest import launch_and_read

FUTURE = "0042_from_a_newer_app"


def _stamp_future(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    finally:
        engine.dispose()


def _state(url: str) -> tuple[list[str], list[str]]:
    """The desk's tables and its version stamp: what a refusal must leave as it was."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name")).scalars().all()
            stamp = conn.execute(text("SELECT version_num FROM alembic_version")
                                 ).scalars().all()
        return list(tables), list(stamp)
    finally:
        engine.dispose()


def test_the_command_line_refuses_a_newer_team_desk_in_one_line(postgres_url: str) -> None:
    _stamp_future(postgres_url)
    before = _state(postgres_url)
    result = subprocess.run([sys.executable, "-m", "desk_app", "tickets", "list", "--db",
                             postgres_url], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "newer version of Desk App" in result.stderr and FUTURE in result.stderr
    assert "has not been changed" in result.stderr
    assert _state(postgres_url) == before


def test_the_window_refuses_a_newer_team_desk_with_a_message(postgres_url: str,
                                                             qtbot: QtBot) -> None:
    _stamp_future(postgres_url)
    before = _state(postgres_url)
    status, shown = launch_and_read(postgres_url)
    assert status == 1
    assert len(shown) == 1
    assert "newer version of Desk App" in shown[0] and "has not been changed" in shown[0]
    assert _state(postgres_url) == before


def test_the_command_line_on_a_stopped_server_says_it_cannot_be_reached(
        outage_url: str, outage_server: OutageServer) -> None:
    outage_server.stop("fast")
    result = subprocess.run([sys.executable, "-m", "desk_app", "tickets", "list", "--db",
                             outage_url], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "the server is not reachable (Connection refused)" in result.stderr
    assert "Traceback" not in result.stderr
