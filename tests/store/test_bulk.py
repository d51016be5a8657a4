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
