"""What the conflict dialog is told: per field, who changed it, when, from what to what
(from the audit events since the version the technician started from)."""

from __future__ import annotations

import pytest

from desk_app.app import AppContext
from desk_app.domain.enums import Priority
from desk_app.services.edit_conflicts import merge_edit
from tests.conftest import COLLEAGUE, ME, FakeClock, edit_of, make_draft

pytestmark = pytest.mark.both_engines


def test_a_conflict_names_the_colleague_the_time_and_both_values(
        ctx: AppContext, clock: FakeClock) -> None:
    base = ctx.tickets.create(make_draft(title="Printer offline"), actor=ME)
    clock.advance(minutes=5)
    ctx.tickets.edit(base.id, edit_of(base, title="Printer offline, 2nd floor",
                                      product="Laser 5", priority_override=Priority.P1),
                     expected_version=base.version, actor=COLLEAGUE)
    theirs = ctx.tickets.detail(base.id)
    mine = edit_of(base, title="Printer jammed", priority_override=Priority.P1)
    merge = merge_edit(base, mine, theirs)
    assert [c.field for c in merge.conflicts] == ["title"]  # P1 on both sides: no conflict
    (title,) = merge.conflicts
    assert (title.base, title.mine, title.theirs) == (
        "Printer offline", "Printer jammed", "Printer offline, 2nd floor")
    assert title.who == COLLEAGUE
    assert title.changes[-1].at == clock.now
    # Their product stays; the conflict is mine until chosen, theirs when chosen.
    assert merge.edit.product == "Laser 5"
    assert merge.edit.title == "Printer jammed"
    assert merge.resolved({"title"}).title == "Printer offline, 2nd floor"
    saved = ctx.tickets.edit(base.id, merge.resolved(set()), expected_version=theirs.version,
                             actor=ME)
    assert (saved.title, saved.product, saved.priority) == (
        "Printer jammed", "Laser 5", Priority.P1)
