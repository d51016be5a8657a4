"""One composition root: app.py builds every service once; nothing else constructs one.

A widget or a service that builds a service on the spot is a seam team mode would have to
find later (HOUSE_STYLE: "One composition root"). The scan finds the service classes
itself: every class in desk_app/services whose constructor takes the `Database`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import event

import desk_app
from desk_app.app import AppContext, open_context
from tests.conftest import FakeClock

ROOT = Path(desk_app.__file__).parent
COMPOSITION_ROOT = ROOT / "app.py"


def _annotation_names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        node = ast.parse(node.value, mode="eval").body
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def service_classes(tree: ast.AST) -> set[str]:
    """Classes whose __init__ takes a parameter annotated `Database`: services."""
    found: set[str] = set()
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                args = item.args
                params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
                if any("Database" in _annotation_names(a.annotation) for a in params):
                    found.add(cls.name)
    return found


def constructions(tree: ast.AST, classes: set[str]) -> list[tuple[int, str]]:
    """(line, class) of each call that constructs one of `classes`: `Name(...)` or
    `module.Name(...)`; `Name.method(...)` (a static method) is no construction."""
    calls: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) else None
        if name in classes:
            calls.append((node.lineno, name))
    return sorted(calls)


def _all_service_classes() -> set[str]:
    classes: set[str] = set()
    for path in sorted((ROOT / "services").glob("*.py")):
        classes |= service_classes(ast.parse(path.read_text(encoding="utf-8")))
    return classes


def test_every_service_is_built_in_app_py_only() -> None:
    classes = _all_service_classes()
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        if path == COMPOSITION_ROOT or "migrations" in path.parts:
            continue
        calls = constructions(ast.parse(path.read_text(encoding="utf-8")), classes)
        if calls:
            found[str(path.relative_to(ROOT))] = calls
    assert found == {}, (f"services built outside app.py: {found}; add the service to "
                         "AppContext and hand it in instead")
    # And app.py builds each of them (else some caller must be building it elsewhere).
    built = {name for _line, name in constructions(
        ast.parse(COMPOSITION_ROOT.read_text(encoding="utf-8")), classes)}
    assert built == classes


def test_the_scan_finds_services_and_their_constructions() -> None:
    """Guards the guard: the class finder sees a Database parameter however annotated,
    and each way of constructing is noticed, a static method call is not."""
    assert {"CreditService", "ExportService", "MonitorService", "ReportService",
            "ImportService", "ViewExportService", "TicketService", "AlertLog",
            "DeskGenerator"} <= _all_service_classes()
    source = ("class A:\n    def __init__(self, db: Database) -> None: ...\n"
              "class B:\n    def __init__(self, *, db: 'engine.Database') -> None: ...\n"
              "class C:\n    def __init__(self, clock: Clock) -> None: ...\n")
    assert service_classes(ast.parse(source)) == {"A", "B"}
    uses = ("x = ReportService(db, sla, clock)\n"
            "y = reports.ReportService(db, sla, clock, monitor=m)\n"
            "table = ImportService.read(path, options)\n"
            "z = ctx.reports.period_report(a, b)\n")
    assert constructions(ast.parse(uses), {"ReportService", "ImportService"}) == [
        (1, "ReportService"), (2, "ReportService")]


def _pool_closes(ctx: AppContext) -> list[object]:
    closed: list[object] = []
    event.listen(ctx.db.engine.pool, "close", lambda conn, _record: closed.append(conn))
    ctx.lists.counts(None)  # a connection opened and returned to the pool
    assert ctx.db.engine.pool.checkedin() >= 1 and closed == []
    return closed


def test_the_context_closes_its_database_on_leaving_with(db_path: Path,
                                                         clock: FakeClock) -> None:
    with open_context(db_path, clock=clock, user_tz="UTC") as ctx:
        assert isinstance(ctx, AppContext)
        closed = _pool_closes(ctx)
        pool = ctx.db.engine.pool
    assert closed and pool.checkedin() == 0


def test_the_context_closes_its_database_when_the_block_fails(db_path: Path,
                                                              clock: FakeClock) -> None:
    with pytest.raises(RuntimeError, match="disk full"), \
            open_context(db_path, clock=clock, user_tz="UTC") as ctx:
        closed = _pool_closes(ctx)
        pool = ctx.db.engine.pool
        raise RuntimeError("disk full")
    assert closed and pool.checkedin() == 0
