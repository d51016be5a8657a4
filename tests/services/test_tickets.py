"""Ticket use cases on a real desk (both engines): each change and its audit event together."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from desk_app.app import AppContext
from desk_app.domain.enums import EventKind, Impact, Priority, Status, Urgency
from desk_app.domain.errors import (
    ConcurrentEdit,
    IllegalTransition,
    ValidationError,
    ValidationErrors,
)
from desk_app.domain.ticket import RequesterInput
from tests.conftest import ME, FakeClock, edit_of, make_draft

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def _events(ctx: AppContext, ticket_id: int
            ) -> list[tuple[str, str | None, str | None, str | None]]:
    """The stored events, read on a connection of their own (not through the services)."""
    with ctx.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT kind, field, old_value, new_value FROM ticket_event "
            "WHERE ticket_id = :id ORDER BY at, id"), {"id": ticket_id})]


def test_create_numbers_from_hd_1001_and_records_a_created_event(ctx: AppContext,
                                                                 clock: FakeClock) -> None:
    first = ctx.tickets.create(make_draft(), actor=ME)
    second = ctx.tickets.create(make_draft(title="Another"), actor=ME)
    assert (first.display_number, second.display_number) == ("HD-1001", "HD-1002")
    assert first.status is Status.NEW
    assert first.priority is Priority.P3  # medium impact x medium urgency
    assert first.created_at == clock.now and first.created_at.tzinfo is not None
    (created,) = first.timeline
    assert created.kind is EventKind.CREATED and created.actor == ME
    snapshot = json.loads(created.new_value or "")
    assert snapshot["priority"] == "P3" and snapshot["status"] == "new"
    assert snapshot["organization"] == "Northwind"


def test_requester_is_reused_by_email_and_organization_by_name(ctx: AppContext) -> None:
    a = ctx.tickets.create(make_draft(requester=RequesterInput(
        name="Anna Adler", email="Anna.Adler@Northwind.example", organization="Northwind")),
        actor=ME)
    b = ctx.tickets.create(make_draft(requester=RequesterInput(
        name="Anna A.", email="anna.adler@northwind.example", phone="+1 555 0100",
        organization="  northwind ")), actor=ME)
    assert b.requester == "Anna Adler"  # the stored contact, not a duplicate
    assert b.requester_phone == "+1 555 0100"  # a missing detail is filled in
    assert a.organization == b.organization == "Northwind"
    assert len(ctx.directory.contacts()) == 1
    assert ctx.directory.organizations() == ["Northwind"]


def test_same_name_different_email_is_a_different_person(ctx: AppContext) -> None:
    ctx.tickets.create(make_draft(requester=RequesterInput(name="Sam Lee", email="sam@a.example")),
                       actor=ME)
    ctx.tickets.create(make_draft(requester=RequesterInput(name="Sam Lee", email="sam@b.example")),
                       actor=ME)
    assert len(ctx.directory.contacts()) == 2


def test_unknown_category_and_assignee_are_named(ctx: AppContext) -> None:
    with pytest.raises(ValidationErrors) as err:
        ctx.tickets.create(make_draft(category="Plumbing", assignee="Nobody"), actor=ME)
    assert err.value.by_field() == {"Category": "no category named 'Plumbing'",
                                    "Assignee": "no technician named 'Nobody'"}


def test_edit_writes_one_event_per_changed_field(ctx: AppContext,
                                                 clock: FakeClock) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    clock.advance(minutes=5)
    after = ctx.tickets.edit(d.id, edit_of(d, title="Printer offline (all floors)",
                                            impact=Impact.HIGH, urgency=Urgency.HIGH,
                                            assignee="Priya Raman"),
                             expected_version=d.version, actor=ME)
    assert after.priority is Priority.P1 and after.version == d.version + 1
    assert after.updated_at == clock.now
    assert _events(ctx, d.id)[1:] == [
        ("field_changed", "title", "Printer on 2nd floor offline", "Printer offline (all floors)"),
        ("field_changed", "impact", "medium", "high"),
        ("field_changed", "urgency", "medium", "high"),
        ("field_changed", "priority", "P3", "P1"),
        ("assigned", "assignee", None, "Priya Raman"),
        # P3 -> P1 moves the ticket to another SLA policy: the timeline says so.
        ("sla_policy_changed", "sla_policy", "P3 Medium", "P1 Critical"),
    ]


def test_an_edit_that_changes_nothing_writes_no_event(ctx: AppContext) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    ctx.tickets.edit(d.id, edit_of(d), expected_version=d.version, actor=ME)
    assert len(_events(ctx, d.id)) == 1


def test_priority_override_is_kept_when_impact_changes(ctx: AppContext) -> None:
    d = ctx.tickets.create(make_draft(priority_override=Priority.P1), actor=ME)
    assert d.priority is Priority.P1 and d.priority_overridden
    after = ctx.tickets.edit(d.id, edit_of(d, impact=Impact.LOW), expected_version=d.version,
                             actor=ME)
    assert after.priority is Priority.P1
    cleared = ctx.tickets.edit(d.id, edit_of(after, priority_override=None),
                               expected_version=after.version, actor=ME)
    assert cleared.priority is Priority.P4 and not cleared.priority_overridden


def test_a_stale_version_is_refused_and_nothing_is_written(ctx: AppContext) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    ctx.tickets.edit(d.id, edit_of(d, title="Theirs"), expected_version=d.version, actor=ME)
    with pytest.raises(ConcurrentEdit, match="Someone else changed this ticket"):
        ctx.tickets.edit(d.id, edit_of(d, title="Mine"), expected_version=d.version,
                         actor="Priya Raman")
    assert ctx.tickets.detail(d.id).title == "Theirs"
    assert len(_events(ctx, d.id)) == 2


def test_status_workflow_sets_the_timestamps(ctx: AppContext, clock: FakeClock) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    clock.advance(minutes=10)
    d = ctx.tickets.change_status(d.id, Status.IN_PROGRESS, expected_version=d.version,
                                  actor=ME)
    assert d.first_response_at == clock.now
    clock.advance(hours=2)
    d = ctx.tickets.change_status(d.id, Status.RESOLVED, expected_version=d.version,
                                  actor=ME, resolution_note="Replaced toner.")
    assert d.resolved_at == clock.now and d.resolution_note == "Replaced toner."
    clock.advance(days=1)
    d = ctx.tickets.change_status(d.id, Status.IN_PROGRESS, expected_version=d.version,
                                  actor=ME)  # reopen
    assert d.resolved_at is None and d.status is Status.IN_PROGRESS
    kinds = [(e.kind, e.old_value, e.new_value) for e in d.timeline[1:]]
    assert kinds == [(EventKind.STATUS_CHANGED, "new", "in_progress"),
                     (EventKind.STATUS_CHANGED, "in_progress", "resolved"),
                     (EventKind.STATUS_CHANGED, "resolved", "in_progress")]


def test_illegal_move_and_missing_resolution_note_change_nothing(ctx: AppContext) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    with pytest.raises(IllegalTransition, match="allowed: In progress"):
        ctx.tickets.change_status(d.id, Status.CLOSED, expected_version=d.version, actor=ME)
    with pytest.raises(ValidationError, match="Resolution note"):
        ctx.tickets.change_status(d.id, Status.RESOLVED, expected_version=d.version,
                                  actor=ME, resolution_note=" ")
    after = ctx.tickets.detail(d.id)
    assert after.status is Status.NEW and after.version == d.version
    assert len(after.timeline) == 1


def test_first_public_reply_is_the_first_response_but_a_note_is_not(ctx: AppContext,
                                                                    clock: FakeClock) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    clock.advance(minutes=3)
    d = ctx.tickets.add_note(d.id, "Checked the queue.", actor=ME)
    assert d.first_response_at is None
    clock.advance(minutes=4)
    reply_at = clock.now
    d = ctx.tickets.add_reply(d.id, "We are on it.", actor=ME)
    clock.advance(minutes=4)
    d = ctx.tickets.add_reply(d.id, "Fixed?", actor=ME)
    assert d.first_response_at == reply_at
    assert [e.kind for e in d.timeline] == [EventKind.CREATED, EventKind.INTERNAL_NOTE,
                                            EventKind.PUBLIC_REPLY, EventKind.PUBLIC_REPLY]


def _fail_event_inserts(ctx: AppContext) -> None:
    """A real database failure at the worst moment: after the ticket row is written (a
    trigger that refuses every event as a constraint violation, on either engine)."""
    with ctx.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(
                "CREATE FUNCTION no_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'disk full (simulated)' USING ERRCODE = '23000'; END $$"))
            conn.execute(text("CREATE TRIGGER no_events BEFORE INSERT ON ticket_event "
                              "FOR EACH ROW EXECUTE FUNCTION no_events()"))
        else:
            conn.execute(text("CREATE TRIGGER no_events BEFORE INSERT ON ticket_event "
                              "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"))


def test_a_failed_event_write_leaves_no_ticket(ctx: AppContext) -> None:
    _fail_event_inserts(ctx)
    with pytest.raises(IntegrityError):
        ctx.tickets.create(make_draft(), actor=ME)
    with ctx.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 0


def test_a_failed_event_write_leaves_the_ticket_unchanged(ctx: AppContext) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    _fail_event_inserts(ctx)
    with pytest.raises(IntegrityError):
        ctx.tickets.change_status(d.id, Status.IN_PROGRESS, expected_version=d.version,
                                  actor=ME)
    with pytest.raises(IntegrityError):
        ctx.tickets.edit(d.id, edit_of(d, title="Changed"), expected_version=d.version,
                         actor=ME)
    with pytest.raises(IntegrityError):
        ctx.tickets.add_reply(d.id, "hello", actor=ME)
    after = ctx.tickets.detail(d.id)
    assert (after.status, after.title, after.version, after.first_response_at) == \
        (Status.NEW, d.title, d.version, None)


def test_resolving_can_record_the_customers_rating(ctx: AppContext) -> None:
    d = ctx.tickets.create(make_draft(), actor=ME)
    with pytest.raises(ValidationError, match="1 to 5"):
        ctx.tickets.change_status(d.id, Status.RESOLVED, expected_version=d.version,
                                  actor=ME, resolution_note="ok", csat_score=6)
    with pytest.raises(ValidationError, match="when resolving"):
        ctx.tickets.change_status(d.id, Status.IN_PROGRESS, expected_version=d.version,
                                  actor=ME, csat_score=4)
    d = ctx.tickets.change_status(d.id, Status.RESOLVED, expected_version=d.version,
                                  actor=ME, resolution_note="Reset the password.",
                                  csat_score=4, csat_comment=" Quick, thanks ")
    assert (d.csat_score, d.csat_comment) == (4, "Quick, thanks")
    assert _events(ctx, d.id)[-1] == ("field_changed", "csat_score", None, "4")
