"""Period reports over stored SLA results and ticket histories.

Stored clocks are brought up to date first (tickets whose next change passed while no
window was watching), without deciding notifications; then one read transaction gathers
the records and the pure `domain.period_report` computes every figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from desk_app.domain.enums import Channel, Priority
from desk_app.domain.metrics import TicketOutcome
from desk_app.domain.period_report import (
    SETTLED,
    CohortColumns,
    DayPoint,
    PeriodReport,
    ReportFilter,
    StatusScan,
    Volume,
    age_buckets,
    attainment_by,
    cohort_figures,
    count_per_bucket,
    day_starts,
    open_count_at,
    outcome_of,
    scan_status_changes,
    waiting_rows,
    weeks,
)
from desk_app.domain.sla_clock import ClockState
from desk_app.services.clock import Clock
from desk_app.services.gc_pause import gc_paused, release_gradually
from desk_app.services.monitor import MonitorService
from desk_app.services.sla import SlaService
from desk_app.store import report_queries as q
from desk_app.store.engine import Database
from desk_app.store.models import Category, Organization, Technician
from desk_app.store.report_queries import instant_key
from desk_app.store.types import utc_from_driver


class ReportService:
    def __init__(self, db: Database, sla: SlaService, clock: Clock, *,
                 monitor: MonitorService) -> None:
        """`monitor` brings the stored clocks up to date before each report reads them."""
        self._db = db
        self._sla = sla
        self._clock = clock
        self._monitor = monitor

    def outcomes(self, start: datetime, end: datetime, *,
                 organizations: frozenset[str] | None = None) -> list[TicketOutcome]:
        """One outcome per ticket created in [start, end), by number (for credits); only
        the named organizations' tickets when `organizations` is given."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        self._monitor.bring_up_to_date(self._clock())
        flt = ReportFilter(organizations=organizations or frozenset())
        with gc_paused(), self._db.session_scope() as s:
            rows = q.created_tickets(s, start, end, flt)
        return sorted((_outcome(t) for t in rows), key=lambda o: o.number)

    def goals(self, by: str = "priority") -> dict[tuple[str, str], float]:
        """Each priority's goals from the first policy that names it (other groupings have
        no goal of their own)."""
        goals: dict[tuple[str, str], float] = {}
        if by == "priority":
            for policy in self._sla.setup().policies:
                for p in policy.conditions.priorities:
                    goals.setdefault((p.value, "first_response"), policy.goal_first_response)
                    goals.setdefault((p.value, "resolution"), policy.goal_resolution)
        return goals

    def period_report(self, start: datetime, end: datetime, *, tz: str,
                      report_filter: ReportFilter | None = None, by: str = "priority"
                      ) -> PeriodReport:
        """Every figure of docs/metrics.md for [start, end); days and weeks in `tz`;
        attainment grouped `by` priority, category, organization or technician.

        Backlog and waiting stop at now for a period that has not ended yet."""
        if by not in _GROUP_COLUMN:
            raise ValueError(f"unknown grouping {by!r}")
        with gc_paused():
            return self._period_report(start, end, tz=tz,
                                       flt=report_filter or ReportFilter(), by=by)

    def _period_report(self, start: datetime, end: datetime, *, tz: str, flt: ReportFilter,
                       by: str) -> PeriodReport:
        # In UTC: arithmetic between instants that share a zone object is wall-clock time.
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        now = self._clock()
        horizon = max(start, min(end, now))
        self._monitor.bring_up_to_date(now)
        start_key, end_key, horizon_key = instant_key(start), instant_key(end), \
            instant_key(horizon)
        with self._db.session_scope() as s:
            tickets = q.alive_tickets(s, start, end, flt)
            in_cohort = [t for t in tickets if t[3] >= start_key]
            counts = (q.reply_and_handover_counts(s, min(t[0] for t in in_cohort),
                                                  max(t[0] for t in in_cohort))
                      if in_cohort else {})
            scan = scan_status_changes(q.status_changes(s, start, end),
                                       wanted={t[0] for t in tickets}, start=start_key,
                                       end=end_key, horizon=horizon_key)
        cohort = _cohort_columns(in_cohort, counts, scan, by=by)
        figures = cohort_figures(cohort, goals=self.goals(by))
        per_priority = figures.attainment if by == "priority" else attainment_by(
            cohort.priority, cohort, self.goals("priority"))
        report = PeriodReport(
            start=start, end=end, tz=tz, filter=flt, group_by=by, cohort=figures,
            priority_attainment=per_priority,
            waiting=waiting_rows(self._waiting_spans(tickets, scan)),
            **_activity(tickets, scan, start=start, end=end, horizon=horizon, tz=tz))
        # Free the big containers one statement at a time: dropped together when the frame
        # ends, they would be freed in one C call holding the GIL (a 0.1 s window stall).
        release_gradually(in_cohort, tickets)
        del cohort
        del counts
        scan.status_at_start.clear()
        scan.status_at_horizon.clear()
        scan.settled.clear()
        del scan
        return report

    def _waiting_spans(self, tickets: list[tuple[Any, ...]], scan: StatusScan
                       ) -> Iterator[tuple[int, str, str, float]]:
        """(ticket number, organization, status, business seconds) per waiting stretch."""
        setup = self._sla.setup()
        calendars = {p.name: setup.calendar_of(p) for p in setup.policies}
        waited = {ticket for ticket, _status, _a, _b in scan.waiting}
        who = {t[0]: (t[1], t[6], t[8]) for t in tickets if t[0] in waited}
        for ticket, status, a, b in scan.waiting:
            number, organization, policy = who[ticket]
            since, until = utc_from_driver(str(a)), utc_from_driver(str(b))
            calendar = calendars.get(policy or "")
            seconds = (calendar.between(since, until) if calendar is not None
                       else (until - since).total_seconds())  # policy gone: wall time
            yield number, organization, status, seconds

    def filter_choices(self) -> dict[str, list[str]]:
        """The values each filter can take, for pickers."""
        with self._db.session_scope() as s:
            conn = s.connection()
            def names(model: type[Category] | type[Organization] | type[Technician]
                      ) -> list[str]:
                return [r[0] for r in conn.execute(select(col(model.name))
                                                   .order_by(col(model.name)))]
            return {"priority": [p.value for p in Priority], "category": names(Category),
                    "organization": names(Organization), "technician": names(Technician),
                    "channel": [c.value for c in Channel]}


_PRIORITIES = {p.value: p for p in Priority}
# Their due time is the breach (members match the raw stored text: see period_report).
_BREACHED = frozenset({ClockState.BREACHED, ClockState.BREACHED_STOPPED})


def _outcome(t: tuple[Any, ...]) -> TicketOutcome:
    """A TICKET_COLUMNS row as a TicketOutcome (for credits, per organization)."""
    (_id, number, priority, created, channel, category, organization, technician,
     _policy, response_state, resolution_state, response_used, resolution_used, _rd, _sd,
     _csat) = t
    return TicketOutcome(
        number=number, priority=_PRIORITIES[priority], created_at=utc_from_driver(created),
        response=outcome_of(response_state), resolution=outcome_of(resolution_state),
        response_used_s=response_used, resolution_used_s=resolution_used,
        category=category, organization=organization, technician=technician,
        channel=channel)


# Where each grouping's value sits in a TICKET_COLUMNS row, and the text for "none".
_GROUP_COLUMN = {"priority": (2, ""), "category": (5, "(none)"),
                 "organization": (6, "(none)"), "technician": (7, "(unassigned)")}


def _cohort_columns(rows: list[tuple[Any, ...]], counts: dict[int, tuple[int, int]],
                    scan: StatusScan, *, by: str) -> CohortColumns:
    """TICKET_COLUMNS rows as the columns the domain counts over.

    One comprehension per column rather than `zip(*rows)`: the transposition would be a
    single C call over 100,000 rows, holding the GIL (and the window) for up to 0.1 s."""
    if not rows:
        return CohortColumns((), (), (), (), (), (), (), (), (), (), ())
    ids = [r[0] for r in rows]
    index, none_text = _GROUP_COLUMN[by]
    priorities = [r[2] for r in rows]
    groups = priorities if by == "priority" else [r[index] or none_text for r in rows]
    no_counts = (0, 0)
    return CohortColumns(
        priority=priorities, group=groups, response_state=[r[9] for r in rows],
        resolution_state=[r[10] for r in rows], response_used_s=[r[11] for r in rows],
        resolution_used_s=[r[12] for r in rows],
        public_replies=[counts.get(i, no_counts)[0] for i in ids],
        reassignments=[counts.get(i, no_counts)[1] for i in ids],
        reopens=[scan.reopens.get(i, 0) for i in ids],
        resolved=[i in scan.settled for i in ids], csat=[r[15] for r in rows])


def _activity(tickets: list[tuple[Any, ...]], scan: StatusScan, *, start: datetime,
              end: datetime, horizon: datetime, tz: str) -> dict[str, Any]:
    """Volume, backlog and its ages, the daily and weekly series."""
    start_key, end_key, horizon_key = instant_key(start), instant_key(end), \
        instant_key(horizon)
    zone = ZoneInfo(tz)
    bounds = day_starts(start, end, tz)
    keys = [instant_key(b) for b in bounds]

    # Two columns of the ticket rows, then one pass per figure.
    ids = [t[0] for t in tickets]
    created_keys = [t[3] for t in tickets]
    # Open at an instant: created at or before it, and its latest status at or before it
    # (none: still new) is not resolved or closed.
    at_start, at_horizon = scan.status_at_start, scan.status_at_horizon
    open_at_start = sum(1 for i, c in zip(ids, created_keys, strict=True)
                        if c <= start_key and at_start.get(i, "new") not in SETTLED)
    open_at_end = [c for i, c in zip(ids, created_keys, strict=True)
                   if c <= horizon_key and at_horizon.get(i, "new") not in SETTLED]
    in_period = [c for c in created_keys if c >= start_key]
    opened = sorted([*(str(k) for k in scan.reopened_at),
                     *(c for c in in_period if start_key < c and not horizon_key < c)])
    closed = sorted(str(k) for k in scan.settled_at)
    cuts = [instant_key(min(bounds[i + 1], horizon)) for i in range(len(bounds) - 1)
            if bounds[i] < horizon]
    backlog = [open_at_start + n for n in open_count_at(opened, closed, cuts)]
    created = count_per_bucket(in_period, keys)
    resolved = count_per_bucket((str(k) for k in scan.resolved_at), keys)
    # Breach instants bucketed by local day as text (no parsing), then summed per week.
    breaches_per_day = count_per_bucket(
        [due for t in tickets for state, due in ((t[9], t[13]), (t[10], t[14]))
         if state in _BREACHED and start_key <= due < end_key], keys)
    day_dates = [b.astimezone(zone).date() for b in bounds[:-1]]
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return {
        "volume": Volume(
            created=len(in_period), resolved=scan.resolved,
            closed=scan.closed, reopened=scan.reopened, backlog_start=open_at_start,
            backlog_end=len(open_at_end)),
        "backlog_age": age_buckets((horizon - utc_from_driver(c)).total_seconds()
                                   for c in open_at_end),
        "days": tuple(DayPoint(day=day_dates[i], created=created[i],
                               resolved=resolved[i],
                               backlog=backlog[i] if i < len(backlog) else None)
                      for i in range(len(bounds) - 1)),
        "weeks": weeks(zip(day_dates, breaches_per_day, strict=True),
                       start.astimezone(zone).date(), last_day),
    }
