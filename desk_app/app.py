"""Builds the engine, services and adapters once and hands them to whoever needs them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from desk_app.platform.timezone import local_zone_name
from desk_app.services.clock import Clock, system_clock
from desk_app.services.directory import DirectoryService
from desk_app.services.drafts import DraftService
from desk_app.services.sla import SlaService
from desk_app.services.ticket_list import TicketListService
from desk_app.services.tickets import TicketService
from desk_app.store.engine import Database, database_url, make_engine, sqlite_path
from desk_app.store.migrate import MigrationReport, upgrade_database
from desk_app.store.target import (
    DatabaseMissing,
    DatabaseUnusable,
    OpenMode,
    TargetKind,
    classify,
)

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Everything the window and the command line share: one database, its services."""

    db: Database
    tickets: TicketService
    lists: TicketListService
    directory: DirectoryService
    sla: SlaService
    clock: Clock
    migration: MigrationReport
    drafts: DraftService
    # Why the desk is open read-only ("" when it is writable); the window shows it.
    read_only_reason: str = ""

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    def close(self) -> None:
        self.db.dispose()


def open_context(target: str | Path, *, clock: Clock = system_clock,
                 user_tz: str | None = None, mode: OpenMode = OpenMode.WINDOW,
                 read_only: bool = False) -> AppContext:
    """Open (creating if `mode` allows) and migrate the database at `target`, then wire
    services. `read_only` opens an existing desk read-only even when it could be written.

    Raises DatabaseUnusable (the path cannot be used, or cannot be used for `mode`) and
    MigrationError (including DatabaseTooNew, ReadOnlyUpgrade), each with one line fit
    for the user, before anything is created or changed.
    """
    url = database_url(target)
    path = sqlite_path(url)
    read_only_reason = ""
    if path is not None:
        read_only_reason = _check_target(path, mode=mode, read_only=read_only)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
    elif read_only:
        raise DatabaseUnusable(f"cannot open {url} read-only: only an SQLite file can be")
    engine = make_engine(url, read_only=bool(read_only_reason))
    try:
        report = upgrade_database(engine, now=clock(), read_only=bool(read_only_reason))
    except Exception:
        engine.dispose()
        raise
    if report.note:
        log.warning("%s", report.note)
    if report.changed:
        log.info("database %s migrated %s -> %s (backup: %s)", url, report.from_revision,
                 report.to_revision, report.backup)
    db = Database(engine)
    directory = DirectoryService(db)
    sla = SlaService(db, clock, user_tz=user_tz or local_zone_name())
    if not read_only_reason:  # a read-only desk is shown as it is stored
        directory.ensure_defaults()
        sla.setup()
        filled = sla.backfill()
        if filled:
            log.info("computed SLA clocks for %d tickets that had none", filled)
    return AppContext(db=db, tickets=TicketService(db, clock, sla), lists=TicketListService(db),
                      directory=directory, sla=sla, clock=clock, migration=report,
                      drafts=DraftService(db, clock), read_only_reason=read_only_reason)


def _check_target(path: Path, *, mode: OpenMode, read_only: bool) -> str:
    """Refuse what `mode` cannot use; the reason the desk opens read-only, else ""."""
    if read_only and mode is OpenMode.CHANGE:
        raise DatabaseUnusable(f"cannot change {path}: --read-only was given")
    target = classify(path, probe=not read_only)
    if target.kind is TargetKind.UNUSABLE:
        raise target.refusal()
    if target.kind is TargetKind.NEW and (mode is OpenMode.READ or read_only):
        raise DatabaseMissing(f"no database at {path}; nothing was created")
    if target.kind is TargetKind.READ_ONLY:
        if mode is OpenMode.CHANGE:
            raise DatabaseUnusable(f"cannot change {path}: {target.reason}")
        return target.reason
    if read_only:
        return "opened with --read-only"
    return ""
