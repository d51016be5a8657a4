"""Logging to a rotating file, so a gui-script with no console still leaves a trace."""

from __future__ import annotations

import io
import logging
import logging.handlers
from pathlib import Path

from desk_app.platform.paths import log_dir
from desk_app.platform.private import create_private_file, make_private_dir, make_private_file
from desk_app.platform.redact import RedactingFormatter

LOG_FILENAME = "desk-app.log"
# Marks the handler this module installed, so a second setup replaces it instead of stacking a
# second one; a plain attribute because the two handler classes share no hook for it.
_MARK = "_desk_app"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the first and each one opened after a rollover) is
    created 0600: open() would give 0644 under the usual umask."""

    def _open(self) -> io.TextIOWrapper:
        create_private_file(Path(self.baseFilename))
        return super()._open()


def setup_logging(directory: Path | None = None, *, level: int = logging.INFO) -> Path:
    """Send the app's log records to a rotating file; returns its path.

    Never raises: when the folder cannot be created, logging goes to stderr instead and the
    app still starts.
    """
    folder = directory or log_dir()
    path = folder / LOG_FILENAME
    root = logging.getLogger("desk_app")
    root.setLevel(level)
    for old in list(root.handlers):
        if getattr(old, _MARK, False):
            root.removeHandler(old)
            old.close()
    handler: logging.Handler
    try:
        # The log names requesters and desks: folder 0700, file 0600 (rotated files are
        # renames of it, so they keep the mode).
        make_private_dir(folder)
        if not create_private_file(path):
            make_private_file(path)
        handler = PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                       encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(
        "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    return path
