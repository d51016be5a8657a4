"""The stored SLA states read back as enum members, and are stored as their plain text."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from desk_app.app import AppContext
from desk_app.domain.risk import Risk
from desk_app.domain.sla_clock import ClockState
from desk_app.services.ticket_list import TicketListService
from desk_app.store.models import Ticket
from tests.conftest import make_draft

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def test_states_and_risks_are_enum_members_in_models_and_rows(ctx: AppContext) -> None:
    detail = ctx.tickets.create(make_draft(), actor="Alex Morgan")
    with ctx.db.session_scope() as s:
        t = s.get(Ticket, detail.id)
        assert t is not None
        for value in (t.sla_risk, t.response_risk, t.resolution_risk):
            assert type(value) is Risk
        assert type(t.response_state) is ClockState
        assert type(t.resolution_state) is ClockState
    row = TicketListService(ctx.db).rows([detail.id])[detail.id]
    assert type(row.risk) is Risk
    assert row.response_state is ClockState.RUNNING
    assert row.resolution_state is ClockState.RUNNING
    with ctx.db.engine.connect() as conn:
        stored = tuple(conn.execute(text("SELECT sla_risk, response_state FROM ticket")).one())
    assert stored == (row.risk.value, "running")  # the text older versions wrote
