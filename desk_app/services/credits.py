"""Service contracts (one per organization) and the credits they owe for a period.

Contracts are stored as decimal text (see store/models.py ContractRow) and validated by
domain/credits.py before every save. Credits read the same ticket outcomes as the SLA
report (services/reports.py, stored clocks brought up to date first), so the two never
disagree about which ticket met or missed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from desk_app.domain.credits import (
    TARGETS,
    Contract,
    CreditTier,
    OrgCredit,
    compute,
    decimal_text,
    validate_contract,
)
from desk_app.domain.errors import DeskError
from desk_app.domain.metrics import TicketOutcome
from desk_app.domain.periods import Preset, days_to_period, preset_days
from desk_app.domain.ticket import format_number
from desk_app.services.clock import Clock
from desk_app.services.reports import ReportService
from desk_app.services.sla import SlaService
from desk_app.store.engine import Database
from desk_app.store.models import ContractRow, Organization

# One row per organization with an active contract (so summing total_credit gives what the
# desk owes); docs/credits.md says what each column holds.
CREDIT_COLUMNS: tuple[str, ...] = (
    "organization", "currency", "monthly_fee", "period_from", "period_to", "period_fee",
    "counted_targets",
    "first_response_met", "first_response_missed", "first_response_pending",
    "first_response_attainment_pct",
    "resolution_met", "resolution_missed", "resolution_pending", "resolution_attainment_pct",
    "lowest_target", "lowest_attainment_pct", "tier_below_pct", "credit_pct", "tier_credit",
    "p1_breaches", "p1_breach_credit", "cap_amount", "capped", "total_credit",
    "missed_tickets", "p1_breach_tickets",
)


class OrganizationNotFound(DeskError):
    """The organization was deleted while its contract was being edited."""


@dataclass(frozen=True)
class OrgContract:
    """An organization and its contract (None when it has none)."""

    organization_id: int
    organization: str
    contract: Contract | None
    active: bool = True
    updated_at: datetime | None = None


def period_days(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The calendar days (inclusive) that the instants [start, end) cover in `zone`."""
    if end <= start:
        raise ValueError("the period ends before it starts")
    return (start.astimezone(zone).date(),
            (end - timedelta(microseconds=1)).astimezone(zone).date())


def _contract_of(row: ContractRow) -> Contract:
    return Contract(
        monthly_fee=Decimal(row.monthly_fee), currency=row.currency,
        targets=frozenset(t for t in row.counted_targets.split(",") if t),
        tiers=tuple(CreditTier(below_pct=Decimal(t["below_pct"]),
                               credit_pct=Decimal(t["credit_pct"]))
                    for t in json.loads(row.schedule_json)),
        cap_pct=Decimal(row.cap_pct) if row.cap_pct is not None else None,
        p1_breach_credit=Decimal(row.p1_breach_credit) if row.p1_breach_credit is not None
        else None)


class CreditService:
    """Contracts CRUD and the per-organization credits for a period."""

    def __init__(self, db: Database, sla: SlaService, clock: Clock, *,
                 reports: ReportService) -> None:
        """`reports` gives the ticket outcomes, the same the SLA report counts."""
        self._db = db
        self._sla = sla
        self._clock = clock
        self._reports = reports

    # -- contracts ---------------------------------------------------------------------

    def organizations(self) -> list[OrgContract]:
        """Every organization, by name, with its contract if it has one."""
        with self._db.session_scope() as s:
            rows = s.execute(select(Organization, ContractRow)
                             .outerjoin(ContractRow,
                                        col(ContractRow.organization_id) == Organization.id)
                             .order_by(col(Organization.name))).all()
            return [OrgContract(organization_id=org.id, organization=org.name,
                                contract=_contract_of(c) if c is not None else None,
                                active=c.active if c is not None else True,
                                updated_at=c.updated_at if c is not None else None)
                    for org, c in rows if org.id is not None]

    def contract(self, organization_id: int) -> OrgContract:
        for item in self.organizations():
            if item.organization_id == organization_id:
                return item
        raise OrganizationNotFound("That organization no longer exists; reopen the list.")

    def save_contract(self, organization_id: int, contract: Contract, *,
                      active: bool = True) -> None:
        """Create or replace the organization's contract; ValidationErrors name the field."""
        validate_contract(contract)
        schedule = json.dumps([{"below_pct": str(t.below_pct), "credit_pct": str(t.credit_pct)}
                               for t in contract.tiers])
        values: dict[str, Any] = {
            "monthly_fee": str(contract.monthly_fee), "currency": contract.currency,
            "counted_targets": ",".join(t for t in TARGETS if t in contract.targets),
            "schedule_json": schedule,
            "cap_pct": None if contract.cap_pct is None else str(contract.cap_pct),
            "p1_breach_credit": None if contract.p1_breach_credit is None
            else str(contract.p1_breach_credit),
            "active": active, "updated_at": self._clock(),
        }
        with self._db.session_scope() as s:
            if s.get(Organization, organization_id) is None:
                raise OrganizationNotFound("That organization no longer exists; reopen the "
                                           "list.")
            row = s.execute(select(ContractRow).where(
                col(ContractRow.organization_id) == organization_id)).scalar_one_or_none()
            if row is None:
                s.add(ContractRow(organization_id=organization_id, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)

    def remove_contract(self, organization_id: int) -> None:
        with self._db.session_scope() as s:
            row = s.execute(select(ContractRow).where(
                col(ContractRow.organization_id) == organization_id)).scalar_one_or_none()
            if row is not None:
                s.delete(row)

    # -- credits -----------------------------------------------------------------------

    def credits(self, start: datetime, end: datetime, *, tz: str | None = None
                ) -> list[OrgCredit]:
        """Per organization with an active contract (by name): the credit for the tickets
        created in [start, end). The period's days are counted in `tz` (default: the
        desk's zone) for prorating the fee."""
        first_day, last_day = period_days(start, end, ZoneInfo(tz or self._sla.user_tz))
        contracts = [c for c in self.organizations() if c.contract is not None and c.active]
        if not contracts:
            return []
        by_org: dict[str, list[TicketOutcome]] = defaultdict(list)
        names = frozenset(c.organization for c in contracts)
        for outcome in self._reports.outcomes(
                start, end, organizations=names):
            by_org[outcome.organization].append(outcome)
        return [compute(c.contract, by_org.get(c.organization, []), organization=c.organization,
                        first_day=first_day, last_day=last_day)
                for c in contracts if c.contract is not None]

    def current_month(self, *, tz: str | None = None) -> tuple[datetime, datetime]:
        """This calendar month (now, in `tz` or the desk's zone) as [start, end)."""
        zone = ZoneInfo(tz or self._sla.user_tz)
        first, last = preset_days(Preset.THIS_MONTH, self._clock().astimezone(zone).date())
        return days_to_period(first, last, str(zone))


def _numbers(numbers: Iterable[int]) -> str:
    return " ".join(format_number(n) for n in numbers)


def credit_rows(results: Iterable[OrgCredit]) -> Iterator[list[Any]]:
    """Rows in CREDIT_COLUMNS order. Money has two decimals; a target the contract does
    not count has empty cells."""
    for r in results:
        per_target = {t.target: t for t in r.targets}
        cells: list[Any] = []
        for target in TARGETS:
            t = per_target.get(target)
            if t is None:
                cells += ["", "", "", ""]
            else:
                cells += [t.met, t.missed, t.pending,
                          "" if t.attainment_pct is None else f"{t.attainment_pct}"]
        c = r.contract
        yield [
            r.organization, c.currency, f"{c.monthly_fee:.2f}", r.first_day.isoformat(),
            r.last_day.isoformat(), f"{r.period_fee}",
            " ".join(t for t in TARGETS if t in c.targets), *cells,
            r.lowest.target if r.lowest else "",
            "" if r.lowest is None or r.lowest.attainment_pct is None
            else f"{r.lowest.attainment_pct}",
            decimal_text(r.tier.below_pct) if r.tier else "",
            decimal_text(r.tier.credit_pct) if r.tier else "",
            f"{r.tier_credit}", len(r.p1_breach_tickets), f"{r.p1_credit}",
            "" if r.cap_amount is None else f"{r.cap_amount}", "yes" if r.capped else "no",
            f"{r.total}", _numbers(r.missed_tickets), _numbers(r.p1_breach_tickets),
        ]
