"""The technicians list on a real desk (both engines): add, rename, deactivate, supervise."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from desk_app.app import AppContext
from desk_app.domain.enums import EventKind
from desk_app.domain.errors import ValidationError, ValidationErrors
from desk_app.services.drafts import DraftKind
from desk_app.services.people import TechnicianInput, TechnicianRow
from tests.conftest import COLLEAGUE, ME, edit_of, make_draft

pytestmark = pytest.mark.both_engines


def _row(ctx: AppContext, name: str) -> TechnicianRow:
    return next(r for r in ctx.people.technicians() if r.name == name)


def _form(row: TechnicianRow, **changes: object) -> TechnicianInput:
    values: dict[str, object] = {"id": row.id, "name": row.name, "email": row.email,
                                 "active": row.active, "supervisor": row.supervisor}
    values.update(changes)
    return TechnicianInput(**values)  # type: ignore[arg-type]


def test_add_lists_the_new_technician_and_offers_them_for_assignment(ctx: AppContext
                                                                     ) -> None:
    saved = ctx.people.save(TechnicianInput(id=None, name="  Kim   Lee ",
                                            email="kim@desk.example", supervisor=True))
    assert (saved.row.name, saved.row.email, saved.row.supervisor) == \
        ("Kim Lee", "kim@desk.example", True)
    assert "Kim Lee" in ctx.directory.technicians()
    assert ctx.people.active_supervisors() == ["Kim Lee"]


def test_every_problem_names_its_field_and_nothing_is_stored(ctx: AppContext) -> None:
    with pytest.raises(ValidationErrors) as caught:
        ctx.people.save(TechnicianInput(id=None, name="", email="not-an-address"))
    assert set(caught.value.by_field()) == {"Name", "Email"}
    assert "required" in caught.value.by_field()["Name"]
    assert len(ctx.people.technicians()) == 2  # ME and COLLEAGUE only


def test_a_rename_onto_another_technicians_name_is_refused_naming_the_field(
        ctx: AppContext) -> None:
    me = _row(ctx, ME)
    with pytest.raises(ValidationErrors) as caught:  # names match case-insensitively
        ctx.people.save(_form(me, name=COLLEAGUE.upper(), email="typo"))
    assert set(caught.value.by_field()) == {"Name", "Email"}  # both said at once
    reason = caught.value.by_field()["Name"]
    assert f"“{COLLEAGUE}” is already a technician" in reason
    assert _row(ctx, ME).id == me.id  # unchanged


def test_a_clash_with_a_deactivated_name_says_to_reactivate_them(ctx: AppContext) -> None:
    ctx.people.save(_form(_row(ctx, COLLEAGUE), active=False))
    with pytest.raises(ValidationErrors, match="deactivated: reactivate them instead"):
        ctx.people.save(TechnicianInput(id=None, name=COLLEAGUE))


def test_rename_keeps_past_events_and_shows_the_new_name_as_assignee(ctx: AppContext
                                                                    ) -> None:
    d = ctx.tickets.create(make_draft(assignee=COLLEAGUE), actor=COLLEAGUE)
    ctx.drafts.save(d.id, "Half-typed answer", author=COLLEAGUE, kind=DraftKind.REPLY)
    saved = ctx.people.save(_form(_row(ctx, COLLEAGUE), name="Priya Raman-Shah"))
    assert saved.renamed_from == COLLEAGUE and "past history keeps" in saved.summary
    after = ctx.tickets.detail(d.id)
    assert after.assignee == "Priya Raman-Shah"
    (created, *_rest) = after.timeline
    assert created.kind is EventKind.CREATED and created.actor == COLLEAGUE
    # The unsent draft follows its author's new name, in the same transaction.
    kept = ctx.drafts.load(d.id, author="Priya Raman-Shah")
    assert kept is not None and kept.body == "Half-typed answer"
    assert ctx.drafts.load(d.id, author=COLLEAGUE) is None


def test_deactivated_technician_is_not_offered_nor_assignable_but_keeps_tickets(
        ctx: AppContext) -> None:
    held = ctx.tickets.create(make_draft(assignee=COLLEAGUE), actor=ME)
    saved = ctx.people.save(_form(_row(ctx, COLLEAGUE), active=False))
    assert saved.deactivated and saved.row.open_tickets == 1
    assert "1 open ticket still assigned" in saved.summary
    assert COLLEAGUE not in ctx.directory.technicians()
    with pytest.raises(ValidationErrors, match="Assignee: Priya Raman is deactivated"):
        ctx.tickets.create(make_draft(assignee=COLLEAGUE), actor=ME)
    other = ctx.tickets.create(make_draft(), actor=ME)
    with pytest.raises(ValidationError, match="deactivated") as caught:
        ctx.tickets.edit(other.id, edit_of(other, assignee=COLLEAGUE),
                         expected_version=other.version, actor=ME)
    assert caught.value.field == "Assignee"
    # The ticket already theirs stays theirs, marked, and saving it keeps them.
    d = ctx.tickets.detail(held.id)
    assert (d.assignee, d.assignee_active) == (COLLEAGUE, False)
    saved_edit = ctx.tickets.edit(held.id, edit_of(d, title="Still theirs"),
                                  expected_version=d.version, actor=ME)
    assert saved_edit.assignee == COLLEAGUE


def test_reactivating_offers_them_again(ctx: AppContext) -> None:
    ctx.people.save(_form(_row(ctx, COLLEAGUE), active=False))
    again = ctx.people.save(_form(_row(ctx, COLLEAGUE), active=True))
    assert again.reactivated and COLLEAGUE in ctx.directory.technicians()
    ctx.tickets.create(make_draft(assignee=COLLEAGUE), actor=ME)


def test_supervisors_zero_or_more_and_only_active_ones_escalate(ctx: AppContext) -> None:
    assert ctx.people.active_supervisors() == []
    ctx.people.save(_form(_row(ctx, ME), supervisor=True))
    ctx.people.save(_form(_row(ctx, COLLEAGUE), supervisor=True))
    assert ctx.people.active_supervisors() == [ME, COLLEAGUE]
    ctx.people.save(_form(_row(ctx, COLLEAGUE), active=False))
    assert ctx.people.active_supervisors() == [ME]
    with ctx.db.engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT name, supervisor FROM technician")).all())
    assert bool(flags[COLLEAGUE])  # still marked: reactivating restores the escalation


def test_settings_cannot_choose_a_deactivated_identity_but_can_keep_it(ctx: AppContext
                                                                      ) -> None:
    ctx.people.save(_form(_row(ctx, COLLEAGUE), active=False))
    with pytest.raises(ValidationError, match="deactivated; reactivate them first"):
        ctx.directory.ensure_technician(COLLEAGUE, refuse_inactive=True)
    # Start-up finds them as they are: the window still opens.
    assert ctx.directory.ensure_technician(COLLEAGUE) == _row(ctx, COLLEAGUE).id
