"""Which desk a command opens, and what it says when it cannot: --db before or after the
sub-command, $DESK_APP_DB, paths that do not exist or cannot be a desk, read-only desks.

Every refusal is one line on stderr naming the path, exit status 1, nothing created or
changed. These tests run as root in CI, where file modes do not stop a write: read-only
desks are made with a database header that forbids writing (SQLite refuses for root too),
with --read-only, or, where this machine allows it, with a real read-only mount.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk_app.cli import main
from desk_app.platform.paths import default_database
from tests.store.test_target import forbid_writes_in_header

CSV = "Subject,Priority,Created\nPrinter jam,P2,2026-07-10 10:00\n"


@pytest.fixture(autouse=True)
def own_default_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user data folder of this test's own, so 'the default desk was not touched' means
    something."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    return default_database()


class Unprivileged:
    """Runs the command line as a user whom file modes bind. CI runs as root, and root
    reads and writes whatever a file's mode says, so as root the command runs as `nobody`
    (setpriv); otherwise as the current user. The folder is one that user can enter."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.prefix = (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
                       if os.geteuid() == 0 else [])

    def run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        home = self.folder / "home"
        env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
               "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state")}
        env.pop("DESK_APP_DB", None)
        return subprocess.run([*self.prefix, sys.executable, "-m", "desk_app", *args],
                              capture_output=True, text=True, timeout=60, env=env,
                              cwd=Path(__file__).parents[1])


@pytest.fixture
def unprivileged() -> Iterator[Unprivileged]:
    folder = Path(tempfile.mkdtemp(prefix="desk-unprivileged-"))
    try:
        (folder / "home").mkdir()
        if os.geteuid() == 0:
            folder.chmod(0o755)
            os.chown(folder / "home", 65534, 65534)
        runner = Unprivileged(folder)
        probe = subprocess.run([*runner.prefix, sys.executable, "-c", "import desk_app"],
                               capture_output=True, text=True, cwd=Path(__file__).parents[1])
        if probe.returncode != 0:  # e.g. a checkout inside a folder only root may enter
            pytest.skip(f"the unprivileged user cannot import desk_app: {probe.stderr[-200:]}")
        yield runner
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def seeded(path: Path, tickets: int = 3) -> Path:
    assert main(["seed", "--db", str(path), "--tickets", str(tickets)]) == 0
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_seed_writes_into_db_given_in_either_position(
        before: bool, tmp_path: Path, own_default_desk: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.db"
    db = ["--db", str(target)]
    args = [*db, "seed", "--tickets", "5"] if before else ["seed", *db, "--tickets", "5"]
    assert main(args) == 0
    assert "Added 5 tickets" in capsys.readouterr().out
    assert target.exists()
    assert not own_default_desk.exists()


COMMANDS = {
    "tickets list": ["tickets", "list", "--format", "json"],
    "report": ["report", "--from", "2020-01-01", "--to", "2030-12-31", "--tz", "UTC",
               "--format", "json"],
    "export": ["export", "tickets", "--out", "{out}"],
    "import": ["import", "{csv}", "--tz", "UTC"],
    "import --dry-run": ["import", "{csv}", "--dry-run", "--tz", "UTC"],
}


def _read_args(name: str, tmp_path: Path) -> list[str]:
    (tmp_path / "in.csv").write_text(CSV, encoding="utf-8")
    return [a.format(out=tmp_path / "out.csv", csv=tmp_path / "in.csv")
            for a in COMMANDS[name]]


@pytest.mark.parametrize("position", ["before", "after", "env"])
@pytest.mark.parametrize("name", ["tickets list", "report", "export", "import"])
def test_commands_use_the_db_given_anywhere(
        name: str, position: str, tmp_path: Path, own_default_desk: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    desk = seeded(tmp_path / "x.db", tickets=4)
    seeded(own_default_desk, tickets=1)  # a different desk where the wrong one would be read
    capsys.readouterr()
    args = _read_args(name, tmp_path)
    if position == "before":
        args = ["--db", str(desk), *args]
    elif position == "after":
        args = [*args, "--db", str(desk)]
    else:
        monkeypatch.setenv("DESK_APP_DB", str(desk))
    assert main(args) == 0
    out = capsys.readouterr().out
    if name == "tickets list":
        assert out.count('"number"') == 4
    elif name == "report":
        assert json.loads(out)["volume"]["created"] == 4
    elif name == "export":
        assert out.startswith("Wrote 4 tickets")
    else:  # numbered after the four tickets of this desk, not the default desk's one
        assert out.startswith("Imported 1 ticket (HD-1005 to HD-1005)")


@pytest.mark.parametrize("name", ["tickets list", "report", "export"])
def test_read_commands_on_a_missing_desk_say_so_and_create_nothing(
        name: str, tmp_path: Path, own_default_desk: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "x.db"
    assert main([*_read_args(name, tmp_path), "--db", str(missing)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert line == f"desk-app: error: no database at {missing}; nothing was created"
    assert not missing.parent.exists()
    assert not own_default_desk.parent.exists()
    assert not (tmp_path / "out.csv").exists()


def test_a_dry_run_on_a_missing_desk_checks_against_an_empty_one_and_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "x.db"
    assert main([*_read_args("import --dry-run", tmp_path), "--db", str(missing)]) == 0
    out = capsys.readouterr().out
    assert "1 ticket ready to import" in out
    assert f"note: no database at {missing}; nothing was created; checked against an " \
           "empty desk" in out
    assert not missing.parent.exists()


def _not_sqlite(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("shopping list\n" * 20)
    return tmp_path / "notes.txt"


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "file").write_text("a file, not a folder")
    return tmp_path / "file" / "sub" / "desk.db"


@pytest.mark.parametrize(("where", "reason"), [
    (lambda t: t, "it is a folder, not a database file"),
    (lambda t: Path(os.devnull), "it is not a regular file (a device or a pipe?)"),
    (_not_sqlite, "it is not an SQLite database"),
    (_under_a_file, "is a file, so no folder can be made in it"),
])
@pytest.mark.parametrize("command", [["tickets", "list"], ["seed", "--tickets", "1"]])
def test_impossible_paths_fail_in_one_line_naming_path_and_reason(
        where: object, reason: str, command: list[str], tmp_path: Path) -> None:
    path = where(tmp_path)  # type: ignore[operator]
    result = subprocess.run([sys.executable, "-m", "desk_app", "--db", str(path), *command],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert line.startswith(f"desk-app: error: cannot use {path}: ")
    assert reason in line
    assert not (tmp_path / "data").exists()


def test_an_unreadable_file_fails_in_one_line(unprivileged: Unprivileged) -> None:
    desk = seeded(unprivileged.folder / "x.db")
    desk.chmod(0)
    result = unprivileged.run(["tickets", "list", "--db", str(desk)])
    assert result.returncode == 1
    assert one_error_line(result.stderr).endswith("permission denied reading it")


def test_a_desk_sqlite_will_not_write_is_read_but_never_changed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk = seeded(tmp_path / "x.db", tickets=2)
    forbid_writes_in_header(desk)
    before = digest(desk)
    capsys.readouterr()
    assert main(["tickets", "list", "--db", str(desk), "--format", "json"]) == 0
    assert capsys.readouterr().out.count('"number"') == 2
    assert main(["export", "tickets", "--db", str(desk), "--out",
                 str(tmp_path / "o.csv")]) == 0
    assert main([*_read_args("import --dry-run", tmp_path), "--db", str(desk)]) == 0
    assert "1 ticket ready to import" in capsys.readouterr().out
    for change in (["seed", "--tickets", "1"],
                   ["tickets", "add", "--title", "x", "--requester", "y"],
                   ["import", *_read_args("import --dry-run", tmp_path)[1:-3]]):
        assert main([*change, "--db", str(desk)]) == 1
        line = one_error_line(capsys.readouterr().err)
        assert line == (f"desk-app: error: cannot change {desk}: SQLite refuses to write "
                        "to it (attempt to write a readonly database)")
    assert digest(desk) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="chmod is enough without root; see above")
def test_chmod_alone_does_not_stop_root_so_the_sqlite_probe_must(tmp_path: Path) -> None:
    """Documents why the probe exists: as root a 0444 file is writable, and is opened so."""
    desk = seeded(tmp_path / "x.db")
    desk.chmod(0o444)
    assert main(["tickets", "add", "--db", str(desk), "--title", "x",
                 "--requester", "y"]) == 0


def test_a_read_only_file_is_never_changed(unprivileged: Unprivileged) -> None:
    desk = seeded(unprivileged.folder / "x.db")
    desk.chmod(0o444)
    before = digest(desk)
    listing = unprivileged.run(["tickets", "list", "--db", str(desk)])
    assert listing.returncode == 0, listing.stderr
    assert "HD-1001" in listing.stdout
    change = unprivileged.run(["seed", "--db", str(desk), "--tickets", "1"])
    assert change.returncode == 1
    assert one_error_line(change.stderr).endswith("the file is read-only")
    assert digest(desk) == before


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_read_only_flag_reads_and_refuses_changes(
        before: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk = seeded(tmp_path / "x.db", tickets=2)
    before_digest = digest(desk)
    capsys.readouterr()
    flag = ["--read-only", "--db", str(desk)]
    listing = [*flag, "tickets", "list"] if before else ["tickets", "list", *flag]
    assert main(listing) == 0
    assert "HD-1002" in capsys.readouterr().out
    assert main([*flag, "seed", "--tickets", "1"]) == 1
    assert one_error_line(capsys.readouterr().err) == \
        f"desk-app: error: cannot change {desk}: --read-only was given"
    assert digest(desk) == before_digest
    missing = tmp_path / "none.db"
    assert main(["--read-only", "--db", str(missing), "tickets", "list"]) == 1
    assert "no database at" in capsys.readouterr().err and not missing.exists()


def test_a_read_only_desk_that_needs_an_upgrade_is_refused_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk = seeded(tmp_path / "x.db")
    conn = sqlite3.connect(desk)
    conn.execute("UPDATE alembic_version SET version_num='0004'")
    conn.commit()
    conn.close()
    forbid_writes_in_header(desk)
    before = digest(desk)
    capsys.readouterr()
    assert main(["tickets", "list", "--db", str(desk)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"desk-app: error: cannot upgrade a read-only desk: {desk} "
                           "(schema 0004; this version needs ")
    assert digest(desk) == before
    assert not list(tmp_path.glob("x.db.*.bak"))


def _can_mount_read_only(folder: Path) -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind '{folder}' '{folder}' && "
                                      f"mount -o remount,bind,ro '{folder}' '{folder}'"],
        capture_output=True, timeout=30)
    return probe.returncode == 0


def test_a_desk_on_a_read_only_mount_is_read_and_never_changed(tmp_path: Path) -> None:
    """The real thing: a read-only file system, where even root cannot write and SQLite
    cannot make its -shm file (so the desk is read as an immutable snapshot)."""
    folder = tmp_path / "share"
    folder.mkdir()
    if not _can_mount_read_only(folder):
        pytest.skip("no mount namespace here (unshare -m needs CAP_SYS_ADMIN)")
    desk = seeded(folder / "x.db", tickets=2)
    before = sorted(p.name for p in folder.iterdir())
    cli = f"'{sys.executable}' -m desk_app"
    new = folder / "sub" / "new.db"
    script = (f"mount --bind '{folder}' '{folder}' && "
              f"mount -o remount,bind,ro '{folder}' '{folder}' && "
              f"{cli} --db '{desk}' tickets list --format csv && "
              f"{{ {cli} --db '{desk}' seed --tickets 1; echo rc=$?; "
              f"{cli} --db '{new}' seed --tickets 1; echo rc=$?; }}")
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "HD-1002" in result.stdout
    assert result.stdout.strip().endswith("rc=1\nrc=1")
    assert result.stderr.splitlines() == [
        f"desk-app: error: cannot change {desk}: the file is read-only",
        f"desk-app: error: cannot use {new}: the folder {new.parent} cannot be created: "
        f"{folder} is read-only"]
    assert sorted(p.name for p in folder.iterdir()) == before
