"""Builds the engine, services and adapters once and hands them to whoever needs them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from desk_app.platform.paths import data_dir
from desk_app.platform.private import make_private_dir
from desk_app.platform.redact import redact
from desk_app.platform.secrets import DeskPasswords, KeyringSecretStore
from desk_app.platform.timezone import local_zone_name
from desk_app.services.alerts import AlertLog
from desk_app.services.clock import Clock, system_clock
from desk_app.services.connection import ConnectionState
from desk_app.services.directory import DirectoryService
from desk_app.services.drafts import DraftService
from desk_app.services.live import LiveDeskService
from desk_app.services.monitor import MonitorService
from desk_app.services.organizations import OrganizationService
from desk_app.services.people import TechnicianService
from desk_app.services.sla import SlaService
from desk_app.services.ticket_list import TicketListService
from desk_app.services.tickets import TicketService
from desk_app.store.engine import (
    Database,
    PasswordLookup,
    database_url,
    make_engine,
    sqlite_path,
)
from desk_app.store.migrate import MigrationReport, upgrade_database
from desk_app.store.target import (
    DatabaseMissing,
    DatabaseUnusable,
    OpenMode,
    TargetKind,
    classify,
)

if TYPE_CHECKING:
    from desk_app.services.credits import CreditService
    from desk_app.services.importer import ImportService
    from desk_app.services.period_export import ExportService
    from desk_app.services.reports import ReportService
    from desk_app.services.seed import DeskGenerator
    from desk_app.services.view_export import ViewExportService

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Everything the window and the command line share: one database and every service
    on it, each built once here (a test keeps other modules from building their own).

    A context manager: `with open_context(...) as ctx:` closes the database on the way
    out, however the block ends."""

    db: Database
    tickets: TicketService
    lists: TicketListService
    directory: DirectoryService
    sla: SlaService
    clock: Clock
    migration: MigrationReport
    drafts: DraftService
    monitor: MonitorService
    alerts: AlertLog
    people: TechnicianService
    organizations: OrganizationService
    # Which tickets other windows changed (the change log of migration 0010).
    live: LiveDeskService
    # Whether a team desk's server answers (services/connection.py); never lost on SQLite.
    connection: ConnectionState
    # Why the desk is open read-only ("" when it is writable); the window shows it.
    read_only_reason: str = ""

    # The services below are built on first use (still once, and only here): their
    # modules (the period report, the CSV import, the generator) would add to the time
    # before the window's first page, and most sessions never open a report or an import.
    # The imports are deferred for that reason.

    @cached_property
    def reports(self) -> ReportService:
        from desk_app.services.reports import ReportService

        return ReportService(self.db, self.sla, self.clock, monitor=self.monitor)

    @cached_property
    def credits(self) -> CreditService:
        from desk_app.services.credits import CreditService

        return CreditService(self.db, self.sla, self.clock, reports=self.reports)

    @cached_property
    def exports(self) -> ExportService:
        """The one path of every CSV export (tickets, summary, breaches, credits)."""
        from desk_app.services.period_export import ExportService

        return ExportService(self.db, self.clock, monitor=self.monitor,
                             reports=self.reports, credits=self.credits)

    @cached_property
    def view_export(self) -> ViewExportService:
        from desk_app.services.view_export import ViewExportService

        return ViewExportService(self.db, self.sla)

    @cached_property
    def imports(self) -> ImportService:
        from desk_app.services.importer import ImportService

        return ImportService(self.db, self.sla, self.clock)

    @cached_property
    def generator(self) -> DeskGenerator:
        from desk_app.services.seed import DeskGenerator

        return DeskGenerator(self.db, self.clock, sla=self.sla, directory=self.directory)

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def open_context(target: str | Path, *, clock: Clock = system_clock,
                 user_tz: str | None = None, mode: OpenMode = OpenMode.WINDOW,
                 read_only: bool = False, password: PasswordLookup | None = None
                 ) -> AppContext:
    """Open (creating if `mode` allows) and migrate the database at `target`, then wire
    services. `read_only` opens an existing desk read-only even when it could be written.
    `password` finds a team desk's password at connect time (`desk_passwords().lookup`).

    Raises DatabaseUnusable (the path cannot be used, or cannot be used for `mode`) and
    MigrationError (including DatabaseTooNew, ReadOnlyUpgrade), each with one line fit
    for the user, before anything is created or changed.
    """
    url = database_url(target)
    path = sqlite_path(url)
    read_only_reason = ""
    if path is not None:
        read_only_reason = _check_target(path, mode=mode, read_only=read_only)
        if path.parent == data_dir():
            make_private_dir(path.parent)  # tightens a folder older versions made 0755
        elif not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    elif read_only:
        raise DatabaseUnusable(f"cannot open {redact(url)} read-only: only an SQLite file can be")
    engine = make_engine(url, read_only=bool(read_only_reason), password=password)
    try:
        report = upgrade_database(engine, now=clock(), read_only=bool(read_only_reason))
    except Exception:
        engine.dispose()
        raise
    if report.note:
        log.warning("%s", report.note)
    if report.changed:
        log.info("database %s migrated %s -> %s (backup: %s)", redact(url), report.from_revision,
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
                      drafts=DraftService(db, clock), monitor=MonitorService(db, sla),
                      alerts=AlertLog(db), people=TechnicianService(db),
                      organizations=OrganizationService(db, sla, clock),
                      live=LiveDeskService(db), connection=ConnectionState(db, clock),
                      read_only_reason=read_only_reason)


def desk_passwords() -> DeskPasswords:
    """The process's one password book: this session's memory, then the OS keyring
    (refused when it is not a secure one: platform/secrets.py)."""
    return DeskPasswords(KeyringSecretStore())


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
