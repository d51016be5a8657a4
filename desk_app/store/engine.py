"""One engine per process, one short session per unit of work.

SQLite gets WAL (readers never block the writer), foreign keys (off by default in SQLite!)
and a busy timeout, set on every new connection. Any other SQLAlchemy URL is used as given,
so a shared PostgreSQL server needs no code change, except for its password: the engine is
made from the URL without it, and a `do_connect` hook puts it into each new connection's
parameters (from the URL as typed, else from the lookup the caller passes: this session's
memory, then the OS keyring, platform/secrets.py). So `engine.url`, and everything that
prints it, never holds a password.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from desk_app.platform.private import create_private_file
from desk_app.platform.redact import redact, without_password
from desk_app.store.target import DatabaseUnusable, read_only_uri

BUSY_TIMEOUT_MS = 5000
# The password of a desk (its URL without a password), or None to connect without one.
PasswordLookup = Callable[[str], str | None]
# How long a session opened in this context waits for another writer's lock (SQLite's
# busy_timeout, set at each checkout): BUSY_TIMEOUT_MS unless `waiting_for_lock_at_most`
# says less. A new thread starts with the default, whatever the thread that started it set.
_LOCK_WAIT_MS: ContextVar[int | None] = ContextVar("lock_wait_ms", default=None)


@contextmanager
def waiting_for_lock_at_most(ms: int) -> Iterator[None]:
    """Sessions opened inside wait at most `ms` for the write lock, then fail as busy.

    For the window's own writes: a Save on the GUI thread that waited out SQLite's 5 s
    froze the window that long on every try; with a short wait the window stays live and
    its retry timer (ui/common/busy_retry.py) does the waiting, with a message on screen."""
    token = _LOCK_WAIT_MS.set(ms)
    try:
        yield
    finally:
        _LOCK_WAIT_MS.reset(token)


def _set_lock_wait(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        wait = _LOCK_WAIT_MS.get()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS if wait is None else wait}")
    finally:
        cursor.close()


def database_url(target: str | Path) -> str:
    """A file path becomes an SQLite URL; anything with `://` is taken as a SQLAlchemy URL.

    Raises DatabaseUnusable for an empty target or a URL SQLAlchemy cannot parse.
    """
    text = str(target)
    if not text.strip():
        raise DatabaseUnusable("cannot use an empty database path (--db or $DESK_APP_DB)")
    if "://" in text:
        try:
            make_url(text)
        except (ArgumentError, ValueError) as exc:
            raise DatabaseUnusable(f"cannot use {redact(text)}: not a database URL "
                                   "(a file path, or e.g. postgresql+psycopg://user@host/desk)"
                                   ) from exc
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode never corrupts; at worst the last commit before a power cut is
        # lost, which a help desk can live with for ten times fewer fsyncs.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # busy_timeout: at each checkout (_set_lock_wait), as the session's context asks.
        # 32 MB page cache (default 2 MB): sorting and searching 100,000 tickets stay in memory.
        cursor.execute("PRAGMA cache_size=-32768")
    finally:
        cursor.close()


def _set_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """No journal_mode or synchronous (both would write); query_only makes any write fail
    at once with a plain error, whatever else SQLite would allow."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA query_only=ON")
        cursor.execute("PRAGMA cache_size=-32768")
    finally:
        cursor.close()


def _password_hook(typed: str | None, bare_url: str, lookup: PasswordLookup | None
                   ) -> Callable[..., None]:
    """The `do_connect` listener: at each new connection, the password typed in the URL,
    else the lookup's; none leaves libpq to find one (.pgpass) or to need none (trust)."""
    def add_password(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]
                     ) -> None:
        # (The connect timeout comes with the engine's connect_args: _server_options.)
        if cparams.get("password"):
            return
        password = typed if typed is not None else lookup(bare_url) if lookup else None
        if password:
            cparams["password"] = password

    return add_password


def make_engine(url: str, *, read_only: bool = False, password: PasswordLookup | None = None,
                **kwargs: Any) -> Engine:
    """Create the process's engine; SQLite connections get the pragmas above.

    `read_only` opens an SQLite file through `read_only_uri` (see store/target.py); the
    engine's URL stays the plain file URL, so every reader of it sees the same path.
    `password` finds a server's password at connect time (see the module docstring).
    """
    path = sqlite_path(url)
    if read_only:
        if path is None:
            raise ValueError(f"only an SQLite file can be opened read-only, not {redact(url)}")

        uri = read_only_uri(path)
        kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    elif path is None and make_url(url).get_backend_name() != "sqlite":
        typed = make_url(url).password
        bare = without_password(url)
        _server_options(bare, kwargs)
        server = _create_engine(bare, **kwargs)
        event.listen(server, "do_connect", _password_hook(
            None if typed is None else str(typed), bare, password))
        return server
    elif path is not None and not path.exists() and path.parent.is_dir():
        # SQLite would create the file 0644 under the usual umask, and its -wal and -shm
        # files copy the desk's mode: made 0600 here, all three stay private. (An empty
        # file is a new desk to SQLite and to store.target.classify.)
        create_private_file(path)
    engine = _create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect",
                     _set_read_only_pragmas if read_only else _set_sqlite_pragmas)
        event.listen(engine, "checkout", _set_lock_wait)
    return engine


# How long one attempt to reach a team desk's server may take: a server that is up
# answers in milliseconds, one that is down refuses at once, but a network that drops the
# packets would hold a connect (and the probe that looks for the server's return) for the
# system's TCP timeout, about two minutes here.
SERVER_CONNECT_TIMEOUT_S = 5


def _server_options(url: str, kwargs: dict[str, Any]) -> None:
    """Pool settings for a database server that can go away and come back (a restart, a
    network outage): each checkout pings first, so a connection the server dropped while
    idle in the pool is replaced quietly instead of failing the next save; SQLAlchemy
    invalidates the rest of the pool when it meets a disconnect, so after an outage every
    connection is a new one (the ping costs about 0.1 ms per checkout on a local server:
    0.41 ms against 0.31 for a checkout and a SELECT 1). See services/connection.py for
    what the window does."""
    kwargs.setdefault("pool_pre_ping", True)
    if make_url(url).get_backend_name() == "postgresql":
        connect_args = dict(kwargs.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", SERVER_CONNECT_TIMEOUT_S)
        kwargs["connect_args"] = connect_args


def _create_engine(url: str, **kwargs: Any) -> Engine:
    """create_engine, with an unknown kind of database or a missing driver said in one
    line (SQLAlchemy imports the driver here) and the password never shown."""
    try:
        return create_engine(url, **kwargs)
    except NoSuchModuleError as exc:
        kind = make_url(url).drivername
        raise DatabaseUnusable(f"cannot use {redact(url)}: '{kind}' is not a kind of "
                               "database Desk App can open (an SQLite file path, or "
                               "postgresql+psycopg://…)") from exc
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "its driver"
        hint = " (the team database needs psycopg: pip install 'desk-app[team]')" \
            if make_url(url).get_backend_name() == "postgresql" else ""
        raise DatabaseUnusable(f"cannot use {redact(url)}: the database driver "
                               f"{missing} is not installed{hint}") from exc


class Database:
    """The engine plus a session factory; `session_scope()` is the only way to write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
