"""Bring a database to the schema this version of the app expects, safely.

Order of work, and why:
1. Read the stored revision without writing (SQLite is opened read-only): a database made by
   a newer app is refused untouched, and a file that is not ours is refused too.
2. Back the file up with SQLite's backup API before changing anything.
3. Migrate with foreign keys off (a batch migration rebuilds tables, and with foreign keys on
   that fires ON DELETE CASCADE and wipes child rows), then `PRAGMA foreign_key_check`.
4. All of it in ONE transaction: every revision's DDL, the data updates, the new
   alembic_version and the foreign key check commit together or not at all. Python's
   sqlite3 driver (3.11) runs DDL outside any transaction unless the connection is in
   `isolation_level=None` mode with an explicit BEGIN, so the migration gets a connection
   of its own set up that way (SQLAlchemy's pysqlite "transactional DDL" recipe). A kill -9
   at any instant leaves the desk as it was before, or fully upgraded.
5. A desk left half-made by an app that did not yet do 4 is repaired: one with only empty
   Desk App tables and no schema revision is recreated; one whose upgrade fails because of
   a crash leftover is restored from its newest pre-migration backup that upgrades
   cleanly (the damaged file is kept next to it). Either way `MigrationReport.note` holds
   the one line that says so.
6. PostgreSQL (a team desk, many windows on one database): the check-and-upgrade runs
   under a session-level advisory lock (MIGRATION_LOCK_KEY), and the revision is read
   again once it is held, so of two windows starting at once one migrates and the other
   waits, then finds the desk current. The DDL itself is transactional there.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from desk_app.platform.private import create_private_file
from desk_app.store.engine import BUSY_TIMEOUT_MS, sqlite_path
from desk_app.store.target import read_only_uri

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# The newest revision in migrations/versions (a test keeps the two equal). Knowing it without
# Alembic lets an up-to-date database open without importing Alembic and parsing every
# revision file, which is most of the time start-up would spend here.
SCHEMA_HEAD = "0011"
# The advisory lock every PostgreSQL upgrade holds ("deskmig"); distinct from the
# ticket-number key of store/bulk.py (WRITE_LOCK_KEY, "desknum"), so a migration never
# waits for, nor blocks, a ticket being logged by a window already on the current schema.
MIGRATION_LOCK_KEY = 0x6465736B_6D6967


class MigrationError(Exception):
    """The database cannot be brought to this app's schema; the message says why."""


class DatabaseTooNew(MigrationError):
    """The database was written by a newer Desk App; this one must not touch it."""


class ReadOnlyUpgrade(MigrationError):
    """The desk needs an upgrade but is open read-only: refused, the file is untouched."""


@dataclass(frozen=True)
class MigrationReport:
    """What start-up did to the database: from which revision, to which, and the backup."""

    from_revision: str | None
    to_revision: str
    backup: Path | None
    # One line for the user when start-up had to repair the desk (recreated or restored).
    note: str = ""

    @property
    def changed(self) -> bool:
        return self.from_revision != self.to_revision


def alembic_config(script_location: str | None = None) -> Config:
    """Alembic's config built in code; `script_location` is for tests with extra revisions."""
    from alembic.config import Config

    cfg = Config()
    location = script_location or str(resources.files("desk_app.store") / "migrations")
    cfg.set_main_option("script_location", location)
    return cfg


def head_revision(script_location: str | None = None) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()
    assert head is not None
    return head


def known_revisions(script_location: str | None = None) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(script_location))
    return {rev.revision for rev in script.walk_revisions()}


def _read_sqlite_state(path: Path) -> tuple[str | None, bool]:
    """(stored revision, has any table) read through a read-only connection."""
    if not path.exists() or path.stat().st_size == 0:
        return None, False
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            return None, bool(tables - {"sqlite_sequence"})
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return (row[0] if row else None), True
    except sqlite3.DatabaseError as exc:
        raise MigrationError(f"{path} is not a Desk App database ({exc}).") from exc
    finally:
        conn.close()


def _read_state(engine: Engine) -> tuple[str | None, bool]:
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None:
        return _read_sqlite_state(path)
    with engine.connect() as conn:
        return _read_server_state(conn)


def backup_sqlite(path: Path, *, now: datetime, label: str) -> Path:
    """Copy a live SQLite file consistently (WAL included) next to itself."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{label}-{stamp}.bak")
    # The backup holds every requester's details: create it 0600 and exclusively (a link
    # planted under the predictable name must not be followed), then let SQLite fill it.
    suffix = 1
    while not create_private_file(target):
        target = path.with_name(f"{path.name}.{label}-{stamp}-{suffix}.bak")
        suffix += 1
    _copy_sqlite(path, target, read_only=True)
    return target


def check_database_version(engine: Engine, script_location: str | None = None,
                           state: tuple[str | None, bool] | None = None) -> str | None:
    """The stored revision; raises if the database is newer than this app or not ours.
    `state` is a (revision, has tables) pair already read, to avoid reading it twice."""
    current, has_tables = state or _read_state(engine)
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if current is None and has_tables and path is not None and _is_empty_half_created(path):
        return None  # an interrupted first start: upgrade_database recreates it
    if current is None and has_tables:
        raise MigrationError(
            f"{engine.url.render_as_string(hide_password=True)} holds tables but is not a "
            "Desk App database; choose another file with --db.")
    if current is not None and current not in known_revisions(script_location):
        raise DatabaseTooNew(
            f"This database was written by a newer version of Desk App (schema {current}); "
            f"this version understands up to {head_revision(script_location)}. Upgrade Desk "
            "App to open it. The database has not been changed.")
    return current


def upgrade_database(engine: Engine, *, now: datetime, script_location: str | None = None,
                     read_only: bool = False) -> MigrationReport:
    """Migrate to head (see the module docstring for the safety steps). A `read_only`
    desk that is not at head is refused (ReadOnlyUpgrade) before anything is written."""
    state = _read_state(engine)
    if script_location is None and state[0] == SCHEMA_HEAD:
        return MigrationReport(state[0], state[0], None)
    current = check_database_version(engine, script_location, state)
    head = head_revision(script_location)
    if current == head:
        return MigrationReport(current, head, None)
    if read_only:
        where = engine.url.render_as_string(hide_password=True).removeprefix("sqlite:///")
        had = f"schema {current}" if current else "no Desk App tables yet"
        raise ReadOnlyUpgrade(
            f"cannot upgrade a read-only desk: {where} ({had}; this version needs {head}); "
            "open a writable copy once to upgrade it")
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is None and engine.dialect.name == "postgresql":
        return _upgrade_server(engine, script_location=script_location, head=head)
    if path is None:  # an in-memory SQLite desk (a dry run's scratch desk): no one to race
        with engine.connect() as conn, conn.begin():
            _run_upgrade(conn, script_location)
        return MigrationReport(current, head, None)
    if current is None and state[1]:
        # check_database_version let it through: only empty Desk App tables (see there).
        _migrate_sqlite(path, script_location, recreate=True)
        return MigrationReport(None, head, None, note=(
            f"{path} was left half-created by an interrupted first start (no tickets in "
            "it); it was recreated."))
    backup = backup_sqlite(path, now=now, label=f"before-{head}") if current else None
    try:
        found = _migrate_sqlite(path, script_location)
    except DBAPIError as exc:
        if current is None or not _is_crash_leftover(exc):
            raise  # busy, disk full, read-only …: nothing is damaged, say it as it is
        return _restore_and_upgrade(path, now=now, head=head, current=current,
                                    just_taken=backup, script_location=script_location,
                                    error=exc)
    # `found`: the revision under the write lock (another start may have migrated since).
    return MigrationReport(found, head, backup)


def _upgrade_server(engine: Engine, *, script_location: str | None, head: str
                    ) -> MigrationReport:
    """PostgreSQL: upgrade under the migration advisory lock (module docstring, 6).

    The revision read before the lock may be stale by the time it is held (another window
    migrated meanwhile), so it is read again on the locked connection and checked as at
    first: already at head means nothing to do, and a newer app's schema is refused."""
    with engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                            {"key": MIGRATION_LOCK_KEY}).scalar():
            log.info("another Desk App is upgrading %s; waiting for it to finish",
                     engine.url.render_as_string(hide_password=True))
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.commit()  # the lock is the session's: it outlives this transaction
        try:
            with conn.begin():  # transactional DDL: every revision or none
                current = check_database_version(engine, script_location,
                                                 _read_server_state(conn))
                if current != head:
                    _run_upgrade(conn, script_location)
        finally:
            with contextlib.suppress(DBAPIError):  # a broken connection has dropped it
                conn.execute(text("SELECT pg_advisory_unlock(:key)"),
                             {"key": MIGRATION_LOCK_KEY})
                conn.commit()
    return MigrationReport(current, head, None)


def _read_server_state(conn: Connection) -> tuple[str | None, bool]:
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables:
        return None, bool(tables)
    row = conn.execute(text("SELECT version_num FROM alembic_version")).fetchone()
    return (row[0] if row else None), True


def _run_upgrade(conn: Connection, script_location: str | None) -> None:
    """Alembic to head on `conn`, inside the caller's transaction (so Alembic commits
    nothing itself), then the foreign key check, which rolls everything back on failure."""
    from alembic import command

    cfg = alembic_config(script_location)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
    if conn.dialect.name == "sqlite":
        problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise MigrationError(
                f"The migration would leave {len(problems)} broken references (first: "
                f"{problems[0]}); nothing was changed. Please report this.")


def _migration_engine(path: Path) -> Engine:
    """An engine whose connections really put DDL in transactions (module docstring, 4).

    `isolation_level=None` stops the driver's own implicit BEGIN/COMMIT; the `begin` event
    then issues BEGIN IMMEDIATE, taking the write lock first so two first starts cannot
    both create the tables. Foreign keys are switched off on connect, outside any
    transaction, where SQLite honours it; the engine is thrown away afterwards."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=OFF")
        finally:
            cursor.close()

    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def _migrate_sqlite(path: Path, script_location: str | None, *,
                    recreate: bool = False) -> str | None:
    """The whole upgrade in one transaction; `recreate` first drops the tables of a
    half-created desk, in the same transaction. Returns the revision the desk had once
    the write lock was held: a window that started at the same instant as another finds
    the head there, and Alembic has nothing to do."""
    engine = _migration_engine(path)
    try:
        with engine.connect() as conn, conn.begin():
            found = _stored_revision(conn)
            # Checked again under the write lock: another first start may have
            # recreated the desk and stored work in it since this one looked.
            names = _table_names(conn) if recreate else []
            if names and not any(conn.exec_driver_sql(f'SELECT 1 FROM "{name}" LIMIT 1')
                                 .fetchone() for name in names):
                for name in names:
                    conn.exec_driver_sql(f'DROP TABLE "{name}"')
            _run_upgrade(conn, script_location)
    finally:
        engine.dispose()
    return found


def _stored_revision(conn: Connection) -> str | None:
    if "alembic_version" not in _table_names(conn):
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _table_names(conn: Connection) -> list[str]:
    return [row[0] for row in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]


def _desk_table_names() -> set[str]:
    from sqlmodel import SQLModel

    import desk_app.store.models  # noqa: F401  (registers the tables)

    return set(SQLModel.metadata.tables) | {"alembic_version"}


def _is_empty_half_created(path: Path) -> bool:
    """Only Desk App tables (or Alembic's batch leftovers), every one of them empty: what
    an interrupted first start of an older app leaves. Anything else is not ours to drop."""
    known = _desk_table_names()
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            if name not in known and not name.startswith("_alembic_tmp_"):
                return False
            if conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone():
                return False
        return True
    finally:
        conn.close()


# What re-running a revision over the leftovers of an interrupted one runs into.
_LEFTOVER_SIGNS = ("already exists", "duplicate column", "no such table", "no such column",
                   "no such index")


def _is_crash_leftover(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return any(sign in message for sign in _LEFTOVER_SIGNS)


def _last_event_id(path: Path) -> int | None:
    """The newest audit event's id, or None when it cannot be read: a backup older than
    the damaged desk's last event would lose work, so it is never restored."""
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            return int(conn.execute("SELECT coalesce(max(id), 0) FROM ticket_event")
                       .fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _backup_revision(backup: Path) -> str | None:
    try:
        conn = sqlite3.connect(read_only_uri(backup), uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _restore_and_upgrade(path: Path, *, now: datetime, head: str, current: str,
                         just_taken: Path | None, script_location: str | None,
                         error: DBAPIError) -> MigrationReport:
    """The upgrade failed on a crash leftover of an older app (this one's upgrades are
    atomic, so nothing of the failed attempt is stored). Try the pre-migration backups,
    newest first, each on a scratch copy; the first that upgrades cleanly replaces the desk,
    which is kept as `.damaged-<stamp>` beside it. A backup missing audit events the desk
    holds is never used. No backup that works: refused, untouched."""
    known = known_revisions(script_location)
    candidates = sorted(
        (b for b in path.parent.glob(f"{path.name}.before-*.bak") if b != just_taken),
        key=lambda b: (b.stat().st_mtime, b.name), reverse=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    last_event = _last_event_id(path)
    for candidate in candidates:
        revision = _backup_revision(candidate)
        if revision is None or revision not in known:
            continue
        held = _last_event_id(candidate)
        if last_event is not None and (held is None or held < last_event):
            continue  # older than the desk's last change: restoring it would lose work
        scratch = path.with_name(f"{path.name}.restore-{stamp}.tmp")
        _remove_sqlite_files(scratch)
        _copy_sqlite(candidate, scratch)
        try:
            _migrate_sqlite(scratch, script_location)
        except DBAPIError:
            _remove_sqlite_files(scratch)
            continue
        damaged = path.with_name(f"{path.name}.damaged-{stamp}")
        _copy_sqlite(path, damaged)
        _copy_sqlite(scratch, path)
        _remove_sqlite_files(scratch)
        return MigrationReport(current, head, candidate, note=(
            f"{path} was left half-migrated by an interrupted upgrade; restored it from "
            f"the backup {candidate.name} (schema {revision}) and upgraded it; the damaged "
            f"file is kept as {damaged.name}."))
    raise MigrationError(
        f"{path} was left half-migrated by an interrupted upgrade ({error.orig}) and no "
        "backup of it upgrades cleanly; it has not been changed.") from error


def _copy_sqlite(source: Path, target: Path, *, read_only: bool = False) -> None:
    """SQLite's backup API, so a WAL is folded in and the target's own WAL is honoured.
    `read_only` opens the source with mode=ro: a backup must never write to the desk."""
    src = (sqlite3.connect(read_only_uri(source), uri=True) if read_only
           else sqlite3.connect(source))
    try:
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
