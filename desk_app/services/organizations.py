"""Customer organizations: their tier (which SLA policies match on), contacts and counts.

A tier is read *live* by every SLA replay (domain/sla_clock.py: "the organization tier and
the product are taken as they are now"), unlike priority, category and organization, which
are replayed from the history. So a tier change re-times the organization's open tickets
at once, through the SLA service as a setup save does, in the same transaction as the
change: their stored due times and risk never disagree with a fresh replay, and each
ticket whose policy changes gets its timeline event saying why. Closed and resolved
tickets keep the clocks they stopped with (a report replays them under the live tier).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.enums import Tier
from desk_app.domain.errors import ValidationError
from desk_app.domain.ticket import NAME_MAX, nul_error
from desk_app.services.clock import Clock
from desk_app.services.sla import OPEN_STATUSES, SetupChangePreview, SlaService
from desk_app.store.engine import Database
from desk_app.store.models import Contact, ContractRow, Organization, Ticket

F_TIER = "Tier"
F_NAME = "Name"


class ContractState(StrEnum):
    """Whether an organization has a service contract, and whether it earns credits."""

    NONE = ""
    ACTIVE = "active"
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return {ContractState.NONE: "No contract", ContractState.ACTIVE: "Active contract",
                ContractState.PAUSED: "Contract paused (no credits)"}[self]

    @property
    def short(self) -> str:
        """The list's cell: "Active", "Paused" or a dash."""
        return self.value.capitalize() or "—"


@dataclass(frozen=True)
class OrganizationRow:
    """One organization as the page lists it."""

    id: int
    name: str
    tier: Tier
    contacts: int
    open_tickets: int
    tickets: int
    contract: ContractState


@dataclass(frozen=True)
class ContactRow:
    """One of an organization's contacts, with how many tickets they asked for."""

    id: int
    name: str
    email: str
    phone: str
    tickets: int


@dataclass(frozen=True)
class TierChange:
    """What a tier change did: the open tickets re-timed and how many changed policy."""

    organization: str
    old: Tier
    new: Tier
    retimed: int
    policy_changes: int

    @property
    def summary(self) -> str:
        if self.old is self.new:
            return f"{self.organization} stays {self.new.label}; nothing changed."
        return (f"{self.organization} is now {self.new.label}: "
                f"{retime_text(self.retimed, self.policy_changes, done=True)}.")


def retime_text(tickets: int, policy_changes: int, *, done: bool = False) -> str:
    """'re-times 3 open tickets; 1 moves to another SLA policy', said before a tier change
    (or, `done`, after it: 're-timed …')."""
    verb = "re-timed" if done else "re-times"
    if not tickets:
        return "no open tickets to re-time"
    said = f"{verb} {tickets} open ticket{'s' if tickets != 1 else ''}"
    if not policy_changes:
        return f"{said}; {'its' if tickets == 1 else 'their'} SLA policy stays the same"
    if done:
        return f"{said}; {policy_changes} moved to another SLA policy"
    return f"{said}; {policy_changes} move{'s' if policy_changes == 1 else ''} to another " \
        "SLA policy"


def _pk(model: Any) -> ColumnElement[int]:
    """The id column as NOT NULL (it is, in the table; the model says `int | None`)."""
    return cast("ColumnElement[int]", col(model.id))


def _open_of(organization_id: int) -> Any:
    return and_(col(Ticket.organization_id) == organization_id,
                col(Ticket.status).in_(OPEN_STATUSES))


class OrganizationService:
    """Lists organizations and changes their tier; one transaction per change."""

    def __init__(self, db: Database, sla: SlaService, clock: Clock) -> None:
        self._db = db
        self._sla = sla
        self._clock = clock

    def organizations(self) -> list[OrganizationRow]:
        """Every organization by name, with its counts (three grouped queries)."""
        with self._db.session_scope() as s:
            return _rows(s)

    def contacts(self, organization_id: int) -> list[ContactRow]:
        with self._db.session_scope() as s:
            asked = (select(col(Ticket.requester_id), func.count().label("n"))
                     .group_by(col(Ticket.requester_id)).subquery())
            rows = s.execute(
                select(_pk(Contact), col(Contact.name), col(Contact.email),
                       col(Contact.phone), asked.c.n)
                .outerjoin(asked, asked.c.requester_id == _pk(Contact))
                .where(col(Contact.organization_id) == organization_id)
                .order_by(func.lower(Contact.name), _pk(Contact)))
            return [ContactRow(id=r[0], name=r[1], email=r[2] or "", phone=r[3] or "",
                               tickets=int(r[4] or 0)) for r in rows]

    def add(self, name: str, tier: Tier) -> OrganizationRow:
        """A new organization (before its first ticket, so its tier is right from the
        start). Names are unique, case-insensitively, as everywhere in the directory."""
        cleaned = " ".join(name.split())
        if (nul := nul_error(name, field=F_NAME)) is not None:
            raise nul
        if not cleaned:
            raise ValidationError(F_NAME, "required")
        if len(cleaned) > NAME_MAX:
            raise ValidationError(F_NAME, f"at most {NAME_MAX} characters "
                                          f"(this one has {len(cleaned)})")
        with self._db.session_scope() as s:
            clash = s.execute(select(col(Organization.name)).where(
                func.lower(Organization.name) == cleaned.lower())).scalar()
            if clash is not None:
                raise ValidationError(F_NAME, f"“{clash}” already exists")
            org = Organization(name=cleaned, tier=tier)
            s.add(org)
            s.flush()
            assert org.id is not None
            return _rows(s, org.id)[0]

    def preview_tier(self, organization_id: int, tier: Tier) -> SetupChangePreview:
        """How many of the organization's open tickets `tier` would re-time, and how many
        of them would move to another policy or due time; stores nothing."""
        with self._db.session_scope() as s:
            return self._sla.preview_tier(s, _open_of(organization_id), tier,
                                          now=self._clock())

    def set_tier(self, organization_id: int, tier: Tier, *, actor: str) -> TierChange:
        """Change the tier and re-time the organization's open tickets, one transaction."""
        if not isinstance(tier, Tier):
            raise ValidationError(F_TIER, f"'{tier}' is not a tier (choose one of "
                                          f"{', '.join(t.label for t in Tier)})")
        with self._db.session_scope() as s:
            org = s.get(Organization, organization_id)
            if org is None:
                raise ValidationError(F_TIER, "this organization no longer exists; "
                                              "close and reopen the list")
            old = org.tier
            if old is tier:
                return TierChange(org.name, old, tier, 0, 0)
            org.tier = tier
            s.flush()
            now = self._clock()
            retimed, changes = self._sla.retime(
                s, _open_of(organization_id), now=now, actor=actor,
                reason=f"{org.name}'s tier changed from {old.label} to {tier.label}")
            return TierChange(org.name, old, tier, retimed, changes)


def _rows(s: Session, only: int | None = None) -> list[OrganizationRow]:
    people = (select(col(Contact.organization_id).label("org"), func.count().label("n"))
              .group_by(col(Contact.organization_id)).subquery())
    tickets = (select(col(Ticket.organization_id).label("org"), func.count().label("n"),
                      func.sum(case((col(Ticket.status).in_(OPEN_STATUSES), 1), else_=0))
                      .label("open"))
               .group_by(col(Ticket.organization_id)).subquery())
    stmt: Any = (select(_pk(Organization), col(Organization.name), col(Organization.tier),
                        people.c.n, tickets.c.open, tickets.c.n, col(ContractRow.active),
                        _pk(ContractRow))
                 .outerjoin(people, people.c.org == _pk(Organization))
                 .outerjoin(tickets, tickets.c.org == _pk(Organization))
                 .outerjoin(ContractRow, col(ContractRow.organization_id) == _pk(Organization))
                 .order_by(func.lower(Organization.name)))
    if only is not None:
        stmt = stmt.where(_pk(Organization) == only)
    found = []
    for r in s.execute(stmt):
        contract = ContractState.NONE if r[7] is None else \
            ContractState.ACTIVE if r[6] else ContractState.PAUSED
        found.append(OrganizationRow(id=r[0], name=r[1], tier=Tier(r[2]),
                                     contacts=int(r[3] or 0), open_tickets=int(r[4] or 0),
                                     tickets=int(r[5] or 0), contract=contract))
    return found
