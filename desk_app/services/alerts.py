"""Which SLA crossings become desktop notifications, what they say, and the in-app list.
No Qt.

A desktop notification is sent only for crossings in the technician's scope (mine,
unassigned, or all) or escalated to them as a supervisor, at a level they asked for, outside
quiet hours and outside a "pause notifications" window; many crossings at once become one
summary instead of a flood.

The in-app list (the *Alerts* bell) is read from what the monitor stored for this
technician (`sla_notification.technician_id`): their own entries and their escalations,
never another technician's, so it is there from start-up and the same after a restart.
It is grouped by ticket. Which entries were read is the technician's own (`ReadMarks`),
kept by the window in the workstation's settings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from types import MappingProxyType
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockKind, duration_text
from desk_app.domain.ticket import format_number
from desk_app.services.audience import Scope, in_scope
from desk_app.services.monitor import Crossing
from desk_app.store.engine import Database
from desk_app.store.models import SlaNotification, Technician, Ticket

__all__ = ["Scope", "in_scope"]  # and the rest; these two live in services/audience.py

SUMMARY_AFTER = 3  # more crossings than this in one tick: one summary notification


@dataclass(frozen=True)
class AlertRules:
    scope: Scope = Scope.MINE_AND_UNASSIGNED
    levels: frozenset[Risk] = frozenset({Risk.APPROACHING, Risk.AT_RISK, Risk.CRITICAL,
                                         Risk.BREACHED})
    quiet_from: time | None = None  # e.g. 19:00
    quiet_to: time | None = None    # e.g. 07:00 (may wrap past midnight)
    snoozed_until: datetime | None = None
    tz: str = "UTC"


@dataclass(frozen=True)
class Notice:
    """One message: a desktop notification and/or a line in the in-app list."""

    title: str
    body: str
    ticket_id: int | None = None
    level: Risk = Risk.NONE
    at: datetime | None = None
    # The tickets a summary speaks for (a single ticket's notice has `ticket_id` instead).
    ticket_ids: tuple[int, ...] = ()

    @property
    def tickets(self) -> tuple[int, ...]:
        """Every ticket this notice announces: what must be read for it to be done with."""
        return self.ticket_ids or ((self.ticket_id,) if self.ticket_id is not None else ())


@dataclass(frozen=True)
class AlertPlan:
    desktop: tuple[Notice, ...] = ()
    in_app: tuple[Notice, ...] = ()
    held: tuple[str, ...] = field(default=())  # why some were not sent to the desktop


def escalation_title(number: str, assignee: str) -> str:
    """'Escalation: HD-1042 breached its resolution target, assigned to Bob'."""
    whose = f"assigned to {assignee}" if assignee else "unassigned"
    return f"Escalation: {number} breached its resolution target, {whose}"


def describe(c: Crossing, now: datetime, tz: ZoneInfo) -> Notice:
    if c.escalation:
        ago = duration_text((now - c.due_at).total_seconds()) if c.due_at else ""
        return Notice(title=escalation_title(c.number, c.assignee),
                      body=c.title + (f" · breached {ago} ago" if ago else ""),
                      ticket_id=c.ticket_id, level=c.level, at=now)
    clock = c.clock.label
    if c.level is Risk.BREACHED:
        ago = duration_text((now - c.due_at).total_seconds()) if c.due_at else ""
        body = f"{clock.capitalize()} target breached" + (f" {ago} ago" if ago else "")
    else:
        due = f", due {c.due_at.astimezone(tz):%a %H:%M}" if c.due_at else ""
        body = f"{clock.capitalize()} {c.level.label.lower()}{due}"
    if c.assignee:
        body += f" · {c.assignee}"
    return Notice(title=f"{c.number} {c.title}", body=body, ticket_id=c.ticket_id,
                  level=c.level, at=now)


def in_quiet_hours(rules: AlertRules, now: datetime) -> bool:
    if rules.quiet_from is None or rules.quiet_to is None or rules.quiet_from == rules.quiet_to:
        return False
    local = now.astimezone(ZoneInfo(rules.tz)).time()
    if rules.quiet_from < rules.quiet_to:
        return rules.quiet_from <= local < rules.quiet_to
    return local >= rules.quiet_from or local < rules.quiet_to


def plan(crossings: Sequence[Crossing], rules: AlertRules, *, me_id: int | None,
         now: datetime) -> AlertPlan:
    """Split crossings into desktop notifications and in-app entries."""
    tz = ZoneInfo(rules.tz)
    in_app = tuple(describe(c, now, tz) for c in crossings)
    held: list[str] = []
    if not crossings:
        return AlertPlan()
    if rules.snoozed_until is not None and now < rules.snoozed_until:
        return AlertPlan(in_app=in_app, held=("notifications paused",))
    if in_quiet_hours(rules, now):
        return AlertPlan(in_app=in_app, held=("quiet hours",))
    # An escalation is told whatever the scope (the monitor decided it for a supervisor).
    wanted = [n for c, n in zip(crossings, in_app, strict=True)
              if c.level in rules.levels
              and (c.escalation or _in_scope(c, rules.scope, me_id))]
    if len(wanted) < len(crossings):
        held.append("outside scope or level")
    if len(wanted) > SUMMARY_AFTER:
        return AlertPlan(desktop=(summary(wanted, crossings, now),), in_app=in_app,
                         held=tuple(held))
    return AlertPlan(desktop=tuple(wanted), in_app=in_app, held=tuple(held))


def summary(notices: Sequence[Notice], crossings: Sequence[Crossing], now: datetime
            ) -> Notice:
    """'7 tickets breached their resolution target' or '9 SLA alerts: 4 breached, …'."""
    by_ticket = {n.ticket_id for n in notices}
    relevant = [c for c in crossings if c.ticket_id in by_ticket]
    kinds = Counter((c.level, c.clock) for c in relevant)
    worst = max((n.level for n in notices), key=lambda r: r.severity)
    if len(kinds) == 1:
        (level, clock), count = next(iter(kinds.items()))
        verb = "breached" if level is Risk.BREACHED else f"are {level.label.lower()} on"
        title = f"{count} tickets {verb} their {clock.label} target"
    else:
        levels = Counter(c.level for c in relevant)
        parts = ", ".join(f"{n} {lvl.label.lower()}" for lvl, n in
                          sorted(levels.items(), key=lambda kv: -kv[0].severity))
        title = f"{len(relevant)} SLA alerts: {parts}"
    escalations = sum(1 for c in relevant if c.escalation)
    if escalations:  # a supervisor's burst: say how much of it is others' breaches
        title += f" ({escalations} escalation{'s' if escalations != 1 else ''})"
    numbers = ", ".join(sorted({c.number for c in relevant})[:6])
    more = "…" if len({c.number for c in relevant}) > 6 else ""
    return Notice(title=title, body=f"{numbers}{more}", level=worst, at=now,
                  ticket_ids=tuple(sorted({c.ticket_id for c in relevant})))


def _in_scope(c: Crossing, scope: Scope, me_id: int | None) -> bool:
    return in_scope(c.assignee_id, scope, me_id)




# -- the in-app list -----------------------------------------------------------------------

KEEP = 500  # newest stored notifications the list reads: the list, not a log


@dataclass(frozen=True)
class AlertEntry:
    """One stored notification, with its ticket as it is now."""

    id: int  # sla_notification.id: grows with time, so it orders entries and marks reads
    ticket_id: int
    number: str
    title: str
    clock: ClockKind
    level: Risk
    at: datetime
    assignee: str
    escalation: bool = False  # a resolution breach told to a supervisor

    @property
    def text(self) -> str:
        """'Resolution breached', 'First response at risk', 'Escalation: resolution
        breached'."""
        if self.escalation:
            return f"Escalation: {self.clock.label} {self.level.label.lower()}"
        return f"{self.clock.label.capitalize()} {self.level.label.lower()}"


@dataclass(frozen=True)
class AlertGroup:
    """A ticket's entries: the newest shown, the earlier ones folded under it."""

    newest: AlertEntry
    earlier: tuple[AlertEntry, ...]  # newest first

    @property
    def ticket_id(self) -> int:
        return self.newest.ticket_id

    @property
    def entries(self) -> tuple[AlertEntry, ...]:
        return (self.newest, *self.earlier)


def group_by_ticket(entries: Iterable[AlertEntry]) -> list[AlertGroup]:
    """One group per ticket, the ticket with the newest entry first."""
    by_ticket: dict[int, list[AlertEntry]] = {}
    for entry in sorted(entries, key=lambda e: -e.id):
        by_ticket.setdefault(entry.ticket_id, []).append(entry)
    return [AlertGroup(newest=items[0], earlier=tuple(items[1:]))
            for items in by_ticket.values()]


@dataclass(frozen=True)
class ReadMarks:
    """What the technician has read: every entry up to `through`, and per ticket every
    entry up to its mark (opening a ticket reads its entries, not the others')."""

    through: int = 0
    tickets: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))

    def is_read(self, entry: AlertEntry) -> bool:
        return entry.id <= max(self.through, self.tickets.get(entry.ticket_id, 0))

    def ticket_read(self, ticket_id: int, entries: Iterable[AlertEntry]) -> ReadMarks:
        newest = max((e.id for e in entries if e.ticket_id == ticket_id), default=0)
        if newest <= max(self.through, self.tickets.get(ticket_id, 0)):
            return self
        return ReadMarks(self.through, MappingProxyType({**self.tickets, ticket_id: newest}))

    def all_read(self, entries: Iterable[AlertEntry]) -> ReadMarks:
        """Everything up to the newest entry shown counts as read, including older ones
        that the scope hides: the technician did not ask for those."""
        through = max((e.id for e in entries), default=0)
        if through <= self.through:
            return self
        return ReadMarks(through, MappingProxyType(
            {t: i for t, i in self.tickets.items() if i > through}))

    def to_text(self) -> str:
        """'120;7:131,9:140' for the settings file; marks below `through` are dropped."""
        marks = ",".join(f"{t}:{i}" for t, i in sorted(self.tickets.items())
                         if i > self.through)
        return f"{self.through};{marks}"

    @classmethod
    def from_text(cls, text: str) -> ReadMarks:
        """The inverse of `to_text`; anything unreadable reads as nothing read."""
        try:
            head, _, tail = text.partition(";")
            through = int(head or 0)
            tickets = {int(t): int(i) for t, i in
                       (pair.split(":", 1) for pair in tail.split(",") if pair)}
        except ValueError:
            return cls()
        return cls(through, MappingProxyType(tickets))


class AlertLog:
    """Reads one technician's stored notifications for the in-app list."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def recent(self, *, technician_id: int | None, limit: int = KEEP) -> list[AlertEntry]:
        """The newest `limit` notifications told to the technician (their own alerts and
        their escalations), newest first, with each ticket as it is now: one walk back
        along the (technician, id) index. Run at start-up and when Settings change; ticks
        use `newer`. No technician: nothing (a window that acts for nobody is told
        nothing)."""
        if technician_id is None:
            return []
        return self._read(col(SlaNotification.technician_id) == technician_id, limit)

    def newer(self, after: int, *, technician_id: int | None, limit: int = KEEP
              ) -> list[AlertEntry]:
        """`recent`, only those stored after the entry `after`."""
        if technician_id is None:
            return []
        return self._read((col(SlaNotification.technician_id) == technician_id)
                          & (col(SlaNotification.id) > after), limit)

    def _read(self, where: Any, limit: int) -> list[AlertEntry]:
        """Listed entries newest first (the memory migration 0009 carried over to other
        technicians is not listed)."""
        n, t = SlaNotification, Ticket
        stmt = (select(col(n.id), col(n.ticket_id), col(n.clock), col(n.level),
                       col(n.notified_at), col(t.number), col(t.title), col(Technician.name),
                       col(n.escalation))
                .join(t, col(t.id) == n.ticket_id)
                .outerjoin(Technician, col(Technician.id) == t.assignee_id)
                .where(where, col(n.listed)).order_by(col(n.id).desc()).limit(limit))
        with self._db.session_scope() as s:
            return [AlertEntry(id=cast(int, r[0]), ticket_id=r[1], number=format_number(r[5]),
                               title=r[6], clock=ClockKind(r[2]), level=Risk(r[3]), at=r[4],
                               assignee=r[7] or "", escalation=bool(r[8]))
                    for r in s.execute(stmt)]
