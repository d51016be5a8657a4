"""Private files: the desk, its WAL and SHM, backups, the log and the settings are readable
by their owner only, whatever the umask; their folders are 0700."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk_app.app import open_context
from desk_app.platform.logs import setup_logging
from desk_app.platform.paths import data_dir, default_database
from tests.conftest import FakeClock, make_draft


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000])
def loose_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _write_a_ticket(target: Path) -> None:
    ctx = open_context(target, clock=FakeClock(), user_tz="UTC")
    try:
        ctx.tickets.create(make_draft(), actor="Alex Morgan")
        for suffix in ("-wal", "-shm"):
            side = target.with_name(target.name + suffix)
            assert side.exists(), f"{side.name} expected while the desk is open"
            assert _mode(side) == 0o600, f"{side.name} is {oct(_mode(side))}"
    finally:
        ctx.close()
    assert _mode(target) == 0o600


def test_a_new_desk_and_its_wal_and_shm_are_private(tmp_path: Path, loose_umask: int) -> None:
    _write_a_ticket(tmp_path / "new" / "desk.sqlite3")
    assert _mode(tmp_path / "new") == 0o700


def test_the_default_data_folder_is_private_even_if_made_before(loose_umask: int) -> None:
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)  # as older versions left it
    default_database().unlink(missing_ok=True)
    _write_a_ticket(default_database())
    assert _mode(folder) == 0o700


def test_the_log_folder_and_file_are_private(tmp_path: Path, loose_umask: int) -> None:
    path = setup_logging(tmp_path / "log")
    logging.getLogger("desk_app.test").warning("requester Anna Adler called")
    assert _mode(tmp_path / "log") == 0o700
    assert _mode(path) == 0o600
    setup_logging(tmp_path / "elsewhere")  # release the handler on tmp_path/log


def test_a_log_file_opened_after_a_rollover_is_private(tmp_path: Path,
                                                      loose_umask: int) -> None:
    path = setup_logging(tmp_path / "log")
    handler = next(h for h in logging.getLogger("desk_app").handlers
                   if getattr(h, "_desk_app", False))
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.doRollover()
    logging.getLogger("desk_app.test").warning("after the rollover")
    assert _mode(path) == 0o600
    assert _mode(path.with_name(path.name + ".1")) == 0o600
    setup_logging(tmp_path / "elsewhere")


def test_an_existing_log_file_is_tightened(tmp_path: Path, loose_umask: int) -> None:
    (tmp_path / "log").mkdir()
    old = tmp_path / "log" / "desk-app.log"
    old.write_text("older lines\n")
    os.chmod(old, 0o644)
    setup_logging(tmp_path / "log")
    assert _mode(old) == 0o600
    setup_logging(tmp_path / "elsewhere")


def test_the_settings_folder_and_file_are_private(tmp_path: Path, loose_umask: int) -> None:
    from desk_app.ui.settings.ui_settings import UiSettings

    target = tmp_path / "config" / "settings.ini"
    settings = UiSettings(target)
    settings.technician = "Alex Morgan"
    settings._qs.sync()
    assert "Alex Morgan" in target.read_text()
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
