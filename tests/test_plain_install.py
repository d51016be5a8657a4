"""A plain `pip install` of the project delivers a desktop notification on Linux.

The test environment cannot show this by itself: python-dbusmock (test extra) brings
dbus-python, and Debian's libnotify-bin puts `notify-send` on the PATH; either lets plyer
deliver and would hide a runtime dependency that pyproject.toml does not declare. So this test
makes a virtual environment in a temporary folder, installs the project there with pip and
nothing else (no test extra, no dbus-python), and runs the app's own window and notifier
chain in it against dbusmock's notification daemon on the suite's private session bus, with a
PATH that holds only that environment. The daemon must receive the Notify call.

About 40 s on this 2-core machine, most of it unpacking PySide6's wheel: pip runs from the
suite's environment (`pip --python`), so the new environment does not spend ten more seconds
installing pip into itself, and nothing is byte-compiled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Read when the module is collected, before the session fixture moves XDG_CACHE_HOME into a
# temporary folder: the real cache spares a second download of PySide6 (about 84 MB).
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip")
NOT_THE_PROJECT = shutil.ignore_patterns(".git", ".ci-venv", "build", "dist", "*.egg-info",
                                         "__pycache__", ".*_cache", "*.sqlite3*", "tests")

SCRIPT = """
import importlib.util, os, shutil, sys
from pathlib import Path

print("dbus-python importable:", importlib.util.find_spec("dbus") is not None)
try:
    import dbus  # noqa: F401
except ImportError:
    print("import dbus: ImportError")
print("notify-send on PATH:", shutil.which("notify-send") is not None)

import desk_app
print("desk_app from the new environment:", desk_app.__file__.startswith(sys.prefix))

from PySide6.QtWidgets import QApplication
app = QApplication([])
from desk_app.app import open_context
from desk_app.domain.risk import Risk
from desk_app.services.alerts import Notice
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings

here = Path(sys.argv[1])
ctx = open_context(here / "desk.sqlite3", user_tz="UTC")
ctx.directory.ensure_technician("Alex Morgan")
window = MainWindow(ctx, UiSettings(here / "settings.ini"), actor="Alex Morgan")
center = window.watch.center
print("active path:", center.active_path())
used = center.deliver(Notice("HD-1001 Printer offline", "Resolution target breached",
                             ticket_id=1, level=Risk.BREACHED))
print("delivered by:", used)
window.watch.shutdown()
ctx.close()
"""


@pytest.mark.slow
def test_a_plain_pip_install_delivers_to_the_session_bus_daemon(
        notification_daemon: object, tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(REPO, source, ignore=NOT_THE_PROJECT)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)
    python = venv / "bin" / "python"
    pip_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    pip_env["PIP_CACHE_DIR"] = PIP_CACHE
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-compile", str(source)],
        capture_output=True, text=True, env=pip_env, timeout=100)
    assert install.returncode == 0, install.stderr[-3000:]

    script = tmp_path / "send_one.py"
    script.write_text(SCRIPT, encoding="utf-8")
    run_env = {k: v for k, v in os.environ.items()
               if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    run_env.update(PATH=str(venv / "bin"), QT_QPA_PLATFORM="offscreen")
    assert run_env.get("DBUS_SESSION_BUS_ADDRESS")  # the suite's private bus
    result = subprocess.run([str(python), str(script), str(tmp_path)], capture_output=True,
                            text=True, env=run_env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines == [
        "dbus-python importable: False",
        "import dbus: ImportError",
        "notify-send on PATH: False",
        "desk_app from the new environment: True",
        "active path: Desktop notifications",
        "delivered by: Desktop notifications",
    ], result.stdout + result.stderr[-2000:]
    calls = notification_daemon.GetMethodCalls("Notify")  # type: ignore[attr-defined]
    assert [(str(args[3]), str(args[4])) for _stamp, args in calls] == [
        ("HD-1001 Printer offline", "Resolution target breached")]
