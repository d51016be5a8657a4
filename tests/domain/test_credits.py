"""Service credits: tiers, cap, P1 per-breach credits, proration, validation.

Every expected amount is worked out by hand in the comments next to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.credits import (
    Contract,
    ContractInput,
    CreditTier,
    compute,
    contract_input,
    parse_contract,
    period_fee,
    tier_for,
)
from desk_app.domain.enums import Priority
from desk_app.domain.errors import ValidationErrors
from desk_app.domain.metrics import Outcome, TicketOutcome

D = Decimal
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
SCHEDULE = (CreditTier(D(99), D(5)), CreditTier(D(95), D(10)), CreditTier(D(90), D(25)))


def contract(**overrides: object) -> Contract:
    values: dict[str, object] = {
        "monthly_fee": D("2000.00"), "currency": "EUR",
        "targets": frozenset({"first_response", "resolution"}), "tiers": SCHEDULE}
    values.update(overrides)
    return Contract(**values)  # type: ignore[arg-type]


def tickets(met: int, missed: int, *, pending: int = 0, start: int = 1,
            priority: Priority = Priority.P3, resolution: Outcome = Outcome.NONE
            ) -> list[TicketOutcome]:
    """`met` + `missed` + `pending` tickets judged on first response only (resolution
    NONE unless given), numbered from `start`; the missed ones come first."""
    states = [Outcome.MISSED] * missed + [Outcome.MET] * met + [Outcome.PENDING] * pending
    return [TicketOutcome(number=start + i, priority=priority,
                          created_at=datetime(2026, 11, 2, tzinfo=UTC), response=s,
                          resolution=resolution, organization="Northwind")
            for i, s in enumerate(states)]


def run(c: Contract, outcomes: list[TicketOutcome], first: date = NOV_1,
        last: date = NOV_30):  # type: ignore[no-untyped-def]
    return compute(c, outcomes, organization="Northwind", first_day=first, last_day=last)


@pytest.mark.parametrize(("met", "missed", "credit_pct", "amount"), [
    (100, 0, None, "0.00"),     # 100 %: no tier
    (99, 1, None, "0.00"),      # exactly 99 % is not *below* 99 %: no credit
    (98, 2, D(5), "100.00"),    # 98 % < 99: 5 % of 2000.00 = 100.00
    (95, 5, D(5), "100.00"),    # exactly 95 %: still only below 99 -> 5 %
    (94, 6, D(10), "200.00"),   # 94 % < 95: 10 % of 2000.00 = 200.00
    (90, 10, D(10), "200.00"),  # exactly 90 %: below 95 only -> 10 %
    (89, 11, D(25), "500.00"),  # 89 % < 90: 25 % of 2000.00 = 500.00
    (0, 3, D(25), "500.00"),    # 0 %: the deepest tier, 500.00
])
def test_each_tier_pays_its_percentage_of_the_fee(met: int, missed: int,
                                                  credit_pct: Decimal | None,
                                                  amount: str) -> None:
    result = run(contract(), tickets(met, missed))
    assert (result.tier.credit_pct if result.tier else None) == credit_pct
    assert result.tier_credit == D(amount) and result.total == D(amount)
    assert result.missed_tickets == tuple(range(1, missed + 1))


def test_an_attainment_just_below_a_threshold_is_compared_exactly() -> None:
    # 197 of 199 met = 98.994975 %: shown as 98.99, below 99 -> 5 % = 100.00
    result = run(contract(), tickets(197, 2))
    assert result.lowest is not None and result.lowest.attainment_pct == D("98.99")
    assert result.total == D("100.00")
    # 989 of 999 = 98.998999 %: shown rounded as 99.00 yet still below 99 -> 5 %
    result = run(contract(), tickets(989, 10))
    assert result.lowest is not None and result.lowest.attainment_pct == D("99.00")
    assert result.tier == SCHEDULE[0]


def test_the_lowest_counted_target_decides_the_tier_once() -> None:
    # First response 10/10 = 100 %; resolution 9 met, 1 missed = 90 % (below 95 -> 10 %).
    # The credit is 10 % of 2000.00 = 200.00, not 0 + 200 or 200 + 200.
    outcomes = tickets(10, 0, resolution=Outcome.MET)
    outcomes[0] = TicketOutcome(number=1, priority=Priority.P3, created_at=outcomes[0].created_at,
                                response=Outcome.MET, resolution=Outcome.MISSED)
    result = run(contract(), outcomes)
    assert [(t.target, t.met, t.missed) for t in result.targets] == \
        [("first_response", 10, 0), ("resolution", 9, 1)]
    assert result.lowest is not None and result.lowest.target == "resolution"
    assert result.total == D("200.00") and result.missed_tickets == (1,)
    # Counting only first response: 100 %, no credit, and ticket 1 is not behind any credit.
    only_response = run(contract(targets=frozenset({"first_response"})), outcomes)
    assert only_response.total == D("0.00") and only_response.missed_tickets == ()


def test_pending_tickets_do_not_count_and_none_counted_means_no_credit() -> None:
    # 1 met, 1 missed, 8 pending: 50 % (pending apart) -> 25 % = 500.00
    result = run(contract(), tickets(1, 1, pending=8))
    assert result.targets[0].pending == 8 and result.total == D("500.00")
    # Only pending tickets: attainment undefined, no tier, no credit.
    result = run(contract(), tickets(0, 0, pending=5))
    assert result.lowest is None and result.tier is None and result.total == D("0.00")
    # No tickets at all: the same.
    assert run(contract(), []).total == D("0.00")


def test_p1_breaches_add_a_credit_per_ticket_and_the_cap_limits_the_sum() -> None:
    # Tickets 1-2: P1, first response missed (2 P1 breaches); ticket 3: P1 missed both
    # targets (one more breach, counted once per ticket); 17 P3 met.
    # Attainment: first response 17/20 = 85 %, resolution 0/1 = 0 % -> deepest tier 25 %.
    outcomes = tickets(0, 2, priority=Priority.P1)
    outcomes.append(TicketOutcome(number=3, priority=Priority.P1,
                                  created_at=outcomes[0].created_at, response=Outcome.MISSED,
                                  resolution=Outcome.MISSED))
    outcomes += tickets(17, 0, start=4)
    c = contract(p1_breach_credit=D("150"))
    result = run(c, outcomes)
    # 25 % of 2000.00 = 500.00, plus 3 × 150.00 = 450.00: 950.00, no cap.
    assert result.p1_breach_tickets == (1, 2, 3)
    assert (result.tier_credit, result.p1_credit, result.total) == \
        (D("500.00"), D("450.00"), D("950.00"))
    assert not result.capped
    # Cap 30 % of 2000.00 = 600.00 < 950.00: total 600.00, capped.
    capped = run(replace_cap(c, D(30)), outcomes)
    assert (capped.cap_amount, capped.total, capped.capped) == (D("600.00"), D("600.00"), True)
    # Cap 50 % = 1000.00 > 950.00: not reached.
    loose = run(replace_cap(c, D(50)), outcomes)
    assert (loose.total, loose.capped) == (D("950.00"), False)


def replace_cap(c: Contract, cap: Decimal) -> Contract:
    from dataclasses import replace

    return replace(c, cap_pct=cap)


def test_p1_breaches_pay_even_without_a_tier() -> None:
    # 199 met, 1 missed P1: 99.5 % -> no tier; the P1 breach still pays 150.00.
    outcomes = tickets(0, 1, priority=Priority.P1) + tickets(199, 0, start=2)
    result = run(contract(p1_breach_credit=D("150")), outcomes)
    assert result.tier is None and result.total == D("150.00")


def test_a_partial_period_prorates_the_fee_by_days() -> None:
    # Nov 16-30: 15 of 30 days of 2000.00 = 1000.00; 25 % of that = 250.00.
    result = run(contract(), tickets(0, 1), first=date(2026, 11, 16))
    assert (result.period_fee, result.total) == (D("1000.00"), D("250.00"))
    # Jan 20 - Feb 10 with a fee of 1000.00: Jan 12/31 + Feb 10/28 of the fee
    # = 387.0967... + 357.1428... = 744.2396... -> 744.24
    assert period_fee(D("1000.00"), date(2027, 1, 20), date(2027, 2, 10)) == D("744.24")
    # Two whole months, whatever their lengths: two fees.
    assert period_fee(D("1000.00"), date(2027, 1, 1), date(2027, 2, 28)) == D("2000.00")
    # Rounding is half-up, not to even: 5 % of 100.10 = 5.005 -> 5.01
    assert run(contract(monthly_fee=D("100.10")), tickets(98, 2)).total == D("5.01")


@given(met=st.integers(0, 50), missed=st.integers(0, 50), p1=st.integers(0, 5),
       cap=st.one_of(st.none(), st.integers(0, 100)))
def test_the_total_is_never_negative_nor_above_the_cap(met: int, missed: int, p1: int,
                                                       cap: int | None) -> None:
    outcomes = tickets(met, missed) + tickets(0, p1, start=500, priority=Priority.P1)
    c = contract(p1_breach_credit=D("99.99"), cap_pct=None if cap is None else D(cap))
    result = run(c, outcomes)
    assert result.total >= 0
    assert result.cap_amount is None or result.total <= result.cap_amount
    limit = result.uncapped if result.cap_amount is None else result.cap_amount
    assert result.total == min(result.uncapped, limit)


def test_tier_for_picks_the_deepest_threshold_below() -> None:
    from fractions import Fraction

    assert tier_for(SCHEDULE, Fraction(96)) == SCHEDULE[0]
    assert tier_for(SCHEDULE, Fraction(9499, 100)) == SCHEDULE[1]
    assert tier_for((), Fraction(0)) is None


def form(**overrides: object) -> ContractInput:
    values: dict[str, object] = {
        "monthly_fee": "2000", "currency": "eur", "targets": frozenset({"resolution"}),
        "tiers": (("99", "5"), ("95", "10"), ("", ""), ("90 %", "25")), "cap_pct": "",
        "p1_breach_credit": ""}
    values.update(overrides)
    return ContractInput(**values)  # type: ignore[arg-type]


def test_parse_contract_accepts_typed_text_and_round_trips() -> None:
    c = parse_contract(form())
    assert c.currency == "EUR" and c.monthly_fee == D(2000) and c.cap_pct is None
    assert c.tiers == SCHEDULE  # the blank row is skipped, "90 %" read as 90
    again = parse_contract(contract_input(c))
    assert again == c


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"monthly_fee": "-1"}, "Monthly fee", "zero or more"),
    ({"monthly_fee": ""}, "Monthly fee", "required"),
    ({"monthly_fee": "lots"}, "Monthly fee", "not a number"),
    ({"currency": "EURO"}, "Currency", "three-letter"),
    ({"currency": "E1R"}, "Currency", "three-letter"),
    ({"targets": frozenset()}, "Counted targets", "at least one"),
    ({"tiers": (("95", "5"), ("99", "10"))}, "Credit tiers", "row 2: 'below' must be less"),
    ({"tiers": (("99", "5"), ("99", "10"))}, "Credit tiers", "row 2: 'below' must be less"),
    ({"tiers": (("99", "10"), ("95", "5"))}, "Credit tiers", "cannot earn less"),
    ({"tiers": (("101", "5"),)}, "Credit tiers", "row 1"),
    ({"tiers": (("99", "120"),)}, "Credit tiers", "between 0 and 100"),
    ({"tiers": (("99", ""),)}, "Credit tiers", "both percentages"),
    ({"cap_pct": "150"}, "Cap", "between 0 and 100"),
    ({"p1_breach_credit": "-5"}, "P1 breach credit", "zero or more"),
])
def test_invalid_contracts_name_the_field(overrides: dict[str, object], field: str,
                                          words: str) -> None:
    with pytest.raises(ValidationErrors) as err:
        parse_contract(form(**overrides))
    assert field in err.value.by_field()
    assert words in err.value.by_field()[field]


def test_several_wrong_fields_are_reported_together() -> None:
    with pytest.raises(ValidationErrors) as err:
        parse_contract(form(monthly_fee="-3", currency="", cap_pct="x"))
    assert set(err.value.by_field()) == {"Monthly fee", "Currency", "Cap"}
