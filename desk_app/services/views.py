"""Plain, frozen views of tickets handed to the window and the command line.

Nothing ORM-shaped leaves a service: these can cross threads and outlive the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk_app.domain.enums import Channel, EventKind, Impact, Priority, Status, Tier, Urgency
from desk_app.domain.sla_clock import SlaReplay
from desk_app.domain.ticket import format_number


@dataclass(frozen=True)
class TimelineEntry:
    """One event in a ticket's history."""

    id: int
    at: datetime
    actor: str
    kind: EventKind
    field: str | None
    old_value: str | None
    new_value: str | None
    body: str | None


@dataclass(frozen=True)
class TicketClocks:
    """A ticket's SLA clocks as the service that last wrote or read the ticket replayed
    them, and the instant they were replayed for. They travel with the ticket (in its
    detail, in a monitor tick's row updates) so the window renders them and never replays:
    one replay per change, off the GUI's own work.

    `replay` is None when the history could not be replayed; `error` then says why, and
    the ticket itself still opens."""

    replay: SlaReplay | None
    at: datetime
    error: str = ""


@dataclass(frozen=True)
class TicketDetail:
    """Everything the detail pane shows about one ticket."""

    id: int
    number: int
    title: str
    description: str
    requester: str
    requester_email: str
    requester_phone: str
    organization: str
    organization_tier: Tier | None
    category: str
    product: str
    priority: Priority
    priority_overridden: bool
    impact: Impact
    urgency: Urgency
    status: Status
    channel: Channel
    assignee: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_note: str
    version: int
    csat_score: int | None
    csat_comment: str
    clocks: TicketClocks
    timeline: tuple[TimelineEntry, ...] = ()
    # False when the assignee has been deactivated: the pane shows "(inactive)" and keeps
    # them, but no longer offers them to anyone else.
    assignee_active: bool = True

    @property
    def display_number(self) -> str:
        return format_number(self.number)
