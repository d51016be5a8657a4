"""Drafts of replies and notes: stored per ticket and author, on a real SQLite file, until
sent (in the message's own transaction) or discarded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desk_app.app import AppContext, open_context
from desk_app.domain.errors import ValidationError
from desk_app.services.drafts import DraftKind
from tests.conftest import ME, FakeClock, make_draft
from tests.helpers.desk_sql import run_sql

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def _rows(target: str | Path) -> list[tuple[Any, ...]]:
    """What another connection (or the next run after a crash) reads from the desk."""
    return run_sql(target, "SELECT ticket_id, author, kind, body FROM message_draft "
                           "ORDER BY ticket_id, author")


def test_a_draft_is_stored_replaced_and_read_back_per_ticket_and_author(
        ctx: AppContext, desk_target: str | Path, clock: FakeClock) -> None:
    one = ctx.tickets.create(make_draft(), actor=ME).id
    two = ctx.tickets.create(make_draft(title="VPN drops"), actor=ME).id
    ctx.drafts.save(one, "Hello Anna,", author=ME, kind=DraftKind.REPLY)
    clock.advance(minutes=5)
    ctx.drafts.save(one, "Hello Anna, the printer", author=ME, kind=DraftKind.NOTE)
    ctx.drafts.save(one, "Priya's own words", author="Priya Raman", kind=DraftKind.REPLY)
    assert _rows(desk_target) == [(one, ME, "note", "Hello Anna, the printer"),
                              (one, "Priya Raman", "reply", "Priya's own words")]
    mine = ctx.drafts.load(one, author=ME)
    assert mine is not None
    assert (mine.kind, mine.body, mine.updated_at) == (DraftKind.NOTE,
                                                      "Hello Anna, the printer", clock.now)
    assert ctx.drafts.load(two, author=ME) is None


def test_a_draft_survives_reopening_the_file(ctx: AppContext, desk_target: str | Path,
                                             clock: FakeClock) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME).id
    ctx.drafts.save(ticket, "Half a sentence", author=ME, kind=DraftKind.REPLY)
    ctx.close()
    again = open_context(desk_target, clock=clock, user_tz="UTC")
    try:
        draft = again.drafts.load(ticket, author=ME)
        assert draft is not None and draft.body == "Half a sentence"
    finally:
        again.close()


def test_erasing_the_text_or_discarding_deletes_the_draft(ctx: AppContext,
                                                          desk_target: str | Path) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME).id
    ctx.drafts.save(ticket, "Typed", author=ME, kind=DraftKind.REPLY)
    ctx.drafts.save(ticket, "  \n", author=ME, kind=DraftKind.REPLY)
    assert _rows(desk_target) == []
    ctx.drafts.save(ticket, "Typed again", author=ME, kind=DraftKind.REPLY)
    ctx.drafts.discard(ticket, author=ME)
    assert ctx.drafts.load(ticket, author=ME) is None


def test_sending_the_reply_or_note_deletes_its_draft_with_the_message(
        ctx: AppContext, desk_target: str | Path) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME).id
    ctx.drafts.save(ticket, "Try again now", author=ME, kind=DraftKind.REPLY)
    ctx.drafts.save(ticket, "Priya's note", author="Priya Raman", kind=DraftKind.NOTE)
    ctx.tickets.add_reply(ticket, "Try again now", actor=ME)
    assert _rows(desk_target) == [(ticket, "Priya Raman", "note", "Priya's note")]
    ctx.tickets.add_note(ticket, "Priya's note", actor="Priya Raman")
    assert _rows(desk_target) == []


def test_a_message_that_fails_validation_keeps_its_draft(ctx: AppContext) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME).id
    ctx.drafts.save(ticket, "kept", author=ME, kind=DraftKind.REPLY)
    with pytest.raises(ValidationError):
        ctx.tickets.add_reply(ticket, "   ", actor=ME)
    assert ctx.drafts.load(ticket, author=ME) is not None
