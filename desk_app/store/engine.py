"""One engine per process, one short session per unit of work.

SQLite gets WAL (readers never block the writer), foreign keys (off by default in SQLite!)
and a busy timeout, set on every new connection. Any other SQLAlchemy URL is used as given,
so a shared PostgreSQL server needs no code change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from desk_app.store.target import read_only_uri

BUSY_TIMEOUT_MS = 5000


def database_url(target: str | Path) -> str:
    """A file path becomes an SQLite URL; anything with `://` is taken as a SQLAlchemy URL."""
    text = str(target)
    if "://" in text:
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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA cache_size=-32768")
    finally:
        cursor.close()


def make_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """Create the process's engine; SQLite connections get the pragmas above.

    `read_only` opens an SQLite file through `read_only_uri` (see store/target.py); the
    engine's URL stays the plain file URL, so every reader of it sees the same path.
    """
    path = sqlite_path(url)
    if read_only:
        if path is None:
            raise ValueError(f"only an SQLite file can be opened read-only, not {url}")

        uri = read_only_uri(path)
        kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect",
                     _set_read_only_pragmas if read_only else _set_sqlite_pragmas)
    return engine


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
