"""store.bulk on both engines: ids for generated rows, raw reads in chunks."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlmodel import col

from desk_app.app import AppContext
from desk_app.store.bulk import TABLES, insert_rows, max_ids, raw_batches, raw_rows
from desk_app.store.models import Category, Contact

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


def test_max_ids_knows_every_table_bulk_inserts_into(ctx: AppContext) -> None:
    with ctx.db.session_scope() as s:
        top = max_ids(s)
        s.execute(insert(TABLES["category"]), [{"id": top["category"] + 1, "name": "Zeta"}])
        assert set(TABLES) <= set(top)
        assert max_ids(s)["category"] == top["category"] + 1


def test_raw_rows_are_raw_batches_one_row_at_a_time(ctx: AppContext) -> None:
    stmt = select(col(Category.id), col(Category.name)).order_by(col(Category.id))
    with ctx.db.session_scope() as s:
        expected = [tuple(r) for r in s.execute(stmt)]
        assert len(expected) > 2  # so a chunk of 2 splits them
        batches = [list(b) for b in raw_batches(s, stmt, chunk=2)]
        assert [len(b) for b in batches][:-1] == [2] * (len(batches) - 1)
        assert [tuple(r) for b in batches for r in b] == expected
        assert [tuple(r) for r in raw_rows(s, stmt, chunk=2)] == expected


def test_streamed_batches_are_the_same_rows_read_through_a_server_side_cursor(
        ctx: AppContext) -> None:
    """`stream=True` (the CSV exports) gives the same chunks; on PostgreSQL it reads them
    through a server-side cursor (memory stays at a chunk, not the whole result, which
    psycopg's ordinary cursor receives at once). The list's ids are read the ordinary way."""
    stmt = select(col(Category.id), col(Category.name)).order_by(col(Category.id))
    on_postgresql = ctx.db.engine.dialect.name == "postgresql"
    with ctx.db.session_scope() as s:
        expected = [tuple(r) for r in s.execute(stmt)]
        assert len(expected) > 2

        def open_cursors() -> int:
            if not on_postgresql:
                return 0
            return int(s.connection().exec_driver_sql(
                "SELECT count(*) FROM pg_cursors WHERE starts_with(name, 'desk_stream_')"
            ).scalar() or 0)

        streamed, cursors_while_streaming = [], []
        for batch in raw_batches(s, stmt, chunk=2, stream=True):
            streamed.append([tuple(r) for r in batch])
            cursors_while_streaming.append(open_cursors())
        assert [len(b) for b in streamed][:-1] == [2] * (len(streamed) - 1)
        assert [r for b in streamed for r in b] == expected
        ordinary = []
        for _batch in raw_batches(s, stmt, chunk=2):
            ordinary.append(open_cursors())
        assert open_cursors() == 0  # closed when the iteration ended
    if on_postgresql:
        assert set(cursors_while_streaming) == {1}
    assert set(ordinary) <= {0}


def test_update_tickets_stores_exactly_what_the_orm_stores(ctx: AppContext) -> None:
    """The bulk update hands the driver pre-converted values: each must be the text the
    ORM writes for it (SQLite instants with their six microsecond digits, enums as their
    value), or stored instants would stop sorting and comparing with the rest of the
    column. Ticket 1 goes through the ORM, ticket 2 through update_tickets."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy import text

    from desk_app.domain.risk import Risk
    from desk_app.domain.sla_clock import ClockState
    from desk_app.store.bulk import update_tickets
    from desk_app.store.models import Ticket
    from tests.conftest import make_draft

    first = ctx.tickets.create(make_draft(), actor="me").id
    second = ctx.tickets.create(make_draft(), actor="me").id
    values = {"sla_computed_at": datetime(2026, 11, 16, 12, 10, tzinfo=UTC),
              "response_due_at": datetime(2026, 11, 16, 15, 0, 0, 5,
                                          tzinfo=ZoneInfo("Europe/Berlin")),
              "response_state": ClockState.PAUSED, "sla_risk": Risk.BREACHED,
              "response_used_s": 11400.5, "response_breached": True,
              "sla_policy": "P3 Medium", "sla_next_change_at": None}
    with ctx.db.session_scope() as s:
        ticket = s.get(Ticket, first)
        assert ticket is not None
        for key, value in values.items():
            setattr(ticket, key, value)
    with ctx.db.session_scope() as s:
        assert update_tickets(s, [{"id": second, **values}], batch=1) == 1
        assert update_tickets(s, []) == 0
    names = ", ".join(values)
    with ctx.db.session_scope() as s:
        rows = s.execute(text(f"SELECT {names} FROM ticket WHERE id IN (:a, :b) ORDER BY id"),
                         {"a": first, "b": second}).all()
    assert rows[0] == rows[1]
    if ctx.db.engine.dialect.name == "sqlite":  # PostgreSQL hands back a timestamp
        assert rows[1][0] == "2026-11-16 12:10:00.000000"
def test_rows_saved_without_an_id_after_a_bulk_insert_get_new_ids(ctx: AppContext) -> None:
    """PostgreSQL's id sequences do not see ids written explicitly: insert_rows advances
    them, or the next contact saved in the window fails on contact_pkey."""
    with ctx.db.session_scope() as s:
        top = max_ids(s)["contact"]
        written = insert_rows(s, TABLES["contact"], [
            {"id": top + i, "name": f"Bulk {i}", "email": None, "phone": None,
             "organization_id": None} for i in (1, 2, 3)], batch=2)
    assert written == 3
    with ctx.db.session_scope() as s:
        saved = Contact(name="Saved one by one")
        s.add(saved)
        s.flush()
        assert saved.id == top + 4


def test_rows_without_ids_leave_the_sequence_alone(ctx: AppContext) -> None:
    with ctx.db.session_scope() as s:
        first = Contact(name="First")
        s.add(first)
        s.flush()
        insert_rows(s, TABLES["contact"], [{"name": "No id", "email": None, "phone": None,
                                             "organization_id": None}])
        after = Contact(name="After")
        s.add(after)
        s.flush()
        assert first.id is not None and after.id == first.id + 2
