"""CSV exports: round trip, injection neutralised, BOM, quoting, zones, durations."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from desk_app.app import AppContext
from desk_app.domain.csv_cells import DANGEROUS_FIRST, safe_text, seconds_and_hours
from desk_app.services.export import TICKET_COLUMNS, CsvOptions, write_csv
from desk_app.services.period_export import ExportKind, ExportRequest
from tests.conftest import ME, FakeClock, make_draft, move

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines

NASTY = 'Printer says "PC LOAD LETTER", again\nSecond line, with a comma'


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize("first", DANGEROUS_FIRST)
def test_every_dangerous_first_character_is_neutralised(first: str) -> None:
    assert safe_text(f"{first}SUM(A1:A9)") == f"'{first}SUM(A1:A9)"
    out = io.StringIO()
    write_csv(out, ["cell"], [[f"{first}HYPERLINK(\"http://x\")"]], CsvOptions(bom=False))
    assert _read(out.getvalue())[0]["cell"].startswith("'")


def test_harmless_text_and_numbers_are_left_alone() -> None:
    assert [safe_text(v) for v in ("Printer", "a=b", 42, None, "")] == \
        ["Printer", "a=b", "42", "", ""]
    assert seconds_and_hours(5400) == ("5400", "1.50")
    assert seconds_and_hours(None) == ("", "")


def test_bom_on_by_default_and_off_on_request() -> None:
    on, off = io.StringIO(), io.StringIO()
    write_csv(on, ["a"], [["1"]], CsvOptions())
    write_csv(off, ["a"], [["1"]], CsvOptions(bom=False))
    assert on.getvalue() == "\ufeffa\r\n1\r\n"
    assert off.getvalue() == "a\r\n1\r\n"


def test_ticket_export_round_trips_through_the_csv_module(ctx: AppContext, clock: FakeClock,
                                                          tmp_path: Path) -> None:
    created = ctx.tickets.create(make_draft(title="=cmd|' /C calc'!A0", description=NASTY,
                                            assignee=ME), actor=ME)
    clock.advance(minutes=90)
    ctx.tickets.add_reply(created.id, "Looking", actor=ME)
    target = tmp_path / "tickets.csv"
    from desk_app.services.export import open_for_csv

    with open_for_csv(target) as out:
        count = ctx.exports.write(ExportRequest(ExportKind.TICKETS), out,
                                  CsvOptions(tz="Europe/Berlin"))
    assert count == 1
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    (row,) = _read(target.read_text(encoding="utf-8"))
    assert tuple(row) == TICKET_COLUMNS
    assert row["number"] == "HD-1001"
    assert row["title"] == "'=cmd|' /C calc'!A0"  # neutralised, visible as typed
    assert row["description"] == NASTY  # commas, quotes and the newline survive
    assert row["created_at"] == "2026-11-16T10:00:00+01:00"  # 09:00 UTC in Berlin
    assert row["first_response_at"] == "2026-11-16T11:30:00+01:00"
    assert (row["response_state"], row["response_used_s"], row["response_used_h"]) == \
        ("met", "5400", "1.50")
    assert (row["resolution_target_s"], row["resolution_target_h"]) == ("86400", "24.00")
    assert row["assignee"] == ME and row["requester_email"] == "anna.adler@northwind.example"


def test_cli_export_with_dates_and_no_bom(ctx: AppContext, desk_target: str | Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.cli import main

    ctx.tickets.create(make_draft(), actor=ME)
    ctx.close()
    out = tmp_path / "x.csv"
    assert main(["export", "tickets", "--db", str(desk_target), "--out", str(out), "--from",
                 "2026-11-16", "--to", "2026-11-16", "--tz", "UTC", "--no-bom"]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 1 tickets to {out}"
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert main(["export", "tickets", "--db", str(desk_target), "--out", str(out), "--from",
                 "2026-11-17", "--tz", "UTC"]) == 0
    assert _read(out.read_text(encoding="utf-8")) == []
    capsys.readouterr()
    assert main(["export", "breaches", "--db", str(desk_target), "--out", str(out), "--tz",
                 "UTC"]) == 0
    # The command runs on the real clock: the ticket logged (on the test clock) on
    # 16 Nov 2026 has long missed both its targets.
    assert capsys.readouterr().out.strip() == f"Wrote 2 breached clocks to {out}"
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",") == ["number", "title", "priority", "organization", "assignee",
                                 "target", "sla_policy", "due_at", "stopped_at", "still_open",
                                 "overdue_s", "overdue_h"]
    assert main(["export", "tickets", "--db", str(desk_target), "--out", str(out), "--from",
                 "16/11/2026"]) == 2
    assert "--from: '16/11/2026' is not a date" in capsys.readouterr().err


def test_breach_list_says_when_due_when_stopped_and_how_late(ctx: AppContext,
                                                             clock: FakeClock) -> None:
    from desk_app.domain.enums import Status

    # Monday 09:00 UTC, P3: first response due 13:00 (4 office hours).
    late = ctx.tickets.create(make_draft(title="Late"), actor=ME)
    ctx.tickets.create(make_draft(title="Silent"), actor=ME)
    fine = ctx.tickets.create(make_draft(title="Fine"), actor=ME)
    clock.advance(minutes=30)
    ctx.tickets.add_reply(fine.id, "On it", actor=ME)
    clock.advance(hours=4, minutes=30)  # 14:00
    move(ctx, late.id, Status.IN_PROGRESS)
    now = clock.advance(hours=1)  # 15:00
    out = io.StringIO()
    assert clock() == now
    ctx.exports.write(ExportRequest(ExportKind.BREACHES), out, CsvOptions(bom=False))
    rows = _read(out.getvalue())
    assert [(r["number"], r["target"], r["due_at"], r["stopped_at"], r["still_open"],
             r["overdue_s"], r["overdue_h"]) for r in rows] == [
        ("HD-1001", "first_response", "2026-11-16T13:00:00+00:00",
         "2026-11-16T14:00:00+00:00", "no", "3600", "1.00"),
        ("HD-1002", "first_response", "2026-11-16T13:00:00+00:00", "", "yes", "7200", "2.00"),
    ]


def test_breach_list_counts_the_breaches_the_period_report_counts(ctx: AppContext,
                                                                   clock: FakeClock) -> None:
    """The list reads the stored clocks the report counts, and its period is the breach
    instant's, like the report's weekly breaches: the two agree for any period."""
    from datetime import UTC, datetime, timedelta

    from desk_app.domain.enums import Impact, Status, Urgency
    def step(ticket_id: int, status: Status) -> None:
        move(ctx, ticket_id, status,
             resolution_note="Done" if status is Status.RESOLVED else None)

    p1 = {"impact": Impact.HIGH, "urgency": Urgency.HIGH}  # 30 m response, 4 h resolution
    # Monday 09:00 UTC, office hours. P3: first response 4 h (due 13:00), resolution 24 h.
    a = ctx.tickets.create(make_draft(title="A"), actor=ME).id
    ctx.tickets.create(make_draft(title="B"), actor=ME)  # never answered
    c = ctx.tickets.create(make_draft(title="C", **p1), actor=ME).id
    d = ctx.tickets.create(make_draft(title="D", **p1), actor=ME).id
    e = ctx.tickets.create(make_draft(title="E", **p1), actor=ME).id
    clock.advance(minutes=10)
    step(e, Status.IN_PROGRESS)  # 09:10, E answered in time
    clock.advance(minutes=10)
    step(e, Status.RESOLVED)  # 09:20, 20 m of E's resolution used
    clock.advance(minutes=20)
    step(e, Status.IN_PROGRESS)  # 09:40, reopened: its 4 h run out at 13:20
    clock.advance(minutes=20)
    ctx.tickets.add_reply(c, "On it", actor=ME)  # 10:00, 30 m after C's response was due
    clock.advance(minutes=30)
    step(d, Status.RESOLVED)  # 10:30: resolving answers D (it has no first_response_at)
    clock.advance(hours=3, minutes=30)
    step(a, Status.IN_PROGRESS)  # 14:00
    step(e, Status.RESOLVED)  # 14:00, 40 m after E's resolution was due
    clock.advance(hours=1)
    step(c, Status.RESOLVED)  # 15:00, 2 h after C's resolution was due
    now = clock.advance(days=3, hours=18)  # Friday 09:00: A's and B's resolutions breached

    reports = ctx.reports
    monday = datetime(2026, 11, 16, tzinfo=UTC)

    def listed(start: datetime, end: datetime) -> list[dict[str, str]]:
        out = io.StringIO()
        assert clock() == now
        ctx.exports.write(ExportRequest(ExportKind.BREACHES, start=start, end=end), out,
                          CsvOptions(bom=False))
        return _read(out.getvalue())

    def reported(start: datetime, end: datetime) -> int:
        return sum(w.breaches for w in reports.period_report(start, end, tz="UTC").weeks)

    rows = listed(monday, monday + timedelta(days=1))
    assert [(r["number"], r["target"], r["due_at"], r["stopped_at"], r["still_open"],
             r["overdue_s"], r["overdue_h"]) for r in rows] == [
        ("HD-1001", "first_response", "2026-11-16T13:00:00+00:00",
         "2026-11-16T14:00:00+00:00", "no", "3600", "1.00"),
        # Still running: overdue until now, Friday 09:00 (wall-clock time).
        ("HD-1002", "first_response", "2026-11-16T13:00:00+00:00", "", "yes", "331200",
         "92.00"),
        ("HD-1003", "first_response", "2026-11-16T09:30:00+00:00",
         "2026-11-16T10:00:00+00:00", "no", "1800", "0.50"),
        ("HD-1003", "resolution", "2026-11-16T13:00:00+00:00", "2026-11-16T15:00:00+00:00",
         "no", "7200", "2.00"),
        ("HD-1004", "first_response", "2026-11-16T09:30:00+00:00",
         "2026-11-16T10:30:00+00:00", "no", "3600", "1.00"),
        ("HD-1005", "resolution", "2026-11-16T13:20:00+00:00", "2026-11-16T14:00:00+00:00",
         "no", "2400", "0.67"),
    ]
    assert reported(monday, monday + timedelta(days=1)) == 6
    # Created on Monday, breached later in the week: in the later period, not in Monday's.
    later = listed(monday + timedelta(days=1), monday + timedelta(days=7))
    assert [(r["number"], r["target"], r["still_open"]) for r in later] == [
        ("HD-1001", "resolution", "yes"), ("HD-1002", "resolution", "yes")]
    assert all(not r["due_at"].startswith("2026-11-16") for r in later)
    assert reported(monday + timedelta(days=1), monday + timedelta(days=7)) == 2
    assert len(listed(monday, monday + timedelta(days=7))) == \
        reported(monday, monday + timedelta(days=7)) == 8


def test_a_failed_export_keeps_the_previous_file_and_leaves_no_part(tmp_path: Path) -> None:
    from desk_app.services.export import open_for_csv

    target = tmp_path / "tickets.csv"
    target.write_text("last month's export", encoding="utf-8")
    with pytest.raises(RuntimeError, match="database is locked"), \
            open_for_csv(target) as out:
        out.write("half a row,")
        raise RuntimeError("database is locked")
    assert target.read_text(encoding="utf-8") == "last month's export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tickets.csv"]
    with open_for_csv(target) as out:
        out.write("number\r\n")
    assert target.read_bytes() == b"number\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tickets.csv"]


def test_export_refuses_a_backwards_period(desk_target: str | Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.cli import main

    out = tmp_path / "t.csv"
    assert main(["export", "tickets", "--db", str(desk_target), "--out", str(out), "--from",
                 "2026-11-17", "--to", "2026-11-16", "--tz", "UTC"]) == 2
    assert "--to: must not be before --from" in capsys.readouterr().err
    assert not out.exists()
