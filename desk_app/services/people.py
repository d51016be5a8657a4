"""The technicians list: add, rename, deactivate and reactivate, mark supervisors.

What "history keeps the name" means here: the audit trail stores who did what as text
(`TicketEvent.actor`, and the names in an assignment's old and new values), written once
and never rewritten, so a past event keeps the name it was written with. What a ticket
holds *now* is the technician's id, so its current assignee shows the new name, and so do
the lists, "My tickets" and the reports grouped by technician. A technician's unsent
drafts are filed under their name (`MessageDraft.author`) and move with a rename, in the
same transaction, so nothing they had typed is lost.

Deactivating keeps the row (tickets and history still point at it): a deactivated
technician is no longer offered for assignment (`DirectoryService.technicians`, which
every assignment control lists) and the ticket service refuses to assign one; tickets
already assigned keep them, shown as "(inactive)". Reactivating undoes it.

Supervisors: zero or more, active or not. Escalation tells the *active* supervisors
(`active_supervisors`); with none, a breach reaches only the usual alert scope, and the
technicians page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.errors import ValidationError, ValidationErrors
from desk_app.domain.ticket import NAME_MAX, nul_error, validate_email
from desk_app.services.sla import OPEN_STATUSES
from desk_app.store.engine import Database
from desk_app.store.models import MessageDraft, Technician, Ticket

F_NAME = "Name"
F_EMAIL = "Email"


@dataclass(frozen=True)
class TechnicianRow:
    """One technician as the page lists them, with how many open tickets they hold."""

    id: int
    name: str
    email: str
    active: bool
    supervisor: bool
    open_tickets: int


@dataclass(frozen=True)
class TechnicianInput:
    """The page's form as typed; `id` None adds a technician."""

    id: int | None
    name: str
    email: str = ""
    active: bool = True
    supervisor: bool = False


@dataclass(frozen=True)
class TechnicianSaved:
    """What a save did: the stored row, the old name when it was a rename, and, for a
    deactivation, how many open tickets stay assigned to the technician."""

    row: TechnicianRow
    renamed_from: str | None = None
    deactivated: bool = False
    reactivated: bool = False

    @property
    def summary(self) -> str:
        r = self.row
        parts = [f"Saved {r.name}"]
        if self.renamed_from:
            parts = [f"Renamed {self.renamed_from} to {r.name}; past history keeps "
                     f"“{self.renamed_from}”"]
        if self.deactivated:
            held = (f"; {r.open_tickets} open ticket{'s' if r.open_tickets != 1 else ''} "
                    "still assigned to them: reassign them") if r.open_tickets else ""
            parts.append(f"deactivated: no longer offered for assignment{held}")
        if self.reactivated:
            parts.append("active again")
        return "; ".join(parts) + "."


def clean_name(text: str) -> str:
    return " ".join(text.split())


def _pk() -> ColumnElement[int]:
    """Technician.id as NOT NULL (it is, in the table; the model says `int | None`)."""
    return cast("ColumnElement[int]", col(Technician.id))


class TechnicianService:
    """Maintains the technicians; one transaction per save."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def technicians(self) -> list[TechnicianRow]:
        """Everyone, active first, then by name."""
        with self._db.session_scope() as s:
            return _rows(s)

    def active_supervisors(self) -> list[str]:
        """The names escalation tells (none: nobody beyond the usual alert scope)."""
        with self._db.session_scope() as s:
            return list(s.execute(
                select(col(Technician.name)).where(col(Technician.active),
                                                   col(Technician.supervisor))
                .order_by(func.lower(Technician.name))).scalars())

    def save(self, form: TechnicianInput) -> TechnicianSaved:
        """Add (id None) or update one technician. Every problem is raised at once, each
        naming its field (ValidationErrors); nothing is stored then."""
        name = clean_name(form.name)
        email = form.email.strip()
        errors = _check(name, email)
        with self._db.session_scope() as s:
            tech = None
            if form.id is not None:
                tech = s.get(Technician, form.id)
                if tech is None:
                    raise ValidationError(F_NAME, "this technician no longer exists; "
                                                  "close and reopen the list")
            if name and not any(e.field == F_NAME for e in errors):
                clash = s.execute(select(Technician).where(
                    func.lower(Technician.name) == name.lower(),
                    _pk() != (form.id if form.id is not None else -1))).scalar()
                if clash is not None:
                    state = "" if clash.active else " (deactivated: reactivate them instead)"
                    errors.append(ValidationError(
                        F_NAME, f"“{clash.name}” is already a technician{state}; "
                                "names must be unique, so the history says who did what"))
            if errors:
                raise ValidationErrors(errors)
            if tech is None:
                tech = Technician(name=name, email=email or None, active=form.active,
                                  supervisor=form.supervisor)
                s.add(tech)
                s.flush()
                assert tech.id is not None
                return TechnicianSaved(_rows(s, tech.id)[0])
            old_name = tech.name
            was_active = tech.active
            if name != old_name:
                # Drafts are filed under the author's name: they follow the rename.
                s.execute(update(MessageDraft).where(col(MessageDraft.author) == old_name)
                          .values(author=name))
            tech.name = name
            tech.email = email or None
            tech.active = form.active
            tech.supervisor = form.supervisor
            s.flush()
            assert tech.id is not None
            return TechnicianSaved(_rows(s, tech.id)[0],
                                   renamed_from=old_name if name != old_name else None,
                                   deactivated=was_active and not form.active,
                                   reactivated=not was_active and form.active)


def _check(name: str, email: str) -> list[ValidationError]:
    errors: list[ValidationError] = []
    if (nul := nul_error(name, field=F_NAME)) is not None:
        errors.append(nul)
    elif not name:
        errors.append(ValidationError(F_NAME, "required: the name the history records"))
    elif len(name) > NAME_MAX:
        errors.append(ValidationError(F_NAME, f"at most {NAME_MAX} characters "
                                              f"(this one has {len(name)})"))
    if (bad := validate_email(email, field=F_EMAIL)) is not None:
        errors.append(bad)
    elif len(email) > 254:
        errors.append(ValidationError(F_EMAIL, "at most 254 characters"))
    return errors


def _rows(s: Session, only: int | None = None) -> list[TechnicianRow]:
    held = (select(col(Ticket.assignee_id), func.count().label("n"))
            .where(col(Ticket.status).in_(OPEN_STATUSES), col(Ticket.assignee_id).is_not(None))
            .group_by(col(Ticket.assignee_id)).subquery())
    stmt: Any = (select(_pk(), col(Technician.name), col(Technician.email),
                        col(Technician.active), col(Technician.supervisor), held.c.n)
                 .outerjoin(held, held.c.assignee_id == _pk())
                 .order_by(col(Technician.active).desc(), func.lower(Technician.name)))
    if only is not None:
        stmt = stmt.where(_pk() == only)
    return [TechnicianRow(id=r[0], name=r[1], email=r[2] or "", active=bool(r[3]),
                          supervisor=bool(r[4]), open_tickets=int(r[5] or 0))
            for r in s.execute(stmt)]
