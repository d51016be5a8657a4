"""Migration 0007 rewrites the stored risk of clocks that stopped after their target:
closed tickets are never recomputed by the monitor, so without it they keep 'met'."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command

from desk_app.app import open_context
from desk_app.store.engine import make_engine
from desk_app.store.migrate import alembic_config, upgrade_database
from tests.conftest import FakeClock, make_draft

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)
# (response_state, resolution_state, stored sla_risk before, after upgrade)
CASES = [
    ("breached_stopped", "met", "met", "missed"),
    ("met", "breached_stopped", "met", "missed"),
    ("breached_stopped", "running", "on_track", "on_track"),  # a live clock stays first
    ("breached_stopped", "running", "at_risk", "at_risk"),
    ("met", "met", "met", "met"),
]


def test_stored_risk_of_stopped_breached_clocks_becomes_missed(db_path: Path) -> None:
    ctx = open_context(db_path, clock=FakeClock(NOW), user_tz="UTC")
    ids = [ctx.tickets.create(make_draft(title=f"t{i}"), actor="Alex Morgan").id
           for i in range(len(CASES))]
    ctx.close()
    # Back to the schema before 0007 the way Alembic goes there, so the revisions after it
    # (0008 adds a column) can run again; stamping '0006' on a head desk re-ran them on
    # their own results ("duplicate column name: supervisor").
    engine = make_engine(f"sqlite:///{db_path}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    engine.dispose()
    raw = sqlite3.connect(db_path)
    for ticket_id, (response, resolution, risk, _after) in zip(ids, CASES, strict=True):
        clock_risk = {"breached_stopped": "met", "met": "met", "running": "on_track"}
        raw.execute("UPDATE ticket SET response_state=?, resolution_state=?, sla_risk=?, "
                    "response_risk=?, resolution_risk=? WHERE id=?",
                    (response, resolution, risk, clock_risk[response],
                     clock_risk[resolution], ticket_id))
    raw.commit()
    raw.close()

    engine = make_engine(f"sqlite:///{db_path}")
    upgrade_database(engine, now=NOW)

    def stored() -> list[tuple[str, str, str]]:
        with sqlite3.connect(db_path) as conn:
            return [conn.execute("SELECT sla_risk, response_risk, resolution_risk FROM ticket "
                                 "WHERE id=?", (i,)).fetchone() for i in ids]

    after = stored()
    assert [r[0] for r in after] == [c[3] for c in CASES]
    assert after[0][1:] == ("missed", "met")
    assert after[1][1:] == ("met", "missed")

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    assert [r[0] for r in stored()] == [c[2] for c in CASES]
    engine.dispose()
