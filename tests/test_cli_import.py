"""`desk-app import`: summary line, problems with row and column, exit codes 0 / 1 / 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from desk_app.cli import main

CSV = ("Subject,Priority,Created\n"
       "Printer jam,Urgent,10/07/2026 10:00\n"
       "VPN drops,Sehr hoch,11/07/2026 10:00\n")


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "in.csv").write_text(CSV, encoding="utf-8")
    return tmp_path / "in.csv", tmp_path / "desk.sqlite3"


def test_problems_are_listed_one_per_line_and_exit_2(files: tuple[Path, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    csv_file, db = files
    assert main(["import", str(csv_file), "--db", str(db), "--tz", "UTC"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("desk-app: in.csv: 2 problems in 2 rows; nothing imported")
    assert err[1].startswith("column Created: dates such as '10/07/2026 10:00' read both")
    assert "--date-format" in err[1]
    assert err[2] == ("row 3, column Priority: 'Sehr hoch' is not a priority we know "
                      "(map it in --mapping)")


def test_dry_run_then_import_with_mapping_and_date_format(
        files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_file, db = files
    mapping = tmp_path / "map.json"
    mapping.write_text('{"priority": {"Sehr hoch": "P1"}}')
    args = ["import", str(csv_file), "--db", str(db), "--tz", "UTC", "--mapping",
            str(mapping), "--date-format", "DD/MM/YYYY"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("in.csv: 2 tickets ready to import")
    assert "dry run, nothing written" in out
    assert main(args) == 0
    assert capsys.readouterr().out.startswith(
        "Imported 2 tickets (HD-1001 to HD-1002), 1 new contact, 0 new organizations")
    assert main(["tickets", "list", "--db", str(db), "--format", "csv"]) == 0
    listed = capsys.readouterr().out
    assert "HD-1002,P1,new,VPN drops" in listed
    assert "2026-07-11T10:00:00+00:00" in listed


def test_an_unreadable_file_exits_1_naming_the_line(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'Subject,Description\nA,"open\n')
    assert main(["import", str(bad), "--db", str(tmp_path / "d.sqlite3")]) == 1
    assert "line 2: a quoted cell that starts on this line is never closed" in \
        capsys.readouterr().err


def test_a_busy_database_is_one_line_without_traceback_and_nothing_imported(
        files: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import desk_app.services.importer as importer

    def locked(s: object) -> None:
        raise OperationalError("BEGIN IMMEDIATE", None,
                               sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(importer, "lock_for_writing", locked)
    csv_file, db = files
    args = ["import", str(csv_file), "--db", str(db), "--tz", "UTC", "--date-format",
            "DD/MM/YYYY"]
    csv_file.write_text(CSV.replace("Sehr hoch", "High"), encoding="utf-8")
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "desk-app: error: The database was busy or changed while importing (database is "
        "locked); nothing was imported. Import again."]
    assert captured.out == ""
    assert main(["tickets", "list", "--db", str(db), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == []  # the header line only
