"""Paths and logging: one source for folders, logs that survive a missing console."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from desk_app.platform.logs import LOG_FILENAME, setup_logging
from desk_app.platform.paths import chosen_database, default_database, log_dir


def test_database_choice_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    assert chosen_database(None) == str(default_database())
    assert default_database().name == "desk.sqlite3"
    monkeypatch.setenv("DESK_APP_DB", "/data/team.sqlite3")
    assert chosen_database(None) == "/data/team.sqlite3"
    assert chosen_database("/tmp/cli.sqlite3") == "/tmp/cli.sqlite3"


def test_folders_follow_the_platform_conventions(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_database() == tmp_path / "data" / "DeskApp" / "desk.sqlite3"
    assert log_dir() == tmp_path / "state" / "DeskApp" / "log"


def test_log_records_reach_a_rotating_file(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs")
    assert path == tmp_path / "logs" / LOG_FILENAME
    logging.getLogger("desk_app.test").warning("hello from the test")
    for handler in logging.getLogger("desk_app").handlers:
        handler.flush()
    assert "WARNING" in path.read_text() and "hello from the test" in path.read_text()
    # Set up twice: still one handler of ours, not two copies of every line.
    setup_logging(tmp_path / "logs")
    ours = [h for h in logging.getLogger("desk_app").handlers if getattr(h, "_desk_app", 0)]
    assert len(ours) == 1


def test_an_unusable_log_folder_falls_back_to_stderr(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = setup_logging(blocker / "logs")  # cannot create a folder inside a file
    ours = [h for h in logging.getLogger("desk_app").handlers if getattr(h, "_desk_app", 0)]
    assert len(ours) == 1 and type(ours[0]) is logging.StreamHandler
    assert not path.exists()
