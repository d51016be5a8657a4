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
    csv_file.write_text(CSV + ",High,12/07/2026 10:00\n", encoding="utf-8")
    assert main(["import", str(csv_file), "--db", str(db), "--tz", "UTC"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("desk-app: in.csv: 2 problems in 3 rows; nothing imported")
    assert err[1].startswith("column Created: dates such as '10/07/2026 10:00' read both")
    assert "--date-format" in err[1]
    assert err[2] == "row 4, column Subject: empty: every ticket needs a title"
    assert len(err) == 3  # 'Sehr hoch' is no problem: it gets a guess


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


FIXTURES = Path(__file__).parent / "fixtures" / "import"


@pytest.mark.parametrize("name", ["osticket_export.csv", "freshdesk_export.csv",
                                  "tracker_export.csv"])
def test_real_shaped_exports_import_without_a_mapping_file(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "desk.sqlite3"
    assert main(["import", str(FIXTURES / name), "--db", str(db), "--tz", "UTC"]) == 0
    assert capsys.readouterr().out.startswith("Imported ")


def test_dry_run_lists_the_words_with_counts_and_the_proposed_title(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "desk.sqlite3"
    assert main(["import", str(FIXTURES / "tracker_export.csv"), "--db", str(db), "--tz",
                 "UTC", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tracker_export.csv: 8 tickets ready to import")
    assert out[1] == ("title: No Subject, Title or Summary column: the title is made of "
                      "'Issue Type' and 'Ticket ID', e.g. 'Bug #123' (proposed); choose "
                      'another with "columns": {"title": "..."} in --mapping')
    assert "status: Blocked → Waiting on third party (1 row), guessed" in out
    assert "status: To Do → New (2 rows)" in out
    assert "priority: P2 - High → P2 High (1 row), guessed" in out
    assert not db.exists() or main(["tickets", "list", "--db", str(db)]) == 0
    assert "Bug #123" not in capsys.readouterr().out  # nothing written


def test_map_status_overrides_the_guess(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "desk.sqlite3"
    args = ["import", str(FIXTURES / "freshdesk_export.csv"), "--db", str(db), "--tz", "UTC"]
    assert main([*args, "--dry-run", "--map-status", "OpenPending=in_progress",
                 "--map-channel", "Outbound Email=phone"]) == 0
    out = capsys.readouterr().out
    assert "status: OpenPending → In progress (2 rows), as mapped" in out
    assert "channel: Outbound Email → Phone (1 row), as mapped" in out
    assert main([*args, "--map-status", "OpenPending=in_progress"]) == 0
    out = capsys.readouterr().out
    assert "status: OpenPending" not in out  # mapped, so not listed among the guesses
    assert "channel: Outbound Email → Email (1 row), guessed" in out
    assert main(["tickets", "list", "--db", str(db), "--format", "csv"]) == 0
    listed = capsys.readouterr().out
    assert "HD-1002,P1,in_progress,Webshop checkout error 500" in listed
    assert "HD-1006,P4,in_progress,Quote for 20 new headsets" in listed


def test_a_map_option_that_names_none_of_ours_exits_2(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(FIXTURES / "freshdesk_export.csv"), "--db",
                 str(tmp_path / "d.sqlite3"), "--map-priority", "Urgent=asap"]) == 2
    assert capsys.readouterr().err == (
        "desk-app: error: --map-priority 'Urgent=asap': 'asap' is not a priority of ours "
        "(P1, P2, P3, P4)\n")
