"""Private folders and files: requesters' names, emails and phones are in the desk, its
WAL, its backups, the log and the settings, so none of them may be readable by other local
users whatever the umask (with the usual 022 they came out 0644).

Exports are the exception on purpose: they are made to be shared, so they keep the user's
umask (see `shared_file_mode`).
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

_umask_lock = threading.Lock()


def make_private_dir(folder: Path) -> Path:
    """Create `folder` (and missing parents) and make it 0700; returns it.

    mkdir's mode is masked by the umask, hence the chmod after; an existing folder of ours
    is tightened too, so desks made by older versions stop being readable by others."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if stat.S_IMODE(folder.stat().st_mode) != PRIVATE_DIR_MODE:
        os.chmod(folder, PRIVATE_DIR_MODE)
    return folder


def create_private_file(path: Path) -> bool:
    """Create `path` empty with mode 0600 if it does not exist; True when it was made.

    O_EXCL|O_NOFOLLOW: never opens a file (or a planted link) that is already there."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def make_private_file(path: Path) -> None:
    """Set an existing regular file (not a link) to 0600."""
    if path.is_file() and not path.is_symlink():
        os.chmod(path, PRIVATE_FILE_MODE)


def current_umask() -> int:
    """The process umask (reading it means setting it, so briefly and under a lock)."""
    with _umask_lock:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def shared_file_mode() -> int:
    """The mode an ordinary `open(path, "w")` would give: 0666 less the umask."""
    return 0o666 & ~current_umask()
