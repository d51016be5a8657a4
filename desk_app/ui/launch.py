"""Starts the window: logging, the database (migrated first), settings, then the UI."""

from __future__ import annotations

import logging
import sys
from importlib import resources

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from desk_app.app import open_context
from desk_app.platform.logs import setup_logging
from desk_app.platform.redact import redact
from desk_app.services.ticket_list import QuickFilter, TicketListQuery
from desk_app.store.db_errors import describe_failure
from desk_app.store.migrate import MigrationError
from desk_app.store.target import DatabaseUnusable
from desk_app.ui.common.errors import install_excepthook
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings

log = logging.getLogger(__name__)
DEMO_TICKETS = 300


def load_stylesheet() -> str:
    return (resources.files("desk_app.ui.common") / "style.qss").read_text(encoding="utf-8")


def app_icon() -> QIcon:
    return QIcon(str(resources.files("desk_app.ui.common") / "icons" / "desk-app.svg"))


def launch(database: str, *, demo: bool = False, read_only: bool = False) -> int:
    """Run the window on `database` until it closes; returns the exit code.

    A path that cannot be a desk (a folder, an impossible path, not a database) or a desk
    that cannot be opened is explained in one line in a message box before any window;
    a desk that cannot be written opens read-only (the window says so)."""
    log_path = setup_logging()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Desk App")
    app.setApplicationDisplayName("Desk App")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(load_stylesheet())

    install_excepthook(log_path)
    try:
        ctx = open_context(database, read_only=read_only)
    except (MigrationError, DatabaseUnusable, SQLAlchemyError, OSError) as exc:
        log.error("cannot open %s: %s", redact(database), redact(exc))
        from desk_app.ui.common.plain import plain_message

        # SQLAlchemy's own text carries the SQL and a link: say what it means instead.
        reason = describe_failure(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
        plain_message(None, QMessageBox.Icon.Critical, "Cannot open the database",
                      f"{redact(reason)}\n\nLog: {log_path}").exec()
        return 1
    settings = UiSettings()
    actor = settings.technician
    if demo and not ctx.read_only and not ctx.lists.ids(_all()):
        ctx.generator.generate(tickets=DEMO_TICKETS, seed=42, include_technician=actor)
    window = MainWindow(ctx, settings, actor=actor, start_monitor=True,
                        start_live=True)
    if demo:
        window.setWindowTitle(f"Desk App — demo ({redact(database)})")
    window.show()
    app.aboutToQuit.connect(window.watch.shutdown)
    try:
        return app.exec()
    finally:
        window.watch.shutdown()
        ctx.close()


def _all() -> TicketListQuery:
    return TicketListQuery(quick_filter=QuickFilter.ALL)
