"""Credits from real tickets with known histories; contracts CRUD; the CSV and the command.

The desk (default SLA policies, UTC, office hours Mon-Fri 09-17):
Monday 2026-11-16 09:00, tickets created:
  Northwind (HD-1001 .. HD-1004): three P3 (first response 4 office hours), one P1 (30 min,
    round the clock, resolution 4 h).
  Contoso (HD-1005 .. HD-1007): one P1, two P3.
  Fabrikam (HD-1008): one P3 -- Fabrikam has no contract.
09:10 HD-1005 (Contoso P1) answered: met.
09:45 HD-1004 (Northwind P1) answered after 45 min: missed (P1 breach).
10:00 HD-1001, HD-1002, HD-1003, HD-1006 answered after 1 h: met.
15:00 the credits run. HD-1007 and HD-1008 never answered: 6 office hours > 4, missed.
      The P1 resolutions (4 h, due 13:00) are breached while open: missed.
      The P3 resolutions (3 business days) are running: pending.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from desk_app.app import AppContext
from desk_app.domain.credits import Contract, CreditTier
from desk_app.domain.enums import Impact, Urgency
from desk_app.domain.errors import ValidationErrors
from desk_app.domain.ticket import RequesterInput
from desk_app.services.credits import CREDIT_COLUMNS, CreditService, credit_rows
from desk_app.services.export import CsvOptions
from tests.conftest import ME, FakeClock, make_draft

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines

D = Decimal
NOV = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
SCHEDULE = (CreditTier(D(99), D(5)), CreditTier(D(95), D(10)), CreditTier(D(90), D(25)))
NORTHWIND = Contract(monthly_fee=D("2000.00"), currency="EUR",
                     targets=frozenset({"first_response"}), tiers=SCHEDULE,
                     p1_breach_credit=D("100"))
CONTOSO = Contract(monthly_fee=D("1000.00"), currency="USD",
                   targets=frozenset({"first_response", "resolution"}), tiers=SCHEDULE,
                   cap_pct=D(20), p1_breach_credit=D("150"))


def _requester(org: str) -> RequesterInput:
    return RequesterInput(name=f"Someone at {org}", email=f"someone@{org.lower()}.example",
                          organization=org)


@pytest.fixture
def desk(ctx: AppContext, clock: FakeClock) -> CreditService:
    p1 = {"impact": Impact.HIGH, "urgency": Urgency.HIGH}
    n = [ctx.tickets.create(make_draft(title=f"N{i}"), actor=ME) for i in (1, 2, 3)]
    n4 = ctx.tickets.create(make_draft(title="N4", **p1), actor=ME)
    c5 = ctx.tickets.create(make_draft(title="C5", requester=_requester("Contoso"), **p1),
                            actor=ME)
    c6 = ctx.tickets.create(make_draft(title="C6", requester=_requester("Contoso")), actor=ME)
    ctx.tickets.create(make_draft(title="C7", requester=_requester("Contoso")), actor=ME)
    ctx.tickets.create(make_draft(title="F8", requester=_requester("Fabrikam")), actor=ME)
    clock.advance(minutes=10)
    ctx.tickets.add_reply(c5.id, "On it", actor=ME)
    clock.advance(minutes=35)
    ctx.tickets.add_reply(n4.id, "On it", actor=ME)
    clock.advance(minutes=15)
    for t in (*n, c6):
        ctx.tickets.add_reply(t.id, "On it", actor=ME)
    clock.advance(hours=5)  # 15:00
    service = ctx.credits
    ids = {o.organization: o.organization_id for o in service.organizations()}
    service.save_contract(ids["Northwind"], NORTHWIND)
    service.save_contract(ids["Contoso"], CONTOSO)
    return service


def test_credits_per_organization_from_real_histories(desk: CreditService) -> None:
    results = {r.organization: r for r in desk.credits(*NOV, tz="UTC")}
    assert set(results) == {"Contoso", "Northwind"}  # Fabrikam has no contract

    # Northwind counts first response only: HD-1001..1003 met, HD-1004 missed
    # -> 3/4 = 75 %, below 90 -> 25 % of 2000.00 = 500.00; HD-1004 is a P1 breach:
    # + 100.00; no cap: 600.00.
    # (HD-1004's breached resolution is not counted, and it is one breach either way.)
    nw = results["Northwind"]
    assert [(t.target, t.met, t.missed, t.pending) for t in nw.targets] == \
        [("first_response", 3, 1, 0)]
    assert nw.lowest is not None and nw.lowest.attainment_pct == D("75.00")
    assert nw.tier == CreditTier(D(90), D(25))
    assert (nw.period_fee, nw.tier_credit, nw.p1_credit, nw.total) == \
        (D("2000.00"), D("500.00"), D("100.00"), D("600.00"))
    assert nw.missed_tickets == (1004,) and nw.p1_breach_tickets == (1004,) and not nw.capped

    # Contoso counts both. First response: HD-1005, HD-1006 met, HD-1007 missed
    # -> 66.67 %. Resolution: HD-1005 (P1) missed, HD-1006 and HD-1007 pending
    # -> 0/1 = 0 %, the lowest.
    # 0 % < 90 -> 25 % of 1000.00 = 250.00; HD-1005 is a P1 breach: + 150.00 = 400.00;
    # cap 20 % of 1000.00 = 200.00 -> total 200.00, capped.
    co = results["Contoso"]
    assert [(t.target, t.met, t.missed, t.pending) for t in co.targets] == \
        [("first_response", 2, 1, 0), ("resolution", 0, 1, 2)]
    assert co.lowest is not None and co.lowest.target == "resolution"
    assert (co.tier_credit, co.p1_credit, co.cap_amount, co.total, co.capped) == \
        (D("250.00"), D("150.00"), D("200.00"), D("200.00"), True)
    assert co.missed_tickets == (1005, 1007) and co.p1_breach_tickets == (1005,)


def test_a_half_month_prorates_the_fee(desk: CreditService) -> None:
    # Nov 16-30 is 15 of 30 days: Northwind's fee 1000.00, 25 % = 250.00, + 100.00 = 350.00.
    start = datetime(2026, 11, 16, tzinfo=UTC)
    nw = {r.organization: r for r in desk.credits(start, NOV[1], tz="UTC")}["Northwind"]
    assert (nw.first_day.isoformat(), nw.last_day.isoformat()) == ("2026-11-16", "2026-11-30")
    assert (nw.period_fee, nw.total) == (D("1000.00"), D("350.00"))


def test_tickets_outside_the_period_and_inactive_contracts_are_left_out(
        desk: CreditService) -> None:
    october = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert {r.organization: r.total for r in desk.credits(*october, tz="UTC")} == \
        {"Contoso": D("0.00"), "Northwind": D("0.00")}
    contoso = next(o for o in desk.organizations() if o.organization == "Contoso")
    desk.save_contract(contoso.organization_id, CONTOSO, active=False)
    assert [r.organization for r in desk.credits(*NOV, tz="UTC")] == ["Northwind"]


def test_contracts_round_trip_and_can_be_removed(desk: CreditService, clock: FakeClock
                                                 ) -> None:
    by_name = {o.organization: o for o in desk.organizations()}
    assert by_name["Contoso"].contract == CONTOSO
    assert by_name["Contoso"].updated_at == clock.now
    assert by_name["Fabrikam"].contract is None
    desk.remove_contract(by_name["Contoso"].organization_id)
    assert desk.contract(by_name["Contoso"].organization_id).contract is None


def test_an_invalid_contract_is_refused_with_the_field_named(desk: CreditService) -> None:
    fabrikam = next(o for o in desk.organizations() if o.organization == "Fabrikam")
    bad = Contract(monthly_fee=D(-1), currency="EU", targets=frozenset({"first_response"}),
                   tiers=(CreditTier(D(90), D(5)), CreditTier(D(95), D(10))))
    with pytest.raises(ValidationErrors) as err:
        desk.save_contract(fabrikam.organization_id, bad)
    assert set(err.value.by_field()) == {"Monthly fee", "Currency", "Credit tiers"}
    assert desk.contract(fabrikam.organization_id).contract is None


def test_credit_rows_follow_the_documented_columns(desk: CreditService) -> None:
    rows = [dict(zip(CREDIT_COLUMNS, r, strict=True))
            for r in credit_rows(desk.credits(*NOV, tz="UTC"))]
    contoso = rows[0]
    assert contoso == {
        "organization": "Contoso", "currency": "USD", "monthly_fee": "1000.00",
        "period_from": "2026-11-01", "period_to": "2026-11-30", "period_fee": "1000.00",
        "counted_targets": "first_response resolution",
        "first_response_met": 2, "first_response_missed": 1, "first_response_pending": 0,
        "first_response_attainment_pct": "66.67",
        "resolution_met": 0, "resolution_missed": 1, "resolution_pending": 2,
        "resolution_attainment_pct": "0.00", "lowest_target": "resolution",
        "lowest_attainment_pct": "0.00", "tier_below_pct": "90", "credit_pct": "25",
        "tier_credit": "250.00", "p1_breaches": 1, "p1_breach_credit": "150.00",
        "cap_amount": "200.00", "capped": "yes", "total_credit": "200.00",
        "missed_tickets": "HD-1005 HD-1007", "p1_breach_tickets": "HD-1005"}
    # Northwind does not count resolution: those cells are empty.
    assert rows[1]["resolution_met"] == "" and rows[1]["cap_amount"] == ""


def test_export_credits_command_writes_the_csv(ctx: AppContext, desk: CreditService,
                                               desk_target: str | Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.cli import main

    ctx.close()
    out = tmp_path / "credits.csv"
    assert main(["export", "credits", "--db", str(desk_target), "--from", "2026-11-01",
                 "--to", "2026-11-30", "--tz", "UTC", "--out", str(out)]) == 0
    assert "Wrote 2 organizations' credits" in capsys.readouterr().out
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CREDIT_COLUMNS
    assert [(r["organization"], r["total_credit"]) for r in rows] == \
        [("Contoso", "200.00"), ("Northwind", "600.00")]
    # Credits need a period: without --from and --to the command refuses.
    assert main(["export", "credits", "--db", str(desk_target), "--out", str(out)]) == 2
    assert "--from" in capsys.readouterr().err


def test_export_credits_neutralises_formula_names(desk: CreditService) -> None:
    # An organization named like a formula stays text in a spreadsheet.
    from desk_app.services.export import write_csv

    results = desk.credits(*NOV, tz="UTC")
    buffer = io.StringIO()
    from dataclasses import replace

    write_csv(buffer, CREDIT_COLUMNS, credit_rows([replace(results[0],
                                                           organization="=HYPERLINK(1)")]),
              CsvOptions(bom=False))
    assert "'=HYPERLINK(1)" in buffer.getvalue()
