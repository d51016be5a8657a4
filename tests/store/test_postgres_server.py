"""The PostgreSQL server the tests run on is real, private and password-protected."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.helpers.postgres import SUPERUSER, PostgresServer


def test_the_server_is_postgresql_15_or_newer_on_localhost_only(
        postgres_server: PostgresServer, postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            listen = conn.execute(text("SHOW listen_addresses")).scalar_one()
            tables = set(conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    finally:
        engine.dispose()
    assert version >= 150000
    assert listen == "127.0.0.1"
    assert {"ticket", "ticket_event", "alembic_version"} <= tables  # a migrated desk


def test_a_wrong_password_is_refused(postgres_server: PostgresServer) -> None:
    import psycopg

    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host="127.0.0.1", port=postgres_server.port, user=SUPERUSER,
                        password="not-" + postgres_server.password, dbname="postgres",
                        connect_timeout=5).close()


def test_urls_carry_no_password(postgres_server: PostgresServer, postgres_url: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert postgres_server.password not in postgres_url
    # It comes from the .pgpass file PGPASSFILE names: without it, the login fails.
    monkeypatch.delenv("PGPASSFILE")
    engine = create_engine(postgres_url)
    try:
        with pytest.raises(OperationalError, match="password"):
            engine.connect().close()
    finally:
        engine.dispose()


def test_each_test_gets_a_database_of_its_own(postgres_url: str,
                                              postgres_empty_url: str) -> None:
    assert postgres_url != postgres_empty_url
    engine = create_engine(postgres_empty_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one() == 0
    finally:
        engine.dispose()
