"""A second throwaway PostgreSQL server that a test may stop and start: an outage on demand.

The session-wide server (tests/helpers/postgres.py) is shared by every PostgreSQL test and
must never go down; tests of a lost server get one of their own, with the same set-up, and
stop it with `pg_ctl stop` (fast: the server says "terminating connection due to
administrator command"; immediate: it vanishes as in a crash) or cut the app's connections
with `pg_terminate_backend` (what a restart does, without the downtime). It starts again
on the same port and data, so the app's engine finds it where it was.

Its password goes into a .pgpass file next to the session server's line (PGPASSFILE can
name only one file), never into a URL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.helpers.postgres import SUPERUSER, PostgresServer, _run, start_server


@dataclass
class OutageServer:
    """A PostgreSQL server with a switch."""

    server: PostgresServer
    template: str = ""  # a database migrated to head, copied for each test's desk

    def url(self, database: str) -> str:
        return self.server.url(database)

    def new_desk(self) -> str:
        """The URL of a fresh migrated desk on this server."""
        return self.url(self.server.create_database(template=self.template, prefix="out"))

    def stop(self, mode: str = "fast") -> None:
        _run(self.server, [str(self.server.bin_dir / "pg_ctl"), "-D",
                           str(self.server.data_dir), "-m", mode, "-w", "stop"])

    def start(self) -> None:
        s = self.server
        options = (f"-p {s.port} -k {s.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        _run(s, [str(s.bin_dir / "pg_ctl"), "-D", str(s.data_dir), "-l", str(s.log_file),
                 "-o", options, "-w", "-t", "60", "start"])

    def is_running(self) -> bool:
        done = _run(self.server, [str(self.server.bin_dir / "pg_ctl"), "-D",
                                  str(self.server.data_dir), "status"], check=False)
        return done.returncode == 0

    def terminate_connections(self, database: str) -> int:
        """pg_terminate_backend every client connection to `database`, from an admin
        connection (as a restart would cut them); how many were cut."""
        with self.server.admin() as conn:
            rows = conn.execute(  # type: ignore[attr-defined]
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchall()
        return sum(1 for (cut,) in rows if cut)


@contextlib.contextmanager
def pgpass_with(server: PostgresServer) -> Iterator[None]:
    """PGPASSFILE names a file holding the lines of the current one plus `server`'s."""
    folder = Path(tempfile.mkdtemp(prefix="desk-pgpass-outage-"))
    path = folder / "pgpass"
    current = os.environ.get("PGPASSFILE")
    lines = Path(current).read_text() if current and Path(current).exists() else ""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(lines + f"127.0.0.1:{server.port}:*:{SUPERUSER}:{server.password}\n")
    os.environ["PGPASSFILE"] = str(path)
    try:
        yield
    finally:
        if current is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = current
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def outage_server() -> Iterator[OutageServer]:
    """Start the server, migrate a template desk on it; stopped and removed after."""
    from desk_app.store.engine import make_engine
    from desk_app.store.migrate import upgrade_database

    server = start_server()
    try:
        with pgpass_with(server):
            outage = OutageServer(server)
            outage.template = server.create_database(prefix="outage_template")
            engine = make_engine(server.url(outage.template))
            try:
                upgrade_database(engine, now=datetime(2026, 11, 16, 9, tzinfo=UTC))
            finally:
                engine.dispose()
            yield outage
    finally:
        server.stop()
