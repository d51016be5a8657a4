"""Every way of creating a ticket stores the same creation snapshot, the JSON the SLA replay
starts from: the form (TicketService), the CSV import and the demo generator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desk_app.app import AppContext, open_context
from desk_app.domain.csv_import import ImportOptions
from desk_app.domain.csv_read import read_table
from desk_app.services import seed as seed_module
from tests.conftest import FakeClock, make_draft
from tests.helpers.desk_sql import run_sql

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines

# The snapshot the replay reads (priority, category, organization, status) and the rest.
KEYS = {"priority", "status", "category", "organization", "assignee", "impact", "urgency",
        "channel"}


def _snapshots(target: str | Path) -> list[tuple[dict[str, Any], str | None]]:
    """Each ticket's CREATED snapshot with the name of the organization it belongs to."""
    rows = run_sql(target,
        "SELECT e.new_value, o.name FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id "
        "LEFT JOIN organization o ON o.id = t.organization_id "
        "WHERE e.kind = 'created' ORDER BY t.number")
    return [(json.loads(value), org) for value, org in rows]


def test_form_import_and_generator_store_the_same_snapshot(ctx: AppContext,
                                                          desk_target: str | Path) -> None:
    ctx.tickets.create(make_draft(), actor="Alex Morgan")
    ctx.imports.run(
        read_table(b"Subject,Status,Priority,Full name,Company,Type\n"
                   b"Printer jam,Open,Urgent,Ben Brooks,Contoso,Incident\n"),
        ImportOptions(tz="UTC"), actor="Alex Morgan", source="desk.csv")
    ctx.generator.generate(tickets=30, seed=3)
    snapshots = _snapshots(desk_target)
    assert len(snapshots) == 32
    for snap, organization in snapshots:
        assert set(snap) == KEYS
        assert snap["status"] == "new"
        # The replay matches policies on the organization: it must be the ticket's own.
        assert snap["organization"] == organization
    assert any(org is not None for _, org in snapshots[2:])  # generated tickets have one


def test_generated_numbers_start_where_the_service_numbers_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # raising=False: the generator must take the constant, not a copy of its value.
    monkeypatch.setattr(seed_module, "FIRST_NUMBER", 5001, raising=False)
    context = open_context(tmp_path / "d.sqlite3", clock=FakeClock())
    try:
        report = context.generator.generate(
            tickets=3, seed=1)
    finally:
        context.close()
    assert (report.first_number, report.last_number) == (5001, 5003)
