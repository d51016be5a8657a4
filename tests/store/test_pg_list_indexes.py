"""Migration 0011: the PostgreSQL-only indexes of the ticket list (sorts and trigram search).

On PostgreSQL it creates the `(column, id)` sort indexes and, where pg_trgm can be created,
the GIN trigram indexes that search uses; a role that may not create the extension still
gets a working upgrade (and the sort indexes), with one line in the log. On SQLite it does
nothing."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text

from desk_app.app import open_context
from desk_app.services.ticket_list import QuickFilter, TicketListQuery
from desk_app.store.engine import make_engine
from desk_app.store.migrate import upgrade_database
from desk_app.store.pg_indexes import PREFIX
from tests.conftest import ME, FakeClock, make_draft
from tests.helpers.postgres import SUPERUSER, PostgresServer

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)

SORT_INDEXES = {
    "ix_pg_ticket_number_id", "ix_pg_ticket_priority_id", "ix_pg_ticket_title_lower_id",
    "ix_pg_ticket_status_id", "ix_pg_ticket_created_id", "ix_pg_ticket_updated_id",
    "ix_pg_ticket_response_due_id", "ix_pg_ticket_resolution_due_id",
    "ix_pg_ticket_urgent_due_id", "ix_pg_ticket_requester_id", "ix_pg_contact_name_lower_id",
    "ix_pg_ticket_organization_id", "ix_pg_ticket_assignee_id",
}
TRIGRAM_INDEXES = {"ix_pg_ticket_title_trgm", "ix_pg_ticket_description_trgm",
                   "ix_pg_contact_name_trgm", "ix_pg_contact_email_trgm"}


def _pg_indexes(url: str) -> dict[str, str]:
    """name -> definition of this database's indexes whose name marks them PostgreSQL-only."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE :p"),
                {"p": PREFIX + "%"})}
    finally:
        engine.dispose()


def _has_pg_trgm(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text(
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")).scalar())
    finally:
        engine.dispose()


def test_postgresql_gets_the_sort_and_trigram_indexes(postgres_empty_url: str) -> None:
    engine = make_engine(postgres_empty_url)
    try:
        upgrade_database(engine, now=NOW)
    finally:
        engine.dispose()
    indexes = _pg_indexes(postgres_empty_url)
    assert set(indexes) == SORT_INDEXES | TRIGRAM_INDEXES
    assert "gin_trgm_ops" in indexes["ix_pg_ticket_description_trgm"]
    assert "lower((title)::text), id) INCLUDE (title)" in indexes["ix_pg_ticket_title_lower_id"]
    assert _has_pg_trgm(postgres_empty_url)


def test_on_sqlite_the_revision_changes_nothing(db_path: Path) -> None:
    open_context(db_path, clock=FakeClock()).close()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0011",)
        assert conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'ix_pg_%'"
                            ).fetchall() == []
    finally:
        conn.close()


@pytest.fixture
def role_without_create(postgres_server: PostgresServer, postgres_empty_url: str
                        ) -> Iterator[str]:
    """A role that may make tables in the database's public schema but has no CREATE on the
    database itself, so PostgreSQL refuses it even a trusted extension such as pg_trgm."""
    role = f"desk_limited_{os.getpid()}"
    database = postgres_empty_url.rsplit("/", 1)[1]
    with postgres_server.admin() as conn:
        conn.execute(f"CREATE ROLE {role} NOLOGIN")  # type: ignore[attr-defined]
    with _superuser_on(postgres_server, database) as conn:
        conn.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
        conn.execute(f"REVOKE CREATE ON DATABASE {database} FROM PUBLIC")
    yield role
    with _superuser_on(postgres_server, database) as conn:
        conn.execute(f"DROP OWNED BY {role}")
    with postgres_server.admin() as conn:
        conn.execute(f"DROP ROLE {role}")  # type: ignore[attr-defined]


def _superuser_on(server: PostgresServer, database: str) -> psycopg.Connection[Any]:
    return psycopg.connect(host="127.0.0.1", port=server.port, user=SUPERUSER,
                           password=server.password, dbname=database, autocommit=True)


def test_the_upgrade_succeeds_when_pg_trgm_cannot_be_created(
        postgres_empty_url: str, role_without_create: str,
        caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(postgres_empty_url)

    @event.listens_for(engine, "connect")
    def _as_limited_role(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role_without_create}")
        dbapi_connection.commit()

    try:
        with caplog.at_level(logging.WARNING, logger="desk_app.store.migrations"):
            report = upgrade_database(engine, now=NOW)
        assert report.to_revision == "0011"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == role_without_create
            assert conn.execute(text("SELECT version_num FROM alembic_version")
                                ).scalar() == "0011"
    finally:
        engine.dispose()
    indexes = _pg_indexes(postgres_empty_url)
    assert set(indexes) == SORT_INDEXES  # the sorts are indexed all the same
    assert not _has_pg_trgm(postgres_empty_url)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "without trigram indexes" in warnings[0]
    assert "permission denied" in warnings[0]


def test_search_on_postgresql_is_answered_from_the_trigram_indexes(postgres_url: str) -> None:
    """The query shape lets the server OR index bitmaps: with `requester_id IN (subquery)`
    inside the OR it could only scan the whole ticket table."""
    ctx = open_context(postgres_url, clock=FakeClock(), user_tz="UTC")
    try:
        ctx.tickets.create(make_draft(title="Printer offline"), actor=ME)
        from desk_app.store import ticket_queries

        captured: list[Any] = []
        real_fetch = ticket_queries._fetch_ids

        def capture(session: Any, stmt: Any) -> list[int]:
            captured.append(stmt)
            return real_fetch(session, stmt)

        ticket_queries._fetch_ids = capture  # type: ignore[assignment]
        try:
            ctx.lists.ids(TicketListQuery(quick_filter=QuickFilter.ALL, search="printer"))
        finally:
            ticket_queries._fetch_ids = real_fetch  # type: ignore[assignment]
        with ctx.db.engine.connect() as conn:
            # A one-ticket table is best read whole (or along its primary key) whatever
            # the indexes; forbid both, to see whether the search's own conditions can be
            # answered from indexes at all.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_indexscan = off")
            compiled = captured[0].compile(dialect=conn.dialect)
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(
                f"EXPLAIN {compiled.string}", compiled.params))
    finally:
        ctx.close()
    assert "ix_pg_ticket_title_trgm" in plan
    assert "ix_pg_ticket_description_trgm" in plan
    assert "BitmapOr" in plan
    assert "Seq Scan on ticket" not in plan


def test_the_list_reads_a_view_in_one_snapshot(postgres_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Some sorts are several statements on PostgreSQL (store/pg_sort_ranges.py); under
    READ COMMITTED each would see the data as of its own start. The list's sessions are
    REPEATABLE READ, and the setting ends with them."""
    from desk_app.services import ticket_list

    ctx = open_context(postgres_url, clock=FakeClock(), user_tz="UTC")
    seen: list[str] = []
    real_ticket_ids = ticket_list.ticket_ids

    def spy(s: Any, query: TicketListQuery) -> list[int]:
        seen.append(str(s.execute(text("SHOW transaction_isolation")).scalar()))
        return real_ticket_ids(s, query)

    monkeypatch.setattr(ticket_list, "ticket_ids", spy)
    try:
        ctx.lists.ids(TicketListQuery())
        ctx.lists.list_rows(TicketListQuery())
        with ctx.db.session_scope() as s:
            after = s.execute(text("SHOW transaction_isolation")).scalar()
    finally:
        ctx.close()
    assert seen == ["repeatable read", "repeatable read"]
    assert after == "read committed"
