"""NUL is never text: refused in any imported cell with its row and column (Python 3.11's
csv module reads it, so the old whole-file refusal never fired), and in every field typed
in the window or on the command line."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.app import AppContext
from desk_app.cli import main
from desk_app.domain.csv_import import ImportOptions, convert, make_plan
from desk_app.domain.csv_read import read_table
from desk_app.domain.errors import ValidationError, ValidationErrors
from desk_app.domain.ticket import RequesterInput
from tests.conftest import make_draft

HEADER = "Subject,Requester,Email,Description,Category,Created"
ROWS = ["Printer jam,Anna Adler,anna@example.com,Paper stuck,Hardware,2026-07-10 10:00",
        "VPN drops,Ben Bauer,ben@example.com,Every hour,Network,2026-07-11 10:00"]
COLUMNS = HEADER.split(",")
NOW = datetime(2026, 8, 1, tzinfo=UTC)


def _problems(text: str) -> list[str]:
    table = read_table(text.encode())
    options = ImportOptions(tz="UTC")
    _rows, problems = convert(table, make_plan(table, options), options, now=NOW)
    return [p.text for p in problems]


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_a_nul_in_any_cell_is_refused_with_row_and_column(column: int) -> None:
    cells = ROWS[1].split(",")
    cells[column] = cells[column][:2] + "\x00" + cells[column][2:]
    problems = _problems("\n".join([HEADER, ROWS[0], ",".join(cells)]) + "\n")
    assert f"row 3, column {COLUMNS[column]}: contains a NUL character" in "\n".join(problems)


def test_a_nul_in_an_unmapped_column_is_refused_too() -> None:
    text = HEADER + ",Notes\n" + ROWS[0] + ",ok\n" + ROWS[1] + ",bin\x00ary\n"
    assert any(p.startswith("row 3, column Notes: contains a NUL") for p in _problems(text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=3))
def test_no_mutation_with_nul_bytes_converts(position: int, count: int) -> None:
    """NUL bytes dropped anywhere in a valid file: the file is refused (read or convert),
    never turned into tickets."""
    text = "\n".join([HEADER, *ROWS]) + "\n"
    at = len(HEADER) + 1 + position % (len(text) - len(HEADER) - 2)
    mutated = text[:at] + "\x00" * count + text[at:]
    try:
        table = read_table(mutated.encode())
    except Exception:  # refused while reading: fine
        return
    options = ImportOptions(tz="UTC")
    rows, problems = convert(table, make_plan(table, options), options, now=NOW)
    assert problems
    assert not any("\x00" in str(v) for r in rows for v in vars(r).values())


def test_cli_import_of_a_file_with_nul_bytes_stores_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_file, db = tmp_path / "in.csv", tmp_path / "desk.sqlite3"
    csv_file.write_bytes(("\n".join([HEADER, ROWS[0], ROWS[1].replace("Ben", "B\x00en")])
                          + "\n").encode())
    assert main(["seed", "--db", str(db), "--tickets", "1", "--seed", "1"]) == 0
    capsys.readouterr()
    assert main(["import", str(csv_file), "--db", str(db), "--tz", "UTC"]) == 2
    err = capsys.readouterr().err
    assert "row 3, column Requester: contains a NUL character" in err
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM ticket").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM contact WHERE instr(name, char(0)) > 0"
                            ).fetchone()[0] == 0
    finally:
        conn.close()


@pytest.mark.parametrize("field", ["title", "description", "category", "product", "assignee"])
def test_a_typed_ticket_with_nul_is_refused(ctx: AppContext, field: str) -> None:
    with pytest.raises(ValidationErrors) as info:
        ctx.tickets.create(make_draft(**{field: "Print\x00er"}), actor="Alex Morgan")
    assert "NUL" in str(info.value)


@pytest.mark.parametrize("field", ["name", "email", "phone", "organization"])
def test_a_typed_requester_with_nul_is_refused(ctx: AppContext, field: str) -> None:
    values = {"name": "Anna", "email": "anna@example.com", "phone": "+49 30 1234",
              "organization": "Northwind"}
    values[field] = values[field][:2] + "\x00" + values[field][2:]
    with pytest.raises(ValidationErrors) as info:
        ctx.tickets.create(make_draft(requester=RequesterInput(**values)), actor="Alex Morgan")
    assert "NUL" in str(info.value)


def test_a_note_with_nul_is_refused(ctx: AppContext) -> None:
    detail = ctx.tickets.create(make_draft(), actor="Alex Morgan")
    with pytest.raises(ValidationError, match="NUL"):
        ctx.tickets.add_note(detail.id, "see\x00this", actor="Alex Morgan")
