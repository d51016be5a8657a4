"""The SLA editor's working copy: calendars and policies as the technician types them.

The Service levels dialog edits these drafts field by field and only at Save turns them
into an `SlaSetup` (`setup_from`), which validates everything at once; every message names
the calendar or policy and the field. Pure: no Qt, no clock (the year whose public holidays
prove a country and subdivision exist is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from desk_app.domain.calendar import BusinessCalendar, CalendarError
from desk_app.domain.enums import Priority, Status, Tier
from desk_app.domain.errors import ValidationError
from desk_app.domain.schedule_text import (
    format_duration,
    format_holidays,
    format_intervals,
    parse_duration,
    parse_holidays,
    parse_intervals,
)
from desk_app.domain.sla import PolicyConditions, SlaPolicy, SlaSetup

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class CalendarDraft:
    """One calendar as typed: `weekly` holds seven interval texts, Monday first."""

    name: str
    tz: str
    weekly: list[str]
    holidays: str = ""
    country: str = ""
    subdivision: str = ""


@dataclass
class PolicyDraft:
    """One policy as typed: durations like "4h", names separated by commas, warnings and
    goals in percent."""

    name: str
    calendar: str
    first_response: str
    resolution: str
    priorities: set[Priority] = field(default_factory=set)
    tiers: set[Tier] = field(default_factory=set)
    categories: str = ""
    organizations: str = ""
    products: str = ""
    thresholds: str = "50, 75, 90"
    pauses: set[Status] = field(default_factory=lambda: {Status.WAITING_CUSTOMER,
                                                          Status.WAITING_THIRD_PARTY})
    goal_response: float = 90.0
    goal_resolution: float = 90.0


def drafts_from(setup: SlaSetup) -> tuple[list[CalendarDraft], list[PolicyDraft]]:
    """The setup in force, as text the editor shows (`setup_from` reads it back)."""
    cals = [CalendarDraft(name=name, tz=c.tz,
                          weekly=[format_intervals(list(c.weekly.get(d, ()))) for d in range(7)],
                          holidays=format_holidays(list(c.holidays)), country=c.country or "",
                          subdivision=c.subdivision or "")
            for name, c in setup.calendars.items()]
    pols = [PolicyDraft(name=p.name, calendar=p.calendar,
                        first_response=format_duration(p.first_response_s),
                        resolution=format_duration(p.resolution_s),
                        priorities=set(p.conditions.priorities), tiers=set(p.conditions.tiers),
                        categories=", ".join(sorted(p.conditions.categories)),
                        organizations=", ".join(sorted(p.conditions.organizations)),
                        products=", ".join(sorted(p.conditions.products)),
                        thresholds=", ".join(f"{t * 100:g}" for t in p.thresholds),
                        pauses=set(p.pause_statuses), goal_response=p.goal_first_response * 100,
                        goal_resolution=p.goal_resolution * 100)
            for p in setup.policies]
    return cals, pols


def _names(text: str) -> frozenset[str]:
    return frozenset(x.strip() for x in text.split(",") if x.strip())


def setup_from(cals: Sequence[CalendarDraft], pols: Sequence[PolicyDraft], *,
               year: int) -> SlaSetup:
    """Build and validate; errors name the calendar or policy and the field. A calendar
    with a country has that country's public holidays of `year` computed once, so an
    unknown country or subdivision is refused here rather than at the first replay."""
    calendars: dict[str, BusinessCalendar] = {}
    for c in cals:
        calendars[c.name] = _calendar_from(c, taken=calendars, year=year)
    policies = [_policy_from(p) for p in pols]
    return SlaSetup(calendars=calendars, policies=policies)


def _calendar_from(c: CalendarDraft, *, taken: dict[str, BusinessCalendar],
                   year: int) -> BusinessCalendar:
    where = f"Calendar '{c.name}'"
    if not c.name.strip():
        raise ValidationError("Calendar name", "required")
    if c.name in taken:
        raise ValidationError(where, "two calendars have this name")
    weekly = {d: parse_intervals(c.weekly[d], field=f"{where}, {DAYS[d]}") for d in range(7)}
    try:
        holidays = parse_holidays(c.holidays)
    except ValidationError as exc:
        raise ValidationError(f"{where}, holidays", exc.reason) from exc
    try:
        cal = BusinessCalendar(tz=c.tz.strip(), weekly=weekly, holidays=holidays,
                               country=c.country or None, subdivision=c.subdivision or None,
                               name=c.name)
        if cal.country:
            cal.holiday_dates(year)  # an unknown country or subdivision fails here
    except CalendarError as exc:
        raise ValidationError(where, str(exc)) from exc
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise ValidationError(f"{where}, public holidays", str(exc)) from exc
    return cal


def _policy_from(p: PolicyDraft) -> SlaPolicy:
    where = f"Policy '{p.name}'"
    try:
        thresholds = tuple(float(x) / 100 for x in p.thresholds.split(",") if x.strip())
    except ValueError as exc:
        raise ValidationError(f"{where}, warnings", "percentages like 50, 75, 90") from exc
    return SlaPolicy(
        name=p.name.strip(), calendar=p.calendar,
        first_response_s=parse_duration(p.first_response, field=f"{where}, first response"),
        resolution_s=parse_duration(p.resolution, field=f"{where}, resolution"),
        conditions=PolicyConditions(priorities=frozenset(p.priorities),
                                    tiers=frozenset(p.tiers),
                                    categories=_names(p.categories),
                                    organizations=_names(p.organizations),
                                    products=_names(p.products)),
        thresholds=thresholds, pause_statuses=frozenset(p.pauses),
        goal_first_response=p.goal_response / 100, goal_resolution=p.goal_resolution / 100)


def rename_calendar(pols: Iterable[PolicyDraft], old: str, new: str) -> None:
    """A renamed calendar keeps its policies: they follow it to the new name."""
    for p in pols:
        if p.calendar == old:
            p.calendar = new


def calendar_users(pols: Iterable[PolicyDraft], name: str) -> list[str]:
    """The policies that use calendar `name`, which cannot be removed while any does."""
    return [p.name for p in pols if p.calendar == name]


def unique_name(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base 2`, `base 3`… whichever is free (a new calendar or policy)."""
    used = set(taken)
    name, n = base, 2
    while name in used:
        name, n = f"{base} {n}", n + 1
    return name
