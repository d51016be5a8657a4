"""The closed vocabularies of a ticket.

Values are stored in the database as the enum *value* strings, so renaming a member's label
never rewrites data; changing a value needs a migration.
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import TypeVar

from desk_app.domain.errors import ValidationError

E = TypeVar("E", bound=Enum)


class Priority(StrEnum):
    """Ticket priority; P1 is the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def label(self) -> str:
        return f"{self.value} {_PRIORITY_NAMES[self]}"

    @property
    def rank(self) -> int:
        """1 for P1 … 4 for P4: sorts most urgent first."""
        return int(self.value[1])


_PRIORITY_NAMES = {
    Priority.P1: "Critical",
    Priority.P2: "High",
    Priority.P3: "Medium",
    Priority.P4: "Low",
}


class Impact(StrEnum):
    """How much of the business is affected (ITIL)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return {"high": "High (many users / whole service)", "medium": "Medium (a team)",
                "low": "Low (one user)"}[self.value]


class Urgency(StrEnum):
    """How quickly the business needs it fixed (ITIL)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return {"high": "High (work stopped)", "medium": "Medium (work degraded)",
                "low": "Low (can wait)"}[self.value]


class Status(StrEnum):
    """Where a ticket is in its workflow."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_THIRD_PARTY = "waiting_third_party"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)

    @property
    def is_waiting(self) -> bool:
        return self in (Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY)


_STATUS_LABELS = {
    Status.NEW: "New",
    Status.IN_PROGRESS: "In progress",
    Status.WAITING_CUSTOMER: "Waiting on customer",
    Status.WAITING_THIRD_PARTY: "Waiting on third party",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
}


class Channel(StrEnum):
    """How the request reached the desk."""

    PHONE = "phone"
    EMAIL = "email"
    WALK_IN = "walk_in"
    PORTAL = "portal"
    CHAT = "chat"

    @property
    def label(self) -> str:
        return {"phone": "Phone", "email": "Email", "walk_in": "Walk-in", "portal": "Portal",
                "chat": "Chat"}[self.value]


class Tier(StrEnum):
    """A customer organization's service tier; later SLA policies match on it."""

    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EventKind(StrEnum):
    """What a TicketEvent records. SLA clocks are replayed from these, so the set is closed."""

    CREATED = "created"
    FIELD_CHANGED = "field_changed"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    SLA_POLICY_CHANGED = "sla_policy_changed"
    # Written once when a ticket comes from a CSV import; changes no fact, so the clocks
    # replay from the imported creation and status times (see sla_clock._apply).
    IMPORTED = "imported"


DEFAULT_CATEGORIES: tuple[str, ...] = (
    "Technical support",
    "Troubleshooting",
    "System maintenance",
    "User training",
    "Access request",
    "Other",
)


def parse_enum(enum_type: type[E], text: str, *, field: str) -> E:
    """Read an enum from user text by value, name or label, case-insensitively.

    Raises ValidationError naming the field and the accepted values, so a command line or an
    import can tell the user exactly what to type.
    """
    wanted = text.strip().casefold()
    for member in enum_type:
        names = {member.name.casefold(), str(member.value).casefold()}
        label = getattr(member, "label", None)
        if isinstance(label, str):
            names.add(label.casefold())
            names.add(label.split(" (")[0].casefold())
            names.add(label.removeprefix(f"{member.value} ").casefold())  # "Critical"
        if wanted in names:
            return member
    accepted = ", ".join(str(m.value) for m in enum_type)
    raise ValidationError(field, f"'{text}' is not one of: {accepted}")
