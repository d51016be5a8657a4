"""Checks, before Qt is touched, that the system libraries the window needs can be loaded.

Why: the PySide6 wheels bundle Qt but not the system libraries Qt links against. On a bare
Debian or Ubuntu machine `import PySide6.QtGui` fails with a bare ImportError naming one
library, and when only the X11 (xcb) libraries are missing Qt aborts the whole process
(qFatal, exit code 134) with a hint that names one package (`libxcb-cursor0`) of the five that
are missing. Neither can be caught once Qt is running, so the command line asks here first
and, when something is missing, says which libraries and the one `apt-get install` line that
brings them, then exits 1.

The lists were found by experiment on a minimal Debian 12 chroot with PySide6-Essentials from
PyPI: install only what Qt asked for until the window started (see README, *System
packages*). tests/test_qt_preflight.py keeps them in step with the installed wheel's own
dependencies (the ELF `NEEDED` entries of the Qt libraries and the xcb plugin).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from desk_app.platform.logs import setup_logging

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SystemLibrary:
    """A shared library Qt links against, and the Debian/Ubuntu package that ships it."""

    soname: str
    package: str


# QtCore, QtGui, QtWidgets and QtDBus need these on every platform, offscreen included. The
# C and C++ runtimes, zlib and zstd are left out: every Debian system has them.
QT_LIBRARIES: tuple[SystemLibrary, ...] = (
    SystemLibrary("libglib-2.0.so.0", "libglib2.0-0"),
    SystemLibrary("libgthread-2.0.so.0", "libglib2.0-0"),
    SystemLibrary("libGL.so.1", "libgl1"),
    SystemLibrary("libEGL.so.1", "libegl1"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1"),
    SystemLibrary("libfreetype.so.6", "libfreetype6"),
    SystemLibrary("libX11.so.6", "libx11-6"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3"),
)

# The xcb platform plugin (libqxcb.so and libQt6XcbQpa.so.6) needs these as well. On the bare
# chroot the first five were missing after the libraries above were installed; the others
# came with libgl1, but a machine with another OpenGL may lack them.
XCB_LIBRARIES: tuple[SystemLibrary, ...] = (
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1"),
    SystemLibrary("libxcb-render.so.0", "libxcb-render0"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    SystemLibrary("libxcb.so.1", "libxcb1"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1"),
)

Loader = Callable[[str], object]


def qt_platform(environ: Mapping[str, str]) -> str:
    """The platform plugin Qt will try first on Linux.

    `QT_QPA_PLATFORM` may be a list (`wayland;xcb`, tried in order) with options after a
    colon (`offscreen:fontengine=freetype`). Unset, the wheel's Qt picks wayland in a Wayland
    session and xcb otherwise.
    """
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(";")[0].split(":")[0].strip().lower()
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    return "xcb"


def required_libraries(environ: Mapping[str, str],
                       system: str = sys.platform) -> tuple[SystemLibrary, ...]:
    """The system libraries the window needs here: none outside Linux (the wheels for
    Windows and macOS carry everything), the xcb plugin's only when Qt will use xcb."""
    if not system.startswith("linux"):
        return ()
    if qt_platform(environ) == "xcb":
        return QT_LIBRARIES + XCB_LIBRARIES
    return QT_LIBRARIES


def missing_libraries(libraries: Sequence[SystemLibrary],
                      loader: Loader = ctypes.CDLL) -> tuple[SystemLibrary, ...]:
    """Those of `libraries` the dynamic loader cannot load, each asked separately so that
    all are named at once (Qt's loader stops at the first)."""
    missing = []
    for library in libraries:
        try:
            loader(library.soname)
        except OSError:
            missing.append(library)
    return tuple(missing)


@dataclass(frozen=True)
class MissingQtLibraries:
    """What is missing for the platform Qt will use, and how to install it."""

    platform: str
    missing: tuple[SystemLibrary, ...]

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(library.package for library in self.missing))

    @property
    def install_command(self) -> str:
        return "sudo apt-get install " + " ".join(self.packages)

    def message(self) -> str:
        names = ", ".join(library.soname for library in self.missing)
        return (f"The window cannot start: Qt's {self.platform} platform needs system "
                f"libraries that are not installed ({names}). On Debian or Ubuntu install "
                f"them with:\n    {self.install_command}")


def check(environ: Mapping[str, str] | None = None, *, system: str = sys.platform,
          loader: Loader = ctypes.CDLL) -> MissingQtLibraries | None:
    """None when every library the window needs here loads, else what is missing."""
    env = os.environ if environ is None else environ
    missing = missing_libraries(required_libraries(env, system), loader)
    return MissingQtLibraries(qt_platform(env), missing) if missing else None


def qt_libraries_missing(environ: Mapping[str, str] | None = None, *,
                         system: str = sys.platform, loader: Loader = ctypes.CDLL) -> bool:
    """True, after saying so on stderr and in the log file, when the window cannot start.

    Call it before anything imports PySide6's GUI modules: both the ImportError and Qt's
    abort come before the app could show a message of its own.
    """
    problem = check(environ, system=system, loader=loader)
    if problem is None:
        return False

    setup_logging()
    log.error("%s", problem.message())
    print(f"desk-app: error: {problem.message()}", file=sys.stderr)
    return True
