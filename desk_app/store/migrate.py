"""Bring a database to the schema this version of the app expects, safely.

Order of work, and why:
1. Read the stored revision without writing (SQLite is opened read-only): a database made by
   a newer app is refused untouched, and a file that is not ours is refused too.
2. Back the file up with SQLite's backup API before changing anything.
3. Migrate with foreign keys off (a batch migration rebuilds tables, and with foreign keys on
   that fires ON DELETE CASCADE and wipes child rows), then `PRAGMA foreign_key_check`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from desk_app.platform.private import create_private_file
from desk_app.store.engine import sqlite_path
from desk_app.store.target import read_only_uri

if TYPE_CHECKING:
    from alembic.config import Config

# The newest revision in migrations/versions (a test keeps the two equal). Knowing it without
# Alembic lets an up-to-date database open without importing Alembic and parsing every
# revision file, which is most of the time start-up would spend here.
SCHEMA_HEAD = "0007"


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
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables:
            return None, bool(tables)
        row = conn.execute(text("SELECT version_num FROM alembic_version")).fetchone()
        return (row[0] if row else None), True


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
    source = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def check_database_version(engine: Engine, script_location: str | None = None,
                           state: tuple[str | None, bool] | None = None) -> str | None:
    """The stored revision; raises if the database is newer than this app or not ours.
    `state` is a (revision, has tables) pair already read, to avoid reading it twice."""
    current, has_tables = state or _read_state(engine)
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
    backup = None
    if path is not None and current is not None:
        backup = backup_sqlite(path, now=now, label=f"before-{head}")
    from alembic import command

    cfg = alembic_config(script_location)
    is_sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if is_sqlite:
            # Must run outside a transaction or SQLite ignores it.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
            if is_sqlite:
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise MigrationError(
                        f"The migration left {len(problems)} broken references (first: "
                        f"{problems[0]}). Restore the backup {backup} and report this.")
        finally:
            if is_sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    return MigrationReport(current, head, backup)
