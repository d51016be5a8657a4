"""store/target.py: what a database path is, decided before anything opens or creates it.

Root may write to any file whatever its mode bits, and these tests run as root in CI, so
permissions are injected (`access=`) where only permissions could show them; SQLite's own
refusal (SQLITE_READONLY) is produced for real with a database header that forbids writing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from desk_app.store.target import (
    DatabaseTarget,
    TargetKind,
    classify,
    read_only_uri,
    sqlite_refuses_writes,
)


def make_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    return path


def forbid_writes_in_header(path: Path) -> None:
    """Byte 18 is the file format's write version: above 2, SQLite reads the file but
    refuses every write (SQLITE_READONLY), for root too."""
    with path.open("r+b") as f:
        f.seek(18)
        f.write(bytes([3]))


def denying(denied: dict[Path, int]) -> Callable[[Path, int], bool]:
    """An access check that refuses the given mode bits on the given paths."""
    def access(path: Path, mode: int) -> bool:
        return not (mode & denied.get(Path(path), 0)) and os.path.exists(path)
    return access


def kind(target: DatabaseTarget) -> tuple[TargetKind, str]:
    return target.kind, target.reason


def test_an_existing_desk_is_writable_and_a_missing_one_new(tmp_path: Path) -> None:
    assert classify(make_sqlite(tmp_path / "desk.db")).kind is TargetKind.WRITABLE
    assert classify(tmp_path / "empty.db").kind is TargetKind.NEW
    (tmp_path / "zero.db").touch()  # an empty file is a desk not yet written
    assert classify(tmp_path / "zero.db").kind is TargetKind.WRITABLE
    assert classify(tmp_path / "a" / "b" / "new.db").kind is TargetKind.NEW
    assert not (tmp_path / "a").exists() and not (tmp_path / "empty.db").exists()


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p: p.mkdir() or p, "it is a folder, not a database file"),
    (lambda p: Path(os.devnull), "it is not a regular file"),
    (lambda p: p.write_bytes(b"not a database, just text" * 10) and p,
     "it is not an SQLite database"),
    (lambda p: p.write_text("a file") and p / "sub" / "desk.db",
     "is a file, so no folder can be made in it"),
])
def test_paths_that_cannot_be_a_desk_are_unusable(tmp_path: Path,
                                                  make: Callable[[Path], Path],
                                                  reason: str) -> None:
    path = make(tmp_path / "x")
    target = classify(path)
    assert target.kind is TargetKind.UNUSABLE
    assert reason in target.reason
    assert str(path) in str(target.refusal())


def test_a_folder_that_cannot_be_written_cannot_hold_a_new_desk(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    access = denying({locked: os.W_OK})
    assert kind(classify(locked / "desk.db", access=access)) == (
        TargetKind.UNUSABLE, f"the file cannot be created: {locked} is read-only")
    assert kind(classify(locked / "sub" / "desk.db", access=access)) == (
        TargetKind.UNUSABLE, f"the folder {locked / 'sub'} cannot be created: "
                             f"{locked} is read-only")
    assert not list(locked.iterdir())


def test_an_unreadable_file_is_unusable(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "desk.db")
    assert kind(classify(path, access=denying({path: os.R_OK}))) == (
        TargetKind.UNUSABLE, "permission denied reading it")


def test_a_read_only_file_or_folder_makes_a_read_only_desk(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "desk.db")
    assert kind(classify(path, access=denying({path: os.W_OK}))) == (
        TargetKind.READ_ONLY, "the file is read-only")
    assert kind(classify(path, access=denying({tmp_path: os.W_OK}))) == (
        TargetKind.READ_ONLY, f"its folder {tmp_path} is read-only")


def test_sqlite_refusing_writes_makes_a_read_only_desk_even_for_root(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "desk.db")
    before = path.read_bytes()
    assert sqlite_refuses_writes(path) is None
    assert path.read_bytes() == before  # the probe rolled back
    forbid_writes_in_header(path)
    target = classify(path)
    assert target.kind is TargetKind.READ_ONLY
    assert "attempt to write a readonly database" in target.reason


def test_a_read_only_folder_without_shm_is_read_as_an_immutable_snapshot(
        tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "desk.db")
    writable = read_only_uri(path)
    assert writable.endswith("?mode=ro")
    locked = read_only_uri(path, access=denying({tmp_path: os.W_OK}))
    assert locked.endswith("?mode=ro&immutable=1")
    conn = sqlite3.connect(locked, uri=True)
    try:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("INSERT INTO t VALUES (1)")
    finally:
        conn.close()
