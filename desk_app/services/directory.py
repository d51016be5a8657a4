"""People, organizations and categories: the lookups behind the ticket forms.

Names are matched case-insensitively and trimmed, so "acme corp" and "ACME Corp " are the
same organization and nobody creates duplicates by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.enums import DEFAULT_CATEGORIES, Tier
from desk_app.domain.errors import ValidationError
from desk_app.domain.ticket import RequesterInput, validate_requester
from desk_app.store.engine import Database
from desk_app.store.models import Category, Contact, Organization, Technician, Ticket


@dataclass(frozen=True)
class ContactChoice:
    """A contact as the requester auto-complete offers it."""

    id: int
    name: str
    email: str
    phone: str
    organization: str

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


def find_category(s: Session, name: str) -> Category | None:
    return s.execute(select(Category).where(
        func.lower(Category.name) == name.strip().lower())).scalar()


def find_technician(s: Session, name: str) -> Technician | None:
    return s.execute(select(Technician).where(
        func.lower(Technician.name) == name.strip().lower())).scalar()


def get_or_create_organization(s: Session, name: str) -> Organization | None:
    """The organization with this name, created (Standard tier) if new; None for blank."""
    cleaned = " ".join(name.split())
    if not cleaned:
        return None
    org = s.execute(select(Organization).where(
        func.lower(Organization.name) == cleaned.lower())).scalar()
    if org is None:
        org = Organization(name=cleaned, tier=Tier.STANDARD)
        s.add(org)
        s.flush()
    return org


def resolve_requester(s: Session, requester: RequesterInput
                      ) -> tuple[Contact, Organization | None]:
    """The contact for this requester (by email, else by name), created on the fly.

    A known contact keeps its stored details; blanks typed in the form never erase them,
    and a phone or organization the contact lacked is filled in.
    """
    errors = validate_requester(requester)
    if errors:
        raise errors[0]
    name = " ".join(requester.name.split())
    email = requester.email.strip().lower() or None
    contact = None
    if email:
        contact = s.execute(select(Contact).where(func.lower(Contact.email) == email)
                            .order_by(col(Contact.id))).scalar()
    if contact is None:
        candidates = s.execute(select(Contact).where(func.lower(Contact.name) == name.lower())
                               .order_by(col(Contact.id))).scalars().all()
        # Same name but a different email is a different person.
        contact = next((c for c in candidates if not email or not c.email), None)
    organization = get_or_create_organization(s, requester.organization)
    if contact is None:
        contact = Contact(name=name, email=email, phone=requester.phone.strip() or None,
                          organization_id=organization.id if organization else None)
        s.add(contact)
        s.flush()
    else:
        if email and not contact.email:
            contact.email = email
        if requester.phone.strip() and not contact.phone:
            contact.phone = requester.phone.strip()
        if organization is not None and contact.organization_id is None:
            contact.organization_id = organization.id
    if organization is None and contact.organization_id is not None:
        organization = s.get(Organization, contact.organization_id)
    return contact, organization


class DirectoryService:
    """Reads and maintains technicians, contacts, organizations and categories."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def ensure_defaults(self) -> None:
        """A new database gets the standard categories so the first ticket can be logged."""
        with self._db.session_scope() as s:
            if s.execute(select(func.count()).select_from(Category)).scalar():
                return
            for position, name in enumerate(DEFAULT_CATEGORIES):
                s.add(Category(name=name, position=position))

    def ensure_technician(self, name: str, *, refuse_inactive: bool = False) -> int:
        """The id of the technician with this name, created if new (e.g. the OS user).

        A deactivated technician is found as they are (the window still opens for them);
        `refuse_inactive` (Settings choosing a new identity) refuses one instead."""
        cleaned = " ".join(name.split())
        if not cleaned:
            raise ValidationError("Technician", "a name is required")
        with self._db.session_scope() as s:
            tech = find_technician(s, cleaned)
            if tech is not None and not tech.active and refuse_inactive:
                raise ValidationError("Technician", f"{tech.name} is deactivated; "
                                      "reactivate them first (Team → Technicians)")
            if tech is None:
                tech = Technician(name=cleaned)
                s.add(tech)
                s.flush()
            assert tech.id is not None
            return tech.id

    def technician_id(self, name: str) -> int | None:
        with self._db.session_scope() as s:
            tech = find_technician(s, name)
            return tech.id if tech else None

    def technicians(self) -> list[str]:
        with self._db.session_scope() as s:
            return list(s.execute(select(col(Technician.name)).where(col(Technician.active))
                                  .order_by(func.lower(Technician.name))).scalars())

    def categories(self) -> list[str]:
        with self._db.session_scope() as s:
            return list(s.execute(select(col(Category.name))
                                  .order_by(col(Category.position), col(Category.id))).scalars())

    def set_categories(self, names: list[str]) -> None:
        """Replace the category list, keeping rows whose names stay (tickets keep theirs).

        A category still used by tickets cannot be removed: the message says how many use it.
        """
        cleaned: list[str] = []
        for n in names:
            n = " ".join(n.split())
            if n and n.lower() not in {c.lower() for c in cleaned}:
                cleaned.append(n)
        if not cleaned:
            raise ValidationError("Categories", "keep at least one category")
        with self._db.session_scope() as s:
            existing = {c.name.lower(): c for c in s.execute(select(Category)).scalars()}
            wanted = {n.lower() for n in cleaned}
            for key, cat in existing.items():
                if key not in wanted:
                    used = s.execute(select(func.count()).select_from(Ticket)
                                     .where(col(Ticket.category_id) == cat.id)).scalar()
                    if used:
                        raise ValidationError(
                            "Categories", f"'{cat.name}' is used by {used} tickets; "
                            "rename it instead of removing it")
                    s.delete(cat)
            for position, name in enumerate(cleaned):
                kept = existing.get(name.lower())
                if kept is None:
                    s.add(Category(name=name, position=position))
                else:
                    kept.name = name
                    kept.position = position

    def organizations(self) -> list[str]:
        with self._db.session_scope() as s:
            return list(s.execute(select(col(Organization.name))
                                  .order_by(func.lower(Organization.name))).scalars())

    def contacts(self, limit: int = 20_000) -> list[ContactChoice]:
        """Contacts for the requester auto-complete, most recently added first."""
        # The primary key is NOT NULL in the table, whatever the model's `int | None` says.
        contact_id = cast("ColumnElement[int]", col(Contact.id))
        with self._db.session_scope() as s:
            rows = s.execute(
                select(contact_id, col(Contact.name), col(Contact.email),
                       col(Contact.phone), col(Organization.name))
                .outerjoin(Organization, col(Organization.id) == Contact.organization_id)
                .order_by(col(Contact.id).desc()).limit(limit)
            )
            return [ContactChoice(id=r[0], name=r[1], email=r[2] or "", phone=r[3] or "",
                                  organization=r[4] or "") for r in rows]
