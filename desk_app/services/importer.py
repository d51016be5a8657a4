"""Import tickets from a CSV file: a dry run that reports every problem, then one transaction.

The rows are checked by domain/csv_import.py. Here people, organizations, technicians and
categories are matched with the rules of services/directory.py (contacts by email, else by
name when neither has another email; organizations, technicians and categories by name,
case-insensitively), but against an in-memory index loaded once: 10,000 rows would
otherwise cost tens of thousands of queries. Everything is then written with bulk inserts
(store/bulk.py) in a single transaction: all rows or none. That transaction takes the
database's write lock before the ids are chosen, so a technician saving meanwhile waits
(up to the busy timeout) rather than taking one of them; a database that stays busy or
refuses the write ends in ImportInterrupted, with nothing imported.

History: each ticket gets its CREATED event at its original creation time, a move to
Resolved / Closed at the original times when the file has them, and an IMPORTED event at the
import time, so the SLA clocks replay from the original timestamps. When the file does not
say when a ticket reached its status (In progress, Waiting, or Resolved without a resolved
time) the move is recorded at the import time: the first moment we know it was there. A
clock is therefore never reported as met on a guess.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from threading import Event
from typing import Any, cast

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.csv_import import (
    VOCABULARIES,
    ImportedTicket,
    ImportOptions,
    ImportPlan,
    ImportRefused,
    Problem,
    iter_convert,
    make_plan,
)
from desk_app.domain.csv_read import CsvTable, open_table, plural
from desk_app.domain.enums import EventKind, Impact, Priority, Status, Tier, Urgency
from desk_app.domain.errors import DeskError
from desk_app.domain.import_fields import ImportField
from desk_app.domain.limits import IMPORT_CHUNK_ROWS, IMPORT_MAX_PROBLEMS
from desk_app.domain.sla import SlaSetup
from desk_app.domain.sla_clock import HistoryEvent, replay
from desk_app.domain.ticket import creation_snapshot
from desk_app.services.clock import Clock
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
from desk_app.store.models import Category, Contact, Organization, Technician

# Impact and urgency that give each priority through the ITIL matrix, so an imported
# priority is the matrix's own answer and not an override.
_IMPACT_URGENCY = {
    Priority.P1: (Impact.HIGH, Urgency.HIGH), Priority.P2: (Impact.MEDIUM, Urgency.HIGH),
    Priority.P3: (Impact.MEDIUM, Urgency.MEDIUM), Priority.P4: (Impact.LOW, Urgency.MEDIUM),
}
ACTOR_MAX = 200


class ImportInterrupted(DeskError):
    """The database refused the import's transaction (busy, or changed under it); it was
    rolled back, so nothing was imported and the same file can be imported again."""


def _pk(model: Any) -> ColumnElement[int]:
    """The id column as NOT NULL (it is, in the table; the model says `int | None`)."""
    return cast("ColumnElement[int]", col(model.id))


@dataclass(frozen=True)
class ImportReport:
    """The dry run: what would be imported and everything that stops it."""

    source: str
    file: str
    plan: ImportPlan
    rows: int
    tickets: int
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    new_contacts: int
    new_organizations: int
    new_technicians: int
    new_categories: tuple[str, ...]
    problem_count: int = 0  # all of them; `problems` keeps the first IMPORT_MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unlisted(self) -> int:
        """Problems found but not kept (past IMPORT_MAX_PROBLEMS)."""
        return max(0, self.problem_count - len(self.problems))

    @property
    def ignored(self) -> tuple[str, ...]:
        return self.plan.ignored

    @property
    def title_note(self) -> str | None:
        """What the title was proposed from, when the file has no title column."""
        return self.plan.title.text if self.plan.title else None

    def word_lines(self, *, flagged_only: bool = False) -> list[str]:
        """'status: OpenPending → Waiting on customer (12 rows), guessed', one per word
        (only the guesses and fallbacks with `flagged_only`)."""
        return [f"{kind}: {w.text}" for kind in VOCABULARIES for w in self.plan.words(kind)
                if w.flagged or not flagged_only]

    @property
    def summary(self) -> str:
        if not self.ok:
            found = max(self.problem_count, len(self.problems))
            return (f"{self.source}: {plural(found, 'problem')} in "
                    f"{plural(self.rows, 'row')}; nothing imported")
        return (f"{self.source}: {plural(self.tickets, 'ticket')} ready to import, "
                f"{plural(self.new_contacts, 'new contact')}, "
                f"{plural(self.new_organizations, 'new organization')}")


@dataclass(frozen=True)
class ImportResult:
    """What the import wrote."""

    source: str
    tickets: int
    contacts: int
    organizations: int
    technicians: int
    categories: int
    first_number: int | None
    last_number: int | None
    seconds: float


@dataclass
class _Person:
    id: int
    name: str
    email: str | None
    phone: str | None
    organization_id: int | None
    new: bool
    changed: bool = False


@dataclass
class _Directory:
    """Contacts, organizations, technicians and categories as the import sees them: the
    stored ones plus the ones it will create, with ids chosen ahead of the insert."""

    orgs: dict[str, int]
    tiers: dict[int, Tier]
    contacts: list[_Person]
    by_email: dict[str, _Person]
    by_name: dict[str, list[_Person]]
    techs: dict[str, int]
    categories: dict[str, int]
    next_ids: dict[str, int]
    category_position: int
    # Deactivated technicians (by lower-case name): a row naming one is imported assigned
    # to them, as the file says (history), and the dry run says how many rows do.
    inactive: dict[str, str] = field(default_factory=dict)
    inactive_rows: dict[str, int] = field(default_factory=dict)
    new_orgs: list[dict[str, Any]] = field(default_factory=list)
    new_techs: list[dict[str, Any]] = field(default_factory=list)
    new_categories: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, s: Session) -> _Directory:
        orgs: dict[str, int] = {}
        tiers: dict[int, Tier] = {}
        for oid, name, tier in s.execute(select(_pk(Organization), col(Organization.name),
                                                col(Organization.tier))):
            orgs.setdefault(name.lower(), oid)
            tiers[oid] = tier
        people = [_Person(r[0], r[1], r[2], r[3], r[4], new=False) for r in s.execute(
            select(_pk(Contact), col(Contact.name), col(Contact.email), col(Contact.phone),
                   col(Contact.organization_id)).order_by(col(Contact.id)))]
        d = cls(orgs=orgs, tiers=tiers, contacts=people, by_email={}, by_name={},
                techs={n.lower(): i for i, n in s.execute(
                    select(_pk(Technician), col(Technician.name)))},
                categories={n.lower(): i for i, n in s.execute(
                    select(_pk(Category), col(Category.name)))},
                next_ids={k: v + 1 for k, v in max_ids(s).items()},
                category_position=int(s.execute(select(func.max(Category.position)))
                                      .scalar() or 0) + 1)
        d.inactive = {n.lower(): n for n in s.execute(
            select(col(Technician.name)).where(~col(Technician.active))).scalars()}
        for p in people:
            d._index(p)
        return d

    def _index(self, p: _Person) -> None:
        if p.email:
            self.by_email.setdefault(p.email.lower(), p)
        self.by_name.setdefault(p.name.lower(), []).append(p)

    def _take(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] += 1
        return value

    def _id_for(self, known: dict[str, int], kind: str, name: str,
                add: Callable[[int, str], None]) -> int | None:
        """The id of `name` in `known` (matched case-insensitively), else a new id of `kind`
        that `add` records for the insert; None when the file leaves the name empty."""
        if not name:
            return None
        key = name.lower()
        if key not in known:
            new_id = self._take(kind)
            known[key] = new_id
            add(new_id, name)
        return known[key]

    def organization(self, name: str) -> int | None:
        return self._id_for(self.orgs, "organization", name, self._add_organization)

    def technician(self, name: str) -> int | None:
        if name and (stored := self.inactive.get(name.lower())) is not None:
            self.inactive_rows[stored] = self.inactive_rows.get(stored, 0) + 1
        return self._id_for(self.techs, "technician", name, self._add_technician)

    def inactive_note(self) -> str | None:
        """The dry run's line about rows assigned to deactivated technicians, if any."""
        if not self.inactive_rows:
            return None
        rows = sum(self.inactive_rows.values())
        names = ", ".join(sorted(self.inactive_rows, key=str.lower))
        verb = "names" if rows == 1 else "name"
        return (f"{plural(rows, 'row')} {verb} deactivated technicians ({names}): imported "
                "assigned to them, as the file says, and shown as inactive; reassign the "
                "open ones, or reactivate them first (Team → Technicians).")

    def category(self, name: str) -> int | None:
        return self._id_for(self.categories, "category", name, self._add_category)

    def _add_organization(self, oid: int, name: str) -> None:
        self.tiers[oid] = Tier.STANDARD
        self.new_orgs.append({"id": oid, "name": name, "tier": Tier.STANDARD})

    def _add_technician(self, tid: int, name: str) -> None:
        self.new_techs.append({"id": tid, "name": name, "email": None, "active": True})

    def _add_category(self, cid: int, name: str) -> None:
        self.new_categories.append({"id": cid, "name": name,
                                    "position": self.category_position})
        self.category_position += 1

    def requester(self, row: ImportedTicket) -> tuple[int, int | None]:
        """(contact id, organization id) as directory.resolve_requester would choose."""
        email = row.email or None
        person = self.by_email.get(email) if email else None
        if person is None:
            person = next((c for c in self.by_name.get(row.requester.lower(), [])
                           if not email or not c.email), None)
        org_id = self.organization(row.organization)
        if person is None:
            person = _Person(self._take("contact"), row.requester, email, row.phone or None,
                             org_id, new=True)
            self.contacts.append(person)
            self._index(person)
        else:
            if email and not person.email:
                person.email = email
                self.by_email.setdefault(email, person)
                person.changed = True
            if row.phone and not person.phone:
                person.phone, person.changed = row.phone, True
            if org_id is not None and person.organization_id is None:
                person.organization_id, person.changed = org_id, True
        return person.id, org_id if org_id is not None else person.organization_id


class ImportService:
    """Reads a CSV file, checks it (dry run) and imports it in one transaction."""

    def __init__(self, db: Database, sla: SlaService, clock: Clock) -> None:
        self._db = db
        self._sla = sla
        self._clock = clock

    def default_options(self) -> ImportOptions:
        """Times without an offset are read in the technician's zone unless told otherwise."""
        return ImportOptions(tz=self._sla.user_tz)

    @staticmethod
    def read(path: Path, options: ImportOptions) -> CsvTable:
        """The file checked in one streaming pass (decoding, quoting, the limits of
        domain/limits.py); its records are read again from disk on each later pass, so
        memory stays flat in the file's size. OSError or CsvFormatError (with its line)."""
        return open_table(path, encoding=options.encoding, delimiter=options.delimiter)

    def dry_run(self, table: CsvTable, options: ImportOptions, *, source: str,
                progress: Progress | None = None, cancel: Event | None = None
                ) -> ImportReport:
        """Every problem with its row and column (the first IMPORT_MAX_PROBLEMS kept, all
        counted), and what the import would create; writes nothing."""
        plan = make_plan(table, options)
        now = self._clock()
        with self._db.session_scope() as s:
            directory = _Directory.load(s)
        tally = _Tally()
        problems = _Problems()
        steps = _Steps(len(table.records), progress, cancel)
        for row, found in iter_convert(table, plan, options, now=now):
            if row is None:
                problems.add(found)
            else:
                tally.add(row, options)
                directory.requester(row)
                directory.technician(row.assignee)
                directory.category(row.category)
            steps.step(found or row)
        steps.advance(0)  # the last, partial batch
        return ImportReport(
            source=source, file=table.description, plan=plan, rows=len(table.records),
            tickets=tally.rows if not problems.count else 0, problems=tuple(problems.kept),
            notes=tally.notes(plan, options) + tuple(
                n for n in (directory.inactive_note(),) if n is not None),
            new_contacts=len([p for p in directory.contacts if p.new]),
            new_organizations=len(directory.new_orgs),
            new_technicians=len(directory.new_techs),
            new_categories=tuple(c["name"] for c in directory.new_categories),
            problem_count=problems.count)

    def run(self, table: CsvTable, options: ImportOptions, *, actor: str, source: str,
            progress: Progress | None = None, cancel: Event | None = None) -> ImportResult:
        """Import every row or none: raises ImportRefused with the problems if there is
        any, else writes everything in one transaction. Two passes over the file, a check
        and a write, each holding one batch of rows at a time. `progress(done, total)` is
        called after each batch (total: the rows times two passes); setting `cancel`
        stops at the next batch with ImportCancelled, the transaction rolled back."""
        started = time.perf_counter()
        plan = make_plan(table, options)
        now = self._clock()
        steps = _Steps(2 * len(table.records), progress, cancel)
        problems = _Problems()
        for row, found in iter_convert(table, plan, options, now=now):
            if row is None:
                problems.add(found)
            steps.step(found or row)
        steps.advance(0)
        if problems.count:
            raise ImportRefused(problems.kept, total=problems.count)
        setup = self._sla.setup()

        def rows() -> Iterator[ImportedTicket]:
            for row, _found in iter_convert(table, plan, options, now=now):
                if row is None:  # the file changed since the check pass
                    raise ImportRefused(_found)
                yield row

        try:
            return self._write(rows(), now=now, actor=actor, source=source, setup=setup,
                               started=started, steps=steps)
        except (IntegrityError, OperationalError) as exc:
            raise ImportInterrupted(
                f"The database was busy or changed while importing ({exc.orig}); nothing "
                "was imported. Import again.") from exc

    def _write(self, rows: Iterable[ImportedTicket], *, now: datetime, actor: str, source: str,
               setup: SlaSetup, started: float, steps: _Steps | None = None
               ) -> ImportResult:
        """One transaction holding the write lock from before the ids are chosen to the
        commit: no other writer can take one of them meanwhile. The rows are written a
        batch at a time (the contacts, organizations, technicians and categories a batch
        needs just before it), so only one batch is ever held."""
        steps = steps or _Steps(0, None, None)
        with self._db.session_scope() as s:
            lock_for_writing(s)
            directory = _Directory.load(s)
            first_id = directory.next_ids["ticket"]
            first_number = directory.next_ids["ticket_number"]
            if first_number == 1:  # no ticket yet: numbering starts at HD-1001
                first_number = FIRST_NUMBER
            flushed = _Flushed(contacts=len(directory.contacts))
            count = 0
            for batch in batched(rows, IMPORT_CHUNK_ROWS):
                tickets: list[dict[str, Any]] = []
                events: list[dict[str, Any]] = []
                for row in batch:
                    ticket, history = _ticket(row, ticket_id=first_id + count,
                                              number=first_number + count,
                                              directory=directory, now=now, actor=actor,
                                              source=source, setup=setup)
                    count += 1
                    tickets.append(ticket)
                    events.extend(history)
                flushed.flush(s, directory)
                insert_rows(s, TABLES["ticket"], tickets)
                insert_rows(s, TABLES["event"], events)
                steps.advance(len(batch))
            flushed.flush(s, directory)
            changed = [{"id": p.id, "email": p.email, "phone": p.phone,
                        "organization_id": p.organization_id}
                       for p in directory.contacts if p.changed]
            if changed:
                s.execute(update(Contact), changed)
        new_people = sum(1 for p in directory.contacts if p.new)
        return ImportResult(
            source=source, tickets=count, contacts=new_people,
            organizations=len(directory.new_orgs), technicians=len(directory.new_techs),
            categories=len(directory.new_categories),
            first_number=first_number if count else None,
            last_number=first_number + count - 1 if count else None,
            seconds=time.perf_counter() - started)


Progress = Callable[[int, int], None]  # (rows done, rows in all the passes)


class ImportCancelled(DeskError):
    """The technician cancelled the import; its transaction was rolled back, so nothing
    was imported."""

    def __init__(self) -> None:
        super().__init__("Import cancelled; nothing was imported.")


class _Steps:
    """Progress and cancellation, checked once per batch of rows (a cancel takes effect
    within IMPORT_CHUNK_ROWS rows, well under a second)."""

    def __init__(self, total: int, progress: Progress | None, cancel: Event | None) -> None:
        self.total, self.done, self._pending = total, 0, 0
        self._progress, self._cancel = progress, cancel

    def step(self, _item: object = None) -> None:
        self._pending += 1
        if self._pending >= IMPORT_CHUNK_ROWS:
            self.advance(0)

    def advance(self, rows: int) -> None:
        self.done += self._pending + rows
        self._pending = 0
        if self._cancel is not None and self._cancel.is_set():
            raise ImportCancelled
        if self._progress is not None:
            self._progress(min(self.done, self.total), self.total)


@dataclass
class _Problems:
    """The first IMPORT_MAX_PROBLEMS problems, and how many there are in all: a file with a
    wrong column on every one of a million rows must not hold a million messages."""

    kept: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, found: list[Problem]) -> None:
        self.count += len(found)
        room = IMPORT_MAX_PROBLEMS - len(self.kept)
        if room > 0:
            self.kept.extend(found[:room])


@dataclass
class _Flushed:
    """How much of the directory's new entries is already inserted."""

    contacts: int
    orgs: int = 0
    techs: int = 0
    categories: int = 0

    def flush(self, s: Session, directory: _Directory) -> None:
        insert_rows(s, TABLES["organization"], directory.new_orgs[self.orgs:])
        insert_rows(s, TABLES["technician"], directory.new_techs[self.techs:])
        insert_rows(s, TABLES["category"], directory.new_categories[self.categories:])
        insert_rows(s, TABLES["contact"], (
            {"id": p.id, "name": p.name, "email": p.email, "phone": p.phone,
             "organization_id": p.organization_id}
            for p in directory.contacts[self.contacts:] if p.new))
        self.orgs, self.techs = len(directory.new_orgs), len(directory.new_techs)
        self.categories, self.contacts = len(directory.new_categories), len(directory.contacts)


def _ticket(row: ImportedTicket, *, ticket_id: int, number: int, directory: _Directory,
            now: datetime, actor: str, source: str, setup: SlaSetup
            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ticket row with its SLA columns, and its events in order."""
    contact_id, org_id = directory.requester(row)
    assignee_id = directory.technician(row.assignee)
    category_id = directory.category(row.category)
    impact, urgency = _IMPACT_URGENCY[row.priority]
    created = row.created_at or now
    origin = source[:ACTOR_MAX]  # who stated the historical facts: the file

    def event(at: datetime, kind: EventKind, who: str = origin, **values: str | None
              ) -> dict[str, Any]:
        return event_row(ticket_id=ticket_id, at=at, actor=who, kind=kind, **values)

    snapshot = creation_snapshot(
        priority=row.priority, impact=impact, urgency=urgency, channel=row.channel,
        category=row.category, organization=row.organization, assignee=row.assignee)
    history = [event(created, EventKind.CREATED, new_value=snapshot)]
    resolved_at = closed_at = first_response_at = None
    resolution_note = None

    def move(at: datetime, old: Status, new: Status, body: str | None = None) -> None:
        history.append(event(at, EventKind.STATUS_CHANGED, field="status",
                             old_value=old.value, new_value=new.value, body=body))

    if row.status is not Status.NEW:
        if row.status.is_open:
            move(now, Status.NEW, row.status)
            if row.status is Status.IN_PROGRESS:
                first_response_at = now
        else:
            resolved_at = row.resolved_at or row.closed_at or now
            resolution_note = f"Resolved before the import from {source}."
            move(resolved_at, Status.NEW, Status.RESOLVED, resolution_note)
            if row.status is Status.CLOSED:
                closed_at = row.closed_at or resolved_at
                move(closed_at, Status.RESOLVED, Status.CLOSED)
    updated = max(e["at"] for e in history)
    details = [f"Row {row.row} of {source}."]
    if row.external_id:
        details.append(f"ID in the old system: {row.external_id}.")
    if row.original_status:
        details.append(f"Status there: {row.original_status}.")
    if row.original_priority:
        details.append(f"Priority there: {row.original_priority}.")
    history.append(event(now, EventKind.IMPORTED, actor[:ACTOR_MAX], new_value=source,
                         body=" ".join(details)))
    clocks = replay([HistoryEvent(e["at"], e["kind"], e["field"], e["old_value"],
                                  e["new_value"]) for e in history], setup, now,
                    tier=directory.tiers.get(org_id) if org_id is not None else None)
    ticket = ticket_row(
        id=ticket_id, number=number, title=row.title, description=row.description,
        requester_id=contact_id, organization_id=org_id, category_id=category_id,
        priority=row.priority, impact=impact, urgency=urgency, status=row.status,
        channel=row.channel, assignee_id=assignee_id, created_at=created,
        updated_at=updated, first_response_at=first_response_at, resolved_at=resolved_at,
        closed_at=closed_at, resolution_note=resolution_note,
        sla=clock_columns(clocks, now))
    return ticket, history


@dataclass
class _Tally:
    """The counts the notes need, gathered row by row as the file streams past."""

    rows: int = 0
    unknown: int = 0
    undated: int = 0
    moving: int = 0

    def add(self, r: ImportedTicket, options: ImportOptions) -> None:
        self.rows += 1
        self.unknown += r.requester == options.default_requester
        self.undated += (not r.status.is_open and r.resolved_at is None
                         and r.closed_at is None)
        self.moving += r.status.is_open and r.status is not Status.NEW

    def notes(self, plan: ImportPlan, options: ImportOptions) -> tuple[str, ...]:
        notes = []  # the proposed title and the guessed words have their own lines
        if plan.mapping.column_of(ImportField.CREATED) is None and self.rows:
            notes.append("No Created column: the tickets are dated at the import time.")
        if self.unknown:
            notes.append(f"{plural(self.unknown, 'row')} name no requester: filed under "
                         f"'{options.default_requester}'.")
        if self.undated:
            notes.append(f"{plural(self.undated, 'resolved or closed ticket')} without a "
                         "resolved or closed time: the move is recorded at the import time.")
        if self.moving:
            notes.append(f"{plural(self.moving, 'ticket')} in progress or waiting: the file "
                         "does not say since when, so the move is recorded at the import "
                         "time.")
        if plan.mapping.column_of(ImportField.CREATED) is not None:
            notes.append(f"Times without a zone are read as {options.tz}.")
        return tuple(notes)


def batched(items: Iterable[ImportedTicket], size: int) -> Iterator[list[ImportedTicket]]:
    """Lists of `size` items (the last shorter); itertools.batched arrives in Python 3.12."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch
