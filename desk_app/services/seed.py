"""Generated desks: a realistic demo for newcomers and large databases for benchmarks.

Histories are simulated through the real workflow rules (every status move is checked by
`check_transition`), so later issues can replay SLA clocks from generated events exactly as
from real ones. The same seed always gives the same desk.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from desk_app.domain.enums import Channel, EventKind, Impact, Priority, Status, Tier, Urgency
from desk_app.domain.errors import ValidationError
from desk_app.domain.limits import SEED_MAX_DAYS, SEED_MAX_TICKETS
from desk_app.domain.priority_matrix import priority_for
from desk_app.domain.sla import SlaSetup
from desk_app.domain.sla_clock import HistoryEvent, replay
from desk_app.domain.ticket import creation_snapshot
from desk_app.domain.workflow import check_transition
from desk_app.services.clock import Clock
from desk_app.services.directory import (
    DirectoryService,
    find_technician,
    get_or_create_organization,
)
from desk_app.services.sla import SlaService, clock_columns
from desk_app.services.tickets import FIRST_NUMBER
from desk_app.store.bulk import (
    TABLES,
    event_row,
    insert_rows,
    lock_for_writing,
    max_ids,
    ticket_row,
)
from desk_app.store.engine import Database
from desk_app.store.models import Category, ContractRow, Organization

ORGANIZATIONS: tuple[tuple[str, Tier], ...] = (
    ("Northwind Traders", Tier.ENTERPRISE), ("Contoso Pharma", Tier.ENTERPRISE),
    ("Fabrikam Logistics", Tier.PREMIUM), ("Tailspin Toys", Tier.STANDARD),
    ("Wide World Importers", Tier.PREMIUM), ("Adventure Works Cycles", Tier.STANDARD),
    ("Litware Legal", Tier.PREMIUM), ("Proseware Dental", Tier.STANDARD),
    ("Lucerne Publishing", Tier.STANDARD), ("Woodgrove Credit Union", Tier.ENTERPRISE),
    ("Alpine Ski House", Tier.STANDARD), ("Blue Yonder Travel", Tier.STANDARD),
)
# Two service contracts so the demo shows credits (docs/credits.md); stored values as in
# services/credits.py.
_TIERS = '[{"below_pct": "99", "credit_pct": "5"}, {"below_pct": "95", "credit_pct": "10"}, ' \
    '{"below_pct": "90", "credit_pct": "25"}]'
DEMO_CONTRACTS: dict[str, dict[str, Any]] = {
    "Northwind Traders": {"monthly_fee": "4000.00", "currency": "EUR",
                          "counted_targets": "first_response,resolution",
                          "schedule_json": _TIERS, "cap_pct": "30", "p1_breach_credit": "150"},
    "Contoso Pharma": {"monthly_fee": "2500.00", "currency": "USD",
                       "counted_targets": "resolution", "schedule_json": _TIERS},
}
TECHNICIANS = ("Alex Morgan", "Priya Raman", "Tomás Ortega", "Hannah Schulz", "Kenji Watanabe",
               "Fatima Okafor")
FIRST = ("Anna", "Ben", "Chloé", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Keiko", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
         "Umar", "Vera", "Wen", "Yusuf", "Zoe")
LAST = ("Adler", "Brooks", "Costa", "Dubois", "Evans", "Fischer", "García", "Huang", "Ivanova",
        "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "O'Brien", "Petrov", "Rossi",
        "Silva", "Tanaka", "Urban", "Vogel", "Weber", "Yilmaz", "Zimmermann")
SUBJECTS: dict[str, tuple[str, ...]] = {
    "Technical support": ("Outlook keeps asking for password", "Printer on 2nd floor offline",
                          "Laptop will not connect to Wi-Fi", "Teams camera not detected",
                          "VPN drops every few minutes", "Second monitor not detected"),
    "Troubleshooting": ("Shared drive very slow", "Excel crashes when opening {f}",
                        "Blue screen after Windows update", "Email bounces to {org}",
                        "Phone system one-way audio", "ERP login fails with error 401"),
    "System maintenance": ("Renew SSL certificate for intranet", "Patch file server",
                           "Replace failing disk in NAS", "Update antivirus definitions",
                           "Firmware update for core switch", "Clean up old mailboxes"),
    "User training": ("How to share a calendar", "Training on new CRM for {name}",
                      "Set up MFA on phone", "Explain expense tool to new hires"),
    "Access request": ("Access to finance folder for {name}", "New starter account: {name}",
                       "Admin rights for software install", "Remove access for leaver",
                       "VPN access for contractor"),
    "Other": ("Order new headset", "Move desk phone to room {n}", "Question about backup policy",
              "Recycle old laptops"),
}
DESCRIPTIONS = (
    "Started this morning. Restart did not help. Several colleagues see the same.",
    "User reports the problem happens intermittently, mostly after lunch. Screenshot attached "
    "in the email.",
    "Urgent: blocking month-end closing. Please call back on the desk phone.",
    "Not urgent, whenever someone has time this week.",
    "Tried the steps from the knowledge base article; error persists: 0x80070005.",
)
REPLIES = ("Thanks, we are looking into it.", "Could you send a screenshot of the error?",
           "Can you try again now and let us know?", "We have escalated this to the vendor.",
           "Scheduled a visit for tomorrow morning.")
NOTES = ("Checked event log, nothing obvious.", "Looks related to last week's GPO change.",
         "Vendor case opened, ref VX-2291.", "Needs approval from the department head.")
RESOLUTIONS = ("Reset the password and re-enrolled MFA.", "Replaced the toner and cleared the "
               "queue.", "Reinstalled the driver.", "Granted access via the AD group.",
               "Applied vendor hotfix; user confirmed working.")

# Typical minutes to first response and to resolution, by priority.
RESPONSE_MIN = {Priority.P1: 15, Priority.P2: 45, Priority.P3: 180, Priority.P4: 600}
RESOLVE_MIN = {Priority.P1: 180, Priority.P2: 600, Priority.P3: 2400, Priority.P4: 5000}


@dataclass(frozen=True)
class SeedReport:
    tickets: int
    events: int
    contacts: int
    first_number: int
    last_number: int


class _History:
    """Builds one ticket's row and events, checking each status move against the workflow."""

    def __init__(self, ticket_id: int, created: datetime, now: datetime, actor: str) -> None:
        self.id = ticket_id
        self.now = now
        self.t = created
        self.status = Status.NEW
        self.events: list[dict[str, Any]] = []
        self.actor = actor
        self.first_response: datetime | None = None
        self.resolved: datetime | None = None
        self.closed: datetime | None = None
        self.resolution_note: str | None = None

    def advance(self, minutes: float) -> bool:
        """Move the simulated time on; False (and no move) if that would pass `now`."""
        nxt = self.t + timedelta(minutes=max(1.0, minutes))
        if nxt >= self.now:
            return False
        self.t = nxt
        return True

    def event(self, kind: EventKind, **values: str | None) -> None:
        self.events.append(event_row(ticket_id=self.id, at=self.t, actor=self.actor,
                                     kind=kind, **values))

    def move(self, target: Status, note: str | None = None) -> None:
        check_transition(self.status, target, resolution_note=note)
        self.event(EventKind.STATUS_CHANGED, field="status", old_value=self.status.value,
                   new_value=target.value, body=note if target is Status.RESOLVED else None)
        if target is Status.RESOLVED:
            self.resolved, self.resolution_note = self.t, note
        elif target is Status.CLOSED:
            self.closed = self.t
        elif not self.status.is_open:
            self.resolved = self.closed = None
        if target is Status.IN_PROGRESS and self.first_response is None:
            self.first_response = self.t
        self.status = target

    def reply(self, body: str) -> None:
        self.event(EventKind.PUBLIC_REPLY, body=body)
        if self.first_response is None:
            self.first_response = self.t


class DeskGenerator:
    """Writes generated organizations, contacts, technicians and tickets with histories."""

    def __init__(self, db: Database, clock: Clock, *, sla: SlaService,
                 directory: DirectoryService) -> None:
        """`sla` is the app's service, so the tickets are computed on its setup (a service
        of its own would create the default calendars in UTC, not the user's zone)."""
        self._db = db
        self._clock = clock
        self._sla = sla
        self._directory = directory

    def generate(self, *, tickets: int, seed: int = 1, span_days: int = 90,
                 include_technician: str | None = None) -> SeedReport:
        """Add `tickets` tickets created over the last `span_days` days."""
        check_seed_size(tickets=tickets, span_days=span_days)
        now = self._clock()
        rng = random.Random(seed)
        directory = self._directory
        directory.ensure_defaults()
        tech_names = list(TECHNICIANS)
        if include_technician and include_technician not in tech_names:
            tech_names.append(include_technician)
        for name in tech_names:
            directory.ensure_technician(name)
        setup = self._sla.setup()
        with self._db.session_scope() as s:
            lock_for_writing(s)  # before the ids and numbers are chosen (store/bulk.py)
            top = max_ids(s)
            categories = {c.name: c.id for c in s.execute(select(Category)).scalars()
                          if c.id is not None}  # stored rows always have an id
            org_ids = self._organizations(s)
            tech_ids = {n: _tech_id(s, n) for n in tech_names}
            contacts = self._contacts(s, rng, top, org_ids, count=max(20, min(3000,
                                                                              tickets // 5)))
            report = self._tickets(s, rng, now=now, top=top, count=tickets,
                                   span=timedelta(days=span_days), categories=categories,
                                   tech_ids=tech_ids, contacts=contacts,
                                   favoured=include_technician, setup=setup)
        return report

    def _organizations(self, s: Any) -> dict[str, int]:
        ids: dict[str, int] = {}
        for name, tier in ORGANIZATIONS:
            org = get_or_create_organization(s, name)
            assert org is not None and org.id is not None
            org.tier = tier
            ids[name] = org.id
        for name, values in DEMO_CONTRACTS.items():
            if s.execute(select(col(ContractRow.id)).where(
                    col(ContractRow.organization_id) == ids[name])).first() is None:
                s.add(ContractRow(organization_id=ids[name], updated_at=self._clock(),
                                  **values))
        return ids

    def _contacts(self, s: Any, rng: random.Random, top: dict[str, int],
                  org_ids: dict[str, int], *, count: int) -> list[tuple[int, int]]:
        rows, out = [], []
        next_id = top["contact"] + 1
        orgs = list(org_ids.items())
        for i in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            org_name, org_id = rng.choice(orgs)
            domain = org_name.split()[0].lower() + ".example"
            rows.append({"id": next_id + i, "name": f"{first} {last}",
                         "email": f"{first}.{last}.{next_id + i}@{domain}".lower()
                         .replace("'", ""),
                         "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                         "organization_id": org_id})
            out.append((next_id + i, org_id))
        insert_rows(s, TABLES["contact"], rows)
        return out

    def _tickets(self, s: Any, rng: random.Random, *, now: datetime, top: dict[str, int],
                 count: int, span: timedelta, categories: dict[str, int],
                 tech_ids: dict[str, int], contacts: list[tuple[int, int]],
                 favoured: str | None, setup: SlaSetup) -> SeedReport:
        ticket_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        tech_names = list(tech_ids)
        orgs = {row[0]: (row[1], row[2]) for row in s.execute(
            select(col(Organization.id), col(Organization.tier), col(Organization.name)))}
        first_number = top["ticket_number"] + 1 if top["ticket_number"] else FIRST_NUMBER
        events_written = 0
        for i in range(count):
            ticket_id = top["ticket"] + 1 + i
            # Older tickets are rarer than recent ones only a little; working hours dominate.
            age = span * (rng.random() ** 1.3)
            created = (now - age).replace(microsecond=0)
            created = created.replace(hour=rng.choice((7, 8, 9, 9, 10, 10, 11, 13, 14, 15, 16,
                                                       17)), minute=rng.randrange(60))
            if created >= now:
                created = now - timedelta(minutes=rng.randint(5, 600))
            impact = rng.choices(list(Impact), weights=(1, 3, 8))[0]
            urgency = rng.choices(list(Urgency), weights=(2, 5, 4))[0]
            priority = priority_for(impact, urgency)
            category = rng.choice(list(SUBJECTS))
            contact_id, org_id = rng.choice(contacts)
            creator = rng.choice(tech_names)
            title = rng.choice(SUBJECTS[category]).format(
                f=f"report_{rng.randint(1, 99)}.xlsx", org=rng.choice(ORGANIZATIONS)[0],
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", n=rng.randint(100, 450))
            h = _History(ticket_id, created, now, creator)
            assignee = None
            self._simulate(h, rng, priority)
            if h.status is not Status.NEW or rng.random() < 0.5:
                # The demo's own technician gets a real share, so "My tickets" is not empty.
                assignee = favoured if favoured and rng.random() < 0.3 \
                    else rng.choice(tech_names)
                h.events.insert(0, event_row(
                    ticket_id=ticket_id, at=created, actor=creator, kind=EventKind.ASSIGNED,
                    field="assignee", new_value=assignee))
            # Drawn in this order so a seed gives the same desk as before.
            description = rng.choice(DESCRIPTIONS)
            channel = rng.choice(list(Channel))
            csat = rng.choice((None, None, 3, 4, 5, 5)) if h.resolved else None
            tier, org_name = orgs.get(org_id, (None, None)) if org_id else (None, None)
            # Created unassigned: the assignment is its own event at the same instant.
            h.events.insert(0, event_row(
                ticket_id=ticket_id, at=created, actor=creator, kind=EventKind.CREATED,
                new_value=creation_snapshot(
                    priority=priority, impact=impact, urgency=urgency, channel=channel,
                    category=category, organization=org_name, assignee=None)))
            # Clocks replayed from the generated history, exactly as for real tickets.
            clocks = replay([HistoryEvent(e["at"], e["kind"], e["field"], e["old_value"],
                                          e["new_value"]) for e in h.events], setup, now,
                            tier=tier)
            ticket_rows.append(ticket_row(
                id=ticket_id, number=first_number + i, title=title, description=description,
                requester_id=contact_id, organization_id=org_id,
                category_id=categories.get(category), priority=priority, impact=impact,
                urgency=urgency, status=h.status, channel=channel,
                assignee_id=tech_ids[assignee] if assignee else None, created_at=created,
                updated_at=h.events[-1]["at"], first_response_at=h.first_response,
                resolved_at=h.resolved, closed_at=h.closed,
                resolution_note=h.resolution_note, csat_score=csat,
                sla=clock_columns(clocks, now)))
            event_rows.extend(h.events)
            if len(ticket_rows) >= 5000:
                events_written += self._flush(s, ticket_rows, event_rows)
        events_written += self._flush(s, ticket_rows, event_rows)
        return SeedReport(tickets=count, events=events_written, contacts=len(contacts),
                          first_number=first_number, last_number=first_number + count - 1)

    @staticmethod
    def _flush(s: Any, tickets: list[dict[str, Any]], events: list[dict[str, Any]]) -> int:
        insert_rows(s, TABLES["ticket"], tickets)
        written = insert_rows(s, TABLES["event"], events)
        tickets.clear()
        events.clear()
        return written

    @staticmethod
    def _simulate(h: _History, rng: random.Random, priority: Priority) -> None:
        """Play a plausible life: response, maybe waiting, resolution, closure, reopen."""
        respond = RESPONSE_MIN[priority] * rng.lognormvariate(0, 0.8)
        if not h.advance(respond):
            return
        if rng.random() < 0.6:
            h.reply(rng.choice(REPLIES))
            if not h.advance(rng.uniform(1, 30)):
                return
        h.move(Status.IN_PROGRESS)
        if rng.random() < 0.3 and h.advance(rng.uniform(5, 120)):
            h.event(EventKind.INTERNAL_NOTE, body=rng.choice(NOTES))
        if rng.random() < 0.35:
            if not h.advance(rng.uniform(10, 240)):
                return
            h.move(rng.choice((Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY)))
            if not h.advance(rng.uniform(60, 3000)):
                return
            h.move(Status.IN_PROGRESS)
        if not h.advance(RESOLVE_MIN[priority] * rng.lognormvariate(0, 0.9)):
            return
        h.move(Status.RESOLVED, rng.choice(RESOLUTIONS))
        if rng.random() < 0.04 and h.advance(rng.uniform(60, 2000)):
            h.move(Status.IN_PROGRESS)
            if not h.advance(rng.uniform(60, 1500)):
                return
            h.move(Status.RESOLVED, rng.choice(RESOLUTIONS))
        if h.advance(rng.uniform(2, 5) * 1440):
            h.move(Status.CLOSED)


def _tech_id(s: Any, name: str) -> int:
    tech = find_technician(s, name)
    assert tech is not None and tech.id is not None
    return tech.id


def check_seed_size(*, tickets: int, span_days: int) -> None:
    """ValidationError naming the limit, before anything is written: one run is one
    transaction, and `--tickets 99999999999999999999` once wrote a 5 GB write-ahead log."""
    if not 0 <= tickets <= SEED_MAX_TICKETS:
        raise ValidationError("tickets", f"{tickets:,} is not between 0 and "
                              f"{SEED_MAX_TICKETS:,} (the limit for one run; run seed again "
                              "to add more)")
    if not 1 <= span_days <= SEED_MAX_DAYS:
        raise ValidationError("days", f"{span_days:,} is not between 1 and "
                              f"{SEED_MAX_DAYS:,} (a hundred years)")
