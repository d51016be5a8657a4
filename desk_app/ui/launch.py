"""Starts the window: logging, the database (migrated first), settings, then the UI.

`DeskWindows` is the one place a window is made for a desk: at start-up, and when the
technician connects to a team desk (or picks a recent one) from the window's File menu, in
which case the new desk's window replaces the current one.
"""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy.exc import SQLAlchemyError

from desk_app.app import AppContext, desk_passwords, open_context
from desk_app.platform.logs import setup_logging
from desk_app.platform.redact import redact
from desk_app.platform.secrets import DeskPasswords, keyring_user
from desk_app.services.ticket_list import QuickFilter, TicketListQuery
from desk_app.store.db_errors import describe_failure
from desk_app.store.engine import sqlite_path
from desk_app.store.migrate import MigrationError
from desk_app.store.target import DatabaseUnusable
from desk_app.ui.common.errors import install_excepthook
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.team.desks import (
    AskPassword,
    PasswordCancelled,
    exec_dialog,
    open_asking_password,
)

log = logging.getLogger(__name__)
DEMO_TICKETS = 300
OPEN_ERRORS = (MigrationError, DatabaseUnusable, SQLAlchemyError, OSError)


def load_stylesheet() -> str:
    return (resources.files("desk_app.ui.common") / "style.qss").read_text(encoding="utf-8")


def app_icon() -> QIcon:
    return QIcon(str(resources.files("desk_app.ui.common") / "icons" / "desk-app.svg"))


def is_team_desk(target: str) -> bool:
    return "://" in target and sqlite_path(target) is None


def open_failure(exc: BaseException) -> str:
    """One line for a desk that cannot be opened; SQLAlchemy's own text carries the SQL
    and a link: say what it means instead."""
    reason = describe_failure(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
    return redact(reason)


class DeskWindows:
    """Makes the window of a desk and keeps the one on screen (MainWindow's TeamDesks)."""

    def __init__(self, settings: UiSettings, passwords: DeskPasswords, *,
                 ask_password: AskPassword = exec_dialog, start_monitor: bool = True) -> None:
        self.settings = settings
        self.passwords = passwords
        self.ask_password = ask_password
        self.start_monitor = start_monitor
        self.window: MainWindow | None = None
        self.ctx: AppContext | None = None

    def open_context(self, target: str, *, read_only: bool = False,
                     parent: QWidget | None = None) -> AppContext:
        """Open the desk, asking for a team desk's password when the server wants one.
        Raises PasswordCancelled or one of OPEN_ERRORS."""
        return open_asking_password(
            lambda lookup: open_context(target, read_only=read_only, password=lookup),
            target, self.passwords, parent=parent, ask=self.ask_password)

    def actor_for(self, target: str) -> str:
        """Who works on this desk from here: on a team desk the technician chosen when it
        was connected, else the workstation's."""
        if is_team_desk(target):
            return self.settings.technician_for(keyring_user(target)) or \
                self.settings.technician
        return self.settings.technician

    def show(self, ctx: AppContext, target: str, technician: str | None = None
             ) -> MainWindow:
        actor = technician or self.actor_for(target)
        if is_team_desk(target):  # first: the new window's menu lists it
            self.settings.add_recent_desk(target)
        # The real app's windows watch the SLA clocks and colleagues' changes; tests that
        # make DeskWindows with start_monitor=False get neither thread.
        window = MainWindow(ctx, self.settings, actor=actor, start_monitor=self.start_monitor,
                            start_live=self.start_monitor, desks=self)
        if is_team_desk(target):
            window.setWindowTitle(f"Desk App — {redact(keyring_user(target))}")
        window.show()
        if self.passwords.problems:  # a keyring that failed at call time: one line, shown
            window.statusBar().showMessage(self.passwords.problems[-1], 20000)
            self.passwords.problems.clear()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(window.watch.shutdown)
            app.aboutToQuit.connect(window.live.shutdown)
        self.window, self.ctx = window, ctx
        return window

    def recent(self) -> list[str]:
        return self.settings.recent_desks()

    def switch_to(self, url: str, technician: str | None, *, parent: QWidget
                  ) -> str | None:
        old_window, old_ctx = self.window, self.ctx
        if old_window is not None and not old_window.may_leave():
            return ""
        try:
            ctx = self.open_context(url, parent=parent)
        except PasswordCancelled:
            return ""
        except OPEN_ERRORS as exc:
            log.error("cannot open %s: %s", redact(url), redact(exc))
            return open_failure(exc)
        if technician:
            self.settings.set_technician_for(keyring_user(url), technician)
        self.show(ctx, url, technician)
        if old_window is not None:
            old_window.close_for_switch()
        if old_ctx is not None:
            old_ctx.close()
        return None

    def close(self) -> None:
        if self.window is not None:
            self.window.watch.shutdown()
        if self.ctx is not None:
            self.ctx.close()


def launch(database: str, *, demo: bool = False, read_only: bool = False) -> int:
    """Run the window on `database` until it closes; returns the exit code.

    A path that cannot be a desk (a folder, an impossible path, not a database) or a desk
    that cannot be opened is explained in one line in a message box before any window;
    a desk that cannot be written opens read-only (the window says so). A team desk whose
    password is not stored asks for it (Cancel: exit status 1, nothing opened)."""
    log_path = setup_logging()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Desk App")
    app.setApplicationDisplayName("Desk App")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(load_stylesheet())

    install_excepthook(log_path)
    settings = UiSettings()
    desks = DeskWindows(settings, desk_passwords())
    try:
        ctx = desks.open_context(database, read_only=read_only)
    except PasswordCancelled:
        return 1
    except OPEN_ERRORS as exc:
        return _cannot_open(database, exc, log_path)
    actor = desks.actor_for(database)
    if demo and not ctx.read_only and not ctx.lists.ids(_all()):
        ctx.generator.generate(tickets=DEMO_TICKETS, seed=42, include_technician=actor)
    window = desks.show(ctx, database)
    if demo:
        window.setWindowTitle(f"Desk App — demo ({redact(database)})")
    try:
        return app.exec()
    finally:
        desks.close()


def _cannot_open(database: str, exc: BaseException, log_path: Path) -> int:
    log.error("cannot open %s: %s", redact(database), redact(exc))
    from desk_app.ui.common.plain import plain_message

    plain_message(None, QMessageBox.Icon.Critical, "Cannot open the database",
                  f"{open_failure(exc)}\n\nLog: {log_path}").exec()
    return 1


def _all() -> TicketListQuery:
    return TicketListQuery(quick_filter=QuickFilter.ALL)
