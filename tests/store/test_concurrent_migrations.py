"""Two windows starting at once on one desk: one migrates, the other waits, then finds it
current (issue 12, "Migrations on a team desk").

Real processes, each with its own engine, as two workstations would be. The test holds the
lock they contend for (PostgreSQL: the migration advisory lock from an admin connection;
SQLite: a write transaction on the file) until both have started, so they really do meet
at it, then lets go: without the lock both would run the same DDL side by side.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desk_app.store.engine import make_engine
from desk_app.store.migrate import MIGRATION_LOCK_KEY, SCHEMA_HEAD, alembic_config
from tests.helpers.postgres import SUPERUSER, PostgresServer

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)
OLDER = "0007"
ROOT = Path(__file__).resolve().parents[2]

# What each "window" runs: the start-up upgrade, then one line of JSON with its report.
STARTER = """
import json, sys
from datetime import UTC, datetime
from desk_app.store.engine import database_url, make_engine
from desk_app.store.migrate import upgrade_database
print("starting", flush=True)
engine = make_engine(database_url(sys.argv[1]))
report = upgrade_database(engine, now=datetime(2026, 11, 16, 9, tzinfo=UTC))
engine.dispose()
print(json.dumps([report.from_revision, report.to_revision]), flush=True)
"""


def _start(target: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", STARTER, target], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def _stamp(target: str, revision: str) -> None:
    """Bring the desk to `revision` (an older app's schema) the way that app did."""
    from alembic import command

    engine = make_engine(target if "://" in target else f"sqlite:///{target}")
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def _connect(server: PostgresServer, url: str) -> Any:
    """An autocommit psycopg connection to the database of `url`, as the superuser."""
    import psycopg
    from sqlalchemy.engine import make_url

    return psycopg.connect(host="127.0.0.1", port=server.port, user=SUPERUSER,
                           password=server.password, dbname=make_url(url).database,
                           autocommit=True)


@contextmanager
def _held_on_postgres(server: PostgresServer, url: str) -> Iterator[Any]:
    """The migration lock held from a connection to the desk's own database (advisory
    locks are per database: one held on another database would not be contended)."""
    with _connect(server, url) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        yield conn
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def _waiting_on_migration_lock(admin: Any) -> int:
    key = MIGRATION_LOCK_KEY
    row = admin.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND ((classid::bigint << 32) | objid::bigint) = %s", (key,)).fetchone()
    return int(row[0])


def _wait_for(condition: Callable[[], bool], *, seconds: float) -> bool:
    """Poll `condition` (a callable) until true or `seconds` pass; the processes are real,
    so this waits for them, not for a timer."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _reports(starters: list[subprocess.Popen[str]]) -> list[str]:
    """Each start-up's report as "from -> to", sorted: which one won the race is chance."""
    reports = []
    for process in starters:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        found, head = json.loads(out.splitlines()[-1])
        reports.append(f"{found} -> {head}")
    return sorted(reports)


def _one_migrated(start_from: str | None) -> list[str]:
    """What two start-ups report when one migrated and the other found the desk current."""
    return sorted([f"{start_from} -> {SCHEMA_HEAD}", f"{SCHEMA_HEAD} -> {SCHEMA_HEAD}"])


def _read_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


@pytest.mark.parametrize("start_from", [None, OLDER], ids=["empty", "older"])
def test_two_windows_starting_at_once_on_postgresql_migrate_once(
        postgres_server: PostgresServer, postgres_empty_url: str,
        start_from: str | None) -> None:
    if start_from is not None:
        _stamp(postgres_empty_url, start_from)
    with _held_on_postgres(postgres_server, postgres_empty_url) as admin:
        starters = [_start(postgres_empty_url), _start(postgres_empty_url)]
        both_wait = _wait_for(lambda: _waiting_on_migration_lock(admin) == 2, seconds=60)
    reports = _reports(starters)
    assert both_wait, "the two start-ups did not both wait for the migration lock"
    # One migrated from where the desk was; the other found it current after waiting.
    assert reports == _one_migrated(start_from)
    engine = make_engine(postgres_empty_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalars().all() == [SCHEMA_HEAD]
    finally:
        engine.dispose()


def test_the_migration_lock_is_released_when_the_upgrade_is_done(
        postgres_server: PostgresServer, postgres_empty_url: str) -> None:
    from desk_app.store.migrate import upgrade_database

    engine = make_engine(postgres_empty_url)
    try:
        upgrade_database(engine, now=NOW)  # the pool keeps its connection open
        with _connect(postgres_server, postgres_empty_url) as other:
            assert other.execute("SELECT pg_try_advisory_lock(%s)",
                                 (MIGRATION_LOCK_KEY,)).fetchone()[0], \
                "the upgrade left the migration lock held by a pooled connection"
    finally:
        engine.dispose()


@pytest.mark.parametrize("start_from", [None, OLDER], ids=["empty", "older"])
def test_two_windows_starting_at_once_on_sqlite_migrate_once(
        db_path: Path, start_from: str | None) -> None:
    if start_from is not None:
        _stamp(str(db_path), start_from)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, as a third window's upgrade
    try:
        starters = [_start(str(db_path)), _start(str(db_path))]
        assert [_read_line(p) for p in starters] == ["starting", "starting"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    reports = _reports(starters)
    assert reports == _one_migrated(start_from)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == \
        [(SCHEMA_HEAD,)]
    conn.close()
