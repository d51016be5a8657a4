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

    def close(self) -> None:
        self.db.dispose()


def open_context(target: str | Path, *, clock: Clock = system_clock,
                 user_tz: str | None = None) -> AppContext:
    """Open (creating if needed) and migrate the database at `target`, then wire services.

    Raises MigrationError (including DatabaseTooNew) with a message fit for the user.
    """
    url = database_url(target)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        report = upgrade_database(engine, now=clock())
    except Exception:
        engine.dispose()
        raise
    if report.changed:
        log.info("database %s migrated %s -> %s (backup: %s)", url, report.from_revision,
                 report.to_revision, report.backup)
    db = Database(engine)
    directory = DirectoryService(db)
    directory.ensure_defaults()
    sla = SlaService(db, clock, user_tz=user_tz or local_zone_name())
    sla.setup()
    filled = sla.backfill()
    if filled:
        log.info("computed SLA clocks for %d tickets that had none", filled)
    return AppContext(db=db, tickets=TicketService(db, clock, sla), lists=TicketListService(db),
                      directory=directory, sla=sla, clock=clock, migration=report,
                      drafts=DraftService(db, clock))
