"""Unexpected exceptions in the window: logged, then shown, never a silent exit."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desk_app.platform.redact import redact
from desk_app.store.db_errors import CONNECTION_LOST, driver_reason, is_connection_lost

__all__ = ["install_excepthook", "plain_reason"]

log = logging.getLogger(__name__)
# Where a message about a lost team desk sends the technician: the connection banner.
LOST_HINT = f"{CONNECTION_LOST} (the banner at the top says when it is back; then try again)"


def plain_reason(exc: BaseException) -> str:
    """What went wrong, for a message a technician reads: the driver's own first line
    without SQL, parameters or links (one implementation, shared with the command line, in
    store/db_errors); a DeskError's message as it is; a team desk whose server is gone
    said as such, since trying again later is then the answer."""
    if is_connection_lost(exc):
        return LOST_HINT
    return driver_reason(exc)


def install_excepthook(log_path: Path) -> None:
    """Route uncaught exceptions (including those raised in slots) to a dialog."""

    def hook(exc_type: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        where = traceback.extract_tb(tb)[-1] if tb else None
        place = f"{Path(where.filename).name}:{where.lineno} in {where.name}" if where else "?"
        if QApplication.instance() is None:
            sys.__excepthook__(exc_type, exc, tb)
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                          f"{exc_type.__name__}: {redact(exc)}")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the message may quote user text
        box.setInformativeText(f"It happened in {place}. Your data is safe; what you were "
                               f"doing may not have been saved.\n\nDetails are in the log:\n"
                               f"{log_path}")
        box.setDetailedText(redact("".join(traceback.format_exception(exc_type, exc, tb))))
        box.exec()

    sys.excepthook = hook
