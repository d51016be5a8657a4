"""The tables. Schema changes go through an Alembic migration in store/migrations/versions.

Foreign keys say what happens on delete on purpose: events go with their ticket; a deleted
technician or organization leaves tickets unassigned rather than deleting them; a contact
with tickets cannot be deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from desk_app.domain.enums import Channel, EventKind, Impact, Priority, Status, Tier, Urgency
from desk_app.store.types import EnumText, UTCDateTime


class Organization(SQLModel, table=True):
    """A customer organization; its tier drives SLA policy matching later."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    tier: Tier = Field(default=Tier.STANDARD,
                       sa_column=Column(EnumText(Tier, 16), nullable=False))


class Contact(SQLModel, table=True):
    """A person who asks for help."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    email: str | None = Field(default=None, max_length=254, index=True)
    phone: str | None = Field(default=None, max_length=40)
    organization_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("organization.id", ondelete="SET NULL"),
                         nullable=True, index=True),
    )


class Technician(SQLModel, table=True):
    """Someone who works tickets; `name` is what the audit trail records as "who"."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    email: str | None = Field(default=None, max_length=254)
    active: bool = Field(default=True)


class Category(SQLModel, table=True):
    """A service type; the list is editable in Settings, `position` keeps its order."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    position: int = Field(default=0)


class Ticket(SQLModel, table=True):
    """A request for help. Instants are UTC; `version` guards against lost updates."""

    __table_args__ = (
        Index("ix_ticket_status_updated", "status", "updated_at"),
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    title: str = Field(max_length=200, index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    requester_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="RESTRICT"),
                         nullable=False, index=True),
    )
    organization_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("organization.id", ondelete="SET NULL"),
                         nullable=True, index=True),
    )
    category_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("category.id", ondelete="SET NULL"),
                         nullable=True, index=True),
    )
    product: str | None = Field(default=None, max_length=200)
    priority: Priority = Field(sa_column=Column(EnumText(Priority, 2), nullable=False,
                                                index=True))
    priority_overridden: bool = Field(default=False)
    impact: Impact = Field(sa_column=Column(EnumText(Impact, 8), nullable=False))
    urgency: Urgency = Field(sa_column=Column(EnumText(Urgency, 8), nullable=False))
    status: Status = Field(sa_column=Column(EnumText(Status, 24), nullable=False, index=True))
    channel: Channel = Field(sa_column=Column(EnumText(Channel, 16), nullable=False))
    assignee_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("technician.id", ondelete="SET NULL"),
                         nullable=True),
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    first_response_at: datetime | None = Field(default=None,
                                               sa_column=Column(UTCDateTime(), nullable=True))
    resolved_at: datetime | None = Field(default=None,
                                         sa_column=Column(UTCDateTime(), nullable=True))
    closed_at: datetime | None = Field(default=None,
                                       sa_column=Column(UTCDateTime(), nullable=True))
    resolution_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1)
    csat_score: int | None = Field(default=None, ge=1, le=5)
    csat_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class TicketEvent(SQLModel, table=True):
    """One change to a ticket. The timeline and the SLA clocks are replayed from these,
    in (`at`, `id`) order, so every change writes one in the same transaction."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket_at", "ticket_id", "at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False),
    )
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=200)
    kind: EventKind = Field(sa_column=Column(EnumText(EventKind, 24), nullable=False))
    field: str | None = Field(default=None, max_length=40)
    old_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
