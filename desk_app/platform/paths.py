"""Where Desk App keeps its files: one source (platformdirs) for data, config and logs.

Qt's QStandardPaths would add the organisation name and disagree with the command line, so
the window's settings file is placed here too.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "DeskApp"
DB_ENV = "DESK_APP_DB"
DB_FILENAME = "desk.sqlite3"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_database() -> Path:
    return data_dir() / DB_FILENAME


def settings_file() -> Path:
    return config_dir() / "settings.ini"


def chosen_database(cli_value: str | None) -> str:
    """`--db` wins, then $DESK_APP_DB, then the file in the user data folder."""
    if cli_value:
        return cli_value
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return env
    return str(default_database())
