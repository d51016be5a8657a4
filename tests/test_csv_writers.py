"""Every CSV the app writes goes through the one writer (services/export.py), which
neutralises formula-looking cells; no other module builds its own csv writer."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest

import desk_app
from desk_app.cli import main

WRITER_MODULE = Path("services") / "export.py"
FORBIDDEN = {"writer", "DictWriter"}


def _csv_writer_uses(tree: ast.AST) -> list[int]:
    """Lines that reach csv.writer / csv.DictWriter, however imported."""
    csv_names = {"csv"}
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            csv_names |= {a.asname or a.name for a in node.names if a.name == "csv"}
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            lines += [node.lineno for a in node.names if a.name in FORBIDDEN]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN and \
                isinstance(node.value, ast.Name) and node.value.id in csv_names:
            lines.append(node.lineno)
    return lines


def test_no_csv_writer_outside_the_one_writer_module() -> None:
    root = Path(desk_app.__file__).parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        uses = _csv_writer_uses(ast.parse(path.read_text(encoding="utf-8")))
        if uses:
            found[str(path.relative_to(root))] = uses
    assert list(found) == [str(WRITER_MODULE)], (
        f"CSV written outside {WRITER_MODULE}: {found}; use services.export.write_csv, "
        "which neutralises formula cells")


def test_the_check_itself_finds_a_writer() -> None:
    """Guards the guard: each way of reaching the csv writers is noticed."""
    for source in ("import csv\nw = csv.writer(f)", "import csv as c\nc.DictWriter(f, [])",
                   "from csv import DictWriter"):
        assert _csv_writer_uses(ast.parse(source)) == [len(source.splitlines())], source
    assert _csv_writer_uses(ast.parse("import csv\ncsv.reader(f)")) == []


def test_tickets_list_csv_neutralises_formulas(db_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    title = '=HYPERLINK("http://example.invalid/x","Click me")'
    assert main(["tickets", "add", "--db", str(db_path), "--title", title,
                 "--requester", "Ben Brooks", "--organization", "+Contoso"]) == 0
    capsys.readouterr()
    assert main(["tickets", "list", "--db", str(db_path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["title"] == "'" + title
    assert rows[0]["organization"] == "'+Contoso"
    assert rows[0]["number"] == "HD-1001" and rows[0]["requester"] == "Ben Brooks"
    # Printed for a terminal or a pipe: no byte-order mark, one "\n" per line.
    assert not out.startswith("\ufeff") and "\r" not in out
    assert out.splitlines()[0] == ("number,priority,status,title,requester,organization,"
                                   "assignee,created,updated")
