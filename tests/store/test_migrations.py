"""Start-up migrations on real SQLite files and PostgreSQL databases: creation, refusal, backup, no
data loss."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from desk_app.app import open_context
from desk_app.store.engine import make_engine
from desk_app.store.migrate import (
    DatabaseTooNew,
    MigrationError,
    head_revision,
    upgrade_database,
)
from desk_app.store.pg_indexes import include_in_comparison
from desk_app.store.target import DatabaseUnusable
from tests.conftest import FakeClock, make_draft

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_new_file_is_created_at_the_head_revision(db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    report = upgrade_database(engine, now=NOW)
    assert report.from_revision is None and report.to_revision == head_revision()
    assert report.backup is None
    tables = {r[0] for r in sqlite3.connect(db_path).execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"ticket", "ticket_event", "contact", "organization", "technician",
            "category", "alembic_version"} <= tables
    # Running again changes nothing.
    assert not upgrade_database(engine, now=NOW).changed
    engine.dispose()


def test_the_migrations_build_exactly_the_schema_the_models_declare(db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    upgrade_database(engine, now=NOW)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_every_connection_gets_wal_foreign_keys_and_a_busy_timeout(db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_a_database_from_a_newer_app_is_refused_and_left_untouched(db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    upgrade_database(engine, now=NOW)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num='9999_from_the_future'")
    engine.dispose()
    # Fold the WAL into the main file so the file alone is the whole database.
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.execute("PRAGMA journal_mode=DELETE")
    raw.close()
    before = _sha(db_path)
    siblings_before = sorted(p.name for p in db_path.parent.iterdir())

    with pytest.raises(DatabaseTooNew) as err:
        open_context(db_path, clock=FakeClock())
    assert "newer version of Desk App" in str(err.value)
    assert "has not been changed" in str(err.value)
    assert _sha(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == siblings_before


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(MigrationError, match="not a Desk App database"):
        open_context(other, clock=FakeClock())


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is a text file, not a database" * 100)
    with pytest.raises(DatabaseUnusable, match="not an SQLite database"):
        open_context(junk, clock=FakeClock())


REBUILD_TICKET = '''"""Test-only revision: rebuilds the ticket table, the parent of ticket_event."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_test_rebuild"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", recreate="always") as batch:
        batch.add_column(sa.Column("test_only", sa.Integer(), nullable=True))


def downgrade() -> None:
    pass
'''


def test_a_table_rebuild_keeps_child_rows_and_backs_up_first(tmp_path: Path, db_path: Path
                                                             ) -> None:
    """The data-loss trap: rebuilding `ticket` with foreign keys on would cascade-delete
    every ticket_event. The runner migrates with them off, checks, and backs up first."""
    ctx = open_context(db_path, clock=FakeClock())
    ctx.directory.ensure_technician("Alex Morgan")
    ctx.tickets.create(make_draft(), actor="Alex Morgan")
    created = ctx.tickets.create(make_draft(title="Second"), actor="Alex Morgan")
    ctx.tickets.add_reply(created.id, "On it.", actor="Alex Morgan")
    ctx.close()

    import desk_app.store as store_pkg

    scripts = tmp_path / "migrations"
    shutil.copytree(Path(store_pkg.__file__).parent / "migrations", scripts)
    (scripts / "versions" / "0002_test_rebuild.py").write_text(
        REBUILD_TICKET.replace("{head}", head_revision()))

    engine = make_engine(f"sqlite:///{db_path}")
    report = upgrade_database(engine, now=NOW, script_location=str(scripts))
    assert report.to_revision == "0002_test_rebuild"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM ticket_event").scalar() == 3
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert "test_only" in [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(ticket)")]
    engine.dispose()

    assert report.backup is not None and report.backup.exists()
    backup = sqlite3.connect(report.backup)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone()[0] == \
        head_revision()
    assert backup.execute("SELECT count(*) FROM ticket_event").fetchone()[0] == 3
    backup.close()


def test_the_fast_path_head_constant_matches_the_newest_revision() -> None:
    from desk_app.store.migrate import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


# --- PostgreSQL ---------------------------------------------------------------------------

def test_an_empty_postgresql_database_is_migrated_to_exactly_the_models(
        postgres_empty_url: str) -> None:
    engine = make_engine(postgres_empty_url)
    try:
        report = upgrade_database(engine, now=NOW)
        assert (report.from_revision, report.to_revision, report.backup) == \
            (None, head_revision(), None)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_in_comparison}),
                SQLModel.metadata)
        assert diff == []
        assert not upgrade_database(engine, now=NOW).changed  # again: nothing to do
    finally:
        engine.dispose()


def test_a_postgresql_desk_from_a_newer_app_is_refused_untouched(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE alembic_version SET version_num='9999_from_the_future'")
        with pytest.raises(DatabaseTooNew, match="has not been changed"):
            open_context(postgres_url, clock=FakeClock())
        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar() == "9999_from_the_future"
    finally:
        engine.dispose()


def test_a_foreign_postgresql_database_is_refused(postgres_empty_url: str) -> None:
    engine = make_engine(postgres_empty_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT)")
    engine.dispose()
    with pytest.raises(MigrationError, match="not a Desk App database"):
        open_context(postgres_empty_url, clock=FakeClock())
