"""SLA policies: which targets apply to a ticket, on which calendar, with which goals.

Policies form an ordered list; the first whose conditions all match a ticket applies. An
empty condition matches anything. Durations are business seconds on the policy's calendar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time

from desk_app.domain.calendar import BusinessCalendar
from desk_app.domain.enums import Priority, Status, Tier
from desk_app.domain.errors import ValidationError

DEFAULT_THRESHOLDS = (0.5, 0.75, 0.9)
DEFAULT_PAUSE_STATUSES = frozenset({Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY})
ALWAYS_CALENDAR = "24x7"
OFFICE_CALENDAR = "Office hours"
HOUR = 3600
BUSINESS_DAY = 8 * HOUR


@dataclass(frozen=True)
class TicketFacts:
    """What policy matching looks at, as of one moment in the ticket's history."""

    priority: Priority
    category: str | None = None
    organization: str | None = None
    tier: Tier | None = None
    product: str | None = None


@dataclass(frozen=True)
class PolicyConditions:
    """All optional; each non-empty set must contain the ticket's value (case-insensitive
    for names)."""

    priorities: frozenset[Priority] = frozenset()
    categories: frozenset[str] = frozenset()
    tiers: frozenset[Tier] = frozenset()
    organizations: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()

    def matches(self, facts: TicketFacts) -> bool:
        def named(wanted: frozenset[str], value: str | None) -> bool:
            return not wanted or (value or "").strip().lower() in {w.lower() for w in wanted}

        return ((not self.priorities or facts.priority in self.priorities)
                and (not self.tiers or facts.tier in self.tiers)
                and named(self.categories, facts.category)
                and named(self.organizations, facts.organization)
                and named(self.products, facts.product))

    def describe(self) -> str:
        parts = []
        if self.priorities:
            parts.append("/".join(sorted(p.value for p in self.priorities)))
        for label, values in (("category", self.categories), ("org", self.organizations),
                              ("product", self.products)):
            if values:
                parts.append(f"{label} {', '.join(sorted(values))}")
        if self.tiers:
            parts.append(f"tier {', '.join(sorted(t.label for t in self.tiers))}")
        return "; ".join(parts) or "any ticket"


@dataclass(frozen=True)
class SlaPolicy:
    """Targets for one kind of ticket. `thresholds` are fractions of a target used at
    which a warning level starts; goals are the share of tickets that should meet each
    target (for reports)."""

    name: str
    calendar: str
    first_response_s: int
    resolution_s: int
    conditions: PolicyConditions = field(default_factory=PolicyConditions)
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    pause_statuses: frozenset[Status] = DEFAULT_PAUSE_STATUSES
    goal_first_response: float = 0.9
    goal_resolution: float = 0.9

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("Policy name", "required")
        if self.first_response_s <= 0 or self.resolution_s <= 0:
            raise ValidationError(f"Policy '{self.name}'", "targets must be longer than zero")
        if list(self.thresholds) != sorted(set(self.thresholds)) or \
                any(not 0 < t < 1 for t in self.thresholds):
            raise ValidationError(f"Policy '{self.name}'",
                                  "warning thresholds must rise strictly between 0 % and 100 %")
        for goal in (self.goal_first_response, self.goal_resolution):
            if not 0 <= goal <= 1:
                raise ValidationError(f"Policy '{self.name}'", "goals are between 0 and 100 %")
        if not self.pause_statuses <= {s for s in Status if s.is_open}:
            raise ValidationError(f"Policy '{self.name}'", "only open statuses can pause")

    def target(self, kind: str) -> int:
        return self.first_response_s if kind == "first_response" else self.resolution_s


@dataclass(frozen=True)
class SlaSetup:
    """Everything the clocks need: the calendars by name and the ordered policies."""

    calendars: Mapping[str, BusinessCalendar]
    policies: Sequence[SlaPolicy]

    def __post_init__(self) -> None:
        for policy in self.policies:
            if policy.calendar not in self.calendars:
                raise ValidationError(f"Policy '{policy.name}'",
                                      f"unknown calendar '{policy.calendar}'")
        names = [p.name.lower() for p in self.policies]
        if len(names) != len(set(names)):
            raise ValidationError("Policies", "two policies have the same name")

    def policy_for(self, facts: TicketFacts) -> SlaPolicy | None:
        """The first policy whose conditions match, or None (no SLA for this ticket).

        Memoised per facts: a sweep asks this for every segment of every ticket, and the
        same few combinations of priority, category and organization recur."""
        cache: dict[TicketFacts, SlaPolicy | None] = self.__dict__.setdefault("_memo", {})
        if facts not in cache:
            cache[facts] = next((p for p in self.policies if p.conditions.matches(facts)),
                                None)
        return cache[facts]

    def calendar_of(self, policy: SlaPolicy) -> BusinessCalendar:
        return self.calendars[policy.calendar]


def default_setup(user_tz: str) -> SlaSetup:
    """Sensible defaults for a small IT team: P1 around the clock, the rest office hours
    (Mon-Fri 09:00-17:00 in the user's time zone)."""
    calendars = {
        ALWAYS_CALENDAR: BusinessCalendar.always(tz=user_tz, name=ALWAYS_CALENDAR),
        OFFICE_CALENDAR: BusinessCalendar.office_hours(user_tz, start=time(9), end=time(17),
                                                       name=OFFICE_CALENDAR),
    }

    def for_priority(p: Priority, cal: str, response: int, resolution: int, goal: float
                     ) -> SlaPolicy:
        return SlaPolicy(name=f"{p.label}", calendar=cal, first_response_s=response,
                         resolution_s=resolution, goal_first_response=goal,
                         goal_resolution=goal,
                         conditions=PolicyConditions(priorities=frozenset({p})))

    policies = [
        for_priority(Priority.P1, ALWAYS_CALENDAR, 30 * 60, 4 * HOUR, 1.0),
        for_priority(Priority.P2, OFFICE_CALENDAR, HOUR, 8 * HOUR, 0.95),
        for_priority(Priority.P3, OFFICE_CALENDAR, 4 * HOUR, 3 * BUSINESS_DAY, 0.9),
        for_priority(Priority.P4, OFFICE_CALENDAR, BUSINESS_DAY, 5 * BUSINESS_DAY, 0.9),
    ]
    return SlaSetup(calendars=calendars, policies=policies)
