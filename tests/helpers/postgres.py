"""A real, throwaway PostgreSQL server for the test run, and a fresh database per test.

`initdb` refuses to run as root (and CI runs as root), so as root the cluster is made and
started as the `postgres` user (`runuser -u postgres --`) in a temp folder that user owns;
as anyone else it runs as that user. The folder holds the data, the log and the Unix
socket (`-k`); the server listens on 127.0.0.1 only, on a port that was free a moment
before. The superuser's password is generated for the run (scram-sha-256): initdb reads it
from a file removed right after, and the clients read it from a `.pgpass` file named by
PGPASSFILE, so no URL, log line or test id ever carries it and nothing is committed.

Speed over durability (it is thrown away): fsync off, no synchronous commit. C collation:
text sorts by code point, as SQLite's default BINARY collation does, so both engines sort
alike in the comparisons the tests make.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SERVICE_USER = "postgres"
SUPERUSER = "postgres"


class PostgresUnavailable(Exception):
    """PostgreSQL cannot be started here; the message says why (and what to install)."""


def find_pg_bin() -> Path:
    """The folder holding pg_ctl and initdb: PATH first, then Debian's versioned folders
    (which are not on PATH), newest version first."""
    found = shutil.which("pg_ctl")
    if found:
        folder = Path(found).resolve().parent
        if (folder / "initdb").exists():
            return folder
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0, reverse=True)
    for candidate in candidates:
        folder = Path(candidate).parent
        if (folder / "initdb").exists():
            return folder
    raise PostgresUnavailable(
        "PostgreSQL's pg_ctl is not installed (Debian: apt-get install postgresql; "
        ".ci/run installs it)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running cluster; `url(name)` is the SQLAlchemy URL of one database on it."""

    bin_dir: Path
    root: Path
    port: int
    password: str = field(repr=False)
    _counter: int = 0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str) -> str:
        """No password in it: libpq reads it from PGPASSFILE (see the module docstring)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> contextlib.AbstractContextManager[object]:
        """An autocommit psycopg connection to the maintenance database `postgres`."""
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                               password=self.password, dbname="postgres", autocommit=True)

    def create_database(self, *, template: str | None = None, prefix: str = "t") -> str:
        """A new, uniquely named database (a copy of `template` when given)."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        source = f" TEMPLATE {template}" if template else ""
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name}{source}")  # type: ignore[attr-defined]
        return name

    def create_login(self, *, prefix: str = "tech") -> tuple[str, str]:
        """A new role that logs in with a password of its own (generated, returned to the
        test, never in the .pgpass file): (role, password)."""
        self._counter += 1
        role = f"{prefix}_{os.getpid()}_{self._counter}"
        password = secrets.token_urlsafe(18)
        with self.admin() as conn:
            conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")  # type: ignore[attr-defined]
        return role, password

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self.data_dir.exists():
            _run(self, [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast",
                        "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _as_service_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", SERVICE_USER, "--", *args] if os.geteuid() == 0 else args


def _run(server: PostgresServer | None, args: list[str], *, check: bool = True
         ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(_as_service_user(args), capture_output=True, text=True,
                          timeout=120, check=False)
    if check and done.returncode != 0:
        log = ""
        if server is not None and server.log_file.exists():
            log = server.log_file.read_text(errors="replace")[-2000:]
        raise PostgresUnavailable(f"{Path(args[0]).name} failed ({done.returncode}): "
                                  f"{done.stderr.strip() or done.stdout.strip()}\n{log}")
    return done


def _owned_folder() -> Path:
    """A private temp folder the server's user owns (root's pytest folders are 0700)."""
    root = Path(tempfile.mkdtemp(prefix="desk-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam(SERVICE_USER)
        except KeyError as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(
                f"running as root and there is no '{SERVICE_USER}' user to run initdb as "
                "(Debian's postgresql package creates it)") from exc
        os.chown(root, user.pw_uid, user.pw_gid)
    root.chmod(0o700)
    return root


def start_server() -> PostgresServer:
    """initdb + pg_ctl start; raises PostgresUnavailable with the reason."""
    bin_dir = find_pg_bin()
    root = _owned_folder()
    password = secrets.token_urlsafe(24)
    server = PostgresServer(bin_dir=bin_dir, root=root, port=0, password=password)
    try:
        pwfile = root / "pwfile"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVICE_USER)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        try:
            _run(server, [str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", SUPERUSER,
                          "-A", "scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                          "--locale=C", "--no-sync"])
        finally:
            pwfile.unlink(missing_ok=True)
        for _attempt in range(3):  # the free port may be taken before the server binds it
            server.port = free_port()
            options = (f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            done = _run(server, [str(bin_dir / "pg_ctl"), "-D", str(server.data_dir),
                                 "-l", str(server.log_file), "-o", options, "-w", "-t", "60",
                                 "start"], check=False)
            if done.returncode == 0:
                break
            time.sleep(0.2)
        else:
            _run(server, [str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-l",
                          str(server.log_file), "-o", options, "-w", "start"])
    except BaseException:
        server.stop()
        raise
    return server


@contextlib.contextmanager
def pgpass_for(server: PostgresServer) -> Iterator[Path]:
    """A .pgpass file for the server's superuser, named by PGPASSFILE while it is open
    (subprocesses the tests start inherit it)."""
    folder = Path(tempfile.mkdtemp(prefix="desk-pgpass-"))
    path = folder / "pgpass"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"127.0.0.1:{server.port}:*:{SUPERUSER}:{server.password}\n")
    saved = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(path)
    try:
        yield path
    finally:
        if saved is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = saved
        shutil.rmtree(folder, ignore_errors=True)
