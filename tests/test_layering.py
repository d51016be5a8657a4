"""domain, store and services must never import Qt: they run headless and in workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import desk_app

PURE = ("desk_app.domain", "desk_app.store", "desk_app.services")


def _modules(package: str) -> list[str]:
    root = Path(desk_app.__file__).parent.parent
    folder = root / package.replace(".", "/")
    return sorted(
        ".".join(p.relative_to(root).with_suffix("").parts)
        for p in folder.rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    )


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
    code = ("import sys, desk_app.ui.widgets\n"
            "print('PySide6' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "True"
