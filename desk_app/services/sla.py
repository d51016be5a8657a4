"""Keeps every ticket's stored SLA clock results true to its history.

`refresh` runs inside the transaction of each ticket change (TicketService calls it), so
the stored due times, breach flags and next-change instant never disagree with the events.
Editing calendars or policies recomputes all open tickets in one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.enums import EventKind, Status, Tier
from desk_app.domain.risk import clock_risk, ticket_risk
from desk_app.domain.sla import SlaSetup, TicketFacts, default_setup
from desk_app.domain.sla_clock import (
    FACT_FIELDS,
    ClockResult,
    ClockState,
    HistoryEvent,
    SlaReplay,
    duration_text,
    facts_seen,
    replay,
)
from desk_app.services.clock import Clock
from desk_app.services.sla_config import ensure_default_setup, load_setup, store_setup
from desk_app.store.bulk import lock_for_writing, raw_rows, update_tickets
from desk_app.store.engine import Database
from desk_app.store.models import Organization, Ticket, TicketEvent
from desk_app.store.types import utc_from_driver

log = logging.getLogger(__name__)
D = TypeVar("D")  # an instant: a datetime, or the driver's text for one
OPEN_STATUSES = [s.value for s in Status if s.is_open]
_CHUNK = 5000  # ticket ids per IN list: well under SQLite's 32,766 bound parameters


def clock_columns(r: SlaReplay, now: datetime) -> dict[str, Any]:
    """The ticket columns that store one replay's results."""
    out: dict[str, Any] = {"sla_policy": r.policy, "sla_computed_at": now}
    nexts, urgent = [], []
    for prefix, clock in (("response", r.first_response), ("resolution", r.resolution)):
        out[f"{prefix}_state"] = clock.state if clock else None
        out[f"{prefix}_target_s"] = clock.target_s if clock else None
        out[f"{prefix}_used_s"] = clock.used_s if clock else None
        out[f"{prefix}_due_at"] = clock.due_at if clock else None
        out[f"{prefix}_breached"] = bool(clock and clock.breached_at is not None)
        if clock and clock.next_change_at is not None:
            nexts.append(clock.next_change_at)
        if clock and clock.state in (ClockState.RUNNING, ClockState.BREACHED) and clock.due_at:
            urgent.append(clock.due_at)
    out["sla_risk"] = ticket_risk(r)
    out["response_risk"] = clock_risk(r.first_response)
    out["resolution_risk"] = clock_risk(r.resolution)
    out["sla_next_change_at"] = min(nexts) if nexts else None
    out["sla_urgent_due_at"] = min(urgent) if urgent else None
    return out


def stale_or_due(now: datetime) -> Any:
    """Stored clocks missing, older than the ticket's last change (written by something that
    did not recompute them), or with their next change due: the rows the monitor replays.
    Every other row holds exactly what a replay under the stored setup gives now, save a
    paused clock's due time ("if resumed now"), which moves with the clock."""
    # NULL-safe throughout (a paused or stopped clock has no next change), so that its
    # negation, which `_settled_dues` takes, is true or false and never NULL.
    return (col(Ticket.sla_computed_at).is_(None)
            | (col(Ticket.sla_computed_at) < col(Ticket.updated_at))
            | (col(Ticket.sla_next_change_at).is_not(None)
               & (col(Ticket.sla_next_change_at) <= now)))


def history(s: Session, ticket_id: int) -> list[HistoryEvent]:
    rows = s.execute(select(col(TicketEvent.at), col(TicketEvent.kind), col(TicketEvent.field),
                            col(TicketEvent.old_value), col(TicketEvent.new_value))
                     .where(col(TicketEvent.ticket_id) == ticket_id)
                     .order_by(col(TicketEvent.at), col(TicketEvent.id)))
    return [HistoryEvent(at=r[0], kind=r[1], field=r[2], old_value=r[3], new_value=r[4])
            for r in rows]


@dataclass(frozen=True)
class SetupChangePreview:
    """What saving a new setup would do to the open tickets."""

    open_tickets: int
    due_moves: int
    policy_changes: int


@dataclass(frozen=True)
class _Prepared:
    """A preview's work, kept for the save that follows it: the clock columns (`keys` in
    order) of every ticket the new setup changes, valid while the desk still reads
    `marker`."""

    new: SlaSetup
    marker: tuple[Any, ...]
    keys: tuple[str, ...]
    columns: dict[int, tuple[Any, ...]]
    preview: SetupChangePreview


class _PolicyDiff:
    """Whether two setups pick a different policy, or a different calendar for it, for a
    ticket's facts; memoised, since a desk has few distinct combinations of facts."""

    def __init__(self, old: SlaSetup, new: SlaSetup) -> None:
        self._old, self._new = old, new
        self._seen: dict[TicketFacts, bool] = {}

    def any(self, facts: Iterable[TicketFacts]) -> bool:
        return any(self._differs(f) for f in facts)

    def _differs(self, facts: TicketFacts) -> bool:
        found = self._seen.get(facts)
        if found is None:
            old, new = self._old.policy_for(facts), self._new.policy_for(facts)
            found = old != new or (old is not None and new is not None
                                   and self._old.calendar_of(old) != self._new.calendar_of(new))
            self._seen[facts] = found
        return found


def _desk_marker(s: Session) -> tuple[Any, ...]:
    """What a replay of the open tickets reads, summarised: the stored setup, the newest
    event (every ticket change writes one), the tickets' count, top id, versions and last
    update, and the organizations' tiers (a tier change writes no ticket event). Equal
    markers mean a preview's replays are still what a fresh replay would give. A few
    aggregate queries: some 30 ms on a 100,000-ticket desk."""
    event = s.execute(select(func.max(col(TicketEvent.id)))).scalar()
    tickets = tuple(s.execute(select(func.count(), func.max(col(Ticket.id)),
                                     func.sum(col(Ticket.version)),
                                     func.max(col(Ticket.updated_at)))).one())
    tiers = tuple(s.execute(select(col(Organization.id), col(Organization.tier))
                            .order_by(col(Organization.id))).all())
    return (load_setup(s), event, tickets, tiers)


class SlaService:
    """Computes, stores and explains SLA clocks; owns the in-memory SLA setup."""

    def __init__(self, db: Database, clock: Clock, *, user_tz: str = "UTC") -> None:
        self._db = db
        self._clock = clock
        self._user_tz = user_tz
        self._setup: SlaSetup | None = None
        self._lock = threading.Lock()  # the monitor thread reads the setup too
        self._prepared: _Prepared | None = None  # the last preview, for the save after it

    @property
    def user_tz(self) -> str:
        """The technician's time zone, for messages and default calendars."""
        return self._user_tz

    def setup(self) -> SlaSetup:
        with self._lock:
            if self._setup is None:
                with self._db.session_scope() as s:
                    self._setup = ensure_default_setup(s, self._user_tz)
            return self._setup

    def business_seconds(self, policy: str | None, start: datetime, end: datetime) -> float:
        """Working seconds between two instants on the named policy's calendar (wall-clock
        seconds when the policy is unknown, e.g. deleted meanwhile)."""
        setup = self.setup()
        found = next((p for p in setup.policies if p.name == policy), None)
        if found is None:
            return (end - start).total_seconds()
        return setup.calendar_of(found).between(start, end)

    def replay_ticket(self, ticket_id: int) -> SlaReplay:
        """Both clocks as of now, fresh from the history in a session of its own. Only tests
        call this: it is their reference replay, to check what the ticket's detail and the
        monitor's tick carry (the application gets the clocks with those, never from here)."""
        with self._db.session_scope() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None:
                return SlaReplay(None, None, None)
            return self._replay(s, ticket, self._clock())

    def replay_in(self, s: Session, ticket: Ticket, *, now: datetime) -> SlaReplay:
        """Both clocks as of `now` inside the caller's session, storing nothing: for a use
        case that reads or changes the ticket without touching its clocks, so the detail
        it returns carries them (the window never replays)."""
        return self._replay(s, ticket, now)

    def _replay(self, s: Session, ticket: Ticket, now: datetime,
                setup: SlaSetup | None = None) -> SlaReplay:
        assert ticket.id is not None
        tier = None
        if ticket.organization_id is not None:
            org = s.get(Organization, ticket.organization_id)
            tier = org.tier if org else None
        return replay(history(s, ticket.id), setup or self.setup(), now, tier=tier,
                      product=ticket.product)

    def refresh(self, s: Session, ticket: Ticket, *, actor: str, now: datetime,
                setup: SlaSetup | None = None) -> SlaReplay:
        """Recompute and store the ticket's clocks inside the caller's transaction; a change
        of policy is written to the timeline."""
        assert ticket.id is not None
        s.flush()
        result = self._replay(s, ticket, now, setup)
        if ticket.sla_policy is not None and result.policy != ticket.sla_policy:
            s.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor,
                              kind=EventKind.SLA_POLICY_CHANGED, field="sla_policy",
                              old_value=ticket.sla_policy, new_value=result.policy))
        for key, value in clock_columns(result, now).items():
            setattr(ticket, key, value)
        return result

    def preview(self, new_setup: SlaSetup) -> SetupChangePreview:
        """How many open tickets' due times (and policies) would move under `new_setup`.

        Only the tickets whose policy or calendar the edit can change are replayed (see
        `_prepare`), and the result is kept: a `save_setup` of the same setup right after,
        with the desk unchanged meanwhile, stores it instead of replaying again."""
        with self._db.session_scope() as s:
            prepared = self._prepare(s, new_setup, self._clock())
        with self._lock:
            self._prepared = prepared
        return prepared.preview

    def discard_preview(self) -> None:
        """Drop the kept preview (the technician cancelled): on an edit that re-times every
        ticket it holds some 90,000 rows of clock columns."""
        with self._lock:
            self._prepared = None

    def save_setup(self, new_setup: SlaSetup, *, actor: str) -> int:
        """Store the new calendars and policies and recompute the open tickets it affects,
        all in one transaction (batched updates). Returns how many open tickets were
        checked; each ticket whose policy changes gets a timeline event.

        Reuses the last `preview` of the same setup when neither the stored setup nor any
        ticket, event or organization changed since (`_desk_marker`, read under the write
        lock so nothing can change between the check and the write); else replays."""
        with self._lock:
            prepared, self._prepared = self._prepared, None
        # No lock over the transaction: recomputing open tickets can take seconds, and
        # setup()/business_seconds (table painting on the GUI thread) must not wait for it.
        with self._db.session_scope() as s:
            lock_for_writing(s)
            marker = _desk_marker(s)
            if prepared is None or prepared.new != new_setup or prepared.marker != marker:
                prepared = self._prepare(s, new_setup, self._clock(), marker=marker)
            # Stamped with the save's instant even when the preview's replays are reused:
            # the monitor's tick looks for crossings among rows computed since its last
            # run, and a preview is usually older than that (the technician reads the
            # question first). Nothing the replays read changed meanwhile (the marker);
            # a threshold or due time passed meanwhile is next_change_at <= now, which the
            # next tick recomputes.
            now = self._clock()
            store_setup(s, new_setup)
            is_open = col(Ticket.status).in_(OPEN_STATUSES)
            old_policy = dict(s.execute(select(col(Ticket.id), col(Ticket.sla_policy))
                                        .where(is_open)).all())
            updates: list[dict[str, Any]] = []
            for ticket_id, values in prepared.columns.items():
                cols = dict(zip(prepared.keys, values, strict=True))
                cols["sla_computed_at"] = now
                updates.append({"id": ticket_id, **cols})
                before = old_policy.get(ticket_id)
                if before is not None and before != cols["sla_policy"]:
                    s.add(TicketEvent(ticket_id=ticket_id, at=now, actor=actor,
                                      kind=EventKind.SLA_POLICY_CHANGED,
                                      field="sla_policy", old_value=before,
                                      new_value=cols["sla_policy"]))
            update_tickets(s, updates)
        # Only once the transaction has committed does the app use the new setup, in its
        # stored form, so the monitor's reload does not mistake it for a foreign edit.
        with self._lock, self._db.session_scope() as s:
            self._setup = load_setup(s) or new_setup
        return prepared.preview.open_tickets

    def _prepare(self, s: Session, new_setup: SlaSetup, now: datetime, *,
                 marker: tuple[Any, ...] | None = None) -> _Prepared:
        """Replay, under the stored setup and under `new_setup`, only the open tickets
        whose facts (now or earlier in their history) get a different policy or calendar
        from the two: for every other ticket both replays are equal by construction, and
        its stored clocks (kept current by the monitor) stay as they are. Finding them
        reads only each ticket's creation snapshot and fact changes, a few rows instead
        of its whole history; editing one policy on a 89,000-ticket desk then replays
        that policy's tickets, each history read once for both setups."""
        if marker is None:  # save_setup passes the one it has just read
            marker = _desk_marker(s)
        # Never self.setup() here: it may write the defaults in a session of its own,
        # which would wait on the write lock `save_setup` holds.
        old_setup = load_setup(s) or self._setup or default_setup(self._user_tz)
        differs = _PolicyDiff(old_setup, new_setup)
        is_open = col(Ticket.status).in_(OPEN_STATUSES)
        facts = self._ticket_facts(s, is_open)
        affected: list[int] = []
        total = 0
        stmt = (select(col(TicketEvent.ticket_id), col(TicketEvent.kind),
                       col(TicketEvent.field), col(TicketEvent.new_value))
                .where(col(TicketEvent.ticket_id).in_(select(col(Ticket.id)).where(is_open)),
                       (col(TicketEvent.kind) == EventKind.CREATED.value)
                       | ((col(TicketEvent.kind) == EventKind.FIELD_CHANGED.value)
                          & col(TicketEvent.field).in_(FACT_FIELDS)))
                .order_by(col(TicketEvent.ticket_id), col(TicketEvent.at),
                          col(TicketEvent.id)))
        for ticket_id, rows in groupby(raw_rows(s, stmt), key=itemgetter(0)):
            first, *changes = rows
            total += 1
            tier, product = facts.get(ticket_id, (None, None))
            if first[1] != EventKind.CREATED.value or differs.any(facts_seen(
                    first[3], ((r[2], r[3]) for r in changes), tier=tier, product=product)):
                affected.append(ticket_id)
        columns: dict[int, tuple[Any, ...]] = {}
        keys: tuple[str, ...] = ()
        moves = changes_count = 0
        for start in range(0, len(affected), _CHUNK):
            chunk = affected[start:start + _CHUNK]
            # The stored clocks are the old setup's replay, checkpointed: where they cannot
            # have moved since, they stand in for it, and each ticket is replayed once.
            stored = _settled_dues(s, chunk, now) if load_setup(s) == old_setup else {}
            for ticket_id, events, tier, product in self._histories(
                    s, is_open & col(Ticket.id).in_(chunk)):
                after = replay(events, new_setup, now, tier=tier, product=product)
                b = stored.get(ticket_id) or _due_and_policy(
                    replay(events, old_setup, now, tier=tier, product=product))
                a = _due_and_policy(after)
                moves += b[:2] != a[:2]
                changes_count += b[2] != a[2]
                cols = clock_columns(after, now)
                keys = keys or tuple(cols)
                columns[ticket_id] = tuple(cols.values())
        return _Prepared(new=new_setup, marker=marker, keys=keys, columns=columns,
                         preview=SetupChangePreview(open_tickets=total, due_moves=moves,
                                                    policy_changes=changes_count))

    def preview_tier(self, s: Session, where: Any, tier: Tier | None, *, now: datetime
                     ) -> SetupChangePreview:
        """What giving the tickets matching `where` (one organization's open tickets) the
        tier `tier` would do to their clocks: each replayed with the tier it has and with
        `tier` (the tier is read live by every replay, see domain/sla_clock.py), nothing
        stored."""
        setup = self.setup()
        total = moves = changes = 0
        for _ticket_id, events, old_tier, product in self._histories(s, where):
            total += 1
            b = _due_and_policy(replay(events, setup, now, tier=old_tier, product=product))
            a = _due_and_policy(replay(events, setup, now, tier=tier, product=product))
            moves += b[:2] != a[:2]
            changes += b[2] != a[2]
        return SetupChangePreview(open_tickets=total, due_moves=moves, policy_changes=changes)

    def retime(self, s: Session, where: Any, *, now: datetime, actor: str,
               reason: str | None = None) -> tuple[int, int]:
        """Recompute and store the clocks of the tickets matching `where` inside the
        caller's transaction, after a change that replays read but no ticket event records
        (an organization's tier): batched, as a setup save does. Each ticket whose policy
        changes gets its SLA_POLICY_CHANGED event, `reason` as its body. Returns (tickets
        re-timed, policy changes)."""
        s.flush()
        old_policy = dict(s.execute(select(col(Ticket.id), col(Ticket.sla_policy))
                                    .where(where)).all())
        updates: list[dict[str, Any]] = []
        changes = 0
        for ticket_id, result in self.replay_many(s, where, now=now):
            updates.append({"id": ticket_id, **clock_columns(result, now)})
            before = old_policy.get(ticket_id)
            if before is not None and before != result.policy:
                changes += 1
                s.add(TicketEvent(ticket_id=ticket_id, at=now, actor=actor,
                                  kind=EventKind.SLA_POLICY_CHANGED, field="sla_policy",
                                  old_value=before, new_value=result.policy, body=reason))
        update_tickets(s, updates)
        return len(updates), changes

    def replay_many(self, s: Session, where: Any, *, now: datetime,
                    setup: SlaSetup | None = None) -> Iterator[tuple[int, SlaReplay]]:
        """Replay every ticket matching `where` from one streamed event query (ordered by
        ticket), instead of one history query per ticket."""
        setup = setup or self.setup()
        for ticket_id, events, tier, product in self._histories(s, where):
            yield ticket_id, replay(events, setup, now, tier=tier, product=product)

    def _histories(self, s: Session, where: Any
                   ) -> Iterator[tuple[int, list[HistoryEvent], Tier | None, str | None]]:
        """(ticket id, ordered events, tier, product) of every ticket matching `where` that
        has events, from one streamed event query."""
        facts = self._ticket_facts(s, where)
        if not facts:
            return
        stmt = (
            select(col(TicketEvent.ticket_id), col(TicketEvent.at), col(TicketEvent.kind),
                   col(TicketEvent.field), col(TicketEvent.old_value),
                   col(TicketEvent.new_value))
            .where(col(TicketEvent.ticket_id).in_(select(col(Ticket.id)).where(where)),
                   _REPLAYED_EVENTS)
            .order_by(col(TicketEvent.ticket_id), col(TicketEvent.at), col(TicketEvent.id)))
        current: int | None = None
        events: list[HistoryEvent] = []
        for r in raw_rows(s, stmt):
            if r[0] != current:
                if current is not None and events:
                    yield current, events, *facts[current]
                current, events = r[0], []
            # Positional: a named tuple is made faster so, 215,000 times on a big desk.
            events.append(HistoryEvent(_instant(r[1]), _KINDS[r[2]], r[3], r[4], r[5]))
        if current is not None and events:
            yield current, events, *facts[current]

    def _ticket_facts(self, s: Session, where: Any
                      ) -> dict[int, tuple[Tier | None, str | None]]:
        """(tier, product) of every ticket matching `where`: the facts a replay takes as
        they are now."""
        tiers = dict(s.execute(select(col(Organization.id), col(Organization.tier))).all())
        found: dict[Any, tuple[Tier | None, str | None]] = {}
        for r in s.execute(select(col(Ticket.id), col(Ticket.organization_id),
                                  col(Ticket.product))
                           .where(where).execution_options(yield_per=2000)):
            found[r[0]] = (tiers.get(r[1]), r[2])
        return found

    def backfill(self, *, batch: int = 5000) -> int:
        """Compute clocks for tickets that have none yet (after the upgrade that added them).

        Bulk updates by primary key over `replay_many`: 100,000 tickets take seconds instead
        of the minute ticket-by-ticket refreshes would.
        """
        now = self._clock()
        with self._db.session_scope() as s:
            updates = [{"id": ticket_id, **clock_columns(result, now)}
                       for ticket_id, result in self.replay_many(
                           s, col(Ticket.sla_computed_at).is_(None), now=now)]
            return update_tickets(s, updates, batch)

    def reload(self) -> None:
        """Re-read the stored setup (another window or process may have saved a new one;
        whoever saved it recomputed the open tickets in the same transaction)."""
        with self._lock, self._db.session_scope() as s:
            self._setup = load_setup(s) or self._setup



FIRST_RESPONSE = "First response"
RESOLUTION = "Resolution"
# Members, not their text: a StrEnum equals its value, so the same comparisons serve the
# typed rows of the ticket table and the driver's raw text in the view export.
_MISSED = ClockState.BREACHED_STOPPED
_LIVE = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)


def clock_text(state: str | None, due_at: datetime | None, left_s: float | None,
               now: datetime, *, over_s: float | None = None, label: str = RESOLUTION
               ) -> str:
    """The time-left cell: '2 h 13 m left', 'Paused', 'Met', 'Breached 35 m ago',
    'Missed by 2 h' (a stopped clock past its target; 'Response missed by 15 m' for the
    first response), ''. `over_s` is the business time used beyond the target."""
    if state is None:
        return ""
    if state == ClockState.PAUSED:
        return "Paused"
    if state == ClockState.MET:
        return "Met"
    if state == _MISSED:
        word = "Response missed" if label == FIRST_RESPONSE else "Missed"
        if over_s is not None and over_s >= 60:
            # Whole hours (or days past 99 h) keep the cell short; the pane has the rest.
            whole = over_s - over_s % 3600 if over_s >= 3600 else over_s
            return f"{word} by {duration_text(whole, coarse=True)}"
        return word
    if state == ClockState.BREACHED:
        if due_at is not None:
            return f"Breached {duration_text((now - due_at).total_seconds(), coarse=True)} ago"
        return "Breached"
    if left_s is None:
        return ""
    return f"{duration_text(left_s)} left"


def urgent_clock(*, response_state: str | None, response_due_at: D | None,
                 resolution_state: str | None, resolution_due_at: D | None,
                 urgent_due_at: D | None) -> tuple[str, str | None, D | None]:
    """(label, state, due) of the clock the "Time left" column speaks for: the first
    response while it is the more urgent one and still running or breached, or when it
    missed its target and the resolution is not live (a closed ticket whose first response
    was late must not read "Met"); else the resolution. Generic in the instant's type, so
    the ticket table (datetimes) and the view export (the driver's UTC text, parsed only
    when needed) decide the same way."""
    if urgent_due_at is not None and urgent_due_at == response_due_at \
            and response_state in (ClockState.RUNNING, ClockState.BREACHED):
        return FIRST_RESPONSE, response_state, response_due_at
    if response_state == _MISSED and resolution_state not in (*_LIVE, _MISSED):
        return FIRST_RESPONSE, response_state, response_due_at
    return RESOLUTION, resolution_state, resolution_due_at


def time_left_text(sla: SlaService | None, policy: str | None, state: str | None,
                   due: datetime | None, now: datetime, *, label: str = RESOLUTION,
                   over_s: float | None = None) -> str:
    """The "Time left" cell for one clock: business time left on the policy's calendar
    while it runs (wall-clock time without an SLA service), as the table shows it."""
    left = None
    if state == ClockState.RUNNING.value and due is not None:
        left = sla.business_seconds(policy, now, due) if sla is not None \
            else (due - now).total_seconds()
    return clock_text(state, due, left, now, over_s=over_s, label=label)


def result_text(result: ClockResult | None, now: datetime) -> str:
    if result is None:
        return "No SLA"
    # The pane labels each clock itself: "Missed by 2 h" on either line.
    return clock_text(result.state.value, result.due_at, result.left_s, now,
                      over_s=-result.left_s)


def _settled_dues(s: Session, ids: list[int], now: datetime
                  ) -> dict[int, tuple[datetime | None, datetime | None, str | None]]:
    """(first response due, resolution due, policy) as stored, for the tickets among `ids`
    whose stored clocks are what a replay under the stored setup gives at `now`: neither
    stale nor due (`stale_or_due`) and neither clock paused (its due time moves with now).
    On a desk the monitor keeps current that is nearly every open ticket."""
    paused = ClockState.PAUSED.value
    found: dict[int, tuple[datetime | None, datetime | None, str | None]] = {}
    for ticket_id, r_state, r_due, s_state, s_due, policy in s.execute(
            select(col(Ticket.id), col(Ticket.response_state), col(Ticket.response_due_at),
                   col(Ticket.resolution_state), col(Ticket.resolution_due_at),
                   col(Ticket.sla_policy))
            .where(col(Ticket.id).in_(ids), ~stale_or_due(now))):
        if ticket_id is not None and r_state != paused and s_state != paused:
            found[ticket_id] = (r_due, s_due, policy)
    return found


def _due_and_policy(r: SlaReplay) -> tuple[datetime | None, datetime | None, str | None]:
    return (r.first_response.due_at if r.first_response else None,
            r.resolution.due_at if r.resolution else None, r.policy)


_KINDS = {k.value: k for k in EventKind}
# The events a replay reads (sla_clock.replay): the creation, status moves, public replies
# (a first response) and changes of the facts that pick a policy. Assignments, notes, other
# field edits and policy-switch records change no clock; leaving them in SQL skips about a
# third of a desk's events (307,573 → 215,095 on the 89,740 open tickets of the benchmark).
_REPLAYED_EVENTS = (
    col(TicketEvent.kind).in_([EventKind.CREATED.value, EventKind.STATUS_CHANGED.value,
                               EventKind.PUBLIC_REPLY.value])
    | ((col(TicketEvent.kind) == EventKind.FIELD_CHANGED.value)
       & col(TicketEvent.field).in_(FACT_FIELDS)))


def _instant(value: Any) -> datetime:
    found = utc_from_driver(value)
    assert found is not None, "ticket events always have a time"
    return found
