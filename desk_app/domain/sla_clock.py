"""SLA clocks replayed from a ticket's history.

A pure function of (events, SLA setup, now): no stored counters that could drift. The
history is cut into segments between events; in each, the facts in force choose the policy,
the status says whether the clock runs or pauses, and the policy's calendar says how much of
the segment is working time. Used time is the sum over segments, so a change of priority
re-targets the clock without losing or gaining a second, pauses included.

Conventions decided here (the issue left them open):
* First response is the first public reply, the first move to In progress, or the
  resolution, whichever comes first.
* A running clock is breached once used >= target (the due instant itself is the breach);
  a stopped clock met its target when used <= target.
* The organization tier and the product are taken as they are now (they are not versioned
  in the history); priority, category and organization are replayed.
* Used, paused and outside-hours time are summed in whole microseconds and compared with
  the target in microseconds: a float sum over segments came to 86399.99999999999 s for a
  3-day target used up at 17:00 exactly, and the clock read "due now" all night instead of
  breached at 17:00. The float fields of ClockResult are derived from the exact sums.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from desk_app.domain.calendar import BusinessCalendar, to_us
from desk_app.domain.enums import EventKind, Priority, Status, Tier
from desk_app.domain.sla import SlaPolicy, SlaSetup, TicketFacts

_US = 1_000_000  # microseconds per second: clocks sum time in whole microseconds


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        return "first response" if self is ClockKind.FIRST_RESPONSE else "resolution"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"  # still running (or paused) and over target
    BREACHED_STOPPED = "breached_stopped"  # stopped after the target passed


class HistoryEvent(NamedTuple):
    """The parts of a TicketEvent the clocks need. A named tuple rather than a dataclass:
    a bulk recompute builds some 300,000 of them, and a tuple is made three times faster."""

    at: datetime
    kind: EventKind
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None


@dataclass(frozen=True)
class ClockResult:
    """One clock as of `now`; seconds are business seconds unless named wall."""

    kind: ClockKind
    policy: str
    calendar: str
    target_s: int
    used_s: float
    state: ClockState
    warning_level: int
    due_at: datetime | None
    breached_at: datetime | None
    stopped_at: datetime | None
    next_change_at: datetime | None
    paused_wall_s: Mapping[Status, float] = field(default_factory=dict)
    outside_hours_wall_s: float = 0.0
    levels: int = 3  # how many warning thresholds the policy has
    episode: int = 0  # how often the clock resumed after a pause or a stop
    used_us: int = 0  # the exact used time; used_s is this in seconds, for display

    @property
    def left_s(self) -> float:
        return (self.target_s * _US - self.used_us) / _US


@dataclass(frozen=True)
class SlaReplay:
    """Both clocks (None where no policy applies) and the policy now in force."""

    policy: str | None
    first_response: ClockResult | None
    resolution: ClockResult | None

    def clock(self, kind: ClockKind) -> ClockResult | None:
        return self.first_response if kind is ClockKind.FIRST_RESPONSE else self.resolution


@dataclass(slots=True)
class _Segment:
    """A stretch between two fact or status changes, its ends also in microseconds (each
    instant converted once, whichever calendars measure it)."""

    start: datetime
    end: datetime
    status: Status
    policy: SlaPolicy | None
    start_us: int
    end_us: int


class _Spans:
    """Working microseconds of a segment per calendar, measured once per replay: the two
    clocks walk the same segments (the first response's are cut at its stop), so without
    this every span was measured twice."""

    __slots__ = ("_found",)

    def __init__(self) -> None:
        self._found: dict[tuple[int, int, int], int] = {}

    def working(self, calendar: BusinessCalendar, a: int, b: int) -> int:
        key = (a, b, id(calendar))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = calendar.working_us(a, b)
        return found


def _initial(events: Sequence[HistoryEvent], tier: Tier | None, product: str | None
             ) -> tuple[TicketFacts, Status]:
    if not events or events[0].kind is not EventKind.CREATED:
        raise ValueError("a ticket history starts with its created event")
    priority, category, organization, status = _snapshot(events[0].new_value)
    facts = TicketFacts(priority=priority, category=category, organization=organization,
                        tier=tier, product=product)
    return facts, status


@lru_cache(maxsize=4096)
def _snapshot(text: str | None) -> tuple[Priority, str | None, str | None, Status]:
    """The facts a creation snapshot holds. Memoised: a desk's snapshots repeat (a few
    hundred distinct texts over 100,000 tickets), and parsing each cost about as much as
    a replay's arithmetic on a short history."""
    snap = json.loads(text or "{}")
    return (Priority(snap.get("priority", "P3")), snap.get("category"),
            snap.get("organization"), Status(snap.get("status", "new")))


def _apply(e: HistoryEvent, facts: TicketFacts, status: Status) -> tuple[TicketFacts, Status]:
    if e.kind is EventKind.STATUS_CHANGED and e.new_value:
        return facts, Status(e.new_value)
    if e.kind is EventKind.FIELD_CHANGED:
        return _changed(facts, e.field, e.new_value), status
    # Everything else (assignments, notes, IMPORTED ...) changes no fact the clocks use.
    return facts, status


# The fields whose changes move a ticket's facts (see `_changed`).
FACT_FIELDS = ("priority", "category", "organization")


def _changed(facts: TicketFacts, name: str | None, value: str | None) -> TicketFacts:
    if name == "priority" and value:
        return replace(facts, priority=Priority(value))
    if name == "category":
        return replace(facts, category=value)
    if name == "organization":
        return replace(facts, organization=value)
    return facts


def facts_seen(created: str | None, changes: Iterable[tuple[str | None, str | None]], *,
               tier: Tier | None = None, product: str | None = None) -> set[TicketFacts]:
    """Every set of facts a ticket has had, from its creation snapshot and its ordered
    (field, new value) changes of FACT_FIELDS. The facts alone decide its policies, so a
    replay under another setup can only differ if that setup picks another policy (or
    calendar) for one of them. Needs a few rows per ticket, not its whole history."""
    priority, category, organization, _ = _snapshot(created)
    facts = TicketFacts(priority=priority, category=category, organization=organization,
                        tier=tier, product=product)
    seen = {facts}
    for name, value in changes:
        facts = _changed(facts, name, value)
        seen.add(facts)
    return seen


def replay(events: Sequence[HistoryEvent], setup: SlaSetup, now: datetime, *,
           tier: Tier | None = None, product: str | None = None) -> SlaReplay:
    """Both clocks of one ticket as of `now`, from its ordered events."""
    facts, status = _initial(events, tier, product)
    segments: list[_Segment] = []
    first_response_at: datetime | None = None
    start = events[0].at
    start_us = to_us(start)
    for e in events[1:]:
        if e.at > now:
            break
        if first_response_at is None and (
                e.kind is EventKind.PUBLIC_REPLY
                or (e.kind is EventKind.STATUS_CHANGED
                    and e.new_value in (Status.IN_PROGRESS.value, Status.RESOLVED.value))):
            first_response_at = e.at
        new_facts, new_status = _apply(e, facts, status)
        if new_status is not status or new_facts != facts:
            at_us = to_us(e.at)
            segments.append(_Segment(start, e.at, status, setup.policy_for(facts),
                                     start_us, at_us))
            start, start_us = e.at, at_us
            facts, status = new_facts, new_status
    end = max(start, now)
    segments.append(_Segment(start, end, status, setup.policy_for(facts), start_us,
                             to_us(end)))
    current = setup.policy_for(facts)
    if current is None:
        return SlaReplay(None, None, None)
    calendar = setup.calendar_of(current)
    spans = _Spans()
    response = _clock(ClockKind.FIRST_RESPONSE, segments, setup, current, calendar, now,
                      stop_at=first_response_at, spans=spans)
    resolution = _clock(ClockKind.RESOLUTION, segments, setup, current, calendar, now,
                        stop_at=None, spans=spans)
    return SlaReplay(current.name, response, resolution)


def _clock(kind: ClockKind, segments: Sequence[_Segment], setup: SlaSetup,
           current: SlaPolicy, calendar: BusinessCalendar, now: datetime, *,
           stop_at: datetime | None, spans: _Spans) -> ClockResult:
    target = current.target(kind) * _US
    used = 0  # every sum below is in whole microseconds (see the module docstring)
    outside = 0
    paused: dict[Status, int] = {}
    breached_at: datetime | None = None
    stopped_at: datetime | None = None
    episode = 0
    resting = False  # the previous segment paused or stopped this clock
    stop_us = to_us(stop_at) if stop_at is not None else None
    for seg in segments:
        start, a, b = seg.start, seg.start_us, seg.end_us
        if stop_us is not None:  # the first response, stopped
            if a >= stop_us:
                stopped_at = stop_at
                break
            b = min(b, stop_us)
        if kind is ClockKind.RESOLUTION and not seg.status.is_open:
            stopped_at = stopped_at or start
            resting = True
            continue
        stopped_at = None
        policy = seg.policy or current
        wall = b - a
        if seg.status in policy.pause_statuses:
            paused[seg.status] = paused.get(seg.status, 0) + wall
            resting = True
            continue
        if resting:
            episode += 1
            resting = False
        seg_calendar = setup.calendar_of(policy)
        counted = spans.working(seg_calendar, a, b)
        if breached_at is None and used < target <= used + counted:
            breached_at = seg_calendar.add_us(start, target - used)
        used += counted
        outside += wall - counted
    if kind is ClockKind.FIRST_RESPONSE and stop_at is not None and stop_at <= now:
        stopped_at = stop_at
    if breached_at is not None:
        switched = _policy_switch_time(segments, current)
        if switched is not None and breached_at < switched:
            # The time was already used up when a change of policy lowered the target: the
            # ticket became breached at the change, not before it.
            breached_at = switched
    marks = [round(t * target) for t in current.thresholds]  # warning levels, in µs used
    level = sum(1 for m in marks if used >= m)
    if stopped_at is not None:
        state = ClockState.MET if used <= target else ClockState.BREACHED_STOPPED
    elif used >= target:
        state = ClockState.BREACHED
    elif segments[-1].status in current.pause_statuses:
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    due_at: datetime | None
    next_change: datetime | None = None
    if state is ClockState.RUNNING:
        upcoming = [m - used for m in marks if m > used]
        upcoming.append(target - used)
        due_at, next_change = calendar.add_many_us(now, (target - used, min(upcoming)))
    elif state is ClockState.PAUSED:
        due_at = calendar.add_us(now, target - used)
    elif state is ClockState.MET:
        due_at = None
    else:
        due_at = breached_at
    if state is ClockState.MET:
        breached_at = None
    return ClockResult(kind=kind, policy=current.name, calendar=current.calendar,
                       target_s=current.target(kind), used_s=used / _US, state=state,
                       warning_level=level, due_at=due_at, breached_at=breached_at,
                       stopped_at=stopped_at, next_change_at=next_change,
                       paused_wall_s={k: v / _US for k, v in paused.items()},
                       outside_hours_wall_s=outside / _US,
                       levels=len(current.thresholds), episode=episode, used_us=used)


def _policy_switch_time(segments: Sequence[_Segment], current: SlaPolicy) -> datetime | None:
    """When the current policy last came into force (None if it always applied)."""
    switch = None
    for prev, seg in pairwise(segments):
        if prev.policy is not seg.policy and seg.policy is current:
            switch = seg.start
    return switch


def explain(result: ClockResult) -> str:
    """'4 h target, 1 h 10 m used, paused 2 h 05 m waiting on customer, outside hours 14 h'."""
    parts = [f"{duration_text(result.target_s)} target",
             f"{duration_text(result.used_s)} used"]
    for status, seconds in result.paused_wall_s.items():
        if seconds >= 60:
            parts.append(f"paused {duration_text(seconds)} {status.label.lower()}")
    if result.outside_hours_wall_s >= 60:
        parts.append(f"outside hours {duration_text(result.outside_hours_wall_s)}")
    return ", ".join(parts)


def duration_text(seconds: float, *, coarse: bool = False) -> str:
    """Durations as people say them: '45 m', '2 h 05 m', '40 h', then '5 d 4 h' (24 h days)
    past 99 hours. Business time reads best in hours, so days come late. `coarse` keeps
    only the larger unit ('3 h', '5 d') for tight cells."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes} m"
    hours, minutes = divmod(minutes, 60)
    if hours < 100:
        if coarse and hours >= 10:
            return f"{hours} h"
        return f"{hours} h {minutes:02d} m" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    if coarse:
        return f"{days} d"
    return f"{days} d {hours} h" if hours else f"{days} d"


def over_target(used_s: float | None, target_s: float | None) -> float | None:
    """Business seconds used beyond the target ("Missed by 2 h"); None when either is
    unknown. The ticket table's rows and the view export both read it this way."""
    if used_s is None or target_s is None:
        return None
    return used_s - target_s
