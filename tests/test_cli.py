"""The command line: headless sub-commands and one-line errors, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk_app import __version__
from desk_app.cli import main


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk_app", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=60)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"desk-app {__version__}"


@pytest.mark.both_engines
def test_add_then_list_in_every_format(desk_target: str | Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db_path = desk_target
    assert main(["tickets", "add", "--db", str(db_path), "--title", "VPN, \"again\"",
                 "--requester", "Ben Brooks", "--email", "ben@example.org",
                 "--priority", "P2", "--as", "Alex Morgan"]) == 0
    assert capsys.readouterr().out.strip() == 'HD-1001 P2 VPN, "again"'
    assert main(["tickets", "add", "--db", str(db_path), "--title", "Mailbox full",
                 "--requester", "Anna Adler", "--impact", "high", "--urgency", "high"]) == 0
    assert capsys.readouterr().out.strip().startswith("HD-1002 P1")

    assert main(["tickets", "list", "--db", str(db_path), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["number"], r["priority"], r["status"]) for r in records] == \
        [("HD-1001", "P2", "new"), ("HD-1002", "P1", "new")]

    assert main(["tickets", "list", "--db", str(db_path), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["title"] == 'VPN, "again"' and rows[0]["requester"] == "Ben Brooks"

    assert main(["tickets", "list", "--db", str(db_path), "--status", "resolved"]) == 0
    assert capsys.readouterr().out.strip() == "No tickets."

    assert main(["tickets", "list", "--db", str(db_path)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["NUMBER", "PRIORITY", "STATUS"]
    assert len(table) == 3


def test_database_from_environment_variable(tmp_path: Path) -> None:
    target = tmp_path / "env.sqlite3"
    result = _run("tickets", "add", "--title", "From env", "--requester", "Zoe",
                  env={"DESK_APP_DB": str(target)})
    assert result.returncode == 0, result.stderr
    assert target.exists()


@pytest.mark.both_engines
def test_seed_reports_what_it_added(desk_target: str | Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--db", str(desk_target), "--tickets", "50", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Added 50 tickets (HD-1001 to HD-1050) with ")


@pytest.mark.both_engines
def test_after_a_seed_every_command_works(desk_target: str | Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """What failed on PostgreSQL: adding a ticket after a seed (duplicate ids), report and
    export summary/credits (':name' parameters), export tickets (instants as datetimes)."""
    db = ["--db", str(desk_target)]
    assert main(["seed", *db, "--tickets", "40", "--seed", "4", "--days", "30"]) == 0
    assert main(["tickets", "add", *db, "--title", "After the seed", "--requester",
                 "Someone New", "--email", "someone.new@example.org"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("HD-1041 ")
    today = datetime.now(UTC).date()  # the commands run on the real clock
    period = ["--from", str(today - timedelta(days=40)), "--to", str(today + timedelta(days=1)),
              "--tz", "UTC"]
    assert main(["report", *db, *period, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["volume"]["created"] == 41
    for kind in ("tickets", "summary", "breaches", "credits"):
        out = tmp_path / f"{kind}.csv"
        assert main(["export", kind, *db, *period, "--out", str(out)]) == 0, kind
        assert out.read_text(encoding="utf-8-sig").count("\n") > 1, kind


@pytest.mark.parametrize(("args", "message"), [
    (["tickets", "add", "--title", "x"], "the following arguments are required: --requester"),
    (["tickets", "add", "--title", "x", "--requester", "y", "--priority", "P9"],
     "--priority: 'P9' is not one of: P1, P2, P3, P4"),
    (["tickets", "add", "--title", " ", "--requester", "y"], "Title: required"),
    (["tickets", "add", "--title", "x", "--requester", "y", "--email", "nope"],
     "Email: 'nope' is not an email address"),
    (["tickets", "list", "--status", "open-ish"], "--status: 'open-ish' is not one of"),
    (["tickets", "list", "--format", "xml"], "invalid choice: 'xml'"),
    (["seed", "--tickets", "many"], "invalid int value: 'many'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_arguments_exit_2_with_one_line(db_path: Path, args: list[str],
                                            message: str) -> None:
    if args[0] != "frobnicate":
        args = [*args[:2], "--db", str(db_path), *args[2:]] if args[0] == "tickets" \
            else [args[0], "--db", str(db_path), *args[1:]]
    result = _run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_a_newer_database_fails_with_one_line(db_path: Path) -> None:
    assert _run("seed", "--db", str(db_path), "--tickets", "0").returncode == 0
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num='9999'")
    conn.commit()
    conn.close()
    result = _run("tickets", "list", "--db", str(db_path))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "newer version of Desk App" in result.stderr


def test_an_unwritable_location_fails_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run("tickets", "list", "--db", str(blocker / "sub" / "desk.sqlite3"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
