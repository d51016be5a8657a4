"""Logging to a rotating file, so a gui-script with no console still leaves a trace."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from desk_app.platform.paths import log_dir

LOG_FILENAME = "desk-app.log"
# Marks the handler this module installed, so a second setup replaces it instead of stacking a
# second one; a plain attribute because the two handler classes share no hook for it.
_MARK = "_desk_app"


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
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                       encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    return path
