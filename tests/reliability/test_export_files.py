"""Exports and backups never follow a planted link: temporary files are created
exclusively under unpredictable names, and the file that appears is a regular file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk_app.cli import main
from desk_app.services.export import open_for_csv
from desk_app.store.migrate import backup_sqlite

VICTIM_TEXT = "precious data that an export must never overwrite\n"


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    return victim


def _seeded(db_path: Path) -> Path:
    assert main(["seed", "--db", str(db_path), "--tickets", "5", "--seed", "1"]) == 0
    return db_path


def test_export_ignores_a_link_planted_at_the_old_temporary_name(tmp_path: Path,
                                                                  db_path: Path) -> None:
    victim = _victim(tmp_path)
    out = tmp_path / "out.csv"
    (tmp_path / ".out.csv.part").symlink_to(victim)
    assert main(["export", "tickets", "--db", str(_seeded(db_path)), "--out", str(out)]) == 0
    assert victim.read_text() == VICTIM_TEXT
    assert out.is_file() and not out.is_symlink()
    assert "number" in out.read_text(encoding="utf-8-sig").splitlines()[0].lower()


def test_export_over_a_link_at_the_target_replaces_the_link(tmp_path: Path,
                                                            db_path: Path) -> None:
    victim = _victim(tmp_path)
    out = tmp_path / "out.csv"
    out.symlink_to(victim)
    assert main(["export", "tickets", "--db", str(_seeded(db_path)), "--out", str(out)]) == 0
    assert victim.read_text() == VICTIM_TEXT
    assert out.is_file() and not out.is_symlink()


def test_temporary_names_are_unpredictable_and_cleaned_up(tmp_path: Path) -> None:
    seen = []
    for _ in range(2):
        with open_for_csv(tmp_path / "x.csv") as out:
            seen += [p.name for p in tmp_path.iterdir() if p.name != "x.csv"]
            out.write("a\n")
    assert len(set(seen)) == 2 and ".x.csv.part" not in seen
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def test_a_failed_export_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), open_for_csv(target) as out:
        out.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_exports_keep_the_users_umask(tmp_path: Path, mask: int, mode: int) -> None:
    """Exports are meant to be shared: not forced private like the desk."""
    old = os.umask(mask)
    try:
        with open_for_csv(tmp_path / "x.csv") as out:
            out.write("a\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.csv").stat().st_mode) == mode


def test_backup_ignores_a_link_planted_at_its_name_and_is_private(
        tmp_path: Path, db_path: Path, umask_022: None) -> None:
    _seeded(db_path)
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    victim = _victim(tmp_path)
    planted = db_path.with_name(f"{db_path.name}.pre-0002-20260501T090000Z.bak")
    planted.symlink_to(victim)
    backup = backup_sqlite(db_path, now=now, label="pre-0002")
    assert victim.read_text() == VICTIM_TEXT
    assert backup != planted and backup.is_file() and not backup.is_symlink()
    assert backup.read_bytes().startswith(b"SQLite format 3\x00")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
