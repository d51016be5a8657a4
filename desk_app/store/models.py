"""The tables. Schema changes go through an Alembic migration in store/migrations/versions.

Foreign keys say what happens on delete on purpose: events go with their ticket; a deleted
technician or organization leaves tickets unassigned rather than deleting them; a contact
with tickets cannot be deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, false, text, true
from sqlmodel import Field, SQLModel

from desk_app.domain.enums import Channel, EventKind, Impact, Priority, Status, Tier, Urgency
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockState
from desk_app.store.types import EnumText, UTCDateTime


class Organization(SQLModel, table=True):
    """A customer organization; its tier drives SLA policy matching later."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    tier: Tier = Field(default=Tier.STANDARD,
                       sa_column=Column(EnumText(Tier, 16), nullable=False))


class ContractRow(SQLModel, table=True):
    """An organization's service contract (fee, credit schedule); at most one each, and it
    goes with its organization. Money and percentages are decimal text so no float ever
    rounds them; see domain/credits.py and services/credits.py for the formats."""

    __tablename__ = "contract"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                         nullable=False, unique=True))
    monthly_fee: str = Field(max_length=32)
    currency: str = Field(max_length=3)
    counted_targets: str = Field(default="first_response,resolution", max_length=64)
    schedule_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    cap_pct: str | None = Field(default=None, max_length=32)
    p1_breach_credit: str | None = Field(default=None, max_length=32)
    active: bool = Field(default=True)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


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
    # Told when a resolution target breaches, whatever their alert scope (escalation).
    supervisor: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


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
    # SLA clock results, recomputed in the same transaction as every change (see
    # services/sla.py) so lists sort by "due" and workers ask SQL what changes next.
    sla_policy: str | None = Field(default=None, max_length=100)
    sla_computed_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    sla_next_change_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    sla_urgent_due_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    response_state: ClockState | None = Field(
        default=None, sa_column=Column(EnumText(ClockState, 20), nullable=True))
    response_target_s: int | None = Field(default=None)
    response_used_s: float | None = Field(default=None)
    response_due_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    response_breached: bool = Field(default=False)
    resolution_state: ClockState | None = Field(
        default=None, sa_column=Column(EnumText(ClockState, 20), nullable=True))
    resolution_target_s: int | None = Field(default=None)
    resolution_used_s: float | None = Field(default=None)
    resolution_due_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    resolution_breached: bool = Field(default=False)
    sla_risk: Risk | None = Field(
        default=None, sa_column=Column(EnumText(Risk, 16), nullable=True, index=True))
    response_risk: Risk | None = Field(
        default=None, sa_column=Column(EnumText(Risk, 16), nullable=True))
    resolution_risk: Risk | None = Field(
        default=None, sa_column=Column(EnumText(Risk, 16), nullable=True))


class TicketEvent(SQLModel, table=True):
    """One change to a ticket. The timeline and the SLA clocks are replayed from these,
    in (`at`, `id`) order, so every change writes one in the same transaction."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        Index("ix_ticket_event_ticket_at", "ticket_id", "at", "id"),
        # Covering indexes for period reports (migration 0005, store/report_queries.py).
        Index("ix_ticket_event_status_changes", "ticket_id", "at", "id", "old_value",
              "new_value", sqlite_where=text("kind = 'status_changed'"),
              postgresql_where=text("kind = 'status_changed'")),
        Index("ix_ticket_event_replies_and_assignments", "ticket_id", "kind", "old_value",
              "new_value", sqlite_where=text("kind IN ('public_reply', 'assigned')"),
              postgresql_where=text("kind IN ('public_reply', 'assigned')")),
    )

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


class SlaCalendarRow(SQLModel, table=True):
    """A stored business calendar; weekly schedule and holidays as JSON (see
    services/sla_config.py for the format)."""

    __tablename__ = "sla_calendar"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    tz: str = Field(max_length=64)
    weekly_json: str = Field(sa_column=Column(Text, nullable=False))
    holidays_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    country: str | None = Field(default=None, max_length=8)
    subdivision: str | None = Field(default=None, max_length=16)


class SlaPolicyRow(SQLModel, table=True):
    """A stored SLA policy; `position` is its place in the first-match order."""

    __tablename__ = "sla_policy"

    id: int | None = Field(default=None, primary_key=True)
    position: int = Field(default=0)
    name: str = Field(max_length=100, unique=True)
    calendar_id: int = Field(
        sa_column=Column(Integer, ForeignKey("sla_calendar.id", ondelete="RESTRICT"),
                         nullable=False))
    first_response_s: int
    resolution_s: int
    conditions_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    thresholds_json: str = Field(default="[0.5, 0.75, 0.9]",
                                 sa_column=Column(Text, nullable=False))
    pause_statuses_json: str = Field(default='["waiting_customer", "waiting_third_party"]',
                                     sa_column=Column(Text, nullable=False))
    goal_first_response: float = Field(default=0.9)
    goal_resolution: float = Field(default=0.9)


class SlaNotification(SQLModel, table=True):
    """What the monitor has told one technician, so a restart never repeats a notification
    and one technician's window never uses up another's (issue 12).

    `episode` counts how often the clock came back to running after a pause or a stop (from
    the history): a ticket that crosses a level again after a pause is told again.
    `escalation` marks a resolution breach told to a supervisor (worded as an escalation).
    `listed` is False for the memory migration 0009 carried over to every technician: it
    keeps them from being told again of a crossing made before the upgrade, without putting
    another technician's old alert in their Alerts list.
    """

    __tablename__ = "sla_notification"
    __table_args__ = (Index("ux_sla_notification_key", "ticket_id", "clock", "level",
                            "episode", "technician_id", unique=True),
                      # The Alerts list: a technician's newest entries.
                      Index("ix_sla_notification_technician", "technician_id", "id"))

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False))
    technician_id: int = Field(
        sa_column=Column(Integer, ForeignKey("technician.id", ondelete="CASCADE",
                                             name="fk_sla_notification_technician_id"),
                         nullable=False))
    clock: str = Field(max_length=20)
    level: str = Field(max_length=16)
    episode: int = Field(default=0)
    notified_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    escalation: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    listed: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class MessageDraft(SQLModel, table=True):
    """A reply or internal note a technician has started but not sent (one per ticket and
    author). Kept in the database, not in the window, so a crash or a restart keeps it; it
    goes when it is sent (in the same transaction as the message) or discarded, and with its
    ticket. Not a change to the ticket, so it writes no audit event."""

    __tablename__ = "message_draft"
    __table_args__ = (Index("ux_message_draft_ticket_author", "ticket_id", "author",
                            unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False))
    author: str = Field(max_length=200)
    kind: str = Field(max_length=8)  # "reply" or "note"
    body: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class DeskChange(SQLModel, table=True):
    """One change to a ticket, written by database triggers (migration 0010) in the
    writing transaction, so every writer is covered: the services, the import, the seed,
    an older or newer Desk App, plain SQL. Other windows on the desk ask "which tickets
    changed after seq N" (store/change_log.py) to repaint just those rows; on PostgreSQL
    the trigger also NOTIFYs them at COMMIT. Pruned to the newest rows by the windows;
    never read for history (the ticket_event audit trail is the history).

    No foreign key on `ticket_id`: a deleted ticket's change row must stay to be seen."""

    __tablename__ = "desk_change"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(nullable=False)
