"""Every bad command line ends in ONE line on stderr, never a traceback, and changes nothing.

The README promises it: bad arguments exit 2, other failures (a path that cannot be a desk, a
busy or full or read-only desk, a missing driver) exit 1. The cases are the ones the
hardening issue found printing a traceback, the ones a fuzz of the argument parser found
since, and the failures that only happen while writing: a desk held by another writer past
the busy timeout (a real `BEGIN IMMEDIATE` in a second connection), a full disk (SQLite's
own SQLITE_FULL via `max_page_count`, and a real full tmpfs where this machine can mount
one) and a desk SQLite will not write.

Most run in-process through `desk_app.cli.main` (fast); a few run `python -m desk_app` in a
subprocess, where a traceback would really reach the terminal.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desk_app.cli import main
from desk_app.platform.paths import default_database
from desk_app.store import engine as engine_module

REPO = Path(__file__).parents[2]
CSV = "Subject,Priority,Created\nPrinter jam,P2,2026-07-10 10:00\n"
PASSWORD = "s3cret-pw"


@dataclass(frozen=True)
class Desk:
    """A seeded desk in a folder of its own, with the paths a command line may name."""

    folder: Path
    db: Path
    csv: Path
    out: Path
    missing: Path

    def fill(self, arg: str) -> str:
        return arg.format(db=self.db, csv=self.csv, out=self.out, folder=self.folder,
                          missing=self.missing)


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "desk.sqlite3"
    assert main(["--db", str(path), "seed", "--tickets", "5"]) == 0
    with sqlite3.connect(path) as conn:  # one file: the copies carry no -wal of their own
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def desk(tmp_path: Path, seeded_template: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    # A default desk of this test's own, so "the default desk was not touched" means something.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    folder = tmp_path / "desk"
    folder.mkdir()
    db = folder / "desk.sqlite3"
    shutil.copy(seeded_template, db)
    csv = tmp_path / "in.csv"
    csv.write_text(CSV, encoding="utf-8")
    return Desk(folder=folder, db=db, csv=csv, out=tmp_path / "out.csv",
                missing=tmp_path / "nowhere" / "new.sqlite3")


def content(db: Path) -> str:
    """The desk's rows, whatever SQLite did to its files (a checkpoint is not a change)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@dataclass(frozen=True)
class Snapshot:
    rows: str
    files: frozenset[str]

    @classmethod
    def of(cls, desk: Desk) -> Snapshot:
        files = frozenset(str(p.relative_to(desk.folder.parent))
                          for p in desk.folder.parent.rglob("*")
                          if not p.name.endswith(("-wal", "-shm")))
        return cls(rows=content(desk.db), files=files)


def run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


def the_one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# (argv with {db} {csv} {out} {folder} {missing}, exit status, words the line must hold)
BAD_ARGUMENTS: list[tuple[list[str], str]] = [
    # The list.
    (["seed", "--tickets", "1", "--days", "1000000000"], "--days"),
    (["report", "--from", "0001-01-01", "--to", "9999-12-31"], "--from"),
    (["export", "credits", "--from", "9999-12-01", "--to", "9999-12-31", "--out", "{out}"],
     "--from"),
    (["import", "{csv}", "--delimiter", ";;"], "--delimiter"),
    # Found by fuzzing the parser.
    (["seed", "--tickets", "1", "--days", "99999999999999999999"], "--days"),
    (["seed", "--tickets", "1", "--days", "-3"], "--days"),
    (["seed", "--tickets", "abc"], "--tickets"),
    (["seed", "--tickets", ""], "--tickets"),
    (["seed", "--tickets", "-5"], "--tickets"),
    (["seed"], "--tickets"),
    (["report", "--from", "2026-01-01", "--to", "9999-12-31"], "--to"),
    (["report", "--from", "1900-01-01", "--to", "2999-12-31"],
     "at most 100 years (this one is 1,100)"),
    (["export", "summary", "--from", "1900-01-01", "--to", "2999-12-31", "--out", "{out}"],
     "at most 100 years (this one is 1,100)"),
    (["report", "--from", "0001-01-01", "--to", "0001-01-01"], "--from"),
    (["report", "--from", "2026-13-01", "--to", "2026-12-01"], "--from"),
    (["report", "--from", "2026-02-30", "--to", "2026-03-01"], "--from"),
    (["report", "--from", "2026-03-01", "--to", "2026-02-01"], "--to"),
    (["report", "--from", "", "--to", ""], "--from"),
    (["report", "--from", "2026-01-01", "--to", "2026-02-01", "--tz", "Mars/Olympus"], "--tz"),
    (["report", "--from", "2026-01-01", "--to", "2026-02-01", "--tz", "../../etc/passwd"],
     "--tz"),
    (["report", "--from", "2026-01-01", "--to", "2026-02-01", "--priority", "P0"],
     "--priority"),
    (["report", "--from", "2026-01-01", "--to", "2026-02-01", "--out", "{folder}"], "--out"),
    (["report", "--from", "2026-01-01", "--to", "2026-02-01", "--format", "csv",
      "--out", "{folder}"], "--out"),
    (["report", "--from", "2026-01-01", "--to", "2026-02-01", "--format", "xml"], "--format"),
    (["export", "tickets", "--to", "9999-12-31", "--out", "{out}"], "--to"),
    (["export", "tickets", "--from", "0001-01-01", "--out", "{out}"], "--from"),
    (["export", "tickets", "--out", ""], "--out"),
    (["export", "tickets", "--out", "{folder}"], "--out"),
    (["export", "tickets", "--out", "{out}", "--tz", "Mars/Olympus"], "--tz"),
    (["export", "tickets", "--out", "{out}", "--priority", "P1"], "--priority"),
    (["export", "summary", "--out", "{out}"], "--from"),
    (["export", "breaches", "--from", "bad", "--out", "{out}"], "--from"),
    (["export", "nonsense", "--out", "{out}"], "nonsense"),
    (["import", "{csv}", "--delimiter", '"'], "--delimiter"),
    (["import", "{csv}", "--delimiter", "\n"], "--delimiter"),
    (["import", "{csv}", "--tz", "Mars/Olympus"], "Mars/Olympus"),
    (["import", "{csv}", "--date-format", "YYYY"], "YYYY"),
    (["import", "{csv}", "--map-status", "noequals"], "--map-status"),
    (["import", "{csv}", "--map-priority", "x=P9"], "--map-priority"),
    (["import", "{csv}", "--mapping", "{csv}"], "mapping"),
    (["tickets", "list", "--status", "bogus"], "--status"),
    (["tickets", "list", "--limit", "-1"], "--limit"),
    (["tickets", "list", "--limit", "ten"], "--limit"),
    (["tickets", "add", "--title", "", "--requester", "x"], "Title"),
    (["tickets", "add", "--title", "   ", "--requester", "x"], "Title"),
    (["tickets", "add", "--title", "t", "--requester", ""], "Requester"),
    (["tickets", "add", "--title", "t" * 100_000, "--requester", "x"], "Title"),
    (["tickets", "add", "--title", "t", "--requester", "r", "--priority", "P9"], "--priority"),
    (["tickets", "add", "--title", "t", "--requester", "r", "--impact", "huge"], "--impact"),
    (["tickets", "add", "--title", "t", "--requester", "r", "--urgency", ""], "--urgency"),
    (["tickets", "add", "--title", "t", "--requester", "r", "--channel", "pigeon"],
     "--channel"),
    (["tickets", "add", "--title", "t", "--requester", "r", "--email", "notanemail"], "Email"),
    (["tickets", "add", "--title", "t", "--requester", "r", "--category", ""], "Category"),
    (["tickets", "add", "--title", "t", "--requester", "r", "--assignee", "Nobody Known"],
     "Assignee"),
    (["tickets"], "tickets_command"),
    (["--nope"], "--nope"),
    # Found by tests/benchmarks/soak_cli.py: a line break typed in an argument is quoted
    # as \n, not printed as a second line.
    (["seed", "--tickets", "1", "x\ny"], "unrecognized arguments: x\\ny"),
    (["report", "--from", "2026-01-01", "--to", "2026-02-01", "--tz", "Mars\nOlympus"],
     "Mars\\nOlympus"),
]

FAILURES: list[tuple[list[str], str]] = [
    (["--db", "{folder}", "seed", "--tickets", "1"], "folder"),
    (["--db", "/dev/null", "tickets", "list"], "not a regular file"),
    (["--db", "/dev/null", "seed", "--tickets", "1"], "not a regular file"),
    (["--db", "bogus://x", "tickets", "list"], "'bogus' is not a kind of database"),
    (["--db", "://", "tickets", "list"], "not a database URL"),
    (["--db", "{missing}", "tickets", "list"], "nothing was created"),
    (["--db", "{missing}", "report", "--from", "2026-01-01", "--to", "2026-01-31"],
     "nothing was created"),
    (["--read-only", "tickets", "add", "--title", "t", "--requester", "r"], "--read-only"),
    (["--read-only", "seed", "--tickets", "3"], "--read-only"),
    (["import", "{missing}"], "No such file"),
    (["import", "{folder}"], "Is a directory"),
    (["import", "{csv}", "--encoding", "klingon"], "klingon"),
]

DRIVERLESS = [f"postgresql://desk:{PASSWORD}@localhost/desk",
              f"postgresql+psycopg://desk:{PASSWORD}@db.example:5432/desk?sslmode=require"]


def _with_db(argv: list[str], desk: Desk) -> list[str]:
    argv = [desk.fill(a) for a in argv]
    return argv if "--db" in argv else ["--db", str(desk.db), *argv]


def _check_refused(argv: list[str], code: int, words: str, desk: Desk,
                   capsys: pytest.CaptureFixture[str]) -> str:
    before = Snapshot.of(desk)
    got, err = run_in_process(_with_db(argv, desk), capsys)
    line = the_one_line(err)
    assert got == code, err
    assert words in line, line
    assert Snapshot.of(desk) == before
    assert not default_database().exists()
    return line


@pytest.mark.parametrize(("argv", "words"), BAD_ARGUMENTS,
                         ids=[" ".join(a)[:60] for a, _ in BAD_ARGUMENTS])
def test_a_bad_argument_is_one_line_exit_2_and_changes_nothing(
        argv: list[str], words: str, desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    _check_refused(argv, 2, words, desk, capsys)


@pytest.mark.parametrize(("argv", "words"), FAILURES,
                         ids=[" ".join(a)[:60] for a, _ in FAILURES])
def test_an_unusable_desk_or_file_is_one_line_exit_1_and_changes_nothing(
        argv: list[str], words: str, desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    _check_refused(argv, 1, words, desk, capsys)


def test_an_empty_db_is_refused_not_taken_for_the_default_desk(
        desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    line = _check_refused(["--db", "", "seed", "--tickets", "1"], 2, "--db", desk, capsys)
    assert "empty" in line


def test_a_file_name_with_a_line_break_is_quoted_in_the_one_line(
        desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by tests/benchmarks/soak_cli.py: the import's own error lines printed the
    file's name as it is, so a name holding a line break made two lines."""
    odd = desk.folder.parent / "x\ny.csv"
    odd.write_text(CSV, encoding="utf-8")
    line = _check_refused(["import", str(odd), "--encoding", "klingon"], 1, "klingon", desk,
                          capsys)
    assert "x\\ny.csv" in line


@pytest.mark.parametrize("url", DRIVERLESS, ids=["postgresql", "postgresql+psycopg"])
def test_a_postgresql_url_without_its_driver_says_install_it_and_hides_the_password(
        url: str, desk: Desk, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Whether or not psycopg is installed here, the driver is made missing.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    line = _check_refused(["--db", url, "tickets", "list"], 1, "psycopg", desk, capsys)
    assert "not installed" in line
    assert PASSWORD not in line
    # The engine is made from the URL without its password (store/engine.py): the line
    # names the desk as the keyring and the recent desks do, with no password to mask.
    assert url.replace(f":{PASSWORD}@", "@") in line


def test_an_unparsable_url_never_echoes_its_password(
        desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    line = _check_refused(["--db", f"postgresql://u:{PASSWORD}@host:port/x", "tickets", "list"],
                          1, "cannot use", desk, capsys)
    assert PASSWORD not in line


# --- failures while writing -------------------------------------------------------------

WRITES = [["tickets", "add", "--title", "Printer jam", "--requester", "Ann"],
          ["seed", "--tickets", "50"]]
WRITE_IDS = ["tickets add", "seed"]


@pytest.fixture
def write_lock(desk: Desk) -> Iterator[sqlite3.Connection]:
    """Another program in the middle of a write transaction on the desk."""
    conn = sqlite3.connect(desk.db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE ticket SET title = title WHERE id = 1")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@pytest.mark.parametrize("argv", WRITES, ids=WRITE_IDS)
def test_a_desk_locked_past_the_busy_timeout_is_one_line_and_nothing_written(
        argv: list[str], desk: Desk, write_lock: sqlite3.Connection,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)  # the 5 s run is below
    line = _check_refused(argv, 1, "busy", desk, capsys)
    assert "another program" in line and "nothing was changed" in line


def _limit_pages(monkeypatch: pytest.MonkeyPatch, extra: int) -> None:
    """SQLITE_FULL for real: every connection may grow the desk by `extra` pages only."""
    original = engine_module._set_sqlite_pragmas

    def pragmas(dbapi_connection: Any, record: Any) -> None:
        original(dbapi_connection, record)
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + extra}")

    monkeypatch.setattr(engine_module, "_set_sqlite_pragmas", pragmas)


@pytest.mark.parametrize("argv", WRITES, ids=WRITE_IDS)
def test_a_full_disk_is_one_line_and_nothing_written(
        argv: list[str], desk: Desk, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _limit_pages(monkeypatch, 0)
    # Large enough that the desk must grow: 5,000 tickets, or a 90,000-character description.
    argv = [*argv[:-1], "5000"] if argv[0] == "seed" else [*argv, "--description", "x" * 90_000]
    line = _check_refused(argv, 1, "disk is full", desk, capsys)
    assert "nothing was changed" in line


@pytest.mark.parametrize("argv", WRITES, ids=WRITE_IDS)
def test_a_desk_sqlite_will_not_write_after_open_is_one_line(
        argv: list[str], desk: Desk, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Read-only found only when writing (a file system remounted read-only after the
    check at open): SQLite's 'attempt to write a readonly database'."""
    original = engine_module._set_sqlite_pragmas

    def pragmas(dbapi_connection: Any, record: Any) -> None:
        original(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA query_only = ON")

    monkeypatch.setattr(engine_module, "_set_sqlite_pragmas", pragmas)
    line = _check_refused(argv, 1, "read-only", desk, capsys)
    assert "nothing was changed" in line


# --- in a real process ------------------------------------------------------------------

def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk_app", *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO)


@pytest.mark.parametrize("argv", [
    ["seed", "--tickets", "1", "--days", "1000000000"],
    ["report", "--from", "0001-01-01", "--to", "9999-12-31"],
    ["import", "{csv}", "--delimiter", ";;"],
    ["--db", DRIVERLESS[1], "tickets", "list"],
], ids=["seed days", "report", "import delimiter", "postgresql"])
def test_a_real_process_prints_one_line_not_a_traceback(argv: list[str], desk: Desk) -> None:
    before = Snapshot.of(desk)
    argv = _with_db(argv, desk)
    result = run_cli(*argv)
    line = the_one_line(result.stderr)
    assert result.returncode in (1, 2), result.stderr
    assert line.startswith("desk-app")
    assert PASSWORD not in result.stderr
    assert Snapshot.of(desk) == before


@pytest.mark.slow
def test_a_real_process_waits_the_busy_timeout_then_says_busy(
        desk: Desk, write_lock: sqlite3.Connection) -> None:
    """The real 5 s: the other writer keeps its lock past it."""
    before = Snapshot.of(desk)
    result = run_cli("--db", str(desk.db), "tickets", "add", "--title", "t", "--requester", "r")
    assert result.returncode == 1, result.stderr
    assert "busy" in the_one_line(result.stderr)
    write_lock.execute("ROLLBACK")
    write_lock.execute("BEGIN IMMEDIATE")  # the fixture rolls back once more
    assert Snapshot.of(desk) == before


def test_a_real_process_waits_for_a_writer_that_finishes_in_time(desk: Desk) -> None:
    """A lock shorter than the busy timeout is waited out: the ticket is added."""
    conn = sqlite3.connect(desk.db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.0, lambda: conn.execute("ROLLBACK"))
    release.start()
    try:
        result = run_cli("--db", str(desk.db), "tickets", "add", "--title", "Waited",
                         "--requester", "r")
    finally:
        release.join()
        conn.close()
    assert result.returncode == 0, result.stderr
    assert "Waited" in result.stdout


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.slow
def test_a_really_full_disk_is_one_line_for_add_and_seed(desk: Desk, tmp_path: Path) -> None:
    """A tmpfs filled to the last byte (in a private mount namespace) under an existing,
    idle desk: both writing commands say so in one line and the desk keeps its rows. (A
    disk that fills in the middle of a write is the max_page_count test above.)"""
    if not _can_mount_tmpfs():
        pytest.skip("no mount namespace here (unshare -m needs CAP_SYS_ADMIN)")
    disk = tmp_path / "small"
    disk.mkdir()
    cli = f"'{sys.executable}' -m desk_app --db '{disk}/desk.sqlite3'"
    script = (f"set -e; mount -t tmpfs -o size=1m tmpfs '{disk}'; "
              f"cp '{desk.db}' '{disk}/desk.sqlite3'; "
              f"{cli} tickets list >/dev/null; "  # -wal and -shm exist before the disk fills
              f"dd if=/dev/zero of='{disk}/filler' bs=4k 2>/dev/null || true; "
              f"sqlite3_dump() {{ '{sys.executable}' -c \"import sqlite3,hashlib;"
              f"c=sqlite3.connect('file:{disk}/desk.sqlite3?immutable=1',uri=True);"
              f"print(hashlib.sha256(chr(10).join(c.iterdump()).encode()).hexdigest())\"; }}; "
              f"sqlite3_dump; set +e; "
              f"{cli} tickets add --title t --requester r; echo rc=$?; "
              f"{cli} seed --tickets 500; echo rc=$?; "
              f"sqlite3_dump")
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                            text=True, timeout=120, cwd=REPO)
    assert "Traceback" not in result.stderr, result.stderr
    out = result.stdout.split()
    assert out[1:3] == ["rc=1", "rc=1"], result.stdout + result.stderr
    assert out[0] == out[3]  # the rows before and after
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    # The desk was idle, so SQLite cannot even make its -shm file: refused at open.
    assert all("disk holding it is full" in line for line in lines), result.stderr
