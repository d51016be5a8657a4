"""A supervisor's figures for one period, computed exactly as docs/metrics.md defines them.

Pure: the store hands over what a year of 100,000 tickets can be reduced to cheaply (the
tickets created in the period as columns, and the instants of what happened in it),
and these functions turn that into the figures. Nothing here reads a clock or a database,
so every figure can be checked by hand in a test.

Two populations, on purpose:
- the *cohort* (tickets created in the period) for attainment, times, rates and CSAT, so a
  month's figures never change because of what happens to older tickets;
- *activity* (anything that happened in the period, to any ticket) for volume, backlog,
  waiting time and the daily and weekly series.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from desk_app.domain.enums import Priority
from desk_app.domain.metrics import (
    AttainmentRow,
    Distribution,
    Outcome,
    attainment_rows,
    distribution,
)
from desk_app.domain.sla_clock import ClockState

# Ages of the open backlog at the period's end, in calendar days: (label, up to, exclusive).
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1 day", 1), ("1–3 days", 3), ("3–7 days", 7), ("7–14 days", 14),
    ("14–30 days", 30), ("30+ days", float("inf")),
)
# Clock states as members: a StrEnum hashes and compares as its value, so these also match
# the stored text the report queries read raw from the driver.
STOPPED_STATES = frozenset({ClockState.MET, ClockState.BREACHED_STOPPED})
SETTLED = frozenset({"resolved", "closed"})


# An instant as a datetime, or as any text that sorts like time (the store's stored form).
K = TypeVar("K", datetime, str)


_OUTCOMES: dict[str | None, Outcome] = {
    None: Outcome.NONE, ClockState.MET: Outcome.MET, ClockState.BREACHED: Outcome.MISSED,
    ClockState.BREACHED_STOPPED: Outcome.MISSED}


def outcome_of(state: str | None) -> Outcome:
    """A stored clock state as a report outcome: met; missed when stopped late or still
    open and breached; otherwise (running or paused, not yet due) pending."""
    return _OUTCOMES.get(state, Outcome.PENDING)


@dataclass(frozen=True)
class ReportFilter:
    """Which tickets count; an empty set means "all". Matches the ticket's current values."""

    priorities: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    organizations: frozenset[str] = frozenset()
    technicians: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()

    def describe(self) -> str:
        parts = [f"{name}: {', '.join(sorted(values))}" for name, values in (
            ("priority", self.priorities), ("category", self.categories),
            ("organization", self.organizations), ("technician", self.technicians),
            ("channel", self.channels)) if values]
        return "; ".join(parts) or "all tickets"


@dataclass(frozen=True)
class CohortColumns:
    """The tickets created in the period, one sequence per field (the same index is the
    same ticket). Columns rather than an object per ticket: a year has 100,000 tickets, and
    counting over zipped columns runs in C."""

    priority: Sequence[str]  # "P1" … "P4"
    group: Sequence[str]     # the attainment grouping's value (priority, category, …)
    response_state: Sequence[str | None]  # stored clock states; None: no SLA
    resolution_state: Sequence[str | None]
    response_used_s: Sequence[float | None]  # business seconds used
    resolution_used_s: Sequence[float | None]
    public_replies: Sequence[int]
    reassignments: Sequence[int]  # moves from one technician to another
    reopens: Sequence[int]        # moves from resolved or closed back to an open status
    resolved: Sequence[bool]      # ever moved to resolved or closed
    csat: Sequence[int | None]

    def __len__(self) -> int:
        return len(self.priority)


@dataclass(frozen=True)
class Ratio:
    """A rate as its numerator and denominator, so a CSV shows what it was computed from."""

    count: int
    of: int

    @property
    def value(self) -> float | None:
        return self.count / self.of if self.of else None


@dataclass(frozen=True)
class Volume:
    created: int
    resolved: int
    closed: int
    reopened: int
    backlog_start: int
    backlog_end: int


@dataclass(frozen=True)
class TimeRow:
    """Business-time figures for one priority (or "All")."""

    group: str
    first_response: Distribution
    resolution: Distribution


@dataclass(frozen=True)
class WaitingRow:
    """Business time tickets of one organization spent waiting on the customer's side."""

    organization: str
    customer_s: float
    third_party_s: float
    tickets: int


@dataclass(frozen=True)
class Csat:
    rated: int
    average: float | None
    satisfied: Ratio  # ratings of 4 or 5 among the rated


@dataclass(frozen=True)
class CohortFigures:
    attainment: tuple[AttainmentRow, ...]
    times: tuple[TimeRow, ...]
    average_speed_of_answer_s: float | None
    first_contact_resolution: Ratio
    reopen_rate: Ratio
    reassignment: Ratio
    csat: Csat
    tickets: int


@dataclass(frozen=True)
class DayPoint:
    day: date
    created: int
    resolved: int
    backlog: int | None  # open at the end of the day; None for days still to come


@dataclass(frozen=True)
class WeekPoint:
    week_start: date  # the Monday
    breaches: int


@dataclass(frozen=True)
class PeriodReport:
    start: datetime
    end: datetime
    tz: str
    filter: ReportFilter
    group_by: str
    volume: Volume
    backlog_age: tuple[tuple[str, int], ...]
    cohort: CohortFigures
    waiting: tuple[WaitingRow, ...]
    days: tuple[DayPoint, ...]
    weeks: tuple[WeekPoint, ...]
    # Per priority whatever `group_by` is: goals are set per priority, and the dashboard's
    # chart compares each priority with its goal.
    priority_attainment: tuple[AttainmentRow, ...] = ()


def cohort_figures(c: CohortColumns, *, goals: Mapping[tuple[str, str], float]
                   ) -> CohortFigures:
    """Attainment (per `c.group`), times, rates and satisfaction of the tickets created in
    the period."""
    return CohortFigures(
        attainment=attainment_by(c.group, c, goals),
        times=(times := _times(c)),
        average_speed_of_answer_s=times[-1].first_response.mean_s if times else None,
        first_contact_resolution=Ratio(
            sum(1 for done, replies, reopens in zip(c.resolved, c.public_replies, c.reopens,
                                                      strict=True)
                if done and replies <= 1 and reopens == 0), sum(c.resolved)),
        reopen_rate=Ratio(sum(1 for done, reopens in zip(c.resolved, c.reopens, strict=True)
                              if done and reopens > 0), sum(c.resolved)),
        reassignment=Ratio(sum(1 for n in c.reassignments if n > 0), len(c)),
        csat=_csat([x for x in c.csat if x is not None]),
        tickets=len(c))


def attainment_by(groups: Sequence[str], c: CohortColumns,
                  goals: Mapping[tuple[str, str], float]) -> tuple[AttainmentRow, ...]:
    """Attainment per group value (one per ticket, aligned with `c`) and target."""
    tally: Counter[tuple[str, str, Outcome]] = Counter()
    for target, states in (("first_response", c.response_state),
                           ("resolution", c.resolution_state)):
        for (group, state), n in Counter(zip(groups, states, strict=True)).items():
            tally[(group, target, outcome_of(state))] += n
    return tuple(attainment_rows(tally, goals))


def _csat(ratings: Sequence[int]) -> Csat:
    return Csat(rated=len(ratings), average=sum(ratings) / len(ratings) if ratings else None,
                satisfied=Ratio(sum(1 for x in ratings if x >= 4), len(ratings)))


def _times(c: CohortColumns) -> tuple[TimeRow, ...]:
    """Business time to first response and to resolution, over clocks that have stopped."""
    by_group: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for slot, states, used in ((0, c.response_state, c.response_used_s),
                               (1, c.resolution_state, c.resolution_used_s)):
        every = by_group["All"][slot]
        for priority, state, seconds in zip(c.priority, states, used, strict=True):
            if state in STOPPED_STATES and seconds is not None:
                by_group[priority][slot].append(seconds)
                every.append(seconds)
    order = [p.value for p in Priority] + ["All"]
    return tuple(TimeRow(g, distribution(by_group[g][0]), distribution(by_group[g][1]))
                 for g in order if g in by_group and (g != "All" or len(c)))


def day_starts(start: datetime, end: datetime, tz: str) -> list[datetime]:
    """The instants local days begin in `tz`, covering [start, end): the first is the
    start of the day `start` falls in, the last is at or after `end`."""
    zone = ZoneInfo(tz)
    day = start.astimezone(zone).date()
    out = []
    while True:
        instant = datetime(day.year, day.month, day.day, tzinfo=zone)
        out.append(instant)
        if instant >= end:
            return out
        day += timedelta(days=1)


def count_per_bucket(keys: Iterable[K], bounds: Sequence[K]) -> list[int]:
    """How many keys fall in each [bounds[i], bounds[i+1]); keys outside are ignored.

    Generic over the key so the store can pass its own sortable form of an instant. Sorts
    once and bisects per bucket: a year has 366 buckets but 100,000 keys."""
    ordered = sorted(keys)
    edges = [bisect_left(ordered, b) for b in bounds]
    return [edges[i + 1] - edges[i] for i in range(len(bounds) - 1)]


def open_count_at(opened: Sequence[K], closed: Sequence[K], instants: Sequence[K]
                  ) -> list[int]:
    """How many were open at each instant, from the sorted instants tickets opened
    (created or reopened) and closed (resolved or closed from an open status).

    A ticket is open at T when it opened at or before T and has not closed at or before T,
    so every step at or before the instant counts."""
    return [bisect_right(opened, t) - bisect_right(closed, t) for t in instants]


def age_buckets(ages_s: Iterable[float]) -> tuple[tuple[str, int], ...]:
    counts = dict.fromkeys((label for label, _ in AGE_BUCKETS), 0)
    for age in ages_s:
        days = age / 86400
        counts[next(label for label, upto in AGE_BUCKETS if days < upto)] += 1
    return tuple(counts.items())


def weeks(per_day: Iterable[tuple[date, int]], first: date, last: date
          ) -> tuple[WeekPoint, ...]:
    """Breaches per week (Monday to Sunday) from (day, breaches) pairs, for every week
    touching [first, last]."""
    counts: dict[date, int] = defaultdict(int)
    for d, n in per_day:
        counts[d - timedelta(days=d.weekday())] += n
    week = first - timedelta(days=first.weekday())
    out = []
    while week <= last:
        out.append(WeekPoint(week, counts.get(week, 0)))
        week += timedelta(days=7)
    return tuple(out)


def waiting_rows(spans: Iterable[tuple[int, str, str, float]]) -> tuple[WaitingRow, ...]:
    """Per organization, the business seconds spent waiting on the customer and on third
    parties, from (ticket, organization, status, seconds) entries; `tickets` counts each
    ticket that waited at all once."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    tickets: dict[str, set[int]] = defaultdict(set)
    for ticket, organization, status, seconds in spans:
        org = organization or "(none)"
        sums[org][0 if status == "waiting_customer" else 1] += seconds
        tickets[org].add(ticket)
    return tuple(WaitingRow(org, s[0], s[1], len(tickets[org]))
                 for org, s in sorted(sums.items()))


@dataclass
class StatusScan:
    """What one pass over the status changes (in ticket, time order) yields."""

    resolved: int = 0   # distinct tickets moved to resolved in the period
    closed: int = 0     # … to closed
    reopened: int = 0   # … from resolved or closed back to an open status
    resolved_at: list[object] = field(default_factory=list)  # every move to resolved
    # Backlog steps in (start, horizon]: when tickets were reopened, and settled.
    reopened_at: list[object] = field(default_factory=list)
    settled_at: list[object] = field(default_factory=list)
    waiting: list[tuple[int, str, object, object]] = field(default_factory=list)
    reopens: dict[int, int] = field(default_factory=dict)  # per ticket, whole history
    settled: set[int] = field(default_factory=set)  # ever moved to resolved or closed
    # Status after the moves at or before the start, and at or before the horizon.
    status_at_start: dict[int, str] = field(default_factory=dict)
    status_at_horizon: dict[int, str] = field(default_factory=dict)


def scan_status_changes(rows: Iterable[tuple[int, K, str | None, str]], *,
                        wanted: Container[int], start: K, end: K, horizon: K) -> StatusScan:
    """Volume counts, backlog steps and waiting stretches from (ticket, at, old, new) rows
    ordered by ticket then time. `wanted` are the tickets that match the filter; moves at
    or before `horizon` (now, or the period's end) make backlog steps; waiting stretches are
    clipped to [start, horizon). Moves between two open, non-waiting statuses (new to in
    progress) change nothing here and may be left out."""
    out = StatusScan()
    resolved: set[int] = set()
    closed: set[int] = set()
    reopened: set[int] = set()
    waiting_since: K | None = None
    waiting_status = ""
    current = -1

    def close_wait(ticket: int, until: K) -> None:
        if waiting_since is not None:
            a = start if waiting_since < start else waiting_since
            b = horizon if horizon < until else until
            if a < b:
                out.waiting.append((ticket, waiting_status, a, b))

    for ticket, at, old, new in rows:
        if ticket != current:
            if current in wanted:
                close_wait(current, horizon)
            current, waiting_since = ticket, None
        if ticket not in wanted:
            continue
        if waiting_since is not None:
            close_wait(ticket, at)
            waiting_since = None
        if new in ("waiting_customer", "waiting_third_party"):
            waiting_since, waiting_status = at, new
        was_settled, settles = old in SETTLED, new in SETTLED
        if not start < at:
            out.status_at_start[ticket] = new
        if not horizon < at:
            out.status_at_horizon[ticket] = new
        in_period = not at < start and at < end
        if settles:
            out.settled.add(ticket)
        if was_settled and not settles:
            out.reopens[ticket] = out.reopens.get(ticket, 0) + 1
        if in_period:
            if new == "resolved":
                resolved.add(ticket)
                out.resolved_at.append(at)
            elif new == "closed":
                closed.add(ticket)
            if was_settled and not settles:
                reopened.add(ticket)
        if was_settled != settles and start < at and not horizon < at:
            (out.settled_at if settles else out.reopened_at).append(at)
    if current in wanted:
        close_wait(current, horizon)
    out.resolved, out.closed, out.reopened = len(resolved), len(closed), len(reopened)
    return out
