"""PostgreSQL only: indexes for the ticket list's sorts and for substring search (issue 12).

Why each exists is in desk_app/store/pg_indexes.py; in short, `(column, id)` indexes turn
the list's sorts into index-only scans (SQLite's indexes carry the id already), and pg_trgm
GIN indexes answer `ILIKE '%word%'`. On SQLite this revision does nothing.

pg_trgm is created if it can be: a role without CREATE on the database (or a server without
the contrib package) is refused, and then the upgrade goes on without the trigram indexes,
with one line in the log. Each attempt runs in a savepoint, so a refusal does not abort the
upgrade's transaction. A later upgrade does not retry: `desk-app` works without them, and
a database owner can create them by hand (docs/performance.md says how).

Plain CREATE INDEX (CONCURRENTLY cannot run inside the upgrade's transaction): it blocks
writes to the table while it builds, a few seconds for 100,000 tickets, at start-up.

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

log = logging.getLogger("desk_app.store.migrations")

# (name, table, what the index is on): the sort orders of store/ticket_queries.py.
SORT_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("ix_pg_ticket_number_id", "ticket", "(number, id)"),
    ("ix_pg_ticket_priority_id", "ticket", "(priority, id)"),
    # INCLUDE (title): without the column itself the planner will not scan an expression
    # index alone, and reads 100,000 rows from the table instead.
    ("ix_pg_ticket_title_lower_id", "ticket", "(lower(title), id) INCLUDE (title)"),
    ("ix_pg_ticket_status_id", "ticket", "(status, id)"),
    ("ix_pg_ticket_created_id", "ticket", "(created_at, id)"),
    ("ix_pg_ticket_updated_id", "ticket", "(updated_at, id)"),
    ("ix_pg_ticket_response_due_id", "ticket", "(response_due_at, id)"),
    ("ix_pg_ticket_resolution_due_id", "ticket", "(resolution_due_at, id)"),
    ("ix_pg_ticket_urgent_due_id", "ticket", "(sla_urgent_due_at, id)"),
    # Sorting by organization or assignee: one range per name (store/pg_sort_ranges.py).
    ("ix_pg_ticket_organization_id", "ticket", "(organization_id, id)"),
    ("ix_pg_ticket_assignee_id", "ticket", "(assignee_id, id)"),
    # Sorting by requester: contacts in name order, each one's tickets in id order, then an
    # incremental sort within equal names, instead of sorting 100,000 joined rows.
    ("ix_pg_ticket_requester_id", "ticket", "(requester_id, id)"),
    ("ix_pg_contact_name_lower_id", "contact", "(lower(name), id)"),
)

# (name, table, column): the columns the list's search reads with ILIKE.
TRIGRAM_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("ix_pg_ticket_title_trgm", "ticket", "title"),
    ("ix_pg_ticket_description_trgm", "ticket", "description"),
    ("ix_pg_contact_name_trgm", "contact", "name"),
    ("ix_pg_contact_email_trgm", "contact", "email"),
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name, table, on in SORT_INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {on}")
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for name, table, column in TRIGRAM_INDEXES:
                bind.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                                     f"USING gin ({column} gin_trgm_ops)")
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        log.warning("search runs without trigram indexes: pg_trgm could not be set up "
                    "(%s); a database owner can add them, see docs/performance.md", reason)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name, _table, _on in (*TRIGRAM_INDEXES, *SORT_INDEXES):
        op.execute(f"DROP INDEX IF EXISTS {name}")
