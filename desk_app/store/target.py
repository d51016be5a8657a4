"""What a database path is, decided once before anything opens it.

Every way in (the window, each sub-command) asks `classify` first, so a folder, a device, a
path whose folder cannot be made, a file that is not a database or a desk that cannot be
written is named in one plain line at open, instead of surfacing later as SQLite's
"disk I/O error" or as a failed save.

Read-only desks. A desk is opened read-only when its file or its folder cannot be written
(SQLite in WAL mode writes `-wal` and `-shm` files beside the database), or when SQLite
itself refuses a write (SQLITE_READONLY: a read-only file system, a file whose header
forbids writing, permissions that `os.access` does not see). It is opened with
`?mode=ro`; when its folder cannot be written and no `-shm` file exists, SQLite cannot set up
WAL reading, so it is opened `immutable=1`: a snapshot, changes made elsewhere meanwhile are
seen after reopening it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import quote

SQLITE_HEADER = b"SQLite format 3\x00"
# Decides what the process may do with a path; tests inject one (root may write anything).
AccessCheck = Callable[[Path, int], bool]


class TargetKind(Enum):
    """What opening the path can do."""

    WRITABLE = "writable"    # an existing desk that can be changed
    NEW = "new"              # no file yet; its folder exists or can be made
    READ_ONLY = "read-only"  # an existing desk that can be read, not changed
    UNUSABLE = "unusable"    # a folder, a device, an impossible path, not a database …


class OpenMode(Enum):
    """What the caller will do with the desk, which decides what a path may be."""

    CHANGE = "change"  # seed, tickets add, import: created if missing; read-only refused
    READ = "read"      # tickets list, report, export, import --dry-run: never created
    WINDOW = "window"  # the window: created if missing; a read-only desk opens read-only


class DatabaseUnusable(Exception):
    """The path cannot be used as a desk; the message names it and says why, in one line."""


class DatabaseMissing(DatabaseUnusable):
    """A command that only reads was given a path with no desk: nothing is created."""


@dataclass(frozen=True)
class DatabaseTarget:
    """A classified database path. `reason` says why it is read-only or unusable."""

    path: Path
    kind: TargetKind
    reason: str = ""

    def refusal(self) -> DatabaseUnusable:
        return DatabaseUnusable(f"cannot use {self.path}: {self.reason}")


def _os_access(path: Path, mode: int) -> bool:
    return os.access(path, mode)


def classify(path: Path, *, access: AccessCheck = _os_access,
             probe: bool = True) -> DatabaseTarget:
    """Classify `path` without creating or changing anything.

    `probe` also asks SQLite whether it would accept a write (a transaction that is rolled
    back), which catches what permissions do not show, e.g. for root.
    """
    if path.is_dir():
        return DatabaseTarget(path, TargetKind.UNUSABLE, "it is a folder, not a database file")
    if path.exists():
        if not path.is_file():
            return DatabaseTarget(path, TargetKind.UNUSABLE,
                                  "it is not a regular file (a device or a pipe?)")
        if not access(path, os.R_OK):
            return DatabaseTarget(path, TargetKind.UNUSABLE, "permission denied reading it")
        try:
            with path.open("rb") as f:
                header = f.read(len(SQLITE_HEADER))
        except OSError as exc:
            return DatabaseTarget(path, TargetKind.UNUSABLE,
                                  f"it cannot be read ({exc.strerror or exc})")
        if header and header != SQLITE_HEADER:
            return DatabaseTarget(path, TargetKind.UNUSABLE, "it is not an SQLite database")
        if not access(path, os.W_OK):
            return DatabaseTarget(path, TargetKind.READ_ONLY, "the file is read-only")
        if not access(path.parent, os.W_OK):
            return DatabaseTarget(path, TargetKind.READ_ONLY,
                                  f"its folder {path.parent} is read-only")
        refused = sqlite_refuses_writes(path) if probe and header else None
        if refused:
            return DatabaseTarget(path, TargetKind.READ_ONLY, refused)
        return DatabaseTarget(path, TargetKind.WRITABLE)
    return _classify_missing(path, access)


def _classify_missing(path: Path, access: AccessCheck) -> DatabaseTarget:
    """A path with no file yet: can its folder be made and written?"""
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return DatabaseTarget(path, TargetKind.UNUSABLE,
                              f"{ancestor} is a file, so no folder can be made in it")
    if not access(ancestor, os.W_OK | os.X_OK):
        what = "the file" if ancestor == path.parent else f"the folder {path.parent}"
        return DatabaseTarget(path, TargetKind.UNUSABLE,
                              f"{what} cannot be created: {ancestor} is read-only")
    return DatabaseTarget(path, TargetKind.NEW)


def sqlite_refuses_writes(path: Path) -> str | None:
    """SQLite's own answer to "may I write here?", or None when it may.

    A write inside a transaction that is rolled back changes nothing. A desk that is busy
    (another process writing) counts as writable: it is, just not this instant.
    """
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=0.2)
    except sqlite3.Error as exc:
        return f"SQLite cannot open it for writing ({exc})"
    try:
        conn.isolation_level = None
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return None
        if _disk_full(path):  # SQLite says "disk I/O error" when it cannot make its -shm
            return "the disk holding it is full"
        return f"SQLite refuses to write to it ({exc})"
    except sqlite3.DatabaseError as exc:
        return f"SQLite refuses to write to it ({exc})"
    finally:
        conn.close()
    return None


def _disk_full(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def read_only_uri(path: Path, *, access: AccessCheck = _os_access) -> str:
    """The SQLite URI that opens `path` for reading only (see the module docstring)."""
    uri = f"file:{quote(str(path))}?mode=ro"
    shm = path.with_name(path.name + "-shm")
    if not access(path.parent, os.W_OK) and not shm.exists():
        uri += "&immutable=1"
    return uri
