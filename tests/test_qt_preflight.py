"""The pre-flight that names missing system libraries before Qt aborts or fails to import.

No test here can take a real library away from this machine (the dynamic loader finds it
through its cache whatever LD_LIBRARY_PATH says). So the unit tests inject a loader that fails
for chosen sonames, and the subprocess test adds a soname that exists nowhere to the xcb list,
which the real loader (ctypes) then really fails to load. The lists themselves are checked
against the installed wheel's own ELF dependencies, and the offscreen list against this
machine's real loader. The real thing, a bare Debian 12 chroot, is described in README.md.
"""

from __future__ import annotations

import logging
import os
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

from desk_app.platform.logs import LOG_FILENAME
from desk_app.platform.qt_preflight import (
    QT_LIBRARIES,
    XCB_LIBRARIES,
    check,
    qt_libraries_missing,
    qt_platform,
    required_libraries,
)

ALL_SONAMES = {library.soname for library in QT_LIBRARIES + XCB_LIBRARIES}


def failing_for(*sonames: str):  # type: ignore[no-untyped-def]
    """A loader like ctypes.CDLL that cannot find `sonames` and finds everything else."""
    def load(name: str) -> object:
        if name in sonames:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()
    return load


def test_names_the_missing_library_and_the_package_that_ships_it() -> None:
    problem = check({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, system="linux",
                    loader=failing_for("libxcb-icccm.so.4"))
    assert problem is not None
    assert [library.soname for library in problem.missing] == ["libxcb-icccm.so.4"]
    assert problem.install_command == "sudo apt-get install libxcb-icccm4"
    assert problem.message() == (
        "The window cannot start: Qt's xcb platform needs system libraries that are not "
        "installed (libxcb-icccm.so.4). On Debian or Ubuntu install them with:\n"
        "    sudo apt-get install libxcb-icccm4")


def test_names_every_missing_library_once_per_package() -> None:
    problem = check({"DISPLAY": ":0"}, system="linux", loader=failing_for(
        "libglib-2.0.so.0", "libgthread-2.0.so.0", "libxcb-cursor.so.0", "libxcb-shape.so.0"))
    assert problem is not None
    assert problem.packages == ("libglib2.0-0", "libxcb-cursor0", "libxcb-shape0")


def test_offscreen_does_not_need_the_xcb_libraries() -> None:
    everything_xcb = failing_for(*(library.soname for library in XCB_LIBRARIES))
    assert check({"QT_QPA_PLATFORM": "offscreen"}, system="linux",
                 loader=everything_xcb) is None
    # ... but it does need Qt's own dependencies, which fail with an ImportError otherwise.
    problem = check({"QT_QPA_PLATFORM": "offscreen"}, system="linux",
                    loader=failing_for("libEGL.so.1"))
    assert problem is not None and problem.install_command == "sudo apt-get install libegl1"


def test_other_systems_need_nothing() -> None:
    load_nothing = failing_for(*ALL_SONAMES)
    assert check({"DISPLAY": ":0"}, system="win32", loader=load_nothing) is None
    assert check({}, system="darwin", loader=load_nothing) is None


@pytest.mark.parametrize(("environ", "platform"), [
    ({"QT_QPA_PLATFORM": "xcb"}, "xcb"),
    ({"QT_QPA_PLATFORM": "XCB:dpi=96"}, "xcb"),
    ({"QT_QPA_PLATFORM": "offscreen:fontengine=freetype"}, "offscreen"),
    ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, "wayland"),
    ({"DISPLAY": ":0"}, "xcb"),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
    ({"XDG_SESSION_TYPE": "wayland"}, "wayland"),
    ({}, "xcb"),
])
def test_the_platform_qt_will_try_first(environ: dict[str, str], platform: str) -> None:
    assert qt_platform(environ) == platform


def test_xcb_adds_its_libraries_to_qts_own() -> None:
    assert required_libraries({"QT_QPA_PLATFORM": "xcb"}, "linux") == QT_LIBRARIES + XCB_LIBRARIES
    assert required_libraries({"QT_QPA_PLATFORM": "wayland"}, "linux") == QT_LIBRARIES


@pytest.fixture
def log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    yield tmp_path
    for handler in list(logging.getLogger("desk_app").handlers):
        if getattr(handler, "_desk_app", False):
            logging.getLogger("desk_app").removeHandler(handler)
            handler.close()


def test_says_it_on_stderr_and_in_the_log(log_folder: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert qt_libraries_missing({"QT_QPA_PLATFORM": "xcb"}, system="linux",
                                loader=failing_for("libxcb-keysyms.so.1"))
    err = capsys.readouterr().err
    assert err.startswith("desk-app: error: The window cannot start:")
    assert "sudo apt-get install libxcb-keysyms1" in err
    logged = next(log_folder.rglob(LOG_FILENAME)).read_text(encoding="utf-8")
    assert "ERROR" in logged and "sudo apt-get install libxcb-keysyms1" in logged


def test_says_nothing_when_all_is_there(log_folder: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert not qt_libraries_missing({"QT_QPA_PLATFORM": "xcb"}, system="linux",
                                    loader=failing_for())
    assert capsys.readouterr().err == ""
    assert not list(log_folder.rglob(LOG_FILENAME))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sonames")
def test_qts_own_libraries_really_load_here() -> None:
    """The suite runs offscreen, so this machine has them (.ci/run installs them): a soname
    misspelt in the list would fail here."""
    assert check({"QT_QPA_PLATFORM": "offscreen"}) is None


def _needed(path: Path) -> list[str]:
    """The DT_NEEDED entries of a 64-bit little-endian ELF file: what `readelf -d` lists as
    NEEDED, read without binutils."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, path
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        if kind != 6:  # SHT_DYNAMIC
            continue
        strtab_offset = sections[link][4]
        needed = []
        for entry in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, entry)
            if tag == 1:  # DT_NEEDED
                end = data.index(b"\0", strtab_offset + value)
                needed.append(data[strtab_offset + value:end].decode())
        return needed
    return []


# Every Debian system has these (C and C++ runtimes, zlib, zstd).
ALWAYS_THERE = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1",
                "ld-linux-x86-64.so.2", "libz.so.1", "libzstd.so.1", "libpthread.so.0",
                "libdl.so.2", "librt.so.1"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF files")
def test_the_lists_cover_what_the_installed_wheel_links_against() -> None:
    """A PySide6 upgrade that links Qt against one more system library fails here, not on a
    user's machine (Qt 6.5 added libxcb-cursor that way)."""
    spec = find_spec("PySide6")
    assert spec is not None and spec.submodule_search_locations
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    bundled = {p.name for p in (qt / "lib").iterdir()}
    core = ["libQt6Core.so.6", "libQt6Gui.so.6", "libQt6Widgets.so.6", "libQt6DBus.so.6"]
    wanted = {name for lib in core for name in _needed(qt / "lib" / lib)}
    wanted |= set(_needed(qt / "plugins" / "platforms" / "libqoffscreen.so"))
    xcb = set(_needed(qt / "plugins" / "platforms" / "libqxcb.so"))
    xcb |= set(_needed(qt / "lib" / "libQt6XcbQpa.so.6"))
    unlisted = (wanted | xcb) - bundled - ALWAYS_THERE - ALL_SONAMES
    assert not unlisted, f"add these to desk_app/platform/qt_preflight.py: {sorted(unlisted)}"
    base = {library.soname for library in QT_LIBRARIES}
    assert wanted - bundled - ALWAYS_THERE <= base, "offscreen needs these on every platform"
    assert "libxcb-cursor.so.0" in xcb and "libxcb-icccm.so.4" in xcb  # the parser works


def test_the_command_line_says_it_instead_of_qt_aborting(tmp_path: Path) -> None:
    """The real ctypes loader, in a fresh process, fails for a library that exists nowhere:
    `desk-app` exits 1 with the message and the log line, and Qt's GUI modules were never
    imported. (Before the pre-flight, Qt aborted with exit code 134.)"""
    script = textwrap.dedent(f"""
        import sys
        from desk_app.platform import qt_preflight as preflight
        preflight.XCB_LIBRARIES += (preflight.SystemLibrary("libdesk-app-absent.so.7",
                                                            "desk-app-absent7"),)
        from desk_app.cli import main
        code = main(["--db", {str(tmp_path / "desk.sqlite3")!r}])
        assert "PySide6.QtGui" not in sys.modules, "Qt was imported before the check"
        sys.exit(code)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":4242",
           "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "libdesk-app-absent.so.7" in result.stderr
    install_line = next(line for line in result.stderr.splitlines() if "apt-get" in line)
    assert install_line.strip().startswith("sudo apt-get install ")
    assert install_line.endswith(" desk-app-absent7")  # with the xcb packages this machine lacks
    assert "Traceback" not in result.stderr
    logged = next((tmp_path / "state").rglob(LOG_FILENAME)).read_text(encoding="utf-8")
    assert "libdesk-app-absent.so.7" in logged
    assert not (tmp_path / "desk.sqlite3").exists()  # nothing opened before the check

