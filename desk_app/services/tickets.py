"""Ticket use cases: log, edit, move through the workflow, reply, note.

Each public method is one transaction that changes the ticket and writes its TicketEvent
rows together: if either fails, neither is stored. Edits carry the version the technician
saw, so two people saving the same ticket cannot silently overwrite each other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.enums import Channel, EventKind, Impact, Priority, Status, Urgency
from desk_app.domain.errors import (
    ConcurrentEdit,
    DeskError,
    TicketNotFound,
    ValidationError,
    ValidationErrors,
)
from desk_app.domain.priority_matrix import effective_priority
from desk_app.domain.ticket import (
    TicketDraft,
    creation_snapshot,
    validate_body,
    validate_description,
    validate_draft,
    validate_title,
)
from desk_app.domain.workflow import check_transition, is_reopen
from desk_app.services.clock import Clock
from desk_app.services.directory import (
    find_category,
    find_technician,
    get_or_create_organization,
    resolve_requester,
)
from desk_app.services.sla import SlaService
from desk_app.services.views import TicketClocks, TicketDetail, TimelineEntry
from desk_app.store.db_errors import is_busy
from desk_app.store.engine import Database
from desk_app.store.models import (
    Category,
    Contact,
    MessageDraft,
    Organization,
    Technician,
    Ticket,
    TicketEvent,
)
from desk_app.store.numbering import lock_ticket_numbers, next_ticket_number

log = logging.getLogger(__name__)
FIRST_NUMBER = 1001
CREATE_ATTEMPTS = 3

_Named = TypeVar("_Named", Organization, Technician, Category)


@dataclass(frozen=True)
class TicketEdit:
    """The editable fields as the detail pane holds them; the service stores the difference."""

    title: str
    description: str
    category: str
    product: str
    impact: Impact
    urgency: Urgency
    priority_override: Priority | None
    channel: Channel
    assignee: str
    organization: str


class TicketService:
    """Every change to a ticket goes through here."""

    def __init__(self, db: Database, clock: Clock, sla: SlaService) -> None:
        self._db = db
        self._clock = clock
        self._sla = sla

    # -- reading ---------------------------------------------------------------------------

    def now(self) -> datetime:
        """The service's clock, so views show times consistent with what was stored."""
        return self._clock()

    def detail(self, ticket_id: int) -> TicketDetail:
        with self._db.session_scope() as s:
            ticket = _get(s, ticket_id)
            return _detail(s, ticket, self._clocks_of(s, ticket))

    def find_by_number(self, number: int) -> int | None:
        with self._db.session_scope() as s:
            return s.execute(select(col(Ticket.id)).where(col(Ticket.number) == number)).scalar()

    # -- writing ---------------------------------------------------------------------------

    def create(self, draft: TicketDraft, *, actor: str) -> TicketDetail:
        """Log a new ticket; returns it with its number."""
        validate_draft(draft)
        # The number is chosen under the write lock (store/numbering.py), so writers cannot
        # collide. A writer holding the lock past the busy timeout (5 s) gets two more
        # tries: at most 15 s, then the "database is locked" error goes to the caller.
        for attempt in range(CREATE_ATTEMPTS):
            try:
                with self._db.session_scope() as s:
                    lock_ticket_numbers(s)
                    return self._create(s, draft, actor=actor)
            except OperationalError as exc:
                if not is_busy(exc) or attempt == CREATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _create(self, s: Session, draft: TicketDraft, *, actor: str) -> TicketDetail:
        now = self._clock()
        errors: list[ValidationError] = []
        category = find_category(s, draft.category)
        if category is None:
            errors.append(ValidationError("Category", f"no category named '{draft.category}'"))
        assignee = None
        if draft.assignee.strip():
            assignee = find_technician(s, draft.assignee)
            if assignee is None:
                errors.append(ValidationError("Assignee",
                                              f"no technician named '{draft.assignee}'"))
            elif not assignee.active:
                errors.append(_deactivated(assignee))
        if errors:
            raise ValidationErrors(errors)
        contact, organization = resolve_requester(s, draft.requester)
        assert contact.id is not None  # resolve_requester flushes a new contact
        number = next_ticket_number(s, FIRST_NUMBER)
        priority = effective_priority(draft.impact, draft.urgency, draft.priority_override)
        ticket = Ticket(
            number=number, title=draft.title.strip(), description=draft.description,
            requester_id=contact.id, organization_id=organization.id if organization else None,
            category_id=category.id if category else None,
            product=draft.product.strip() or None, priority=priority,
            priority_overridden=draft.priority_override is not None,
            impact=draft.impact, urgency=draft.urgency, status=Status.NEW,
            channel=draft.channel, assignee_id=assignee.id if assignee else None,
            created_at=now, updated_at=now,
        )
        s.add(ticket)
        s.flush()
        assert ticket.id is not None
        snapshot = creation_snapshot(
            priority=priority, impact=draft.impact, urgency=draft.urgency,
            channel=draft.channel, category=category.name if category else None,
            organization=organization.name if organization else None,
            assignee=assignee.name if assignee else None)
        s.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind=EventKind.CREATED,
                          new_value=snapshot))
        clocks = TicketClocks(self._sla.refresh(s, ticket, actor=actor, now=now), now)
        s.flush()
        return _detail(s, ticket, clocks)

    def edit(self, ticket_id: int, change: TicketEdit, *, expected_version: int, actor: str
             ) -> TicketDetail:
        """Store the fields that differ from the ticket, one event per changed field."""
        errors = [e for e in (validate_title(change.title),
                              validate_description(change.description)) if e is not None]
        if len(change.product) > 200:
            errors.append(ValidationError("Product", "at most 200 characters"))
        if errors:
            raise ValidationErrors(errors)
        with self._db.session_scope() as s:
            now = self._clock()
            ticket = _get(s, ticket_id)
            _claim_version(s, ticket, expected_version)
            old = _field_values(s, ticket)
            category = find_category(s, change.category)
            if category is None:
                raise ValidationError("Category", f"no category named '{change.category}'")
            assignee = None
            if change.assignee.strip():
                assignee = find_technician(s, change.assignee)
                if assignee is None:
                    raise ValidationError("Assignee",
                                          f"no technician named '{change.assignee}'")
                # Keeping a deactivated assignee is fine (the ticket stays theirs until
                # someone reassigns it); choosing one is not.
                if not assignee.active and assignee.id != ticket.assignee_id:
                    raise _deactivated(assignee)
            organization = get_or_create_organization(s, change.organization)
            ticket.title = change.title.strip()
            ticket.description = change.description
            ticket.category_id = category.id
            ticket.product = change.product.strip() or None
            ticket.impact = change.impact
            ticket.urgency = change.urgency
            ticket.priority_overridden = change.priority_override is not None
            ticket.priority = effective_priority(change.impact, change.urgency,
                                                 change.priority_override)
            ticket.channel = change.channel
            ticket.assignee_id = assignee.id if assignee else None
            ticket.organization_id = organization.id if organization else None
            new = _field_values(s, ticket)
            changed = [k for k in new if new[k] != old[k]]
            for key in changed:
                kind = EventKind.ASSIGNED if key == "assignee" else EventKind.FIELD_CHANGED
                s.add(TicketEvent(ticket_id=ticket_id, at=now, actor=actor, kind=kind,
                                  field=key, old_value=old[key], new_value=new[key]))
            if changed:
                ticket.updated_at = now
                clocks = TicketClocks(self._sla.refresh(s, ticket, actor=actor, now=now), now)
            else:
                clocks = self._clocks_of(s, ticket, now)
            s.flush()
            return _detail(s, ticket, clocks)

    def change_status(self, ticket_id: int, target: Status, *, expected_version: int,
                      actor: str, resolution_note: str | None = None,
                      csat_score: int | None = None, csat_comment: str = "") -> TicketDetail:
        """Move the ticket through the workflow; illegal moves raise with the legal ones.

        On resolving, the customer's satisfaction rating (1-5) and comment may be recorded."""
        if csat_score is not None and csat_score not in range(1, 6):
            raise ValidationError("Customer rating", "a whole number from 1 to 5")
        if csat_score is not None and target is not Status.RESOLVED:
            raise ValidationError("Customer rating", "is recorded when resolving")
        with self._db.session_scope() as s:
            now = self._clock()
            ticket = _get(s, ticket_id)
            check_transition(ticket.status, target, resolution_note=resolution_note)
            _claim_version(s, ticket, expected_version)
            old = ticket.status
            ticket.status = target
            ticket.updated_at = now
            body = None
            if target is Status.RESOLVED:
                ticket.resolved_at = now
                ticket.resolution_note = (resolution_note or "").strip()
                body = ticket.resolution_note
            elif target is Status.CLOSED:
                ticket.closed_at = now
            elif is_reopen(old, target):
                ticket.resolved_at = None
                ticket.closed_at = None
            if target is Status.IN_PROGRESS and ticket.first_response_at is None:
                ticket.first_response_at = now
            s.add(TicketEvent(ticket_id=ticket_id, at=now, actor=actor,
                              kind=EventKind.STATUS_CHANGED, field="status",
                              old_value=old.value, new_value=target.value, body=body))
            if csat_score is not None:
                old_score = ticket.csat_score
                ticket.csat_score = csat_score
                ticket.csat_comment = csat_comment.strip() or None
                s.add(TicketEvent(ticket_id=ticket_id, at=now, actor=actor,
                                  kind=EventKind.FIELD_CHANGED, field="csat_score",
                                  old_value=None if old_score is None else str(old_score),
                                  new_value=str(csat_score), body=ticket.csat_comment))
            clocks = TicketClocks(self._sla.refresh(s, ticket, actor=actor, now=now), now)
            s.flush()
            return _detail(s, ticket, clocks)

    def add_reply(self, ticket_id: int, body: str, *, actor: str) -> TicketDetail:
        """A public reply to the requester; the first one is the first response."""
        return self._add_message(ticket_id, body, actor=actor, public=True)

    def add_note(self, ticket_id: int, body: str, *, actor: str) -> TicketDetail:
        """An internal note, never shown to the requester."""
        return self._add_message(ticket_id, body, actor=actor, public=False)

    def _add_message(self, ticket_id: int, body: str, *, actor: str, public: bool
                     ) -> TicketDetail:
        text = validate_body(body, field="Reply" if public else "Note")
        with self._db.session_scope() as s:
            now = self._clock()
            ticket = _get(s, ticket_id)
            if public and ticket.first_response_at is None:
                ticket.first_response_at = now
            ticket.updated_at = now
            s.add(TicketEvent(ticket_id=ticket_id, at=now, actor=actor, body=text,
                              kind=EventKind.PUBLIC_REPLY if public
                              else EventKind.INTERNAL_NOTE))
            clocks = TicketClocks(self._sla.refresh(s, ticket, actor=actor, now=now), now) \
                if public else None
            # The sent text's draft goes in the same transaction: it can never come back
            # to be sent twice, nor vanish without the message being stored.
            s.execute(delete(MessageDraft).where(col(MessageDraft.ticket_id) == ticket_id,
                                                 col(MessageDraft.author) == actor))
            s.flush()
            return _detail(s, ticket, clocks if clocks is not None
                           else self._clocks_of(s, ticket, now))

    def _clocks_of(self, s: Session, ticket: Ticket, now: datetime | None = None
                   ) -> TicketClocks:
        """The ticket's clocks for a use case that does not recompute them. A history that
        cannot be replayed must not stop the ticket from opening (nor a note or an
        unchanged save from being stored): the clocks carry the reason instead."""
        now = now or self._clock()
        try:
            return TicketClocks(self._sla.replay_in(s, ticket, now=now), now)
        except (DeskError, ValueError) as exc:
            log.exception("SLA replay failed for ticket %s", ticket.id)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return TicketClocks(None, now, error=reason)


def _deactivated(tech: Technician) -> ValidationError:
    return ValidationError("Assignee", f"{tech.name} is deactivated and cannot be given "
                                       "tickets; reactivate them (Team → Technicians) or "
                                       "choose someone else")


def _get(s: Session, ticket_id: int) -> Ticket:
    ticket = s.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFound(f"Ticket {ticket_id} no longer exists; it may have been deleted.")
    return ticket


def _claim_version(s: Session, ticket: Ticket, expected_version: int) -> None:
    """Bump the version only if nobody else did since the technician loaded the ticket."""
    # Session.execute is typed for any statement; an UPDATE's result is a CursorResult
    result = cast("CursorResult[Any]", s.execute(
        update(Ticket).where(col(Ticket.id) == ticket.id,
                             col(Ticket.version) == expected_version)
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False)
    ))
    if result.rowcount != 1:
        raise ConcurrentEdit(
            "Someone else changed this ticket after you opened it. Your text is kept: "
            "reload the ticket to see their change, then save again.")
    s.refresh(ticket, attribute_names=["version"])


def _name_of(s: Session, model: type[_Named], id_: int | None) -> str | None:
    if id_ is None:
        return None
    obj = s.get(model, id_)
    return obj.name if obj is not None else None


def _field_values(s: Session, t: Ticket) -> dict[str, str | None]:
    """The audited fields as text, to diff before and after an edit."""
    return {
        "title": t.title,
        "description": t.description,
        "category": _name_of(s, Category, t.category_id),
        "product": t.product,
        "impact": t.impact.value,
        "urgency": t.urgency.value,
        "priority": t.priority.value,
        "priority_overridden": "yes" if t.priority_overridden else "no",
        "channel": t.channel.value,
        "assignee": _name_of(s, Technician, t.assignee_id),
        "organization": _name_of(s, Organization, t.organization_id),
    }


def _timeline(s: Session, ticket_id: int) -> tuple[TimelineEntry, ...]:
    events = s.execute(select(TicketEvent).where(col(TicketEvent.ticket_id) == ticket_id)
                       .order_by(col(TicketEvent.at), col(TicketEvent.id))).scalars()
    return tuple(TimelineEntry(id=e.id or 0, at=e.at, actor=e.actor, kind=e.kind, field=e.field,
                               old_value=e.old_value, new_value=e.new_value, body=e.body)
                 for e in events)


def _detail(s: Session, t: Ticket, clocks: TicketClocks) -> TicketDetail:
    assert t.id is not None
    contact = s.get(Contact, t.requester_id)
    org = s.get(Organization, t.organization_id) if t.organization_id else None
    assignee = s.get(Technician, t.assignee_id) if t.assignee_id else None
    return TicketDetail(
        id=t.id, number=t.number, title=t.title, description=t.description,
        requester=contact.name if contact else "", requester_email=(contact.email or "")
        if contact else "", requester_phone=(contact.phone or "") if contact else "",
        organization=org.name if org else "", organization_tier=org.tier if org else None,
        category=_name_of(s, Category, t.category_id) or "", product=t.product or "",
        priority=t.priority, priority_overridden=t.priority_overridden, impact=t.impact,
        urgency=t.urgency, status=t.status, channel=t.channel,
        assignee=assignee.name if assignee else "",
        assignee_active=assignee.active if assignee else True,
        created_at=t.created_at, updated_at=t.updated_at,
        first_response_at=t.first_response_at, resolved_at=t.resolved_at,
        closed_at=t.closed_at, resolution_note=t.resolution_note or "", version=t.version,
        csat_score=t.csat_score, csat_comment=t.csat_comment or "",
        clocks=clocks, timeline=_timeline(s, t.id),
    )
