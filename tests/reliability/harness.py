"""The kill -9 and concurrent-writer experiments, shared by the bounded tests here and the
long soak (tests/benchmarks/soak_schema.py). Each returns plain figures; callers assert.

Kills land at a random offset (a seeded `random.Random`) inside a window measured from one
uninterrupted run of the same work (its first KILL_SHARE, where the migration is), and
each desk is killed again and again, a new run each time, until its schema reaches head
or a run fails without being killed (the desk no longer opens: the bug). Then the desk is
opened as the app opens it and its tickets are counted. The random wait before a kill is
the experiment, not a wait for something to happen.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from desk_app.store.migrate import alembic_config, backup_sqlite, head_revision

ROOT = Path(__file__).resolve().parents[2]
KILL_SHARE = 0.7  # the migration is in the first half or so of an open; the rest is reads
MAX_ROUNDS = 4  # kills per desk at most; most desks reach head after one or two


class Zygote:
    """A pre-imported Desk App process that forks the children to kill (see zygote.py)."""

    def __init__(self, folder: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.log = folder / "children.log"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.zygote"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def start(self, jobs: list[dict[str, object]]) -> list[int]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        for job in jobs:
            job.setdefault("log", str(self.log))
        self._proc.stdin.write(json.dumps(jobs) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        assert line.startswith("pids "), f"zygote said {line!r}"
        return [int(p) for p in line.split()[1:]]

    def wait(self) -> list[int]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        assert line.startswith("exits "), f"zygote said {line!r}"
        return [int(c) for c in line.split()[1:]]

    def run(self, jobs: list[dict[str, object]]) -> tuple[list[int], float]:
        """Run to the end; (exit codes, seconds taken)."""
        started = time.perf_counter()
        self.start(jobs)
        codes = self.wait()
        return codes, time.perf_counter() - started

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)


@contextmanager
def zygote(folder: Path) -> Iterator[Zygote]:
    z = Zygote(folder)
    try:
        yield z
    finally:
        z.close()


def kill_rounds(z: Zygote, path: Path, job: dict[str, object], *, window: float,
                rng: random.Random, figures: KillFigures) -> None:
    """Kill runs of `job` on `path` until the schema is at head or a run fails alone."""
    for _ in range(MAX_ROUNDS):
        offset = rng.uniform(0, window * KILL_SHARE)
        (pid,) = z.start([job])
        time.sleep(offset)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        (code,) = z.wait()
        figures.kills += 1
        if code == -signal.SIGKILL:
            figures.killed_running += 1
        revision = stored_revision(path)
        if code not in (0, -signal.SIGKILL):
            figures.failed_runs += 1
            return
        if revision == head_revision():
            return
        figures.left_before_head += 1


@dataclass
class KillFigures:
    """What a kill loop found: how many desks, kills that hit a running process, kills
    that left the schema not at head (so landed before the migration committed), runs
    that failed on a desk an earlier kill had left (without being killed), desks
    that would not open afterwards (with the first reason), and desks missing data."""

    desks: int = 0
    kills: int = 0
    killed_running: int = 0
    left_before_head: int = 0
    failed_runs: int = 0
    unopenable: int = 0
    lost_data: int = 0
    notes: int = 0
    reasons: list[str] = field(default_factory=list)


def stored_revision(path: Path) -> str | None:
    """The revision as the file says right after the kill (None: none or no file)."""
    if not path.exists():
        return None
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.DatabaseError, TypeError):
        return None
    finally:
        conn.close()


def open_and_count(path: Path | str) -> tuple[list[int], str]:
    """Open the desk as the app does (migrating or repairing it); its ticket numbers and
    the repair note. Raises whatever the app raises when it cannot open the desk."""
    from desk_app.app import open_context

    ctx = open_context(path)
    try:
        with ctx.db.engine.connect() as conn:
            numbers = [r[0] for r in conn.exec_driver_sql(
                "SELECT number FROM ticket ORDER BY number")]
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert revision == head_revision(), revision
        return numbers, getattr(ctx.migration, "note", "")  # (absent before the repair)
    finally:
        ctx.close()


def _add_job(path: Path) -> dict[str, object]:
    return {"cli": ["--db", str(path), "tickets", "add", "--title", "First ticket",
                    "--requester", "Ann Lee"]}


def creation_kills(folder: Path, *, desks: int, seed: int) -> KillFigures:
    """kill -9 the first command on a new file (`tickets add`, which creates the desk)."""
    rng = random.Random(seed)
    figures = KillFigures()
    with zygote(folder) as z:
        codes, window = z.run([_add_job(folder / "calibrate.db")])
        assert codes == [0], f"an uninterrupted first `tickets add` failed: see {z.log}"
        for i in range(desks):
            path = folder / f"new-{i}.db"
            kill_rounds(z, path, _add_job(path), window=window, rng=rng, figures=figures)
            figures.desks += 1
            try:
                numbers, note = open_and_count(path)
            except Exception as exc:
                figures.unopenable += 1
                figures.reasons.append(f"{path.name}: {type(exc).__name__}: {exc}")
                continue
            figures.notes += bool(note)
            if numbers not in ([], [1001]):
                figures.lost_data += 1
                figures.reasons.append(f"{path.name}: numbers {numbers}")
    return figures


def make_0001_desk(path: Path, *, tickets: int) -> list[int]:
    """A desk at schema 0001 (Alembic to "0001" on a fresh file) holding `tickets` tickets
    with one event each, written with plain SQL in that revision's shape; their numbers."""
    from alembic import command
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    at = datetime(2026, 11, 2, 9, tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn2 = sqlite3.connect(path)
    with conn2:
        conn2.execute("INSERT INTO category (id, name, position) VALUES (1, 'Other', 0)")
        conn2.execute("INSERT INTO contact (id, name) VALUES (1, 'Ann Lee')")
        numbers = list(range(1001, 1001 + tickets))
        conn2.executemany(
            "INSERT INTO ticket (id, number, title, description, requester_id, category_id, "
            "priority, priority_overridden, impact, urgency, status, channel, created_at, "
            "updated_at, version) VALUES (?, ?, ?, '', 1, 1, 'P3', 0, 'medium', 'medium', "
            "'new', 'phone', ?, ?, 1)",
            [(n - 1000, n, f"Ticket {n}", at, at) for n in numbers])
        conn2.executemany(
            "INSERT INTO ticket_event (ticket_id, at, actor, kind, new_value) "
            "VALUES (?, ?, 'Alex Morgan', 'created', '{}')",
            [(n - 1000, at) for n in numbers])
    conn2.close()
    return numbers


def make_half_created_desk(path: Path) -> None:
    """What an older app left after a kill in its first start: some of 0001's tables,
    empty, and no schema revision (start-up recreates it, with a note)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE category (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100) "
                 "NOT NULL, position INTEGER NOT NULL)")
    conn.execute("CREATE TABLE organization (id INTEGER NOT NULL PRIMARY KEY)")
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.commit()
    conn.close()


def make_half_migrated_desk(path: Path, *, tickets: int = 25) -> list[int]:
    """A 0001 desk, its pre-migration backup, then what an older app left when killed in
    the middle of revision 0002: one of 0002's tables made, the revision still 0001 (start-up
    restores the backup and upgrades it, with a note). The tickets' numbers."""
    numbers = make_0001_desk(path, tickets=tickets)
    backup_sqlite(path, now=datetime(2026, 11, 1, tzinfo=UTC), label="before-0007")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sla_calendar (id INTEGER NOT NULL PRIMARY KEY)")
    conn.commit()
    conn.close()
    return numbers


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dest = sqlite3.connect(target)
    src.backup(dest)
    dest.close()
    src.close()


def upgrade_kills(folder: Path, *, desks: int, seed: int, tickets: int = 300) -> KillFigures:
    """kill -9 `tickets list` while it upgrades a copy of a 0001 desk; every desk must then
    open at head with all its tickets."""
    rng = random.Random(seed)
    figures = KillFigures()
    template = folder / "template-0001.db"
    numbers = make_0001_desk(template, tickets=tickets)
    with zygote(folder) as z:
        calibrate = folder / "calibrate.db"
        _copy(template, calibrate)
        codes, window = z.run([{"cli": ["--db", str(calibrate), "tickets", "list"]}])
        assert codes == [0], f"an uninterrupted upgrade failed: see {z.log}"
        for i in range(desks):
            path = folder / f"old-{i}.db"
            _copy(template, path)
            job: dict[str, object] = {"cli": ["--db", str(path), "tickets", "list"]}
            kill_rounds(z, path, job, window=window, rng=rng, figures=figures)
            figures.desks += 1
            try:
                found, note = open_and_count(path)
            except Exception as exc:
                figures.unopenable += 1
                figures.reasons.append(f"{path.name}: {type(exc).__name__}: {exc}")
                continue
            figures.notes += bool(note)
            if found != numbers:
                figures.lost_data += 1
                figures.reasons.append(f"{path.name}: {len(found)} of {len(numbers)} tickets")
    return figures


@dataclass
class WriterFigures:
    writers: int
    each: int
    failures: int
    numbers: list[int]

    @property
    def duplicates(self) -> int:
        return len(self.numbers) - len(set(self.numbers))

    @property
    def contiguous(self) -> bool:
        return self.numbers == list(range(1001, 1001 + len(self.numbers)))


def concurrent_writers(folder: Path, *, writers: int, each: int,
                       target: str | None = None) -> WriterFigures:
    """`writers` processes adding `each` tickets at the same time to one desk: an SQLite
    file in `folder`, or the database at `target` (a PostgreSQL URL)."""
    desk: Path | str = target or folder / "shared.db"
    open_and_count(desk)  # created at head before the race, as a desk in use would be
    with zygote(folder) as z:
        jobs: list[dict[str, object]] = [
            {"writer": {"db": str(desk), "count": each, "name": f"writer {w}"}}
            for w in range(writers)]
        codes, _ = z.run(jobs)
    numbers, _ = open_and_count(desk)
    return WriterFigures(writers, each, sum(codes), numbers)
