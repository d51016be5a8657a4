"""Service credits owed to an organization under its contract, exactly as docs/credits.md
defines them.

Pure: the caller gives the contract, the organization's `TicketOutcome`s for the period and
the period's calendar days; nothing here reads a clock or a database. Money is `Decimal`,
rounded to cents half-up at each step that is shown (period fee, tier credit, P1 credit,
cap), so a figure in the export can be re-done by hand from the figures beside it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from desk_app.domain.enums import Priority
from desk_app.domain.errors import ValidationError, ValidationErrors
from desk_app.domain.metrics import Outcome, TicketOutcome

TARGETS: tuple[str, ...] = ("first_response", "resolution")
TARGET_LABELS = {"first_response": "First response", "resolution": "Resolution"}
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

# Field names used in validation messages; the contracts dialog shows each beside its field.
F_FEE = "Monthly fee"
F_CURRENCY = "Currency"
F_TARGETS = "Counted targets"
F_TIERS = "Credit tiers"
F_CAP = "Cap"
F_P1 = "P1 breach credit"


def cents(value: Decimal | Fraction) -> Decimal:
    """Round money to cents, half-up (what invoices do, unlike Python's banker's rounding)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CreditTier:
    """Attainment strictly below `below_pct` earns `credit_pct` of the period's fee."""

    below_pct: Decimal
    credit_pct: Decimal


@dataclass(frozen=True)
class Contract:
    """What an organization pays and what it gets back when service levels are missed.

    `cap_pct` caps the total credit (tier credit plus P1 credits) as a percentage of the
    period's fee; None means no cap. `p1_breach_credit` is an amount per P1 ticket that
    missed a counted target; None means none.
    """

    monthly_fee: Decimal
    currency: str
    targets: frozenset[str]
    tiers: tuple[CreditTier, ...]
    cap_pct: Decimal | None = None
    p1_breach_credit: Decimal | None = None


def validate_contract(contract: Contract) -> None:
    """Raise ValidationErrors naming every field that cannot be accepted."""
    errors: list[ValidationError] = []
    if contract.monthly_fee < 0:
        errors.append(ValidationError(F_FEE, "must be zero or more"))
    if len(contract.currency) != 3 or not contract.currency.isalpha() \
            or not contract.currency.isupper():
        errors.append(ValidationError(F_CURRENCY, "must be a three-letter code like EUR"))
    unknown = contract.targets - set(TARGETS)
    if unknown:
        errors.append(ValidationError(F_TARGETS, f"unknown target {sorted(unknown)[0]}"))
    elif not contract.targets:
        errors.append(ValidationError(F_TARGETS, "choose at least one target"))
    errors += _tier_errors(contract.tiers)
    if contract.cap_pct is not None and not 0 <= contract.cap_pct <= 100:
        errors.append(ValidationError(F_CAP, "must be between 0 and 100 %"))
    if contract.p1_breach_credit is not None and contract.p1_breach_credit < 0:
        errors.append(ValidationError(F_P1, "must be zero or more"))
    if errors:
        raise ValidationErrors(errors)


def _tier_errors(tiers: Sequence[CreditTier]) -> list[ValidationError]:
    for i, tier in enumerate(tiers, start=1):
        if not 0 < tier.below_pct <= 100:
            return [ValidationError(F_TIERS, f"row {i}: 'below' must be more than 0 and "
                                             "at most 100 %")]
        if not 0 <= tier.credit_pct <= 100:
            return [ValidationError(F_TIERS, f"row {i}: credit must be between 0 and 100 %")]
        if i > 1:
            before = tiers[i - 2]
            if tier.below_pct >= before.below_pct:
                return [ValidationError(F_TIERS, f"row {i}: 'below' must be less than row "
                                                 f"{i - 1}'s ({before.below_pct:g} %)")]
            if tier.credit_pct < before.credit_pct:
                return [ValidationError(F_TIERS, f"row {i}: a lower attainment cannot earn "
                                                 f"less credit than row {i - 1} "
                                                 f"({before.credit_pct:g} %)")]
    return []


@dataclass(frozen=True)
class ContractInput:
    """A contract as typed in a form: text, parsed and validated by `parse_contract`."""

    monthly_fee: str
    currency: str
    targets: frozenset[str]
    tiers: tuple[tuple[str, str], ...]  # (below %, credit %) per row, as typed
    cap_pct: str = ""
    p1_breach_credit: str = ""


def _decimal(text: str, field_name: str, errors: list[ValidationError]) -> Decimal | None:
    cleaned = text.strip().replace(" ", "").rstrip("%")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        errors.append(ValidationError(field_name, f"'{text.strip()}' is not a number"))
        return None
    if not value.is_finite():
        errors.append(ValidationError(field_name, f"'{text.strip()}' is not a number"))
        return None
    return value


def parse_contract(data: ContractInput) -> Contract:
    """The typed text as a valid Contract; ValidationErrors name each wrong field.

    Empty cap or P1 credit means none. Blank tier rows are skipped.
    """
    errors: list[ValidationError] = []
    fee = None
    if data.monthly_fee.strip():
        fee = _decimal(data.monthly_fee, F_FEE, errors)
    else:
        errors.append(ValidationError(F_FEE, "required"))
    tiers: list[CreditTier] = []
    for i, (below, credit) in enumerate(data.tiers, start=1):
        if not below.strip() and not credit.strip():
            continue
        b = _decimal(below, F_TIERS, []) if below.strip() else None
        c = _decimal(credit, F_TIERS, []) if credit.strip() else None
        if b is None or c is None:
            errors.append(ValidationError(F_TIERS, f"row {i}: type both percentages as "
                                                   "numbers, e.g. 99 and 5"))
            continue
        tiers.append(CreditTier(below_pct=b, credit_pct=c))
    cap = _decimal(data.cap_pct, F_CAP, errors) if data.cap_pct.strip() else None
    p1 = _decimal(data.p1_breach_credit, F_P1, errors) if data.p1_breach_credit.strip() \
        else None
    contract = Contract(monthly_fee=fee if fee is not None else Decimal(0),
                        currency=data.currency.strip().upper(), targets=data.targets,
                        tiers=tuple(tiers), cap_pct=cap, p1_breach_credit=p1)
    try:
        validate_contract(contract)
    except ValidationErrors as more:
        seen = {e.field for e in errors}
        errors += [e for e in more.errors if e.field not in seen]
    if errors:
        raise ValidationErrors(errors)
    return contract


def decimal_text(value: Decimal | None) -> str:
    """A percentage or amount as typed: no exponent, no trailing zeros ("" for none)."""
    return "" if value is None else format(value.normalize(), "f")


def contract_input(contract: Contract) -> ContractInput:
    """The contract as the form shows it (the inverse of `parse_contract`)."""
    return ContractInput(monthly_fee=format(contract.monthly_fee, "f"),
                         currency=contract.currency, targets=contract.targets,
                         tiers=tuple((decimal_text(t.below_pct), decimal_text(t.credit_pct))
                                     for t in contract.tiers),
                         cap_pct=decimal_text(contract.cap_pct),
                         p1_breach_credit=decimal_text(contract.p1_breach_credit))


def period_fee(monthly_fee: Decimal, first_day: date, last_day: date) -> Decimal:
    """The fee for the days first_day..last_day (inclusive): each calendar month touched
    contributes monthly_fee × (its days in the period / its days), so a whole month is the
    whole fee whatever its length, and two whole months are two fees."""
    if last_day < first_day:
        raise ValueError("the period ends before it starts")
    total = Fraction(0)
    day = first_day
    fee = Fraction(monthly_fee)
    while day <= last_day:
        month_days = calendar.monthrange(day.year, day.month)[1]
        month_end = date(day.year, day.month, month_days)
        upto = min(month_end, last_day)
        total += fee * Fraction((upto - day).days + 1, month_days)
        day = upto + timedelta(days=1)
    return cents(total)


@dataclass(frozen=True)
class TargetAttainment:
    """Met / (met + missed) for one counted target; pending tickets are apart."""

    target: str
    met: int
    missed: int
    pending: int

    @property
    def ratio(self) -> Fraction | None:
        """Exact attainment in percent; None when nothing was decided yet."""
        counted = self.met + self.missed
        return Fraction(self.met * 100, counted) if counted else None

    @property
    def attainment_pct(self) -> Decimal | None:
        """For display: two decimals, half-up. Tiers compare the exact `ratio`."""
        r = self.ratio
        return None if r is None else cents(r)


@dataclass(frozen=True)
class OrgCredit:
    """What one organization is owed for one period, with every figure behind it."""

    organization: str
    contract: Contract
    first_day: date
    last_day: date
    period_fee: Decimal
    targets: tuple[TargetAttainment, ...]
    lowest: TargetAttainment | None  # the counted target with the lowest attainment
    tier: CreditTier | None
    tier_credit: Decimal
    p1_breach_tickets: tuple[int, ...]
    p1_credit: Decimal
    cap_amount: Decimal | None
    total: Decimal
    missed_tickets: tuple[int, ...] = field(default=())

    @property
    def uncapped(self) -> Decimal:
        return self.tier_credit + self.p1_credit

    @property
    def capped(self) -> bool:
        return self.cap_amount is not None and self.uncapped > self.cap_amount

    @property
    def currency(self) -> str:
        return self.contract.currency


def tier_for(tiers: Sequence[CreditTier], attainment: Fraction) -> CreditTier | None:
    """The deepest tier whose threshold the attainment is strictly below."""
    hit = None
    for tier in sorted(tiers, key=lambda t: t.below_pct, reverse=True):
        if attainment < Fraction(tier.below_pct):
            hit = tier
    return hit


def compute(contract: Contract, outcomes: Iterable[TicketOutcome], *, organization: str,
            first_day: date, last_day: date) -> OrgCredit:
    """The credit for one organization: `outcomes` are its tickets created in the period.

    The tiers apply once, to the lowest attainment among the counted targets (never
    added up per target); P1 credits come on top; the cap limits the sum.
    """
    counts = {t: [0, 0, 0] for t in TARGETS if t in contract.targets}
    missed: set[int] = set()
    p1_breached: set[int] = set()
    for o in outcomes:
        for target, outcome in (("first_response", o.response), ("resolution", o.resolution)):
            if target not in counts or outcome is Outcome.NONE:
                continue
            slot = counts[target]
            slot[{Outcome.MET: 0, Outcome.MISSED: 1, Outcome.PENDING: 2}[outcome]] += 1
            if outcome is Outcome.MISSED:
                missed.add(o.number)
                if o.priority is Priority.P1:
                    p1_breached.add(o.number)
    targets = tuple(TargetAttainment(target=t, met=c[0], missed=c[1], pending=c[2])
                    for t, c in counts.items())
    decided = [t for t in targets if t.ratio is not None]
    lowest = min(decided, key=lambda t: t.ratio or 0) if decided else None
    fee = period_fee(contract.monthly_fee, first_day, last_day)
    tier = tier_for(contract.tiers, lowest.ratio) if lowest and lowest.ratio is not None \
        else None
    tier_credit = cents(fee * tier.credit_pct / HUNDRED) if tier else Decimal("0.00")
    p1_credit = cents((contract.p1_breach_credit or Decimal(0)) * len(p1_breached))
    cap = cents(fee * contract.cap_pct / HUNDRED) if contract.cap_pct is not None else None
    total = tier_credit + p1_credit
    if cap is not None:
        total = min(total, cap)
    return OrgCredit(organization=organization, contract=contract, first_day=first_day,
                     last_day=last_day, period_fee=fee, targets=targets, lowest=lowest,
                     tier=tier, tier_credit=tier_credit,
                     p1_breach_tickets=tuple(sorted(p1_breached)), p1_credit=p1_credit,
                     cap_amount=cap, total=total,
                     missed_tickets=tuple(sorted(missed)))
