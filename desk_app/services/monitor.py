"""The SLA watch: keeps open tickets' stored clocks current and decides what to notify.

No Qt here: the worker thread (workers/sla_monitor.py) calls `tick` and `sweep` with an
injected `now`, and tests call them directly. Each call is one short transaction.

* `tick(now)` asks SQL for the open tickets whose next state change is due
  (`sla_next_change_at <= now`, indexed) and recomputes just those.
* `sweep(now)` recomputes every open ticket (at start-up and every few minutes), to catch
  changes made by another process or a settings edit elsewhere; it also reloads the setup.

Notifications are decided per technician (issue 12): each window's monitor listens for its
technician and their alert scope (`listen_for`), and stores what it told them under their
name, so what Alice's window records never uses up Bob's. Once per ticket, clock, level and
technician within an "episode"; a clock that comes back to running after a pause or a stop
starts a new episode, so crossing again notifies again. What was notified is stored, so a
restart repeats nothing. A resolution breach is also told to every active supervisor,
whatever their scope (an escalation), once per episode: each supervisor's own monitor
decides it when it ticks. The sweep also looks at the tickets whose stored risk its
technician has not been told of (a crossing another window's monitor wrote while this one
was closed), so nobody misses one because someone else's window saw it first.

The stored clocks stay shared and are written once per change, whoever writes them: a
monitor that finds them current writes nothing, and its write is a compare-and-set on
`sla_computed_at`, so of two monitors that replayed the same ticket at once only the first
writes (see `_run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.risk import Risk, clock_risk
from desk_app.domain.sla_clock import ClockKind, SlaReplay
from desk_app.domain.ticket import format_number
from desk_app.services.audience import Listener, Scope, in_scope, scope_condition
from desk_app.services.sla import OPEN_STATUSES, SlaService, clock_columns, stale_or_due
from desk_app.services.views import TicketClocks
from desk_app.store.bulk import lock_for_writing, update_tickets_unless_changed
from desk_app.store.engine import Database
from desk_app.store.models import SlaNotification, Technician, Ticket
from desk_app.store.notification_rows import insert_new

_COMPARED = ("sla_risk", "response_state", "resolution_state", "response_due_at",
             "resolution_due_at", "sla_next_change_at", "sla_policy")
# What a tick writes that a later write at the same instant could change.
_WRITTEN = (*_COMPARED, "response_risk", "resolution_risk")


_NOTIFYING = [r.value for r in Risk if r.notifies]
_ID_CHUNK = 5000  # ticket ids per IN list: well under SQLite's 32,766 bound parameters

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
    # Told to a supervisor because a resolution target breached on a ticket that is not
    # theirs, whatever their scope (see `MonitorService._crossings`).
    escalation: bool = False


@dataclass(frozen=True)
class _Me:
    """The listening technician as the database has them at this tick."""

    id: int
    scope: Scope
    supervisor: bool


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

    def __init__(self, db: Database, sla: SlaService, *, actor: str = "SLA monitor",
                 listener: Listener | None = None) -> None:
        self._db = db
        self._sla = sla
        self._actor = actor
        self._listener = listener
        # Tickets whose write lost the race to another writer in the last run: looked at
        # again by the next tick (their new stamp may be older than its `since`).
        self._retry: frozenset[int] = frozenset()
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

    def listen_for(self, listener: Listener | None) -> None:
        """Decide notifications for this technician and scope from the next run on (None:
        for nobody; the clocks are still kept current). Called from the GUI thread at start
        and when Settings change; one attribute, read once per run by the monitor thread."""
        self._listener = listener

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
        ids |= self._retry
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
        listener = self._listener
        if listener is not None:
            with self._db.session_scope() as s:
                me = _me(s, listener)
            if me is not None:
                stale = stale | _untold(me)
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
        """Replay the tickets matching `where` in one (read) transaction, then write what
        changed and decide notifications in a second, short one.

        Two transactions, so that monitors of several windows do not fight: the write is a
        compare-and-set on the `sla_computed_at` each row had when it was read. A row
        another writer changed in between (another window's monitor at the same moment, a
        technician's save) is left as they wrote it; if it holds what this replay computed
        it counts as current (notifications are still decided on it), else it is looked
        at again next tick. In one transaction, SQLite would refuse the write outright
        (a read snapshot older than the other's commit cannot become a write: "database
        is locked" at once, a failed tick), and PostgreSQL would write the row twice."""
        listener = self._listener if notify else None
        with self._db.session_scope() as s:
            stored = {r[0]: r[1:] for r in s.execute(
                select(col(Ticket.id), col(Ticket.sla_computed_at),
                       *[getattr(Ticket, c) for c in _COMPARED]).where(where)
                .execution_options(yield_per=2000))}
            if not stored:
                if notify:
                    self._retry = frozenset()
                return TickResult(examined=0)
            updates: list[dict[str, Any]] = []
            rows: list[RowUpdate] = []
            alerting: dict[int, SlaReplay] = {}
            watched = self._watched
            for ticket_id, result in self._sla.replay_many(s, where, now=now):
                cols = clock_columns(result, now)
                seen = stored.get(ticket_id)
                if seen is None or tuple(cols[c] for c in _COMPARED) != seen[1:]:
                    updates.append({"id": ticket_id, **cols,
                                    "seen_sla_computed_at": seen[0] if seen else None})
                    rows.append(RowUpdate(ticket_id, Risk(cols["sla_risk"]),
                                          TicketClocks(result, now)
                                          if ticket_id == watched else None))
                if Risk(cols["response_risk"]).notifies or Risk(cols["resolution_risk"]).notifies:
                    alerting[ticket_id] = result
        lost: set[int] = set()
        with self._db.session_scope() as s:
            if (updates or (listener is not None and alerting)) \
                    and s.connection().dialect.name == "sqlite":
                # Take the write lock first: reading the memory and then inserting into it
                # would otherwise fail if any writer committed in between (see above).
                lock_for_writing(s)
            if updates and update_tickets_unless_changed(
                    s, updates, guard="sla_computed_at") < len(updates):
                lost = _changed_meanwhile(s, updates)
            me = _me(s, listener) if listener is not None else None
            crossings = self._crossings(
                s, {t: r for t, r in alerting.items() if t not in lost}, now, me) \
                if me is not None else []
            # The status bar's counts, computed here (off the GUI thread) when they moved.
            counts = _counts(s, STATUS_LEVELS) if rows or crossings or len(stored) > 1000 \
                else {}
        if notify:  # committed, notifications decided: the next tick need not look again
            # (`bring_up_to_date`, for a report, may run on another thread: it leaves the
            # monitor's own bookkeeping alone)
            self._retry = frozenset(lost)
            self._own = (now, {u["id"]: tuple(u[c] for c in _WRITTEN) for u in updates
                               if u["id"] not in lost})
        return TickResult(updates=tuple(r for r in rows if r.ticket_id not in lost),
                          crossings=tuple(crossings), examined=len(stored), counts=counts)

    def _crossings(self, s: Session, replays: dict[int, SlaReplay], now: datetime, me: _Me
                   ) -> list[Crossing]:
        """New (ticket, clock, level, episode) combinations for the technician `me`, in
        their scope (by the ticket's assignee now), plus, for a supervisor, resolution
        breaches of tickets that are not theirs (escalations, any scope); recorded under
        their name as notified. Another technician's memory is neither read nor written."""
        if not replays:
            return []
        ids = list(replays)
        # The most urgent level already told per (ticket, clock, episode), built once: a
        # scan of every notification per clock would be quadratic under the write lock.
        told: dict[tuple[int, str, int], int] = {}
        info: dict[int, tuple[Any, ...]] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start:start + _ID_CHUNK]
            for ticket_id, clock_name, level, episode in s.execute(
                    select(col(SlaNotification.ticket_id), col(SlaNotification.clock),
                           col(SlaNotification.level), col(SlaNotification.episode))
                    .where(col(SlaNotification.ticket_id).in_(chunk),
                           col(SlaNotification.technician_id) == me.id)):
                key = (ticket_id, clock_name, episode)
                told[key] = max(told.get(key, -1), Risk(level).severity)
            info.update((cast(int, r[0]), tuple(r[1:])) for r in s.execute(
                select(col(Ticket.id), col(Ticket.number), col(Ticket.title),
                       col(Ticket.assignee_id), col(Technician.name))
                .outerjoin(Technician, col(Technician.id) == Ticket.assignee_id)
                .where(col(Ticket.id).in_(chunk))))
        new: list[dict[str, Any]] = []
        found: list[Crossing] = []
        for ticket_id, result in replays.items():
            if ticket_id not in info:  # deleted since the replay
                continue
            number, title, assignee_id, assignee = info[ticket_id]
            ours = in_scope(assignee_id, me.scope, me.id)
            for kind in ClockKind:
                clock = result.clock(kind)
                risk = clock_risk(clock)
                if clock is None or not risk.notifies:
                    continue
                escalation = (me.supervisor and kind is ClockKind.RESOLUTION
                              and risk is Risk.BREACHED and assignee_id != me.id)
                if not (ours or escalation):
                    continue
                # Only news: a level above everything already told in this episode (a
                # lowered priority that drops a clock back a level says nothing).
                if told.get((ticket_id, kind.value, clock.episode), -1) >= risk.severity:
                    continue
                new.append({"ticket_id": ticket_id, "technician_id": me.id,
                            "clock": kind.value, "level": risk.value,
                            "episode": clock.episode, "notified_at": now,
                            "escalation": escalation, "listed": True})
                found.append(Crossing(ticket_id=ticket_id, number=format_number(number),
                                      title=title, clock=kind, level=risk,
                                      due_at=clock.due_at, assignee_id=assignee_id,
                                      assignee=assignee or "", escalation=escalation))
        # Another window of the same technician may have stored some just now: only what
        # this transaction stored is told here.
        stored = insert_new(s, new)
        return [c for c, row in zip(found, new, strict=True)
                if (row["ticket_id"], row["clock"], row["level"], row["episode"]) in stored]


def _me(s: Session, listener: Listener) -> _Me | None:
    """The listener as stored now; None when they are gone or deactivated (a deactivated
    technician is told nothing, escalations included)."""
    row = s.execute(select(col(Technician.active), col(Technician.supervisor))
                    .where(col(Technician.id) == listener.technician_id)).first()
    if row is None or not row[0]:
        return None
    return _Me(id=listener.technician_id, scope=listener.scope, supervisor=bool(row[1]))


def _untold(me: _Me) -> Any:
    """Open tickets whose stored clock risk is one `me` should hear of and has no memory
    of at that level: a crossing another window's monitor wrote (so this one never saw it
    change) while this technician's window was closed. The sweep replays them, and
    `_crossings` decides on the exact episode. (A level told in an earlier episode only
    is not caught here; the ticks catch it while the window is open.)"""
    n = SlaNotification

    def untold(kind: ClockKind, risk: Any, levels: list[str]) -> Any:
        return col(risk).in_(levels) & ~exists().where(
            col(n.ticket_id) == col(Ticket.id), col(n.technician_id) == me.id,
            col(n.clock) == kind.value, col(n.level) == col(risk))

    cond = scope_condition(me.scope, me.id) & (
        untold(ClockKind.FIRST_RESPONSE, Ticket.response_risk, _NOTIFYING)
        | untold(ClockKind.RESOLUTION, Ticket.resolution_risk, _NOTIFYING))
    if me.supervisor:
        cond = cond | untold(ClockKind.RESOLUTION, Ticket.resolution_risk,
                             [Risk.BREACHED.value])
    return cond


def _changed_meanwhile(s: Session, updates: list[dict[str, Any]]) -> set[int]:
    """Of the rows a compare-and-set did not write, those that do not hold what this run
    computed either (another writer stored something else): not current, retried."""
    mine = {u["id"]: tuple(u[c] for c in _COMPARED) for u in updates}
    ids = list(mine)
    lost: set[int] = set()
    for start in range(0, len(ids), _ID_CHUNK):
        for r in s.execute(select(col(Ticket.id), *[getattr(Ticket, c) for c in _COMPARED])
                           .where(col(Ticket.id).in_(ids[start:start + _ID_CHUNK]))):
            if tuple(r[1:]) != mine[r[0]]:
                lost.add(r[0])
    return lost


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
