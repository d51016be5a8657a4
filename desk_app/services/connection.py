"""Whether the team desk's server answers: one state shared by the window and the workers.

A PostgreSQL server can go away while windows are open (a restart, maintenance, the
network). Whoever meets that first (a save, a list query, the SLA monitor's tick, on any
thread) marks the state lost through the engine's `handle_error` event, which sees every
failed statement and connect of the process; the window shows it, tries a probe query on
a backoff schedule (domain/backoff.py, with the clock injected) and, once one succeeds,
marks it back and catches up. The monitor consults `lost` and skips its ticks meanwhile,
then sweeps. No Qt here: listeners are plain callables, called on the thread that changed
the state (the window's listener turns that into a queued signal).

SQLite desks are never "lost": a missing or unreadable file has no server to come back,
and keeps the messages of store/db_errors.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import event, text
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.backoff import MAX_DELAY_S, retry_delay_s
from desk_app.services.clock import Clock
from desk_app.store.db_errors import driver_reason, is_connection_lost
from desk_app.store.engine import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionStatus:
    """One moment of the connection's story, as listeners and the window see it."""

    where: str  # host/database, never the user or a password
    lost: bool = False
    since: datetime | None = None  # when it was lost
    failed_tries: int = 0  # probes that failed since then
    next_try_at: datetime | None = None
    reason: str = ""  # the driver's words for the latest failure
    reconnected_at: datetime | None = None  # the end of the latest outage

    def seconds_to_next_try(self, now: datetime) -> int:
        if self.next_try_at is None:
            return 0
        return max(0, int((self.next_try_at - now).total_seconds() + 0.999))


Listener = Callable[[ConnectionStatus], None]


def server_address(url: URL) -> str:
    """'host/database' (or the file of an SQLite desk): what the banner names; the user
    name and password stay out of it."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database or ''}"


class ConnectionState:
    """Lost or connected, and when to try again; safe to use from any thread."""

    def __init__(self, db: Database, clock: Clock, *, max_delay_s: int = MAX_DELAY_S) -> None:
        self._db = db
        self._clock = clock
        self._max_delay_s = max_delay_s
        self._lock = threading.Lock()
        self._status = ConnectionStatus(where=server_address(db.engine.url))
        self._listeners: list[Listener] = []
        self._server = db.engine.dialect.name != "sqlite"
        if self._server:
            event.listen(db.engine, "handle_error", self._on_engine_error)

    @property
    def status(self) -> ConnectionStatus:
        return self._status  # replaced whole under the lock: a reader never sees half

    @property
    def lost(self) -> bool:
        return self._status.lost

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def report(self, exc: BaseException) -> bool:
        """Mark the connection lost if `exc` says the server is gone; True if it did.
        (The engine event does this for every statement; callers that catch a failure
        outside SQLAlchemy, or want the answer, call it too.)"""
        if not self._server or not is_connection_lost(exc):
            return False
        self._mark_lost(driver_reason(exc))
        return True

    def due(self, now: datetime) -> bool:
        """Lost, and the backoff says it is time for the next probe."""
        status = self._status
        return status.lost and (status.next_try_at is None or now >= status.next_try_at)

    def probe(self) -> bool:
        """One round trip (`SELECT 1`) to the server: on success the outage is over and
        listeners hear of it; on failure the next try is scheduled further off. Never
        raises; runs on whichever thread calls it (the window uses a worker)."""
        try:
            with self._db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            self._probe_failed(driver_reason(exc))
            return False
        self._mark_connected()
        return True

    # -- internals -----------------------------------------------------------------------

    def _on_engine_error(self, context: ExceptionContext) -> None:
        if context.is_pre_ping:
            return  # the pool replaces the dead connection; if that fails, we hear of it
        error = context.sqlalchemy_exception or context.original_exception
        if context.is_disconnect or is_connection_lost(context.original_exception):
            self._mark_lost(driver_reason(error))

    def _mark_lost(self, reason: str) -> None:
        now = self._clock()
        with self._lock:
            old = self._status
            if old.lost:
                self._status = replace(old, reason=reason)
                return
            self._status = replace(old, lost=True, since=now, failed_tries=0, reason=reason,
                                   next_try_at=now + timedelta(seconds=self._delay(0)))
            listeners = list(self._listeners)
        log.warning("lost the connection to the team desk at %s: %s", old.where, reason)
        self._notify(listeners)

    def _probe_failed(self, reason: str) -> None:
        now = self._clock()
        with self._lock:
            old = self._status
            tries = old.failed_tries + 1
            self._status = replace(old, lost=True, since=old.since or now, reason=reason,
                                   failed_tries=tries,
                                   next_try_at=now + timedelta(seconds=self._delay(tries)))
            listeners = list(self._listeners)
        self._notify(listeners)

    def _mark_connected(self) -> None:
        now = self._clock()
        with self._lock:
            old = self._status
            if not old.lost:
                return
            self._status = ConnectionStatus(where=old.where, reconnected_at=now,
                                            since=old.since)
            listeners = list(self._listeners)
        log.info("reconnected to the team desk at %s (lost since %s)", old.where, old.since)
        self._notify(listeners)

    def _delay(self, failed_tries: int) -> int:
        return retry_delay_s(failed_tries, cap_s=self._max_delay_s)

    def _notify(self, listeners: list[Listener]) -> None:
        status = self._status
        for listener in listeners:
            try:
                listener(status)
            except Exception:  # a listener's bug must not break the caller's thread
                log.exception("a connection listener failed")
