"""Attainment from stored clocks, brought up to date first; the report command."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk_app.app import AppContext
from desk_app.domain.enums import Impact, Status, Urgency
from tests.conftest import ME, FakeClock, make_draft, move

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


@pytest.fixture
def desk(ctx: AppContext, clock: FakeClock) -> None:
    """Monday 09:00 UTC. Three P3 tickets (4 h first response on office hours):
    A answered after 1 h (met); B answered after 5 h (missed); C never answered and, when
    the report runs at 15:00, 6 h old: breached while open (missed). One P1 (30 m) answered
    after 10 m (met)."""
    a = ctx.tickets.create(make_draft(title="A"), actor=ME)
    b = ctx.tickets.create(make_draft(title="B"), actor=ME)
    ctx.tickets.create(make_draft(title="C"), actor=ME)
    p1 = ctx.tickets.create(make_draft(title="P1", impact=Impact.HIGH, urgency=Urgency.HIGH),
                            actor=ME)
    clock.advance(minutes=10)
    ctx.tickets.add_reply(p1.id, "On it", actor=ME)
    clock.advance(minutes=50)
    ctx.tickets.add_reply(a.id, "On it", actor=ME)
    clock.advance(hours=4)
    move(ctx, b.id, Status.IN_PROGRESS)
    clock.advance(hours=1)  # 15:00: C's stored clock still says "running" until refreshed


def test_attainment_by_priority_counts_open_breaches_as_missed(ctx: AppContext, desk: None,
                                                               clock: FakeClock) -> None:
    start = datetime(2026, 11, 16, tzinfo=UTC)
    report = ctx.reports.period_report(
        start, start + timedelta(days=1), tz="UTC")
    rows = {(r.group, r.target): r for r in report.cohort.attainment}
    p3 = rows[("P3", "first_response")]
    assert (p3.met, p3.missed, p3.pending) == (1, 2, 0)
    assert round(p3.attainment or 0, 4) == 0.3333 and p3.goal == 0.9 and p3.passed is False
    p1 = rows[("P1", "first_response")]
    assert (p1.met, p1.missed, p1.attainment, p1.goal, p1.passed) == (1, 0, 1.0, 1.0, True)
    # Resolutions are all still running and not due: pending, never counted as met.
    assert (rows[("P3", "resolution")].pending, rows[("P3", "resolution")].attainment) == \
        (3, None)


def test_report_command_formats(ctx: AppContext, desk: None, desk_target: str | Path,
                                tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.cli import main

    ctx.close()
    args = ["report", "--db", str(desk_target), "--from", "2026-11-16", "--to", "2026-11-16",
            "--tz", "UTC"]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"group": "P3", "target": "first_response", "met": 1, "missed": 2, "pending": 0,
            "attainment_pct": 33.3, "goal_pct": 90.0, "result": "miss"} in report["attainment"]
    assert report["volume"]["created"] == 4
    assert report["period"] == {"from": "2026-11-16T00:00:00+00:00",
                                "to": "2026-11-17T00:00:00+00:00", "tz": "UTC"}
    out = tmp_path / "r.csv"
    assert main([*args, "--format", "csv", "--out", str(out), "--by", "organization"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {r["group"] for r in rows if r["section"] == "attainment"} == {"Northwind"}
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "Volume: 4 created" in table and "P3" in table and "MISS" in table
    assert main([*args, "--from", "2026-11-17"]) == 2
    assert "--to: must not be before --from" in capsys.readouterr().err
    assert main([*args, "--priority", "P9"]) == 2
    assert "--priority: 'P9' is not one of" in capsys.readouterr().err


def test_report_filters_narrow_the_figures(ctx: AppContext, desk: None, desk_target: str | Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.cli import main

    ctx.close()
    args = ["report", "--db", str(desk_target), "--from", "2026-11-16", "--to", "2026-11-16",
            "--tz", "UTC", "--format", "json"]
    assert main([*args, "--priority", "P1", "--priority", "p2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["volume"]["created"] == 1 and report["filter"] == "priority: P1, P2"
    assert main([*args, "--organization", "Nobody"]) == 0
    assert json.loads(capsys.readouterr().out)["volume"]["created"] == 0


def test_summary_export_round_trips_through_csv(ctx: AppContext, desk: None,
                                                desk_target: str | Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.cli import main
    from desk_app.services.summary_export import SUMMARY_COLUMNS

    ctx.close()
    out = tmp_path / "summary.csv"
    assert main(["export", "summary", "--db", str(desk_target), "--from", "2026-11-16", "--to",
                 "2026-11-22", "--tz", "Europe/Berlin", "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    assert rows[0]["period_from"] == "2026-11-16T00:00:00+01:00"
    by_key = {(r["section"], r["group"], r["measure"]): r for r in rows}
    assert by_key[("volume", "all", "created")]["value"] == "4"
    p3 = by_key[("attainment", "P3", "first_response")]
    assert (p3["value"], p3["count"], p3["of"], p3["goal_pct"], p3["result"]) == \
        ("33.3", "1", "3", "90.0", "miss")
    # First responses that stopped: the P1's after 10 m, A's after 1 h, B's (late) after
    # 5 h: 600, 3,600, 18,000 s -> median 3,600 s = 1.00 h over 3 tickets (C never stopped).
    median = by_key[("time", "All", "first_response_median")]
    assert (median["seconds"], median["hours"], median["count"]) == ("3600", "1.00", "3")
    assert [r["group"] for r in rows if r["section"] == "daily"][:3] == ["2026-11-16"] * 3
    assert main(["export", "tickets", "--db", str(desk_target), "--out", str(out),
                 "--priority", "P1"]) == 2
    assert "filters apply to the summary export only" in capsys.readouterr().err
