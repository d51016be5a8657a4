"""Which database a benchmark runs on: the SQLite file it always used, or PostgreSQL.

    --engine sqlite        (the default) the benchmark's own cached file in the temp folder
    --engine postgresql    a throwaway server of its own (tests/helpers/postgres.py), reached
                           over its Unix socket, with the desk restored from a cached dump
    DESK_BENCH_DB=URL      a PostgreSQL database given by URL (seeded first if it is empty);
                           the password comes from PGPASSFILE or the keyring, never the URL

Seeding 100,000 tickets takes a minute or more on either engine. SQLite desks are cached as
files in the temp folder (`desk-bench-*.sqlite3`); a PostgreSQL desk is cached as a
`pg_dump --format=custom` file next to them (`desk-bench-*.pgdump`), restored into a fresh
database of the new server on the next run (seconds), migrated and VACUUM ANALYZEd
(`settle`), since a restore brings no planner statistics. The dump holds tickets only, no
password: the server's is generated for the run and handed to the clients through a
private PGPASSFILE.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

from tests.helpers.postgres import SUPERUSER, PostgresServer, start_server

ENGINES = ("sqlite", "postgresql")


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="database engine (default sqlite; postgresql when "
                             "DESK_BENCH_DB is set)")


def engine_of(args: argparse.Namespace) -> str:
    return str(args.engine or ("postgresql" if os.environ.get("DESK_BENCH_DB") else "sqlite"))


def seed_command(target: str | Path, *, tickets: int, days: int | None, seed: int
                 ) -> list[str]:
    args = [sys.executable, "-m", "desk_app", "seed", "--db", str(target), "--tickets",
            str(tickets), "--seed", str(seed)]
    return args + (["--days", str(days)] if days is not None else [])


@dataclass(frozen=True)
class BenchDesk:
    """Where the seeded desk is: a path or a URL, as `--db` takes it."""

    engine: str
    target: str | Path
    seeded_s: float | None  # the time seeding took, when this run seeded it

    def describe(self) -> str:
        return f"{self.engine} ({_without_password(str(self.target))})"


def _without_password(text: str) -> str:
    from desk_app.platform.redact import redact

    return redact(text)


def socket_url(server: PostgresServer, database: str) -> str:
    """The server's Unix socket (in its private folder), not TCP: what "a local socket"
    means for the issue's figures."""
    return (f"postgresql+psycopg://{SUPERUSER}@/{database}"
            f"?host={server.root}&port={server.port}")


@contextlib.contextmanager
def socket_pgpass(server: PostgresServer) -> Iterator[None]:
    """A PGPASSFILE matching the socket folder as host (libpq matches a socket connection
    on the folder's path), removed when the benchmark ends."""
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-pgpass-"))
    path = folder / "pgpass"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"*:{server.port}:*:{SUPERUSER}:{server.password}\n")
    saved = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = saved
        path.unlink(missing_ok=True)
        folder.rmdir()


def _libpq_args(server: PostgresServer, database: str) -> list[str]:
    return ["-h", str(server.root), "-p", str(server.port), "-U", SUPERUSER, "-d", database]


def settle(target: str) -> None:
    """Bring a restored or freshly seeded desk to where a server in use would be: migrated
    to this app's schema (a dump made by an older app would otherwise be upgraded, its
    indexes built, inside the first timed start), then VACUUM ANALYZE: planner statistics,
    and the visibility map that lets index-only scans skip the table (autovacuum does both
    on a live server, minutes after a bulk load)."""
    from sqlalchemy import create_engine

    from desk_app.app import open_context

    open_context(target).close()
    engine = create_engine(target, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()


@contextlib.contextmanager
def bench_desk(engine: str, *, name: str, tickets: int, days: int | None, seed: int,
               sqlite_path: Path | None = None) -> Iterator[BenchDesk]:
    """The seeded desk `name` (e.g. "desk-bench-100000") on `engine`, seeded on first use."""
    cache = Path(tempfile.gettempdir())
    if engine == "sqlite":
        db = sqlite_path or cache / f"{name}.sqlite3"
        took = None
        if not db.exists():
            t = time.perf_counter()
            subprocess.run(seed_command(db, tickets=tickets, days=days, seed=seed),
                           check=True)
            took = time.perf_counter() - t
        yield BenchDesk("sqlite", db, took)
        return
    given = os.environ.get("DESK_BENCH_DB")
    if given:
        yield BenchDesk("postgresql", given, _seed_if_empty(given, tickets=tickets,
                                                            days=days, seed=seed))
        return
    server = start_server()
    try:
        with socket_pgpass(server):
            database = server.create_database(prefix=name.replace("-", "_"))
            url = socket_url(server, database)
            dump = cache / f"{name}.pgdump"
            took = None
            if dump.exists():
                subprocess.run([str(server.bin_dir / "pg_restore"), "--no-owner",
                                *_libpq_args(server, database), str(dump)], check=True)
            else:
                t = time.perf_counter()
                subprocess.run(seed_command(url, tickets=tickets, days=days, seed=seed),
                               check=True)
                took = time.perf_counter() - t
                partial = dump.with_suffix(".pgdump.part")
                subprocess.run([str(server.bin_dir / "pg_dump"), "--format=custom",
                                *_libpq_args(server, database), "-f", str(partial)],
                               check=True)
                partial.rename(dump)
            settle(url)
            yield BenchDesk("postgresql", url, took)
    finally:
        server.stop()


def _seed_if_empty(url: str, *, tickets: int, days: int | None, seed: int) -> float | None:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            has = "ticket" in inspect(conn).get_table_names() and conn.execute(
                text("SELECT EXISTS (SELECT 1 FROM ticket)")).scalar()
    finally:
        engine.dispose()
    if has:
        return None
    t = time.perf_counter()
    subprocess.run(seed_command(url, tickets=tickets, days=days, seed=seed), check=True)
    settle(url)
    return time.perf_counter() - t


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, printed beside each figure: the machine's
    two cores are shared, and a figure means little without them."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"
