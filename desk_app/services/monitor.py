"""The SLA watch: keeps open tickets' stored clocks current and decides what to notify.

No Qt here: the worker thread (workers/sla_monitor.py) calls `tick` and `sweep` with an
injected `now`, and tests call them directly. Each call is one short transaction.

* `tick(now)` asks SQL for the open tickets whose next state change is due
  (`sla_next_change_at <= now`, indexed) and recomputes just those.
* `sweep(now)` recomputes every open ticket (at start-up and every few minutes), to catch
  changes made by another process or a settings edit elsewhere; it also reloads the setup.

Notifications: once per ticket, clock and level within an "episode"; a clock that comes
back to running after a pause or a stop starts a new episode, so crossing again notifies
again. What was notified is stored, so a restart repeats nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.risk import Risk, clock_risk
from desk_app.domain.sla_clock import ClockKind, SlaReplay
from desk_app.domain.ticket import format_number
from desk_app.services.sla import OPEN_STATUSES, SlaService, clock_columns, stale_or_due
from desk_app.services.views import TicketClocks
from desk_app.store.bulk import update_tickets
from desk_app.store.engine import Database
from desk_app.store.models import SlaNotification, Technician, Ticket

_COMPARED = ("sla_risk", "response_state", "resolution_state", "response_due_at",
             "resolution_due_at", "sla_next_change_at", "sla_policy")
# What a tick writes that a later write at the same instant could change.
_WRITTEN = (*_COMPARED, "response_risk", "resolution_risk")


# What the status bar and the tray count (see SlaWatchUi.show_counts).
STATUS_LEVELS = (Risk.BREACHED, Risk.CRITICAL, Risk.AT_RISK, Risk.APPROACHING, Risk.PAUSED)


@dataclass(frozen=True)
class RowUpdate:
    """A ticket whose SLA state changed: the GUI repaints its row. For the ticket the
    window watches (`MonitorService.watch`), `clocks` is the tick's replay, which the
    detail pane renders instead of replaying the ticket again."""

    ticket_id: int
    risk: Risk
    clocks: TicketClocks | None = None


@dataclass(frozen=True)
class Crossing:
    """A ticket's clock reached a level that has not been notified in this episode."""

    ticket_id: int
    number: str
    title: str
    clock: ClockKind
    level: Risk
    due_at: datetime | None
    assignee_id: int | None
    assignee: str


@dataclass(frozen=True)
class TickResult:
    updates: tuple[RowUpdate, ...] = ()
    crossings: tuple[Crossing, ...] = ()
    examined: int = 0
    counts: dict[Risk, int] = field(default_factory=dict)

    def clocks(self) -> dict[int, TicketClocks]:
        """The watched tickets' clocks by ticket id, as this tick replayed them."""
        return replayed_clocks(self.updates)


def replayed_clocks(updates: Sequence[RowUpdate]) -> dict[int, TicketClocks]:
    """The clocks the tick replayed (only the watched ticket carries them), by ticket id."""
    return {u.ticket_id: u.clocks for u in updates if u.clocks is not None}


class MonitorService:
    """What one monitor tick does, with no threads or timers of its own."""

    def __init__(self, db: Database, sla: SlaService, *, actor: str = "SLA monitor") -> None:
        self._db = db
        self._sla = sla
        self._actor = actor
        # The rows the last notifying run wrote: its `now`, and per ticket the values it
        # wrote (see `tick`). Replaced whole, so a reader never sees half of one.
        self._own: tuple[datetime | None, dict[int, tuple[Any, ...]]] = (None, {})
        self._watched: int | None = None

    def watch(self, ticket_id: int | None) -> None:
        """The ticket the window shows: a tick that changes it carries its replayed clocks
        back (the other rows carry only their risk). Keeping every changed row's replay
        would hold about 1 KB per row until the GUI took the result: some 90 MB after a
        sweep that changes all of a 100,000-ticket desk. Called from the GUI thread before
        the ticket loads; one attribute, read once per run by the monitor thread."""
        self._watched = ticket_id

    def tick(self, now: datetime, *, since: datetime | None = None) -> TickResult:
        """Recompute the tickets whose next change is due, and look for new crossings also
        among tickets recomputed by anyone (this window, another process) since `since`."""
        with self._db.session_scope() as s:
            # Two index range scans instead of one OR, which would scan the whole table.
            ids = set(s.execute(select(col(Ticket.id))
                                .where(col(Ticket.sla_next_change_at) <= now)).scalars())
            if since is not None:
                # `>=`, not `>`: a technician's change stamped at the very instant of the
                # previous tick (clocks are coarse: about 16 ms on Windows) may have
                # committed after that tick read, and would otherwise never be looked at.
                # What that tick wrote itself carries the same stamp; skip those rows while
                # they are exactly as it left them (no change since: updated_at older).
                stamp, own = self._own
                for r in s.execute(
                        select(col(Ticket.id), col(Ticket.sla_computed_at),
                               col(Ticket.updated_at), *[getattr(Ticket, c) for c in _WRITTEN])
                        .where(col(Ticket.sla_computed_at) >= since)):
                    if r[1] == stamp and r[2] < r[1] and own.get(r[0]) == tuple(r[3:]):
                        continue
                    ids.add(r[0])
        if not ids:
            return TickResult(examined=0)
        return self._run(now, col(Ticket.status).in_(OPEN_STATUSES)
                         & col(Ticket.id).in_(sorted(ids)))

    def sweep(self, now: datetime, *, full: bool = False) -> TickResult:
        """The slower safety net over every open ticket (see docs/sla.md, "The monitor").

        Reloads the calendars and policies (whoever edited them recomputed the open tickets
        in the same transaction), then recomputes the tickets whose stored results are
        missing or older than their last change, and those whose next change is due.
        `full` recomputes every open ticket from its history (benchmarks, diagnostics)."""
        self._sla.reload()
        if full:
            return self._run(now, col(Ticket.status).in_(OPEN_STATUSES))
        stale = stale_or_due(now)
        return self._run(now, col(Ticket.status).in_(OPEN_STATUSES) & stale)

    def counts(self) -> dict[Risk, int]:
        """Open tickets per risk, every level."""
        with self._db.session_scope() as s:
            return _counts(s)

    def status_counts(self) -> dict[Risk, int]:
        """Open tickets per level the status bar and the tray show (the others read 0), from
        the stored risk columns: what the window shows before its first tick."""
        with self._db.session_scope() as s:
            return _counts(s, STATUS_LEVELS)

    def bring_up_to_date(self, now: datetime) -> int:
        """Recompute the open tickets whose stored clocks are stale or due, without
        deciding notifications (for reports run while no window watches). Returns how many
        were examined."""
        self._sla.reload()
        stale = stale_or_due(now)
        return self._run(now, col(Ticket.status).in_(OPEN_STATUSES) & stale,
                         notify=False).examined

    def _run(self, now: datetime, where: Any, *, notify: bool = True) -> TickResult:
        with self._db.session_scope() as s:
            stored = {r[0]: r[1:] for r in s.execute(
                select(col(Ticket.id), *[getattr(Ticket, c) for c in _COMPARED]).where(where)
                .execution_options(yield_per=2000))}
            if not stored:
                return TickResult(examined=0)
            updates: list[dict[str, Any]] = []
            rows: list[RowUpdate] = []
            alerting: dict[int, SlaReplay] = {}
            watched = self._watched
            for ticket_id, result in self._sla.replay_many(s, where, now=now):
                cols = clock_columns(result, now)
                if tuple(cols[c] for c in _COMPARED) != stored.get(ticket_id):
                    updates.append({"id": ticket_id, **cols})
                    rows.append(RowUpdate(ticket_id, Risk(cols["sla_risk"]),
                                          TicketClocks(result, now)
                                          if ticket_id == watched else None))
                if Risk(cols["response_risk"]).notifies or Risk(cols["resolution_risk"]).notifies:
                    alerting[ticket_id] = result
            update_tickets(s, updates)
            crossings = self._crossings(s, alerting, now) if notify else []
            # The status bar's counts, computed here (off the GUI thread) when they moved.
            counts = _counts(s, STATUS_LEVELS) if rows or crossings or len(stored) > 1000 \
                else {}
        if notify:  # committed, notifications decided: the next tick need not look again
            self._own = (now, {u["id"]: tuple(u[c] for c in _WRITTEN) for u in updates})
        return TickResult(updates=tuple(rows), crossings=tuple(crossings),
                          examined=len(stored), counts=counts)

    def _crossings(self, s: Session, replays: dict[int, SlaReplay], now: datetime
                   ) -> list[Crossing]:
        """New (ticket, clock, level, episode) combinations, recorded as notified."""
        if not replays:
            return []
        ids = list(replays)
        # The most urgent level already told per (ticket, clock, episode), built once: a
        # scan of every notification per clock would be quadratic under the write lock.
        told: dict[tuple[int, str, int], int] = {}
        for ticket_id, clock_name, level, episode in s.execute(
                select(col(SlaNotification.ticket_id), col(SlaNotification.clock),
                       col(SlaNotification.level), col(SlaNotification.episode))
                .where(col(SlaNotification.ticket_id).in_(ids))):
            key = (ticket_id, clock_name, episode)
            told[key] = max(told.get(key, -1), Risk(level).severity)
        info = {r[0]: r[1:] for r in s.execute(
            select(col(Ticket.id), col(Ticket.number), col(Ticket.title),
                   col(Ticket.assignee_id), col(Technician.name))
            .outerjoin(Technician, col(Technician.id) == Ticket.assignee_id)
            .where(col(Ticket.id).in_(ids)))}
        out: list[Crossing] = []
        for ticket_id, result in replays.items():
            for kind in ClockKind:
                clock = result.clock(kind)
                risk = clock_risk(clock)
                if clock is None or not risk.notifies:
                    continue
                # Only news: a level above everything already told in this episode (a
                # lowered priority that drops a clock back a level says nothing).
                if told.get((ticket_id, kind.value, clock.episode), -1) >= risk.severity:
                    continue
                s.add(SlaNotification(ticket_id=ticket_id, clock=kind.value, level=risk.value,
                                      episode=clock.episode, notified_at=now))
                number, title, assignee_id, assignee = info[ticket_id]
                out.append(Crossing(ticket_id=ticket_id, number=format_number(number),
                                    title=title, clock=kind, level=risk,
                                    due_at=clock.due_at, assignee_id=assignee_id,
                                    assignee=assignee or ""))
        return out


def _counts(s: Session, levels: tuple[Risk, ...] | None = None) -> dict[Risk, int]:
    stmt = select(col(Ticket.sla_risk), func.count()).where(
        col(Ticket.status).in_(OPEN_STATUSES))
    if levels is not None:
        # Through the risk index, skipping the on-track bulk: on a 100,000-ticket desk
        # 29 ms instead of 113 ms for every level (the paused ones are most of the 29).
        stmt = stmt.where(col(Ticket.sla_risk).in_([r.value for r in levels]))
    rows = s.execute(stmt.group_by(col(Ticket.sla_risk)))
    out = {r: 0 for r in Risk}
    for risk, count in rows:
        if risk:
            out[Risk(risk)] = count
    return out
