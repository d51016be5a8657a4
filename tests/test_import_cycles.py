"""No two desk_app modules depend on each other, however indirectly.

A cycle hidden behind `TYPE_CHECKING` or inside a function still ties two modules together:
neither can be understood, tested or moved without the other. So every import statement
counts here, wherever it sits in the file, and the graph is read from the source with `ast`
(nothing is imported, so an import that only runs later is seen too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import desk_app

PACKAGE = "desk_app"


def module_name(root: Path, path: Path) -> str:
    """`desk_app/ui/sla/sla_watch.py` → `desk_app.ui.sla.sla_watch`; a package's `__init__.py`
    is the package itself."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.Module, *, module: str, is_package: bool) -> set[str]:
    """Every dotted name an import statement in `tree` may load: `import a.b` gives `a.b`;
    `from a import b` gives `a` and `a.b` (b may be a submodule); relative imports are
    resolved against `module`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                # A package's own `from . import x` is relative to the package itself.
                keep = len(base) - node.level + (1 if is_package else 0)
                prefix = ".".join(base[:keep])
                source = f"{prefix}.{node.module}" if node.module else prefix
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module → the modules of `package` it imports (edges to itself left out)."""
    files = {module_name(root, p): p for p in (root / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = imported_names(tree, module=module, is_package=path.name == "__init__.py")
        graph[module] = {n for n in names if n in files and n != module}
    return graph


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted;
    an empty list means the graph is acyclic."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _root() -> Path:
    return Path(desk_app.__file__).parent.parent


def test_no_import_cycle_among_desk_app_modules() -> None:
    graph = import_graph(_root())
    assert len(graph) > 50 and sum(len(t) for t in graph.values()) > 100  # really read
    assert find_cycles(graph) == []


def test_the_checker_sees_type_checking_and_function_level_imports(tmp_path: Path) -> None:
    """Guards the guard: a planted two-module cycle, one side hidden behind TYPE_CHECKING
    and the other inside a function, plus a three-module ring of relative imports."""
    pkg = tmp_path / "planted"
    (pkg / "ui").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ui" / "__init__.py").write_text("")
    (pkg / "ui" / "window.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from planted.ui.watch import Watch\n")
    (pkg / "ui" / "watch.py").write_text(
        "def build():\n"
        "    from planted.ui import window\n"
        "    return window\n")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("from .c import thing\n")
    (pkg / "c.py").write_text("import planted.a\nthing = 1\n")
    (pkg / "leaf.py").write_text("import planted.c\n")
    graph = import_graph(tmp_path, "planted")
    assert graph["planted.ui.window"] == {"planted.ui.watch"}
    assert graph["planted.ui.watch"] == {"planted.ui", "planted.ui.window"}
    assert find_cycles(graph) == [["planted.a", "planted.b", "planted.c"],
                                  ["planted.ui.watch", "planted.ui.window"]]
    (pkg / "ui" / "watch.py").write_text("x = 1\n")
    (pkg / "c.py").write_text("thing = 1\n")
    assert find_cycles(import_graph(tmp_path, "planted")) == []
