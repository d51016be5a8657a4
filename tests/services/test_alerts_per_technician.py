"""Issue 12: each technician's own alerts, escalation, and monitors that do not fight.

Several windows on one desk each run a monitor for their own technician (tests/conftest.py
`monitor_for`: a MonitorService of its own, as each window's process has). Clock: P3 first
response 4 h and resolution 24 h, business hours 09:00-17:00, the desk's clock starting
Monday 09:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import event

from desk_app.app import AppContext
from desk_app.domain.enums import Status
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockKind
from desk_app.services.alerts import AlertLog, AlertRules, plan
from desk_app.services.audience import Listener, Scope
from desk_app.services.monitor import MonitorService
from desk_app.services.sla import SlaService
from tests.conftest import COLLEAGUE, ME, FakeClock, make_draft, monitor_for, move
from tests.helpers.desk_sql import run_sql

pytestmark = pytest.mark.both_engines

SUPERVISOR = "Sam Okafor"
FR, RES = ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION


def _told(result_crossings: tuple[Any, ...]) -> list[tuple[str, ClockKind, Risk]]:
    return [(c.title, c.clock, c.level) for c in result_crossings]


def _memory(desk_target: str | Path) -> list[tuple[int, int, str, str, bool]]:
    """Every stored notification as (technician, ticket, clock, level, escalation)."""
    return sorted(run_sql(desk_target, "SELECT technician_id, ticket_id, clock, level, "
                                       "escalation FROM sla_notification"))


def test_alices_window_uses_up_nothing_of_bobs(ctx: AppContext, desk_target: str | Path,
                                              clock: FakeClock) -> None:
    """The issue's report: two windows on one desk, Alice's consumed the alert of Bob's
    ticket and Bob never saw it."""
    bobs = ctx.tickets.create(make_draft(title="Bob's", assignee=COLLEAGUE), actor=ME)
    alice, bob = monitor_for(ctx, ME), monitor_for(ctx, COLLEAGUE)
    start = clock.now
    assert alice.sweep(start).crossings == bob.sweep(start).crossings == ()
    breach = start + timedelta(hours=4, minutes=5)
    # Alice's monitor ticks first: it writes the clocks, and tells (and stores) nothing.
    first = alice.tick(breach, since=start)
    assert [u.ticket_id for u in first.updates] == [bobs.id] and first.crossings == ()
    # Bob's monitor finds the clocks current and tells him.
    second = bob.tick(breach + timedelta(seconds=10), since=start)
    assert second.updates == ()
    assert _told(second.crossings) == [("Bob's", FR, Risk.BREACHED)]
    bob_id = ctx.directory.technician_id(COLLEAGUE)
    assert _memory(desk_target) == [(bob_id, bobs.id, "first_response", "breached", False)]
    alerts = AlertLog(ctx.db)
    assert alerts.recent(technician_id=ctx.directory.technician_id(ME)) == []
    assert [e.title for e in alerts.recent(technician_id=bob_id)] == ["Bob's"]


def test_a_window_opened_after_another_saw_the_crossing_is_still_told_once(
        ctx: AppContext, clock: FakeClock) -> None:
    """Bob's window was closed while Alice's monitor wrote the breach: his first sweep
    tells him (the clocks need no recompute), and a restart repeats nothing."""
    ctx.tickets.create(make_draft(title="Bob's", assignee=COLLEAGUE), actor=ME)
    breach = clock.advance(hours=4, minutes=5)
    assert monitor_for(ctx, ME).sweep(breach).examined == 1
    later = breach + timedelta(minutes=30)
    opened = monitor_for(ctx, COLLEAGUE).sweep(later)
    assert opened.updates == () and _told(opened.crossings) == [("Bob's", FR, Risk.BREACHED)]
    assert monitor_for(ctx, COLLEAGUE).sweep(later + timedelta(minutes=1)).crossings == ()


def test_an_unassigned_breach_reaches_each_technician_whose_scope_holds_it_once(
        ctx: AppContext, desk_target: str | Path, clock: FakeClock) -> None:
    nobodys = ctx.tickets.create(make_draft(title="Nobody's"), actor=ME)
    ctx.directory.ensure_technician("Carol Diaz")
    monitors = {ME: monitor_for(ctx, ME),  # mine and unassigned
                COLLEAGUE: monitor_for(ctx, COLLEAGUE, scope=Scope.ALL),
                "Carol Diaz": monitor_for(ctx, "Carol Diaz", scope=Scope.MINE)}
    breach = clock.advance(hours=4, minutes=5)
    told = {name: _told(m.sweep(breach).crossings) for name, m in monitors.items()}
    assert told == {ME: [("Nobody's", FR, Risk.BREACHED)],
                    COLLEAGUE: [("Nobody's", FR, Risk.BREACHED)], "Carol Diaz": []}
    for name, m in monitors.items():  # the next ticks, and a restart of every window
        assert m.tick(breach + timedelta(seconds=15), since=breach).crossings == ()
        assert monitor_for(ctx, name, scope=Scope.ALL if name == COLLEAGUE else Scope.MINE
                           ).sweep(breach + timedelta(minutes=1)).crossings == ()
    ids = {name: ctx.directory.technician_id(name) for name in (ME, COLLEAGUE)}
    assert _memory(desk_target) == sorted(
        (ids[name], nobodys.id, "first_response", "breached", False) for name in ids)


def _make_supervisor(ctx: AppContext, desk_target: str | Path, name: str = SUPERVISOR
                     ) -> int:
    technician_id = ctx.directory.ensure_technician(name)
    # The technicians page (another branch) sets this; plain SQL stands in for it here.
    run_sql(desk_target, "UPDATE technician SET supervisor = TRUE WHERE id = :id",
            {"id": technician_id})
    return technician_id


def test_a_resolution_breach_escalates_to_the_supervisor_once_per_episode(
        ctx: AppContext, desk_target: str | Path, clock: FakeClock) -> None:
    supervisor_id = _make_supervisor(ctx, desk_target)
    d = ctx.tickets.create(make_draft(title="Mail down", assignee=COLLEAGUE), actor=ME)
    ctx.tickets.add_reply(d.id, "On it", actor=COLLEAGUE)  # first response met
    # The supervisor's scope is "my tickets": the ticket is not theirs.
    supervisor = monitor_for(ctx, SUPERVISOR, scope=Scope.MINE)
    assignee = monitor_for(ctx, COLLEAGUE)
    tuesday_1300 = clock.now + timedelta(days=1, hours=4)  # resolution at 50 %
    assert _told(assignee.sweep(tuesday_1300).crossings) == \
        [("Mail down", RES, Risk.APPROACHING)]
    assert supervisor.sweep(tuesday_1300).crossings == ()  # warnings stay the assignee's
    thursday_1000 = clock.now + timedelta(days=3, hours=1)  # 25 business hours of 24
    (escalation,) = supervisor.sweep(thursday_1000).crossings
    assert (escalation.clock, escalation.level, escalation.escalation) == \
        (RES, Risk.BREACHED, True)
    (notice,) = plan([escalation], AlertRules(scope=Scope.MINE), me_id=supervisor_id,
                     now=thursday_1000).desktop
    assert notice.title == \
        f"Escalation: HD-1001 breached its resolution target, assigned to {COLLEAGUE}"
    (entry,) = AlertLog(ctx.db).recent(technician_id=supervisor_id)
    assert (entry.escalation, entry.text) == (True, "Escalation: resolution breached")
    # The assignee hears the breach as their own alert, not as an escalation.
    assert [(c.level, c.escalation) for c in assignee.sweep(thursday_1000).crossings] == \
        [(Risk.BREACHED, False)]
    # Once: the next tick, and a restart of the supervisor's window, say nothing.
    tick = thursday_1000 + timedelta(seconds=15)
    assert supervisor.tick(tick, since=thursday_1000).crossings == ()
    assert monitor_for(ctx, SUPERVISOR, scope=Scope.MINE).sweep(tick).crossings == ()
    # A pause and a resume start a new episode: escalated again, once.
    clock.now = tick
    move(ctx, d.id, Status.WAITING_CUSTOMER, actor=COLLEAGUE)
    clock.advance(hours=1)
    move(ctx, d.id, Status.IN_PROGRESS, actor=COLLEAGUE)
    again = supervisor.tick(clock.advance(seconds=15), since=tick)
    assert [(c.level, c.escalation) for c in again.crossings] == [(Risk.BREACHED, True)]
    assert supervisor.tick(clock.advance(seconds=15), since=clock.now).crossings == ()
    assert [r[3:] for r in _memory(desk_target) if r[0] == supervisor_id] == \
        [("breached", True), ("breached", True)]


def test_a_supervisors_own_breach_and_every_other_supervisor(
        ctx: AppContext, desk_target: str | Path, clock: FakeClock) -> None:
    """Every active supervisor is told, each once; the one whose ticket it is hears it
    as their own alert. The other supervisor's window opens after the breach was written:
    its start-up sweep still escalates it (their scope, "my tickets", does not hold it)."""
    _make_supervisor(ctx, desk_target)
    _make_supervisor(ctx, desk_target, COLLEAGUE)
    d = ctx.tickets.create(make_draft(title="VPN", assignee=COLLEAGUE), actor=ME)
    ctx.tickets.add_reply(d.id, "On it", actor=COLLEAGUE)
    thursday_1000 = clock.now + timedelta(days=3, hours=1)
    for name, escalated in ((COLLEAGUE, False), (SUPERVISOR, True)):
        crossings = monitor_for(ctx, name, scope=Scope.MINE).sweep(thursday_1000).crossings
        assert [(c.clock, c.level, c.escalation) for c in crossings] == \
            [(RES, Risk.BREACHED, escalated)], name


def test_a_deactivated_technician_is_told_nothing(ctx: AppContext, desk_target: str | Path,
                                                  clock: FakeClock) -> None:
    gone = _make_supervisor(ctx, desk_target, "Dana Wells")
    ctx.tickets.create(make_draft(title="Nobody's"), actor=ME)
    d = ctx.tickets.create(make_draft(title="Hers", assignee="Dana Wells"), actor=ME)
    ctx.tickets.add_reply(d.id, "On it", actor=ME)
    # Deactivated after she was given the ticket (a deactivated technician cannot be given one).
    run_sql(desk_target, "UPDATE technician SET active = FALSE WHERE id = :id", {"id": gone})
    monitor = monitor_for(ctx, "Dana Wells", scope=Scope.ALL)
    thursday_1000 = clock.now + timedelta(days=3, hours=1)  # breaches of every kind
    result = monitor.sweep(thursday_1000)
    assert result.examined == 2 and result.crossings == ()  # the clocks are still kept
    assert [r for r in _memory(desk_target) if r[0] == gone] == []
    # Active again: told from the next sweep on.
    run_sql(desk_target, "UPDATE technician SET active = TRUE WHERE id = :id", {"id": gone})
    assert len(monitor.sweep(thursday_1000 + timedelta(minutes=1)).crossings) == 3


@pytest.fixture
def rows_written(ctx: AppContext) -> Iterator[list[int]]:
    """Ticket rows UPDATEd through this desk's engine (every monitor here shares it), as
    the driver counted them; a test clears it once its desk is set up."""
    written: list[int] = []

    def count(_conn: Any, cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE TICKET "):
            written.append(cursor.rowcount)

    event.listen(ctx.db.engine, "after_cursor_execute", count)
    yield written
    event.remove(ctx.db.engine, "after_cursor_execute", count)


def _computed_at(desk_target: str | Path) -> set[datetime]:
    rows = run_sql(desk_target, "SELECT sla_computed_at FROM ticket")
    return {r[0] if isinstance(r[0], datetime) else datetime.fromisoformat(r[0])
            for r in rows}


def test_two_monitors_on_one_desk_write_the_clocks_once(
        ctx: AppContext, desk_target: str | Path, clock: FakeClock,
        rows_written: list[int]) -> None:
    for i in range(3):
        ctx.tickets.create(make_draft(title=f"T{i}"), actor=ME)
    rows_written.clear()  # creating them wrote their clocks
    alice, bob = monitor_for(ctx, ME), monitor_for(ctx, COLLEAGUE, scope=Scope.ALL)
    start = clock.now
    eleven = start + timedelta(hours=2)  # 50 % of first response: every clock changes
    a = alice.tick(eleven, since=start)
    assert (len(a.updates), sum(rows_written)) == (3, 3)
    b = bob.tick(eleven + timedelta(seconds=5), since=start)
    assert (b.examined, b.updates, sum(rows_written)) == (3, (), 3)  # current: no write
    assert len(a.crossings) == len(b.crossings) == 3  # each told their own
    assert {t.replace(tzinfo=None) for t in _computed_at(desk_target)} == \
        {eleven.replace(tzinfo=None)}
    # Their next ticks look at nothing new and write nothing.
    assert alice.tick(eleven + timedelta(seconds=15), since=eleven).examined == 0
    assert bob.tick(eleven + timedelta(seconds=20), since=eleven + timedelta(seconds=5)
                    ).examined == 0
    assert sum(rows_written) == 3


class _MeanwhileAfterReplay:
    """The SLA service, with `meanwhile` run once right after a replay has read its
    tickets: another writer commits between a monitor's read and its write."""

    def __init__(self, sla: SlaService, meanwhile: Any) -> None:
        self._sla = sla
        self._meanwhile = meanwhile

    def replay_many(self, s: Any, where: Any, *, now: datetime, setup: Any = None
                    ) -> Iterator[Any]:
        replays = list(self._sla.replay_many(s, where, now=now, setup=setup))
        meanwhile, self._meanwhile = self._meanwhile, None
        if meanwhile is not None:
            meanwhile()
        yield from replays

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sla, name)


def test_of_two_monitors_replaying_at_once_only_the_first_writes(
        ctx: AppContext, desk_target: str | Path, clock: FakeClock,
        rows_written: list[int]) -> None:
    """Bob's monitor has read and replayed the tickets when Alice's writes the same
    clocks: his write finds them changed and writes nothing (on SQLite, writing from the
    older read would fail the tick; on PostgreSQL it would write every row twice), and he
    is still told of the crossings, which the rows now hold."""
    for i in range(3):
        ctx.tickets.create(make_draft(title=f"T{i}"), actor=ME)
    rows_written.clear()  # creating them wrote their clocks
    start = clock.now
    eleven = start + timedelta(hours=2)
    alice = monitor_for(ctx, ME)
    bob_id = ctx.directory.technician_id(COLLEAGUE)
    assert bob_id is not None
    bob = MonitorService(ctx.db, cast(SlaService, _MeanwhileAfterReplay(
        ctx.sla, lambda: alice.tick(eleven, since=start))),
        listener=Listener(bob_id, Scope.ALL))
    b = bob.tick(eleven + timedelta(seconds=1), since=start)
    assert sum(rows_written) == 3  # Alice's three; Bob's compare-and-set wrote none
    assert {t.replace(tzinfo=None) for t in _computed_at(desk_target)} == \
        {eleven.replace(tzinfo=None)}
    assert len(b.crossings) == 3 and {c.level for c in b.crossings} == {Risk.APPROACHING}


def test_a_save_during_a_tick_is_not_overwritten_and_is_looked_at_next_tick(
        ctx: AppContext, clock: FakeClock) -> None:
    """A technician pauses a ticket while the monitor replays it: the monitor's write
    from before the pause is dropped (the row keeps the paused clock the save stored),
    nothing is told from the stale replay, and the next tick looks at the ticket again."""
    d = ctx.tickets.create(make_draft(title="Paused meanwhile"), actor=ME)
    start = clock.now
    eleven = start + timedelta(hours=2)

    def pause() -> None:
        clock.now = eleven
        move(ctx, d.id, Status.WAITING_CUSTOMER)

    me_id = ctx.directory.technician_id(ME)
    assert me_id is not None
    monitor = MonitorService(ctx.db, cast(SlaService, _MeanwhileAfterReplay(ctx.sla, pause)),
                             listener=Listener(me_id))
    stale = monitor.tick(eleven + timedelta(seconds=1), since=start)
    assert (stale.updates, stale.crossings) == ((), ())
    assert ctx.lists.rows([d.id])[d.id].response_state == "paused"
    retried = monitor.tick(eleven + timedelta(seconds=16), since=eleven + timedelta(seconds=1))
    assert retried.examined == 1 and retried.crossings == ()  # paused clocks say nothing
    assert ctx.lists.rows([d.id])[d.id].response_state == "paused"


def test_a_crossing_another_window_of_the_same_technician_stored_is_not_told_again(
        ctx: AppContext, clock: FakeClock) -> None:
    """Two workstations of one technician decide the same crossing at once: the memory's
    unique key lets one row in, and only the window whose row went in tells it (the other
    insert skips it instead of failing the tick)."""
    from desk_app.store.notification_rows import insert_new

    d = ctx.tickets.create(make_draft(), actor=ME)
    me_id = ctx.directory.technician_id(ME)

    def row(level: str) -> dict[str, Any]:
        return {"ticket_id": d.id, "technician_id": me_id, "clock": "first_response",
                "level": level, "episode": 0, "notified_at": clock.now,
                "escalation": False, "listed": True}

    with ctx.db.session_scope() as s:
        assert insert_new(s, [row("at_risk")]) == {(d.id, "first_response", "at_risk", 0)}
    with ctx.db.session_scope() as s:
        assert insert_new(s, [row("at_risk"), row("critical")]) == \
            {(d.id, "first_response", "critical", 0)}
    with ctx.db.session_scope() as s:
        assert insert_new(s, []) == set()
