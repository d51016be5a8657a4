"""Schema changes are all-or-nothing, and desks left half-made by an older app are repaired
with one line saying so (docs/reliability.md). Deterministic companions of the kill loops:
a revision that fails half-way stands for a kill at that instant."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk_app import cli
from desk_app.app import open_context
from desk_app.store.engine import make_engine
from desk_app.store.migrate import MigrationError, head_revision, upgrade_database
from tests.conftest import FakeClock, make_draft
from tests.reliability.harness import (
    make_half_created_desk,
    make_half_migrated_desk,
    open_and_count,
)

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)

FAILS_HALF_WAY = '''"""Test-only revision: changes the schema, then fails (a kill then)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0099_test_fails"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("test_extra", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("ticket", sa.Column("test_only", sa.Integer(), nullable=True))
    with op.batch_alter_table("contact", recreate="always") as batch:
        batch.add_column(sa.Column("test_too", sa.Integer(), nullable=True))
    op.execute("UPDATE ticket SET title = 'changed'")
    raise RuntimeError("the power went out")


def downgrade() -> None:
    pass
'''


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_a_revision_that_fails_half_way_leaves_the_desk_exactly_as_it_was(
        tmp_path: Path, db_path: Path) -> None:
    ctx = open_context(db_path, clock=FakeClock())
    ctx.tickets.create(make_draft(), actor="Alex Morgan")
    ctx.close()
    import desk_app.store as store_pkg

    scripts = tmp_path / "migrations"
    shutil.copytree(Path(store_pkg.__file__).parent / "migrations", scripts)
    (scripts / "versions" / "0099_test_fails.py").write_text(
        FAILS_HALF_WAY.replace("{head}", head_revision()))

    engine = make_engine(f"sqlite:///{db_path}")
    with pytest.raises(RuntimeError, match="power went out"):
        upgrade_database(engine, now=NOW, script_location=str(scripts))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == \
            head_revision()
        assert "test_only" not in [r[1] for r in conn.exec_driver_sql(
            "PRAGMA table_info(ticket)")]
        assert "test_too" not in [r[1] for r in conn.exec_driver_sql(
            "PRAGMA table_info(contact)")]
        assert conn.exec_driver_sql("SELECT title FROM ticket").scalar() != "changed"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
    assert not {"test_extra", "_alembic_tmp_contact"} & _tables(db_path)
    numbers, note = open_and_count(db_path)
    assert numbers == [1001] and note == ""


def test_a_half_created_new_desk_is_recreated_with_one_line(
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_half_created_desk(db_path)
    assert cli.main(["--db", str(db_path), "tickets", "add", "--title", "Printer jam",
                     "--requester", "Ann Lee"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("desk-app: note: ")
    assert "half-created" in err[0] and "recreated" in err[0]
    assert open_and_count(db_path) == ([1001], "")


def test_a_file_with_desk_table_names_and_rows_is_still_refused_untouched(db_path: Path
                                                                          ) -> None:
    make_half_created_desk(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO category VALUES (1, 'Someone else''s data', 0)")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(MigrationError, match="not a Desk App database"):
        open_context(db_path, clock=FakeClock())
    assert db_path.read_bytes() == before


def test_a_half_migrated_desk_is_restored_from_its_backup_and_upgraded(
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    numbers = make_half_migrated_desk(db_path)
    assert cli.main(["--db", str(db_path), "tickets", "list"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("desk-app: note: "), err
    assert "half-migrated" in err[0] and "restored" in err[0]
    assert open_and_count(db_path) == (numbers, "")
    damaged = list(db_path.parent.glob(f"{db_path.name}.damaged-*"))
    assert len(damaged) == 1 and "sla_calendar" in _tables(damaged[0])


def test_a_half_migrated_desk_with_no_usable_backup_is_refused_in_one_line(
        db_path: Path) -> None:
    make_half_migrated_desk(db_path)
    for backup in db_path.parent.glob(f"{db_path.name}.before-*.bak"):
        backup.unlink()
    with pytest.raises(MigrationError) as err:
        open_context(db_path, clock=FakeClock())
    assert "half-migrated" in str(err.value) and "\n" not in str(err.value)
    assert "sla_calendar" in _tables(db_path)


def test_a_backup_older_than_the_desks_last_change_is_never_restored(db_path: Path) -> None:
    """A backup from an earlier upgrade lacks the work done since: refused, not restored."""
    make_half_migrated_desk(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO ticket_event (ticket_id, at, actor, kind, body) VALUES "
                 "(1, '2026-11-03 09:00:00.000000', 'Alex Morgan', 'internal_note', 'later')")
    conn.commit()
    conn.close()
    with pytest.raises(MigrationError, match="half-migrated"):
        open_context(db_path, clock=FakeClock())
    assert "sla_calendar" in _tables(db_path)
