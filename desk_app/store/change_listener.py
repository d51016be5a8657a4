"""LISTEN for the change log's notifications (PostgreSQL), on a connection of its own.

The connection comes from the desk's engine, so it is opened exactly as every other one
(same URL, same credentials from wherever the engine takes them): nothing here handles a
password. It is in autocommit, as LISTEN needs, and is used by one thread only (the live
desk's listener).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from desk_app.store.change_log import CHANNEL


class ListenUnavailable(Exception):
    """This desk cannot LISTEN (not PostgreSQL, or the server refused)."""


class ChangeListener:
    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ListenUnavailable(f"{engine.dialect.name} has no LISTEN/NOTIFY")
        self._conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            self._conn.exec_driver_sql(f"LISTEN {CHANNEL}")
            self._driver: Any = self._conn.connection.driver_connection
        except BaseException:
            self._conn.close()
            raise

    def wait(self, timeout_s: float) -> bool:
        """True when a notification arrived within `timeout_s`; raises when the
        connection is gone (the caller falls back to polling)."""
        for _note in self._driver.notifies(timeout=timeout_s, stop_after=1):
            return True
        return False

    def backend_pid(self) -> int:
        return int(self._driver.info.backend_pid)

    def close(self) -> None:
        """Drop the connection (never back to the pool: it is LISTENing, or broken)."""
        try:
            self._conn.invalidate()
            self._conn.close()
        except Exception:  # closing a dead connection may fail; it is gone anyway
            pass
