"""The layers import only downwards, so each can run (and be tested) without the ones above.

- domain, store and services never import Qt, ui or workers: they run headless and in workers.
- platform (adapters to the operating system) may use Qt where the OS is reached through it
  (the D-Bus notifier watches its socket on Qt's event loop), but never imports ui or workers.
- workers (Qt threads) never import ui; ui may import everything.

Two checks: a static one reads every import statement of every module (function-level and
TYPE_CHECKING imports included, which a run-time check would miss), and a run-time one imports
the pure layers in a fresh interpreter and looks for PySide6 in `sys.modules` (which catches Qt
pulled in through a third-party package).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import desk_app

PURE = ("desk_app.domain", "desk_app.store", "desk_app.services")
QT = ("PySide6", "shiboken6")
UPPER = ("desk_app.ui", "desk_app.workers")
# layer -> the packages its modules must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    **{layer: (*QT, *UPPER) for layer in PURE},
    "desk_app.platform": UPPER,
    "desk_app.workers": ("desk_app.ui",),
}
PACKAGE_ROOT = Path(desk_app.__file__).parent.parent


def _modules(package: str) -> list[str]:
    """The package's modules that can be imported on their own (not the Alembic scripts)."""
    folder = PACKAGE_ROOT / package.replace(".", "/")
    return sorted(
        ".".join(p.relative_to(PACKAGE_ROOT).with_suffix("").parts)
        for p in folder.rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    )


def _imported(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in the file, wherever it stands in it; `package`
    is the one relative imports start from."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            # `from desk_app import ui` imports desk_app.ui: name each imported member too
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def layer_violations(root: Path = PACKAGE_ROOT) -> list[str]:
    """Every import that breaks the rules above, as 'path:line imports name'."""
    bad = []
    for layer, forbidden in FORBIDDEN.items():
        for path in sorted((root / layer.replace(".", "/")).rglob("*.py")):
            package = ".".join(path.relative_to(root).parent.parts)
            for line, name in _imported(path, package):
                if any(_within(name, f) for f in forbidden):
                    bad.append(f"{path.relative_to(root).as_posix()}:{line} imports {name}")
    return bad


def test_no_layer_imports_above_itself() -> None:
    assert len(_modules("desk_app.platform")) >= 5
    assert layer_violations() == []


def test_the_static_check_finds_a_planted_violation(tmp_path: Path) -> None:
    """Guards the guard: a copy of the package with forbidden imports tucked away in
    function bodies and TYPE_CHECKING blocks is reported, line by line."""
    for package in ("domain", "store", "services", "platform", "workers", "ui"):
        (tmp_path / "desk_app" / package).mkdir(parents=True)
    (tmp_path / "desk_app" / "platform" / "adapter.py").write_text(
        "from PySide6.QtCore import QObject\n"  # allowed: platform may use Qt
        "def probe():\n"
        "    from desk_app.ui.common import widgets\n"
        "    return widgets\n")
    (tmp_path / "desk_app" / "workers" / "job.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ..ui.main_window import MainWindow\n")
    (tmp_path / "desk_app" / "services" / "use_case.py").write_text(
        "from desk_app.domain import enums\n"  # allowed: downwards
        "import PySide6.QtGui\n"
        "from desk_app import workers\n")
    (tmp_path / "desk_app" / "ui" / "screen.py").write_text(
        "import PySide6\nfrom desk_app.workers import job\n")  # allowed: ui may import all
    (tmp_path / "desk_app" / "domain" / "__init__.py").write_text(
        "from . import enums\nfrom .. import ui\n")
    assert sorted(layer_violations(tmp_path)) == [
        "desk_app/domain/__init__.py:2 imports desk_app.ui",
        "desk_app/platform/adapter.py:3 imports desk_app.ui.common.widgets",
        "desk_app/services/use_case.py:2 imports PySide6.QtGui",
        "desk_app/services/use_case.py:3 imports desk_app.workers",
        "desk_app/workers/job.py:3 imports desk_app.ui.main_window.MainWindow",
    ]


def test_pure_layers_import_without_pyside6() -> None:
    modules = [m for pkg in PURE for m in _modules(pkg)]
    assert len(modules) > 10
    code = (
        "import sys\n"
        f"for m in {modules!r}:\n"
        "    __import__(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "", f"Qt imported by a pure layer: {result.stdout}"


def test_the_check_itself_notices_qt() -> None:
    """Guards the guard: importing a ui module does pull PySide6 in."""
    code = ("import sys, desk_app.ui.common.widgets\n"
            "print('PySide6' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "True"
