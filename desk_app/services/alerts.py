"""Which SLA crossings become desktop notifications, and what they say. No Qt.

Every crossing lands in the in-app list. A desktop notification is sent only for crossings
in the technician's scope (mine, unassigned, or all), at a level they asked for, outside
quiet hours and outside a "pause notifications" window; many crossings at once become one
summary instead of a flood.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import duration_text
from desk_app.services.monitor import Crossing

SUMMARY_AFTER = 3  # more crossings than this in one tick: one summary notification


class Scope(StrEnum):
    MINE = "mine"
    MINE_AND_UNASSIGNED = "mine_and_unassigned"
    ALL = "all"

    @property
    def label(self) -> str:
        return {"mine": "My tickets", "mine_and_unassigned": "My tickets and unassigned",
                "all": "All tickets"}[self.value]


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


@dataclass(frozen=True)
class AlertPlan:
    desktop: tuple[Notice, ...] = ()
    in_app: tuple[Notice, ...] = ()
    held: tuple[str, ...] = field(default=())  # why some were not sent to the desktop


def describe(c: Crossing, now: datetime, tz: ZoneInfo) -> Notice:
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
    wanted = [n for c, n in zip(crossings, in_app, strict=True)
              if c.level in rules.levels and _in_scope(c, rules.scope, me_id)]
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
    numbers = ", ".join(sorted({c.number for c in relevant})[:6])
    more = "…" if len({c.number for c in relevant}) > 6 else ""
    return Notice(title=title, body=f"{numbers}{more}", level=worst, at=now)


def _in_scope(c: Crossing, scope: Scope, me_id: int | None) -> bool:
    if scope is Scope.ALL:
        return True
    mine = me_id is not None and c.assignee_id == me_id
    return mine or (scope is Scope.MINE_AND_UNASSIGNED and c.assignee_id is None)


