"""SLA states are compared as enum members, never as their text.

Risk (domain/risk.py) and ClockState (domain/sla_clock.py) are the only places the words
live. A copy of one in a comparison, a set or an SQL string would silently stop matching
when a member is added or renamed (as when MISSED joined Risk), so this scan fails on any
string literal in desk_app that is, or quotes, one of those words, outside the two enums
and the migrations (which keep the text they had when written).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import desk_app
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockState

PACKAGE = Path(desk_app.__file__).parent
EXEMPT_FILES = {"domain/risk.py", "domain/sla_clock.py"}
# "none" (Risk.NONE) is left out: it is everyday text too ("(none)", "policy none"), and
# nothing compares a risk with it (a ticket without SLA is tested with Risk.NONE).
WORDS = frozenset({m.value for m in Risk} | {m.value for m in ClockState}) - {"none"}
_ALTERNATIVES = "|".join(sorted(WORDS, key=len, reverse=True))
_QUOTED = re.compile(rf"""['"]({_ALTERNATIVES})['"]""")
# The same words with another meaning, each with the reason it is not a state.
ALLOWED = {
    ("domain/import_values.py", "critical"): "a priority word in other systems' exports",
    ("domain/import_values.py", "paused"): "a status word in other systems' exports",
    ("services/summary_export.py", "met"): "a field name of the summary's JSON format",
    ("services/summary_export.py", "missed"): "a field name of the summary's JSON format",
    ("services/alerts.py", "breached"): "the verb of a notification's sentence",
}


def _skipped(tree: ast.AST) -> set[int]:
    """ids of docstrings and of enum member values (an enum defines its own words)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                      | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id.endswith("Enum") for b in node.bases):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant):
                    skip.add(id(stmt.value))
    return skip


def state_literals(source: str) -> list[tuple[int, str]]:
    """(line, word) of each string literal that is a state word or quotes one (SQL)."""
    tree = ast.parse(source)
    skip = _skipped(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skip:
            if node.value in WORDS:
                found.append((node.lineno, node.value))
            found.extend((node.lineno, m.group(1)) for m in _QUOTED.finditer(node.value))
    return sorted(found)


def test_no_sla_state_is_spelled_out_in_desk_app() -> None:
    files = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    assert len(files) > 50
    offences = []
    for path in files:
        name = path.relative_to(PACKAGE).as_posix()
        if name in EXEMPT_FILES:
            continue
        offences += [f"{name}:{line}: '{word}'"
                     for line, word in state_literals(path.read_text(encoding="utf-8"))
                     if (name, word) not in ALLOWED]
    assert offences == [], "compare with Risk/ClockState members instead:\n" + \
        "\n".join(offences)


def test_every_allowance_is_still_needed() -> None:
    for name, word in ALLOWED:
        found = state_literals((PACKAGE / name).read_text(encoding="utf-8"))
        assert word in {w for _, w in found}, (name, word)


def test_the_scan_finds_comparisons_sets_and_sql_but_not_docs_or_enums() -> None:
    source = '''
"""A module docstring may say 'breached'."""
from enum import StrEnum

class Filter(StrEnum):
    """Its own words."""
    AT_RISK = "at_risk"

def f(row, state):
    """'met' in a docstring is prose."""
    if row.sla_risk == "breached":
        return state in ("running", "paused")
    sql = f"WHERE response_state = 'breached_stopped' AND x = {state}"
    return {"critical", "on_track"}, "Missed" # labels are not the stored words
'''
    assert state_literals(source) == [(11, "breached"), (12, "paused"), (12, "running"),
                                      (13, "breached_stopped"), (14, "critical"),
                                      (14, "on_track")]
