"""Generated desks: deterministic, legal histories, ordered events."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Status
from desk_app.domain.ticket import RequesterInput
from desk_app.domain.workflow import check_transition
from tests.conftest import ME, FakeClock, make_draft

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def _generate(path: Path, seed: int, tickets: int = 400) -> None:
    ctx = open_context(path, clock=FakeClock())

    report = ctx.generator.generate(
        tickets=tickets, seed=seed, include_technician="Me Myself")
    ctx.close()
    assert report.tickets == tickets and report.first_number == 1001


def test_same_seed_same_desk_other_seed_other_desk(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        _generate(tmp_path / f"{name}.sqlite3", seed)

    def dump(name: str) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(tmp_path / f"{name}.sqlite3")
        rows = conn.execute("SELECT number, title, status, priority, created_at "
                            "FROM ticket ORDER BY number").fetchall()
        conn.close()
        return rows

    assert dump("a") == dump("b")
    assert dump("a") != dump("c")


def test_histories_follow_the_workflow_and_match_the_ticket(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    _generate(path, 3)
    conn = sqlite3.connect(path)
    tickets = conn.execute("SELECT id, status, created_at, updated_at, resolved_at, "
                           "first_response_at FROM ticket").fetchall()
    statuses = set()
    for tid, status, created, updated, resolved, first_response in tickets:
        events = conn.execute("SELECT kind, old_value, new_value, at, body FROM ticket_event "
                              "WHERE ticket_id=? ORDER BY at, id", (tid,)).fetchall()
        assert events[0][0] == "created" and events[0][3] == created
        current = Status.NEW
        for kind, old, new, _at, body in events:
            if kind == "status_changed":
                assert old == current.value
                check_transition(current, Status(new), resolution_note=body)
                current = Status(new)
        assert current.value == status
        assert [e[3] for e in events] == sorted(e[3] for e in events)
        assert updated == events[-1][3]
        assert (resolved is not None) == (status in ("resolved", "closed"))
        assert first_response is None or first_response >= created
        statuses.add(status)
    conn.close()
    assert statuses == {s.value for s in Status}, "a realistic desk has every status"



def test_tickets_and_contacts_can_be_created_after_seeding(ctx: AppContext) -> None:
    """Seeding writes its own ids; on PostgreSQL the next ticket (and its new requester)
    failed on ticket_pkey / contact_pkey until the sequences were advanced."""
    report = ctx.generator.generate(tickets=30, seed=5)
    created = ctx.tickets.create(make_draft(requester=RequesterInput(
        name="Brand New Requester", email="new.requester@example.org")), actor=ME)
    assert created.number == report.first_number + 30
